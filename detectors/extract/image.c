/*
 * image.c — text in pictures: OCR with Tesseract (its C API), images
 * decoded by Leptonica.
 *
 * The "image" extractor takes PNG, JPEG, TIFF (its first page) and GIF as
 * libmagic names them.  Before anything is decoded the header's width and
 * height are read (Leptonica's pixReadHeaderMem; GIF's logical screen by
 * hand, because Leptonica decodes a whole GIF to learn its size), and a
 * picture of more than [limits] ocr_max_pixels is not decoded at all.  The
 * decoded picture goes to Tesseract as 8-bit grey, with its resolution
 * when the file gives one (else 96 dpi: a screenshot), and the text it
 * reads is the part's text, through the same pipeline as any other.
 *
 * What could not be read — over ocr_max_pixels, not decodable, out of the
 * message's time — makes the part unscanned only with [limits]
 * ocr_unscanned = yes: most pictures in mail are logos and photographs,
 * and a policy that held every one it could not read would hold most mail.
 * A picture read in full with no text in it (a logo) is clean, never
 * unscanned.
 *
 * Tesseract: one engine per process, for the languages "jpn+eng" (the
 * Japanese model alone reads "090" as "990" in IPA Gothic at 10 pt, and
 * then no telephone number is found; with the English model beside it all
 * 20 numbers of the tests' pictures are read, for about 60 % more time),
 * LSTM only, page segmentation "auto".  It is made on first use: reading
 * the two models costs 0.5 s of CPU and 48 MB of memory, which a sandbox
 * worker that never meets an image (most of them, most of the time) does
 * not pay.  A worker therefore opens the traineddata (read-only, under
 * /usr/share/tesseract-ocr/) after its sandbox closed: its Landlock rules
 * let it read /usr and its seccomp filter opens read-only; nothing else is
 * opened later, and the engine stays for the worker's next images.  One image
 * at a time per process (a mutex): in the daemon images are read in the
 * workers, one part per worker, and the pool starts its workers with
 * OMP_THREAD_LIMIT=1 so that Tesseract's OpenMP stays on one core.
 * Recognition is bounded by the message's time: an ETEXT_DESC monitor
 * with the time left as its deadline and a cancel callback on the same
 * clock; what was read before the deadline still counts.
 *
 * Quiet: Tesseract's debug output goes to /dev/null (debug_file), and
 * Leptonica's messages are off.  In a sandbox worker, which may not open
 * /dev/null for writing, stderr itself points to /dev/null while a
 * picture is decoded and read (ocr_quiet_fd: the worker's stdout).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "extract/extract.h"

#define OCR_LANG "jpn+eng"
#define OCR_DEFAULT_DPI 96

static pthread_mutex_t ocr_lock = PTHREAD_MUTEX_INITIALIZER;
static TessBaseAPI *ocr_api;		/* under ocr_lock; made once */
static char ocr_err[160];		/* why it could not be made */
static int quiet_fd = -1;		/* stderr while reading, or -1 */

void
ocr_quiet_fd(int fd)
{
	quiet_fd = fd;
}

/* stderr to quiet_fd; returns the saved stderr to give to loud(), or -1. */
static int
quiet(void)
{
	int saved = quiet_fd >= 0 ? dup(2) : -1;

	/* dup3, not dup2: a worker's seccomp filter allows dup and dup3 */
	if (saved >= 0 && dup3(quiet_fd, 2, 0) < 0) {
		close(saved);
		saved = -1;
	}
	return saved;
}

static void
loud(int saved)
{
	if (saved >= 0) {
		dup3(saved, 2, 0);
		close(saved);
	}
}

