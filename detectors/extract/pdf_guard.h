/*
 * pdf_guard.h — is it safe to let poppler-glib list a PDF's embedded files?
 *
 * poppler-glib 22.12 (Debian 12) dereferences NULL in
 * poppler_document_get_attachments() when an entry of the EmbeddedFiles
 * name tree refers to an indirect object that is a string: a file
 * specification may be a plain string, FileSpec::getEmbeddedFile() then
 * returns NULL and the glib wrapper calls isOk() on it.  The process dies
 * (found by tests/fuzz; the reproducer is tests/fuzz/regress/pdf/).
 * Rather than parse the name tree, the guard looks at every indirect
 * object of the file, in the clear ("N G obj") and inside object streams
 * (/Type /ObjStm, Flate or unfiltered), for one that is a string.
 */
#ifndef DLP_PDF_GUARD_H
#define DLP_PDF_GUARD_H

#include <stddef.h>

/* 0 when no indirect object of data[0..len) is a string; 1 when one is
 * (or may be); -1 when it cannot be told (an object stream with another
 * filter, predictors, an indirect /First, or more than max bytes of object
 * streams once decompressed).  Only 0 is safe. */
int pdf_guard_strings(const unsigned char *data, size_t len, size_t max);

#endif
