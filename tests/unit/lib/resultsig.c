/*
 * resultsig.c — a scan result as one string (resultsig.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "detect/valueset.h"
#include "tests/unit/lib/resultsig.h"

char *
rs_signature(const struct scan_result *r)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		return NULL;
	for (size_t i = 0; i < r->nparts; i++) {
		const struct scan_part *p = &r->parts[i];
		fprintf(f, "%s|%s|%s|%s|%s|%zu|%d", p->path, p->filename ? p->filename : "-",
		    p->extractor ? p->extractor : "-", p->detected_type ? p->detected_type : "-",
		    p->unscanned ? p->unscanned : "-", p->size, p->encrypted);
		for (int t = 0; t < FT_COUNT; t++)
			fprintf(f, " %u", p->counts[t]);
		fputc('\n', f);
	}
	for (int t = 0; t < FT_COUNT; t++)
		for (size_t i = 0; r->values[t] && i < valueset_count(r->values[t]); i++)
			fprintf(f, "%d=%s\n", t, valueset_get(r->values[t], i));
	fprintf(f, "unscanned %u encrypted %u attachments %u error %s\n", r->unscanned,
	    r->encrypted, r->attachments, r->error ? r->error : "-");
	fclose(f);
	return s;
}
