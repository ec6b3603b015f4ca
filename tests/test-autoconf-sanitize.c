/* SPDX-License-Identifier: MIT */
/* autoconf-sanitize.c: DHCPv4 replies, router advertisements and DHCPv6
 * replies from the party lose their gateway, route and DNS settings.
 *
 * Frames are built byte by byte here, shaped like what dnsmasq and radvd
 * send, and every expected output is built the same way from the options
 * that must stay, so each test compares whole frames. Checksums are made
 * and verified with this file's own routine, not the module's.
 *
 * Hostile inputs first: every truncation of every valid frame (in buffers
 * of exactly that size, so ASan and valgrind see any read past the end),
 * lengths that lie, options running past their end, option overload gone
 * wrong, fragments, extension headers, bad checksums. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf-sanitize.h"
#include "macro.h"
#include "test-util.h"

#define FRAME_MAX 2048

typedef struct Frame {
        uint8_t b[FRAME_MAX];
        size_t len;
} Frame;

typedef struct Opt {
        const uint8_t *p;
        size_t n;
} Opt;

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__})
#define OPT(...) ((Opt){BYTES(__VA_ARGS__), sizeof(BYTES(__VA_ARGS__))})

static const uint8_t mac_router[6] = {0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc};
static const uint8_t mac_client[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t mac_ipv6_all_nodes[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
static const uint8_t ipv6_router_ll[16] = {0xfe, 0x80, [15] = 0x01};
static const uint8_t ipv6_client_ll[16] = {0xfe, 0x80, [8] = 0x00, [9] = 0x11, [10] = 0x22, [11] = 0xff,
                                           [12] = 0xfe, [13] = 0x33, [14] = 0x44, [15] = 0x55};
static const uint8_t ipv6_all_nodes[16] = {0xff, 0x02, [15] = 0x01};

/* ---- building ------------------------------------------------------------------- */

static uint8_t *put(Frame *f, const void *p, size_t n) {
        uint8_t *at = f->b + f->len;

        CHECK(f->len + n <= sizeof(f->b));
        if (p)
                memcpy(at, p, n);
        else
                memset(at, 0, n);
        f->len += n;
        return at;
}

static void put8(Frame *f, uint8_t v) {
        put(f, &v, 1);
}

static void put16(Frame *f, uint16_t v) {
        be16_store(put(f, NULL, 2), v);
}

static void put32(Frame *f, uint32_t v) {
        be32_store(put(f, NULL, 4), v);
}

static void put_opts(Frame *f, const Opt *opts, size_t n) {
        for (size_t i = 0; i < n; i++)
                put(f, opts[i].p, opts[i].n);
}

static void ether(Frame *f, const uint8_t *dst, const uint8_t *src, uint16_t type) {
        f->len = 0;
        put(f, dst, 6);
        put(f, src, 6);
        put16(f, type);
}

/* This file's own RFC 1071 sum: byte by byte, folded as it goes. */
static uint16_t ref_sum(uint32_t sum, const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++) {
                sum += i % 2 == 0 ? (uint32_t) p[i] << 8 : p[i];
                if (sum > 0xffff)
                        sum = (sum & 0xffff) + 1;
        }
        return (uint16_t) sum;
}

static uint16_t ref_checksum(const uint8_t *pseudo, size_t pseudo_len, const uint8_t *data, size_t len) {
        return (uint16_t) ~ref_sum(ref_sum(0, pseudo, pseudo_len), data, len);
}

/* The IPv4 or IPv6 pseudo-header, byte by byte as the RFCs draw it. */
static size_t pseudo_header(const uint8_t *frame, uint8_t proto, size_t l4_len, uint8_t *buf) {
        const uint8_t *ip = frame + 14;

        if (ip[0] >> 4 == 4) {
                memcpy(buf, ip + 12, 8);
                buf[8] = 0;
                buf[9] = proto;
                be16_store(buf + 10, (uint16_t) l4_len);
                return 12;
        }
        memcpy(buf, ip + 8, 32);
        be32_store(buf + 32, (uint32_t) l4_len);
        buf[36] = buf[37] = buf[38] = 0;
        buf[39] = proto;
        return 40;
}

/* Offsets of the upper-layer header in our own frames: no IPv4 options,
 * no IPv6 extension headers. */
static size_t l4_offset(const uint8_t *frame) {
        return frame[14] >> 4 == 4 ? 14 + 20 : 14 + 40;
}

static uint8_t l4_proto(const uint8_t *frame) {
        return frame[14] >> 4 == 4 ? frame[14 + 9] : frame[14 + 6];
}

static size_t l4_len(const uint8_t *frame) {
        const uint8_t *ip = frame + 14;

        if (ip[0] >> 4 == 4)
                return be16_load(ip + 2) - 20u;
        return be16_load(ip + 4);
}

static size_t l4_checksum_offset(const uint8_t *frame) {
        return l4_offset(frame) + (l4_proto(frame) == 17 ? 6 : 2);
}

static bool l4_checksum_valid(const uint8_t *frame) {
        uint8_t pseudo[40];
        size_t n = pseudo_header(frame, l4_proto(frame), l4_len(frame), pseudo);

        return ref_checksum(pseudo, n, frame + l4_offset(frame), l4_len(frame)) == 0;
}

static void l4_checksum_fix(Frame *f, bool zero) {
        uint8_t pseudo[40];
        size_t field = l4_checksum_offset(f->b), n;
        uint16_t c;

        be16_store(f->b + field, 0);
        if (zero)
                return;
        n = pseudo_header(f->b, l4_proto(f->b), l4_len(f->b), pseudo);
        c = ref_checksum(pseudo, n, f->b + l4_offset(f->b), l4_len(f->b));
        be16_store(f->b + field, l4_proto(f->b) == 17 && c == 0 ? 0xffff : c);
}

