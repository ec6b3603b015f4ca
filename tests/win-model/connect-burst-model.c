/* SPDX-License-Identifier: MIT */
/* What Windows sends within milliseconds of a link coming up, before any
 * application does anything (review 2026-12 item 1b): IGMP and MLD
 * reports for the groups it joins (LLMNR's), a Router Solicitation, an
 * LLMNR query; the DHCP DISCOVER goes out at the same moment from
 * dhcp-client-model.c. connect_burst picks which. Called with the model
 * lock held, from the stack thread. */
#include <string.h>

#include "model.h"

static void igmp_report(ModelIf *i) {
        /* IGMPv3 report (RFC 3376 4.2) to 224.0.0.22: join 224.0.0.252. */
        static const uint8_t mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x16 }, dst[4] = { 224, 0, 0, 22 }, src[4];
        uint8_t r[16] = { 0x22, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 224, 0, 0, 252 }, frame[128];
        uint16_t c = model_csum(0, r, sizeof(r));

        r[2] = (uint8_t) (c >> 8), r[3] = (uint8_t) c;
        model_tap_stack_send(i->adapter, frame, model_frame_ip4(frame, i->mac, mac, src, dst, 2, 1, r, sizeof(r)));
}

static const uint8_t *link_local(const ModelIf *i) {
        for (size_t k = 0; k < i->n_addrs; k++)
                if (i->addrs[k].family == AF_INET6 && i->addrs[k].bytes[0] == 0xfe && i->addrs[k].bytes[1] == 0x80)
                        return i->addrs[k].bytes;
        return NULL;
}

static void mld_report(ModelIf *i, const uint8_t *src) {
        /* MLDv2 report (RFC 3810 5.2) to ff02::16 behind a Hop-by-Hop
         * Router Alert: join ff02::1:3. */
        static const uint8_t mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x16 },
                             dst[16] = { 0xff, 0x02, [15] = 0x16 };
        uint8_t p[8 + 28] = { 58, 0, 5, 2, 0, 0, 1, 0, 143, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0,
                              0xff, 0x02, [33] = 1, [35] = 3 }, frame[160];

        model_tap_stack_send(i->adapter, frame, model_frame_ip6(frame, i->mac, mac, src, dst, 0, 1, p, sizeof(p)));
}

static void router_solicitation(ModelIf *i, const uint8_t *src) {
        /* RFC 4861 4.1, with the source link-layer address option. */
        static const uint8_t mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x02 }, dst[16] = { 0xff, 0x02, [15] = 2 };
        uint8_t rs[16] = { 133, 0, 0, 0, 0, 0, 0, 0, 1, 1 }, frame[128];

        memcpy(rs + 10, i->mac, 6);
        model_tap_stack_send(i->adapter, frame, model_frame_ip6(frame, i->mac, mac, src, dst, 58, 255, rs, sizeof(rs)));
}

static void llmnr_query(ModelIf *i, const uint8_t *src) {
        /* RFC 4795: a query for "wpad" (proxy auto-discovery) to ff02::1:3. */
        static const uint8_t mac[6] = { 0x33, 0x33, 0x00, 0x01, 0x00, 0x03 },
                             dst[16] = { 0xff, 0x02, [13] = 1, [15] = 3 };
        uint8_t udp[8 + 22] = { 0xd4, 0x31, 0x14, 0xeb, 0, 30, 0, 0,
                                0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                4, 'w', 'p', 'a', 'd', 0, 0, 1, 0, 1 }, frame[160];

        model_tap_stack_send(i->adapter, frame, model_frame_ip6(frame, i->mac, mac, src, dst, 17, 1, udp, sizeof(udp)));
}

void model_burst_timer(ModelIf *i, uint64_t now) {
        const uint8_t *ll = link_local(i);
        unsigned b = model.settings.burst;

        (void) now;
        i->burst_ms = 0;
        if (!i->connected || !i->adapter)
                return;
        if (b & MODEL_BURST_IGMP)
                igmp_report(i);
        if ((b & MODEL_BURST_MLD) && ll)
                mld_report(i, ll);
        if ((b & MODEL_BURST_RS) && ll && i->row[1].RouterDiscoveryBehavior != RouterDiscoveryDisabled)
                router_solicitation(i, ll);
        if ((b & MODEL_BURST_LLMNR) && ll)
                llmnr_query(i, ll);
}
