/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "hex.h"
#include "test-util.h"

static void test_unhexchar_hostile(void) {
        /* Every byte: exactly 0-9, a-f, A-F are digits; the neighbours of
         * each range ('/', ':', '@', 'G', '`', 'g'), NUL and bytes with the
         * high bit set are not. */
        for (int c = -128; c < 128; c++) {
                bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

                CHECK_EQ_INT(unhexchar((char) c) >= 0, digit);
        }
        CHECK_EQ_INT(unhexchar('\0'), -EINVAL);
        CHECK_EQ_INT(unhexchar('0'), 0);
        CHECK_EQ_INT(unhexchar('9'), 9);
        CHECK_EQ_INT(unhexchar('a'), 10);
        CHECK_EQ_INT(unhexchar('F'), 15);
}

static void test_unhexmem_hostile(void) {
        uint8_t out[4] = {};

        CHECK_EQ_INT(unhexmem_exact("c0a8ff0", 7, HEX_CASE_ANY, out, 4), -EBADMSG);
        CHECK_EQ_INT(unhexmem_exact("c0a8ff010", 9, HEX_CASE_ANY, out, 4), -EBADMSG);
        CHECK_EQ_INT(unhexmem_exact("", 0, HEX_CASE_ANY, out, 4), -EBADMSG);
        CHECK_EQ_INT(unhexmem_exact("c0a8ff0g", 8, HEX_CASE_ANY, out, 4), -EBADMSG);
        CHECK_EQ_INT(unhexmem_exact("c0a8\0f01", 8, HEX_CASE_ANY, out, 4), -EBADMSG);
        CHECK_EQ_INT(unhexmem_exact("c0a8ff0 ", 8, HEX_CASE_ANY, out, 4), -EBADMSG);
        CHECK_EQ_INT(unhexmem_exact("C0a8ff01", 8, HEX_CASE_LOWER, out, 4), -EBADMSG);
        CHECK_EQ_INT(unhexmem_exact("c0a8fF01", 8, HEX_CASE_LOWER, out, 4), -EBADMSG);
}

static void test_unhexmem(void) {
        uint8_t out[4] = {};

        CHECK_EQ_INT(unhexmem_exact("c0a8ff01", 8, HEX_CASE_LOWER, out, 4), 0);
        CHECK_MEM(out, "\xc0\xa8\xff\x01", 4);
        CHECK_EQ_INT(unhexmem_exact("0A0b0C0d", 8, HEX_CASE_ANY, out, 4), 0);
        CHECK_MEM(out, "\x0a\x0b\x0c\x0d", 4);
        CHECK_EQ_INT(unhexmem_exact("", 0, HEX_CASE_ANY, out, 0), 0);
}

int main(void) {
        RUN(test_unhexchar_hostile);
        RUN(test_unhexmem_hostile);
        RUN(test_unhexmem);
        return 0;
}
