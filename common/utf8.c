#include "common/utf8.h"

#include <string.h>

/*
 * The lead byte fixes the length; the second byte's range then rules out
 * overlong forms (E0 and F0 need a higher second byte), surrogates (ED
 * needs a lower one) and code points above U+10FFFF (F4 likewise), which
 * is the table in RFC 3629 section 4. C0, C1 and F5..FF never lead.
 */
size_t utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	uint8_t lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		n = 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	if (n > 1 && (s[1] < lo || s[1] > hi))
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (cp != NULL)
		*cp = c;
	return n;
}

int utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0, k;
	uint64_t w;

	while (i < len) {
		while (i + 8 <= len) {
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		k = utf8_next(s + i, len - i, NULL);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}
