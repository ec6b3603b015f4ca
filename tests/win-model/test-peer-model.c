/* SPDX-License-Identifier: MIT */
/* Frames from the other end of the TAP, the party's router, for tests:
 * DHCP replies (RFC 2131 4.1: to the broadcast address when the client
 * set the BROADCAST flag) and router advertisements (RFC 4861 4.2). */
#include <string.h>

#include "model.h"

static size_t put(uint8_t *p, uint8_t code, const void *v, size_t len) {
        p[0] = code;
        p[1] = (uint8_t) len;
        memcpy(p + 2, v, len);
        return 2 + len;
}

size_t win_model_dhcp_reply(const uint8_t *req, size_t len, const WinModelDhcpReply *r, uint8_t *buf, size_t size) {
        static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, bcast[4] = { 255, 255, 255, 255 };
        uint8_t d[576] = {};
        const uint8_t *msg;
        size_t o = 240, ihl;
        uint32_t lease = r->lease ? r->lease : 86400;
        uint8_t l[4] = { (uint8_t) (lease >> 24), (uint8_t) (lease >> 16), (uint8_t) (lease >> 8), (uint8_t) lease };

        if (len < 14 + 20 + 8 + 240 || req[12] != 0x08 || req[13] != 0x00 || size < 14 + 20 + 8 + sizeof(d))
                return 0;
        ihl = (size_t) (req[14] & 15) * 4;
        msg = req + 14 + ihl + 8;
        if (msg + 240 > req + len || msg[0] != 1)
                return 0;
        d[0] = 2, d[1] = 1, d[2] = 6;
        memcpy(d + 4, msg + 4, 4);   /* xid */
        memcpy(d + 10, msg + 10, 2); /* flags */
        memcpy(d + 16, r->yiaddr, 4);
        memcpy(d + 20, r->server, 4);
        memcpy(d + 28, msg + 28, 16); /* chaddr */
        d[236] = 99, d[237] = 130, d[238] = 83, d[239] = 99;
        o += put(d + o, 53, &r->type, 1);
        o += put(d + o, 54, r->server, 4);
        if (r->type != 6) {
                o += put(d + o, 51, l, 4);
                if (r->plen) {
                        uint8_t m[4] = {};

                        for (unsigned k = 0; k < r->plen && k < 32; k++)
                                m[k / 8] |= (uint8_t) (0x80 >> (k % 8));
                        o += put(d + o, 1, m, 4);
                }
                if (r->has_router)
                        o += put(d + o, 3, r->router, 4);
                if (r->has_dns)
                        o += put(d + o, 6, r->dns, 4);
                if (r->classless && r->classless_len <= 255)
                        o += put(d + o, 121, r->classless, r->classless_len);
        }
        d[o++] = 255;
        return model_frame_udp4(buf, r->server_mac, bcast_mac, r->server, bcast, 67, 68, d, MAX(o, (size_t) 300));
}

size_t win_model_router_advertisement(const uint8_t mac[6], uint16_t lifetime, const uint8_t *prefix64,
                                      const uint8_t *rdnss, uint32_t mtu, uint8_t *buf, size_t size) {
        static const uint8_t src[16] = { 0xfe, 0x80, [15] = 1 }, dst[16] = { 0xff, 0x02, [15] = 1 },
                             dst_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
        uint8_t ra[16 + 8 + 32 + 8 + 24] = { 134, 0, 0, 0, 64, 0, (uint8_t) (lifetime >> 8), (uint8_t) lifetime };
        size_t o = 16;

        if (size < 14 + 40 + sizeof(ra))
                return 0;
        ra[o] = 1, ra[o + 1] = 1;
        memcpy(ra + o + 2, mac, 6);
        o += 8;
        if (prefix64) {
                uint8_t *p = ra + o;

                p[0] = 3, p[1] = 4, p[2] = 64, p[3] = 0xc0;
                memset(p + 4, 0xff, 8); /* valid and preferred lifetime: infinite */
                memcpy(p + 16, prefix64, 8);
                o += 32;
        }
        if (mtu) {
                uint8_t *p = ra + o;

                p[0] = 5, p[1] = 1;
                p[4] = (uint8_t) (mtu >> 24), p[5] = (uint8_t) (mtu >> 16), p[6] = (uint8_t) (mtu >> 8), p[7] = (uint8_t) mtu;
                o += 8;
        }
        if (rdnss) {
                uint8_t *p = ra + o;

                p[0] = 25, p[1] = 3;
                memset(p + 4, 0xff, 4);
                memcpy(p + 8, rdnss, 16);
                o += 24;
        }
        return model_frame_ip6(buf, mac, dst_mac, src, dst, 58, 255, ra, o);
}
