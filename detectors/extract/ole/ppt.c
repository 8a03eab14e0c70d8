/*
 * ppt.c — the text of a PowerPoint 97–2003 presentation ([MS-PPT]),
 * read from its PowerPoint Document stream.
 *
 * The stream is a sequence of records (8-byte header: version/instance,
 * type, length); containers (version 0xF) hold records, and OfficeArt
 * drawings use the same header, so one linear walk that enters every
 * container and skips every atom reaches all of them.  Read: TextCharsAtom
 * (UTF-16LE) and TextBytesAtom (8-bit, the low bytes of UTF-16) — the text
 * of slides, notes, outlines and shapes, including text kept from earlier
 * "fast saves" — and CString atoms (hyperlink targets such as mailto:,
 * comment authors and texts, slide names), one atom a line.  Not read:
 * embedded OLE objects (ExOleObjStg, compressed), charts, pictures.
 * A CryptSession10Container makes the presentation encrypted.
 */
#include "extract/extract.h"
#include "extract/ole/ole.h"

enum {
	RT_TEXTCHARS = 0x0FA0,
	RT_TEXTBYTES = 0x0FA8,
	RT_CSTRING = 0x0FBA,
	RT_CRYPTSESSION10 = 0x2F14,
};

static void
ppt_text(struct ole_u16 *u, const unsigned char *p, size_t n, bool wide)
{
	size_t i, w = wide ? 2 : 1;

	for (i = 0; i + w <= n && !u->full; i += w) {
		unsigned c = wide ? ole_le16(p + i) : p[i];
		if (c == 0x0D || c == 0x0B)
			c = '\n';
		else if (c < 0x20 && c != '\t')
			continue;
		ole_u16_put(u, c);
	}
	ole_u16_put(u, '\n');
}

int
ole_ppt_text(struct inspect *in, const unsigned char *d, size_t len,
    struct textbuf *out, bool *encrypted)
{
	struct ole_u16 u = { .out = out };
	size_t pos = 0, nrec = 0;

	if (len < 8 || (ole_le16(d) & 0x0F) != 0x0F)	/* DocumentContainer first */
		return -1;
	while (pos + 8 <= len && !u.full) {
		unsigned ver = ole_le16(d + pos) & 0x0F, type = ole_le16(d + pos + 2);
		uint32_t rl = ole_le32(d + pos + 4);
		if (type == RT_CRYPTSESSION10) {
			*encrypted = true;
			return 0;
		}
		if (ver == 0x0F) {		/* container: walk into it */
			pos += 8;
			continue;
		}
		if (rl > len - pos - 8)
			break;			/* truncated: keep what was read */
		if (type == RT_TEXTCHARS || type == RT_CSTRING)
			ppt_text(&u, d + pos + 8, rl, true);
		else if (type == RT_TEXTBYTES)
			ppt_text(&u, d + pos + 8, rl, false);
		pos += 8 + rl;
		if ((++nrec & 4095) == 0 && inspect_out_of_time(in))
			break;
	}
	ole_u16_flush(&u);
	return 0;
}
