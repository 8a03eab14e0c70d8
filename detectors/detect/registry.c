/*
 * registry.c — the registry of pattern detectors, and the names of the
 * finding types and policy counters (the words a policy rule uses).
 */
#include <string.h>

#include "detect/util.h"

const struct detector *const detectors[FT_COUNT] = {
	[FT_EMAIL] = &det_email,
	[FT_PHONE] = &det_phone,
	[FT_MY_NUMBER] = &det_mynumber,
	[FT_CREDIT_CARD] = &det_card,
	[FT_POSTAL_ADDRESS] = &det_postal,
	[FT_BIRTH_DATE] = &det_birthdate,
};

/* One table for both: the first FT_COUNT counters are the finding types. */
static const char *const counter_names[SC_COUNT] = {
	[SC_EMAIL] = "email",
	[SC_PHONE] = "phone",
	[SC_MY_NUMBER] = "my_number",
	[SC_CREDIT_CARD] = "credit_card",
	[SC_POSTAL_ADDRESS] = "postal_address",
	[SC_BIRTH_DATE] = "birth_date",
	[SC_PERSONAL_ITEMS] = "personal_items",
	[SC_RECIPIENTS] = "recipients",
	[SC_EXTERNAL] = "external",
	[SC_EXTERNAL_VISIBLE] = "external_visible",
	[SC_EXTERNAL_DOMAINS] = "external_domains",
	[SC_ENCRYPTED] = "encrypted",
	[SC_UNSCANNED] = "unscanned",
	[SC_ATTACHMENTS] = "attachments",
};

const char *finding_type_name(enum finding_type t)
{
	return (unsigned)t < FT_COUNT ? counter_names[t] : "?";
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
