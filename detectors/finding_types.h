/*
 * finding_types.h — the finding types, one line each.
 *
 * Every list of finding types in the program is made from this table: the
 * FT_ and SC_ enums and their order (scan.h), the names a rule's `when`
 * uses, which are also the JSON keys, the `dlpctl scan` and log lines
 * (registry.c), the registry of detectors (registry.c), the sum behind
 * personal_items (scan.c) and the words of the notices (notice.c).  A new
 * detector is a new file in detect/ defining `const struct detector
 * det_NAME` (its patterns, validator and mask), one line here and its test.
 *
 *   X(ID, "name", detector, personal, "日本語", "English")
 *
 * personal: 1 when the type counts into personal_items, the measure of "a
 * list of people" (contact data and birth dates) the volume rule uses.
 * My Number and card numbers are not in it: each has a rule of its own that
 * holds on one value.  Nor are the identifiers of the second line (bank
 * accounts, passports, driving licences, residence cards, pension and
 * health insurance numbers): like My Number each names one person's
 * official record, one of them is enough to act on (the shipped rule
 * identity_numbers holds on one), and counting them into personal_items
 * would count a person twice beside their phone and address.
 * Names (names.c) are in it: a list of people is personal data by its
 * names alone (名簿), and a list of 30 names with one other attribute each
 * (a department, a phone) must reach the volume rule even when the other
 * attribute is no finding; only full names count (surname + given name),
 * so the two or three colleagues a mail names stay far below the volume
 * rule's 10.
 * The order is part of the policy counters and of the JSON: append.
 */
#ifndef DLP_FINDING_TYPES_H
#define DLP_FINDING_TYPES_H

#define FINDING_TYPES(X)                                                              \
	X(EMAIL,          "email",          det_email,     1, "メールアドレス", "mail addresses") \
	X(PHONE,          "phone",          det_phone,     1, "電話番号", "phone numbers")         \
	X(MY_NUMBER,      "my_number",      det_mynumber,  0, "マイナンバー（個人番号）", "My Numbers") \
	X(CREDIT_CARD,    "credit_card",    det_card,      0, "クレジットカード番号", "payment card numbers") \
	X(POSTAL_ADDRESS, "postal_address", det_postal,    1, "住所", "postal addresses")         \
	X(BIRTH_DATE,     "birth_date",     det_birthdate, 1, "生年月日", "birth dates")         \
	X(BANK_ACCOUNT,   "bank_account",   det_bank_account, 0, "銀行口座番号", "bank account numbers") \
	X(PASSPORT,       "passport",       det_passport,  0, "旅券番号", "passport numbers") \
	X(DRIVERS_LICENSE, "drivers_license", det_drivers_license, 0, "運転免許証番号", "driving licence numbers") \
	X(RESIDENCE_CARD, "residence_card", det_residence_card, 0, "在留カード番号", "residence card numbers") \
	X(PENSION_NUMBER, "pension_number", det_pension_number, 0, "基礎年金番号", "basic pension numbers") \
	X(HEALTH_INSURANCE, "health_insurance", det_health_insurance, 0, "健康保険証の記号・番号", "health insurance card numbers") \
	X(NAMES,          "names",          det_names,     1, "氏名", "person names")

#endif
