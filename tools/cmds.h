/* cmds.h - the subcommands of the `ustack` command, one file each. Each returns the
 * process exit status: 0 success, 1 failure (as the tool it mimics defines it), 2 bad usage. */
#ifndef USTACK_TOOLS_CMDS_H
#define USTACK_TOOLS_CMDS_H

int cmd_demo(int argc, char **argv);     /* demo.c */
int cmd_ping(int argc, char **argv);     /* ping.c */
int cmd_up(int argc, char **argv);       /* up.c */
int cmd_host(int argc, char **argv);     /* host.c */
int cmd_dns(int argc, char **argv);      /* dns.c */
int cmd_netstat(int argc, char **argv);  /* netstat.c */
int cmd_serve(int argc, char **argv);    /* serve.c */
int cmd_get(int argc, char **argv);      /* get.c */
int cmd_bulk(int argc, char **argv);     /* bulk.c */
int cmd_udpcat(int argc, char **argv);   /* udpcat.c: hidden, for the interop tests */

#endif