/* Make the engine: under ocr_lock.  0, or -1 (ocr_err set). */
static int
ocr_make(void)
{
	if (ocr_api)
		return 0;
	if (ocr_err[0])
		return -1;
	setMsgSeverity(L_SEVERITY_NONE);
	if (!(ocr_api = TessBaseAPICreate())) {
		snprintf(ocr_err, sizeof(ocr_err), "TessBaseAPICreate failed");
		return -1;
	}
	/* before Init: the first debug line is written while loading */
	TessBaseAPISetVariable(ocr_api, "debug_file", "/dev/null");
	if (TessBaseAPIInit2(ocr_api, NULL, OCR_LANG, OEM_LSTM_ONLY) != 0) {
		snprintf(ocr_err, sizeof(ocr_err), "no Tesseract data for %s (Debian's "
		    "tesseract-ocr-jpn and tesseract-ocr-eng)", OCR_LANG);
		TessBaseAPIDelete(ocr_api);
		ocr_api = NULL;
		return -1;
	}
	TessBaseAPISetVariable(ocr_api, "debug_file", "/dev/null");
	TessBaseAPISetPageSegMode(ocr_api, PSM_AUTO);
	return 0;
}

/* Mark part idx unscanned for why, when the policy counts pictures that
 * could not be read ([limits] ocr_unscanned); otherwise leave it. */
static void
ocr_unread(struct inspect *in, size_t idx, const char *why)
{
	if (in->opt->limits.ocr_unscanned)
		inspect_unscanned(in, idx, "%s", why);
}

/* Tesseract's cancel callback: true once the message's time is spent. */
static bool
ocr_cancel(void *arg, int words)
{
	return inspect_out_of_time(arg);
}

/* Milliseconds left of the message's budget (0 when spent). */
static long
ms_left(const struct inspect *in)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (in->deadline.tv_sec - now.tv_sec) * 1000 +
	    (in->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/* Join what OCR splits in a mail address: "example. jp" and "taro. yamada@"
 * become "example.jp" and "taro.yamada@" — a space right after a dot,
 * between lower-case letters or digits, in a word that holds an '@'.  In
 * place; returns the new length. */
static size_t
join_addresses(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ' && o > 1 && s[o - 1] == '.' && i + 1 < len &&
		    ((s[i + 1] >= 'a' && s[i + 1] <= 'z') || (s[i + 1] >= '0' && s[i + 1] <= '9')) &&
		    ((s[o - 2] >= 'a' && s[o - 2] <= 'z') || (s[o - 2] >= '0' && s[o - 2] <= '9'))) {
			/* an '@' in the word before the dot, or in the word after it */
			size_t b = o, e = i + 1;
			bool at = false;
			while (b > 0 && s[b - 1] != ' ' && s[b - 1] != '\n' && !at)
				at = s[--b] == '@';
			while (e < len && s[e] != ' ' && s[e] != '\n' && !at)
				at = s[e++] == '@';
			if (at)
				continue;
		}
		s[o++] = s[i];
	}
	return o;
}

/* Recognise pix (when set) or the 8-bit grey buffer at dpi into out.
 * 0, 1 when out of time (what was read is kept), -1 when there is no
 * engine (ocr_err). */
static int
ocr_run(struct inspect *in, PIX *pix, const unsigned char *grey, int w, int h, int stride,
    int dpi, struct textbuf *out)
{
	ETEXT_DESC *mon = NULL;
	char *text = NULL;
	long ms = ms_left(in);
	int rc = -1, saved;

	if (ms == 0 || inspect_out_of_time(in))
		return 1;
	pthread_mutex_lock(&ocr_lock);
	saved = quiet();
	if (ocr_make() < 0 || !(mon = TessMonitorCreate()))
		goto out;
	TessMonitorSetCancelFunc(mon, ocr_cancel);
	TessMonitorSetCancelThis(mon, in);
	TessMonitorSetDeadlineMSecs(mon, ms > 0x7fffffff ? 0x7fffffff : (int)ms);
	if (pix)
		TessBaseAPISetImage2(ocr_api, pix);
	else
		TessBaseAPISetImage(ocr_api, grey, w, h, 1, stride);
	TessBaseAPISetSourceResolution(ocr_api, dpi > 0 ? dpi : OCR_DEFAULT_DPI);
	TessBaseAPIRecognize(ocr_api, mon);
	rc = inspect_out_of_time(in) ? 1 : 0;
	if ((text = TessBaseAPIGetUTF8Text(ocr_api))) {
		size_t n = join_addresses(text, strlen(text));
		textbuf_append(out, text, n);
		TessDeleteText(text);
	}
	TessBaseAPIClear(ocr_api);
out:
	loud(saved);
	pthread_mutex_unlock(&ocr_lock);
	if (mon)
		TessMonitorDelete(mon);
	return rc;
}

