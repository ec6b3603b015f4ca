/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>

#include "b64url.h"
#include "macro.h"
#include "test-util.h"

static int decode_str(const char *s, uint8_t *buf, size_t size, size_t *ret_size) {
        return b64url_decode(s, strlen(s), buf, size, ret_size);
}

static void test_hostile(void) {
        uint8_t buf[64];
        size_t n;

        /* Padding, in any amount and position. */
        CHECK_EQ_INT(decode_str("Zg==", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm8=", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zg=", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("====", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm=v", buf, sizeof buf, &n), -EINVAL);
        /* Standard alphabet. */
        CHECK_EQ_INT(decode_str("+/8", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("ab+d", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("ab/d", buf, sizeof buf, &n), -EINVAL);
        /* Whitespace anywhere. */
        CHECK_EQ_INT(decode_str("Zm9v\n", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str(" Zm9v", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm 9v", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm9v\r\nYmFy", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm9\t", buf, sizeof buf, &n), -EINVAL);
        /* Impossible lengths: 1 (mod 4). */
        CHECK_EQ_INT(decode_str("Z", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm9vY", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm9vYmFyZ", buf, sizeof buf, &n), -EINVAL);
        /* Non-zero unused bits: "Zh" and "Zm9" would otherwise alias "Zg"/"Zm8". */
        CHECK_EQ_INT(decode_str("Zh", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Z_", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm9", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm_", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm9vYh", buf, sizeof buf, &n), -EINVAL);
        /* NUL inside the claimed length, non-ASCII, and bytes with the high bit set. */
        CHECK_EQ_INT(b64url_decode("Zm\0v", 4, buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm9\xc3", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("\xff\xff\xff\xff", buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(decode_str("Zm9v.mFy", buf, sizeof buf, &n), -EINVAL);
        /* Only `len` characters are read: a valid prefix of junk is fine. */
        CHECK_EQ_INT(b64url_decode("Zm9v!!!!", 4, buf, sizeof buf, &n), 0);
        CHECK_EQ_INT(n, 3);
        CHECK_MEM(buf, "foo", 3);

        /* Output buffers that are one byte short. */
        CHECK_EQ_INT(decode_str("Zm9v", buf, 2, &n), -ENOBUFS);
        CHECK_EQ_INT(decode_str("Zm9vYg", buf, 3, &n), -ENOBUFS);
        CHECK_EQ_INT(decode_str("Zm9vYg", buf, 4, &n), 0);
        CHECK_EQ_INT(n, 4);
        CHECK_EQ_INT(decode_str("Zg", NULL, 0, &n), -ENOBUFS);
        CHECK_EQ_INT(b64url_decode(NULL, 4, buf, sizeof buf, &n), -EINVAL);
        CHECK_EQ_INT(b64url_decode(NULL, 0, NULL, 0, &n), 0);
        CHECK_EQ_INT(n, 0);

        char out[16];
        CHECK_EQ_INT(b64url_encode("foo", 3, out, 4), -ENOBUFS); /* needs 4 + NUL */
        CHECK_EQ_STR(out, "");
        CHECK_EQ_INT(b64url_encode("foo", 3, out, 5), 0);
        CHECK_EQ_STR(out, "Zm9v");
        CHECK_EQ_INT(b64url_encode("f", 1, out, 2), -ENOBUFS);
        CHECK_EQ_INT(b64url_encode("f", 1, out, 3), 0);
        CHECK_EQ_STR(out, "Zg");
        CHECK_EQ_INT(b64url_encode("", 0, out, 0), -ENOBUFS);
        CHECK_EQ_INT(b64url_encode("", 0, NULL, 16), -ENOBUFS);
        CHECK_EQ_INT(b64url_encode(NULL, 3, out, sizeof out), -EINVAL);
        /* A length whose encoded size cannot be represented. */
        CHECK_EQ_INT(b64url_encode("x", SIZE_MAX, out, sizeof out), -ENOBUFS);
        CHECK_EQ_INT(b64url_encode("x", SIZE_MAX / 4 * 3, out, sizeof out), -ENOBUFS);
}

/* RFC 4648 §10; none of these contain '+' or '/', so the url alphabet gives
 * the same text minus padding. The last three use the two characters where
 * the alphabets differ. */
static const struct {
        const char *data;
        size_t len;
        const char *text;
} vectors[] = {
        {"", 0, ""},
        {"f", 1, "Zg"},
        {"fo", 2, "Zm8"},
        {"foo", 3, "Zm9v"},
        {"foob", 4, "Zm9vYg"},
        {"fooba", 5, "Zm9vYmE"},
        {"foobar", 6, "Zm9vYmFy"},
        {"\xfb\xff", 2, "-_8"},         /* standard: "+/8=" */
        {"\xfb\xef\xbe", 3, "----"},    /* standard: "++++" */
        {"\xff\xff\xff\xff", 4, "_____w"}, /* standard: "/////w==" */
};

static void test_vectors(void) {
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                char text[32];
                uint8_t data[32];
                size_t n = SIZE_MAX;

                CHECK_EQ_INT(B64URL_ENCODED_LEN(vectors[i].len), strlen(vectors[i].text));
                CHECK_EQ_INT(B64URL_DECODED_LEN(strlen(vectors[i].text)), vectors[i].len);
                CHECK_EQ_INT(b64url_encode(vectors[i].data, vectors[i].len, text, sizeof text), 0);
                CHECK_EQ_STR(text, vectors[i].text);
                CHECK_EQ_INT(decode_str(vectors[i].text, data, sizeof data, &n), 0);
                CHECK_EQ_INT(n, vectors[i].len);
                CHECK_MEM(data, vectors[i].data, n);
        }
}

static void test_sizes(void) {
        /* The sizes invite links rely on: 32 bytes <-> 43 characters. */
        CHECK_EQ_INT(B64URL_ENCODED_LEN(32), 43);
        CHECK_EQ_INT(B64URL_DECODED_LEN(43), 32);
        CHECK_EQ_INT(B64URL_DECODED_LEN(42), 31);
        CHECK_EQ_INT(B64URL_DECODED_LEN(44), 33);
        CHECK_EQ_INT(B64URL_ENCODED_LEN(0), 0);
        CHECK_EQ_INT(B64URL_ENCODED_LEN(1), 2);
        CHECK_EQ_INT(B64URL_ENCODED_LEN(2), 3);
        CHECK_EQ_INT(B64URL_ENCODED_LEN(3), 4);
}

static void test_round_trip(void) {
        uint8_t data[70], back[70];
        char text[100];

        for (size_t i = 0; i < sizeof data; i++)
                data[i] = (uint8_t) (i * 37 + 11);

        for (size_t len = 0; len <= sizeof data; len++) {
                size_t n;
                CHECK_EQ_INT(b64url_encode(data, len, text, sizeof text), 0);
                CHECK_EQ_INT(strlen(text), B64URL_ENCODED_LEN(len));
                CHECK_EQ_INT(decode_str(text, back, sizeof back, &n), 0);
                CHECK_EQ_INT(n, len);
                CHECK_MEM(back, data, len);
                /* Exactly-sized buffers on both sides. */
                CHECK_EQ_INT(b64url_encode(data, len, text, B64URL_ENCODED_LEN(len) + 1), 0);
                CHECK_EQ_INT(decode_str(text, back, len, &n), 0);
        }
}

/* Every 2- and 3-character text: accepted exactly when the unused bits are
 * zero, and then it is the one encoding of what it decodes to. The counts
 * show the mapping is a bijection onto all 1- and 2-byte strings. */
static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void test_exhaustive_tails(void) {
        size_t accepted2 = 0, accepted3 = 0;

        for (int a = 0; a < 64; a++)
                for (int b = 0; b < 64; b++) {
                        char t[3] = {alphabet[a], alphabet[b], 0}, again[8];
                        uint8_t d[4];
                        size_t n;
                        int r = b64url_decode(t, 2, d, sizeof d, &n);
                        CHECK_EQ_INT(r, (b & 0x0f) ? -EINVAL : 0);
                        if (r < 0)
                                continue;
                        accepted2++;
                        CHECK_EQ_INT(n, 1);
                        CHECK_EQ_INT(b64url_encode(d, n, again, sizeof again), 0);
                        CHECK_EQ_STR(again, t);
                }
        CHECK_EQ_INT(accepted2, 256);

        for (int a = 0; a < 64; a++)
                for (int b = 0; b < 64; b++)
                        for (int c = 0; c < 64; c++) {
                                char t[4] = {alphabet[a], alphabet[b], alphabet[c], 0}, again[8];
                                uint8_t d[4];
                                size_t n;
                                int r = b64url_decode(t, 3, d, sizeof d, &n);
                                CHECK_EQ_INT(r, (c & 0x03) ? -EINVAL : 0);
                                if (r < 0)
                                        continue;
                                accepted3++;
                                CHECK_EQ_INT(n, 2);
                                CHECK_EQ_INT(b64url_encode(d, n, again, sizeof again), 0);
                                CHECK_EQ_STR(again, t);
                        }
        CHECK_EQ_INT(accepted3, 65536);
}

/* Every byte value in every position of a full group: only the 64
 * characters of the url alphabet are accepted. */
static void test_every_byte(void) {
        for (int c = 0; c < 256; c++)
                for (size_t pos = 0; pos < 4; pos++) {
                        char t[4] = {'A', 'A', 'A', 'A'};
                        uint8_t d[3];
                        size_t n;
                        bool in_alphabet = memchr(alphabet, c, 64) != NULL;
                        t[pos] = (char) c;
                        CHECK_EQ_INT(b64url_decode(t, 4, d, sizeof d, &n), in_alphabet ? 0 : -EINVAL);
                }
}

/* Every 2-byte value has a 3-character encoding that decodes back. */
static void test_all_two_byte_values(void) {
        for (unsigned v = 0; v < 65536; v++) {
                uint8_t d[2] = {(uint8_t) (v >> 8), (uint8_t) v}, back[2];
                char t[4];
                size_t n;
                CHECK_EQ_INT(b64url_encode(d, 2, t, sizeof t), 0);
                CHECK_EQ_INT(b64url_decode(t, 3, back, sizeof back, &n), 0);
                CHECK_EQ_INT(n, 2);
                CHECK_MEM(back, d, 2);
        }
}

int main(void) {
        RUN(test_hostile);
        RUN(test_vectors);
        RUN(test_sizes);
        RUN(test_round_trip);
        RUN(test_exhaustive_tails);
        RUN(test_every_byte);
        RUN(test_all_two_byte_values);
        return 0;
}
