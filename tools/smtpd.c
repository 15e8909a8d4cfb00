/* smtpd.c - the small SMTP server (see smtpd.h). The dialogue follows RFC 5321 4.1 and
 * 4.3.2: 220 greeting; EHLO -> 250 lines (HELO -> one); MAIL FROM -> 250 (503 out of
 * order); RCPT TO -> 250 for our domain, 550 otherwise; DATA -> 354, then the text up to
 * CRLF.CRLF, dot-unstuffed (4.5.2) -> 250; QUIT -> 221, and the server then waits for
 * the client to close (bounded), so the mailer is the one that closes first. Lines are
 * at most 1000 bytes (4.5.3.1.6), a message at most SMTPD_MAX_MESSAGE. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <arpa/inet.h>

#include "ustack/socket.h"
#include "smtpd.h"

#define SLICE_MS 100
#define IDLE_MS 30000
#define LINE_MAX_LEN 1000

struct smtpd {
	struct ustack *st;
	int lfd;
	char hostname[128], domain[128];
	unsigned idle_ms;
	pthread_t th;
	atomic_bool stopping;
	pthread_mutex_t mu;
	struct smtpd_message last;
	/* the connection being served */
	char in[4096];
	size_t in_len;
};

struct session {
	int fd;
	bool helo, mail, rcpt;
	char from[256], to[256];
};

static int send_all(struct smtpd *s, int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = ustack_send(s->st, fd, p, n, 0);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int reply(struct smtpd *s, int fd, const char *text)
{
	return send_all(s, fd, text, strlen(text));
}

/* One line without its CRLF into line (cut at cap-1); 1, 0 at the end, -1 on error or
 * when idle for too long or stopping. */
static int read_line(struct smtpd *s, int fd, char *line, size_t cap, size_t *len)
{
	unsigned idle = 0;
	for (;;) {
		char *nl = memchr(s->in, '\n', s->in_len);
		if (nl || s->in_len == sizeof s->in) {
			size_t n = nl ? (size_t)(nl - s->in) + 1 : s->in_len;
			size_t k = n;
			if (nl) {
				k--;
				if (k && s->in[k - 1] == '\r')
					k--;
			}
			size_t c = k < cap - 1 ? k : cap - 1;
			memcpy(line, s->in, c);
			line[c] = '\0';
			*len = c;
			memmove(s->in, s->in + n, s->in_len - n);
			s->in_len -= n;
			return 1;
		}
		if (atomic_load(&s->stopping) || idle >= s->idle_ms)
			return -1;
		ssize_t r = ustack_recv(s->st, fd, s->in + s->in_len, sizeof s->in - s->in_len, 0);
		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				idle += SLICE_MS;
				continue;
			}
			return -1;
		}
		idle = 0;
		s->in_len += (size_t)r;
	}
}

