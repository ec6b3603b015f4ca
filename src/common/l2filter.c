/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <string.h>

#include "ether.h"
#include "ip.h"
#include "l2filter.h"
#include "macro.h"
#include "string-table.h"

#define ICMPV6_HEADER_LEN 4

#define PORT_DHCP_SERVER 67
#define PORT_DHCPV6_SERVER 547
#define ICMPV6_ROUTER_ADVERTISEMENT 134
#define ICMPV6_REDIRECT 137

static const char *const l2_verdict_table[_L2_VERDICT_MAX] = {
        [L2_ALLOW] = "allow",
        [L2_DROP_MALFORMED] = "malformed",
        [L2_DROP_INVALID_SOURCE] = "invalid_source",
        [L2_DROP_SPOOFED_SOURCE] = "spoofed_source",
        [L2_DROP_JUMBO] = "jumbo",
        [L2_DROP_IEEE_RESERVED] = "ieee_reserved",
        [L2_DROP_VLAN_TAGGED] = "vlan_tagged",
        [L2_DROP_DHCP_SERVER] = "dhcp_server",
        [L2_DROP_DHCPV6_SERVER] = "dhcpv6_server",
        [L2_DROP_ROUTER_ADVERTISEMENT] = "router_advertisement",
        [L2_DROP_ICMPV6_REDIRECT] = "icmpv6_redirect",
        [L2_DROP_IPV6_FRAGMENT] = "ipv6_fragment",
};

static const char *const l2_direction_table[_L2_DIRECTION_MAX] = {
        [L2_REMOTE_TO_LAN] = "remote_to_lan",
        [L2_LAN_TO_REMOTE] = "lan_to_remote",
};

DEFINE_STRING_TABLE_LOOKUP(l2_verdict, L2Verdict)

DEFINE_STRING_TABLE_LOOKUP(l2_direction, L2Direction)

/* The L4 checks are shared by IPv4 and IPv6: `p` points at the L4 header,
 * `len` counts only bytes the IP header says belong to the packet. */
static L2Verdict filter_udp(const uint8_t *p, size_t len, bool strict, uint16_t server_port,
                            L2Verdict verdict) {
        if (len < UDP_HEADER_LEN)
                return L2_DROP_MALFORMED;
        if (strict && be16_load(p) == server_port)
                return verdict;
        return L2_ALLOW;
}

static L2Verdict filter_ipv4(const uint8_t *p, size_t len, bool strict) {
        if (len < IPV4_HEADER_MIN)
                return L2_DROP_MALFORMED;
        if (p[0] >> 4 != 4)
                return L2_DROP_MALFORMED;

        size_t ihl = (size_t) (p[0] & 0x0f) * 4;
        size_t total = be16_load(p + 2);
        /* Bytes past `total` are Ethernet padding, not packet; a total that
         * claims more than we have means the packet was cut short. */
        if (ihl < IPV4_HEADER_MIN || total < ihl || total > len)
                return L2_DROP_MALFORMED;

        /* Only the first fragment carries the L4 header. Later ones cannot
         * overwrite its ports either: the smallest nonzero offset is 8. */
        if ((be16_load(p + 6) & 0x1fff) != 0)
                return L2_ALLOW;

        if (p[9] == IP_PROTO_UDP)
                return filter_udp(p + ihl, total - ihl, strict, PORT_DHCP_SERVER, L2_DROP_DHCP_SERVER);
        return L2_ALLOW;
}

static L2Verdict filter_ipv6(const uint8_t *p, size_t len, bool strict) {
        if (len < IPV6_HEADER_LEN)
                return L2_DROP_MALFORMED;
        if (p[0] >> 4 != 6)
                return L2_DROP_MALFORMED;

        size_t end = IPV6_HEADER_LEN + (size_t) be16_load(p + 4);
        if (end > len)
                return L2_DROP_MALFORMED;

        /* Every extension header is at least 8 bytes long, so the walk
         * advances by at least 8 per step and ends within `end`. It is not
         * capped by count: a cap would let a long chain hide an RA. */
        uint8_t next = p[6];
        size_t offset = IPV6_HEADER_LEN;
        for (;;) {
                const uint8_t *h = p + offset;
                size_t left = end - offset;
                int hlen;

                switch (next) {
                case IP_PROTO_FRAGMENT:
                        if (left < IPV6_FRAGMENT_LEN)
                                return L2_DROP_MALFORMED;
                        /* Hosts reassemble before they look at ND or DHCPv6, so a
                         * fragmented RA would slip past every check below. */
                        if (strict)
                                return L2_DROP_IPV6_FRAGMENT;
                        if ((be16_load(h + 2) & 0xfff8) != 0)
                                return L2_ALLOW;
                        break;

                case IP_PROTO_ICMPV6:
                        if (left < ICMPV6_HEADER_LEN)
                                return L2_DROP_MALFORMED;
                        if (strict && h[0] == ICMPV6_ROUTER_ADVERTISEMENT)
                                return L2_DROP_ROUTER_ADVERTISEMENT;
                        if (strict && h[0] == ICMPV6_REDIRECT)
                                return L2_DROP_ICMPV6_REDIRECT;
                        return L2_ALLOW;

                case IP_PROTO_UDP:
                        return filter_udp(h, left, strict, PORT_DHCPV6_SERVER, L2_DROP_DHCPV6_SERVER);
                }

                hlen = ipv6_extension_header_len(next, h, left);
                if (hlen == 0)
                        /* TCP, No Next Header, ESP, anything else: nothing the policy
                         * looks at. */
                        return L2_ALLOW;
                if (hlen < 0 || (size_t) hlen > left)
                        return L2_DROP_MALFORMED;
                next = h[0];
                offset += (size_t) hlen;
        }
}

L2Verdict l2_filter(const uint8_t *frame, size_t len, L2Direction direction, const L2FilterContext *ctx) {
        /* Anything but the known lenient direction is treated as remote:
         * a wrong argument must not open the gate. */
        bool strict = direction != L2_LAN_TO_REMOTE;
        MacAddr dst, src;

        if (!frame || len < LP_ETHER_HEADER_LEN)
                return L2_DROP_MALFORMED;

        memcpy(dst.bytes, frame, LP_MAC_LEN);
        memcpy(src.bytes, frame + LP_MAC_LEN, LP_MAC_LEN);

        if (!mac_is_valid_source(&src))
                return L2_DROP_INVALID_SOURCE;
        if (strict && ctx && ctx->source && !mac_equal(&src, ctx->source))
                return L2_DROP_SPOOFED_SOURCE;

        size_t mtu = ctx && ctx->mtu > 0 ? MIN((size_t) ctx->mtu, (size_t) LP_ETHER_PAYLOAD_MAX)
                                         : (size_t) LP_ETHER_PAYLOAD_MAX;
        if (len > mtu + LP_ETHER_HEADER_LEN)
                return L2_DROP_JUMBO;

        if (mac_is_ieee_reserved(&dst))
                return L2_DROP_IEEE_RESERVED;

        uint16_t type = be16_load(frame + 2 * LP_MAC_LEN);
        if (ether_type_is_vlan(type))
                return L2_DROP_VLAN_TAGGED;

        const uint8_t *l3 = frame + LP_ETHER_HEADER_LEN;
        size_t l3_len = len - LP_ETHER_HEADER_LEN;
        switch (type) {
        case LP_ETHERTYPE_IPV4:
                return filter_ipv4(l3, l3_len, strict);
        case LP_ETHERTYPE_IPV6:
                return filter_ipv6(l3, l3_len, strict);
        default:
                return L2_ALLOW;
        }
}
