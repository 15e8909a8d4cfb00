/* demo_html.h - `ustack demo --html FILE`: the walkthrough as one self-contained page.
 *
 * While the demo runs, the recorder keeps each step's narration in both languages (every
 * SAY of the step, in English and in Korean) and, at each step's end, the client's socket
 * table and neighbour cache. At the end the page is written: the frames are the capture
 * itself (the pcap the run wrote, read back record by record), each matched to the trace
 * event that sent or received it (who sent it to whom, in which step, lost or sent
 * again) and taken apart by demo_dissect; with them the steps, the tables and each TCP
 * connection's state changes. tools/demo_page.{html,css,js} draw it in the browser. */
#ifndef USTACK_TOOLS_DEMO_HTML_H
#define USTACK_TOOLS_DEMO_HTML_H

#include <stdarg.h>

struct demo;

/* Starts recording (before the first SAY); -1 on allocation failure. */
int demo_html_begin(struct demo *d);
/* A new section of the narration: step (enum demo_step), -1 for the introduction,
 * DEMO_STEP_MAX for the summary. Snapshots the tables for the section it closes. */
void demo_html_section(struct demo *d, int step);
/* Appends to the current section (no-op when not recording); the va_lists are consumed. */
void demo_html_text(struct demo *d, const char *en, const char *ko, va_list en_ap, va_list ko_ap);
/* Text that is the same in both languages. */
void demo_html_raw(struct demo *d, const char *text);
/* The narration showed frame #no (its own count): the page renumbers it as the capture does. */
struct demo_ev;
void demo_html_shown(struct demo *d, unsigned no, const struct demo_ev *e);
/* Writes the page; pcap_path is the capture of this run (closed). 0 or -1 with errno. */
int demo_html_write(struct demo *d, const char *path, const char *pcap_path);
void demo_html_free(struct demo *d);

#endif