/* "<user@domain>" after "FROM:" / "TO:" (RFC 5321 4.1.2, the plain form) into out. */
static bool path_arg(const char *arg, char *out, size_t cap)
{
	while (*arg == ' ')
		arg++;
	const char *lt = strchr(arg, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (!lt || !gt || (size_t)(gt - lt - 1) >= cap)
		return false;
	snprintf(out, cap, "%.*s", (int)(gt - lt - 1), lt + 1);
	return true;
}

static int data(struct smtpd *s, struct session *x)
{
	char line[LINE_MAX_LEN + 1];
	size_t len, cap = 4096, n = 0;
	char *msg = malloc(cap);
	if (!msg || reply(s, x->fd, "354 End data with <CR><LF>.<CR><LF>\r\n") < 0) {
		free(msg);
		return -1;
	}
	bool too_big = false;
	for (;;) {
		int r = read_line(s, x->fd, line, sizeof line, &len);
		if (r <= 0) {
			free(msg);
			return -1;
		}
		if (len == 1 && line[0] == '.')
			break;
		const char *p = line[0] == '.' ? line + 1 : line;   /* dot-unstuffing */
		size_t pl = line[0] == '.' ? len - 1 : len;
		if (n + pl + 2 > SMTPD_MAX_MESSAGE) {
			too_big = true;
			continue;
		}
		while (n + pl + 3 > cap) {
			char *m = realloc(msg, cap * 2);
			if (!m) {
				free(msg);
				return -1;
			}
			msg = m;
			cap *= 2;
		}
		memcpy(msg + n, p, pl);
		n += pl;
		msg[n++] = '\r';
		msg[n++] = '\n';
	}
	if (too_big) {
		free(msg);
		return reply(s, x->fd, "552 5.3.4 Message too big\r\n");
	}
	msg[n] = '\0';
	pthread_mutex_lock(&s->mu);
	free(s->last.data);
	snprintf(s->last.from, sizeof s->last.from, "%s", x->from);
	snprintf(s->last.to, sizeof s->last.to, "%s", x->to);
	s->last.data = msg;
	s->last.len = n;
	unsigned id = ++s->last.accepted;
	pthread_mutex_unlock(&s->mu);
	x->mail = x->rcpt = false;
	char ok[96];
	snprintf(ok, sizeof ok, "250 2.0.0 Ok: queued as %u\r\n", id);
	return reply(s, x->fd, ok);
}

static void serve(struct smtpd *s, int fd)
{
	struct session x = { .fd = fd };
	char line[LINE_MAX_LEN + 1], buf[512];
	size_t len;
	struct timeval tv = { 0, SLICE_MS * 1000 };
	ustack_setsockopt(s->st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	s->in_len = 0;
	snprintf(buf, sizeof buf, "220 %s ESMTP ustack-smtpd\r\n", s->hostname);
	if (reply(s, fd, buf) < 0)
		return;
	for (;;) {
		if (read_line(s, fd, line, sizeof line, &len) <= 0)
			return;
		if (!strncasecmp(line, "EHLO ", 5) || !strncasecmp(line, "HELO ", 5)) {
			x.helo = true;
			x.mail = x.rcpt = false;
			if (line[0] == 'E' || line[0] == 'e')
				snprintf(buf, sizeof buf, "250-%s greets %.100s\r\n250-SIZE %u\r\n250 8BITMIME\r\n",
					 s->hostname, line + 5, SMTPD_MAX_MESSAGE);
			else
				snprintf(buf, sizeof buf, "250 %s\r\n", s->hostname);
			if (reply(s, fd, buf) < 0)
				return;
		} else if (!strncasecmp(line, "MAIL FROM:", 10)) {
			if (!x.helo || x.mail) {
				if (reply(s, fd, "503 5.5.1 Bad sequence of commands\r\n") < 0)
					return;
			} else if (!path_arg(line + 10, x.from, sizeof x.from)) {
				if (reply(s, fd, "501 5.1.7 Bad sender address syntax\r\n") < 0)
					return;
			} else {
				x.mail = true;
				if (reply(s, fd, "250 2.1.0 Ok\r\n") < 0)
					return;
			}
		} else if (!strncasecmp(line, "RCPT TO:", 8)) {
			char to[256];
			const char *at;
			if (!x.mail) {
				if (reply(s, fd, "503 5.5.1 Bad sequence of commands\r\n") < 0)
					return;
			} else if (!path_arg(line + 8, to, sizeof to) || !(at = strrchr(to, '@'))) {
				if (reply(s, fd, "501 5.1.3 Bad recipient address syntax\r\n") < 0)
					return;
			} else if (strcasecmp(at + 1, s->domain)) {
				if (reply(s, fd, "550 5.7.1 Relay access denied\r\n") < 0)
					return;
			} else {
				snprintf(x.to, sizeof x.to, "%s", to);
				x.rcpt = true;
				if (reply(s, fd, "250 2.1.5 Ok\r\n") < 0)
					return;
			}
		} else if (!strcasecmp(line, "DATA")) {
			if (!x.rcpt) {
				if (reply(s, fd, "503 5.5.1 Bad sequence of commands\r\n") < 0)
					return;
			} else if (data(s, &x) < 0) {
				return;
			}
		} else if (!strcasecmp(line, "RSET")) {
			x.mail = x.rcpt = false;
			if (reply(s, fd, "250 2.0.0 Ok\r\n") < 0)
				return;
		} else if (!strcasecmp(line, "NOOP")) {
			if (reply(s, fd, "250 2.0.0 Ok\r\n") < 0)
				return;
		} else if (!strcasecmp(line, "QUIT")) {
			if (reply(s, fd, "221 2.0.0 Bye\r\n") < 0)
				return;
			/* the client closes; we close after its FIN (or a bounded wait) */
			while (read_line(s, fd, line, sizeof line, &len) > 0)
				;
			return;
		} else {
			if (reply(s, fd, "502 5.5.2 Command not recognized\r\n") < 0)
				return;
		}
	}
}

static void *smtpd_main(void *arg)
{
	struct smtpd *s = arg;
	while (!atomic_load(&s->stopping)) {
		struct pollfd p = { .fd = s->lfd, .events = POLLIN };
		if (ustack_poll(s->st, &p, 1, SLICE_MS) <= 0)
			continue;
		struct sockaddr_in peer;
		socklen_t alen = sizeof peer;
		int fd = ustack_accept(s->st, s->lfd, (struct sockaddr *)&peer, &alen);
		if (fd < 0)
			continue;
		serve(s, fd);
		ustack_close(s->st, fd);
	}
	return NULL;
}

struct smtpd *smtpd_start(struct ustack *st, const struct smtpd_config *cfg)
{
	struct smtpd *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->st = st;
	snprintf(s->hostname, sizeof s->hostname, "%s", cfg->hostname ? cfg->hostname : "localhost");
	snprintf(s->domain, sizeof s->domain, "%s", cfg->domain ? cfg->domain : s->hostname);
	s->idle_ms = cfg->idle_ms ? cfg->idle_ms : IDLE_MS;
	pthread_mutex_init(&s->mu, NULL);
	s->lfd = ustack_socket(st, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(cfg->port ? cfg->port : 25);
	if (s->lfd < 0 || ustack_bind(st, s->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    ustack_listen(st, s->lfd, 8) < 0 || pthread_create(&s->th, NULL, smtpd_main, s)) {
		int e = errno;
		if (s->lfd >= 0)
			ustack_close(st, s->lfd);
		pthread_mutex_destroy(&s->mu);
		free(s);
		errno = e;
		return NULL;
	}
	return s;
}

void smtpd_stop(struct smtpd *s)
{
	if (!s)
		return;
	atomic_store(&s->stopping, true);
	pthread_join(s->th, NULL);
	ustack_close(s->st, s->lfd);
	pthread_mutex_destroy(&s->mu);
	free(s->last.data);
	free(s);
}

int smtpd_last(struct smtpd *s, struct smtpd_message *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&s->mu);
	int rc = -1;
	if (s->last.accepted) {
		*out = s->last;
		out->data = malloc(s->last.len + 1);
		if (out->data) {
			memcpy(out->data, s->last.data, s->last.len + 1);
			rc = 0;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}
