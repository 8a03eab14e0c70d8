/*
 * smtp_fake.c — see smtp_fake.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/lib/smtp_fake.h"

struct fake_smtp {
	struct fake_smtp_cfg cfg;
	int lfd, port, stop;
	char url[64];
	pthread_t tid;
	pthread_mutex_t mu;
	struct fake_txn *txn;
	size_t ntxn;
};

static void say(FILE *fp, const char *line)
{
	fprintf(fp, "%s\r\n", line);
	fflush(fp);
}

/* Read the DATA section up to ".\r\n", dot-unstuffed.  NULL on EOF. */
static unsigned char *read_data(FILE *fp, size_t *len)
{
	char *line = NULL, *buf = NULL;
	size_t cap = 0, used = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, fp)) > 0) {
		const char *p = line;
		if (strcmp(line, ".\r\n") == 0) {
			free(line);
			*len = used;
			return (unsigned char *)(buf ? buf : calloc(1, 1));
		}
		if (p[0] == '.') {
			p++;
			n--;
		}
		buf = realloc(buf, used + (size_t)n + 1);
		memcpy(buf + used, p, (size_t)n);
		used += (size_t)n;
		buf[used] = '\0';
	}
	free(line);
	free(buf);
	return NULL;
}

static void add_txn(struct fake_smtp *fs, char *from, char *rcpts, unsigned char *data, size_t len)
{
	pthread_mutex_lock(&fs->mu);
	fs->txn = realloc(fs->txn, (fs->ntxn + 1) * sizeof(*fs->txn));
	fs->txn[fs->ntxn++] = (struct fake_txn){ from, rcpts, data, len };
	pthread_mutex_unlock(&fs->mu);
}

static void append(char **s, const char *add)
{
	size_t n = *s ? strlen(*s) : 0;

	*s = realloc(*s, n + strlen(add) + 2);
	strcpy(*s + n, add);
	strcat(*s, "\n");
}

static void session(struct fake_smtp *fs, FILE *fp)
{
	char *line = NULL, *from = NULL, *rcpts = NULL;
	size_t cap = 0, len;
	unsigned char *data;

	say(fp, "220 fake ESMTP");
	while (getline(&line, &cap, fp) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncasecmp(line, "EHLO", 4)) {
			say(fp, "250-fake\r\n250-8BITMIME\r\n250 SIZE 100000000");
		} else if (!strncasecmp(line, "MAIL FROM:", 10)) {
			free(from);
			free(rcpts);
			from = strdup(line + 10);
			rcpts = NULL;
			say(fp, "250 2.1.0 ok");
		} else if (!strncasecmp(line, "RCPT TO:", 8)) {
			if (fs->cfg.refuse_rcpt && strstr(line, fs->cfg.refuse_rcpt)) {
				say(fp, "550 5.1.1 refused here");
				continue;
			}
			append(&rcpts, line + 8);
			say(fp, "250 2.1.5 ok");
		} else if (!strncasecmp(line, "DATA", 4)) {
			say(fp, "354 go ahead");
			if (!(data = read_data(fp, &len)))
				break;
			if (fs->cfg.eom_delay_ms)
				nanosleep(&(struct timespec){ fs->cfg.eom_delay_ms / 1000,
				    (fs->cfg.eom_delay_ms % 1000) * 1000000L }, NULL);
			if (fs->cfg.eom_reply && fs->cfg.eom_reply[0] != '2') {
				free(data);
				say(fp, fs->cfg.eom_reply);
				continue;
			}
			add_txn(fs, from, rcpts, data, len);
			from = rcpts = NULL;
			say(fp, fs->cfg.eom_reply ? fs->cfg.eom_reply : "250 2.0.0 queued");
		} else if (!strncasecmp(line, "QUIT", 4)) {
			say(fp, "221 bye");
			break;
		} else {
			say(fp, "250 ok");
		}
	}
	free(line);
	free(from);
	free(rcpts);
}

static void *serve(void *arg)
{
	struct fake_smtp *fs = arg;
	struct pollfd pfd = { .fd = fs->lfd, .events = POLLIN };
	FILE *fp;
	int c;

	while (!__atomic_load_n(&fs->stop, __ATOMIC_RELAXED)) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((c = accept(fs->lfd, NULL, NULL)) < 0)
			continue;
		if (!(fp = fdopen(c, "r+"))) {
			close(c);
			continue;
		}
		session(fs, fp);
		fclose(fp);
	}
	return NULL;
}

struct fake_smtp *fake_smtp_start(const struct fake_smtp_cfg *cfg)
{
	struct fake_smtp *fs = calloc(1, sizeof(*fs));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int one = 1;

	assert_non_null(fs);
	if (cfg)
		fs->cfg = *cfg;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fs->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fs->lfd >= 0);
	setsockopt(fs->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fs->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fs->lfd, 16), 0);
	assert_int_equal(getsockname(fs->lfd, (struct sockaddr *)&sa, &sl), 0);
	fs->port = ntohs(sa.sin_port);
	snprintf(fs->url, sizeof(fs->url), "smtp://127.0.0.1:%d", fs->port);
	pthread_mutex_init(&fs->mu, NULL);
	assert_int_equal(pthread_create(&fs->tid, NULL, serve, fs), 0);
	return fs;
}

int fake_smtp_port(const struct fake_smtp *fs) { return fs->port; }
const char *fake_smtp_url(const struct fake_smtp *fs) { return fs->url; }

size_t fake_smtp_count(struct fake_smtp *fs)
{
	size_t n;

	pthread_mutex_lock(&fs->mu);
	n = fs->ntxn;
	pthread_mutex_unlock(&fs->mu);
	return n;
}

const struct fake_txn *fake_smtp_txn(struct fake_smtp *fs, size_t i)
{
	const struct fake_txn *t;

	pthread_mutex_lock(&fs->mu);
	t = i < fs->ntxn ? &fs->txn[i] : NULL;
	pthread_mutex_unlock(&fs->mu);
	return t;
}

void fake_smtp_stop(struct fake_smtp *fs)
{
	if (!fs)
		return;
	__atomic_store_n(&fs->stop, 1, __ATOMIC_RELAXED);
	pthread_join(fs->tid, NULL);
	close(fs->lfd);
	for (size_t i = 0; i < fs->ntxn; i++) {
		free(fs->txn[i].from);
		free(fs->txn[i].rcpts);
		free(fs->txn[i].data);
	}
	free(fs->txn);
	pthread_mutex_destroy(&fs->mu);
	free(fs);
}
