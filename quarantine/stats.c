/*
 * stats.c — live counters, their histogram and stats.json (see stats.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarantine/incident.h"
#include "quarantine/stats.h"

#define FIRST_US 16		/* upper bound of bucket 0; a power of two */
#define FIRST_LOG2 4

/* 2^(j/4) for j = 1..4, times 10000: the quarter steps of a doubling. */
static const uint64_t quarter[4] = { 11892, 14142, 16818, 20000 };

static const char *const action_names[STATS_ACTION_COUNT] = {
	[STATS_ACCEPT] = "accept", [STATS_TAG] = "tag", [STATS_HOLD] = "hold",
	[STATS_REJECT] = "reject", [STATS_DELAY] = "delay",
};

const char *stats_action_name(enum stats_action a)
{
	return (unsigned)a < STATS_ACTION_COUNT ? action_names[a] : "?";
}

void stats_init(struct stats *s)
{
	memset(&s->c, 0, sizeof(s->c));
	pthread_mutex_init(&s->lock, NULL);
}

void stats_destroy(struct stats *s)
{
	pthread_mutex_destroy(&s->lock);
}

/* Bucket 0 holds [0, 16 us); bucket 1 + 4k + j holds [16 us * 2^k * 2^(j/4),
 * 16 us * 2^k * 2^((j+1)/4)), with the bounds rounded down to whole us. */
unsigned stats_bucket(uint64_t us)
{
	unsigned k, j = 0, b;
	uint64_t base;

	if (us < FIRST_US)
		return 0;
	k = 63 - (unsigned)__builtin_clzll(us);	/* 2^k <= us < 2^(k+1) */
	base = 1ULL << k;
	while (j < 3 && us >= base * quarter[j] / 10000)
		j++;
	b = 1 + 4 * (k - FIRST_LOG2) + j;
	return b < STATS_BUCKETS ? b : STATS_BUCKETS - 1;
}

uint64_t stats_bucket_upper(unsigned b)
{
	unsigned k, j;

	if (b == 0)
		return FIRST_US;
	if (b >= STATS_BUCKETS - 1)
		return UINT64_MAX;
	k = FIRST_LOG2 + (b - 1) / 4;
	j = (b - 1) % 4;
	return (1ULL << k) * quarter[j] / 10000;
}

static void add_time(struct stats_counts *c, uint64_t us)
{
	c->hist[stats_bucket(us)]++;
	c->timed++;
	c->sum_us += us;
	if (us > c->max_us)
		c->max_us = us;
}

void stats_verdict(struct stats *s, enum stats_action a, uint64_t us)
{
	pthread_mutex_lock(&s->lock);
	s->c.messages++;
	if ((unsigned)a < STATS_ACTION_COUNT)
		s->c.actions[a]++;
	add_time(&s->c, us);
	pthread_mutex_unlock(&s->lock);
}

void stats_error(struct stats *s, bool tempfail, bool timed, uint64_t us)
{
	pthread_mutex_lock(&s->lock);
	s->c.errors++;
	if (tempfail)
		s->c.tempfails++;
	if (timed) {
		s->c.messages++;
		add_time(&s->c, us);
	}
	pthread_mutex_unlock(&s->lock);
}

void stats_delay_release(struct stats *s, bool sent)
{
	pthread_mutex_lock(&s->lock);
	if (sent)
		s->c.delay_sent++;
	else
		s->c.delay_failed++;
	pthread_mutex_unlock(&s->lock);
}

void stats_snapshot(struct stats *s, struct stats_counts *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->c;
	pthread_mutex_unlock(&s->lock);
}

uint64_t stats_percentile(const struct stats_counts *c, unsigned pct)
{
	uint64_t rank, seen = 0, up;

	if (c->timed == 0 || pct == 0)
		return 0;
	if (pct > 100)
		pct = 100;
	rank = (c->timed * pct + 99) / 100;	/* the ceil(pct% of n)-th time */
	for (unsigned b = 0; b < STATS_BUCKETS; b++) {
		seen += c->hist[b];
		if (seen >= rank) {
			up = stats_bucket_upper(b);
			return up < c->max_us ? up : c->max_us;
		}
	}
	return c->max_us;
}

