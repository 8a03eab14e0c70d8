/*
 * table_names.h — a value of a 氏名 / 名前 / Name column read as a person
 * name (table_names.c), for the table pass (table.c).
 */
#ifndef DLP_TABLE_NAMES_H
#define DLP_TABLE_NAMES_H

#include <stddef.h>

struct valueset;

/* Is the cell v[0..n) of a name column a name the names detector does not
 * read on its own: a lone surname of IPADIC (「佐藤」), or a name in kana
 * (「やまだ たろう」「ヤマダ」)?  Then add it to names (a surname another
 * value of names already holds in full, 「佐藤 花子」, is not added again)
 * and return 1, 0 when not, -1 on ENOMEM. */
int tbn_name_cell(const char *v, size_t n, struct valueset *names);

#endif