static void ipv4_header(Frame *f, uint32_t src, uint32_t dst) {
        put8(f, 0x45);
        put8(f, 0x10);
        put16(f, 0); /* total length: ipv4_finish() */
        put16(f, 0);
        put16(f, 0);
        put8(f, 64);
        put8(f, 17);
        put16(f, 0);
        put32(f, src);
        put32(f, dst);
}

static void udp_header(Frame *f, uint16_t sport, uint16_t dport) {
        put16(f, sport);
        put16(f, dport);
        put16(f, 0);
        put16(f, 0);
}

/* Lengths of IPv4 and UDP from the frame's end, both checksums. */
static void ipv4_finish(Frame *f, bool zero_udp_checksum) {
        uint8_t *ip = f->b + 14;

        be16_store(ip + 2, (uint16_t) (f->len - 14));
        be16_store(ip + 10, 0);
        be16_store(ip + 10, ref_checksum(NULL, 0, ip, 20));
        be16_store(ip + 20 + 4, (uint16_t) (f->len - 14 - 20));
        l4_checksum_fix(f, zero_udp_checksum);
}

static void ipv6_header(Frame *f, uint8_t next, const uint8_t *src, const uint8_t *dst) {
        put32(f, 0x60000000);
        put16(f, 0); /* payload length: ipv6_finish() */
        put8(f, next);
        put8(f, 255);
        put(f, src, 16);
        put(f, dst, 16);
}

static void ipv6_finish(Frame *f) {
        be16_store(f->b + 14 + 4, (uint16_t) (f->len - 14 - 40));
        if (l4_proto(f->b) == 17)
                be16_store(f->b + 14 + 40 + 4, (uint16_t) (f->len - 14 - 40));
        l4_checksum_fix(f, false);
}

/* ---- DHCPv4 ----------------------------------------------------------------------- */

#define DHCP_MSG 42 /* where the DHCP message starts: 14 + 20 + 8 */

/* op .. file (236 bytes) and the magic cookie, as a reply to mac_client. */
static void dhcp_fixed(Frame *f, uint8_t op) {
        put8(f, op);
        put8(f, 1);
        put8(f, 6);
        put8(f, 0);
        put32(f, 0x3903f326);
        put16(f, 0);
        put16(f, 0x8000);
        put32(f, 0);
        put32(f, 0xc000027b); /* yiaddr 192.0.2.123 */
        put32(f, 0xc0000201);
        put32(f, 0);
        put(f, mac_client, 6);
        put(f, NULL, 10 + 64 + 128);
        put(f, BYTES(99, 130, 83, 99), 4);
}

/* What dnsmasq sends: the options, END, zeros up to `msg_len` bytes of
 * DHCP message (BOOTP's 300 at least). */
static void dhcp_frame(Frame *f, const Opt *opts, size_t n, size_t msg_len, bool zero_checksum) {
        ether(f, mac_client, mac_router, 0x0800);
        ipv4_header(f, 0xc0000201, 0xc000027b);
        udp_header(f, 67, 68);
        dhcp_fixed(f, 2);
        put_opts(f, opts, n);
        put8(f, 255);
        if (f->len < DHCP_MSG + msg_len)
                put(f, NULL, DHCP_MSG + msg_len - f->len);
        ipv4_finish(f, zero_checksum);
}

#define OPT_MSG_OFFER OPT(53, 1, 2)
#define OPT_MSG_ACK OPT(53, 1, 5)
#define OPT_SERVER_ID OPT(54, 4, 192, 0, 2, 1)
#define OPT_LEASE OPT(51, 4, 0, 0, 0x0e, 0x10)
#define OPT_T1 OPT(58, 4, 0, 0, 0x07, 0x08)
#define OPT_T2 OPT(59, 4, 0, 0, 0x0c, 0x4e)
#define OPT_MASK OPT(1, 4, 255, 255, 255, 0)
#define OPT_BROADCAST OPT(28, 4, 192, 0, 2, 255)
#define OPT_ROUTER OPT(3, 4, 192, 0, 2, 1)
#define OPT_DNS OPT(6, 8, 192, 0, 2, 53, 192, 0, 2, 54)
#define OPT_DOMAIN OPT(15, 13, 'p', 'a', 'r', 't', 'y', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e')
/* party.example, lan.example (RFC 1035 compression: 0xc0 06 → "example"). */
#define OPT_SEARCH OPT(119, 21, 5, 'p', 'a', 'r', 't', 'y', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 3, 'l', 'a', 'n', 0xc0, 0x06)
#define OPT_CLASSLESS OPT(121, 13, 0, 192, 0, 2, 1, 24, 203, 0, 113, 192, 0, 2, 1)
#define OPT_MS_CLASSLESS OPT(249, 5, 0, 192, 0, 2, 1)
#define OPT_STATIC OPT(33, 8, 203, 0, 113, 9, 192, 0, 2, 1)
#define OPT_WPAD OPT(252, 11, 'h', 't', 't', 'p', ':', '/', '/', 'w', 'p', 'a', 'd')
#define OPT_DNR OPT(162, 6, 0, 4, 0, 1, 0, 0)
#define OPT_NTP OPT(42, 4, 192, 0, 2, 1)
#define OPT_NETBIOS OPT(44, 4, 192, 0, 2, 10)
#define OPT_MTU OPT(26, 2, 0x05, 0xdc)
#define OPT_PAD OPT(0)

