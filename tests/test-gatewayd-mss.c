/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>

#include "gatewayd-mss.h"
#include "macro.h"
#include "test-util.h"
#include "test-inet-sum.h"

/* Frames are built here from a small description, and every checksum the
 * tests compare against is computed from scratch over the pseudo-header and
 * the whole segment, never incrementally, so it checks the module's RFC 1624
 * arithmetic independently. */

#define MTU 1400
#define LIMIT4 (MTU - 40)
#define LIMIT6 (MTU - 60)

typedef struct Spec {
        int family;               /* 4 or 6 */
        size_t ip_opts_len;       /* IPv4 options, multiple of 4 */
        const uint8_t *ext;       /* IPv6 extension header types, in order */
        size_t n_ext;
        uint8_t tcp_flags;
        const uint8_t *opts;      /* TCP options, padded to a multiple of 4 */
        size_t opts_len;
        size_t payload_len;
        size_t padding;           /* Ethernet padding after the IP packet */
        uint8_t seed;             /* varies addresses and payload, hence the checksum */
} Spec;

typedef struct Built {
        size_t len;               /* whole frame */
        size_t tcp_off;           /* TCP header offset in the frame */
        size_t seg_len;
} Built;

/* The one's complement sum over pseudo-header and segment, checksum field
 * included: 0xffff when the checksum is right. */
static uint16_t tcp_sum(const uint8_t *frame, const Built *b) {
        const uint8_t *ip = frame + 14;
        uint8_t pseudo[40];
        uint32_t sum;

        if (ip[0] >> 4 == 4) {
                memcpy(pseudo, ip + 12, 8);
                pseudo[8] = 0;
                pseudo[9] = 6;
                be16_store(pseudo + 10, (uint16_t) b->seg_len);
                sum = test_sum16(0, pseudo, 12);
        } else {
                memcpy(pseudo, ip + 8, 32);
                sum = test_sum16(0, pseudo, 32);
                sum += (uint32_t) b->seg_len >> 16;
                sum += (uint32_t) b->seg_len & 0xffff;
                sum += 6;
        }
        return test_fold(test_sum16(sum, frame + b->tcp_off, b->seg_len));
}

static bool tcp_checksum_ok(const uint8_t *frame, const Built *b) {
        return tcp_sum(frame, b) == 0xffff;
}

static void tcp_checksum_fill(uint8_t *frame, const Built *b) {
        be16_store(frame + b->tcp_off + 16, 0);
        be16_store(frame + b->tcp_off + 16, (uint16_t) ~tcp_sum(frame, b));
}

static Built build(uint8_t *f, size_t size, const Spec *s) {
        size_t ip_hdr, tcp_hdr = 20 + s->opts_len, off;
        Built b = {};

        CHECK(s->opts_len % 4 == 0 && s->ip_opts_len % 4 == 0);
        memset(f, 0, size);
        for (size_t i = 0; i < 6; i++) {
                f[i] = (uint8_t) (0x02 + i);
                f[6 + i] = (uint8_t) (0x12 + i);
        }

        if (s->family == 4) {
                ip_hdr = 20 + s->ip_opts_len;
                be16_store(f + 12, 0x0800);
                f[14] = (uint8_t) (0x40 | ip_hdr / 4);
                be16_store(f + 16, (uint16_t) (ip_hdr + tcp_hdr + s->payload_len));
                f[14 + 8] = 64;
                f[14 + 9] = 6;
                for (size_t i = 0; i < 8; i++)
                        f[14 + 12 + i] = (uint8_t) (10 + i * s->seed);
                for (size_t i = 0; i < s->ip_opts_len; i++)
                        f[14 + 20 + i] = 1; /* IPv4 NOP options */
        } else {
                ip_hdr = 40 + 8 * s->n_ext;
                be16_store(f + 12, 0x86DD);
                f[14] = 0x60;
                be16_store(f + 14 + 4, (uint16_t) (ip_hdr - 40 + tcp_hdr + s->payload_len));
                f[14 + 6] = s->n_ext > 0 ? s->ext[0] : 6;
                f[14 + 7] = 64;
                for (size_t i = 0; i < 32; i++)
                        f[14 + 8 + i] = (uint8_t) (0x20 + i * s->seed);
                for (size_t i = 0; i < s->n_ext; i++) {
                        uint8_t *e = f + 14 + 40 + 8 * i;
                        e[0] = i + 1 < s->n_ext ? s->ext[i + 1] : 6;
                        e[1] = 0; /* 8 bytes */
                        e[2] = 1; /* PadN filling the rest */
                        e[3] = 4;
                }
        }

        off = 14 + ip_hdr;
        CHECK(off + tcp_hdr + s->payload_len + s->padding <= size);
        be16_store(f + off, 40000);
        be16_store(f + off + 2, 80);
        be32_store(f + off + 4, 0x01020304u * s->seed);
        f[off + 12] = (uint8_t) (tcp_hdr / 4 << 4);
        f[off + 13] = s->tcp_flags;
        be16_store(f + off + 14, 64240);
        memcpy(f + off + 20, s->opts, s->opts_len);
        for (size_t i = 0; i < s->payload_len; i++)
                f[off + tcp_hdr + i] = (uint8_t) (i * 7 + s->seed);

        b.tcp_off = off;
        b.seg_len = tcp_hdr + s->payload_len;
        b.len = off + b.seg_len + s->padding;
        tcp_checksum_fill(f, &b);
        CHECK(tcp_checksum_ok(f, &b));
        return b;
}