static json_t *ms(uint64_t us)
{
	return json_real((double)(us / 100) / 10.0);	/* 0.1 ms steps */
}

void stats_reload(struct stats *s, bool ok, const char *msg)
{
	pthread_mutex_lock(&s->lock);
	s->c.reloads++;
	s->c.reload_at = time(NULL);
	s->c.reload_ok = ok;
	snprintf(s->c.reload_msg, sizeof(s->c.reload_msg), "%s", msg ? msg : "");
	pthread_mutex_unlock(&s->lock);
}

json_t *stats_json(const struct stats_counts *c, long pid, time_t started, time_t now,
    bool stopped)
{
	char st[40], up[40], rl[40];
	json_t *actions = json_object(), *scan, *workers, *delays, *memory, *o;

	for (int a = 0; actions && a < STATS_ACTION_COUNT; a++)
		if (json_object_set_new(actions, action_names[a], json_integer((json_int_t)c->actions[a])))
			goto fail;
	scan = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "count", (json_int_t)c->timed,
	    "p50", ms(stats_percentile(c, 50)), "p90", ms(stats_percentile(c, 90)),
	    "p99", ms(stats_percentile(c, 99)), "max", ms(c->max_us),
	    "mean", ms(c->timed ? c->sum_us / c->timed : 0));
	workers = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "processes", (json_int_t)c->workers, "started", (json_int_t)c->worker_started,
	    "parts", (json_int_t)c->worker_parts, "crashed", (json_int_t)c->worker_crashed,
	    "over_memory", (json_int_t)c->worker_over_memory,
	    "over_time", (json_int_t)c->worker_over_time,
	    "protocol", (json_int_t)c->worker_protocol);
	delays = json_pack("{s:I, s:I, s:I}", "delayed", (json_int_t)c->actions[STATS_DELAY],
	    "sent_on_time", (json_int_t)c->delay_sent, "failed_tries", (json_int_t)c->delay_failed);
	memory = json_pack("{s:I, s:I}", "heap_in_use_kb", (json_int_t)(c->heap_in_use / 1024),
	    "heap_held_kb", (json_int_t)(c->heap_held / 1024));
	if (!actions || !scan || !workers || !delays || !memory) {
		json_decref(scan);
		json_decref(workers);
		json_decref(delays);
		json_decref(memory);
		goto fail;
	}
	incident_format_time(started, st, sizeof(st));
	incident_format_time(now, up, sizeof(up));
	o = json_pack("{s:I, s:s, s:I, s:s, s:I, s:i, s:b, s:I, s:o, s:I, s:I, s:o, s:o, s:o, s:o}",
	    "pid", (json_int_t)pid, "started", st, "started_epoch", (json_int_t)started,
	    "updated", up, "updated_epoch", (json_int_t)now, "period", STATS_PERIOD,
	    "stopped", stopped, "messages", (json_int_t)c->messages, "actions", actions,
	    "errors", (json_int_t)c->errors, "tempfails", (json_int_t)c->tempfails,
	    "scan_ms", scan, "workers", workers, "delays", delays, "memory", memory);
	if (o && c->reloads) {
		incident_format_time(c->reload_at, rl, sizeof(rl));
		if (json_object_set_new(o, "reload", json_pack("{s:I, s:s, s:I, s:b, s:s}",
		    "count", (json_int_t)c->reloads, "at", rl, "at_epoch", (json_int_t)c->reload_at,
		    "ok", c->reload_ok, "message", c->reload_msg)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
fail:
	json_decref(actions);
	return NULL;
}

int stats_write(const char *path, const struct stats_counts *c, long pid, time_t started,
    time_t now, bool stopped, char *err, size_t errlen)
{
	char tmp[4096];
	json_t *j = stats_json(c, pid, started, now, stopped);
	int fd = -1, rc = -1;
	char *text = NULL;
	size_t len;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!j || !(text = json_dumps(j, JSON_INDENT(2)))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	len = strlen(text);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1 ||
	    write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc == -1 || rename(tmp, path) == -1) {
		rc = -1;
		snprintf(err, errlen, "cannot put %s in place: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	free(text);
	json_decref(j);
	return rc;
}
