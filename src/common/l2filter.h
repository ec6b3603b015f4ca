/* SPDX-License-Identifier: MIT */
#pragma once

/* The L2 safety policy of PROTOCOL.md: which Ethernet frames may cross
 * between remote clients and the party LAN. A pure function over the frame
 * bytes, so the relay and the gateway apply exactly the same rules and the
 * whole policy is unit-testable. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"

/* Values are stable: daemons index per-reason counters with them and the
 * names appear in logs and on D-Bus. Append only. */
typedef enum L2Verdict {
        L2_ALLOW,
        L2_DROP_MALFORMED,
        L2_DROP_INVALID_SOURCE,
        L2_DROP_SPOOFED_SOURCE,
        L2_DROP_JUMBO,
        L2_DROP_IEEE_RESERVED,
        L2_DROP_VLAN_TAGGED,
        L2_DROP_DHCP_SERVER,
        L2_DROP_DHCPV6_SERVER,
        L2_DROP_ROUTER_ADVERTISEMENT,
        L2_DROP_ICMPV6_REDIRECT,
        L2_DROP_IPV6_FRAGMENT,
        _L2_VERDICT_MAX,
        _L2_VERDICT_INVALID = -EINVAL,
} L2Verdict;

typedef enum L2Direction {
        L2_REMOTE_TO_LAN, /* a client sent it: the full policy */
        L2_LAN_TO_REMOTE, /* the gateway captured it on the LAN */
        _L2_DIRECTION_MAX,
        _L2_DIRECTION_INVALID = -EINVAL,
} L2Direction;

typedef struct L2FilterContext {
        /* The sending peer's announced MAC. NULL: no spoofing check, e.g.
         * on the gateway, which sees frames of many clients. Only used for
         * L2_REMOTE_TO_LAN. */
        const MacAddr *source;
        /* The room's L3 MTU. 0, or anything above 1500: 1500. */
        uint16_t mtu;
} L2FilterContext;

/* Returns L2_ALLOW or the first drop reason found, checking in the order of
 * the PROTOCOL.md table (Ethernet header, then IPv4/IPv6 and their L4
 * headers in one pass). No allocation, no I/O, never reads outside
 * frame[0..len). ctx may be NULL (no spoofing check, MTU 1500). Any
 * direction other than L2_LAN_TO_REMOTE gets the strict remote rules. */
L2Verdict l2_filter(const uint8_t *frame, size_t len, L2Direction direction, const L2FilterContext *ctx);

/* "allow", "malformed", "invalid_source", ...; NULL when out of range. */
const char *l2_verdict_to_string(L2Verdict v);
/* _L2_VERDICT_INVALID for unknown names or NULL. */
L2Verdict l2_verdict_from_string(const char *s);

/* "remote_to_lan", "lan_to_remote"; NULL when out of range. */
const char *l2_direction_to_string(L2Direction d);
L2Direction l2_direction_from_string(const char *s);