static const uint8_t *checked_copy(const uint8_t *p, size_t n) {
        uint8_t *c = malloc(n > 0 ? n : 1);

        CHECK(c);
        memcpy(c, p, n);
        return c;
}

/* Runs the module on an exact-size heap copy (and an exact-size output),
 * checks that the input is left alone, and that a sanitised result comes
 * out the same when run again. */
static AutoconfVerdict run(const uint8_t *frame, size_t len, uint8_t *out, size_t *out_len) {
        const uint8_t *in = checked_copy(frame, len);
        uint8_t *o = malloc(len > 0 ? len : 1);
        size_t n = SIZE_MAX;
        AutoconfVerdict v;

        CHECK(o);
        v = autoconf_sanitize_frame(in, len, o, len, &n);
        CHECK(v >= 0 && v < _AUTOCONF_VERDICT_MAX);
        CHECK_MEM(in, frame, len);
        if (autoconf_verdict_is_sanitized(v)) {
                uint8_t again[FRAME_MAX];
                size_t again_len = SIZE_MAX;

                CHECK(n <= len);
                CHECK_EQ_INT(autoconf_sanitize_frame(o, n, again, sizeof(again), &again_len), AUTOCONF_CLEAN);
                CHECK_EQ_INT(again_len, SIZE_MAX);
                if (out)
                        memcpy(out, o, n);
                if (out_len)
                        *out_len = n;
        } else
                CHECK_EQ_INT(n, SIZE_MAX);
        free((void *) in);
        free(o);
        return v;
}

static void expect_sanitized(const Frame *in, const Frame *want, AutoconfVerdict kind) {
        uint8_t out[FRAME_MAX];
        size_t n = 0;

        if (be16_load(in->b + l4_checksum_offset(in->b)) != 0)
                CHECK(l4_checksum_valid(in->b));
        CHECK_EQ_INT(run(in->b, in->len, out, &n), kind);
        CHECK_EQ_INT(n, want->len);
        CHECK_MEM(out, want->b, n);
        if (be16_load(out + l4_checksum_offset(out)) != 0)
                CHECK(l4_checksum_valid(out));
        if (out[14] >> 4 == 4)
                /* The IPv4 header is untouched, so still valid. */
                CHECK_EQ_INT(ref_checksum(NULL, 0, out + 14, 20), 0);
}

/* Every shorter frame, cut anywhere: never sanitised (the IP length now
 * lies), and refused as soon as the ports show it is a reply. */
static void expect_truncations_refused(const Frame *f, size_t ports_visible) {
        for (size_t len = 0; len < f->len; len++) {
                AutoconfVerdict v = run(f->b, len, NULL, NULL);

                CHECK(v == (len < ports_visible ? AUTOCONF_NONE : AUTOCONF_UNSAFE));
        }
}

static void test_dhcpv4_hostile(void) {
        const Opt opts[] = {OPT_MSG_OFFER, OPT_SERVER_ID, OPT_LEASE, OPT_MASK, OPT_ROUTER, OPT_DNS, OPT_DOMAIN};
        Frame f, g;

        dhcp_frame(&f, opts, ELEMENTSOF(opts), 300, false);
        expect_truncations_refused(&f, 14 + 20 + 4);

        /* Cut short with every length made to agree: the options run past
         * the end (refused), or the cut falls between two options (then it
         * is a message without END, sanitised), or before the cookie. */
        for (size_t cut = DHCP_MSG; cut < f.len; cut++) {
                AutoconfVerdict v;

                g = f;
                g.len = cut;
                ipv4_finish(&g, false);
                v = run(g.b, g.len, NULL, NULL);
                if (cut < DHCP_MSG + 240)
                        CHECK_EQ_INT(v, AUTOCONF_CLEAN);
                else
                        CHECK(v == AUTOCONF_UNSAFE || v == AUTOCONF_SANITIZED_DHCPV4 || v == AUTOCONF_CLEAN);
        }

        /* IPv4 total length beyond the frame, or too short for UDP. */
        g = f;
        be16_store(g.b + 14 + 2, (uint16_t) (g.len - 14 + 1));
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        be16_store(g.b + 14 + 2, 20 + 7);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        /* An IHL below 5 with the ports where it says they are. */
        g = f;
        g.b[14] = 0x44;
        be16_store(g.b + 14 + 16, 67);
        be16_store(g.b + 14 + 18, 68);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        /* UDP length above the IP payload, or below its own header. */
        g = f;
        be16_store(g.b + 34 + 4, (uint16_t) (g.len - 34 + 1));
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        be16_store(g.b + 34 + 4, 7);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        /* A UDP length shorter than the IP payload is honoured: the options
         * past it are not the message's, and the cut lands mid-option. */
        g = f;
        be16_store(g.b + 34 + 4, (uint16_t) (8 + 240 + 3 + 6 + 2));
        l4_checksum_fix(&g, true);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);

        /* Fragments: the first is refused, a later one has no UDP header. */
        g = f;
        be16_store(g.b + 14 + 6, 0x2000);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        be16_store(g.b + 14 + 6, 0x0001);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_NONE);
        be16_store(g.b + 14 + 6, 0x4000); /* DF alone is fine */
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_SANITIZED_DHCPV4);

        /* A bad UDP checksum is refused, not repaired. */
        g = f;
        g.b[g.len - 1] ^= 0x01;
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);

        /* An option whose length runs past the end of the message. */
        {
                const Opt bad[] = {OPT_MSG_OFFER, OPT_ROUTER, OPT(6, 200, 1, 2, 3, 4)};
                dhcp_frame(&g, bad, ELEMENTSOF(bad), 0, false);
                g.len -= 1; /* no END: the 200 bytes claimed are not there */
                ipv4_finish(&g, false);
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        }
        /* A length byte missing at the very end. */
        {
                const Opt bad[] = {OPT_MSG_OFFER, OPT_ROUTER, OPT(12)};
                dhcp_frame(&g, bad, ELEMENTSOF(bad), 0, false);
                g.len -= 1;
                ipv4_finish(&g, false);
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        }
        /* Option overload that does not parse: values 0 and 4, length 2,
         * two that disagree; and a file field that overruns. */
        {
                const Opt bad0[] = {OPT_MSG_ACK, OPT(52, 1, 0), OPT_ROUTER};
                const Opt bad4[] = {OPT_MSG_ACK, OPT(52, 1, 4), OPT_ROUTER};
                const Opt bad_len[] = {OPT_MSG_ACK, OPT(52, 2, 1, 1), OPT_ROUTER};
                const Opt twice[] = {OPT_MSG_ACK, OPT(52, 1, 1), OPT(52, 1, 2), OPT_ROUTER};
                const Opt same_twice[] = {OPT_MSG_ACK, OPT(52, 1, 1), OPT(52, 1, 1), OPT_ROUTER};
                const Opt file[] = {OPT_MSG_ACK, OPT(52, 1, 1), OPT_ROUTER};

                dhcp_frame(&g, bad0, ELEMENTSOF(bad0), 300, false);
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
                dhcp_frame(&g, bad4, ELEMENTSOF(bad4), 300, false);
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
                dhcp_frame(&g, bad_len, ELEMENTSOF(bad_len), 300, false);
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
                dhcp_frame(&g, twice, ELEMENTSOF(twice), 300, false);
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
                dhcp_frame(&g, same_twice, ELEMENTSOF(same_twice), 300, false);
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_SANITIZED_DHCPV4);

                dhcp_frame(&g, file, ELEMENTSOF(file), 300, false);
                memset(g.b + DHCP_MSG + 108, 0, 128);
                g.b[DHCP_MSG + 108 + 126] = 6; /* DNS servers, 4 bytes claimed, 1 there */
                g.b[DHCP_MSG + 108 + 127] = 4;
                l4_checksum_fix(&g, false);
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        }
}

