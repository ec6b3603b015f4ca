/* SPDX-License-Identifier: MIT */
#pragma once

/* The Internet checksum (RFC 1071) as the tests and fuzz targets compute it
 * to check the frames the code under test writes. Written apart from
 * src/common/inet-checksum.c on purpose: a mistake there must not also be
 * the yardstick. One copy for all of them. */

#include <stddef.h>
#include <stdint.h>

/* Adds the big-endian 16-bit words of p[0..n) to sum; an odd last byte is
 * the high half of a word. */
static inline uint32_t test_sum16(uint32_t sum, const uint8_t *p, size_t n) {
        for (size_t i = 0; i + 1 < n; i += 2)
                sum += (uint32_t) p[i] << 8 | p[i + 1];
        if (n % 2)
                sum += (uint32_t) p[n - 1] << 8;
        return sum;
}

/* Folds the carries back in: the one's complement sum in 16 bits. */
static inline uint16_t test_fold(uint32_t sum) {
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t) sum;
}
