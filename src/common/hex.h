/* SPDX-License-Identifier: MIT */
#pragma once

/* Hexadecimal digits, ASCII only: <ctype.h>'s isxdigit() depends on the
 * locale and is undefined for negative chars. Inline, so that the parsers
 * using them (MAC addresses, GUIDs, route state) link nothing extra. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* The value 0-15 of one hex digit in either case, or -EINVAL. */
static inline int unhexchar(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

typedef enum HexCase {
        HEX_CASE_ANY,
        HEX_CASE_LOWER, /* canonical text we wrote ourselves: "C0" is not ours */
} HexCase;

/* Exactly 2 * size hex digits into `size` bytes. Returns 0, or -EBADMSG
 * for a wrong length or a character that is not a digit in `hex_case`;
 * out may be partly written then. */
static inline int unhexmem_exact(const char *s, size_t n, HexCase hex_case, uint8_t *out, size_t size) {
        if (n != 2 * size)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                int v = unhexchar(s[i]);

                if (v < 0 || (hex_case == HEX_CASE_LOWER && s[i] >= 'A' && s[i] <= 'F'))
                        return -EBADMSG;
                if (i % 2 == 0)
                        out[i / 2] = (uint8_t) (v << 4);
                else
                        out[i / 2] |= (uint8_t) v;
        }
        return 0;
}
