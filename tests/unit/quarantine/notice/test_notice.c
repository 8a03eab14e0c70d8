/*
 * test_notice.c — the notice composer: a notice made from a real scan of a
 * message full of personal data, parsed back with GMime (headers, RFC 2047
 * subject, one UTF-8 text/plain part, Japanese then English, placeholders
 * filled, no full value anywhere); the shipped template files equal the
 * built-in texts; template directory override and its errors; every kind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "config/conf.h"
#include "config/policy.h"
#include "quarantine/incident.h"
#include "notice/notice.h"
#include "notice/notify.h"
#include "tests/unit/lib/mimetest_util.h"

#define NPEOPLE 12

struct fx {
	char dir[64];
	struct conf *cf;
	struct scan_engine *eng;
	struct scan_msg *msg;
	struct incident inc;
	char *eml;
	char values[NPEOPLE * 2 + 2][64];	/* every personal value in the message */
	int nvalues;
};

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static const char CONF[] =
	"[general]\n"
	"internal_domains = example.go.jp\n"
	"var_dir = /tmp\n"
	"[rule personal_data]\n"
	"when = personal_items >= 10\n"
	"action = hold\n"
	"reason = 個人情報が多く含まれています。\n"
	"\tThe message holds much personal data.\n";

/* A message: a CSV of NPEOPLE people (phone, mail) in the body. */
static char *make_message(struct fx *fx)
{
	char body[8192];
	size_t used = 0;
	char *eml;

	for (int i = 0; i < NPEOPLE; i++) {
		snprintf(fx->values[fx->nvalues++], 64, "090-2345-%04d", 6100 + i * 7);
		snprintf(fx->values[fx->nvalues++], 64, "person%02d@mail.example.com", i);
		used += (size_t)snprintf(body + used, sizeof(body) - used, "職員%02d,%s,%s\r\n", i,
		    fx->values[fx->nvalues - 2], fx->values[fx->nvalues - 1]);
	}
	if (asprintf(&eml, "From: Taro <taro@example.go.jp>\r\n"
	    "To: partner@outside.example\r\n"
	    "Subject: =?UTF-8?B?5ZCN57C/44Gu6YCB5LuY?=\r\n"	/* 名簿の送付 */
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "\r\n%s", body) < 0)
		return NULL;
	return eml;
}

static int setup(void **state)
{
	static const char *const rcpt[] = { "partner@outside.example", "colleague@example.go.jp",
		NULL };
	struct fx *fx = calloc(1, sizeof(*fx));
	char path[128], err[1024];
	const struct scan_result *r;
	long counters[SC_COUNT];
	struct verdict v;
	FILE *fp;

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_notice.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/c.conf", fx->dir);
	fp = fopen(path, "w");
	fputs(CONF, fp);
	fclose(fp);
	if (!(fx->cf = conf_load(path, err, sizeof(err))))
		fail_msg("conf: %s", err);
	fx->eng = mt_engine(NULL);
	fx->eml = make_message(fx);
	fx->msg = mt_scan(fx->eng, fx->eml, strlen(fx->eml), rcpt);
	r = mt_result(fx->msg);
	scan_result_counters(r, counters);
	policy_decide(fx->cf, counters, &v);
	assert_int_equal(v.action, ACT_HOLD);
	if (incident_from_scan(&fx->inc, r, &v, "Q1", ACT_HOLD, 1795000000, err, sizeof(err)) < 0)
		fail_msg("incident: %s", err);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	incident_clear(&fx->inc);
	scan_msg_free(fx->msg);
	scan_engine_free(fx->eng);
	conf_unref(fx->cf);
	free(fx->eml);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct notice_ctx ctx(struct fx *fx, enum notice_kind k)
{
	struct notice_ctx c = { .inc = &fx->inc, .kind = k, .from = "dlp-notice@example.go.jp",
		.to = "taro@example.go.jp", .admin = "dlp-admin@example.go.jp", .now = 1795000100 };
	return c;
}

static GMimeMessage *parse(const unsigned char *mail, size_t len)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)mail, len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

	g_object_unref(p);
	g_object_unref(st);
	assert_non_null(m);
	return m;
}