/* An OFFER as dnsmasq sends it when told about routers, DNS, domains and
 * classless routes, with two PAD bytes a server may use for alignment. */
static void test_dhcpv4_offer(void) {
        const Opt opts[] = {OPT_MSG_OFFER, OPT_SERVER_ID, OPT_LEASE, OPT_T1,     OPT_T2,        OPT_MASK,
                            OPT_BROADCAST, OPT_ROUTER,    OPT_DNS,   OPT_PAD,    OPT_DOMAIN,    OPT_SEARCH,
                            OPT_CLASSLESS, OPT_PAD,       OPT_NTP,   OPT_STATIC, OPT_MS_CLASSLESS, OPT_NETBIOS,
                            OPT_WPAD,      OPT_DNR,       OPT_MTU};
        const Opt kept[] = {OPT_MSG_OFFER, OPT_SERVER_ID, OPT_LEASE, OPT_T1,      OPT_T2, OPT_MASK, OPT_BROADCAST,
                            OPT_PAD,       OPT_PAD,       OPT_NTP,   OPT_NETBIOS, OPT_MTU};
        Frame in, want;

        dhcp_frame(&in, opts, ELEMENTSOF(opts), 300, false);
        /* Longer than 300 with all those: the same length, END moved up. */
        CHECK(in.len > DHCP_MSG + 300);
        dhcp_frame(&want, kept, ELEMENTSOF(kept), in.len - DHCP_MSG, false);
        CHECK_EQ_INT(want.len, in.len);
        expect_sanitized(&in, &want, AUTOCONF_SANITIZED_DHCPV4);
        expect_truncations_refused(&in, 14 + 20 + 4);

        /* The same as an ACK, padded to 300 like a short reply. */
        {
                const Opt ack[] = {OPT_MSG_ACK, OPT_SERVER_ID, OPT_LEASE, OPT_MASK, OPT_ROUTER, OPT_DNS};
                const Opt ack_kept[] = {OPT_MSG_ACK, OPT_SERVER_ID, OPT_LEASE, OPT_MASK};

                dhcp_frame(&in, ack, ELEMENTSOF(ack), 300, false);
                dhcp_frame(&want, ack_kept, ELEMENTSOF(ack_kept), 300, false);
                CHECK_EQ_INT(in.len, DHCP_MSG + 300);
                expect_sanitized(&in, &want, AUTOCONF_SANITIZED_DHCPV4);
        }

        /* No UDP checksum: the result has none either. */
        {
                const Opt ack[] = {OPT_MSG_ACK, OPT_ROUTER, OPT_MASK};
                const Opt ack_kept[] = {OPT_MSG_ACK, OPT_MASK};

                dhcp_frame(&in, ack, ELEMENTSOF(ack), 300, true);
                dhcp_frame(&want, ack_kept, ELEMENTSOF(ack_kept), 300, true);
                expect_sanitized(&in, &want, AUTOCONF_SANITIZED_DHCPV4);
                CHECK_EQ_INT(be16_load(want.b + 34 + 6), 0);
        }

        /* Without END, the options ending with the message. */
        {
                const Opt ack[] = {OPT_MSG_ACK, OPT_MASK, OPT_ROUTER};
                const Opt ack_kept[] = {OPT_MSG_ACK, OPT_MASK};

                dhcp_frame(&in, ack, ELEMENTSOF(ack), 0, false);
                in.len -= 1;
                ipv4_finish(&in, false);
                dhcp_frame(&want, ack_kept, ELEMENTSOF(ack_kept), 0, false);
                want.b[want.len - 1] = 0; /* no END moved up: six PAD bytes */
                put(&want, NULL, 5);
                ipv4_finish(&want, false);
                expect_sanitized(&in, &want, AUTOCONF_SANITIZED_DHCPV4);
        }
}

