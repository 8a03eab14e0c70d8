/*
 * test_textbuf.c — the extractors' text buffer (inspect.c, extract.h):
 * textbuf_putc, inline while the byte fits, does what
 * textbuf_append(tb, &c, 1) does at every length, capacity and limit:
 * the same bytes, the same NUL after them, the same return and the same
 * truncated flag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract/extract.h"

/* Two buffers of limit max fed the same bytes, one by putc, one by
 * append of one byte, compared after each. */
static void
putc_as_append(size_t max, size_t n)
{
	struct textbuf a = { .max = max }, b = { .max = max };

	for (size_t i = 0; i < n; i++) {
		char c = (char)('a' + i % 26);
		int ra = textbuf_putc(&a, c), rb = textbuf_append(&b, &c, 1);

		assert_int_equal(ra, rb);
		assert_int_equal(a.len, b.len);
		assert_int_equal(a.truncated, b.truncated);
		assert_int_equal(ra, i < max ? 0 : -1);
		assert_int_equal(a.len, i < max ? i + 1 : max);
		if (a.len > 0) {
			assert_memory_equal(a.buf, b.buf, a.len + 1);
			assert_int_equal(a.buf[a.len], '\0');
		}
		assert_true(a.cap == 0 || a.len < a.cap);
	}
	textbuf_free(&a);
	textbuf_free(&b);
}

static void
test_putc_every_length(void **state)
{
	(void)state;
	/* across the first capacity (4096) and its doublings, and at limits
	 * below, at and between them */
	putc_as_append(4095, 4100);
	putc_as_append(4096, 4100);
	putc_as_append(4097, 9000);
	putc_as_append(8191, 8200);
	putc_as_append(1, 3);
	putc_as_append(20000, 17000);
}

static void
test_putc_after_append(void **state)
{
	struct textbuf a = { .max = 10 };
	char big[9];

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(textbuf_append(&a, big, sizeof(big)), 0);
	assert_int_equal(textbuf_putc(&a, 'y'), 0);	/* the 10th: fits */
	assert_false(a.truncated);
	assert_int_equal(textbuf_putc(&a, 'z'), -1);	/* past max */
	assert_true(a.truncated);
	assert_int_equal(a.len, 10);
	assert_string_equal(a.buf, "xxxxxxxxxy");
	textbuf_free(&a);

	/* a buffer with no storage yet, and a limit of 0 */
	struct textbuf z = { .max = 0 };

	assert_int_equal(textbuf_putc(&z, 'a'), -1);
	assert_true(z.truncated);
	assert_null(z.buf);
	textbuf_free(&z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_putc_every_length),
		cmocka_unit_test(test_putc_after_append),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