/* The decoded text of the (single) part. */
static char *body_text(GMimeMessage *m)
{
	GMimeObject *part = g_mime_message_get_mime_part(m);
	GMimeDataWrapper *dw;
	GMimeStream *out;
	GByteArray *ba;
	char *s;

	assert_true(GMIME_IS_PART(part));
	dw = g_mime_part_get_content(GMIME_PART(part));
	ba = g_byte_array_new();
	out = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
	g_mime_data_wrapper_write_to_stream(dw, out);
	g_object_unref(out);
	s = strndup((const char *)ba->data, ba->len);
	g_byte_array_free(ba, TRUE);
	return s;
}

static void test_hold_notice_parses_back(void **state)
{
	struct fx *fx = *state;
	struct notice_ctx c = ctx(fx, NOTICE_HOLD);
	char err[256] = "", *body, *raw, *hdr_end;
	InternetAddressList *al;
	GMimeObject *part;
	GMimeMessage *m;
	unsigned char *mail;
	size_t len;

	mail = notice_compose(notice_builtin(NOTICE_HOLD), &c, &len, err, sizeof(err));
	assert_non_null(mail);
	raw = strndup((const char *)mail, len);
	/* CRLF everywhere, an RFC 2047 encoded UTF-8 subject, no raw 8-bit header. */
	for (char *p = strchr(raw, '\n'); p; p = strchr(p + 1, '\n'))
		assert_int_equal(p[-1], '\r');
	hdr_end = strstr(raw, "\r\n\r\n");
	assert_non_null(hdr_end);
	for (char *p = raw; p < hdr_end; p++)
		assert_true((unsigned char)*p < 0x80);
	assert_non_null(strcasestr(raw, "Subject: =?utf-8?b?"));

	m = parse(mail, len);
	assert_non_null(strstr(g_mime_message_get_subject(m), "【送信保留】"));
	assert_non_null(strstr(g_mime_message_get_subject(m), fx->inc.id));
	al = g_mime_message_get_from(m);
	assert_string_equal(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
	    internet_address_list_get_address(al, 0))), "dlp-notice@example.go.jp");
	al = g_mime_message_get_to(m);
	assert_int_equal(internet_address_list_length(al), 1);
	assert_string_equal(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
	    internet_address_list_get_address(al, 0))), "taro@example.go.jp");
	assert_non_null(g_mime_message_get_date(m));
	assert_non_null(g_mime_message_get_message_id(m));
	assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(m), "Auto-Submitted"),
	    "auto-generated");
	assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(m), "X-DLP-Incident"), fx->inc.id);
	part = g_mime_message_get_mime_part(m);
	assert_true(GMIME_IS_PART(part) && !GMIME_IS_MULTIPART(part));
	assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(part), "text", "plain"));
	assert_string_equal(g_mime_object_get_content_type_parameter(part, "charset"), "utf-8");

	body = body_text(m);
	assert_true(g_utf8_validate(body, -1, NULL));
	assert_non_null(strstr(body, fx->inc.id));
	assert_non_null(strstr(body, "名簿の送付"));	/* the original subject */
	assert_non_null(strstr(body, "個人情報が多く含まれています。"));
	assert_non_null(strstr(body, "電話番号 12件"));
	assert_non_null(strstr(body, "メールアドレス 12件"));
	assert_non_null(strstr(body, "dlp-admin@example.go.jp"));
	assert_non_null(strstr(body, "2 件（うち外部 1 件"));
	assert_true(strstr(body, "保留") < strstr(body, "English"));
	assert_non_null(strstr(strstr(body, "English"), "phone numbers: 12"));
	assert_null(strchr(body, '{'));			/* every placeholder filled */
	for (int i = 0; i < fx->nvalues; i++) {
		assert_null(strstr(body, fx->values[i]));
		assert_null(strstr(raw, fx->values[i]));
	}
	assert_non_null(strstr(body, "****"));		/* masked samples only */
	free(body);
	free(raw);
	free(mail);
	g_object_unref(m);
}