/* Option overload (52 = 3): options also in `file`, then `sname`, each
 * ending with END. Both areas are sanitised and keep their size. */
static void test_dhcpv4_overload(void) {
        const Opt main_opts[] = {OPT_MSG_ACK, OPT_SERVER_ID, OPT(52, 1, 3), OPT_LEASE, OPT_ROUTER};
        const Opt main_kept[] = {OPT_MSG_ACK, OPT_SERVER_ID, OPT(52, 1, 3), OPT_LEASE};
        const Opt file_opts[] = {OPT_DNS, OPT_DOMAIN, OPT_NTP};
        const Opt sname_opts[] = {OPT_SEARCH, OPT_NETBIOS, OPT_PAD, OPT_CLASSLESS};
        Frame in, want, area;

        dhcp_frame(&in, main_opts, ELEMENTSOF(main_opts), 300, false);
        dhcp_frame(&want, main_kept, ELEMENTSOF(main_kept), 300, false);

        area.len = 0;
        put_opts(&area, file_opts, ELEMENTSOF(file_opts));
        put8(&area, 255);
        memcpy(in.b + DHCP_MSG + 108, area.b, area.len);
        area.len = 0;
        put_opts(&area, &OPT_NTP, 1);
        put8(&area, 255);
        memcpy(want.b + DHCP_MSG + 108, area.b, area.len);

        area.len = 0;
        put_opts(&area, sname_opts, ELEMENTSOF(sname_opts));
        put8(&area, 255);
        CHECK(area.len <= 64);
        memcpy(in.b + DHCP_MSG + 44, area.b, area.len);
        area.len = 0;
        put_opts(&area, (const Opt[]){OPT_NETBIOS, OPT_PAD}, 2);
        put8(&area, 255);
        memcpy(want.b + DHCP_MSG + 44, area.b, area.len);

        l4_checksum_fix(&in, false);
        l4_checksum_fix(&want, false);
        expect_sanitized(&in, &want, AUTOCONF_SANITIZED_DHCPV4);

        /* Overload 1 (file only): what is in sname is a server name, even
         * when it looks like options. */
        in.b[DHCP_MSG + 240 + 3 + 6 + 2] = 1;
        l4_checksum_fix(&in, false);
        want.b[DHCP_MSG + 240 + 3 + 6 + 2] = 1;
        memcpy(want.b + DHCP_MSG + 44, in.b + DHCP_MSG + 44, 64);
        l4_checksum_fix(&want, false);
        expect_sanitized(&in, &want, AUTOCONF_SANITIZED_DHCPV4);

        /* Without option 52, file and sname are left alone. */
        {
                const Opt plain[] = {OPT_MSG_ACK, OPT_MASK};

                dhcp_frame(&in, plain, ELEMENTSOF(plain), 300, false);
                memcpy(in.b + DHCP_MSG + 108, BYTES(3, 4, 192, 0, 2, 1, 255), 7);
                l4_checksum_fix(&in, false);
                CHECK_EQ_INT(run(in.b, in.len, NULL, NULL), AUTOCONF_CLEAN);
        }
}

static void test_dhcpv4_untouched(void) {
        const Opt clean[] = {OPT_MSG_ACK, OPT_SERVER_ID, OPT_LEASE, OPT_MASK, OPT_NTP};
        const Opt dirty[] = {OPT_MSG_ACK, OPT_ROUTER};
        Frame f;

        dhcp_frame(&f, clean, ELEMENTSOF(clean), 300, false);
        CHECK_EQ_INT(run(f.b, f.len, NULL, NULL), AUTOCONF_CLEAN);

        /* A BOOTREQUEST, or no magic cookie: no options a client reads. */
        dhcp_frame(&f, dirty, ELEMENTSOF(dirty), 300, false);
        f.b[DHCP_MSG] = 1;
        l4_checksum_fix(&f, false);
        CHECK_EQ_INT(run(f.b, f.len, NULL, NULL), AUTOCONF_CLEAN);
        dhcp_frame(&f, dirty, ELEMENTSOF(dirty), 300, false);
        f.b[DHCP_MSG + 236] = 0;
        l4_checksum_fix(&f, false);
        CHECK_EQ_INT(run(f.b, f.len, NULL, NULL), AUTOCONF_CLEAN);
        /* Shorter than the fixed fields. */
        dhcp_frame(&f, dirty, ELEMENTSOF(dirty), 300, false);
        f.len = DHCP_MSG + 100;
        ipv4_finish(&f, false);
        CHECK_EQ_INT(run(f.b, f.len, NULL, NULL), AUTOCONF_CLEAN);

        /* Other ports and directions: a client's request, a relay's. */
        dhcp_frame(&f, dirty, ELEMENTSOF(dirty), 300, false);
        be16_store(f.b + 34, 68);
        be16_store(f.b + 36, 67);
        l4_checksum_fix(&f, false);
        CHECK_EQ_INT(run(f.b, f.len, NULL, NULL), AUTOCONF_NONE);
        be16_store(f.b + 34, 67);
        l4_checksum_fix(&f, false);
        CHECK_EQ_INT(run(f.b, f.len, NULL, NULL), AUTOCONF_NONE);
        /* TCP from port 67. */
        dhcp_frame(&f, dirty, ELEMENTSOF(dirty), 300, false);
        f.b[14 + 9] = 6;
        CHECK_EQ_INT(run(f.b, f.len, NULL, NULL), AUTOCONF_NONE);
        /* VLAN-tagged: not looked behind. */
        dhcp_frame(&f, dirty, ELEMENTSOF(dirty), 300, false);
        memmove(f.b + 16, f.b + 12, f.len - 12);
        be16_store(f.b + 12, 0x8100);
        be16_store(f.b + 14, 5);
        f.len += 4;
        CHECK_EQ_INT(run(f.b, f.len, NULL, NULL), AUTOCONF_NONE);
        /* ARP, and an EtherType that says IPv6 over an IPv4 packet. */
        dhcp_frame(&f, dirty, ELEMENTSOF(dirty), 300, false);
        be16_store(f.b + 12, 0x0806);
        CHECK_EQ_INT(run(f.b, f.len, NULL, NULL), AUTOCONF_NONE);
        be16_store(f.b + 12, 0x86dd);
        CHECK_EQ_INT(run(f.b, f.len, NULL, NULL), AUTOCONF_NONE);
}

