/* ctl.h - the control socket of a running ustack process, and its client.
 *
 * A long-running subcommand serves a Unix stream socket (default
 * $XDG_RUNTIME_DIR/ustack-<pid>.ctl, else /tmp/ustack-<pid>.ctl). A client connects,
 * writes one request line and reads the answer until the server closes:
 *
 *   "sockets"  one line per socket of every stack:
 *                sock STACK PROTO RECVQ SENDQ LOCAL REMOTE STATE
 *              (PROTO tcp|udp, addresses a.b.c.d:port, STATE "-" for UDP)
 *   "stats"    per stack: "stack NAME", then "stat KEY VALUE" for every counter of
 *              struct ustack_stats, then "drop VALUE TEXT..." for every non-zero drop
 *              reason (TEXT as ustack_drop_name, may hold spaces)
 *   "ping"     "pong" (a liveness check)
 *
 * Every answer ends with the line "end"; an unknown request gets "error unknown request".
 * The socket file is removed when the server stops. */
#ifndef USTACK_TOOLS_CTL_H
#define USTACK_TOOLS_CTL_H

#include <stddef.h>
#include <stdio.h>

struct ustack;
struct tool_ctl;

/* Fills buf with the default path for this process. */
void tool_ctl_default_path(char *buf, size_t cap);

/* Serves the n stacks at path (NULL: the default path) on a thread. NULL on failure
 * (errno set; a one-line error printed to stderr). The stacks must outlive the server. */
struct tool_ctl *tool_ctl_start(struct ustack *const *stacks, int n, const char *path);
const char *tool_ctl_path(const struct tool_ctl *c);
/* Stops the thread, closes and removes the socket. c may be NULL. */
void tool_ctl_stop(struct tool_ctl *c);

/* Client: sends request to the server at path and copies the answer lines (without the
 * final "end") to out. Returns 0, or -1 with errno (a message in err, cap errcap). */
int tool_ctl_query(const char *path, const char *request, FILE *out, char *err, size_t errcap);

/* Finds the only ustack control socket in $XDG_RUNTIME_DIR and /tmp (ustack-*.ctl that
 * accepts a connection). Returns 0 with the path in buf, or -1 with a message in err. */
int tool_ctl_find(char *buf, size_t cap, char *err, size_t errcap);

#endif
