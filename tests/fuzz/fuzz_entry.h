/*
 * fuzz_entry.h — the entry points of the fuzz targets, shared by the
 * libFuzzer drivers (fuzz_main.c, one binary per target) and the unit test
 * that replays tests/fuzz/regress/TARGET/ (tests/unit/test_fuzz_regress.c).
 *
 * Every entry takes arbitrary bytes, runs them through the product code
 * with the engine's limits, checks the invariants of what came out (part
 * counters agree with the parts, the result serializes to JSON, …) and
 * frees everything.  A violated invariant aborts: for libFuzzer it is a
 * crash like any other.
 *
 * Targets:
 *   mime      a raw message: feed_file → scan_msg_eom → policy_decide
 *             (the whole engine, as dlpctl scan and the daemon run it)
 *   zip ooxml odf pdf ole rtf xml archive
 *             the bytes as one part given straight to that extractor
 *             (extract(), as inspect_data calls it), members inspected
 *   html text the first byte picks the declared charset (fuzz_charsets),
 *             the rest is the document
 *   inspect   the bytes as one part through inspect_data (libmagic picks)
 *   textscan  normalize + every detector + masking (textscan_run)
 *   conf      a configuration file (conf_load)
 *   expr      a `when` condition (expr_compile, expr_eval)
 *   xmltok    our XML tokenizer (extract/zipxml_tok.h), whole and in chunks
 *             (tests/fuzz/fuzz_xmltok.c)
 */
#ifndef DLP_FUZZ_ENTRY_H
#define DLP_FUZZ_ENTRY_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_target {
	const char *name;
	/* 0 when the input ran to its end (a result, a decision or a refusal
	 * with an error message); -1 when the harness itself failed (ENOMEM,
	 * no engine).  Invariant violations abort. */
	int (*run)(const uint8_t *data, size_t len);
};

/* The targets, NULL-name terminated. */
extern const struct fuzz_target fuzz_targets[];
/* The target called name, or NULL. */
const struct fuzz_target *fuzz_target_find(const char *name);
/* Declared charsets the selector byte of html and text picks from
 * (index = byte % count; NULL = none declared: detection). */
extern const char *const fuzz_charsets[];
extern const size_t fuzz_ncharsets;
/* The xmltok target (fuzz_xmltok.c). */
int fuzz_run_xmltok(const uint8_t *data, size_t len);
/* Free the shared engine and configuration (for leak checkers). */
void fuzz_cleanup(void);

#endif
