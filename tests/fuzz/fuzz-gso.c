/* SPDX-License-Identifier: MIT */
/* gso_segment() on hostile super-frames: what the gateway does with every
 * frame the kernel says is GSO/GRO. Input: [u8 mode][u16 segment size]
 * [frame...]. Mode bits 0-1 pick the type (TCPv4, TCPv6, UDP-L4,
 * unsupported); bit 2 makes the IP length field match the frame, so the
 * fuzzer gets past it; bit 3 gives a segment buffer of only 600 bytes.
 *
 * Invariants, checked with this file's own arithmetic: a refusal is one of
 * the documented errors and emits nothing; otherwise exactly as many
 * segments as returned, none larger than the buffer, each with an IP
 * length that matches it, an IPv4 header checksum and a TCP/UDP checksum
 * that verify, and the payloads together are the super-frame's. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/gatewayd/gatewayd-gso.h"
#include "macro.h"
#include "../test-inet-sum.h"
#include "../test-util.h"

typedef struct Check {
        const uint8_t *frame;
        size_t out_size;
        size_t n;
        size_t payload; /* bytes of payload seen so far */
        size_t hdr_len; /* of the first segment: all must have the same */
} Check;

static void check_segment(uint8_t *seg, size_t len, void *userdata) {
        Check *c = userdata;
        const uint8_t *ip = seg + 14;
        size_t l4, hdr;
        uint32_t sum;
        uint8_t proto;

        CHECK(len <= c->out_size);
        CHECK(len >= 14 + 20 + 8);
        /* Headers come from the super-frame: same MACs and EtherType. */
        CHECK(memcmp(seg, c->frame, 14) == 0);
        if (be16_load(seg + 12) == 0x0800) {
                l4 = 14 + (size_t) (ip[0] & 15) * 4;
                CHECK(be16_load(ip + 2) == len - 14);
                CHECK(test_fold(test_sum16(0, ip, l4 - 14)) == 0xffff);
                proto = ip[9];
                sum = test_sum16(0, ip + 12, 8);
        } else {
                CHECK(be16_load(seg + 12) == 0x86dd);
                l4 = 14 + 40;
                CHECK(be16_load(ip + 4) == len - 54);
                proto = ip[6];
                sum = test_sum16(0, ip + 8, 32);
        }
        CHECK(proto == 6 || proto == 17);
        hdr = proto == 6 ? l4 + (size_t) (seg[l4 + 12] >> 4) * 4 : l4 + 8;
        CHECK(hdr <= len);
        if (proto == 17)
                CHECK(be16_load(seg + l4 + 4) == len - l4);
        sum += proto + (uint32_t) (len - l4);
        CHECK(test_fold(test_sum16(sum, seg + l4, len - l4)) == 0xffff);
        if (c->n == 0)
                c->hdr_len = hdr;
        CHECK(hdr == c->hdr_len);
        /* The payload continues where the last segment's ended. */
        CHECK(memcmp(seg + hdr, c->frame + hdr + c->payload, len - hdr) == 0);
        c->payload += len - hdr;
        c->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const GsoType types[] = {GSO_TCPV4, GSO_TCPV6, GSO_UDP_L4, GSO_UNSUPPORTED};
        static uint8_t out[70000];
        uint8_t *frame;
        GsoInfo gso;
        Check c = {};
        size_t len;
        int r;

        if (size < 3 || size > 3 + 70000)
                return 0;
        gso = (GsoInfo) {.type = types[data[0] & 3], .size = be16_load(data + 1)};
        len = size - 3;
        /* An exact-size heap copy, so ASan sees any read past the end. */
        frame = malloc(len > 0 ? len : 1);
        if (!frame)
                abort();
        memcpy(frame, data + 3, len);
        if ((data[0] & 4) && len >= 14 + 40) {
                if (be16_load(frame + 12) == 0x0800 && len - 14 <= UINT16_MAX)
                        be16_store(frame + 14 + 2, (uint16_t) (len - 14));
                else if (be16_load(frame + 12) == 0x86dd && len - 54 <= UINT16_MAX)
                        be16_store(frame + 14 + 4, (uint16_t) (len - 54));
        }
        c.frame = frame;
        c.out_size = (data[0] & 8) ? 600 : 1518;

        r = gso_segment(frame, len, &gso, out, c.out_size, check_segment, &c);
        if (r < 0) {
                CHECK(r == -EPROTONOSUPPORT || r == -EBADMSG || r == -EOPNOTSUPP || r == -EMSGSIZE);
                CHECK(c.n == 0);
                CHECK(gso_error_to_string(r));
        } else {
                CHECK(r > 0 && (size_t) r == c.n);
                CHECK(c.hdr_len + c.payload <= len);
        }
        free(frame);
        return 0;
}
