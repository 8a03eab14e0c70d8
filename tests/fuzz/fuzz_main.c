/*
 * fuzz_main.c — the libFuzzer driver of one target (fuzz_entry.h),
 * compiled once per target with -DFUZZ_TARGET='"name"' by `make fuzz`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_entry.h"

#ifndef FUZZ_TARGET
#error "build with -DFUZZ_TARGET='\"name\"'"
#endif

static const struct fuzz_target *target;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	target = fuzz_target_find(FUZZ_TARGET);
	if (!target) {
		fprintf(stderr, "fuzz: unknown target %s\n", FUZZ_TARGET);
		exit(2);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (target->run(data, size) < 0) {
		fprintf(stderr, "fuzz: %s: harness failure\n", target->name);
		abort();
	}
	return 0;
}
