/* SPDX-License-Identifier: MIT */
/* The gateway's probe recognition (check_probe_frame_parse(), what it runs
 * on every frame a client sends) on arbitrary bytes as an Ethernet frame.
 * A frame taken for a probe must really be IPv4 UDP to LP_CHECK_PORT with
 * the magic inside its IP length; the gateway's own probe built with the
 * parsed nonce must be a well-formed frame it does not take for a client
 * probe (it goes to the client's port). */
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "macro.h"
#include "party-check.h"
#include "../test-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const MacAddr gw = { { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 } };
        uint8_t frame[LP_ETHER_FRAME_MAX];
        CheckProbeFrame p, again;
        int r, n;

        r = check_probe_frame_parse(data, size, &p);
        CHECK(r == 0 || r == 1);
        if (r == 0)
                return 0;

        CHECK(size >= LP_ETHER_HEADER_LEN + LP_CHECK_IPV4_UDP_HEADERS + LP_CHECK_PAYLOAD_MIN);
        CHECK(be16_load(data + 12) == LP_ETHERTYPE_IPV4);
        CHECK(p.ip_total_len <= size - LP_ETHER_HEADER_LEN);
        CHECK(p.ip_total_len >= LP_CHECK_IPV4_UDP_HEADERS + LP_CHECK_PAYLOAD_MIN);
        CHECK(p.udp_dst_port == LP_CHECK_PORT);

        n = check_probe_frame_build(frame, sizeof(frame), &gw, &p.src_mac, 4242, p.nonce,
                                    CHECK_PROBE_KIND_GATEWAY_FULL_SIZE,
                                    (uint16_t) MIN((size_t) p.ip_total_len, (size_t) LP_ETHER_PAYLOAD_MAX));
        CHECK(n == LP_ETHER_HEADER_LEN + (int) MIN((size_t) p.ip_total_len, (size_t) LP_ETHER_PAYLOAD_MAX));
        CHECK(check_probe_frame_parse(frame, (size_t) n, &again) == 0);
        return 0;
}