/* ---- router advertisements -------------------------------------------------------- */

#define RA_OPT_SLLA OPT(1, 1, 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc)
#define RA_OPT_MTU OPT(5, 1, 0, 0, 0, 0, 0x05, 0x40)
#define RA_OPT_PREFIX \
        OPT(3, 4, 64, 0xc0, 0, 1, 0x51, 0x80, 0, 0, 0x38, 0x40, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
/* ::/0 through the router, preference high: a default route in disguise. */
#define RA_OPT_ROUTE_DEFAULT OPT(24, 1, 0, 0x08, 0, 0, 0x07, 0x08)
#define RA_OPT_RDNSS \
        OPT(25, 3, 0, 0, 0, 0, 0x07, 0x08, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53)
#define RA_OPT_DNSSL \
        OPT(31, 3, 0, 0, 0, 0, 0x07, 0x08, 5, 'p', 'a', 'r', 't', 'y', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0)
#define RA_OPT_DNR OPT(144, 1, 0, 1, 0, 0, 0x07, 0x08)

/* An RA from fe80::1 to all nodes; `flags` as radvd puts them, router
 * lifetime `lifetime` seconds. */
static void ra_frame(Frame *f, uint8_t flags, uint16_t lifetime, const Opt *opts, size_t n) {
        ether(f, mac_ipv6_all_nodes, mac_router, 0x86dd);
        ipv6_header(f, 58, ipv6_router_ll, ipv6_all_nodes);
        put8(f, 134);
        put8(f, 0);
        put16(f, 0);
        put8(f, 64);
        put8(f, flags);
        put16(f, lifetime);
        put32(f, 0);
        put32(f, 0);
        put_opts(f, opts, n);
        ipv6_finish(f);
}

static void test_ra_hostile(void) {
        const Opt opts[] = {RA_OPT_SLLA, RA_OPT_PREFIX, RA_OPT_RDNSS};
        Frame f, g;

        ra_frame(&f, 0x48, 1800, opts, ELEMENTSOF(opts));
        expect_truncations_refused(&f, 14 + 40 + 1);

        /* Payload length beyond the frame, 0 (jumbogram), too short for
         * the RA header. */
        g = f;
        be16_store(g.b + 18, (uint16_t) (g.len - 54 + 1));
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        be16_store(g.b + 18, 0);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        g.len = 14 + 40 + 15;
        ipv6_finish(&g);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);

        /* An option of length 0, one past the end, a stray byte after the
         * last one. */
        {
                const Opt zero[] = {RA_OPT_SLLA, OPT(25, 0, 0, 0, 0, 0, 0, 0), RA_OPT_RDNSS};
                const Opt past[] = {RA_OPT_SLLA, OPT(25, 4, 0, 0, 0, 0, 0, 0)};
                const Opt stray[] = {RA_OPT_SLLA, RA_OPT_RDNSS, OPT(1)};

                ra_frame(&g, 0, 1800, zero, ELEMENTSOF(zero));
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
                ra_frame(&g, 0, 1800, past, ELEMENTSOF(past));
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
                ra_frame(&g, 0, 1800, stray, ELEMENTSOF(stray));
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        }

        /* A bad checksum. */
        g = f;
        g.b[g.len - 1] ^= 0x40;
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);

        /* Extension headers in front: hop-by-hop options, a first fragment
         * (refused); a later fragment (no ICMPv6 header in it: none). */
        {
                static const uint8_t hop_by_hop[8] = {58, 0, 1, 4, 0, 0, 0, 0};
                static const uint8_t first_fragment[8] = {58, 0, 0x00, 0x01, 0, 0, 0, 1};
                static const uint8_t later_fragment[8] = {58, 0, 0x00, 0x08, 0, 0, 0, 1};
                const uint8_t *ext[] = {hop_by_hop, first_fragment, later_fragment};
                const uint8_t next[] = {0, 44, 44};
                const AutoconfVerdict want[] = {AUTOCONF_UNSAFE, AUTOCONF_UNSAFE, AUTOCONF_NONE};

                for (size_t i = 0; i < ELEMENTSOF(ext); i++) {
                        g = f;
                        memmove(g.b + 54 + 8, g.b + 54, g.len - 54);
                        memcpy(g.b + 54, ext[i], 8);
                        g.b[14 + 6] = next[i];
                        g.len += 8;
                        be16_store(g.b + 18, (uint16_t) (g.len - 54));
                        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), want[i]);
                }
                /* Cut inside the extension header: nothing to find behind it. */
                g.len = 54 + 3;
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_NONE);
                /* An extension header claiming more than the frame has. */
                g = f;
                memmove(g.b + 54 + 8, g.b + 54, g.len - 54);
                memcpy(g.b + 54, hop_by_hop, 8);
                g.b[54 + 1] = 200;
                g.b[14 + 6] = 0;
                g.len += 8;
                CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_NONE);
        }
}

