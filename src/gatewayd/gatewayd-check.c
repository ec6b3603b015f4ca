/* SPDX-License-Identifier: MIT */
#include "gatewayd-check.h"

#include <string.h>

#include "ether.h"

void gateway_check_begin(GatewayCheck *c, const ControlCheckBegin *begin, uint16_t room_mtu) {
        c->pending = true;
        memcpy(c->nonce, begin->nonce, LP_CHECK_NONCE_SIZE);
        c->udp_port = begin->udp_port;
        c->room_mtu = room_mtu;
        c->probes = 0;
        c->largest_probe = 0;
        c->full_size_answered = false;
}

static uint8_t probe_flag(const CheckProbeFrame *p) {
        static const MacAddr broadcast_mac = { { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF } };
        /* 239.255.255.250 mapped to Ethernet (RFC 1112 §6.4). */
        static const MacAddr multicast_mac = { { 0x01, 0x00, 0x5E, 0x7F, 0xFF, 0xFA } };
        bool broadcast_mac_dst = mac_equal(&p->dst_mac, &broadcast_mac);

        /* The destination must be what the kind says: the check is about how
         * the player's OS addressed the probe. */
        switch (p->kind) {
        case CHECK_PROBE_KIND_LIMITED_BROADCAST:
                return broadcast_mac_dst && p->dst_ip == UINT32_MAX ? CHECK_PROBE_LIMITED_BROADCAST : 0;
        case CHECK_PROBE_KIND_DIRECTED_BROADCAST:
                return broadcast_mac_dst && p->dst_ip != UINT32_MAX ? CHECK_PROBE_DIRECTED_BROADCAST : 0;
        case CHECK_PROBE_KIND_MULTICAST:
                return p->dst_ip == LP_CHECK_MULTICAST_ADDR && mac_equal(&p->dst_mac, &multicast_mac)
                               ? CHECK_PROBE_MULTICAST
                               : 0;
        default:
                return 0;
        }
}

GatewayCheckAction gateway_check_probe(GatewayCheck *c, const CheckProbeFrame *probe) {
        if (!c->pending || memcmp(probe->nonce, c->nonce, LP_CHECK_NONCE_SIZE) != 0)
                return GATEWAY_CHECK_CONSUME;

        c->probes |= probe_flag(probe);
        if (probe->ip_total_len > c->largest_probe)
                c->largest_probe = probe->ip_total_len;

        /* One answer per check, to a probe of exactly the room's MTU. */
        if (probe->kind == CHECK_PROBE_KIND_FULL_SIZE && probe->ip_total_len == c->room_mtu &&
            !c->full_size_answered) {
                c->full_size_answered = true;
                return GATEWAY_CHECK_ANSWER_FULL_SIZE;
        }
        return GATEWAY_CHECK_CONSUME;
}

bool gateway_check_finish(GatewayCheck *c, uint16_t client_id, uint64_t realtime_usec, ControlCheckReport *ret) {
        if (!c->pending)
                return false;
        c->pending = false;

        *ret = (ControlCheckReport) {
                .peer_id = client_id,
                .probes = (uint8_t) (c->probes | CHECK_PROBE_GATEWAY_SENT),
                .largest_probe = c->largest_probe,
        };
        memcpy(ret->nonce, c->nonce, LP_CHECK_NONCE_SIZE);

        c->last_usec = realtime_usec;
        memcpy(c->last_nonce, c->nonce, LP_CHECK_NONCE_SIZE);
        c->last_probes = ret->probes;
        c->last_largest_probe = ret->largest_probe;
        c->have_verdicts = false;
        memset(c->verdicts, 0, sizeof(c->verdicts));
        return true;
}

bool gateway_check_result(GatewayCheck *c, const ControlCheckResult *result) {
        if (c->last_usec == 0 || memcmp(result->nonce, c->last_nonce, LP_CHECK_NONCE_SIZE) != 0)
                return false;
        memcpy(c->verdicts, result->verdicts, sizeof(c->verdicts));
        c->have_verdicts = true;
        return true;
}

const char *check_probe_flag_to_string(uint8_t flag) {
        switch (flag) {
        case CHECK_PROBE_LIMITED_BROADCAST:
                return "limited_broadcast";
        case CHECK_PROBE_DIRECTED_BROADCAST:
                return "directed_broadcast";
        case CHECK_PROBE_MULTICAST:
                return "multicast";
        case CHECK_PROBE_GATEWAY_SENT:
                return "gateway_sent";
        default:
                return NULL;
        }
}