/* The config's dictionaries and patterns read as words in the notice. */
static void test_terms_labels(void **state)
{
	struct fx *fx = *state;
	struct notice_ctx c = ctx(fx, NOTICE_HOLD);
	json_t *saved = fx->inc.findings;
	char err[256] = "", *body;
	unsigned char *mail;
	GMimeMessage *m;
	size_t len;

	fx->inc.findings = json_pack("{s:{s:i, s:[s]}, s:{s:i, s:[s]}}",
	    "dictionary.secret", "count", 2, "samples", "極秘",
	    "pattern.staff_id", "count", 3, "samples", "S**********1");
	mail = notice_compose(notice_builtin(NOTICE_HOLD), &c, &len, err, sizeof(err));
	assert_non_null(mail);
	m = parse(mail, len);
	body = body_text(m);
	assert_non_null(strstr(body, "語句「secret」 2件"));
	assert_non_null(strstr(body, "パターン「staff_id」 3件"));
	assert_non_null(strstr(body, "words 'secret': 2"));
	assert_non_null(strstr(body, "S**********1"));
	free(body);
	free(mail);
	g_object_unref(m);
	json_decref(fx->inc.findings);
	fx->inc.findings = saved;
}

static void test_every_kind_composes(void **state)
{
	struct fx *fx = *state;
	static const char *const subj[NOTICE_COUNT] = { "送信保留", "保留", "送信完了", "削除",
		"送信拒否", "期限切れ", "承認依頼", "送信されます" };
	char err[256], *body;
	unsigned char *mail;
	GMimeMessage *m;
	size_t len;

	for (int k = 0; k < NOTICE_COUNT; k++) {
		struct notice_ctx c = ctx(fx, k);
		c.actor = "admin1";
		c.note = "確認済み";
		c.decided = 1795003600;
		mail = notice_compose(notice_builtin(k), &c, &len, err, sizeof(err));
		assert_non_null(mail);
		m = parse(mail, len);
		assert_non_null(strstr(g_mime_message_get_subject(m), subj[k]));
		assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(m), "X-DLP-Notice"),
		    notice_kind_name(k));
		body = body_text(m);
		assert_null(strchr(body, '{'));
		if (k == NOTICE_RELEASED || k == NOTICE_DELETED) {
			assert_non_null(strstr(body, "admin1"));
			assert_non_null(strstr(body, "確認済み"));
		}
		for (int i = 0; i < fx->nvalues; i++)
			assert_null(strstr(body, fx->values[i]));
		free(body);
		free(mail);
		g_object_unref(m);
	}
}

/* The delay notice: when it goes (HH:MM, in Japanese and English), the
 * cancel link, and no justify link; the placeholders of its time. */
