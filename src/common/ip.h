/* SPDX-License-Identifier: MIT */
#pragma once

/* IP protocol numbers, header sizes and the IPv6 extension header walk of
 * the frame inspectors in src/common (l2filter.c, autoconf-sanitize.c).
 * Spelled out here because <netinet/in.h> is not available to src/common
 * on every platform. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define IP_PROTO_HOPOPTS 0
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IP_PROTO_ROUTING 43
#define IP_PROTO_FRAGMENT 44
#define IP_PROTO_AH 51
#define IP_PROTO_ICMPV6 58
#define IP_PROTO_DSTOPTS 60
#define IP_PROTO_MOBILITY 135
#define IP_PROTO_HIP 139
#define IP_PROTO_SHIM6 140

#define IPV4_HEADER_MIN 20
#define IPV6_HEADER_LEN 40
#define IPV6_EXT_MIN 8
#define IPV6_FRAGMENT_LEN 8
#define UDP_HEADER_LEN 8

/* The length of the IPv6 extension header of type `type` at `h`, with
 * `left` bytes to the end of the packet. It may exceed `left`: the caller
 * checks. 0 when `type` is not a header whose length we can read (an
 * upper-layer protocol, ESP, No Next Header, anything unknown); -EBADMSG
 * when fewer than 8 bytes are left, the least any of them has.
 * Hop-by-Hop, Routing, Destination Options and the RFC 6564-format
 * Mobility, HIP and Shim6 headers count 8-byte units beyond the first 8,
 * AH 4-byte units minus 2 (RFC 4302); a Fragment header has 8 bytes. The
 * longest is 2048, so every step of a walk advances at least 8 bytes and
 * the walk ends. */
static inline int ipv6_extension_header_len(uint8_t type, const uint8_t *h, size_t left) {
        switch (type) {
        case IP_PROTO_HOPOPTS:
        case IP_PROTO_ROUTING:
        case IP_PROTO_DSTOPTS:
        case IP_PROTO_MOBILITY:
        case IP_PROTO_HIP:
        case IP_PROTO_SHIM6:
                return left < IPV6_EXT_MIN ? -EBADMSG : ((int) h[1] + 1) * 8;
        case IP_PROTO_AH:
                return left < IPV6_EXT_MIN ? -EBADMSG : ((int) h[1] + 2) * 4;
        case IP_PROTO_FRAGMENT:
                return left < IPV6_FRAGMENT_LEN ? -EBADMSG : IPV6_FRAGMENT_LEN;
        default:
                return 0;
        }
}
