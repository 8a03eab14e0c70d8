/*
 * unescape.h — fold the ways people write a number or an address so that a
 * pattern will not see it, on normalized text (normalize.h), in place,
 * before the detectors run:
 *  - single digits one space apart, 10 to 12 of them:
 *    "0 9 0 1 2 3 4 5 6 7 8" → "09012345678" (two or three spaces, or a
 *    spaced '-', between groups become '-'); digit groups joined by a
 *    spaced '-': "090 - 1234 - 5678" → "090-1234-5678";
 *  - a grouped number broken over a line end after or before its '-', the
 *    next line's quoting ("> ", ">> ") and indentation dropped:
 *    "090-1234-\n> 5678" → "090-1234-5678";
 *  - a run of 10 to 12 kanji digits (〇 and 零 for zero) standing alone,
 *    one dash or space allowed between groups:
 *    "〇九〇ー一二三四ー五六七八" → "090-1234-5678";
 *  - a mail address whose '@' is written [at] (at) {at} <at> [@] (@),
 *    アットマーク, " @ ", or the word " at ", and whose dots may be
 *    [dot] (dot) {dot} <dot>, ドット or the word " dot ":
 *    "taro[at]example[dot]go[dot]jp" → "taro@example.go.jp".  With the bare
 *    word " at " the address must look like one beyond doubt (see
 *    unescape.c), so that "meet at the station" or "look at example.com"
 *    is left alone.
 * Everything else is copied as it is.  Every fold shortens the text.
 */
#ifndef DLP_UNESCAPE_H
#define DLP_UNESCAPE_H

#include <stddef.h>

/* Fold text[0..len) in place and return the new length.  The bytes given
 * up at the end (up to the old length, and the NUL) are zeroed.  Returns
 * len unchanged when nothing is folded, or on ENOMEM (the text is then
 * scanned as it is). */
size_t unescape_text(char *text, size_t len);

#endif
