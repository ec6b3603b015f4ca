/* SPDX-License-Identifier: MIT */
#include "inet-checksum.h"
#include "macro.h"
#include "test-util.h"

/* RFC 1071 section 3's worked example, pieces, and a real IPv4 header. */

static void test_empty_and_odd(void) {
        static const uint8_t one = 0xab;

        CHECK_EQ_INT(inet_checksum_finish(0), 0xffff);
        CHECK_EQ_INT(inet_checksum_add(0, NULL, 0), 0);
        /* A trailing odd byte is the high half of a word. */
        CHECK_EQ_INT(inet_checksum_add(0, &one, 1), 0xab00);
}

static void test_rfc1071(void) {
        static const uint8_t bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
        uint64_t sum;

        /* The RFC's sum is 2ddf0, folded ddf2. */
        sum = inet_checksum_add(0, bytes, sizeof(bytes));
        CHECK_EQ_INT(sum, 0x2ddf0);
        CHECK_EQ_INT(inet_checksum_finish(sum), (uint16_t) ~0xddf2);
        /* The same in pieces of even length. */
        sum = inet_checksum_add(inet_checksum_add(inet_checksum_add(0, bytes, 2), bytes + 2, 4), bytes + 6, 2);
        CHECK_EQ_INT(inet_checksum_finish(sum), (uint16_t) ~0xddf2);
}

static void test_ipv4_header(void) {
        /* 192.168.0.1 → 192.168.0.199, UDP, as captured; its checksum is b861. */
        uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                         0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

        CHECK_EQ_INT(inet_checksum_finish(inet_checksum_add(0, h, sizeof(h))), 0);
        be16_store(h + 10, 0);
        CHECK_EQ_INT(inet_checksum_finish(inet_checksum_add(0, h, sizeof(h))), 0xb861);
}

static void test_long(void) {
        static uint8_t big[65536];

        /* The widest message: no overflow, and all-ones words fold to 0xffff. */
        memset(big, 0xff, sizeof(big));
        CHECK_EQ_INT(inet_checksum_finish(inet_checksum_add(0, big, sizeof(big))), 0);
        memset(big, 0, sizeof(big));
        CHECK_EQ_INT(inet_checksum_finish(inet_checksum_add(0, big, sizeof(big))), 0xffff);
}

int main(void) {
        RUN(test_empty_and_odd);
        RUN(test_rfc1071);
        RUN(test_ipv4_header);
        RUN(test_long);
        return 0;
}
