/*
 * zipxml_tok.h — a streaming tokenizer for the UTF-8 XML of office
 * packages, giving the events of libxml2's SAX2 interface (element start
 * with its local name, prefix, namespace URI and attributes; element end;
 * character data) without libxml2's per-character work.  zipxml.c uses it
 * for every member that is UTF-8 (no declaration, or one saying UTF-8)
 * and libxml2 for the others.
 *
 * Input is pushed a chunk at a time; a token cut by the chunk's end
 * (a tag, a reference) is left unconsumed for the caller to carry over.
 * Checked as libxml2 checks, so that a document either tool refuses is
 * refused: well-formed nesting (end tags match, one root, nothing but
 * white space, comments and PIs outside it, nothing left open at the
 * end), valid UTF-8 and XML characters, attribute syntax, references
 * (the five predefined entities and character references; any other
 * entity refuses the part, as a DOCTYPE does: no entity is ever defined
 * here), at most ZXT_MAX_DEPTH open elements, text runs of at most 10 MB
 * between two tags.  Accepted as libxml2 accepts them: an unbound
 * namespace prefix (the element has no namespace).  Not checked
 * (accepted): duplicate attributes, "--" inside a comment, "]]>" in text.
 */
#ifndef DLP_ZIPXML_TOK_H
#define DLP_ZIPXML_TOK_H

#include <stdbool.h>
#include <stddef.h>

#define ZXT_MAX_DEPTH 256
#define ZXT_ATTR_CACHE 8

/* What the tokenizer hands out; the arguments are libxml2's SAX2 ones
 * (startElementNs: attrs holds nattr × {local, prefix, URI, value, end};
 * xmlns attributes are bindings, not attributes).  Names, prefixes and
 * URIs are interned: valid until zxtok_free.  Values and text are valid
 * during the call only. */
struct zxtok_cb {
	void (*start)(void *ctx, const unsigned char *local, const unsigned char *prefix,
	    const unsigned char *uri, int nns, const unsigned char **nss, int nattr, int ndef,
	    const unsigned char **attrs);
	void (*end)(void *ctx, const unsigned char *local, const unsigned char *prefix,
	    const unsigned char *uri);
	void (*text)(void *ctx, const unsigned char *s, int n);
	bool (*stopped)(void *ctx);	/* a callback failed: stop at once */
};

struct zxtok_ns { const char *prefix, *uri; unsigned depth; };

/* An interned name: the string, its length and hash, and (once asked) its
 * prefix and local part, interned too. */
struct zxtok_name {
	const char *prefix, *local;
	const char *uri;	/* its namespace as an element, found while */
	size_t uri_epoch;	/* ... this is the tokenizer's ns_epoch + 1 */
	bool split;
	unsigned len;
	unsigned hash;
	char s[];
};

struct zxtok {
	int state;		/* in text, a comment, CDATA or a PI */
	unsigned run;		/* '-', ']' or '?' just seen there */
	unsigned depth;
	const struct zxtok_name *open[ZXT_MAX_DEPTH]; /* qualified names of the open elements */
	const char *open_uri[ZXT_MAX_DEPTH]; /* and their namespaces */
	/* the last element name interned at each depth and the last
	 * attribute names by position: a sibling or the next row's cell
	 * is found again without hashing */
	struct zxtok_name *sib[ZXT_MAX_DEPTH];
	struct zxtok_name *attr_last[ZXT_ATTR_CACHE];
	bool started;		/* past a byte-order mark at the start */
	bool root_seen;
	bool refused;		/* an entity reference: the part is refused */
	size_t textrun;		/* bytes of text since the last tag */
	struct zxtok_ns *ns;
	size_t nns, nscap;
	size_t ns_epoch;	/* bumped whenever a binding comes or goes */
	struct zxtok_name **slot; /* intern table (open addressing) */
	size_t nslot, nused;
	char *pool;		/* current block of interned strings */
	size_t pool_left;
	void **blocks;		/* every block, to free */
	size_t nblocks, blockcap;
	size_t interned;	/* bytes interned so far (bounded) */
	const unsigned char **attrs;
	size_t attrcap;
	char why[200];
};

void zxtok_init(struct zxtok *t);
/* zipxml_intern.c: the entry of s[0..n), interned once per part; NULL
 * with t->why set (out of memory, past the bound on distinct names). */
struct zxtok_name *zxtok_intern_name(struct zxtok *t, const char *s, size_t n);
const char *zxtok_intern(struct zxtok *t, const char *s, size_t n);
void zxtok_intern_free(struct zxtok *t);
void zxtok_free(struct zxtok *t);
/* Tokenize buf[0..n) (modified in place: references decoded).  Returns
 * the bytes consumed (the rest is an incomplete token, to be given again
 * with more bytes after it), or -1 with t->why (t->refused for an entity).
 * eof: no more bytes follow; everything must then be consumed and the
 * document complete. */
long zxtok_feed(struct zxtok *t, char *buf, size_t n, bool eof, const struct zxtok_cb *cb,
    void *ctx);

#endif
