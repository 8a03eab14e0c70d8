/*
 * table_dates.h — a date split over the cells of a 生年月日 column group
 * (table_dates.c), for the table pass (table.c).
 */
#ifndef DLP_TABLE_DATES_H
#define DLP_TABLE_DATES_H

#include <stddef.h>

/* The cells t[s[i]..e[i]), i < n (the non-empty cells of a group, in
 * order), read as one date — era, year, month, day — written into out
 * (cap bytes) in a form the birth date detector reads: 「昭和42年1月2日」,
 * 「S42.1.2」, 「1967年1月2日」.  Returns its length, 0 when the cells are
 * no such date. */
size_t tbd_split_date(const char *t, const size_t *s, const size_t *e, size_t n, char *out,
    size_t cap);

#endif
