/*
 * notice.c — notice templates, placeholders and the MIME composer (see
 * notice.h).  Text is built with GLib's GString; the mail with GMime.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "detectors/scan.h"
#include "notice/notice.h"

static const char *const kind_names[NOTICE_COUNT] = { "hold", "admin", "released", "deleted",
	"reject", "expired", "approval", "delay" };

const char *notice_kind_name(enum notice_kind k)
{
	return k >= 0 && k < NOTICE_COUNT ? kind_names[k] : "?";
}

int notice_kind_from_name(const char *s)
{
	for (int k = 0; s && k < NOTICE_COUNT; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return k;
	return -1;
}

char *notice_template(const char *dir, enum notice_kind k, char *err, size_t errlen)
{
	char path[PATH_MAX];
	GError *ge = NULL;
	gchar *text = NULL;
	char *out;

	if (k < 0 || k >= NOTICE_COUNT) {
		snprintf(err, errlen, "notice: unknown kind %d", (int)k);
		return NULL;
	}
	if (!dir || !*dir)
		goto builtin;
	snprintf(path, sizeof(path), "%s/notice-%s.txt", dir, kind_names[k]);
	if (!g_file_get_contents(path, &text, NULL, &ge)) {
		int missing = g_error_matches(ge, G_FILE_ERROR, G_FILE_ERROR_NOENT);
		if (!missing)
			snprintf(err, errlen, "notice template %s: %s", path, ge->message);
		g_error_free(ge);
		if (missing)
			goto builtin;
		return NULL;
	}
	if (!g_utf8_validate(text, -1, NULL)) {
		snprintf(err, errlen, "notice template %s: not UTF-8", path);
		g_free(text);
		return NULL;
	}
	out = strdup(text);
	g_free(text);
	if (!out)
		snprintf(err, errlen, "notice: out of memory");
	return out;
builtin:
	if (!(out = strdup(notice_builtin(k))))
		snprintf(err, errlen, "notice: out of memory");
	return out;
}

/* The words for a finding type named in the register (finding_types.h);
 * a name this build does not know is shown as it is. */
static const char *type_label(const char *type, int en)
{
	static __thread char buf[200];
	int t = finding_type_lookup(type);

	/* the config's own: "dictionary.secret" reads 語句「secret」 */
	if (t < 0 && strncmp(type, "dictionary.", 11) == 0)
		snprintf(buf, sizeof(buf), en ? "words '%s'" : "語句「%s」", type + 11);
	else if (t < 0 && strncmp(type, "pattern.", 8) == 0)
		snprintf(buf, sizeof(buf), en ? "pattern '%s'" : "パターン「%s」", type + 8);
	else
		return t < 0 ? type : finding_type_label((enum finding_type)t, en);
	return buf;
}

static const char *str_or(const char *s, const char *def)
{
	return s && *s ? s : def;
}

/* "電話番号 98件、メールアドレス 49件" from {type: n} (n > 0 only);
 * FALSE when there was none. */
static gboolean append_counts(GString *g, json_t *counts, int en)
{
	const char *type;
	gboolean any = FALSE;
	json_t *v;

	json_object_foreach(counts, type, v) {
		json_int_t n = json_is_object(v) ? json_integer_value(json_object_get(v, "count")) :
		    json_integer_value(v);
		if (n <= 0)
			continue;
		if (any)
			g_string_append(g, en ? ", " : "、");
		g_string_append_printf(g, en ? "%s: %lld" : "%s %lld件", type_label(type, en),
		    (long long)n);
		any = TRUE;
	}
	return any;
}

static void append_part_label(GString *g, json_t *p, int en)
{
	const char *name = json_string_value(json_object_get(p, "filename"));
	const char *path = str_or(json_string_value(json_object_get(p, "path")), "?");

	if (name && *name)
		g_string_append_printf(g, en ? "\"%s\" (part %s)" : "「%s」（パート %s）", name, path);
	else
		g_string_append_printf(g, en ? "body (part %s)" : "本文（パート %s）", path);
}