static void test_delay_notice(void **state)
{
	struct fx *fx = *state;
	struct notice_ctx c = ctx(fx, NOTICE_DELAY);
	char err[256], hhmm[8], *body, *s;
	unsigned char *mail;
	GMimeMessage *m;
	struct tm tm;
	size_t len;

	fx->inc.due = 1795000400;
	localtime_r(&fx->inc.due, &tm);
	strftime(hhmm, sizeof(hhmm), "%H:%M", &tm);
	c.cancel_url = "http://127.0.0.1:8891/link/cancel/TOKEN";
	c.justify_url = "http://127.0.0.1:8891/link/justify/OTHER";
	mail = notice_compose(notice_builtin(NOTICE_DELAY), &c, &len, err, sizeof(err));
	assert_non_null(mail);
	m = parse(mail, len);
	assert_non_null(strstr(g_mime_message_get_subject(m), hhmm));
	body = body_text(m);
	s = g_strdup_printf("取り消さなければ、%s", "");
	assert_non_null(strstr(body, s));
	g_free(s);
	s = g_strdup_printf("%s までに次のリンクから送信を取り消してください", hhmm);
	assert_non_null(strstr(body, s));
	g_free(s);
	s = g_strdup_printf("it is sent at %s", hhmm);
	assert_non_null(strstr(body, s));
	g_free(s);
	assert_non_null(strstr(body, "/link/cancel/TOKEN"));
	assert_null(strstr(body, "justify"));
	assert_null(strchr(body, '{'));
	free(body);
	free(mail);
	g_object_unref(m);
	s = notice_expand("{due_time}|{due}", &c);
	assert_int_equal(strncmp(s, hhmm, 5), 0);
	assert_non_null(strstr(s, "|20"));
	free(s);
	fx->inc.due = 0;
}

static void test_expand_placeholders(void **state)
{
	struct fx *fx = *state;
	struct notice_ctx c = ctx(fx, NOTICE_HOLD);
	char *s;

	s = notice_expand("[{incident}] {rules} {unknown} {recipients}/{external} {note} {{x}\n"
	    "{reasons}\nend", &c);
	assert_non_null(s);
	assert_non_null(strstr(s, fx->inc.id));
	assert_non_null(strstr(s, "] personal_data {unknown} 2/1 - {{x}\n"));
	/* A multi-line reason: the English line indented under the rule. */
	assert_non_null(strstr(s, "  - personal_data: 個人情報が多く含まれています。\n"
	    "      The message holds much personal data.\nend"));
	free(s);
}

static void test_subject_line_cleaned(void **state)
{
	struct fx *fx = *state;
	struct notice_ctx c = ctx(fx, NOTICE_HOLD);
	char err[256];
	unsigned char *mail;
	GMimeMessage *m;
	size_t len;

	free(fx->inc.subject);
	fx->inc.subject = strdup("evil\r\nBcc: x@outside.example");
	mail = notice_compose("Subject: re {subject}\n\nbody {subject}\n", &c, &len, err,
	    sizeof(err));
	assert_non_null(mail);
	assert_null(strstr((char *)mail, "\r\nBcc:"));
	m = parse(mail, len);
	assert_null(g_mime_message_get_bcc(m) && internet_address_list_length(
	    g_mime_message_get_bcc(m)) ? "bcc" : NULL);
	assert_non_null(strstr(g_mime_message_get_subject(m), "evil"));
	g_object_unref(m);
	free(mail);
	/* Without a Subject line the whole text is the body. */
	mail = notice_compose("just a body {incident}\n", &c, &len, err, sizeof(err));
	m = parse(mail, len);
	assert_string_equal(g_mime_message_get_subject(m), "dlp-milter");
	g_object_unref(m);
	free(mail);
	c.to = "";
	assert_null(notice_compose("x", &c, &len, err, sizeof(err)));
	assert_non_null(strstr(err, "no To"));
}

/* The text of body before the "English" divider, and after it. */
static char *japanese_part(const char *body)
{
	const char *e = strstr(body, "\nEnglish\n");

	assert_non_null(e);
	return strndup(body, (size_t)(e - body));
}

static char *compose_body(struct notice_ctx *c, enum notice_kind k)
{
	char err[256];
	unsigned char *mail;
	GMimeMessage *m;
	size_t len;
	char *body;

	mail = notice_compose(notice_builtin(k), c, &len, err, sizeof(err));
	assert_non_null(mail);
	m = parse(mail, len);
	body = body_text(m);
	g_object_unref(m);
	free(mail);
	return body;
}

/* One piece of advice per rule: a mass-recipient hold says "cancel and
 * resend with Bcc" and nothing in the same notice says "do not resend";
 * rule ids stay out of the Japanese text (the English part names them);
 * a rule without advice leaves the default. */
