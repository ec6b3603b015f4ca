/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>

#include "gatewayd-csum.h"
#include "gatewayd-gso.h"
#include "macro.h"
#include "test-util.h"
#include "test-inet-sum.h"

/* Super-frames are built here by hand, cut, and every segment is checked
 * on its own: lengths, ids, sequence numbers and flags against what the
 * super-frame said, and every checksum verified the way a receiver does
 * (the sum over header or pseudo-header and segment, checksum field
 * included, must come out as 0xffff), with arithmetic of this file's own,
 * not the module's. The payloads glued back together must be the
 * original's. */

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80
#define OUT_SIZE 1518

typedef struct Spec {
        int family;           /* 4 or 6 */
        bool udp;
        size_t ip_opts;       /* IPv4 option bytes, a multiple of 4 */
        size_t tcp_opts;      /* TCP option bytes, a multiple of 4 */
        size_t payload;
        uint16_t ip_id;
        uint32_t seq;
        uint8_t flags;
} Spec;

typedef struct Built {
        size_t len, l4, hdr_len;
} Built;

static uint8_t payload_byte(size_t i) {
        return (uint8_t) (i * 7 + (i >> 8));
}

static Built build(uint8_t *f, const Spec *s) {
        Built b = {};
        uint8_t *ip = f + 14;
        size_t l3_len;

        memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
        if (s->family == 4) {
                be16_store(f + 12, 0x0800);
                l3_len = 20 + s->ip_opts;
                memset(ip, 0, l3_len);
                ip[0] = (uint8_t) (0x40 | l3_len / 4);
                be16_store(ip + 4, s->ip_id);
                be16_store(ip + 6, 0x4000); /* DF */
                ip[8] = 64;
                ip[9] = s->udp ? 17 : 6;
                memcpy(ip + 12, "\xc0\x00\x02\x0a\xc0\x00\x02\xc9", 8);
                for (size_t i = 20; i < l3_len; i++)
                        ip[i] = 1; /* NOP options */
        } else {
                be16_store(f + 12, 0x86dd);
                l3_len = 40;
                memset(ip, 0, 40);
                ip[0] = 0x60;
                ip[6] = s->udp ? 17 : 6;
                ip[7] = 64;
                memcpy(ip + 8, "\x20\x01\x0d\xb8\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0a", 16);
                memcpy(ip + 24, "\x20\x01\x0d\xb8\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x02\x01", 16);
        }
        b.l4 = 14 + l3_len;
        if (s->udp) {
                uint8_t *u = f + b.l4;
                be16_store(u, 4433);
                be16_store(u + 2, 50000);
                be16_store(u + 4, (uint16_t) (8 + s->payload));
                be16_store(u + 6, 0x1234); /* whatever: the segments get their own */
                b.hdr_len = b.l4 + 8;
        } else {
                uint8_t *t = f + b.l4;
                size_t doff = 20 + s->tcp_opts;

                memset(t, 0, doff);
                be16_store(t, 5001);
                be16_store(t + 2, 40000);
                be32_store(t + 4, s->seq);
                be32_store(t + 8, 0xa0b0c0d0);
                t[12] = (uint8_t) (doff / 4 << 4);
                t[13] = s->flags;
                be16_store(t + 14, 501);
                be16_store(t + 16, 0xbeef); /* a leftover, as GRO leaves it */
                for (size_t i = 20; i < doff; i++)
                        t[i] = 1;
                b.hdr_len = b.l4 + doff;
        }
        for (size_t i = 0; i < s->payload; i++)
                f[b.hdr_len + i] = payload_byte(i);
        b.len = b.hdr_len + s->payload;
        if (s->family == 4)
                be16_store(ip + 2, (uint16_t) (b.len - 14));
        else
                be16_store(ip + 4, (uint16_t) (b.len - 54));
        return b;
}