/* Runs the clamp and checks the outcome: `expect_mss` is the value the
 * option at `mss_at` (offset in the TCP header) must hold afterwards, and
 * nothing but that option and the checksum may change. */
static void clamp_and_check(uint8_t *f, const Built *b, uint16_t mtu, int expect_r, size_t mss_at,
                            uint16_t expect_mss) {
        uint8_t before[2048];
        uint8_t *exact;
        int r;

        /* Clamp a copy in a buffer of exactly the frame's size, so ASan
         * catches any read past the end. */
        CHECK(exact = malloc(b->len > 0 ? b->len : 1));
        memcpy(exact, f, b->len);
        memcpy(before, f, b->len);
        r = mss_clamp_frame(exact, b->len, mtu);
        memcpy(f, exact, b->len);
        free(exact);
        CHECK_EQ_INT(r, expect_r);
        if (r == 0) {
                CHECK_MEM(before, f, b->len);
                return;
        }
        CHECK(tcp_checksum_ok(f, b));
        CHECK_EQ_INT(be16_load(f + b->tcp_off + mss_at), expect_mss);
        for (size_t i = 0; i < b->len; i++) {
                size_t rel = i - b->tcp_off;
                if (i >= b->tcp_off && (rel == 16 || rel == 17 || rel == mss_at || rel == mss_at + 1))
                        continue;
                CHECK_EQ_INT(f[i], before[i]);
        }
        /* The incremental result equals a full recomputation. */
        memcpy(before, f, b->len);
        tcp_checksum_fill(before, b);
        CHECK_MEM(before, f, b->len);
}

static const uint8_t opts_mss1460[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};

static void test_caller_errors(void) {
        uint8_t f[128] = {};

        CHECK_EQ_INT(mss_clamp_frame(NULL, 60, MTU), -EINVAL);
        CHECK_EQ_INT(mss_clamp_frame(f, sizeof(f), 0), -EINVAL);
        CHECK_EQ_INT(mss_clamp_frame(f, sizeof(f), 575), -EINVAL);
        CHECK_EQ_INT(mss_clamp_frame(f, sizeof(f), 1501), -EINVAL);
        CHECK_EQ_INT(mss_clamp_frame(f, sizeof(f), UINT16_MAX), -EINVAL);
        CHECK_EQ_INT(mss_clamp_frame(NULL, 0, MTU), 0);
        CHECK_EQ_INT(mss_clamp_frame(f, 0, MTU), 0);
        CHECK_EQ_INT(mss_clamp_frame(f, sizeof(f), 576), 0);
        CHECK_EQ_INT(mss_clamp_frame(f, sizeof(f), 1500), 0);
}

/* Every prefix of a clampable frame: the IP length fields then claim more
 * than is there, and nothing may change. */
static void test_truncated(void) {
        const int families[] = {4, 6};

        for (size_t k = 0; k < ELEMENTSOF(families); k++) {
                const uint8_t ext[] = {0, 60};
                uint8_t f[256];
                Spec s = {.family = families[k], .tcp_flags = 0x02, .opts = opts_mss1460,
                          .opts_len = sizeof(opts_mss1460), .payload_len = 3, .ext = ext, .n_ext = 2};
                Built b = build(f, sizeof(f), &s);

                for (size_t len = 0; len < b.len; len++) {
                        Built cut = b;
                        cut.len = len;
                        clamp_and_check(f, &cut, MTU, 0, 0, 0);
                }
                clamp_and_check(f, &b, MTU, 1, 22, s.family == 4 ? LIMIT4 : LIMIT6);
        }
}

