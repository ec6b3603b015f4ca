/* SPDX-License-Identifier: MIT */
#include "party-check.h"

#include <errno.h>
#include <string.h>

#include "ether.h"
#include "inet-checksum.h"
#include "macro.h"
#include "string-table.h"

static const char *const check_probe_kind_table[_CHECK_PROBE_KIND_MAX] = {
        [CHECK_PROBE_KIND_LIMITED_BROADCAST] = "limited_broadcast",
        [CHECK_PROBE_KIND_DIRECTED_BROADCAST] = "directed_broadcast",
        [CHECK_PROBE_KIND_MULTICAST] = "multicast",
        [CHECK_PROBE_KIND_FULL_SIZE] = "full_size",
        [CHECK_PROBE_KIND_GATEWAY] = "gateway",
        [CHECK_PROBE_KIND_GATEWAY_FULL_SIZE] = "gateway_full_size",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(check_probe_kind, CheckProbeKind)

#define IPV4_HEADER_MIN 20
#define UDP_HEADER_LEN 8
#define IPPROTO_UDP_NUMBER 17
#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_OFFSET_MASK 0x1FFF

int check_probe_payload(uint8_t *buf, size_t size, size_t len, const uint8_t nonce[static LP_CHECK_NONCE_SIZE],
                        CheckProbeKind kind) {
        if (!buf || !check_probe_kind_to_string(kind) || len < LP_CHECK_PAYLOAD_MIN || len > INT32_MAX)
                return -EINVAL;
        if (size < len)
                return -ENOBUFS;
        memset(buf, 0, len);
        memcpy(buf, LP_CHECK_MAGIC, LP_CHECK_MAGIC_LEN);
        memcpy(buf + LP_CHECK_MAGIC_LEN, nonce, LP_CHECK_NONCE_SIZE);
        buf[LP_CHECK_MAGIC_LEN + LP_CHECK_NONCE_SIZE] = (uint8_t) kind;
        return (int) len;
}

bool check_probe_payload_parse(const uint8_t *payload, size_t len, uint8_t ret_nonce[static LP_CHECK_NONCE_SIZE],
                               uint8_t *ret_kind) {
        if (!payload || len < LP_CHECK_PAYLOAD_MIN || memcmp(payload, LP_CHECK_MAGIC, LP_CHECK_MAGIC_LEN) != 0)
                return false;
        memcpy(ret_nonce, payload + LP_CHECK_MAGIC_LEN, LP_CHECK_NONCE_SIZE);
        *ret_kind = payload[LP_CHECK_MAGIC_LEN + LP_CHECK_NONCE_SIZE];
        return true;
}

int check_probe_frame_parse(const uint8_t *frame, size_t len, CheckProbeFrame *ret) {
        const uint8_t *ip, *udp;
        size_t ip_left, ihl, total, flags_offset, udp_len;

        if (!frame || !ret)
                return -EINVAL;
        if (len < LP_ETHER_HEADER_LEN + IPV4_HEADER_MIN + UDP_HEADER_LEN)
                return 0;
        if (be16_load(frame + 12) != LP_ETHERTYPE_IPV4)
                return 0;

        ip = frame + LP_ETHER_HEADER_LEN;
        ip_left = len - LP_ETHER_HEADER_LEN;
        if ((ip[0] >> 4) != 4)
                return 0;
        ihl = (size_t) (ip[0] & 0x0F) * 4;
        total = be16_load(ip + 2);
        if (ihl < IPV4_HEADER_MIN || total < ihl + UDP_HEADER_LEN || total > ip_left)
                return 0;
        flags_offset = be16_load(ip + 6);
        if ((flags_offset & (IPV4_FLAG_MF | IPV4_OFFSET_MASK)) != 0 || ip[9] != IPPROTO_UDP_NUMBER)
                return 0;

        udp = ip + ihl;
        udp_len = be16_load(udp + 4);
        if (be16_load(udp + 2) != LP_CHECK_PORT || udp_len < UDP_HEADER_LEN || udp_len > total - ihl)
                return 0;

        *ret = (CheckProbeFrame) {
                .dst_ip = ((uint32_t) ip[16] << 24) | ((uint32_t) ip[17] << 16) | ((uint32_t) ip[18] << 8) | ip[19],
                .ip_total_len = (uint16_t) total,
                .udp_dst_port = LP_CHECK_PORT,
                .dont_fragment = flags_offset & IPV4_FLAG_DF,
        };
        memcpy(ret->dst_mac.bytes, frame, LP_MAC_LEN);
        memcpy(ret->src_mac.bytes, frame + LP_MAC_LEN, LP_MAC_LEN);
        if (!check_probe_payload_parse(udp + UDP_HEADER_LEN, udp_len - UDP_HEADER_LEN, ret->nonce, &ret->kind))
                return 0;
        return 1;
}

int check_probe_frame_build(uint8_t *buf, size_t size, const MacAddr *src_mac, const MacAddr *dst_mac,
                            uint16_t dst_port, const uint8_t nonce[static LP_CHECK_NONCE_SIZE],
                            CheckProbeKind kind, uint16_t ip_total_len) {
        static const uint8_t broadcast[4] = { 255, 255, 255, 255 };
        size_t frame_len = LP_ETHER_HEADER_LEN + (size_t) ip_total_len;
        uint8_t *ip, *udp, pseudo[12] = {};
        uint16_t udp_len = (uint16_t) (ip_total_len - IPV4_HEADER_MIN);
        uint64_t sum;
        uint16_t csum;
        int r;

        if (!buf || !src_mac || !dst_mac || dst_port == 0)
                return -EINVAL;
        if (kind != CHECK_PROBE_KIND_GATEWAY && kind != CHECK_PROBE_KIND_GATEWAY_FULL_SIZE)
                return -EINVAL;
        if (ip_total_len < LP_CHECK_IPV4_UDP_HEADERS + LP_CHECK_PAYLOAD_MIN || ip_total_len > LP_ETHER_PAYLOAD_MAX)
                return -EINVAL;
        if (size < frame_len)
                return -ENOBUFS;

        memcpy(buf, dst_mac->bytes, LP_MAC_LEN);
        memcpy(buf + LP_MAC_LEN, src_mac->bytes, LP_MAC_LEN);
        be16_store(buf + 12, LP_ETHERTYPE_IPV4);

        ip = buf + LP_ETHER_HEADER_LEN;
        memset(ip, 0, IPV4_HEADER_MIN);
        ip[0] = 0x45;
        be16_store(ip + 2, ip_total_len);
        be16_store(ip + 6, IPV4_FLAG_DF);
        ip[8] = 1; /* TTL: it is for the player's PC only */
        ip[9] = IPPROTO_UDP_NUMBER;
        memcpy(ip + 16, broadcast, 4); /* source 0.0.0.0, as the zeroing left it */
        be16_store(ip + 10, inet_checksum_finish(inet_checksum_add(0, ip, IPV4_HEADER_MIN)));

        udp = ip + IPV4_HEADER_MIN;
        be16_store(udp, LP_CHECK_PORT);
        be16_store(udp + 2, dst_port);
        be16_store(udp + 4, udp_len);
        be16_store(udp + 6, 0);
        r = check_probe_payload(udp + UDP_HEADER_LEN, udp_len - UDP_HEADER_LEN, udp_len - UDP_HEADER_LEN, nonce,
                                kind);
        if (r < 0)
                return r;

        memcpy(pseudo, ip + 12, 8);
        pseudo[9] = IPPROTO_UDP_NUMBER;
        be16_store(pseudo + 10, udp_len);
        sum = inet_checksum_add(0, pseudo, sizeof(pseudo));
        sum = inet_checksum_add(sum, udp, udp_len);
        csum = inet_checksum_finish(sum);
        be16_store(udp + 6, csum == 0 ? 0xFFFF : csum); /* 0 would mean "no checksum" */
        return (int) frame_len;
}
