/* demo_mail.h - the mail journey of `ustack demo --scenario mail` (demo_mail.c). */
#ifndef USTACK_TOOLS_DEMO_MAIL_H
#define USTACK_TOOLS_DEMO_MAIL_H

#include <stdio.h>

struct demo;
struct demo_step_view;

/* Step 0: the MX question, then the exchanger's address; prints the step. 0 or -1. */
int demo_mail_resolve(struct demo *d);
/* Step 3, on the connected d->fd: the SMTP dialogue; prints the step. 0 or -1. */
int demo_mail_smtp(struct demo *d);
/* What steps 0 and 3 meant (called by demo_explain_step). */
void demo_mail_explain(struct demo *d, int step, const struct demo_step_view *v);
/* The summary's first line. */
void demo_mail_summary(struct demo *d, FILE *o);

#endif