static void test_ipv4_header_lies(void) {
        uint8_t f[256];
        Spec s = {.family = 4, .tcp_flags = 0x02, .opts = opts_mss1460, .opts_len = sizeof(opts_mss1460)};
        Built b;

        /* IHL below 5 and IHL past the total length. In between the header
         * lies consistently and TCP is read from the wrong place: whatever
         * the outcome, it must not crash or report an error. */
        for (uint8_t ihl = 0; ihl < 16; ihl++) {
                b = build(f, sizeof(f), &s);
                f[14] = (uint8_t) (0x40 | ihl);
                if (ihl < 5 || ihl * 4 > 48)
                        clamp_and_check(f, &b, MTU, 0, 0, 0);
                else if (ihl > 5)
                        CHECK(mss_clamp_frame(f, b.len, MTU) >= 0);
        }

        /* Total length shorter than the header, shorter than the TCP
         * header, longer than the frame. */
        const uint16_t totals[] = {0, 19, 20, 39, 47, 0xffff};
        for (size_t i = 0; i < ELEMENTSOF(totals); i++) {
                b = build(f, sizeof(f), &s);
                be16_store(f + 16, totals[i]);
                clamp_and_check(f, &b, MTU, 0, 0, 0);
        }

        /* Not version 4 behind the IPv4 EtherType. */
        b = build(f, sizeof(f), &s);
        f[14] = 0x65;
        clamp_and_check(f, &b, MTU, 0, 0, 0);

        /* Not TCP. */
        b = build(f, sizeof(f), &s);
        f[14 + 9] = 17;
        clamp_and_check(f, &b, MTU, 0, 0, 0);
}

static void test_ipv4_fragments(void) {
        const uint16_t frag[] = {0x2000 /* MF */, 0x0001, 0x1fff, 0x2001};
        uint8_t f[256];
        Spec s = {.family = 4, .tcp_flags = 0x02, .opts = opts_mss1460, .opts_len = sizeof(opts_mss1460)};

        for (size_t i = 0; i < ELEMENTSOF(frag); i++) {
                Built b = build(f, sizeof(f), &s);
                be16_store(f + 14 + 6, frag[i]);
                clamp_and_check(f, &b, MTU, 0, 0, 0);
        }

        /* DF alone is not a fragment. */
        Built b = build(f, sizeof(f), &s);
        be16_store(f + 14 + 6, 0x4000);
        clamp_and_check(f, &b, MTU, 1, 22, LIMIT4);
}

static void test_tcp_data_offset_lies(void) {
        uint8_t f[256];
        Spec s = {.family = 4, .tcp_flags = 0x02, .opts = opts_mss1460, .opts_len = sizeof(opts_mss1460)};

        for (uint8_t doff = 0; doff < 16; doff++) {
                Built b = build(f, sizeof(f), &s);
                f[b.tcp_off + 12] = (uint8_t) (doff << 4);
                tcp_checksum_fill(f, &b);
                if (doff < 5 || doff > 7)
                        clamp_and_check(f, &b, MTU, 0, 0, 0);
                else if (doff >= 6) /* 6 still covers the MSS option */
                        clamp_and_check(f, &b, MTU, 1, 22, LIMIT4);
                else
                        clamp_and_check(f, &b, MTU, 0, 0, 0);
        }
}

