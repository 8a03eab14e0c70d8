/*
 * pdf_ocr.c — OCR of a PDF page without a text layer (pdf_ocr.h).
 *
 * A page counts as text-less when poppler gives no text but white space
 * for it; it is read only when it shows at least one image (a scanned
 * page is one image; an empty or drawn-only page has nothing to read).
 * It is drawn whole with poppler into a cairo image surface on white at
 * PDF_OCR_DPI, or at the lower resolution that keeps it within
 * ocr_max_pixels (never under PDF_OCR_MIN_DPI: a larger page is not
 * read), turned into 8-bit grey and handed to ocr_grey() (image.c) with
 * that resolution.  The surface is freed before the next page.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "extract/pdf_ocr.h"

#define PDF_OCR_DPI 300.0
#define PDF_OCR_MIN_DPI 100.0

/* The page shows an image. */
static bool
has_image(PopplerPage *pg)
{
	GList *l = poppler_page_get_image_mapping(pg);
	bool any = l != NULL;

	poppler_page_free_image_mapping(l);
	return any;
}

/* cairo's RGB24 (native-endian 0x00RRGGBB words) to 8-bit grey, in place
 * at the start of each row: the grey row is shorter than the colour one. */
static void
to_grey(unsigned char *px, int w, int h, int stride)
{
	for (int y = 0; y < h; y++) {
		const uint32_t *src = (const uint32_t *)(px + (size_t)y * stride);
		unsigned char *dst = px + (size_t)y * stride;
		for (int x = 0; x < w; x++) {
			uint32_t v = src[x];
			unsigned r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, b = v & 0xff;
			dst[x] = (unsigned char)((r * 77 + g * 150 + b * 29) >> 8);
		}
	}
}

static void
unread(struct inspect *in, size_t idx, int page, const char *why)
{
	if (in->opt->limits.ocr_unscanned)
		inspect_unscanned(in, idx, "pdf page %d without text not read: %s", page + 1, why);
}

int
pdf_ocr_page(struct inspect *in, size_t idx, PopplerPage *pg, int page, struct textbuf *out)
{
	double pw = 0, ph = 0, dpi = PDF_OCR_DPI, max = (double)in->opt->limits.ocr_max_pixels;
	cairo_surface_t *s;
	cairo_t *cr;
	int w, h, rc;

	if (!has_image(pg))
		return 0;
	poppler_page_get_size(pg, &pw, &ph);		/* points */
	if (pw <= 0 || ph <= 0)
		return 0;
	if (pw / 72 * dpi * (ph / 72 * dpi) > max)
		dpi = sqrt(max / (pw / 72 * (ph / 72)));
	if (dpi < PDF_OCR_MIN_DPI || pw / 72 * dpi > 30000 || ph / 72 * dpi > 30000) {
		unread(in, idx, page, "over ocr_max_pixels");
		return -1;
	}
	w = (int)(pw / 72 * dpi);
	h = (int)(ph / 72 * dpi);
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		unread(in, idx, page, "out of memory");
		return -1;
	}
	cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_scale(cr, dpi / 72, dpi / 72);
	poppler_page_render(pg, cr);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	to_grey(cairo_image_surface_get_data(s), w, h, cairo_image_surface_get_stride(s));
	rc = ocr_grey(in, cairo_image_surface_get_data(s), w, h,
	    cairo_image_surface_get_stride(s), (int)dpi, out);
	cairo_surface_destroy(s);
	if (rc == 1)
		unread(in, idx, page, "out of time");
	else if (rc < 0)
		inspect_unscanned(in, idx, "pdf page %d without text not read: %s", page + 1,
		    ocr_error());
	return rc;
}