int
ocr_grey(struct inspect *in, const unsigned char *grey, int w, int h, int stride, int dpi,
    struct textbuf *out)
{
	return ocr_run(in, NULL, grey, w, h, stride, dpi, out);
}

const char *
ocr_error(void)
{
	return ocr_err[0] ? ocr_err : "OCR engine not made";
}

/* ---- the image extractor ---- */

static int
image_accepts(const char *mime, const char *declared, const unsigned char *data, size_t len)
{
	static const char *const types[] = { "image/png", "image/jpeg", "image/tiff",
	    "image/gif", NULL };

	for (size_t i = 0; mime && types[i]; i++)
		if (strcmp(mime, types[i]) == 0)
			return 1;
	return 0;
}

/* Width and height from the header, without decoding.  0, or -1 when the
 * header cannot be read. */
static int
image_size(const unsigned char *data, size_t len, long *w, long *h)
{
	l_int32 fmt = 0, pw = 0, ph = 0, bps = 0, spp = 0, cmap = 0;

	if (len >= 10 && memcmp(data, "GIF8", 4) == 0) {	/* the logical screen */
		*w = data[6] | data[7] << 8;
		*h = data[8] | data[9] << 8;
		return *w > 0 && *h > 0 ? 0 : -1;
	}
	if (pixReadHeaderMem(data, len, &fmt, &pw, &ph, &bps, &spp, &cmap) != 0 || pw <= 0 ||
	    ph <= 0)
		return -1;
	*w = pw;
	*h = ph;
	return 0;
}

static int
image_extract(struct inspect *in, size_t idx, const unsigned char *data, size_t len,
    unsigned depth, const char *charset, struct textbuf *out)
{
	const struct scan_limits *lim = &in->opt->limits;
	PIX *pix = NULL, *g = NULL;
	long w = 0, h = 0;
	char why[160];
	int rc;

	setMsgSeverity(L_SEVERITY_NONE);
	if (image_size(data, len, &w, &h) < 0) {
		ocr_unread(in, idx, "image not read: its header cannot be decoded");
		return 0;
	}
	if ((unsigned long long)w * (unsigned long long)h > lim->ocr_max_pixels) {
		snprintf(why, sizeof(why), "image not read: %ld x %ld pixels, over ocr_max_pixels "
		    "(%zu)", w, h, lim->ocr_max_pixels);
		ocr_unread(in, idx, why);
		return 0;
	}
	int saved = quiet();		/* libpng's complaints about a broken file */
	pix = pixReadMem(data, len);
	g = pix ? pixConvertTo8(pix, 0) : NULL;
	loud(saved);
	if (!pix || !g) {
		ocr_unread(in, idx, "image not read: it cannot be decoded");
		pixDestroy(&pix);
		return 0;
	}
	/* the decoder may disagree with the header: bound what it made too */
	if ((unsigned long long)pixGetWidth(g) * (unsigned long long)pixGetHeight(g) >
	    lim->ocr_max_pixels) {
		ocr_unread(in, idx, "image not read: over ocr_max_pixels once decoded");
		rc = 0;
	} else {
		int dpi = pixGetXRes(pix) >= 70 && pixGetXRes(pix) <= 1200 ? pixGetXRes(pix) : 0;
		pixDestroy(&pix);		/* the colours are not needed now */
		rc = ocr_run(in, g, NULL, 0, 0, 0, dpi, out);
		if (rc == 1)
			ocr_unread(in, idx, "image not read in full: out of time");
		else if (rc < 0)		/* an installation fault, not the picture's */
			inspect_unscanned(in, idx, "image not read: %s", ocr_error());
	}
	pixDestroy(&g);
	pixDestroy(&pix);
	return 0;
}

const struct extractor extract_image = {
	.name = "image",
	.accepts = image_accepts,
	.extract = image_extract,
};
