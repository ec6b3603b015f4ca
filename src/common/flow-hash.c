/* SPDX-License-Identifier: MIT */
#include "flow-hash.h"

#include "datagram.h"
#include "ether.h"
#include "ip.h"

#define IPV4_FRAGMENT_MASK 0x3fffU /* MF flag and fragment offset */

/* A multiplicative mix a word at a time: it runs for every datagram
 * every sender queues (the relay once per destination), so it must cost
 * a few ns, and no one gains by choosing colliding flows but a sender that
 * already shares its own queue. */
#define FLOW_HASH_SEED UINT32_C(0x811c9dc5)
#define FLOW_HASH_MULT UINT32_C(0x9e3779b1)

static uint32_t mix(uint32_t h, uint32_t w) {
        h = (h ^ w) * FLOW_HASH_MULT;
        return h ^ (h >> 15);
}

static uint32_t hash_bytes(uint32_t h, const uint8_t *p, size_t n) {
        size_t i = 0;

        for (; i + 4 <= n; i += 4)
                h = mix(h, (uint32_t) p[i] | (uint32_t) p[i + 1] << 8 | (uint32_t) p[i + 2] << 16 |
                                   (uint32_t) p[i + 3] << 24);
        for (; i < n; i++)
                h = mix(h, p[i]);
        return h;
}

/* The ports of a TCP or UDP header at l4, when both are there. */
static uint32_t hash_ports(uint32_t h, uint8_t proto, const uint8_t *l4, size_t left) {
        if ((proto == IP_PROTO_TCP || proto == IP_PROTO_UDP) && left >= 4)
                h = hash_bytes(h, l4, 4);
        return h;
}

static uint32_t hash_ipv4(uint32_t h, const uint8_t *ip, size_t len) {
        size_t ihl;

        if (len < IPV4_HEADER_MIN || ip[0] >> 4 != 4)
                return h;
        ihl = (size_t) (ip[0] & 0x0f) * 4;
        h = mix(h, ip[9]);             /* protocol */
        h = hash_bytes(h, ip + 12, 8); /* source and destination */
        /* Only the first fragment has the ports; all of them share the rest. */
        if (ihl < IPV4_HEADER_MIN || ihl > len || (((unsigned) ip[6] << 8 | ip[7]) & IPV4_FRAGMENT_MASK) != 0)
                return h;
        return hash_ports(h, ip[9], ip + ihl, len - ihl);
}

static uint32_t hash_ipv6(uint32_t h, const uint8_t *ip, size_t len) {
        if (len < IPV6_HEADER_LEN || ip[0] >> 4 != 6)
                return h;
        h = mix(h, ip[6]);              /* next header */
        h = hash_bytes(h, ip + 8, 32);  /* source and destination */
        /* Extension headers are not walked: such a packet is its
         * addresses' flow, which keeps it in order with itself. */
        return hash_ports(h, ip[6], ip + IPV6_HEADER_LEN, len - IPV6_HEADER_LEN);
}

uint32_t datagram_flow_hash(const uint8_t *dgram, size_t len) {
        const uint8_t *frame;
        EtherHeader eh;
        uint32_t h = FLOW_HASH_SEED;

        if (!dgram || len < LP_DATAGRAM_HEADER_SIZE)
                return h;
        frame = dgram + LP_DATAGRAM_HEADER_SIZE;
        len -= LP_DATAGRAM_HEADER_SIZE;
        if (ether_header_parse(frame, len, &eh) < 0)
                return hash_bytes(h, frame, len < 12 ? len : 12);
        h = hash_bytes(h, frame, 12); /* both MACs */
        h = mix(h, eh.inner_ethertype);
        if (eh.inner_ethertype == LP_ETHERTYPE_IPV4)
                return hash_ipv4(h, frame + eh.payload_offset, eh.payload_len);
        if (eh.inner_ethertype == LP_ETHERTYPE_IPV6)
                return hash_ipv6(h, frame + eh.payload_offset, eh.payload_len);
        return h;
}
