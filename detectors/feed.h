/*
 * feed.h — feed a stored message (.eml) through the scan_msg phases,
 * as the MTA would: header by header, end of headers, then the body.
 */
#ifndef DLP_FEED_H
#define DLP_FEED_H

#include <stdio.h>

struct scan_msg;

/* Returns 0, or -1 on a read or spool error (errno set). */
int feed_file(struct scan_msg *m, FILE *fp);

#endif