/* The receiver's check of the transport checksum. */
static bool l4_checksum_ok(const uint8_t *seg, size_t len, size_t l4, int family, uint8_t proto) {
        const uint8_t *ip = seg + 14;
        uint32_t sum = 0;

        if (family == 4)
                sum = test_sum16(sum, ip + 12, 8);
        else
                sum = test_sum16(sum, ip + 8, 32);
        sum += proto;
        sum += (uint32_t) (len - l4);
        sum = test_sum16(sum, seg + l4, len - l4);
        return test_fold(sum) == 0xffff;
}

typedef struct Collected {
        size_t n;
        size_t len[128];
        uint8_t seg[128][OUT_SIZE];
} Collected;

static void collect(uint8_t *segment, size_t len, void *userdata) {
        Collected *c = userdata;

        CHECK(c->n < ELEMENTSOF(c->len));
        CHECK(len <= OUT_SIZE);
        memcpy(c->seg[c->n], segment, len);
        c->len[c->n++] = len;
}

static Collected collected;

/* Cuts the super-frame of `s` in segments of `mss` and checks each. */
static void check_cut(const Spec *s, uint16_t mss) {
        static uint8_t f[70000];
        Built b = build(f, s);
        GsoInfo gso = {
                .type = s->udp ? GSO_UDP_L4 : s->family == 4 ? GSO_TCPV4 : GSO_TCPV6,
                .size = mss,
                .needs_csum = true,
                .csum_start = (uint16_t) b.l4,
                .csum_offset = s->udp ? 6 : 16,
        };
        uint8_t out[OUT_SIZE];
        size_t want = s->payload == 0 ? 1 : (s->payload + mss - 1) / mss, offset = 0;
        int r;

        collected.n = 0;
        r = gso_segment(f, b.len, &gso, out, sizeof(out), collect, &collected);
        CHECK_EQ_INT(r, want);
        CHECK_EQ_INT(collected.n, want);

        for (size_t i = 0; i < want; i++) {
                const uint8_t *g = collected.seg[i], *ip = g + 14, *l4 = g + b.l4;
                size_t chunk = MIN((size_t) mss, s->payload - offset);
                uint8_t proto = s->udp ? 17 : 6;

                CHECK_EQ_INT(collected.len[i], b.hdr_len + chunk);
                CHECK_MEM(g, f, 14);
                if (s->family == 4) {
                        CHECK_EQ_INT(be16_load(ip + 2), b.hdr_len - 14 + chunk);
                        CHECK_EQ_INT(be16_load(ip + 4), (uint16_t) (s->ip_id + i));
                        CHECK_EQ_INT(be16_load(ip + 6), 0x4000);
                        CHECK_MEM(ip + 12, f + 14 + 12, 8);
                        CHECK_EQ_INT(test_fold(test_sum16(0, ip, b.l4 - 14)), 0xffff);
                } else {
                        CHECK_EQ_INT(be16_load(ip + 4), b.hdr_len - 54 + chunk);
                        CHECK_MEM(ip + 6, f + 14 + 6, 34);
                }
                if (s->udp) {
                        CHECK_EQ_INT(be16_load(l4 + 4), 8 + chunk);
                        CHECK(be16_load(l4 + 6) != 0);
                        CHECK_MEM(l4, f + b.l4, 4);
                } else {
                        uint8_t flags = s->flags;

                        if (i + 1 < want)
                                flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
                        if (i > 0)
                                flags &= (uint8_t) ~TCP_CWR;
                        CHECK_EQ_INT(be32_load(l4 + 4), (uint32_t) (s->seq + offset));
                        CHECK_EQ_INT(l4[13], flags);
                        CHECK_MEM(l4 + 8, f + b.l4 + 8, 5); /* ack, data offset */
                        CHECK_MEM(l4 + 14, f + b.l4 + 14, 2); /* window */
                        CHECK_MEM(l4 + 20, f + b.l4 + 20, b.hdr_len - b.l4 - 20); /* options */
                }
                CHECK(l4_checksum_ok(g, collected.len[i], b.l4, s->family, proto));
                CHECK_MEM(g + b.hdr_len, f + b.hdr_len + offset, chunk);
                offset += chunk;
        }
        CHECK_EQ_INT(offset, s->payload);
}