static void test_ra(void) {
        const Opt opts[] = {RA_OPT_SLLA, RA_OPT_MTU,   RA_OPT_PREFIX, RA_OPT_ROUTE_DEFAULT,
                            RA_OPT_RDNSS, RA_OPT_DNSSL, RA_OPT_DNR};
        const Opt kept[] = {RA_OPT_SLLA, RA_OPT_MTU, RA_OPT_PREFIX};
        Frame in, want;

        /* O flag, preference high, lifetime 1800 s: becomes lifetime 0 with
         * preference medium, the O and M flags stay. */
        ra_frame(&in, 0x48, 1800, opts, ELEMENTSOF(opts));
        ra_frame(&want, 0x40, 0, kept, ELEMENTSOF(kept));
        expect_sanitized(&in, &want, AUTOCONF_SANITIZED_RA);
        CHECK_EQ_INT(be16_load(want.b + 18), 16 + 8 + 8 + 32);

        /* Only the lifetime to clear. */
        ra_frame(&in, 0xc0, 600, kept, ELEMENTSOF(kept));
        ra_frame(&want, 0xc0, 0, kept, ELEMENTSOF(kept));
        expect_sanitized(&in, &want, AUTOCONF_SANITIZED_RA);

        /* Only options to remove; none left. */
        ra_frame(&in, 0, 0, (const Opt[]){RA_OPT_RDNSS}, 1);
        ra_frame(&want, 0, 0, NULL, 0);
        expect_sanitized(&in, &want, AUTOCONF_SANITIZED_RA);

        /* Ethernet padding behind the packet moves up with it. */
        ra_frame(&in, 0, 1800, (const Opt[]){RA_OPT_SLLA}, 1);
        put(&in, BYTES(0xee, 0xee), 2);
        ra_frame(&want, 0, 0, (const Opt[]){RA_OPT_SLLA}, 1);
        put(&want, BYTES(0xee, 0xee), 2);
        expect_sanitized(&in, &want, AUTOCONF_SANITIZED_RA);

        /* Nothing to do: lifetime 0 (a router leaving), no such options;
         * preference bits a sender should not have set are left. */
        ra_frame(&in, 0x18, 0, kept, ELEMENTSOF(kept));
        CHECK_EQ_INT(run(in.b, in.len, NULL, NULL), AUTOCONF_CLEAN);

        /* Other ICMPv6 (a router solicitation, a neighbor advertisement). */
        ra_frame(&in, 0, 1800, opts, ELEMENTSOF(opts));
        in.b[54] = 133;
        CHECK_EQ_INT(run(in.b, in.len, NULL, NULL), AUTOCONF_NONE);
        in.b[54] = 136;
        CHECK_EQ_INT(run(in.b, in.len, NULL, NULL), AUTOCONF_NONE);
}

/* ---- DHCPv6 ------------------------------------------------------------------------- */

#define V6_OPT_CLIENT_ID OPT(0, 1, 0, 10, 0, 3, 0, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55)
#define V6_OPT_SERVER_ID OPT(0, 2, 0, 10, 0, 3, 0, 1, 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc)
#define V6_OPT_IA_NA                                                                                     \
        OPT(0, 3, 0, 40, 0, 0, 0, 1, 0, 0, 0x07, 0x08, 0, 0, 0x0b, 0x40, 0, 5, 0, 24, 0x20, 0x01, 0x0d, 0xb8, \
            0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x23, 0, 0, 0x0e, 0x10, 0, 0, 0x1c, 0x20)
#define V6_OPT_DNS OPT(0, 23, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53)
#define V6_OPT_DOMAINS OPT(0, 24, 0, 15, 5, 'p', 'a', 'r', 't', 'y', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0)
#define V6_OPT_SNTP OPT(0, 31, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7b)
#define V6_OPT_DNR OPT(0, 144, 0, 3, 0, 1, 0)

static void dhcpv6_frame(Frame *f, uint8_t msg_type, const Opt *opts, size_t n) {
        ether(f, mac_client, mac_router, 0x86dd);
        ipv6_header(f, 17, ipv6_router_ll, ipv6_client_ll);
        udp_header(f, 547, 546);
        put8(f, msg_type);
        put(f, BYTES(0x12, 0x34, 0x56), 3);
        put_opts(f, opts, n);
        ipv6_finish(f);
}

static void test_dhcpv6_hostile(void) {
        const Opt opts[] = {V6_OPT_CLIENT_ID, V6_OPT_SERVER_ID, V6_OPT_DNS};
        Frame f, g;

        dhcpv6_frame(&f, 7, opts, ELEMENTSOF(opts));
        expect_truncations_refused(&f, 14 + 40 + 4);

        /* Zero checksum (forbidden over IPv6), a wrong one. */
        g = f;
        be16_store(g.b + 54 + 6, 0);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        g = f;
        g.b[g.len - 1] ^= 1;
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        /* UDP length above the payload, below its header. */
        g = f;
        be16_store(g.b + 54 + 4, (uint16_t) (g.len - 54 + 1));
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        be16_store(g.b + 54 + 4, 4);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        /* Payload too short for UDP. */
        g = f;
        be16_store(g.b + 18, 6);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        /* An option running past the end, a stray byte after the last. */
        dhcpv6_frame(&g, 7, (const Opt[]){V6_OPT_CLIENT_ID, OPT(0, 23, 0, 17, 1)}, 2);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
        dhcpv6_frame(&g, 7, (const Opt[]){V6_OPT_DNS, OPT(0)}, 2);
        CHECK_EQ_INT(run(g.b, g.len, NULL, NULL), AUTOCONF_UNSAFE);
}