/* One line per part with findings, encrypted or not inspected. */
static void append_parts(GString *g, json_t *parts, int en)
{
	const char *why;
	size_t i;
	json_t *p;

	json_array_foreach(parts, i, p) {
		GString *line = g_string_new("  ");
		gboolean any;

		append_part_label(line, p, en);
		g_string_append(line, ": ");
		any = append_counts(line, json_object_get(p, "findings"), en);
		if (json_is_true(json_object_get(p, "encrypted"))) {
			g_string_append(line, en ? (any ? "; encrypted" : "encrypted, not inspected") :
			    (any ? "、暗号化" : "暗号化されていて検査できません"));
			any = TRUE;
		}
		if ((why = json_string_value(json_object_get(p, "unscanned")))) {
			g_string_append_printf(line, en ? "%snot inspected (%s)" : "%s検査できませんでした（%s）",
			    any ? (en ? "; " : "、") : "", why);
			any = TRUE;
		}
		if (any)
			g_string_append_printf(g, "%s\n", line->str);
		g_string_free(line, TRUE);
	}
}

/* Per-part lines, the message's totals, then the masked samples. */
static void append_findings(GString *g, const struct incident *inc, int en)
{
	const char *type;
	json_t *f, *s;
	size_t i, start = g->len;

	append_parts(g, inc->parts, en);
	if (json_object_size(inc->findings) == 0) {
		if (g->len == start)
			g_string_append(g, en ? "  (no personal data found)\n" : "  （個人情報は検出されていません）\n");
		return;
	}
	g_string_append(g, en ? "  Whole message (distinct values): " : "  メール全体（重複を除く）: ");
	append_counts(g, inc->findings, en);
	g_string_append(g, en ? "\n  Masked examples: " : "\n  伏せ字の例: ");
	start = g->len;
	json_object_foreach(inc->findings, type, f) {
		if (json_array_size(json_object_get(f, "samples")) == 0)
			continue;
		g_string_append_printf(g, "%s%s ", g->len > start ? (en ? "; " : "、") : "",
		    type_label(type, en));
		json_array_foreach(json_object_get(f, "samples"), i, s)
			g_string_append_printf(g, "%s%s", i ? ", " : "", str_or(json_string_value(s), "?"));
	}
	if (g->len == start)
		g_string_append(g, "-");
	g_string_append_c(g, '\n');
}

/* "  - name: reason" with the reason's further lines indented. */
static void append_reasons(GString *g, const struct incident *inc)
{
	const char *reason, *r;
	size_t i;
	json_t *o;

	json_array_foreach(inc->rules, i, o) {
		g_string_append_printf(g, "  - %s: ",
		    str_or(json_string_value(json_object_get(o, "name")), "?"));
		reason = str_or(json_string_value(json_object_get(o, "reason")), "-");
		for (r = reason; *r; r++) {
			g_string_append_c(g, *r);
			if (*r == '\n' && r[1])
				g_string_append(g, "      ");
		}
		if (r == reason || r[-1] != '\n')
			g_string_append_c(g, '\n');
	}
	if (json_array_size(inc->rules) == 0)
		g_string_append(g, "  -\n");
}

/* Is line [s, e) Japanese (any byte outside ASCII)? */
static gboolean line_ja(const char *s, const char *e)
{
	for (; s < e; s++)
		if ((unsigned char)*s >= 0x80)
			return TRUE;
	return FALSE;
}

/* The lines of text in one language (ja: those with a non-ASCII
 * character; else the others), each line after the first indented by
 * indent; all lines when none is in that language.  FALSE when text is
 * empty. */
static gboolean append_lang(GString *g, const char *text, gboolean ja, const char *indent)
{
	gboolean any = FALSE, all;
	int pass;

	if (!text || !*text)
		return FALSE;
	for (pass = 0; pass < 2 && !any; pass++) {
		all = pass == 1;
		for (const char *s = text, *e; *s; s = *e ? e + 1 : e) {
			e = strchr(s, '\n');
			if (!e)
				e = s + strlen(s);
			if (e == s || (!all && line_ja(s, e) != ja))
				continue;
			if (any)
				g_string_append_printf(g, "\n%s", indent);
			g_string_append_len(g, s, e - s);
			any = TRUE;
		}
	}
	return any;
}

/* {reasons_ja}: "  ・reason" in Japanese, no rule names (they are ids of
 * the config, not words for the sender); {reasons_en}: "  - name: reason"
 * in English. */