static void test_tcpv4(void) {
        /* Timestamps and an IPv4 option; ends in PSH and FIN; ECN's CWR. */
        check_cut(&(Spec) {.family = 4, .ip_opts = 4, .tcp_opts = 12, .payload = 10000, .ip_id = 0x1234,
                           .seq = 1000, .flags = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR},
                  1448);
        /* The largest: 64 KiB of payload, the id and sequence wrapping. */
        check_cut(&(Spec) {.family = 4, .payload = 65535 - 40, .ip_id = 0xfffe, .seq = 0xffffff00,
                           .flags = TCP_ACK},
                  1460);
        /* One byte per segment is silly but legal. */
        check_cut(&(Spec) {.family = 4, .payload = 5, .flags = TCP_ACK | TCP_PSH}, 1);
        /* Less than one segment of payload, and none at all. */
        check_cut(&(Spec) {.family = 4, .payload = 100, .flags = TCP_ACK | TCP_PSH}, 1448);
        check_cut(&(Spec) {.family = 4, .payload = 0, .flags = TCP_ACK | TCP_FIN}, 1448);
}

static void test_tcpv6(void) {
        /* An exact multiple: the last full segment carries FIN. */
        check_cut(&(Spec) {.family = 6, .tcp_opts = 12, .payload = 3000, .seq = 7, .flags = TCP_ACK | TCP_FIN},
                  1000);
        check_cut(&(Spec) {.family = 6, .payload = 65535 - 20, .seq = 1, .flags = TCP_ACK | TCP_CWR}, 1440);
}

static void test_udp_l4(void) {
        check_cut(&(Spec) {.family = 4, .udp = true, .payload = 3500, .ip_id = 9}, 1200);
        check_cut(&(Spec) {.family = 6, .udp = true, .payload = 3500}, 1200);
        check_cut(&(Spec) {.family = 6, .udp = true, .payload = 1200}, 1200);
}

static void count_only(uint8_t *segment, size_t len, void *userdata) {
        (*(size_t *) userdata)++;
}

static int cut(uint8_t *f, size_t len, GsoType type, uint16_t mss, size_t out_size, size_t *emitted) {
        static uint8_t out[70000];
        GsoInfo gso = {.type = type, .size = mss};

        *emitted = 0;
        return gso_segment(f, len, &gso, out, out_size, count_only, emitted);
}

