/* smtpd.h - a small SMTP server (RFC 5321) on a ustack stack, for the mail journey of
 * `ustack demo --scenario mail`: it greets, answers EHLO/HELO, MAIL FROM, RCPT TO, DATA
 * (the message up to the line with a lone "."), RSET, NOOP and QUIT, accepts mail for
 * its own domain only, and keeps the last message it was given. One connection at a
 * time, on a thread of its own; every wait is bounded. */
#ifndef USTACK_TOOLS_SMTPD_H
#define USTACK_TOOLS_SMTPD_H

#include <stddef.h>
#include <stdint.h>
#include "ustack/ustack.h"

#define SMTPD_MAX_MESSAGE (64u << 10)

struct smtpd_config {
	const char *hostname;        /* in the greeting and the EHLO reply */
	const char *domain;          /* RCPT TO:<x@domain> is accepted, others get 550 */
	uint16_t port;               /* 0: 25 */
	unsigned idle_ms;            /* a silent client is dropped after this (0: 30 s) */
};

struct smtpd;
/* Binds, listens and starts serving; NULL with errno on failure. */
struct smtpd *smtpd_start(struct ustack *st, const struct smtpd_config *cfg);
void smtpd_stop(struct smtpd *s);

/* The last message accepted (250 after DATA): envelope and text (dot-unstuffed). */
struct smtpd_message {
	char from[256], to[256];
	char *data;
	size_t len;
	unsigned accepted;           /* messages accepted so far */
};
/* Copies the last message (out->data malloc'd, or NULL); 0 if there is one, else -1. */
int smtpd_last(struct smtpd *s, struct smtpd_message *out);

#endif
