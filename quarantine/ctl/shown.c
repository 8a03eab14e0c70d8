/*
 * shown.c — text that mail brought in, made safe for a terminal (ctl.h):
 * a decoded Subject "…\r\nBcc: x" must not print as a second line that a
 * reader takes for a header, nor an ESC sequence repaint the screen.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

#define SHOWN_BUFS 8
#define SHOWN_LEN 4096

const char *ctl_shown(const char *s, const char *def)
{
	static char bufs[SHOWN_BUFS][SHOWN_LEN];
	static unsigned next;
	char *out = bufs[next++ % SHOWN_BUFS];
	size_t o = 0;

	if (!s || !*s)
		s = def ? def : "";
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 8 < SHOWN_LEN; p++) {
		unsigned c = *p;
		const char *name = c == '\r' ? "\\r" : c == '\n' ? "\\n" : c == '\t' ? "\\t" :
		    c == 0x1b ? "\\e" : c == '\\' ? "\\\\" : NULL;
		if (name) {
			o += (size_t)snprintf(out + o, SHOWN_LEN - o, "%s", name);
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, SHOWN_LEN - o, "\\x%02x", c);
		} else if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			/* a C1 control in UTF-8 (U+0080..U+009F): CSI is one */
			o += (size_t)snprintf(out + o, SHOWN_LEN - o, "\\u%04x", p[1]);
			p++;
		} else {
			out[o++] = (char)c;
		}
	}
	if (o + 8 >= SHOWN_LEN)
		o += (size_t)snprintf(out + o, SHOWN_LEN - o, "…");
	out[o] = '\0';
	return out;
}
