/*
 * scan.h — the detection engine.
 *
 * A message is fed in milter phases (envfrom, rcpt, header, eoh, body, eom);
 * at end of message the engine walks the MIME tree, extracts text from every
 * part, runs the detectors and analyses the recipients, giving a scan_result.
 * dlpctl scan feeds a .eml through the same calls (feed.h), with no MTA.
 *
 * Thread-safety: a scan_engine is built once and shared read-only by all
 * threads; a scan_msg and its result belong to one thread.
 * The engine knows nothing of sockets, SQLite or the MTA.
 */
#ifndef DLP_SCAN_H
#define DLP_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "detectors/finding_types.h"

struct spool;
struct valueset;
struct sandbox_pool;
struct terms;

/* Finding types: one detector each, from the table in finding_types.h.
 * Order is part of the policy counters. */
enum finding_type {
#define FT_ENUM(id, name, det, personal, ja, en) FT_##id,
	FINDING_TYPES(FT_ENUM)
#undef FT_ENUM
	FT_COUNT
};

/* Policy counters, the names a rule's `when` may use.  The first FT_COUNT
 * are the finding types, in the same order. */
enum scan_counter {
#define SC_ENUM(id, name, det, personal, ja, en) SC_##id = FT_##id,
	FINDING_TYPES(SC_ENUM)
#undef SC_ENUM
	SC_PERSONAL_ITEMS = FT_COUNT, /* distinct values of the types marked personal */
	SC_RECIPIENTS,		/* envelope recipients */
	SC_EXTERNAL,		/* envelope recipients outside internal_domains */
	SC_EXTERNAL_VISIBLE,	/* distinct external addresses in To and Cc */
	SC_EXTERNAL_DOMAINS,	/* distinct domains of external envelope recipients */
	SC_ENCRYPTED,		/* parts that are encrypted */
	SC_UNSCANNED,		/* parts that could not be inspected */
	SC_ATTACHMENTS,		/* parts with a file name, archive members included */
	/* Counters across messages (the register's series tables, filled in by
	 * the daemon through scan_msg_set_history; 0 when nobody did, as in
	 * dlpctl scan).  They include the current message; all three are 0
	 * for a message to no external recipient. */
	SC_SERIES_EXTERNAL,	/* distinct external recipients the sender reached with the
				   same attachment or subject in [series] window */
	SC_SENDER_EXTERNAL_HOUR, /* the sender's messages to external recipients, last hour */
	SC_SENDER_BYTES_HOUR,	/* their bytes */
	SC_COUNT
};

const char *finding_type_name(enum finding_type t);
/* The type's words for people: Japanese ("電話番号") or English ("phone
 * numbers"). */
const char *finding_type_label(enum finding_type t, bool english);
/* Counts into personal_items. */
bool finding_type_personal(enum finding_type t);
/* Finding type for a name ("phone"), or -1. */
int finding_type_lookup(const char *name);
const char *scan_counter_name(enum scan_counter c);
/* Counter id for the name s[0..len), or -1 when there is none. */
int scan_counter_lookup(const char *s, size_t len);

/* Hard limits on the work done for one message.  0 never means "unlimited":
 * the config gives every one of them a default and a bound. */
struct scan_limits {
	size_t spool_memory;	   /* bytes of a message kept in memory before a temp file */
	size_t max_message_bytes;  /* larger messages are counted unscanned */
	unsigned max_depth;	   /* nesting of multiparts, archives, attached messages */
	unsigned max_parts;	   /* parts + archive members per message */
	unsigned max_members;	   /* members per archive */
	size_t max_member_bytes;   /* bytes expanded per member or decoded part */
	size_t max_expanded_bytes; /* bytes expanded per message, all archives */
	unsigned max_ratio;	   /* expanded / compressed per archive member */
	size_t max_text_bytes;	   /* extracted text per part, matched */
	unsigned time_budget_ms;   /* whole-message inspection time */
	unsigned max_base64_runs;  /* base64 runs in a text decoded as parts, per part */
	int ocr;		   /* 1: read images and text-less PDF pages by OCR */
	int ocr_unscanned;	   /* 1: an image OCR could not read counts as unscanned */
	size_t ocr_max_pixels;	   /* larger images are not decoded */
};

/* What the engine needs from the configuration. */
struct scan_options {
	const char *const *internal_domains; /* lower-case; a domain matches its subdomains */
	size_t n_internal;
	const char *spool_dir;		     /* temp files, created 0700 if missing */
	struct scan_limits limits;
	/* The organisation's own contact data, found but not counted (shown as
	 * excluded): phone numbers "03-5253-1111, 03-5253-*" (a trailing * or
	 * x's: a range), and mail addresses in internal_domains when set. */
	const char *own_numbers;		/* NULL or "" for none */
	bool exclude_internal_addresses;
	struct sandbox_pool *sandbox;	     /* reads attachments in worker processes
						(detectors/sandbox/), or NULL: here */
	const struct terms *terms;	     /* [dictionary]/[pattern] (text/terms.h), or
						NULL; borrowed: outlives the engine */
};

