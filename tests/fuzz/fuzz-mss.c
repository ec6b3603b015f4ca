/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/gatewayd/gatewayd-mss.h"
#include "macro.h"
#include "../test-util.h"

/* Input: byte 0 picks the mode, bytes 1-2 the room MTU, the rest is either
 * a whole frame or, in template mode, a TCP segment behind valid Ethernet
 * and IP headers, so the fuzzer reaches the option walk without having to
 * guess IP lengths first. Unless the mode says otherwise, the TCP checksum
 * is made valid before clamping. Invariants: a clamped frame's checksum
 * still verifies; nothing outside the TCP options and checksum changes;
 * clamping twice changes nothing the second time; 0 leaves the frame as
 * it was. */

#define FRAME_MAX 2048

enum {
        MODE_TEMPLATE = 1 << 0,
        MODE_IPV6 = 1 << 1,
        MODE_KEEP_CHECKSUM = 1 << 2,
};

typedef struct Segment {
        size_t off, len;
        size_t pseudo_len;
} Segment;

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n) {
        for (size_t i = 0; i + 1 < n; i += 2)
                sum += be16_load(p + i);
        if (n % 2)
                sum += (uint32_t) p[n - 1] << 8;
        return sum;
}

static uint16_t tcp_sum(const uint8_t *f, const Segment *s) {
        const uint8_t *ip = f + 14;
        uint32_t sum;

        if (ip[0] >> 4 == 4)
                sum = sum_bytes(0, ip + 12, 8) + 6 + (uint32_t) s->len;
        else
                sum = sum_bytes(0, ip + 8, 32) + 6 + (uint32_t) s->len;
        sum = sum_bytes(sum, f + s->off, s->len);
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t) sum;
}

/* Our own way to find a TCP segment the clamp might touch. It is more
 * lenient than the module (any IPv4 header length, no SYN check), so every
 * segment the module edits is one we can verify. */
static bool segment_find(const uint8_t *f, size_t len, Segment *ret) {
        const uint8_t *ip = f + 14;
        size_t iplen;

        if (len < 14 + 40)
                return false;
        iplen = len - 14;
        if (be16_load(f + 12) == 0x0800 && ip[0] >> 4 == 4) {
                size_t hl = (size_t) (ip[0] & 15) * 4, total = be16_load(ip + 2);
                if (hl < 20 || total < hl + 20 || total > iplen || ip[9] != 6)
                        return false;
                *ret = (Segment) {.off = 14 + hl, .len = total - hl};
                return true;
        }
        if (be16_load(f + 12) == 0x86DD && ip[0] >> 4 == 6) {
                size_t end = 40 + (size_t) be16_load(ip + 4), off = 40;
                uint8_t next = ip[6];
                if (end > iplen)
                        return false;
                while (next == 0 || next == 43 || next == 60) {
                        if (off + 8 > end || off + ((size_t) ip[off + 1] + 1) * 8 > end)
                                return false;
                        next = ip[off];
                        off += ((size_t) ip[off + 1] + 1) * 8;
                }
                if (next != 6 || end - off < 20)
                        return false;
                *ret = (Segment) {.off = 14 + off, .len = end - off};
                return true;
        }
        return false;
}

static size_t build_template(uint8_t *f, bool ipv6, const uint8_t *seg, size_t seg_len) {
        size_t ip_hdr = ipv6 ? 40 : 20;

        if (seg_len > FRAME_MAX - 14 - ip_hdr)
                seg_len = FRAME_MAX - 14 - ip_hdr;
        memset(f, 0, 14 + ip_hdr);
        f[0] = 0x02;
        f[6] = 0x02;
        f[11] = 0x01;
        if (ipv6) {
                be16_store(f + 12, 0x86DD);
                f[14] = 0x60;
                be16_store(f + 14 + 4, (uint16_t) seg_len);
                f[14 + 6] = 6;
                f[14 + 7] = 64;
                f[14 + 8 + 15] = 1;
                f[14 + 24 + 15] = 2;
        } else {
                be16_store(f + 12, 0x0800);
                f[14] = 0x45;
                be16_store(f + 14 + 2, (uint16_t) (20 + seg_len));
                f[14 + 8] = 64;
                f[14 + 9] = 6;
                be32_store(f + 14 + 12, 0x0a000001);
                be32_store(f + 14 + 16, 0x0a000002);
        }
        memcpy(f + 14 + ip_hdr, seg, seg_len);
        return 14 + ip_hdr + seg_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t before[FRAME_MAX], *frame;
        uint16_t mtu, limit;
        bool found, valid_before = false;
        Segment seg = {};
        size_t len;
        uint8_t mode;
        int r;

        if (size < 3)
                return 0;
        mode = data[0];
        mtu = (uint16_t) (576 + be16_load(data + 1) % (1500 - 576 + 1));
        data += 3;
        size -= 3;

        if (mode & MODE_TEMPLATE)
                len = build_template(before, mode & MODE_IPV6, data, size);
        else {
                len = MIN(size, (size_t) FRAME_MAX);
                memcpy(before, data, len);
        }

        found = segment_find(before, len, &seg);
        if (found && !(mode & MODE_KEEP_CHECKSUM)) {
                be16_store(before + seg.off + 16, 0);
                be16_store(before + seg.off + 16, (uint16_t) ~tcp_sum(before, &seg));
        }
        if (found)
                valid_before = tcp_sum(before, &seg) == 0xffff;

        /* An exact-size heap copy, so ASan sees any read past the end. */
        frame = malloc(len > 0 ? len : 1);
        if (!frame)
                abort();
        memcpy(frame, before, len);

        r = mss_clamp_frame(frame, len, mtu);
        if (r != 0 && r != 1)
                abort();

        if (r == 0) {
                if (memcmp(frame, before, len) != 0)
                        abort();
        } else {
                size_t header_len;

                if (!found)
                        abort();
                header_len = (size_t) (before[seg.off + 12] >> 4) * 4;
                for (size_t i = 0; i < len; i++) {
                        if (frame[i] == before[i])
                                continue;
                        if (i == seg.off + 16 || i == seg.off + 17)
                                continue;
                        if (i < seg.off + 20 || i >= seg.off + header_len)
                                abort();
                }
                if (valid_before && tcp_sum(frame, &seg) != 0xffff)
                        abort();

                /* Each changed option byte belongs to a 16-bit value that now
                 * equals the limit. */
                limit = (uint16_t) (mtu - (be16_load(before + 12) == 0x0800 ? 40 : 60));
                for (size_t i = seg.off + 20; i < seg.off + header_len; i++) {
                        if (frame[i] == before[i])
                                continue;
                        if (!(i + 1 < seg.off + header_len && be16_load(frame + i) == limit) &&
                            !(i > seg.off + 20 && be16_load(frame + i - 1) == limit))
                                abort();
                }

                if (mss_clamp_frame(frame, len, mtu) != 0)
                        abort();
        }

        free(frame);
        return 0;
}
