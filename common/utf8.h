/*
 * utf8.h: the one UTF-8 decoder every text check in suiji uses.
 *
 * Strict RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF),
 * nothing above U+10FFFF, no lone continuation bytes, no truncated
 * sequences. This is what Go's utf8.DecodeRune and the WHATWG decoder
 * accept, so suiji agrees with other tools about which bytes are text.
 * Rules about which characters a field may hold (control characters, spaces,
 * line feeds) belong to each caller, on top of this.
 */
#ifndef SUIJI_COMMON_UTF8_H
#define SUIJI_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns the length (1 to 4) of the well-formed UTF-8 sequence at the
 * start of s[0..len), and stores its code point in *cp when cp is not NULL;
 * returns 0 (and leaves *cp alone) when there is none or len is 0. A NUL
 * byte is the sequence for U+0000. */
size_t utf8_next(const uint8_t *s, size_t len, uint32_t *cp);

/* Returns 1 when s[0..len) is entirely well-formed UTF-8, else 0. The
 * empty string is valid; NUL bytes are valid (callers that refuse them say
 * so). Runs eight ASCII bytes at a time, since most text is ASCII. */
int utf8_valid(const uint8_t *s, size_t len);

#endif
