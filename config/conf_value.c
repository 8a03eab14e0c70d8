/*
 * conf_value.c — parsing and checking one value against its key: numbers
 * with units and bounds, restricted strings (socket, relay, address),
 * domain names.  No state; every function leaves its outputs unchanged on
 * failure.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf_int.h"

/* Decimal digits of s into *v; returns the end, or NULL on no digits or
 * overflow. */
static const char *digits(const char *s, long long *v)
{
	long long n = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (LLONG_MAX - (*p - '0')) / 10)
			return NULL;
		n = n * 10 + (*p - '0');
	}
	if (p == s)
		return NULL;
	*v = n;
	return p;
}

/* Multiply with overflow check: 0, or -1. */
static int scale(long long v, long long by, long long *out)
{
	if (v > LLONG_MAX / by)
		return -1;
	*out = v * by;
	return 0;
}

static int parse_int(const char *s, long long *v)
{
	int neg = *s == '-';
	const char *end = digits(s + neg, v);

	if (!end || *end)
		return -1;
	if (neg)
		*v = -*v;
	return 0;
}

static int parse_mode(const char *s, long long *v)
{
	long long n = 0;
	size_t len = strlen(s);

	if (len == 0 || len > 4)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '7')
			return -1;
		n = n * 8 + (*p - '0');
	}
	*v = n;
	return 0;
}

/* Sizes: binary K, M, G; durations: s, m, h (bare: seconds), into ms. */
static int parse_unit(const char *s, enum conf_type t, long long *v)
{
	const char *units = t == CT_SIZE ? "KMG" : "smh";
	static const long long size_by[] = { 1024LL, 1024LL * 1024, 1024LL * 1024 * 1024 };
	static const long long ms_by[] = { 1000LL, 60000LL, 3600000LL };
	long long n;
	const char *end = digits(s, &n);
	const char *u;

	if (!end)
		return -1;
	if (!*end)
		return t == CT_SIZE ? (*v = n, 0) : scale(n, 1000, v);
	u = strchr(units, t == CT_SIZE ? toupper((unsigned char)*end) : *end);
	if (!u || end[1])
		return -1;
	return scale(n, (t == CT_SIZE ? size_by : ms_by)[u - units], v);
}

int conf_parse_number(const struct conf_key *k, const char *s, long long *out,
    char *err, size_t errlen)
{
	static const char *const form[CT_COUNT] = {
		[CT_INT] = "bad integer '%s'",
		[CT_SIZE] = "bad size '%s' (a number of bytes, or with K, M or G: 64M)",
		[CT_DURATION] = "bad duration '%s' (seconds, or a number with s, m or h: 90s, 5m)",
		[CT_MODE] = "bad mode '%s' (octal, like 0660)",
	};
	long long v = 0;
	char lo[32], hi[32];
	int rc;

	switch (k->type) {
	case CT_INT: rc = parse_int(s, &v); break;
	case CT_MODE: rc = parse_mode(s, &v); break;
	case CT_SIZE:
	case CT_DURATION: rc = parse_unit(s, k->type, &v); break;
	default:
		snprintf(err, errlen, "not a number key");
		return -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, form[k->type], s);
		return -1;
	}
	if (v < k->min || v > k->max) {
		conf_format_number(k->type, k->min, lo, sizeof(lo));
		conf_format_number(k->type, k->max, hi, sizeof(hi));
		snprintf(err, errlen, "'%s' is out of bounds (%s..%s)", s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int valid_port(const char *s, size_t len)
{
	long long v = 0;
	char buf[8];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return digits(buf, &v) == buf + len && v >= 1 && v <= 65535;
}

static int check_socket(const char *s, char *err, size_t errlen)
{
	const char *rest = NULL, *at;

	if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0) {
		if (strchr(s, ':')[1] == '/')
			return 0;
	} else if (strncmp(s, "inet:", 5) == 0)
		rest = s + 5;
	else if (strncmp(s, "inet6:", 6) == 0)
		rest = s + 6;
	if (rest) {
		at = strchr(rest, '@');
		if (valid_port(rest, at ? (size_t)(at - rest) : strlen(rest)) && (!at || at[1]))
			return 0;
	}
	snprintf(err, errlen, "bad socket '%s' (inet:PORT@HOST, inet6:PORT@HOST or unix:/PATH)", s);
	return -1;
}

static int check_relay(const char *s, char *err, size_t errlen)
{
	const char *host = s + 7, *colon, *close;

	if (strncmp(s, "smtp://", 7) != 0 || !*host || *host == ':' || strchr(host, '/'))
		goto bad;
	close = *host == '[' ? strchr(host, ']') : NULL;
	if (*host == '[' && (!close || close == host + 1))
		goto bad;
	colon = strrchr(close ? close : host, ':');
	if (close && close[1] && close[1] != ':')
		goto bad;
	if (colon && !valid_port(colon + 1, strlen(colon + 1)))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad relay '%s' (smtp://HOST:PORT)", s);
	return -1;
}

/* [web] listen: HOST:PORT, [V6]:PORT. */
static int check_listen(const char *s, char *err, size_t errlen)
{
	const char *colon = strrchr(s, ':'), *close = *s == '[' ? strchr(s, ']') : NULL;

	if (colon && colon != s && valid_port(colon + 1, strlen(colon + 1)) &&
	    (*s != '[' || (close && close + 1 == colon && close > s + 1)) &&
	    (*s == '[' || memchr(s, ':', (size_t)(colon - s)) == NULL))
		return 0;
	snprintf(err, errlen, "bad listen address '%s' (HOST:PORT, e.g. 127.0.0.1:8891)", s);
	return -1;
}

/* [web] base_url: empty, or http(s)://HOST[:PORT]/[PATH/] with no query,
 * no fragment and nothing that would need quoting in a mail. */
static int check_base_url(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);
	const char *host = strncmp(s, "https://", 8) == 0 ? s + 8 :
	    strncmp(s, "http://", 7) == 0 ? s + 7 : NULL;

	if (!*s)
		return 0;
	if (host && *host && *host != '/' && n > 0 && s[n - 1] == '/' &&
	    strcspn(s, "?#\"<> \t'") == n && strchr(host, '/') != NULL)
		return 0;
	snprintf(err, errlen, "bad base_url '%s' (http://HOST:PORT/ or https://HOST/PATH/, "
	    "ending in /)", s);
	return -1;
}

static int check_address(const char *s, char *err, size_t errlen)
{
	const char *at = strrchr(s, '@');
	char dom[256], derr[160];

	for (const char *p = s; at && p < at; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p) || strchr("<>\"(),;", *p))
			at = NULL;
	if (!at || at == s ||
	    conf_check_domain(at + 1, strlen(at + 1), dom, sizeof(dom), derr, sizeof(derr)) < 0) {
		snprintf(err, errlen, "bad mail address '%s'", s);
		return -1;
	}
	return 0;
}

