/*
 * names_lookup.h — the names detector's dictionary asked about one word,
 * for the table pass (a 氏名 column of lone surnames, table_names.c); the
 * function is at the end of names.c.
 */
#ifndef DLP_NAMES_LOOKUP_H
#define DLP_NAMES_LOOKUP_H

#include <stddef.h>

/* Is s[0..n) (UTF-8, 1-4 characters, the first a kanji) one of IPADIC's
 * surnames (Noun.name.csv, 人名,姓)?  1 or 0; -1 when no names detector
 * is loaded in this process (its table is made by the first textscan). */
int names_surname_known(const char *s, size_t n);

#endif
