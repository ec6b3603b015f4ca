/* SPDX-License-Identifier: MIT */
#include "gatewayd-gso.h"

#include <string.h>

#include "ether.h"
#include "gatewayd-csum.h"
#include "inet-checksum.h"
#include "macro.h"
#include "string-table.h"

#define IPPROTO_TCP_NUMBER 6
#define IPPROTO_UDP_NUMBER 17
#define IPV4_FRAGMENT_BITS 0x3fff /* MF and the offset */
#define IPV6_HEADER_LEN 40
#define TCP_HEADER_MIN 20
#define UDP_HEADER_LEN 8
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

static const char *const gso_type_table[_GSO_TYPE_MAX] = {
        [GSO_NONE] = "none",     [GSO_TCPV4] = "tcpv4",        [GSO_TCPV6] = "tcpv6",
        [GSO_UDP_L4] = "udp_l4", [GSO_UNSUPPORTED] = "unsupported",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(gso_type, GsoType)

/* A switch, not a string table: the keys are negative errno values. */
const char *gso_error_to_string(int error) {
        switch (error) {
        case -EPROTONOSUPPORT:
                return "unsupported_type";
        case -EBADMSG:
                return "malformed";
        case -EOPNOTSUPP:
                return "extension_headers";
        case -EMSGSIZE:
                return "segment_too_big";
        case -E2BIG:
                return "above_64k";
        default:
                return "invalid";
        }
}

/* Where the parts of a super-frame lie, found before anything is emitted. */
typedef struct GsoLayout {
        bool ipv4;
        uint8_t proto;
        size_t l4;       /* offset of the TCP/UDP header */
        size_t hdr_len;  /* Ethernet + IP + TCP/UDP headers, copied to every segment */
        size_t end;      /* where the IP packet ends (<= len) */
} GsoLayout;

static int gso_layout(const uint8_t *frame, size_t len, GsoType type, GsoLayout *ret) {
        const uint8_t *ip = frame + LP_ETHER_HEADER_LEN;
        uint16_t ethertype;
        GsoLayout l = {};

        if (len < LP_ETHER_HEADER_LEN)
                return -EBADMSG;
        ethertype = be16_load(frame + 12);

        if (ethertype == LP_ETHERTYPE_IPV4) {
                size_t ihl, total;

                if (type == GSO_TCPV6 || len < LP_ETHER_HEADER_LEN + 20 || (ip[0] >> 4) != 4)
                        return -EBADMSG;
                ihl = (size_t) (ip[0] & 0x0f) * 4;
                total = be16_load(ip + 2);
                if (ihl < 20 || len < LP_ETHER_HEADER_LEN + ihl || (be16_load(ip + 6) & IPV4_FRAGMENT_BITS))
                        return -EBADMSG;
                /* 0: a BIG TCP frame above 64 KiB, whose length is the frame's. */
                l.end = total == 0 ? len : LP_ETHER_HEADER_LEN + total;
                if (l.end > len || l.end < LP_ETHER_HEADER_LEN + ihl)
                        return -EBADMSG;
                l.ipv4 = true;
                l.proto = ip[9];
                l.l4 = LP_ETHER_HEADER_LEN + ihl;
        } else if (ethertype == LP_ETHERTYPE_IPV6) {
                size_t payload;

                if (type == GSO_TCPV4 || len < LP_ETHER_HEADER_LEN + IPV6_HEADER_LEN || (ip[0] >> 4) != 6)
                        return -EBADMSG;
                payload = be16_load(ip + 4);
                l.end = payload == 0 ? len : LP_ETHER_HEADER_LEN + IPV6_HEADER_LEN + payload;
                if (l.end > len)
                        return -EBADMSG;
                l.proto = ip[6];
                if (l.proto != IPPROTO_TCP_NUMBER && l.proto != IPPROTO_UDP_NUMBER)
                        return -EOPNOTSUPP;
                l.l4 = LP_ETHER_HEADER_LEN + IPV6_HEADER_LEN;
        } else
                return -EBADMSG;

        if (type == GSO_UDP_L4) {
                if (l.proto != IPPROTO_UDP_NUMBER)
                        return -EBADMSG;
                l.hdr_len = l.l4 + UDP_HEADER_LEN;
        } else {
                size_t doff;

                if (l.proto != IPPROTO_TCP_NUMBER || l.end < l.l4 + TCP_HEADER_MIN)
                        return -EBADMSG;
                doff = (size_t) (frame[l.l4 + 12] >> 4) * 4;
                if (doff < TCP_HEADER_MIN)
                        return -EBADMSG;
                l.hdr_len = l.l4 + doff;
        }
        if (l.hdr_len > l.end)
                return -EBADMSG;

        *ret = l;
        return 0;
}

/* Fixes up the copied headers of segment `i` (of `n`) carrying `chunk`
 * payload bytes, the first of them at payload offset `offset`. */
static void gso_fix_headers(uint8_t *seg, const GsoLayout *l, const GsoInfo *gso, size_t i, size_t n,
                            size_t offset, size_t chunk) {
        uint8_t *ip = seg + LP_ETHER_HEADER_LEN;
        uint8_t *l4 = seg + l->l4;
        size_t ip_len = l->hdr_len - LP_ETHER_HEADER_LEN + chunk;

        if (l->ipv4) {
                size_t ihl = l->l4 - LP_ETHER_HEADER_LEN;

                be16_store(ip + 2, (uint16_t) ip_len);
                /* What the kernel's own segmentation does: consecutive ids. */
                be16_store(ip + 4, (uint16_t) (be16_load(ip + 4) + i));
                ip[10] = ip[11] = 0;
                be16_store(ip + 10, inet_checksum_finish(inet_checksum_add(0, ip, ihl)));
        } else
                be16_store(ip + 4, (uint16_t) (ip_len - IPV6_HEADER_LEN));

        if (gso->type == GSO_UDP_L4) {
                be16_store(l4 + 4, (uint16_t) (UDP_HEADER_LEN + chunk));
                return;
        }
        be32_store(l4 + 4, be32_load(l4 + 4) + (uint32_t) offset);
        if (i + 1 < n)
                l4[13] &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
        if (i > 0)
                l4[13] &= (uint8_t) ~TCP_FLAG_CWR;
}

int gso_segment(const uint8_t *frame, size_t len, const GsoInfo *gso, uint8_t *out, size_t out_size,
                GsoSegmentFunc emit, void *userdata) {
        size_t payload, n, offset = 0;
        GsoLayout l;
        int r;

        if (!frame || !gso || !out || !emit)
                return -EINVAL;
        if (gso->type == GSO_UNSUPPORTED)
                return -EPROTONOSUPPORT;
        if (gso->type != GSO_TCPV4 && gso->type != GSO_TCPV6 && gso->type != GSO_UDP_L4)
                return -EINVAL;
        if (gso->size == 0)
                return -EBADMSG;

        r = gso_layout(frame, len, gso->type, &l);
        if (r < 0)
                return r;

        payload = l.end - l.hdr_len;
        n = payload == 0 ? 1 : (payload + gso->size - 1) / gso->size;
        if (l.hdr_len + MIN(payload, (size_t) gso->size) > out_size)
                return -EMSGSIZE;
        /* Every segment's IP length must fit its 16-bit field. */
        if (l.hdr_len - LP_ETHER_HEADER_LEN + MIN(payload, (size_t) gso->size) > UINT16_MAX)
                return -EMSGSIZE;

        for (size_t i = 0; i < n; i++) {
                size_t chunk = MIN(payload - offset, (size_t) gso->size);
                size_t seg_len = l.hdr_len + chunk;

                memcpy(out, frame, l.hdr_len);
                memcpy(out + l.hdr_len, frame + l.hdr_len + offset, chunk);
                gso_fix_headers(out, &l, gso, i, n, offset, chunk);
                /* Whole, from the segment itself: whatever the super-frame's
                 * field held (a partial sum, GRO's leftover) is replaced. */
                (void) csum_complete_frame(out, seg_len);
                emit(out, seg_len, userdata);
                offset += chunk;
        }
        return (int) n;
}
