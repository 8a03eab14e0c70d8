/*
 * notice.h — notice mails: the templates and the composer.
 *
 * Kinds: hold (to the sender of a held message), reject (to the sender
 * of a rejected one), admin (to [notice] admin, for every new hold and
 * reject), released, deleted and expired (to the sender, the outcome;
 * expired when dlpctl purge expired the held message), approval (to the
 * sender's approvers, for a rule with action approve or a sender's
 * request; {note} is the sender's reason), delay (to the sender of a
 * message held by a rule with action delay: it is sent by itself at
 * {due} unless cancelled with {cancel_url}).  A template is UTF-8 text, optionally starting with a
 * "Subject: …" line (and a blank line); every {name} below is replaced,
 * an unknown {name} is left as written.  The file for a kind is
 * DIR/notice-KIND.txt; without a directory or without that file the
 * built-in text (the same as the shipped config/notice-KIND.txt) is used.
 *
 *   {incident} {sender} {subject} {date} {status}
 *   {sender_name}  the From display name (ctx sender_name), controls
 *                  dropped, at most 64 characters; else {sender}
 *   {recipients} {external} {external_visible} {external_domains}  counts
 *   {rules}        names of the rules that fired, comma separated
 *   {reasons}      each fired rule with its reason (all its lines)
 *   {reasons_ja}   each fired rule's Japanese lines (those with a
 *                  non-ASCII character), without the rule's name;
 *                  {reasons_en} "name: " and the other lines
 *   {advice} {advice_en}  the fired rules' advice, each distinct one
 *                  once, Japanese / English lines; else the kind's default
 *   {retention_days}  [register] retention_days (ctx retention_days)
 *   {findings}     per part: types (Japanese names) and counts, then the
 *                  masked samples; {findings_en} the same in English
 *   {action} {action_ja}   hold / reject, 保留 / 拒否
 *   {admin}        whom to contact ([notice] admin, else [notice] from)
 *   {actor} {decided} {note}   who released or deleted, when, and the
 *                  --reason given ("-" when none)
 *   {due} {due_time}   delay notice: when it is sent by itself,
 *                  "2026-11-25 10:47:07 +0900" and "10:47"
 *   {cancel_url} {justify_url}   the sender's signed links (hold notice,
 *                  the delay notice's cancel link too;
 *                  [web] base_url set; "-" otherwise)
 *   {approve_url} {reject_url}   the approver's signed links (approval)
 *   {links} {links_en}   the block that offers them, Japanese / English;
 *                  nothing (and no line) without links
 *
 * The mail: From [notice] from, To the recipient, Reply-To the admin,
 * Subject RFC 2047-encoded UTF-8, Date, Message-ID, Auto-Submitted:
 * auto-generated, X-DLP-Incident, X-DLP-Notice, one text/plain UTF-8
 * part in base64 (Japanese first, English after, in one part: Outlook
 * shows a second inline text part as an attachment).  Never the message
 * itself, never a full personal value: findings come from the register,
 * which keeps counts and masked samples only.
 */
#ifndef DLP_NOTICE_H
#define DLP_NOTICE_H

#include <stddef.h>
#include <time.h>

#include "register/register.h"

enum notice_kind {
	NOTICE_HOLD, NOTICE_ADMIN, NOTICE_RELEASED, NOTICE_DELETED, NOTICE_REJECT,
	NOTICE_EXPIRED, NOTICE_APPROVAL, NOTICE_DELAY, NOTICE_COUNT
};

/* "hold", "admin", "released", "deleted", "reject", "expired". */
const char *notice_kind_name(enum notice_kind k);
/* The kind named s, or -1. */
int notice_kind_from_name(const char *s);
/* The built-in template of k. */
const char *notice_builtin(enum notice_kind k);

/* The template of k: DIR/notice-KIND.txt when dir is set and the file
 * exists, else the built-in text.  malloc'd; NULL with err when the file
 * exists but cannot be read. */
char *notice_template(const char *dir, enum notice_kind k, char *err, size_t errlen);

struct notice_ctx {
	const struct incident *inc;
	enum notice_kind kind;
	const char *from;	/* [notice] from: the From address */
	const char *to;		/* the recipient */
	const char *admin;	/* contact for {admin} and Reply-To; NULL/"": from */
	const char *actor;	/* released / deleted by (NULL: "-") */
	const char *note;	/* their --reason (NULL: "-") */
	time_t decided;		/* when (0: inc->updated) */
	time_t now;		/* the Date header (0: time(NULL)) */
	const char *sender_name;	/* the From display name, decoded (NULL: none) */
	int retention_days;	/* [register] retention_days */
	const char *cancel_url;	/* 「送信を取り消す」 link, or NULL */
	const char *justify_url; /* 「理由を添えて承認を依頼する」 link, or NULL */
	const char *approve_url, *reject_url;	/* the approver's links, or NULL */
	time_t links_expire;	/* when they stop working */
};

/* tmpl with every placeholder replaced.  malloc'd, NULL on ENOMEM. */
char *notice_expand(const char *tmpl, const struct notice_ctx *c);

/* The whole mail from tmpl, CRLF line ends.  malloc'd bytes and *len, or
 * NULL with err.  Needs g_mime_init(). */
unsigned char *notice_compose(const char *tmpl, const struct notice_ctx *c, size_t *len,
    char *err, size_t errlen);

#endif