static void test_hostile_options(void) {
        static const struct {
                uint8_t opts[12];
                size_t len;
        } cases[] = {
                {{2, 0, 0x05, 0xb4}, 4},                      /* length 0 */
                {{2, 1, 0x05, 0xb4}, 4},                      /* length 1 */
                {{2, 5, 0x05, 0xb4}, 4},                      /* past the header */
                {{2, 3, 0x05, 0xb4}, 4},                      /* MSS with the wrong length */
                {{2, 6, 0x05, 0xb4, 0, 0, 1, 1}, 8},          /* MSS with the wrong length */
                {{0, 2, 2, 4, 0x05, 0xb4, 1, 1}, 8},          /* after EOL */
                {{3, 1, 2, 4, 0x05, 0xb4, 1, 1}, 8},          /* length 1 before it */
                {{8, 0, 2, 4, 0x05, 0xb4, 1, 1}, 8},          /* zero-length option before it */
                {{8, 10, 1, 1, 2, 4, 0x05, 0xb4}, 8},         /* option swallowing it runs past the end */
                {{1, 1, 1, 1, 1, 1, 1, 2}, 8},                /* kind in the last byte, no length */
                {{1, 1, 1, 1, 1, 1, 2, 4}, 8},                /* MSS cut by the header end */
                {{1, 1, 1, 1, 1, 2, 4, 0x05}, 8},             /* MSS cut by the header end */
                {{4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0}, 12},  /* SACK-permitted and timestamps, no MSS */
        };
        uint8_t f[256];

        /* With a payload that reads as a huge MSS, so an option walk that
         * overruns the header would clamp it, and without one, so it would
         * read past the end of the frame. */
        for (size_t payload = 0; payload <= 4; payload += 4)
                for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                        Spec s = {.family = 4, .tcp_flags = 0x02, .opts = cases[i].opts,
                                  .opts_len = cases[i].len, .payload_len = payload, .seed = 0xf0};
                        Built b = build(f, sizeof(f), &s);
                        clamp_and_check(f, &b, MTU, 0, 0, 0);
                }
}

static void test_ipv6_ext_headers(void) {
        uint8_t f[512];
        const uint8_t walkable[] = {0, 43, 60};
        const uint8_t stop[][2] = {{44, 6}, {51, 6}, {50, 6}, {59, 6}, {0, 44}, {17, 6}};
        Spec s = {.family = 6, .tcp_flags = 0x12, .opts = opts_mss1460, .opts_len = sizeof(opts_mss1460)};
        Built b;

        /* Hop-by-Hop, Routing, Destination Options are walked. */
        s.ext = walkable;
        s.n_ext = 3;
        b = build(f, sizeof(f), &s);
        clamp_and_check(f, &b, MTU, 1, 22, LIMIT6);

        /* Fragment, AH, ESP, No Next Header, UDP stop the walk. */
        for (size_t i = 0; i < ELEMENTSOF(stop); i++) {
                s.ext = stop[i];
                s.n_ext = 2;
                b = build(f, sizeof(f), &s);
                clamp_and_check(f, &b, MTU, 0, 0, 0);
        }

        /* Extension header lengths that lie: past the payload, or pointing
         * the walk into the TCP header. */
        s.ext = walkable;
        s.n_ext = 1;
        for (size_t payload = 0; payload < 8; payload++)
                for (unsigned hlen = 1; hlen < 256; hlen++) {
                        s.payload_len = payload;
                        b = build(f, sizeof(f), &s);
                        f[14 + 40 + 1] = (uint8_t) hlen;
                        clamp_and_check(f, &b, MTU, 0, 0, 0);
                }
        s.payload_len = 0;

        /* Payload length 0 (jumbogram) and one past the frame. */
        s.n_ext = 0;
        b = build(f, sizeof(f), &s);
        be16_store(f + 14 + 4, 0);
        clamp_and_check(f, &b, MTU, 0, 0, 0);
        b = build(f, sizeof(f), &s);
        be16_store(f + 14 + 4, (uint16_t) (b.seg_len + 1));
        clamp_and_check(f, &b, MTU, 0, 0, 0);

        /* A payload too short for the extension header it announces. */
        b = build(f, sizeof(f), &s);
        f[14 + 6] = 0;
        be16_store(f + 14 + 4, 7);
        clamp_and_check(f, &b, MTU, 0, 0, 0);
}

static void test_not_syn_or_not_ip(void) {
        uint8_t f[256];
        Spec s = {.family = 4, .opts = opts_mss1460, .opts_len = sizeof(opts_mss1460)};
        const uint8_t flags[] = {0x00, 0x10, 0x18, 0x11, 0x04, 0x01};
        Built b;

        for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
                s.tcp_flags = flags[i];
                b = build(f, sizeof(f), &s);
                clamp_and_check(f, &b, MTU, 0, 0, 0);
        }

        /* VLAN tagged, ARP, and an 802.3 length field. */
        const uint16_t types[] = {0x8100, 0x88A8, 0x0806, 0x0040};
        s.tcp_flags = 0x02;
        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                b = build(f, sizeof(f), &s);
                be16_store(f + 12, types[i]);
                clamp_and_check(f, &b, MTU, 0, 0, 0);
        }
}

