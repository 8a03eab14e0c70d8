/*
 * table_int.h — what the files of the table pass share (table.c: header
 * rows and data rows; table_values.c: the values written to the detectors'
 * text; table_lines.c: the lines and the candidate lines).  Not a contract
 * outside detect/table*.c.
 */
#ifndef DLP_TABLE_INT_H
#define DLP_TABLE_INT_H

#include <stddef.h>

#include "detect/table.h"
#include "detect/table_cells.h"
#include "detect/valueset.h"

#define TB_GROUP 16		/* cells one value may be split over */
#define TB_VALUE 64		/* bytes of a cell taken as a value */

struct tb {
	const char *t;
	size_t len;
	struct table_text *out;
	struct valueset *postal;	/* for addresses without a code, or NULL */
	struct valueset *names;		/* for a name column's lone surnames, or NULL */
	int phones_read;		/* the phone detector has read t (sets[FT_PHONE]) */
	size_t *cand;			/* candidate line starts, sorted */
	size_t ncand, capcand;
	int err;
};

/* table_lines.c */
size_t tb_line_start(const char *t, size_t at);
size_t tb_line_end(const char *t, size_t len, size_t at);
void tb_candidates(struct tb *tb);

/* table_values.c */
void tb_put(struct tb *tb, enum finding_type ft, const char *s, size_t n);
/* 「生年月日 」 + the date v[0..n) (8 digits or an Excel serial made a date). */
void tb_emit_birth(struct tb *tb, const char *v, size_t n);
/* A postcode at the start of v[0..n): its length, *code its start; 0 when none. */
size_t tb_postcode_at(const char *v, size_t n, size_t *code);
/* The values of kind k (one bit) in cells c[from..to), the pieces joined. */
void tb_emit_cells(struct tb *tb, unsigned k, const struct cells *c, size_t from,
    size_t to, int header, const char *zip, size_t zl);
/* Every kind of mask m for the cells c[from..to). */
void tb_emit_kinds(struct tb *tb, unsigned m, const struct cells *c, size_t from,
    size_t to, int header, const char *zip, size_t zl);
/* The open last column: the cells c[from..to) read only together. */
void tb_emit_open(struct tb *tb, unsigned m, const struct cells *c, size_t from,
    size_t to, int header);

#endif