static void append_reasons_lang(GString *g, const struct incident *inc, gboolean ja)
{
	size_t i, start = g->len;
	json_t *o;

	json_array_foreach(inc->rules, i, o) {
		const char *reason = json_string_value(json_object_get(o, "reason"));
		size_t mark = g->len;

		if (ja)
			g_string_append(g, "  ・");
		else
			g_string_append_printf(g, "  - %s: ",
			    str_or(json_string_value(json_object_get(o, "name")), "?"));
		if (!append_lang(g, reason, ja, ja ? "    " : "      ")) {
			if (ja) {
				g_string_truncate(g, mark);
				continue;
			}
			g_string_append(g, "-");
		}
		g_string_append_c(g, '\n');
	}
	if (g->len == start)
		g_string_append(g, "  -\n");
}

/* The advice of the fired rules, one item per rule (the same text once),
 * or the kind's default when no rule gives any.  A reject notice takes the
 * advice of the reject rules only: a hold rule's "cancel it and resend"
 * means nothing for a mail that was refused. */
static void append_advice(GString *g, const struct notice_ctx *c, gboolean ja)
{
	const char *bullet = ja ? "  ・" : "  - ", *indent = "    ";
	GPtrArray *seen = g_ptr_array_new();
	size_t i, start = g->len;
	json_t *o;

	json_array_foreach(c->inc->rules, i, o) {
		const char *a = json_string_value(json_object_get(o, "advice"));
		const char *act = json_string_value(json_object_get(o, "action"));
		gboolean dup = FALSE;
		size_t mark = g->len;

		if (c->kind == NOTICE_REJECT && (!act || strcmp(act, "reject") != 0))
			continue;

		for (guint k = 0; a && k < seen->len; k++)
			dup = dup || strcmp(a, g_ptr_array_index(seen, k)) == 0;
		if (!a || !*a || dup)
			continue;
		g_ptr_array_add(seen, (gpointer)a);
		g_string_append(g, bullet);
		if (append_lang(g, a, ja, indent))
			g_string_append_c(g, '\n');
		else
			g_string_truncate(g, mark);
	}
	g_ptr_array_free(seen, TRUE);
	if (g->len > start)
		return;
	if (c->kind == NOTICE_HOLD)
		g_string_append(g, ja ?
		    "  ・宛先や添付ファイルの誤りなど、送信すべきでないメールだった場合は、送り\n"
		    "    直さずに管理者へご連絡ください。\n" :
		    "  - If the mail should not have been sent (wrong recipients, wrong\n"
		    "    attachment), do not send it again: tell the administrator.\n");
	else
		g_string_append(g, ja ?
		    "  ・必要な場合は、個人情報を含めない形に見直したうえで送り直してください。\n" :
		    "  - If it is still needed, send it again without the personal data.\n");
}

/* The From display name given (decoded): C0 and C1 controls, DEL and
 * line separators become a space, format characters (bidi overrides,
 * zero-width) are dropped, runs of white space one space, at most 64
 * characters; else the sender's address. */
static void append_sender_name(GString *g, const struct notice_ctx *c)
{
	const char *s = c->sender_name;
	size_t start = g->len;
	int chars = 0;
	gunichar u;

	for (; s && *s && g_utf8_validate(s, -1, NULL) && chars < 64; s = g_utf8_next_char(s)) {
		u = g_utf8_get_char(s);
		if (g_unichar_type(u) == G_UNICODE_FORMAT)
			continue;
		if (u < 0x20 || (u >= 0x7f && u < 0xa0) || u == 0x2028 || u == 0x2029 ||
		    g_unichar_isspace(u)) {
			if (g->len > start && g->str[g->len - 1] != ' ')
				g_string_append_c(g, ' ');
			continue;
		}
		g_string_append_unichar(g, u);
		chars++;
	}
	while (g->len > start && g->str[g->len - 1] == ' ')
		g_string_truncate(g, g->len - 1);
	if (g->len == start)
		g_string_append(g, str_or(c->inc->sender, "<>"));
}

static void append_rules(GString *g, const struct incident *inc)
{
	size_t i;
	json_t *o;

	json_array_foreach(inc->rules, i, o)
		g_string_append_printf(g, "%s%s", i ? ", " : "",
		    str_or(json_string_value(json_object_get(o, "name")), "?"));
	if (json_array_size(inc->rules) == 0)
		g_string_append(g, "-");
}

