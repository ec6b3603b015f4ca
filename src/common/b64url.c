/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "b64url.h"

static const char b64url_alphabet[64] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value 0–63, or -1 for anything outside the url alphabet ('+', '/', '=',
 * whitespace, NUL and non-ASCII bytes included). Ranges rather than a
 * 256-entry table so a signed char can never index out of bounds. */
static int b64url_char_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '-')
                return 62;
        if (c == '_')
                return 63;
        return -1;
}

int b64url_encode(const void *data, size_t len, char *buf, size_t size) {
        const uint8_t *p = data;
        size_t need, o = 0;

        if (!buf || size == 0)
                return -ENOBUFS;
        if (!data && len > 0) {
                buf[0] = '\0';
                return -EINVAL;
        }
        /* Keeps B64URL_ENCODED_LEN from wrapping around on absurd lengths. */
        if (len / 3 >= SIZE_MAX / 4 - 1) {
                buf[0] = '\0';
                return -ENOBUFS;
        }
        need = B64URL_ENCODED_LEN(len);
        if (need >= size) {
                buf[0] = '\0';
                return -ENOBUFS;
        }

        size_t i = 0;
        for (; i + 3 <= len; i += 3) {
                uint32_t v = (uint32_t) p[i] << 16 | (uint32_t) p[i + 1] << 8 | p[i + 2];
                buf[o++] = b64url_alphabet[v >> 18 & 0x3f];
                buf[o++] = b64url_alphabet[v >> 12 & 0x3f];
                buf[o++] = b64url_alphabet[v >> 6 & 0x3f];
                buf[o++] = b64url_alphabet[v & 0x3f];
        }
        if (len - i == 1) {
                uint32_t v = (uint32_t) p[i] << 16;
                buf[o++] = b64url_alphabet[v >> 18 & 0x3f];
                buf[o++] = b64url_alphabet[v >> 12 & 0x3f];
        } else if (len - i == 2) {
                uint32_t v = (uint32_t) p[i] << 16 | (uint32_t) p[i + 1] << 8;
                buf[o++] = b64url_alphabet[v >> 18 & 0x3f];
                buf[o++] = b64url_alphabet[v >> 12 & 0x3f];
                buf[o++] = b64url_alphabet[v >> 6 & 0x3f];
        }
        buf[o] = '\0';
        return 0;
}

int b64url_decode(const char *text, size_t len, uint8_t *buf, size_t size, size_t *ret_size) {
        size_t o = 0, i = 0;

        if (!text && len > 0)
                return -EINVAL;
        /* One leftover character carries only 6 bits: no byte can end there. */
        if (len % 4 == 1)
                return -EINVAL;
        if (B64URL_DECODED_LEN(len) > size)
                return -ENOBUFS;
        if (!buf && size > 0)
                return -EINVAL;

        for (; i + 4 <= len; i += 4) {
                int a = b64url_char_value(text[i]), b = b64url_char_value(text[i + 1]),
                    c = b64url_char_value(text[i + 2]), d = b64url_char_value(text[i + 3]);
                if (a < 0 || b < 0 || c < 0 || d < 0)
                        return -EINVAL;
                uint32_t v = (uint32_t) a << 18 | (uint32_t) b << 12 | (uint32_t) c << 6 | (uint32_t) d;
                buf[o++] = (uint8_t) (v >> 16);
                buf[o++] = (uint8_t) (v >> 8);
                buf[o++] = (uint8_t) v;
        }

        if (len - i == 2) {
                int a = b64url_char_value(text[i]), b = b64url_char_value(text[i + 1]);
                if (a < 0 || b < 0)
                        return -EINVAL;
                /* 12 bits for 8: the low 4 bits must be zero, or several texts
                 * would decode to the same key and round trips would differ. */
                if (b & 0x0f)
                        return -EINVAL;
                buf[o++] = (uint8_t) (a << 2 | b >> 4);
        } else if (len - i == 3) {
                int a = b64url_char_value(text[i]), b = b64url_char_value(text[i + 1]),
                    c = b64url_char_value(text[i + 2]);
                if (a < 0 || b < 0 || c < 0)
                        return -EINVAL;
                if (c & 0x03)
                        return -EINVAL;
                uint32_t v = (uint32_t) a << 18 | (uint32_t) b << 12 | (uint32_t) c << 6;
                buf[o++] = (uint8_t) (v >> 16);
                buf[o++] = (uint8_t) (v >> 8);
        }

        if (ret_size)
                *ret_size = o;
        return 0;
}