static void test_refused(void) {
        static uint8_t f[70000];
        uint8_t out[OUT_SIZE];
        GsoInfo gso = {.type = GSO_TCPV4, .size = 1448};
        size_t emitted;
        Built b;

        /* Caller errors. */
        b = build(f, &(Spec) {.family = 4, .payload = 4000, .flags = TCP_ACK});
        CHECK_EQ_INT(gso_segment(NULL, b.len, &gso, out, sizeof(out), count_only, &emitted), -EINVAL);
        CHECK_EQ_INT(gso_segment(f, b.len, NULL, out, sizeof(out), count_only, &emitted), -EINVAL);
        CHECK_EQ_INT(gso_segment(f, b.len, &gso, NULL, sizeof(out), count_only, &emitted), -EINVAL);
        CHECK_EQ_INT(gso_segment(f, b.len, &gso, out, sizeof(out), NULL, &emitted), -EINVAL);
        CHECK_EQ_INT(cut(f, b.len, GSO_NONE, 1448, OUT_SIZE, &emitted), -EINVAL);
        CHECK_EQ_INT(cut(f, b.len, (GsoType) 99, 1448, OUT_SIZE, &emitted), -EINVAL);
        CHECK_EQ_INT(cut(f, b.len, GSO_UNSUPPORTED, 1448, OUT_SIZE, &emitted), -EPROTONOSUPPORT);
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 0, OUT_SIZE, &emitted), -EBADMSG);
        CHECK_EQ_INT(emitted, 0);

        /* The type does not match the frame. */
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV6, 1448, OUT_SIZE, &emitted), -EBADMSG);
        CHECK_EQ_INT(cut(f, b.len, GSO_UDP_L4, 1448, OUT_SIZE, &emitted), -EBADMSG);
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), 3);
        b = build(f, &(Spec) {.family = 6, .udp = true, .payload = 4000});
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), -EBADMSG);
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV6, 1448, OUT_SIZE, &emitted), -EBADMSG);
        CHECK_EQ_INT(cut(f, b.len, GSO_UDP_L4, 1448, OUT_SIZE, &emitted), 3);

        /* Segments larger than the caller can take. */
        CHECK_EQ_INT(cut(f, b.len, GSO_UDP_L4, 1500, OUT_SIZE, &emitted), -EMSGSIZE);
        CHECK_EQ_INT(cut(f, b.len, GSO_UDP_L4, 1448, b.hdr_len + 1447, &emitted), -EMSGSIZE);
        CHECK_EQ_INT(cut(f, b.len, GSO_UDP_L4, 1448, b.hdr_len + 1448, &emitted), 3);
        CHECK_EQ_INT(emitted, 3);

        /* IPv6 extension headers: not ours to walk. */
        f[14 + 6] = 0; /* hop-by-hop */
        CHECK_EQ_INT(cut(f, b.len, GSO_UDP_L4, 1448, OUT_SIZE, &emitted), -EOPNOTSUPP);

        /* Not IP; IP of the wrong version; a fragment; a bad IHL; a TCP
         * data offset below 5 or beyond the packet; lengths beyond the
         * frame. Nothing is emitted for any. */
        b = build(f, &(Spec) {.family = 4, .payload = 4000, .flags = TCP_ACK});
        be16_store(f + 12, 0x0806);
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), -EBADMSG);
        be16_store(f + 12, 0x0800);
        f[14] = 0x65;
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), -EBADMSG);
        f[14] = 0x44;
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), -EBADMSG);
        f[14] = 0x45;
        be16_store(f + 14 + 6, 0x2000); /* MF */
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), -EBADMSG);
        be16_store(f + 14 + 6, 0x0001); /* offset 8 */
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), -EBADMSG);
        be16_store(f + 14 + 6, 0x4000);
        f[b.l4 + 12] = 0x40;
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), -EBADMSG);
        f[b.l4 + 12] = 0x80; /* 32 bytes: fits */
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), 3);
        be16_store(f + 16, 20 + 24); /* the IP packet ends inside the TCP options */
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), -EBADMSG);
        be16_store(f + 16, (uint16_t) (b.len - 14 + 1));
        CHECK_EQ_INT(cut(f, b.len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), -EBADMSG);
        CHECK_EQ_INT(emitted, 0);

        /* Every truncation of a good super-frame is refused whole. */
        b = build(f, &(Spec) {.family = 4, .tcp_opts = 12, .payload = 3000, .flags = TCP_ACK});
        for (size_t len = 0; len < b.len; len++) {
                CHECK_EQ_INT(cut(f, len, GSO_TCPV4, 1448, OUT_SIZE, &emitted), -EBADMSG);
                CHECK_EQ_INT(emitted, 0);
        }
        b = build(f, &(Spec) {.family = 6, .payload = 3000, .flags = TCP_ACK});
        for (size_t len = 0; len < b.len; len++)
                CHECK(cut(f, len, GSO_TCPV6, 1448, OUT_SIZE, &emitted) < 0);
}

/* Random damage to good super-frames: whatever comes out fits the buffer
 * (ASan watches the copies) and is never more than the payload allows. */