static void test_rule_advice(void **state)
{
	struct fx *fx = *state;
	struct notice_ctx c = ctx(fx, NOTICE_HOLD);
	char *body, *ja;

	c.retention_days = 90;
	/* the fixture's rule has no advice: the default, and the expiry promise */
	body = compose_body(&c, NOTICE_HOLD);
	ja = japanese_part(body);
	assert_non_null(strstr(ja, "送り\n    直さずに管理者へご連絡ください。"));
	assert_non_null(strstr(ja, "90 日のうちに確認が終わらなかったメールは、送信されずに削除されます"));
	assert_non_null(strstr(ja, "（期限切れ）"));
	assert_non_null(strstr(ja, "  ・個人情報が多く含まれています。\n"));
	assert_null(strstr(ja, "personal_data"));
	assert_null(strstr(ja, "The message holds"));		/* English lines in English */
	assert_non_null(strstr(body, "  - personal_data: The message holds much personal data.\n"));
	assert_non_null(strstr(body, "do not send it again"));
	free(ja);
	free(body);

	json_decref(fx->inc.rules);
	fx->inc.rules = json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]",
	    "name", "mass_recipients", "action", "hold",
	    "reason", "宛先（To/Cc）に外部のアドレスが 12 件見えています（10 件以上で保留）。\n"
	    "12 external addresses are visible in To/Cc.",
	    "advice", "送信を取り消し、外部の宛先を Bcc に移して送り直してください。\n"
	    "Cancel it and send it again with the external recipients in Bcc.",
	    "name", "personal_data", "action", "hold", "reason", "個人情報が多く含まれています。",
	    "name", "mass_again", "action", "hold", "reason", "同じ助言の別のルール。",
	    "advice", "送信を取り消し、外部の宛先を Bcc に移して送り直してください。\n"
	    "Cancel it and send it again with the external recipients in Bcc.");
	body = compose_body(&c, NOTICE_HOLD);
	ja = japanese_part(body);
	assert_non_null(strstr(ja, "お願い:\n  ・送信を取り消し、外部の宛先を Bcc に移して送り直してください。\n\n"));
	assert_null(strstr(ja, "送り\n    直さずに"));		/* no contrary advice */
	assert_null(strstr(ja, "送り直さず"));
	assert_non_null(strstr(ja, "  ・宛先（To/Cc）に外部のアドレスが 12 件見えています"));
	assert_null(strstr(ja, "mass_recipients"));
	assert_null(strstr(ja, "personal_data"));
	assert_null(strstr(ja, "mass_again"));
	assert_non_null(strstr(body, "What to do:\n  - Cancel it and send it again with the external "
	    "recipients in Bcc.\n\n"));
	assert_null(strstr(body, "do not send it again"));
	assert_non_null(strstr(body, "  - mass_recipients: 12 external addresses are visible"));
	/* a reason with no English line is shown whole in the English part */
	assert_non_null(strstr(body, "  - personal_data: 個人情報が多く含まれています。\n"));
	free(ja);
	free(body);
	/* a reject whose reject rule has no advice: resend without the personal
	 * data; a hold rule's advice (cancel, Bcc) is not for a refused mail */
	json_decref(fx->inc.rules);
	fx->inc.rules = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]",
	    "name", "my_number", "action", "reject",
	    "reason", "マイナンバーが含まれています。\nA My Number was found.",
	    "name", "mass_recipients", "action", "hold", "reason", "宛先が多数です。",
	    "advice", "送信を取り消し、Bcc に移して送り直してください。\nCancel it; resend with Bcc.");
	c.kind = NOTICE_REJECT;
	body = compose_body(&c, NOTICE_REJECT);
	ja = japanese_part(body);
	assert_non_null(strstr(ja, "送信を取りやめました（拒否）"));
	assert_non_null(strstr(ja, "  ・マイナンバーが含まれています。\n"));
	assert_non_null(strstr(ja, "個人情報を含めない形に見直したうえで送り直してください"));
	assert_null(strstr(ja, "my_number"));
	assert_null(strstr(ja, "Bcc"));
	assert_null(strstr(body, "resend with Bcc"));
	assert_non_null(strstr(body, "  - my_number: A My Number was found.\n"));
	free(ja);
	free(body);
	/* a reject rule's own advice is shown */
	json_object_set_new(json_array_get(fx->inc.rules, 0), "advice",
	    json_string("マイナンバーを除いてから送り直してください。\nRemove the My Number, then resend."));
	body = compose_body(&c, NOTICE_REJECT);
	assert_non_null(strstr(body, "お願い:\n  ・マイナンバーを除いてから送り直してください。\n\n"));
	assert_non_null(strstr(body, "What to do:\n  - Remove the My Number, then resend.\n\n"));
	assert_null(strstr(body, "個人情報を含めない形に"));
	free(body);
}

