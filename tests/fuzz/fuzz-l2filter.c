/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "l2filter.h"
#include "macro.h"
#include "../test-util.h"

/* Input: [flags u8][room MTU u16][announced MAC 6 bytes][frame ...].
 * flags bit 0: check the source against the announced MAC; bit 1: copy the
 * frame's own source into the announced MAC so the spoofing check passes
 * and the deeper checks are reached. The frame ends where libFuzzer's
 * buffer ends, so ASan sees any read past it. */
#define PREFIX_LEN 9

static bool is_remote_only(L2Verdict v) {
        return v == L2_DROP_SPOOFED_SOURCE || v == L2_DROP_DHCP_SERVER || v == L2_DROP_DHCPV6_SERVER ||
               v == L2_DROP_ROUTER_ADVERTISEMENT || v == L2_DROP_ICMPV6_REDIRECT ||
               v == L2_DROP_IPV6_FRAGMENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < PREFIX_LEN)
                return 0;

        const uint8_t *frame = data + PREFIX_LEN;
        size_t len = size - PREFIX_LEN;
        MacAddr announced;
        memcpy(announced.bytes, data + 3, LP_MAC_LEN);
        if ((data[0] & 0x02) && len >= LP_ETHER_HEADER_LEN)
                memcpy(announced.bytes, frame + LP_MAC_LEN, LP_MAC_LEN);
        L2FilterContext ctx = {
                .source = (data[0] & 0x01) ? &announced : NULL,
                .mtu = be16_load(data + 1),
        };

        L2Verdict remote = l2_filter(frame, len, L2_REMOTE_TO_LAN, &ctx);
        L2Verdict lan = l2_filter(frame, len, L2_LAN_TO_REMOTE, &ctx);
        L2Verdict remote_noctx = l2_filter(frame, len, L2_REMOTE_TO_LAN, NULL);

        CHECK(remote >= 0 && remote < _L2_VERDICT_MAX);
        CHECK(lan >= 0 && lan < _L2_VERDICT_MAX);
        CHECK(remote_noctx >= 0 && remote_noctx < _L2_VERDICT_MAX);

        /* Pure: the same input gives the same answer. */
        CHECK(l2_filter(frame, len, L2_REMOTE_TO_LAN, &ctx) == remote);

        if (len < LP_ETHER_HEADER_LEN) {
                CHECK(remote == L2_DROP_MALFORMED);
                CHECK(lan == L2_DROP_MALFORMED);
                return 0;
        }

        /* The LAN side is a subset of the remote rules. */
        CHECK(!is_remote_only(lan));
        if (remote == L2_ALLOW)
                CHECK(lan == L2_ALLOW);
        CHECK((remote == L2_DROP_INVALID_SOURCE) == (lan == L2_DROP_INVALID_SOURCE));

        /* Spoofing is only ever reported against an announced MAC that differs. */
        if (remote == L2_DROP_SPOOFED_SOURCE)
                CHECK(ctx.source && memcmp(ctx.source->bytes, frame + LP_MAC_LEN, LP_MAC_LEN) != 0);
        CHECK(remote_noctx != L2_DROP_SPOOFED_SOURCE);
        if (remote != L2_DROP_SPOOFED_SOURCE && remote != L2_DROP_JUMBO && remote_noctx != L2_DROP_JUMBO)
                CHECK(remote == remote_noctx);

        /* Nothing longer than the room allows, and never more than 1514. */
        if (len > LP_ETHER_PAYLOAD_MAX + LP_ETHER_HEADER_LEN) {
                CHECK(lan == L2_DROP_JUMBO || lan == L2_DROP_INVALID_SOURCE);
                CHECK(remote_noctx == L2_DROP_JUMBO || remote_noctx == L2_DROP_INVALID_SOURCE);
        }

        /* Agrees with the Ethernet header parser. */
        EtherHeader h;
        int r = ether_header_parse(frame, len, &h);
        if (lan == L2_DROP_VLAN_TAGGED)
                CHECK(ether_type_is_vlan(be16_load(frame + 12)));
        if (r == 0) {
                CHECK(h.payload_offset + h.payload_len == len);
                CHECK(h.tagged == ether_type_is_vlan(h.ethertype));
                CHECK(!ether_type_is_vlan(h.inner_ethertype));
                if (!h.tagged)
                        CHECK(lan != L2_DROP_VLAN_TAGGED);
        } else
                CHECK(ether_type_is_vlan(be16_load(frame + 12)));
        if (lan == L2_ALLOW || remote == L2_ALLOW) {
                CHECK(r == 0 && !h.tagged);
                CHECK(mac_is_valid_source(&h.src) && !mac_is_ieee_reserved(&h.dst));
        }

        /* Names round-trip. */
        CHECK(l2_verdict_from_string(l2_verdict_to_string(remote)) == remote);
        CHECK(l2_verdict_from_string(l2_verdict_to_string(lan)) == lan);
        return 0;
}
