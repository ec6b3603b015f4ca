/* SPDX-License-Identifier: MIT */
#include "gatewayd-csum.h"

#include <errno.h>
#include <string.h>

#include "ether.h"
#include "inet-checksum.h"
#include "macro.h"

#define IPPROTO_TCP_NUMBER 6
#define IPPROTO_UDP_NUMBER 17

/* `l4` points at a TCP/UDP header of `l4_len` bytes (the whole segment). */
static int write_l4_checksum(uint8_t *l4, size_t l4_len, uint8_t proto, uint64_t pseudo) {
        size_t off = proto == IPPROTO_TCP_NUMBER ? 16 : 6;
        uint16_t c;

        if (l4_len < (proto == IPPROTO_TCP_NUMBER ? 20u : 8u))
                return 0;
        l4[off] = l4[off + 1] = 0;
        c = inet_checksum_finish(inet_checksum_add(pseudo, l4, l4_len));
        /* UDP sends "no checksum" as 0, so a computed 0 goes out as 0xffff. */
        if (proto == IPPROTO_UDP_NUMBER && c == 0)
                c = 0xffff;
        be16_store(l4 + off, c);
        return 1;
}

static int complete_ipv4(uint8_t *ip, size_t len) {
        size_t ihl, total;
        uint64_t pseudo;
        uint8_t proto;

        if (len < 20 || (ip[0] >> 4) != 4)
                return 0;
        ihl = (size_t) (ip[0] & 0x0f) * 4;
        total = be16_load(ip + 2);
        if (ihl < 20 || total < ihl || total > len)
                return 0;
        /* More fragments, or not the first: the segment is not all here. */
        if (be16_load(ip + 6) & 0x3fff)
                return 0;
        proto = ip[9];
        if (proto != IPPROTO_TCP_NUMBER && proto != IPPROTO_UDP_NUMBER)
                return 0;

        pseudo = inet_checksum_add(0, ip + 12, 8); /* source and destination */
        pseudo += proto;
        pseudo += (uint64_t) (total - ihl);
        return write_l4_checksum(ip + ihl, total - ihl, proto, pseudo);
}

static int complete_ipv6(uint8_t *ip, size_t len) {
        size_t payload;
        uint64_t pseudo;
        uint8_t proto;

        if (len < 40 || (ip[0] >> 4) != 6)
                return 0;
        payload = be16_load(ip + 4);
        if (payload > len - 40)
                return 0;
        proto = ip[6];
        /* Offload is only ever set up for a transport header right after
         * the fixed header in practice; anything else is left alone. */
        if (proto != IPPROTO_TCP_NUMBER && proto != IPPROTO_UDP_NUMBER)
                return 0;

        pseudo = inet_checksum_add(0, ip + 8, 32);
        pseudo += (uint64_t) payload;
        pseudo += proto;
        return write_l4_checksum(ip + 40, payload, proto, pseudo);
}

int csum_complete_frame(uint8_t *frame, size_t len) {
        uint16_t type;

        if (!frame)
                return -EINVAL;
        if (len < LP_ETHER_HEADER_LEN)
                return 0;
        type = be16_load(frame + 12);
        if (type == LP_ETHERTYPE_IPV4)
                return complete_ipv4(frame + LP_ETHER_HEADER_LEN, len - LP_ETHER_HEADER_LEN);
        if (type == LP_ETHERTYPE_IPV6)
                return complete_ipv6(frame + LP_ETHER_HEADER_LEN, len - LP_ETHER_HEADER_LEN);
        return 0;
}

int csum_complete_partial(uint8_t *frame, size_t len, size_t csum_start, size_t csum_offset) {
        uint16_t c;

        if (!frame)
                return -EINVAL;
        if (csum_start >= len || csum_offset > len - csum_start || len - csum_start - csum_offset < 2)
                return 0;
        c = inet_checksum_finish(inet_checksum_add(0, frame + csum_start, len - csum_start));
        be16_store(frame + csum_start + csum_offset, c == 0 ? 0xffff : c);
        return 1;
}