/* The greeting uses the From display name; what mail brings in there
 * (CR, LF, ESC, C1 controls) never makes a header or a line of its own. */
static void test_sender_name(void **state)
{
	struct fx *fx = *state;
	struct notice_ctx c = ctx(fx, NOTICE_HOLD);
	char err[256], *body, *raw, longname[300];
	unsigned char *mail;
	GMimeMessage *m;
	size_t len;

	/* TAB CR LF, ESC, C1 NEL (U+0085), a right-to-left override (U+202E) */
	c.sender_name = "山田\t太郎\r\nBcc: x@outside.example\x1b[31m\xc2\x85" "end\xe2\x80\xae";
	mail = notice_compose("Subject: for {sender_name}\n\n{sender_name} 様\nDear {sender_name},\n",
	    &c, &len, err, sizeof(err));
	assert_non_null(mail);
	raw = strndup((const char *)mail, len);
	assert_null(strstr(raw, "\r\nBcc:"));
	assert_null(strchr(raw, '\x1b'));
	m = parse(mail, len);
	assert_true(!g_mime_message_get_bcc(m) ||
	    internet_address_list_length(g_mime_message_get_bcc(m)) == 0);
	assert_string_equal(g_mime_message_get_subject(m),
	    "for 山田 太郎 Bcc: x@outside.example [31m end");
	body = body_text(m);
	assert_string_equal(body, "山田 太郎 Bcc: x@outside.example [31m end 様\n"
	    "Dear 山田 太郎 Bcc: x@outside.example [31m end,\n");
	free(body);
	g_object_unref(m);
	free(raw);
	free(mail);
	/* no name, or only blanks and controls: the address */
	for (int i = 0; i < 2; i++) {
		c.sender_name = i ? " \r\n\t" : NULL;
		body = notice_expand("{sender_name} 様", &c);
		assert_non_null(strstr(body, fx->inc.sender));
		assert_non_null(strstr(body, " 様"));
		free(body);
	}
	/* a long one is cut at 64 characters */
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	c.sender_name = longname;
	body = notice_expand("[{sender_name}]", &c);
	assert_int_equal(strlen(body), 66);
	free(body);
	/* not UTF-8: the address */
	c.sender_name = "\xff\xfe";
	body = notice_expand("{sender_name}", &c);
	assert_string_equal(body, fx->inc.sender);
	free(body);
}

/* The display name comes from the From of the stored message (RFC 2047
 * decoded); none when there is no stored copy or no name. */
