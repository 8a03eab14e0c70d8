/*
 * html_text.h — HTML to plain text with libxml2's HTML parser (no network,
 * no entities loaded): tags dropped, entities decoded, script and style
 * dropped, block elements to line breaks, table cells to tabs (a table
 * row is one line: blocks and <br> inside a cell become spaces), inline
 * elements joined with no separator (090-<b>1234</b>-5678 stays one number).
 */
#ifndef DLP_HTML_TEXT_H
#define DLP_HTML_TEXT_H

#include <stddef.h>

struct textbuf;

/* Append the text of the HTML document html[0..len) to out.  charset is
 * the declared charset (MIME), else the document's meta charset, else
 * detection, is used to read it.  Returns 0, or -1 on ENOMEM or when out
 * is full (out->truncated set). */
int html_text(const unsigned char *html, size_t len, const char *charset, struct textbuf *out);

#endif
