/*
 * test_subject_key.c — the Subject as a series key (mime/subject_key.c):
 * reply and forward prefixes however written and repeated, external tags,
 * full-width forms and white space folded; and the attachment digest
 * (scan_part.digest) the walk gives a series key: the same file in two
 * messages (base64 wrapped differently, quoted-printable) has one digest,
 * another file another, and a body without a file name none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detectors/scan.h"
#include "mime/subject_key.h"
#include "tests/unit/lib/mimetest_util.h"

static void
key_is(const char *in, const char *want)
{
	char out[256];
	size_t n = subject_key(in, out, sizeof(out));

	if (strcmp(out, want) != 0)
		fail_msg("subject_key(\"%s\") = \"%s\", want \"%s\"", in, out, want);
	assert_int_equal(n, strlen(want));
}

static void
test_prefixes(void **state)
{
	const char *want = "名簿の送付について";

	key_is("名簿の送付について", want);
	key_is("Re: 名簿の送付について", want);
	key_is("RE: Re: 名簿の送付について", want);
	key_is("Fwd: 名簿の送付について", want);
	key_is("FW: 名簿の送付について", want);
	key_is("Fw:名簿の送付について", want);
	key_is("転送: 名簿の送付について", want);
	key_is("転送：名簿の送付について", want);	/* full-width colon */
	key_is("返信: 転送: 名簿の送付について", want);
	key_is("[外部] 名簿の送付について", want);
	key_is("【外部】Re: 名簿の送付について", want);
	key_is("Re: [外部] FW: 名簿の送付について", want);
	key_is("Re[2]: 名簿の送付について", want);
	key_is("RE (3): 名簿の送付について", "re (3): 名簿の送付について");	/* no counter form */
	key_is("Re(3): 名簿の送付について", want);
	key_is("ＲＥ：　名簿の送付について", want);	/* full-width letters, U+3000 */
	key_is("  \tRe:   名簿の送付について  ", want);
}

static void
test_folding(void **state)
{
	key_is("Meeting   notes\t for  MONDAY", "meeting notes for monday");
	key_is("会議　　資料", "会議 資料");	/* ideographic spaces are one space */
	key_is("Ｐｒｏｊｅｃｔ　Ｘ", "project x");	/* NFKC, case folded */
	key_is("Rebate offer", "rebate offer");	/* "re" not followed by a colon stays */
	key_is("Fwdのテスト", "fwdのテスト");
	key_is("Re:", "");			/* nothing left: no key */
	key_is("   ", "");
	key_is(NULL, "");
	key_is("\xff\xfe bad", "");		/* not UTF-8: no key */
}

static void
test_cut_at_character(void **state)
{
	char out[8];

	/* 3 characters of 3 bytes fit in 7 bytes only twice: never half of one */
	assert_int_equal(subject_key("名簿名簿", out, sizeof(out)), 6);
	assert_string_equal(out, "名簿");
	assert_int_equal(subject_key("abc", out, 1), 0);
	assert_string_equal(out, "");
}

static const char *
digest_of(const struct scan_result *r, const char *path, char hex[65])
{
	const struct scan_part *p = mt_part(r, path);

	assert_non_null(p);
	if (!p->has_digest)
		return NULL;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", p->digest[i]);
	return hex;
}

#define HDR "From: a@example.go.jp\r\nTo: b@partner.example\r\nSubject: x\r\n" \
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n" \
	"--B\r\nContent-Type: text/plain\r\n\r\nbody\r\n--B\r\n"

static void
test_attachment_digest(void **state)
{
	struct scan_limits lim = mt_limits();
	struct scan_engine *eng = mt_engine(&lim);
	/* "name,tel\n" twice over, in base64 wrapped two ways and in QP */
	const char *m1 = HDR "Content-Type: text/csv\r\nContent-Disposition: attachment;"
	    " filename=\"a.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "bmFtZSx0ZWwKbmFtZSx0ZWwK\r\n--B--\r\n";
	const char *m2 = HDR "Content-Type: text/csv\r\nContent-Disposition: attachment;"
	    " filename=\"renamed.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "bmFtZSx0\r\nZWwKbmFtZSx0ZWwK\r\n--B--\r\n";
	const char *m3 = HDR "Content-Type: text/csv; name=\"q.csv\"\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "name,tel=0Aname,tel=0A\r\n--B--\r\n";
	const char *m4 = HDR "Content-Type: text/csv\r\nContent-Disposition: attachment;"
	    " filename=\"a.csv\"\r\n\r\nother,file\r\n--B--\r\n";
	struct scan_msg *s1 = mt_scan_str(eng, m1), *s2 = mt_scan_str(eng, m2),
	    *s3 = mt_scan_str(eng, m3), *s4 = mt_scan_str(eng, m4);
	char h1[65], h2[65], h3[65], h4[65], hb[65];

	assert_non_null(digest_of(mt_result(s1), "2", h1));
	assert_non_null(digest_of(mt_result(s2), "2", h2));
	assert_non_null(digest_of(mt_result(s3), "2", h3));
	assert_non_null(digest_of(mt_result(s4), "2", h4));
	/* SHA-256("name,tel\nname,tel\n") */
	assert_string_equal(h1, h2);
	assert_string_equal(h1, h3);
	assert_string_not_equal(h1, h4);
	assert_null(digest_of(mt_result(s1), "1", hb));	/* the body has no file name */
	scan_msg_free(s1);
	scan_msg_free(s2);
	scan_msg_free(s3);
	scan_msg_free(s4);
	scan_engine_free(eng);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_cut_at_character),
		cmocka_unit_test(test_attachment_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