static void test_stored_sender_name(void **state)
{
	struct fx *fx = *state;
	char path[256], err[1024], name[256];
	struct conf *cf;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/s.conf", fx->dir);
	fp = fopen(path, "w");
	fprintf(fp, "[general]\ninternal_domains = example.go.jp\nvar_dir = %s\n", fx->dir);
	fclose(fp);
	assert_non_null(cf = conf_load(path, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/quarantine", fx->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/quarantine/msg", fx->dir);
	mkdir(path, 0700);
	notify_sender_name(cf, "20261125-NOFILE", name, sizeof(name));
	assert_string_equal(name, "");
	snprintf(path, sizeof(path), "%s/quarantine/msg/20261125-NAMED1.eml", fx->dir);
	fp = fopen(path, "w");
	fputs("Received: from x\r\nFrom: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <taro@example.go.jp>\r\n"
	    "To: a@outside.example\r\nSubject: s\r\n\r\nFrom: body <not@this.one>\r\n", fp);
	fclose(fp);
	notify_sender_name(cf, "20261125-NAMED1", name, sizeof(name));
	assert_string_equal(name, "山田 太郎");
	snprintf(path, sizeof(path), "%s/quarantine/msg/20261125-NONAME.eml", fx->dir);
	fp = fopen(path, "w");
	fputs("From: taro@example.go.jp\nSubject: s\n\nbody\n", fp);
	fclose(fp);
	notify_sender_name(cf, "20261125-NONAME", name, sizeof(name));
	assert_string_equal(name, "");
	conf_unref(cf);
}

/* <repo>/config/notice-KIND.txt, found from the current directory or the
 * test binary (build/tests/test_notice). */
static FILE *open_shipped(const char *kind)
{
	char exe[PATH_MAX] = "", path[PATH_MAX * 2];
	ssize_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "config/notice-%s.txt", kind);
	if ((fp = fopen(path, "r")))
		return fp;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0)
		exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/../../config/notice-%s.txt", dirname(exe), kind);
	return fopen(path, "r");
}

static void test_shipped_files_equal_builtin(void **state)
{
	char buf[16384];
	size_t n;
	FILE *fp;

	for (int k = 0; k < NOTICE_COUNT; k++) {
		fp = open_shipped(notice_kind_name(k));
		assert_non_null(fp);
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		assert_string_equal(buf, notice_builtin(k));
	}
}

static void test_template_directory(void **state)
{
	struct fx *fx = *state;
	char path[256], err[256] = "", *t;
	FILE *fp;

	/* A file for hold only: hold from the file, the rest built in. */
	snprintf(path, sizeof(path), "%s/notice-hold.txt", fx->dir);
	fp = fopen(path, "w");
	fputs("Subject: custom {incident}\n\nカスタム {subject}\n", fp);
	fclose(fp);
	t = notice_template(fx->dir, NOTICE_HOLD, err, sizeof(err));
	assert_string_equal(t, "Subject: custom {incident}\n\nカスタム {subject}\n");
	free(t);
	t = notice_template(fx->dir, NOTICE_ADMIN, err, sizeof(err));
	assert_string_equal(t, notice_builtin(NOTICE_ADMIN));
	free(t);
	t = notice_template("", NOTICE_HOLD, err, sizeof(err));
	assert_string_equal(t, notice_builtin(NOTICE_HOLD));
	free(t);
	/* A file that exists but cannot be read, or is not UTF-8: an error. */
	snprintf(path, sizeof(path), "%s/notice-deleted.txt", fx->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_null(notice_template(fx->dir, NOTICE_DELETED, err, sizeof(err)));
	assert_non_null(strstr(err, "notice-deleted.txt"));
	snprintf(path, sizeof(path), "%s/notice-released.txt", fx->dir);
	fp = fopen(path, "w");
	fputs("Subject: \xff\xfe\n", fp);
	fclose(fp);
	assert_null(notice_template(fx->dir, NOTICE_RELEASED, err, sizeof(err)));
	assert_non_null(strstr(err, "not UTF-8"));
	assert_int_equal(notice_kind_from_name("released"), NOTICE_RELEASED);
	assert_int_equal(notice_kind_from_name("nope"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hold_notice_parses_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_terms_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_kind_composes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_placeholders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delay_notice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_line_cleaned, setup, teardown),
		cmocka_unit_test(test_shipped_files_equal_builtin),
		cmocka_unit_test_setup_teardown(test_rule_advice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_sender_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_directory, setup, teardown),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
