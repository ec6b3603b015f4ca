/* SPDX-License-Identifier: MIT */
#include "gatewayd-mss.h"

#include <stdbool.h>

#include "ether.h"
#include "macro.h"
#include "mtu.h"

#define IPV4_HEADER_MIN 20
#define IPV6_HEADER_LEN 40
#define IPV6_EXT_HEADER_MIN 8
#define TCP_HEADER_MIN 20

#define IP_PROTO_HOPOPTS 0
#define IP_PROTO_TCP 6
#define IP_PROTO_ROUTING 43
#define IP_PROTO_DSTOPTS 60

#define IPV4_FRAG_MASK 0x3fff /* MF flag and fragment offset */
#define TCP_FLAG_SYN 0x02

#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_MSS_LEN 4

static uint16_t swap16(uint16_t v) {
        return (uint16_t) (v << 8 | v >> 8);
}

/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), which unlike eqn. 2 never turns
 * a valid checksum into the -0 that some receivers reject. */
static void checksum_replace16(uint8_t *field, uint16_t old, uint16_t new) {
        uint32_t sum = (uint16_t) ~be16_load(field);

        sum += (uint16_t) ~old;
        sum += new;
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        be16_store(field, (uint16_t) ~sum);
}

/* `off` is the MSS value's offset from the start of the TCP header, which
 * is where the checksum's 16-bit words begin. Options are byte aligned, so
 * the value may straddle two words: its high byte then lands in the low
 * half of one word and its low byte in the high half of the next, and the
 * one's complement sum changes by exactly the byte-swapped difference. */
static int mss_option_lower(uint8_t *tcp, size_t off, uint16_t limit) {
        uint16_t mss = be16_load(tcp + off);

        if (mss <= limit)
                return 0;

        be16_store(tcp + off, limit);
        if (off % 2 == 0)
                checksum_replace16(tcp + 16, mss, limit);
        else
                checksum_replace16(tcp + 16, swap16(mss), swap16(limit));
        return 1;
}

/* `seg_len` is the TCP segment length the IP header claims, already checked
 * to lie within the frame. */
static int tcp_clamp(uint8_t *tcp, size_t seg_len, uint16_t limit) {
        size_t header_len;
        int changed = 0;

        if (seg_len < TCP_HEADER_MIN)
                return 0;
        if (!(tcp[13] & TCP_FLAG_SYN))
                return 0;

        header_len = (size_t) (tcp[12] >> 4) * 4;
        if (header_len < TCP_HEADER_MIN || header_len > seg_len)
                return 0;

        /* Every MSS option is lowered, not just the first: receivers differ
         * in which duplicate they honour (Linux takes the last). A malformed
         * option ends the walk the way it ends the receiver's. */
        for (size_t i = TCP_HEADER_MIN; i < header_len;) {
                uint8_t kind = tcp[i], opt_len;

                if (kind == TCP_OPT_EOL)
                        break;
                if (kind == TCP_OPT_NOP) {
                        i++;
                        continue;
                }
                if (header_len - i < 2)
                        break;
                opt_len = tcp[i + 1];
                if (opt_len < 2 || opt_len > header_len - i)
                        break;
                if (kind == TCP_OPT_MSS && opt_len == TCP_OPT_MSS_LEN)
                        changed |= mss_option_lower(tcp, i + 2, limit);
                i += opt_len;
        }

        return changed;
}

static int ipv4_clamp(uint8_t *ip, size_t len, uint16_t room_mtu) {
        size_t header_len, total_len;

        if (len < IPV4_HEADER_MIN || ip[0] >> 4 != 4)
                return 0;

        header_len = (size_t) (ip[0] & 0x0f) * 4;
        total_len = be16_load(ip + 2);
        /* Ethernet padding may follow the packet, so the frame may be
         * longer than total_len, never shorter. */
        if (header_len < IPV4_HEADER_MIN || total_len < header_len || total_len > len)
                return 0;

        /* Only a first fragment could hold the options, and a SYN that needs
         * fragmenting is too odd to be worth rewriting. */
        if (be16_load(ip + 6) & IPV4_FRAG_MASK)
                return 0;
        if (ip[9] != IP_PROTO_TCP)
                return 0;

        return tcp_clamp(ip + header_len, total_len - header_len, room_mtu - MSS_IPV4_OVERHEAD);
}

static int ipv6_clamp(uint8_t *ip, size_t len, uint16_t room_mtu) {
        size_t end, off = IPV6_HEADER_LEN;
        uint8_t next;

        if (len < IPV6_HEADER_LEN || ip[0] >> 4 != 6)
                return 0;

        /* Payload length 0 announces a jumbogram, which no tunnel carries. */
        end = IPV6_HEADER_LEN + (size_t) be16_load(ip + 4);
        if (end == IPV6_HEADER_LEN || end > len)
                return 0;

        /* Each step advances at least 8 bytes and stays below `end`, so the
         * walk ends. Fragment (44), AH, ESP and anything unknown stop it:
         * either the TCP header is not here or we may not touch it. */
        for (next = ip[6];;) {
                size_t ext_len;

                switch (next) {
                case IP_PROTO_TCP:
                        return tcp_clamp(ip + off, end - off, room_mtu - MSS_IPV6_OVERHEAD);
                case IP_PROTO_HOPOPTS:
                case IP_PROTO_ROUTING:
                case IP_PROTO_DSTOPTS:
                        if (end - off < IPV6_EXT_HEADER_MIN)
                                return 0;
                        ext_len = ((size_t) ip[off + 1] + 1) * 8;
                        if (ext_len > end - off)
                                return 0;
                        next = ip[off];
                        off += ext_len;
                        break;
                default:
                        return 0;
                }
        }
}

int mss_clamp_frame(uint8_t *frame, size_t len, uint16_t room_mtu) {
        if (!frame && len > 0)
                return -EINVAL;
        if (room_mtu < LP_MTU_MIN || room_mtu > LP_MTU_MAX)
                return -EINVAL;
        if (len < LP_ETHER_HEADER_LEN)
                return 0;

        switch (be16_load(frame + 12)) {
        case LP_ETHERTYPE_IPV4:
                return ipv4_clamp(frame + LP_ETHER_HEADER_LEN, len - LP_ETHER_HEADER_LEN, room_mtu);
        case LP_ETHERTYPE_IPV6:
                return ipv6_clamp(frame + LP_ETHER_HEADER_LEN, len - LP_ETHER_HEADER_LEN, room_mtu);
        default:
                return 0;
        }
}