static void test_hostile(void) {
        static uint8_t f[70000];
        uint32_t x = 12345;

        for (int round = 0; round < 20000; round++) {
                Spec s = {.family = round % 2 ? 6 : 4, .udp = round % 3 == 0, .payload = (size_t) (round * 37) % 9000,
                          .flags = TCP_ACK};
                Built b = build(f, &s);
                size_t emitted, len = b.len;
                int r;

                for (int k = 0; k < 4; k++) {
                        x = x * 1103515245 + 12345;
                        f[(x >> 8) % MIN(b.len, (size_t) 80)] ^= (uint8_t) (x >> 24);
                }
                x = x * 1103515245 + 12345;
                if (x % 4 == 0)
                        len = (x >> 8) % (b.len + 1);
                r = cut(f, len, (GsoType) (1 + round % 3), (uint16_t) (1 + (x >> 16) % 1500), OUT_SIZE, &emitted);
                CHECK(r < 0 || (size_t) r == emitted);
                CHECK(r != 0);
                CHECK(r < 0 || emitted <= 65536);
        }
}

/* A partial checksum (the pseudo-header sum in the field) finished from the
 * kernel's offsets comes out as the one computed whole. */
static void test_partial(void) {
        static uint8_t f[2000], whole[2000];
        Built b = build(f, &(Spec) {.family = 4, .payload = 1000, .flags = TCP_ACK});
        uint32_t pseudo;

        memcpy(whole, f, b.len);
        CHECK_EQ_INT(csum_complete_frame(whole, b.len), 1);
        CHECK(l4_checksum_ok(whole, b.len, b.l4, 4, 6));

        pseudo = test_sum16(0, f + 14 + 12, 8) + 6 + (uint32_t) (b.len - b.l4);
        be16_store(f + b.l4 + 16, test_fold(pseudo));
        CHECK_EQ_INT(csum_complete_partial(f, b.len, b.l4, 16), 1);
        CHECK_MEM(f, whole, b.len);

        /* Offsets outside the frame: left alone. */
        CHECK_EQ_INT(csum_complete_partial(f, b.len, b.len, 0), 0);
        CHECK_EQ_INT(csum_complete_partial(f, b.len, b.len - 1, 0), 0);
        CHECK_EQ_INT(csum_complete_partial(f, b.len, b.len - 2, 0), 1);
        CHECK_EQ_INT(csum_complete_partial(f, b.len, b.l4, b.len), 0);
        CHECK_EQ_INT(csum_complete_partial(f, b.len, b.l4, SIZE_MAX), 0);
        CHECK_EQ_INT(csum_complete_partial(f, 0, 0, 0), 0);
        CHECK_EQ_INT(csum_complete_partial(NULL, 10, 0, 0), -EINVAL);
}

static void test_names(void) {
        CHECK_EQ_STR(gso_type_to_string(GSO_TCPV4), "tcpv4");
        CHECK_EQ_STR(gso_type_to_string(GSO_UDP_L4), "udp_l4");
        CHECK(!gso_type_to_string(_GSO_TYPE_MAX));
        CHECK(!gso_type_to_string((GsoType) -1));
        CHECK_EQ_STR(gso_error_to_string(-EPROTONOSUPPORT), "unsupported_type");
        CHECK_EQ_STR(gso_error_to_string(-EBADMSG), "malformed");
        CHECK_EQ_STR(gso_error_to_string(-EOPNOTSUPP), "extension_headers");
        CHECK_EQ_STR(gso_error_to_string(-EMSGSIZE), "segment_too_big");
        CHECK_EQ_STR(gso_error_to_string(-E2BIG), "above_64k");
        CHECK_EQ_STR(gso_error_to_string(-EINVAL), "invalid");
}

int main(void) {
        RUN(test_tcpv4);
        RUN(test_tcpv6);
        RUN(test_udp_l4);
        RUN(test_refused);
        RUN(test_hostile);
        RUN(test_partial);
        RUN(test_names);
        return 0;
}