static void test_clamp_ipv4(void) {
        uint8_t f[256];
        Spec s = {.family = 4, .tcp_flags = 0x02, .opts = opts_mss1460, .opts_len = sizeof(opts_mss1460)};
        Built b;

        b = build(f, sizeof(f), &s);
        clamp_and_check(f, &b, MTU, 1, 22, LIMIT4);
        /* Idempotent. */
        clamp_and_check(f, &b, MTU, 0, 0, 0);

        /* SYN-ACK, IPv4 options of every size, payload, Ethernet padding. */
        s.tcp_flags = 0x12;
        for (size_t o = 0; o <= 40; o += 4) {
                s.ip_opts_len = o;
                s.payload_len = o / 4;
                s.padding = o % 8;
                b = build(f, sizeof(f), &s);
                clamp_and_check(f, &b, 576, 1, 22, 576 - 40);
        }

        /* Already small enough, and exactly at the limit. */
        s = (Spec) {.family = 4, .tcp_flags = 0x02, .opts = opts_mss1460, .opts_len = sizeof(opts_mss1460)};
        b = build(f, sizeof(f), &s);
        clamp_and_check(f, &b, 1500, 0, 0, 0);
        be16_store(f + b.tcp_off + 22, LIMIT4);
        tcp_checksum_fill(f, &b);
        clamp_and_check(f, &b, MTU, 0, 0, 0);
        be16_store(f + b.tcp_off + 22, LIMIT4 + 1);
        tcp_checksum_fill(f, &b);
        clamp_and_check(f, &b, MTU, 1, 22, LIMIT4);
}

/* The MSS value at an odd offset straddles two checksum words. */
static void test_odd_offset_and_duplicates(void) {
        const uint8_t odd[] = {1, 2, 4, 0x23, 0x28, 1, 1, 0};
        const uint8_t twice[] = {2, 4, 0x05, 0xb4, 1, 2, 4, 0xff, 0xff, 0, 0, 0};
        uint8_t f[256];
        Spec s = {.family = 6, .tcp_flags = 0x02, .opts = odd, .opts_len = sizeof(odd)};
        Built b;

        for (uint8_t seed = 0; seed < 64; seed++) {
                s.seed = seed;
                s.payload_len = seed % 5;
                b = build(f, sizeof(f), &s);
                clamp_and_check(f, &b, MTU, 1, 23, LIMIT6);
        }

        s = (Spec) {.family = 4, .tcp_flags = 0x02, .opts = twice, .opts_len = sizeof(twice)};
        b = build(f, sizeof(f), &s);
        CHECK_EQ_INT(mss_clamp_frame(f, b.len, MTU), 1);
        CHECK(tcp_checksum_ok(f, &b));
        CHECK_EQ_INT(be16_load(f + b.tcp_off + 22), LIMIT4);
        CHECK_EQ_INT(be16_load(f + b.tcp_off + 27), LIMIT4);
}

/* Every MSS value at both alignments against a spread of checksums,
 * including results that land on 0x0000 and 0xffff. */
static void test_checksum_sweep(void) {
        uint8_t opts[8] = {1, 1, 1, 1, 1, 1, 1, 1};
        uint8_t f[256];
        unsigned verified = 0;

        for (size_t at = 20; at <= 23; at++)
                for (uint32_t mss = 0; mss <= 0xffff; mss += 97) {
                        Spec s = {.family = 4, .tcp_flags = 0x02, .opts = opts, .opts_len = sizeof(opts),
                                  .seed = (uint8_t) mss, .payload_len = mss % 3};
                        Built b;

                        memset(opts, 1, sizeof(opts));
                        opts[at - 20] = 2;
                        opts[at - 20 + 1] = 4;
                        be16_store(opts + at - 20 + 2, (uint16_t) mss);
                        b = build(f, sizeof(f), &s);
                        clamp_and_check(f, &b, MTU, mss > LIMIT4, at + 2, mss > LIMIT4 ? LIMIT4 : 0);
                        verified++;
                }
        CHECK(verified > 2000);
}

int main(void) {
        RUN(test_caller_errors);
        RUN(test_truncated);
        RUN(test_ipv4_header_lies);
        RUN(test_ipv4_fragments);
        RUN(test_tcp_data_offset_lies);
        RUN(test_hostile_options);
        RUN(test_ipv6_ext_headers);
        RUN(test_not_syn_or_not_ip);
        RUN(test_clamp_ipv4);
        RUN(test_odd_offset_and_duplicates);
        RUN(test_checksum_sweep);
        return 0;
}