static void append_time(GString *g, time_t t)
{
	char buf[64];
	struct tm tm;

	if (localtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z", &tm))
		g_string_append(g, buf);
	else
		g_string_append_printf(g, "%lld", (long long)t);
}

static void append_hhmm(GString *g, time_t t)
{
	char buf[16];
	struct tm tm;

	if (localtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%H:%M", &tm))
		g_string_append(g, buf);
	else
		g_string_append_printf(g, "%lld", (long long)t);
}

/* A block placeholder ends in a newline of its own: drop it when the
 * template already has one right after the placeholder. */
static void trim_nl(GString *g, const char *after)
{
	if (*after == '\n' && g->len && g->str[g->len - 1] == '\n')
		g_string_truncate(g, g->len - 1);
}

/* The block of the sender's links; nothing without them. */
static void append_links(GString *g, const struct notice_ctx *c, int en)
{
	if (!c->cancel_url || !c->justify_url)
		return;
	if (en) {
		g_string_append(g, "\nYou can decide yourself (each link works once, until ");
		append_time(g, c->links_expire);
		g_string_append_printf(g, "):\n  - Cancel sending (wrong recipients, wrong file):\n"
		    "    %s\n  - Ask for approval, with your reason:\n    %s\n", c->cancel_url,
		    c->justify_url);
		return;
	}
	g_string_append(g, "\nご自身で対応する場合（リンクは一度だけ、");
	append_time(g, c->links_expire);
	g_string_append_printf(g, " まで使えます）:\n  ・送信を取り消す（宛先や添付の誤りなど）:\n"
	    "    %s\n  ・理由を添えて承認を依頼する:\n    %s\n", c->cancel_url, c->justify_url);
}

/* Append the value of {name} (len bytes); FALSE when unknown. */
static gboolean expand_one(GString *g, const char *name, size_t len, const char *after,
    const struct notice_ctx *c)
{
	const struct incident *inc = c->inc;

#define IS(s) (len == strlen(s) && strncmp(name, s, len) == 0)
	if (IS("incident")) g_string_append(g, inc->id);
	else if (IS("sender")) g_string_append(g, str_or(inc->sender, "<>"));
	else if (IS("subject")) g_string_append(g, str_or(inc->subject, "(no subject)"));
	else if (IS("date")) append_time(g, inc->created);
	else if (IS("status")) g_string_append(g, str_or(inc->status, "?"));
	else if (IS("recipients")) g_string_append_printf(g, "%ld", inc->recipients);
	else if (IS("external")) g_string_append_printf(g, "%ld", inc->external);
	else if (IS("external_visible")) g_string_append_printf(g, "%ld", inc->external_visible);
	else if (IS("external_domains")) g_string_append_printf(g, "%ld", inc->external_domains);
	else if (IS("rules")) append_rules(g, inc);
	else if (IS("sender_name")) append_sender_name(g, c);
	else if (IS("reasons")) { append_reasons(g, inc); trim_nl(g, after); }
	else if (IS("reasons_ja")) { append_reasons_lang(g, inc, TRUE); trim_nl(g, after); }
	else if (IS("reasons_en")) { append_reasons_lang(g, inc, FALSE); trim_nl(g, after); }
	else if (IS("advice")) { append_advice(g, c, TRUE); trim_nl(g, after); }
	else if (IS("advice_en")) { append_advice(g, c, FALSE); trim_nl(g, after); }
	else if (IS("retention_days")) g_string_append_printf(g, "%d", c->retention_days);
	else if (IS("findings")) { append_findings(g, inc, 0); trim_nl(g, after); }
	else if (IS("findings_en")) { append_findings(g, inc, 1); trim_nl(g, after); }
	else if (IS("action")) g_string_append(g, str_or(inc->action, "?"));
	else if (IS("action_ja"))
		g_string_append(g, inc->action && strcmp(inc->action, "reject") == 0 ? "拒否" :
		    inc->action && strcmp(inc->action, "delay") == 0 ? "送信保留" : "保留");
	else if (IS("admin")) g_string_append(g, str_or(c->admin, str_or(c->from, "-")));
	else if (IS("actor")) g_string_append(g, str_or(c->actor, "-"));
	else if (IS("note")) g_string_append(g, str_or(c->note, "-"));
	else if (IS("decided")) append_time(g, c->decided ? c->decided : inc->updated);
	else if (IS("due")) append_time(g, inc->due);
	else if (IS("due_time")) append_hhmm(g, inc->due);
	else if (IS("cancel_url")) g_string_append(g, str_or(c->cancel_url, "-"));
	else if (IS("justify_url")) g_string_append(g, str_or(c->justify_url, "-"));
	else if (IS("approve_url")) g_string_append(g, str_or(c->approve_url, "-"));
	else if (IS("reject_url")) g_string_append(g, str_or(c->reject_url, "-"));
	else if (IS("links")) { append_links(g, c, 0); trim_nl(g, after); }
	else if (IS("links_en")) { append_links(g, c, 1); trim_nl(g, after); }
	else return FALSE;
#undef IS
	return TRUE;
}

char *notice_expand(const char *tmpl, const struct notice_ctx *c)
{
	GString *g = g_string_sized_new(strlen(tmpl) + 1024);
	const char *p = tmpl, *close;
	size_t n, before;

	while (*p) {
		if (*p != '{' || !(close = strchr(p + 1, '}'))) {
			g_string_append_c(g, *p++);
			continue;
		}
		n = (size_t)(close - p - 1);
		before = g->len;
		if (n == 0 || n > 32 || strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_") != n ||
		    !expand_one(g, p + 1, n, close + 1, c)) {
			g_string_append_c(g, *p++);	/* not a placeholder: as written */
			continue;
		}
		/* A block that came out empty, alone on its line: no line at all. */
		if (g->len == before && strncmp(p + 1, "links", 5) == 0 && close[1] == '\n' &&
		    (p == tmpl || p[-1] == '\n'))
			close++;
		p = close + 1;
	}
	return g_string_free(g, FALSE);	/* g_malloc'd: glib uses malloc */
}

/* Split the expanded text into subject (a first "Subject:" line) and body;
 * control characters in the subject become spaces. */
static void split_subject(char *text, char **subject, char **body)
{
	char *nl;

	*subject = NULL;
	*body = text;
	if (g_ascii_strncasecmp(text, "Subject:", 8) != 0)
		return;
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	*subject = g_strstrip(text + 8);
	*body = nl ? nl + 1 : text + strlen(text);
	if (**body == '\n')
		(*body)++;
	else if (**body == '\r' && (*body)[1] == '\n')
		*body += 2;
	for (char *s = *subject; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static GMimeObject *text_part(const char *body)
{
	GMimePart *part = g_mime_part_new_with_type("text", "plain");
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(body, strlen(body));
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(st,
	    GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_part_set_content(part, dw);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_object_unref(dw);
	g_object_unref(st);
	return GMIME_OBJECT(part);
}

static void set_headers(GMimeMessage *msg, const struct notice_ctx *c, const char *subject)
{
	const char *at = c->from ? strrchr(c->from, '@') : NULL;
	const char *admin = str_or(c->admin, NULL);
	GDateTime *dt = g_date_time_new_from_unix_local(c->now ? c->now : time(NULL));
	char *mid = g_mime_utils_generate_message_id(at && at[1] ? at + 1 : "localhost");
	GMimeObject *o = GMIME_OBJECT(msg);

	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, "dlp-milter", c->from);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, c->to);
	if (admin)
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, NULL, admin);
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_mime_message_set_date(msg, dt);
	g_mime_message_set_message_id(msg, mid);
	g_mime_object_set_header(o, "MIME-Version", "1.0", NULL);
	g_mime_object_set_header(o, "Auto-Submitted", "auto-generated", NULL);
	g_mime_object_set_header(o, "X-DLP-Incident", c->inc->id, NULL);
	g_mime_object_set_header(o, "X-DLP-Notice", notice_kind_name(c->kind), NULL);
	g_date_time_unref(dt);
	g_free(mid);
}

unsigned char *notice_compose(const char *tmpl, const struct notice_ctx *c, size_t *len,
    char *err, size_t errlen)
{
	char *text, *subject, *body, *s;
	GMimeFormatOptions *fo = NULL;
	GMimeMessage *msg = NULL;
	GMimeObject *part;
	unsigned char *out = NULL;

	if (!c->from || !*c->from || !c->to || !*c->to) {
		snprintf(err, errlen, "notice: no %s address", c->from && *c->from ? "To" : "From");
		return NULL;
	}
	if (!(text = notice_expand(tmpl, c))) {
		snprintf(err, errlen, "notice: out of memory");
		return NULL;
	}
	split_subject(text, &subject, &body);
	msg = g_mime_message_new(TRUE);
	set_headers(msg, c, subject && *subject ? subject : "dlp-milter");
	part = text_part(body);
	g_mime_message_set_mime_part(msg, part);
	g_object_unref(part);
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	s = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
	if (s && (out = (unsigned char *)strdup(s)))
		*len = strlen(s);
	else
		snprintf(err, errlen, "notice: cannot write the mail");
	g_free(s);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	free(text);
	return out;
}
