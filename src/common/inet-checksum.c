/* SPDX-License-Identifier: MIT */
#include "inet-checksum.h"

uint64_t inet_checksum_add(uint64_t sum, const uint8_t *p, size_t len) {
        for (; len >= 2; p += 2, len -= 2)
                sum += (uint64_t) p[0] << 8 | p[1];
        if (len)
                sum += (uint64_t) p[0] << 8;
        return sum;
}

uint16_t inet_checksum_finish(uint64_t sum) {
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t) ~sum;
}
