/*
 * period.c — the period options of list, report and stats (ctl.h): one
 * vocabulary and one meaning of a bare day across every command.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl.h"

const char ctl_period_help[] =
    "      --since DATE   created at or after DATE (a bare day from its midnight)\n"
    "      --until DATE   created before DATE; a bare day counts whole\n"
    "                     (--until 2026-11-30 includes the 30th)\n"
    "      --month YYYY-MM       that month\n"
    "      --fiscal-year YYYY    the fiscal year (年度) YYYY: YYYY-04-01 to\n"
    "                            (YYYY+1)-03-31\n"
    "                     (--from and --to are the same as --since and --until)\n"
    "DATE (local time): YYYY-MM-DD, \"YYYY-MM-DD HH:MM[:SS]\", YYYY-MM-DDTHH:MM[:SS],\n"
    "or an age: 7d, 12h.\n";

time_t ctl_parse_date(const char *s, bool end_of_day)
{
	static const char *const formats[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
	    "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M" };
	struct tm tm = { .tm_isdst = -1 };
	const char *rest;
	char *end;
	long n;

	n = strtol(s, &end, 10);
	if (end != s && n >= 0 && (strcmp(end, "d") == 0 || strcmp(end, "h") == 0))
		return time(NULL) - n * (*end == 'd' ? 86400 : 3600);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm t = { .tm_isdst = -1 };
		rest = strptime(s, formats[i], &t);
		if (rest && *rest == '\0')
			return mktime(&t);
	}
	rest = strptime(s, "%Y-%m-%d", &tm);
	if (!rest || *rest)
		return -1;
	if (end_of_day)
		tm.tm_mday++;	/* mktime normalises: the next midnight */
	return mktime(&tm);
}

/* Local midnight of year-month-01 (month may run past 12: mktime folds). */
static time_t month_start(int year, int month)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = 1,
	    .tm_isdst = -1 };

	return mktime(&tm);
}

/* "2026-12" → year and month; false when it is not that. */
static bool read_month(const char *s, int *year, int *month)
{
	char tail;

	return sscanf(s, "%4d-%2d%c", year, month, &tail) == 2 && strlen(s) == 7 &&
	    *year >= 1970 && *year <= 9999 && *month >= 1 && *month <= 12;
}

static bool read_year(const char *s, int *year)
{
	char tail;

	return sscanf(s, "%4d%c", year, &tail) == 1 && strlen(s) == 4 && *year >= 1970;
}

int ctl_period_opt(const char *cmd, int c, const char *arg, struct ctl_period *p)
{
	int year, month;

	switch (c) {
	case CTL_OPT_SINCE:
	case CTL_OPT_UNTIL: {
		time_t t = ctl_parse_date(arg, c == CTL_OPT_UNTIL);
		if (t < 0) {
			fprintf(stderr, "dlpctl %s: cannot read date \"%s\" (YYYY-MM-DD,"
			    " \"YYYY-MM-DD HH:MM[:SS]\" or an age: 7d, 12h)\n", cmd, arg);
			return CTL_USAGE;
		}
		*(c == CTL_OPT_SINCE ? &p->since : &p->until) = t;
		break;
	}
	case CTL_OPT_MONTH:
		if (!read_month(arg, &year, &month)) {
			fprintf(stderr, "dlpctl %s: --month \"%s\": give YYYY-MM, e.g. 2026-12\n",
			    cmd, arg);
			return CTL_USAGE;
		}
		p->since = month_start(year, month);
		p->until = month_start(year, month + 1);
		snprintf(p->name, sizeof(p->name), "%04d-%02d", year, month);
		p->named = true;
		break;
	case CTL_OPT_FISCAL_YEAR:
		if (!read_year(arg, &year)) {
			fprintf(stderr, "dlpctl %s: --fiscal-year \"%s\": give the year it"
			    " starts in, e.g. 2026 for 2026-04-01 to 2027-03-31\n", cmd, arg);
			return CTL_USAGE;
		}
		p->since = month_start(year, 4);
		p->until = month_start(year + 1, 4);
		snprintf(p->name, sizeof(p->name), "FY%04d", year);
		p->named = true;
		break;
	default:
		return 1;
	}
	p->given++;
	return 0;
}

int ctl_period_check(const char *cmd, const struct ctl_period *p)
{
	char a[32], b[32];
	struct tm tm;

	if (p->named && p->given > 1) {
		fprintf(stderr, "dlpctl %s: give one period: --month, --fiscal-year, or"
		    " --since/--until\n", cmd);
		return CTL_USAGE;
	}
	if (p->since && p->until && p->since >= p->until) {
		localtime_r(&p->since, &tm);
		strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", &tm);
		localtime_r(&p->until, &tm);
		strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "dlpctl %s: a reversed range: --since %s is not before"
		    " --until %s\n", cmd, a, b);
		return CTL_USAGE;
	}
	return 0;
}
