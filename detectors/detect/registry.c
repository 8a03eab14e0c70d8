/*
 * registry.c — the registry of pattern detectors, and the names of the
 * finding types and policy counters (the words a policy rule uses), all
 * made from the table in finding_types.h.
 */
#include <string.h>

#include "detect/util.h"

#define DET_EXTERN(id, name, det, personal, ja, en) extern const struct detector det;
FINDING_TYPES(DET_EXTERN)
#undef DET_EXTERN

const struct detector *const detectors[FT_COUNT] = {
#define DET_ROW(id, name, det, personal, ja, en) [FT_##id] = &det,
	FINDING_TYPES(DET_ROW)
#undef DET_ROW
};

static const struct {
	const char *ja, *en;
	bool personal;
} type_info[FT_COUNT] = {
#define TYPE_ROW(id, name, det, personal, ja, en) [FT_##id] = { ja, en, personal },
	FINDING_TYPES(TYPE_ROW)
#undef TYPE_ROW
};

/* One table for both: the first FT_COUNT counters are the finding types. */
static const char *const counter_names[SC_COUNT] = {
#define NAME_ROW(id, name, det, personal, ja, en) [SC_##id] = name,
	FINDING_TYPES(NAME_ROW)
#undef NAME_ROW
	[SC_PERSONAL_ITEMS] = "personal_items",
	[SC_RECIPIENTS] = "recipients",
	[SC_EXTERNAL] = "external",
	[SC_EXTERNAL_VISIBLE] = "external_visible",
	[SC_EXTERNAL_DOMAINS] = "external_domains",
	[SC_ENCRYPTED] = "encrypted",
	[SC_UNSCANNED] = "unscanned",
	[SC_ATTACHMENTS] = "attachments",
	[SC_SERIES_EXTERNAL] = "series_external",
	[SC_SENDER_EXTERNAL_HOUR] = "sender_external_hour",
	[SC_SENDER_BYTES_HOUR] = "sender_bytes_hour",
};

const char *finding_type_name(enum finding_type t)
{
	return (unsigned)t < FT_COUNT ? counter_names[t] : "?";
}

const char *finding_type_label(enum finding_type t, bool english)
{
	if ((unsigned)t >= FT_COUNT)
		return "?";
	return english ? type_info[t].en : type_info[t].ja;
}

bool finding_type_personal(enum finding_type t)
{
	return (unsigned)t < FT_COUNT && type_info[t].personal;
}

int finding_type_lookup(const char *name)
{
	for (int t = 0; name && t < FT_COUNT; t++)
		if (strcmp(counter_names[t], name) == 0)
			return t;
	return -1;
}

const char *scan_counter_name(enum scan_counter c)
{
	return (unsigned)c < SC_COUNT ? counter_names[c] : "?";
}

int scan_counter_lookup(const char *s, size_t len)
{
	for (int i = 0; i < SC_COUNT; i++)
		if (strlen(counter_names[i]) == len && memcmp(counter_names[i], s, len) == 0)
			return i;
	return -1;
}