static void test_dhcpv6(void) {
        const Opt opts[] = {V6_OPT_CLIENT_ID, V6_OPT_SERVER_ID, V6_OPT_IA_NA, V6_OPT_DNS,
                            V6_OPT_DOMAINS,   V6_OPT_SNTP,      V6_OPT_DNR};
        const Opt kept[] = {V6_OPT_CLIENT_ID, V6_OPT_SERVER_ID, V6_OPT_IA_NA, V6_OPT_SNTP};
        Frame in, want;

        /* A REPLY and an ADVERTISE; odd-length options shift what follows
         * off its 16-bit alignment, which the checksum must survive. */
        for (uint8_t type = 2; type <= 7; type += 5) {
                dhcpv6_frame(&in, type, opts, ELEMENTSOF(opts));
                dhcpv6_frame(&want, type, kept, ELEMENTSOF(kept));
                expect_sanitized(&in, &want, AUTOCONF_SANITIZED_DHCPV6);
                CHECK_EQ_INT(be16_load(want.b + 54 + 4), be16_load(want.b + 18));
        }
        dhcpv6_frame(&in, 7, (const Opt[]){V6_OPT_DOMAINS, V6_OPT_SNTP}, 2);
        dhcpv6_frame(&want, 7, (const Opt[]){V6_OPT_SNTP}, 1);
        expect_sanitized(&in, &want, AUTOCONF_SANITIZED_DHCPV6);

        dhcpv6_frame(&in, 7, kept, ELEMENTSOF(kept));
        CHECK_EQ_INT(run(in.b, in.len, NULL, NULL), AUTOCONF_CLEAN);
        /* No options, and a message too short to be one. */
        dhcpv6_frame(&in, 7, NULL, 0);
        CHECK_EQ_INT(run(in.b, in.len, NULL, NULL), AUTOCONF_CLEAN);
        in.len -= 2;
        ipv6_finish(&in);
        CHECK_EQ_INT(run(in.b, in.len, NULL, NULL), AUTOCONF_CLEAN);
        /* A client's SOLICIT (546 → 547) is not ours to touch. */
        dhcpv6_frame(&in, 1, opts, ELEMENTSOF(opts));
        be16_store(in.b + 54, 546);
        be16_store(in.b + 56, 547);
        l4_checksum_fix(&in, false);
        CHECK_EQ_INT(run(in.b, in.len, NULL, NULL), AUTOCONF_NONE);
}

/* ---- the interface ---------------------------------------------------------------- */

static void test_api(void) {
        const Opt opts[] = {OPT_MSG_ACK, OPT_ROUTER, OPT_MASK};
        const Opt kept[] = {OPT_MSG_ACK, OPT_MASK};
        uint8_t out[FRAME_MAX];
        size_t n = 0;
        Frame f, want;

        dhcp_frame(&f, opts, ELEMENTSOF(opts), 300, false);
        dhcp_frame(&want, kept, ELEMENTSOF(kept), 300, false);

        CHECK_EQ_INT(autoconf_sanitize_frame(NULL, f.len, out, sizeof(out), &n), _AUTOCONF_VERDICT_INVALID);
        CHECK_EQ_INT(autoconf_sanitize_frame(f.b, f.len, NULL, sizeof(out), &n), _AUTOCONF_VERDICT_INVALID);
        CHECK_EQ_INT(autoconf_sanitize_frame(f.b, f.len, out, sizeof(out), NULL), _AUTOCONF_VERDICT_INVALID);
        CHECK_EQ_INT(autoconf_sanitize_frame(f.b, f.len, out, f.len - 1, &n), _AUTOCONF_VERDICT_INVALID);
        CHECK_EQ_INT(autoconf_sanitize_frame(f.b, 0, out, 0, &n), AUTOCONF_NONE);

        /* In place. */
        CHECK_EQ_INT(autoconf_sanitize_frame(f.b, f.len, f.b, f.len, &n), AUTOCONF_SANITIZED_DHCPV4);
        CHECK_EQ_INT(n, want.len);
        CHECK_MEM(f.b, want.b, n);

        CHECK_EQ_STR(autoconf_verdict_to_string(AUTOCONF_NONE), "none");
        CHECK_EQ_STR(autoconf_verdict_to_string(AUTOCONF_SANITIZED_RA), "router_advertisement");
        CHECK_EQ_STR(autoconf_verdict_to_string(AUTOCONF_UNSAFE), "unsafe");
        CHECK(!autoconf_verdict_to_string(_AUTOCONF_VERDICT_MAX));
        CHECK(!autoconf_verdict_to_string(_AUTOCONF_VERDICT_INVALID));
        for (int v = 0; v < _AUTOCONF_VERDICT_MAX; v++)
                CHECK(autoconf_verdict_to_string((AutoconfVerdict) v));
        CHECK(!autoconf_verdict_is_sanitized(AUTOCONF_CLEAN));
        CHECK(autoconf_verdict_is_sanitized(AUTOCONF_SANITIZED_DHCPV6));
}

int main(void) {
        RUN(test_dhcpv4_hostile);
        RUN(test_ra_hostile);
        RUN(test_dhcpv6_hostile);
        RUN(test_dhcpv4_offer);
        RUN(test_dhcpv4_overload);
        RUN(test_dhcpv4_untouched);
        RUN(test_ra);
        RUN(test_dhcpv6);
        RUN(test_api);
        return 0;
}