/* own_numbers: items split by commas and white space, each digits with
 * - ( ) . separators, ending in * or x's for a range; 2 to 15 digits. */
static int check_numbers(const char *s, char *err, size_t errlen)
{
	size_t n, digits;
	bool range;

	for (;;) {
		s += strspn(s, ", \t");
		if (!*s)
			return 0;
		n = strcspn(s, ", \t");
		digits = 0;
		range = false;
		for (size_t i = 0; i < n; i++) {
			char c = s[i];
			if (range && c != '*' && c != 'x' && c != 'X')
				goto bad;
			if (isdigit((unsigned char)c))
				digits++;
			else if (c == '*' || c == 'x' || c == 'X')
				range = true;
			else if (!strchr("-().", c))
				goto bad;
		}
		if (digits < 2 || digits > 15)
			goto bad;
		s += n;
	}
bad:
	snprintf(err, errlen, "bad number '%.*s' (digits with - ( ) separators, a range ending"
	    " in * or xxxx: 03-5253-1111, 03-5253-*)", (int)(n > 40 ? 40 : n), s);
	return -1;
}

/* A list of addresses, split by commas and white space: each checked. */
static int check_address_list(const char *s, char *err, size_t errlen)
{
	char one[512];
	size_t n;

	for (;;) {
		s += strspn(s, ", \t");
		if (!*s)
			return 0;
		n = strcspn(s, ", \t");
		snprintf(one, sizeof(one), "%.*s", (int)(n < sizeof(one) ? n : sizeof(one) - 1), s);
		if (check_address(one, err, errlen) < 0)
			return -1;
		s += n;
	}
}

int conf_check_string(const struct conf_key *k, const char *s, char *err, size_t errlen)
{
	char list[300];
	int optional = *s == '\0';

	if (k->choices && conf_choice_index(k->choices, s) < 0) {
		conf_format_choices(k->choices, list, sizeof(list));
		snprintf(err, errlen, "bad value '%s' (one of %s)", s, list);
		return -1;
	}
	if (strcmp(k->name, "socket") == 0)
		return check_socket(s, err, errlen);
	if (strcmp(k->section, "web") == 0 && strcmp(k->name, "listen") == 0)
		return check_listen(s, err, errlen);
	if (strcmp(k->section, "web") == 0 && strcmp(k->name, "base_url") == 0)
		return check_base_url(s, err, errlen);
	if (strcmp(k->name, "relay") == 0 && !(optional && strcmp(k->section, "notice") == 0))
		return check_relay(s, err, errlen);
	if (strcmp(k->section, "notice") == 0 && strcmp(k->name, "from") == 0)
		return check_address(s, err, errlen);
	if (strcmp(k->section, "notice") == 0 && strcmp(k->name, "admin") == 0)
		return check_address_list(s, err, errlen);
	if (strcmp(k->name, "own_numbers") == 0)
		return check_numbers(s, err, errlen);
	if (strcmp(k->name, "var_dir") == 0 && optional) {
		snprintf(err, errlen, "must not be empty");
		return -1;
	}
	return 0;
}

/* One label: 1..63 of [a-z0-9-], no '-' at either end. */
static int valid_label(const char *s, size_t len)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int conf_check_domain(const char *s, size_t len, char *out, size_t outlen,
    char *err, size_t errlen)
{
	char d[256];
	const char *hint = "";
	size_t n = len;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || n >= outlen)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			hint = " (write an international domain in its xn-- form)";
		else if (c == '*')
			hint = " (no wildcards: a domain already covers its subdomains)";
		else if (c == '@')
			hint = " (a domain, not an address)";
		d[i] = (char)tolower(c);
	}
	d[n] = '\0';
	for (size_t i = 0, start = 0; i <= n; i++) {
		if (i < n && d[i] != '.')
			continue;
		if (!valid_label(d + start, i - start))
			goto bad;
		start = i + 1;
	}
	memcpy(out, d, n + 1);
	return 0;
bad:
	snprintf(err, errlen, "bad domain '%.*s'%s", (int)(len > 80 ? 80 : len), s, hint);
	return -1;
}
