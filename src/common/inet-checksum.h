/* SPDX-License-Identifier: MIT */
#pragma once

/* The Internet checksum of IPv4 headers, UDP, TCP and ICMPv6 (RFC 1071):
 * the one's complement of the one's complement sum of the message's
 * 16-bit big-endian words. Summed in pieces, so a pseudo-header and the
 * payload behind it are added where they lie. */

#include <stddef.h>
#include <stdint.h>

/* Adds `len` bytes to a running sum (start with 0). An odd length pads the
 * last byte with zero, so only the last piece of a message may have one.
 * The sum is 64 bits wide: no message is long enough to overflow it. */
uint64_t inet_checksum_add(uint64_t sum, const uint8_t *p, size_t len);

/* The value for the checksum field: the sum folded to 16 bits and
 * complemented. Summed over a message (and pseudo-header) whose checksum
 * field holds the right value, it is 0. */
uint16_t inet_checksum_finish(uint64_t sum);