/* One inspected part: a MIME leaf, an archive member or a forwarded message. */
struct scan_part {
	char *path;		/* "2/list.zip/inner.zip/people.xlsx"; MIME parts are numbered */
	char *filename;		/* decoded file name, or NULL */
	char *declared_type;	/* Content-Type as declared (lower case), or NULL for members */
	char *detected_type;	/* MIME type by content (libmagic), or NULL */
	const char *extractor;	/* extractor used ("text", "html", "xlsx" …), or NULL */
	unsigned counts[FT_COUNT]; /* distinct values found in this part */
	bool encrypted;
	char *unscanned;	/* why it could not be inspected, or NULL */
	size_t size;		/* decoded bytes */
	bool has_digest;	/* a MIME attachment (a leaf with a file name) */
	unsigned char digest[32]; /* SHA-256 of its whole decoded content (series key) */
};

/* Recipients as analysed. */
struct scan_rcpts {
	char **envelope;	/* envelope recipient addresses, as given (no <>) */
	size_t n_envelope;
	unsigned recipients, external, external_visible, external_domains;
};

/* The result of a scan: whole-message findings are the distinct union over
 * all parts.  Values are kept in full only inside the process; everything
 * that leaves it uses the masked samples. */
struct scan_result {
	struct valueset *values[FT_COUNT]; /* distinct normalized values, whole message */
	struct valueset *excluded[FT_COUNT]; /* found, but the organisation's own: not counted */
	struct scan_part *parts;
	size_t nparts;
	struct scan_rcpts rcpt;
	char *sender;		/* envelope sender (no <>), "" for the null sender */
	char *subject;		/* decoded Subject, or NULL */
	char *message_id;	/* Message-ID, or NULL */
	unsigned encrypted, unscanned, attachments;
	long history[3];	/* series_external, sender_external_hour, sender_bytes_hour */
	char *error;		/* set when the walk itself stopped early (limit, time) */
	/* [dictionary]/[pattern] terms, in the order of scan_options terms
	 * (made on first text): occurrences and distinct matched texts */
	const struct terms *terms;	/* scan_options terms (borrowed), or NULL */
	unsigned long *term_hits;
	struct valueset **term_seen;
	size_t nterms;
};

/* Values of type t found but excluded (scan_options own_numbers …). */
size_t scan_result_excluded(const struct scan_result *r, enum finding_type t);
size_t scan_result_excluded_samples(const struct scan_result *r, enum finding_type t,
    char (*out)[64], size_t max);
/* Number of distinct values of type t in the whole message. */
size_t scan_result_count(const struct scan_result *r, enum finding_type t);
/* Fill counters[SC_COUNT] for the policy. */
void scan_result_counters(const struct scan_result *r, long counters[SC_COUNT]);
/* Up to max masked samples of type t, written as NUL-terminated strings into
 * out[i] (each of outlen bytes), no two alike; returns how many were
 * written. */
size_t scan_result_samples(const struct scan_result *r, enum finding_type t,
    char (*out)[64], size_t max);

/* The counter of term i (text/terms.h): a dictionary's occurrences, a
 * pattern's distinct values; 0 when there is no such term. */
long scan_result_term(const struct scan_result *r, size_t i);
/* Up to max samples of term i, masked (terms_mask), no two alike. */
size_t scan_result_term_samples(const struct scan_result *r, size_t i, char (*out)[64],
    size_t max);

struct scan_engine;
struct scan_msg;

/* Compile detectors and load libmagic data.  NULL with err on failure. */
struct scan_engine *scan_engine_new(const struct scan_options *opt, char *err, size_t errlen);
void scan_engine_free(struct scan_engine *eng);

/* A message context.  All feeding functions return 0, or -1 with an
 * error that scan_msg_error() describes (spool write failure). */
struct scan_msg *scan_msg_new(const struct scan_engine *eng);
int scan_msg_envfrom(struct scan_msg *m, const char *addr);
int scan_msg_rcpt(struct scan_msg *m, const char *addr);
/* A header field, written to the spool as "name: value" (value without its
 * leading white space, as an MTA gives it by default; it may hold "\n" +
 * whitespace folds). */
int scan_msg_header(struct scan_msg *m, const char *name, const char *value);
/* The same with value exactly as it follows the colon, leading white space
 * included (milter SMFIP_HDR_LEADSPC, or a stored file): "name:" + value,
 * so the spool holds the header byte for byte. */
int scan_msg_header_raw(struct scan_msg *m, const char *name, const char *value);
int scan_msg_eoh(struct scan_msg *m);
int scan_msg_body(struct scan_msg *m, const void *buf, size_t len);
/* Inspect the message.  Returns the result (owned by m) or NULL on an
 * internal error (see scan_msg_error()).  Limits hit are not errors: they
 * show as unscanned parts. */
const struct scan_result *scan_msg_eom(struct scan_msg *m);
/* The message as received: headers as given, then the body. */
struct spool *scan_msg_spool(struct scan_msg *m);
/* The counters across messages (series_external, sender_external_hour,
 * sender_bytes_hour, in that order) into the result of scan_msg_eom, for
 * scan_result_counters and what is recorded of it.  No-op before eom. */
void scan_msg_set_history(struct scan_msg *m, const long history[3]);
/* Show the text as it is read (dlpctl show --text; the daemon sets none):
 * fn(arg, part, text, len) for each piece of text extracted from a part
 * (the decoded body, a sheet, a page …), UTF-8, before normalization; part
 * is the part as recorded so far (path, file name, types).  Set before
 * scan_msg_eom. */
void scan_msg_on_text(struct scan_msg *m,
    void (*fn)(void *arg, const struct scan_part *part, const char *text, size_t len),
    void *arg);
const char *scan_msg_error(const struct scan_msg *m);
void scan_msg_free(struct scan_msg *m);

#endif
