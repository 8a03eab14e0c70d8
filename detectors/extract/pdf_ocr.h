/*
 * pdf_ocr.h — the pages of a PDF that have no text layer, read by OCR
 * (pdf_ocr.c, for pdf.c).
 */
#ifndef DLP_PDF_OCR_H
#define DLP_PDF_OCR_H

#include <poppler.h>

#include "extract/extract.h"

/* Page pg of part idx gave no text: when it shows an image, render it
 * (poppler + cairo, 200 dpi, less for a page that would pass
 * ocr_max_pixels) and append what OCR reads to out.  0 read or nothing to
 * read; 1 out of time; -1 not read (the part is unscanned when the policy
 * says so, [limits] ocr_unscanned, or always when OCR is missing). */
int pdf_ocr_page(struct inspect *in, size_t idx, PopplerPage *pg, int page, struct textbuf *out);

#endif
