/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

#include "ether.h"
#include "l2filter.h"
#include "macro.h"
#include "test-util.h"

/* Frames are assembled field by field with the helpers below, so every test
 * states exactly which bytes it sends. Lengths in IP headers are patched by
 * frame_finish() unless a test overwrites them afterwards to lie. */

#define NO_HEADER SIZE_MAX

typedef struct Frame {
        uint8_t buf[4096];
        size_t len;
        size_t ip4; /* offset of the IPv4 header, or NO_HEADER */
        size_t ip6;
} Frame;

static const MacAddr mac_client = {{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};
static const MacAddr mac_other_client = {{0x02, 0x11, 0x22, 0x33, 0x44, 0x56}};
static const MacAddr mac_lan_host = {{0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc}};
static const MacAddr mac_broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const MacAddr mac_zero = {{0, 0, 0, 0, 0, 0}};
static const MacAddr mac_ipv4_mcast = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}};
static const MacAddr mac_ipv6_mcast = {{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}};
static const MacAddr mac_stp = {{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}};

#define IP_PROTO_HOPOPTS 0
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IP_PROTO_ROUTING 43
#define IP_PROTO_FRAGMENT 44
#define IP_PROTO_AH 51
#define IP_PROTO_ICMPV6 58
#define IP_PROTO_NONE 59
#define IP_PROTO_DSTOPTS 60
#define IP_PROTO_MOBILITY 135

static uint8_t *frame_put(Frame *f, size_t n) {
        CHECK(f->len + n <= sizeof(f->buf));
        uint8_t *p = f->buf + f->len;
        memset(p, 0, n);
        f->len += n;
        return p;
}

static void frame_eth(Frame *f, const MacAddr *dst, const MacAddr *src, uint16_t type) {
        *f = (Frame) {.ip4 = NO_HEADER, .ip6 = NO_HEADER};
        uint8_t *p = frame_put(f, LP_ETHER_HEADER_LEN);
        memcpy(p, dst->bytes, LP_MAC_LEN);
        memcpy(p + 6, src->bytes, LP_MAC_LEN);
        be16_store(p + 12, type);
}

/* IHL in 32-bit words; options are zero (End of Option List). */
static void frame_ipv4(Frame *f, uint8_t proto, uint8_t ihl, uint16_t frag) {
        f->ip4 = f->len;
        uint8_t *p = frame_put(f, (size_t) ihl * 4);
        p[0] = (uint8_t) (0x40 | ihl);
        be16_store(p + 6, frag);
        p[8] = 64;
        p[9] = proto;
        be32_store(p + 12, 0xc0a80164); /* 192.168.1.100 */
        be32_store(p + 16, 0xc0a80101);
}

static void frame_ipv6(Frame *f, uint8_t next) {
        f->ip6 = f->len;
        uint8_t *p = frame_put(f, 40);
        p[0] = 0x60;
        p[6] = next;
        p[7] = 64;
        p[8] = 0xfe; /* fe80::1 → fe80::2 */
        p[9] = 0x80;
        p[23] = 1;
        p[24] = 0xfe;
        p[25] = 0x80;
        p[39] = 2;
}

/* A uniform-format extension header of (units + 1) * 8 bytes. */
static void frame_ext(Frame *f, uint8_t next, uint8_t units) {
        uint8_t *p = frame_put(f, ((size_t) units + 1) * 8);
        p[0] = next;
        p[1] = units;
}

static void frame_ah(Frame *f, uint8_t next) {
        uint8_t *p = frame_put(f, 12 + 12); /* 12 fixed + 96-bit ICV */
        p[0] = next;
        p[1] = (24 / 4) - 2;
}

static void frame_frag6(Frame *f, uint8_t next, uint16_t offset_units, bool more) {
        uint8_t *p = frame_put(f, 8);
        p[0] = next;
        be16_store(p + 2, (uint16_t) (offset_units << 3 | (more ? 1 : 0)));
        be32_store(p + 4, 0x12345678);
}

static void frame_udp(Frame *f, uint16_t sport, uint16_t dport, size_t payload) {
        uint8_t *p = frame_put(f, 8 + payload);
        be16_store(p, sport);
        be16_store(p + 2, dport);
        be16_store(p + 4, (uint16_t) (8 + payload));
}

static void frame_tcp(Frame *f, uint16_t sport, uint16_t dport) {
        uint8_t *p = frame_put(f, 20);
        be16_store(p, sport);
        be16_store(p + 2, dport);
        p[12] = 5 << 4;
        p[13] = 0x02; /* SYN */
}

static void frame_icmpv6(Frame *f, uint8_t type, size_t body) {
        uint8_t *p = frame_put(f, 4 + body);
        p[0] = type;
}

static void frame_finish(Frame *f) {
        if (f->ip4 != NO_HEADER)
                be16_store(f->buf + f->ip4 + 2, (uint16_t) (f->len - f->ip4));
        if (f->ip6 != NO_HEADER)
                be16_store(f->buf + f->ip6 + 4, (uint16_t) (f->len - f->ip6 - 40));
}

/* Canonical frames used by several tests. */

static void build_udp4(Frame *f, const MacAddr *src, uint16_t sport, uint16_t dport) {
        frame_eth(f, &mac_broadcast, src, LP_ETHERTYPE_IPV4);
        frame_ipv4(f, IP_PROTO_UDP, 5, 0);
        frame_udp(f, sport, dport, 32);
        frame_finish(f);
}

static void build_udp6(Frame *f, const MacAddr *src, uint16_t sport, uint16_t dport) {
        frame_eth(f, &mac_ipv6_mcast, src, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_UDP);
        frame_udp(f, sport, dport, 32);
        frame_finish(f);
}

static void build_icmp6(Frame *f, const MacAddr *src, uint8_t type) {
        frame_eth(f, &mac_ipv6_mcast, src, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_ICMPV6);
        frame_icmpv6(f, type, 20);
        frame_finish(f);
}

static void build_arp(Frame *f, const MacAddr *src) {
        frame_eth(f, &mac_broadcast, src, LP_ETHERTYPE_ARP);
        uint8_t *p = frame_put(f, 28);
        be16_store(p, 1);      /* Ethernet */
        be16_store(p + 2, LP_ETHERTYPE_IPV4);
        p[4] = 6;
        p[5] = 4;
        be16_store(p + 6, 1); /* request */
        memcpy(p + 8, src->bytes, LP_MAC_LEN);
}

/* Runs the filter on an exact-size heap copy, so ASan and valgrind catch
 * any read past the claimed length. */
static L2Verdict filter_copy(const uint8_t *data, size_t len, L2Direction dir, const L2FilterContext *ctx) {
        uint8_t *copy = malloc(len > 0 ? len : 1);
        CHECK(copy);
        if (len > 0)
                memcpy(copy, data, len);
        L2Verdict v = l2_filter(len > 0 ? copy : NULL, len, dir, ctx);
        free(copy);
        CHECK(v >= 0 && v < _L2_VERDICT_MAX);
        return v;
}

static const L2FilterContext ctx_client = {.source = &mac_client, .mtu = 1400};

static L2Verdict remote(const Frame *f) {
        return filter_copy(f->buf, f->len, L2_REMOTE_TO_LAN, &ctx_client);
}

static L2Verdict lan(const Frame *f) {
        return filter_copy(f->buf, f->len, L2_LAN_TO_REMOTE, &ctx_client);
}

#define CHECK_VERDICT(got, want)                                                                  \
        do {                                                                                      \
                L2Verdict _g = (got), _w = (want);                                                \
                if (_g != _w) {                                                                   \
                        fprintf(stderr, "%s:%d: %s: got %s, want %s\n", __FILE__, __LINE__, #got, \
                                l2_verdict_to_string(_g), l2_verdict_to_string(_w));              \
                        abort();                                                                  \
                }                                                                                 \
        } while (0)

/* ---- hostile inputs ---- */

static void test_short_and_null(void) {
        uint8_t zeros[64] = {};

        CHECK_VERDICT(l2_filter(NULL, 0, L2_REMOTE_TO_LAN, NULL), L2_DROP_MALFORMED);
        CHECK_VERDICT(l2_filter(NULL, 100, L2_LAN_TO_REMOTE, NULL), L2_DROP_MALFORMED);
        for (size_t len = 0; len < LP_ETHER_HEADER_LEN; len++) {
                CHECK_VERDICT(filter_copy(zeros, len, L2_REMOTE_TO_LAN, &ctx_client), L2_DROP_MALFORMED);
                CHECK_VERDICT(filter_copy(zeros, len, L2_LAN_TO_REMOTE, NULL), L2_DROP_MALFORMED);
        }
}

/* Cuts each frame at every length. The IP headers claim the full length,
 * so anything past the Ethernet header but short of the end is malformed;
 * the whole frame gets `want`. */
static void check_truncations(const Frame *f, L2Verdict want_remote, L2Verdict want_lan) {
        for (size_t len = 0; len <= f->len; len++) {
                L2Verdict r = filter_copy(f->buf, len, L2_REMOTE_TO_LAN, &ctx_client);
                L2Verdict l = filter_copy(f->buf, len, L2_LAN_TO_REMOTE, NULL);
                if (len == f->len) {
                        CHECK_VERDICT(r, want_remote);
                        CHECK_VERDICT(l, want_lan);
                } else {
                        CHECK_VERDICT(r, L2_DROP_MALFORMED);
                        CHECK_VERDICT(l, L2_DROP_MALFORMED);
                }
        }
}

static void test_truncated(void) {
        Frame f;

        build_udp4(&f, &mac_client, 68, 67);
        check_truncations(&f, L2_ALLOW, L2_ALLOW);

        build_udp4(&f, &mac_client, 67, 68);
        check_truncations(&f, L2_DROP_DHCP_SERVER, L2_ALLOW);

        /* IPv4 with options. */
        frame_eth(&f, &mac_lan_host, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(&f, IP_PROTO_TCP, 15, 0);
        frame_tcp(&f, 40000, 80);
        frame_finish(&f);
        check_truncations(&f, L2_ALLOW, L2_ALLOW);

        build_udp6(&f, &mac_client, 546, 547);
        check_truncations(&f, L2_ALLOW, L2_ALLOW);

        build_icmp6(&f, &mac_client, 134);
        check_truncations(&f, L2_DROP_ROUTER_ADVERTISEMENT, L2_ALLOW);

        /* A chain of every walked kind of extension header. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_HOPOPTS);
        frame_ext(&f, IP_PROTO_ROUTING, 0);
        frame_ext(&f, IP_PROTO_DSTOPTS, 2);
        frame_ext(&f, IP_PROTO_AH, 1);
        frame_ah(&f, IP_PROTO_MOBILITY);
        frame_ext(&f, IP_PROTO_FRAGMENT, 0);
        frame_frag6(&f, IP_PROTO_UDP, 0, false);
        frame_udp(&f, 547, 546, 16);
        frame_finish(&f);
        check_truncations(&f, L2_DROP_IPV6_FRAGMENT, L2_ALLOW);

        /* ARP is not parsed, so only the Ethernet header matters. */
        build_arp(&f, &mac_client);
        for (size_t len = 0; len <= f.len; len++)
                CHECK_VERDICT(filter_copy(f.buf, len, L2_REMOTE_TO_LAN, &ctx_client),
                              len < LP_ETHER_HEADER_LEN ? L2_DROP_MALFORMED : L2_ALLOW);
}

static void test_ipv4_lying_headers(void) {
        Frame f;

        /* IHL below 5, for every value. */
        for (uint8_t ihl = 0; ihl < 5; ihl++) {
                build_udp4(&f, &mac_client, 68, 67);
                f.buf[14] = (uint8_t) (0x40 | ihl);
                CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
                CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);
        }

        /* IHL larger than the whole packet: 60 bytes claimed, 20 there. */
        frame_eth(&f, &mac_broadcast, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(&f, IP_PROTO_UDP, 5, 0);
        frame_finish(&f);
        f.buf[14] = 0x4f;
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);
        /* ... and with total length agreeing with the lie. */
        be16_store(f.buf + 14 + 2, 60);
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);

        /* IHL larger than total length, though the frame has the bytes. */
        build_udp4(&f, &mac_client, 67, 68);
        f.buf[14] = 0x4f;
        be16_store(f.buf + 14 + 2, 40);
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);

        /* Total length beyond the frame. */
        build_udp4(&f, &mac_client, 68, 67);
        be16_store(f.buf + 14 + 2, (uint16_t) (f.len - 14 + 1));
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        be16_store(f.buf + 14 + 2, 0xffff);
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);

        /* Total length that leaves no room for the UDP header: a DHCP server
         * reply must not pass by hiding its ports in the padding. */
        build_udp4(&f, &mac_client, 67, 68);
        be16_store(f.buf + 14 + 2, 20 + 4);
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        be16_store(f.buf + 14 + 2, 20);
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);

        /* Wrong version under the IPv4 EtherType. */
        build_udp4(&f, &mac_client, 68, 67);
        f.buf[14] = 0x65;
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        f.buf[14] = 0x05;
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);
}

static void test_ipv4_fragments(void) {
        Frame f;

        /* First fragment (MF, offset 0) carries the UDP header: checked. */
        frame_eth(&f, &mac_broadcast, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(&f, IP_PROTO_UDP, 5, 0x2000);
        frame_udp(&f, 67, 68, 16);
        frame_finish(&f);
        CHECK_VERDICT(remote(&f), L2_DROP_DHCP_SERVER);
        CHECK_VERDICT(lan(&f), L2_ALLOW);

        /* A later fragment has no UDP header even if its first bytes read 67,
         * and may be shorter than one. */
        frame_eth(&f, &mac_broadcast, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(&f, IP_PROTO_UDP, 5, 0x0001);
        uint8_t *p = frame_put(&f, 4);
        be16_store(p, 67);
        frame_finish(&f);
        CHECK_VERDICT(remote(&f), L2_ALLOW);
        CHECK_VERDICT(lan(&f), L2_ALLOW);

        /* Only the top offset bit set, in front of a fake DHCP header. */
        frame_eth(&f, &mac_broadcast, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(&f, IP_PROTO_UDP, 5, 0x1000);
        frame_udp(&f, 67, 68, 16);
        frame_finish(&f);
        CHECK_VERDICT(remote(&f), L2_ALLOW);

        /* Largest offset, no payload at all. */
        frame_eth(&f, &mac_broadcast, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(&f, IP_PROTO_UDP, 5, 0x3fff);
        frame_finish(&f);
        CHECK_VERDICT(remote(&f), L2_ALLOW);

        /* DF alone is not a fragment. */
        frame_eth(&f, &mac_broadcast, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(&f, IP_PROTO_UDP, 5, 0x4000);
        frame_udp(&f, 67, 68, 16);
        frame_finish(&f);
        CHECK_VERDICT(remote(&f), L2_DROP_DHCP_SERVER);
}

static void test_ipv6_lying_lengths(void) {
        Frame f;

        /* Payload length beyond the frame. */
        build_udp6(&f, &mac_client, 546, 547);
        be16_store(f.buf + 14 + 4, (uint16_t) (f.len - 14 - 40 + 1));
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        be16_store(f.buf + 14 + 4, 0xffff);
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);

        /* Payload length shorter than the UDP header it claims to hold; the
         * rest of the frame is padding and must not be read as header. */
        build_udp6(&f, &mac_client, 547, 546);
        be16_store(f.buf + 14 + 4, 4);
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);

        /* Payload length 0: only No Next Header fits. */
        build_icmp6(&f, &mac_client, 134);
        be16_store(f.buf + 14 + 4, 0);
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        f.buf[14 + 6] = IP_PROTO_NONE;
        CHECK_VERDICT(remote(&f), L2_ALLOW);

        /* Extension header whose length runs past the payload, though the
         * frame still has bytes after it. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_DSTOPTS);
        frame_ext(&f, IP_PROTO_ICMPV6, 1);
        frame_icmpv6(&f, 134, 20);
        frame_finish(&f);
        CHECK_VERDICT(remote(&f), L2_DROP_ROUTER_ADVERTISEMENT);
        be16_store(f.buf + 14 + 4, 16 + 2); /* ends inside the ICMPv6 header */
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        be16_store(f.buf + 14 + 4, 8); /* ends inside the extension header */
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);

        /* Maximum hdr ext len: 2048 bytes claimed. */
        build_icmp6(&f, &mac_client, 128);
        f.buf[14 + 6] = IP_PROTO_HOPOPTS;
        f.buf[14 + 40] = IP_PROTO_ICMPV6;
        f.buf[14 + 41] = 255;
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);

        /* AH with a length far beyond the packet. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_AH);
        frame_ah(&f, IP_PROTO_ICMPV6);
        frame_icmpv6(&f, 134, 12);
        frame_finish(&f);
        CHECK_VERDICT(remote(&f), L2_DROP_ROUTER_ADVERTISEMENT);
        f.buf[14 + 41] = 255;
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);

        /* Header ending exactly at the end, announcing ICMPv6 that is not there. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_ROUTING);
        frame_ext(&f, IP_PROTO_ICMPV6, 0);
        frame_finish(&f);
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);

        /* A Fragment header cut short is malformed before it is a fragment. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_FRAGMENT);
        frame_put(&f, 7);
        frame_finish(&f);
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);

        /* Wrong version under the IPv6 EtherType. */
        build_udp6(&f, &mac_client, 546, 547);
        f.buf[14] = 0x45;
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
}

static void test_ipv6_long_chains(void) {
        Frame f;
        L2FilterContext big = {.source = &mac_client, .mtu = 1500};

        /* An RA behind 180 Destination Options headers is still found. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_DSTOPTS);
        for (int i = 0; i < 179; i++)
                frame_ext(&f, IP_PROTO_DSTOPTS, 0);
        frame_ext(&f, IP_PROTO_ICMPV6, 0);
        frame_icmpv6(&f, 134, 4);
        frame_finish(&f);
        CHECK(f.len <= 1514);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, &big), L2_DROP_ROUTER_ADVERTISEMENT);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_LAN_TO_REMOTE, &big), L2_ALLOW);
        /* The last link cut off. */
        CHECK_VERDICT(filter_copy(f.buf, f.len - 1, L2_REMOTE_TO_LAN, &big), L2_DROP_MALFORMED);

        /* A fragment header at the end of a long chain. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_HOPOPTS);
        for (int i = 0; i < 100; i++)
                frame_ext(&f, i % 2 ? IP_PROTO_ROUTING : IP_PROTO_DSTOPTS, 0);
        frame_ext(&f, IP_PROTO_FRAGMENT, 0);
        frame_frag6(&f, IP_PROTO_ICMPV6, 0, true);
        frame_icmpv6(&f, 128, 8);
        frame_finish(&f);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, &big), L2_DROP_IPV6_FRAGMENT);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_LAN_TO_REMOTE, &big), L2_ALLOW);

        /* A chain too long for the room MTU is jumbo before it is walked. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_DSTOPTS);
        for (int i = 0; i < 300; i++)
                frame_ext(&f, IP_PROTO_DSTOPTS, 0);
        frame_ext(&f, IP_PROTO_NONE, 0);
        frame_finish(&f);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, &big), L2_DROP_JUMBO);

        /* Larger units than the packet inside a chain. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_DSTOPTS);
        for (int i = 0; i < 10; i++)
                frame_ext(&f, IP_PROTO_DSTOPTS, 0);
        frame_ext(&f, IP_PROTO_ICMPV6, 0);
        frame_icmpv6(&f, 134, 4);
        frame_finish(&f);
        f.buf[14 + 40 + 5 * 8 + 1] = 200;
        CHECK_VERDICT(remote(&f), L2_DROP_MALFORMED);
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);
}

static void test_ipv6_fragments_lan(void) {
        Frame f;

        /* Gateway side: fragments pass; a later one is not parsed further. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_lan_host, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_FRAGMENT);
        frame_frag6(&f, IP_PROTO_ICMPV6, 100, false);
        frame_put(&f, 1); /* too short for an ICMPv6 header: irrelevant here */
        frame_finish(&f);
        CHECK_VERDICT(lan(&f), L2_ALLOW);
        CHECK_VERDICT(remote(&f), L2_DROP_SPOOFED_SOURCE);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, NULL), L2_DROP_IPV6_FRAGMENT);

        /* A first fragment is walked on, and its headers must be complete. */
        frame_eth(&f, &mac_ipv6_mcast, &mac_lan_host, LP_ETHERTYPE_IPV6);
        frame_ipv6(&f, IP_PROTO_FRAGMENT);
        frame_frag6(&f, IP_PROTO_ICMPV6, 0, true);
        frame_put(&f, 1);
        frame_finish(&f);
        CHECK_VERDICT(lan(&f), L2_DROP_MALFORMED);
        /* Remote: the Fragment header comes first and decides. */
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, NULL), L2_DROP_IPV6_FRAGMENT);
}

/* ---- the policy table, every row in both directions ---- */

typedef void (*BuildFunc)(Frame *f);

static void build_malformed_ipv4(Frame *f) {
        build_udp4(f, &mac_client, 68, 67);
        f->buf[14] = 0x44; /* IHL 4 */
}
static void build_malformed_ipv6(Frame *f) {
        frame_eth(f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_DSTOPTS);
        frame_put(f, 6);
        frame_finish(f);
}

static void build_invalid_source_mcast(Frame *f) {
        build_udp4(f, &mac_ipv4_mcast, 5353, 5353);
}
static void build_invalid_source_bcast(Frame *f) {
        build_arp(f, &mac_broadcast);
}
static void build_invalid_source_zero(Frame *f) {
        build_udp6(f, &mac_zero, 546, 547);
}
static void build_spoofed(Frame *f) {
        build_udp4(f, &mac_other_client, 68, 67);
}
static void build_jumbo(Frame *f) {
        /* ctx_client has MTU 1400. */
        frame_eth(f, &mac_lan_host, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(f, IP_PROTO_UDP, 5, 0);
        frame_udp(f, 5000, 5000, 1401 - 28);
        frame_finish(f);
}
static void build_stp(Frame *f) {
        frame_eth(f, &mac_stp, &mac_client, 0x0026); /* 802.3 length, LLC follows */
        uint8_t *p = frame_put(f, 38);
        p[0] = 0x42;
        p[1] = 0x42;
        p[2] = 0x03;
}
static void build_lldp(Frame *f) {
        MacAddr lldp = {{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}};
        frame_eth(f, &lldp, &mac_client, 0x88cc);
        frame_put(f, 40);
}
static void build_eapol(Frame *f) {
        MacAddr pae = {{0x01, 0x80, 0xc2, 0x00, 0x00, 0x03}};
        frame_eth(f, &pae, &mac_client, 0x888e);
        frame_put(f, 4);
}
static void build_reserved_last(Frame *f) {
        MacAddr last = {{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0f}};
        frame_eth(f, &last, &mac_client, LP_ETHERTYPE_ARP);
        frame_put(f, 28);
}
static void build_vlan(Frame *f) {
        frame_eth(f, &mac_lan_host, &mac_client, LP_ETHERTYPE_VLAN);
        uint8_t *p = frame_put(f, 4);
        be16_store(p, 42);
        be16_store(p + 2, LP_ETHERTYPE_IPV4);
        frame_ipv4(f, IP_PROTO_UDP, 5, 0);
        frame_udp(f, 68, 67, 8);
        frame_finish(f);
}
static void build_qinq(Frame *f) {
        frame_eth(f, &mac_lan_host, &mac_client, LP_ETHERTYPE_QINQ);
        uint8_t *p = frame_put(f, 8);
        be16_store(p, 100);
        be16_store(p + 2, LP_ETHERTYPE_VLAN);
        be16_store(p + 4, 42);
        be16_store(p + 6, LP_ETHERTYPE_ARP);
        frame_put(f, 28);
}
static void build_qinq_old(Frame *f) {
        frame_eth(f, &mac_lan_host, &mac_client, LP_ETHERTYPE_QINQ_OLD);
        frame_put(f, 4);
}
static void build_vlan_cut(Frame *f) {
        /* A tag that is not even there is still a tag. */
        frame_eth(f, &mac_lan_host, &mac_client, LP_ETHERTYPE_VLAN);
}
static void build_dhcp_offer(Frame *f) {
        build_udp4(f, &mac_client, 67, 68);
}
static void build_dhcp_options(Frame *f) {
        /* The UDP header sits after IPv4 options, where IHL says. */
        frame_eth(f, &mac_broadcast, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(f, IP_PROTO_UDP, 7, 0);
        frame_udp(f, 67, 68, 300);
        frame_finish(f);
}
static void build_dhcpv6_advertise(Frame *f) {
        build_udp6(f, &mac_client, 547, 546);
}
static void build_dhcpv6_behind_ext(Frame *f) {
        frame_eth(f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_HOPOPTS);
        frame_ext(f, IP_PROTO_DSTOPTS, 0);
        frame_ext(f, IP_PROTO_UDP, 1);
        frame_udp(f, 547, 547, 40);
        frame_finish(f);
}
static void build_ra(Frame *f) {
        build_icmp6(f, &mac_client, 134);
}
static void build_ra_behind_routing(Frame *f) {
        frame_eth(f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_ROUTING);
        frame_ext(f, IP_PROTO_ICMPV6, 2);
        frame_icmpv6(f, 134, 12);
        frame_finish(f);
}
static void build_ra_behind_ah(Frame *f) {
        frame_eth(f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_AH);
        frame_ah(f, IP_PROTO_ICMPV6);
        frame_icmpv6(f, 134, 12);
        frame_finish(f);
}
static void build_ra_behind_mobility(Frame *f) {
        frame_eth(f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_MOBILITY);
        frame_ext(f, IP_PROTO_ICMPV6, 0);
        frame_icmpv6(f, 134, 12);
        frame_finish(f);
}
static void build_redirect(Frame *f) {
        build_icmp6(f, &mac_client, 137);
}
static void build_fragment(Frame *f) {
        frame_eth(f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_FRAGMENT);
        frame_frag6(f, IP_PROTO_UDP, 0, true);
        frame_udp(f, 1234, 5678, 100);
        frame_finish(f);
}
static void build_fragment_later(Frame *f) {
        frame_eth(f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_DSTOPTS);
        frame_ext(f, IP_PROTO_FRAGMENT, 0);
        frame_frag6(f, IP_PROTO_ICMPV6, 185, false);
        frame_put(f, 64);
        frame_finish(f);
}
static void build_fragment_atomic(Frame *f) {
        /* RFC 6946 atomic fragment: offset 0, M clear. Still a Fragment header. */
        frame_eth(f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_FRAGMENT);
        frame_frag6(f, IP_PROTO_ICMPV6, 0, false);
        frame_icmpv6(f, 128, 8);
        frame_finish(f);
}

/* Allowed traffic. */
static void build_arp_request(Frame *f) {
        build_arp(f, &mac_client);
}
static void build_dhcp_discover(Frame *f) {
        build_udp4(f, &mac_client, 68, 67);
}
static void build_udp4_game(Frame *f) {
        frame_eth(f, &mac_broadcast, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(f, IP_PROTO_UDP, 5, 0);
        frame_udp(f, 27015, 27015, 1000);
        frame_finish(f);
}
static void build_udp4_to_port_67(Frame *f) {
        /* Destination 67 is a client talking to a server: fine. */
        build_udp4(f, &mac_client, 5000, 67);
}
static void build_tcp4(Frame *f) {
        frame_eth(f, &mac_lan_host, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(f, IP_PROTO_TCP, 5, 0x4000);
        frame_tcp(f, 67, 80); /* port 67 only matters for UDP */
        frame_finish(f);
}
static void build_udp4_padded(Frame *f) {
        /* Padded to the 60-byte Ethernet minimum; the padding is not IP. */
        frame_eth(f, &mac_broadcast, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(f, IP_PROTO_UDP, 5, 0);
        frame_udp(f, 68, 67, 0);
        frame_finish(f);
        frame_put(f, 60 - f->len);
}
static void build_udp6_normal(Frame *f) {
        build_udp6(f, &mac_client, 50000, 53);
}
static void build_dhcpv6_solicit(Frame *f) {
        build_udp6(f, &mac_client, 546, 547);
}
static void build_tcp6(Frame *f) {
        frame_eth(f, &mac_lan_host, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_TCP);
        frame_tcp(f, 547, 443);
        frame_finish(f);
}
static void build_echo6(Frame *f) {
        build_icmp6(f, &mac_client, 128);
}
static void build_rs(Frame *f) {
        build_icmp6(f, &mac_client, 133);
}
static void build_ns(Frame *f) {
        build_icmp6(f, &mac_client, 135);
}
static void build_na(Frame *f) {
        build_icmp6(f, &mac_client, 136);
}
static void build_mld_report(Frame *f) {
        /* MLDv2 report behind the Hop-by-Hop Router Alert, as hosts send it. */
        frame_eth(f, &mac_ipv6_mcast, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_HOPOPTS);
        frame_ext(f, IP_PROTO_ICMPV6, 0);
        frame_icmpv6(f, 143, 24);
        frame_finish(f);
}
static void build_no_next_header(Frame *f) {
        frame_eth(f, &mac_lan_host, &mac_client, LP_ETHERTYPE_IPV6);
        frame_ipv6(f, IP_PROTO_NONE);
        frame_put(f, 10); /* ignored */
        frame_finish(f);
}
static void build_unknown_ethertype(Frame *f) {
        frame_eth(f, &mac_broadcast, &mac_client, 0x88b5); /* local experimental */
        frame_put(f, 46);
}
static void build_header_only(Frame *f) {
        frame_eth(f, &mac_lan_host, &mac_client, 0x88b5);
}
static void build_ipx(Frame *f) {
        /* Old LAN games: IPX in 802.3 raw framing. */
        frame_eth(f, &mac_broadcast, &mac_client, 30);
        uint8_t *p = frame_put(f, 30);
        p[0] = 0xff;
        p[1] = 0xff;
}
static void build_max_frame(Frame *f) {
        /* Exactly room MTU + 14. */
        frame_eth(f, &mac_lan_host, &mac_client, LP_ETHERTYPE_IPV4);
        frame_ipv4(f, IP_PROTO_UDP, 5, 0);
        frame_udp(f, 5000, 5000, 1400 - 28);
        frame_finish(f);
}
static void build_not_reserved(Frame *f) {
        MacAddr after = {{0x01, 0x80, 0xc2, 0x00, 0x00, 0x10}};
        frame_eth(f, &after, &mac_client, LP_ETHERTYPE_ARP);
        frame_put(f, 28);
}

typedef struct PolicyCase {
        const char *name;
        BuildFunc build;
        L2Verdict remote;
        L2Verdict lan;
} PolicyCase;

#define CASE(fn, r, l) {#fn, fn, r, l}

static const PolicyCase policy_cases[] = {
        CASE(build_malformed_ipv4, L2_DROP_MALFORMED, L2_DROP_MALFORMED),
        CASE(build_malformed_ipv6, L2_DROP_MALFORMED, L2_DROP_MALFORMED),
        CASE(build_invalid_source_mcast, L2_DROP_INVALID_SOURCE, L2_DROP_INVALID_SOURCE),
        CASE(build_invalid_source_bcast, L2_DROP_INVALID_SOURCE, L2_DROP_INVALID_SOURCE),
        CASE(build_invalid_source_zero, L2_DROP_INVALID_SOURCE, L2_DROP_INVALID_SOURCE),
        CASE(build_spoofed, L2_DROP_SPOOFED_SOURCE, L2_ALLOW),
        CASE(build_jumbo, L2_DROP_JUMBO, L2_DROP_JUMBO),
        CASE(build_stp, L2_DROP_IEEE_RESERVED, L2_DROP_IEEE_RESERVED),
        CASE(build_lldp, L2_DROP_IEEE_RESERVED, L2_DROP_IEEE_RESERVED),
        CASE(build_eapol, L2_DROP_IEEE_RESERVED, L2_DROP_IEEE_RESERVED),
        CASE(build_reserved_last, L2_DROP_IEEE_RESERVED, L2_DROP_IEEE_RESERVED),
        CASE(build_vlan, L2_DROP_VLAN_TAGGED, L2_DROP_VLAN_TAGGED),
        CASE(build_qinq, L2_DROP_VLAN_TAGGED, L2_DROP_VLAN_TAGGED),
        CASE(build_qinq_old, L2_DROP_VLAN_TAGGED, L2_DROP_VLAN_TAGGED),
        CASE(build_vlan_cut, L2_DROP_VLAN_TAGGED, L2_DROP_VLAN_TAGGED),
        CASE(build_dhcp_offer, L2_DROP_DHCP_SERVER, L2_ALLOW),
        CASE(build_dhcp_options, L2_DROP_DHCP_SERVER, L2_ALLOW),
        CASE(build_dhcpv6_advertise, L2_DROP_DHCPV6_SERVER, L2_ALLOW),
        CASE(build_dhcpv6_behind_ext, L2_DROP_DHCPV6_SERVER, L2_ALLOW),
        CASE(build_ra, L2_DROP_ROUTER_ADVERTISEMENT, L2_ALLOW),
        CASE(build_ra_behind_routing, L2_DROP_ROUTER_ADVERTISEMENT, L2_ALLOW),
        CASE(build_ra_behind_ah, L2_DROP_ROUTER_ADVERTISEMENT, L2_ALLOW),
        CASE(build_ra_behind_mobility, L2_DROP_ROUTER_ADVERTISEMENT, L2_ALLOW),
        CASE(build_redirect, L2_DROP_ICMPV6_REDIRECT, L2_ALLOW),
        CASE(build_fragment, L2_DROP_IPV6_FRAGMENT, L2_ALLOW),
        CASE(build_fragment_later, L2_DROP_IPV6_FRAGMENT, L2_ALLOW),
        CASE(build_fragment_atomic, L2_DROP_IPV6_FRAGMENT, L2_ALLOW),

        CASE(build_arp_request, L2_ALLOW, L2_ALLOW),
        CASE(build_dhcp_discover, L2_ALLOW, L2_ALLOW),
        CASE(build_udp4_game, L2_ALLOW, L2_ALLOW),
        CASE(build_udp4_to_port_67, L2_ALLOW, L2_ALLOW),
        CASE(build_tcp4, L2_ALLOW, L2_ALLOW),
        CASE(build_udp4_padded, L2_ALLOW, L2_ALLOW),
        CASE(build_udp6_normal, L2_ALLOW, L2_ALLOW),
        CASE(build_dhcpv6_solicit, L2_ALLOW, L2_ALLOW),
        CASE(build_tcp6, L2_ALLOW, L2_ALLOW),
        CASE(build_echo6, L2_ALLOW, L2_ALLOW),
        CASE(build_rs, L2_ALLOW, L2_ALLOW),
        CASE(build_ns, L2_ALLOW, L2_ALLOW),
        CASE(build_na, L2_ALLOW, L2_ALLOW),
        CASE(build_mld_report, L2_ALLOW, L2_ALLOW),
        CASE(build_no_next_header, L2_ALLOW, L2_ALLOW),
        CASE(build_unknown_ethertype, L2_ALLOW, L2_ALLOW),
        CASE(build_header_only, L2_ALLOW, L2_ALLOW),
        CASE(build_ipx, L2_ALLOW, L2_ALLOW),
        CASE(build_max_frame, L2_ALLOW, L2_ALLOW),
        CASE(build_not_reserved, L2_ALLOW, L2_ALLOW),
};

static void test_policy_table(void) {
        bool seen_remote[_L2_VERDICT_MAX] = {}, seen_lan[_L2_VERDICT_MAX] = {};
        Frame f;

        for (size_t i = 0; i < ELEMENTSOF(policy_cases); i++) {
                const PolicyCase *c = &policy_cases[i];
                c->build(&f);
                L2Verdict r = remote(&f), l = lan(&f);
                if (r != c->remote || l != c->lan) {
                        fprintf(stderr, "%s: remote %s (want %s), lan %s (want %s)\n", c->name,
                                l2_verdict_to_string(r), l2_verdict_to_string(c->remote),
                                l2_verdict_to_string(l), l2_verdict_to_string(c->lan));
                        abort();
                }
                seen_remote[r] = true;
                seen_lan[l] = true;
        }

        /* The table above must exercise every reason from the remote side,
         * and from the LAN side every reason that applies there. */
        static const L2Verdict lan_reasons[] = {
                L2_ALLOW, L2_DROP_MALFORMED, L2_DROP_INVALID_SOURCE, L2_DROP_JUMBO,
                L2_DROP_IEEE_RESERVED, L2_DROP_VLAN_TAGGED,
        };
        for (int v = 0; v < _L2_VERDICT_MAX; v++)
                CHECK(seen_remote[v]);
        for (size_t i = 0; i < ELEMENTSOF(lan_reasons); i++)
                CHECK(seen_lan[lan_reasons[i]]);
}

/* The first matching row wins, in table order. */
static void test_order(void) {
        Frame f;

        /* Spoofed and a DHCP server at once. */
        build_udp4(&f, &mac_other_client, 67, 68);
        CHECK_VERDICT(remote(&f), L2_DROP_SPOOFED_SOURCE);
        /* Invalid beats spoofed. */
        build_udp4(&f, &mac_ipv4_mcast, 67, 68);
        CHECK_VERDICT(remote(&f), L2_DROP_INVALID_SOURCE);
        /* Jumbo before the tag or reserved destination is looked at. */
        frame_eth(&f, &mac_stp, &mac_client, LP_ETHERTYPE_VLAN);
        frame_put(&f, 1401);
        CHECK_VERDICT(remote(&f), L2_DROP_JUMBO);
        f.len = 14 + 1400;
        CHECK_VERDICT(remote(&f), L2_DROP_IEEE_RESERVED);
        /* A tagged frame is refused before its inner headers are parsed,
         * however broken they are. */
        frame_eth(&f, &mac_lan_host, &mac_client, LP_ETHERTYPE_VLAN);
        frame_put(&f, 4);
        be16_store(f.buf + 16, LP_ETHERTYPE_IPV6);
        CHECK_VERDICT(remote(&f), L2_DROP_VLAN_TAGGED);
}

static void test_context(void) {
        Frame f;

        /* No context: no spoofing check, MTU 1500. */
        build_udp4(&f, &mac_other_client, 68, 67);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, NULL), L2_ALLOW);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, &(L2FilterContext) {}), L2_ALLOW);
        build_udp4(&f, &mac_other_client, 67, 68);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, NULL), L2_DROP_DHCP_SERVER);

        frame_eth(&f, &mac_lan_host, &mac_client, 0x88b5);
        frame_put(&f, 1500);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, NULL), L2_ALLOW);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_LAN_TO_REMOTE, &(L2FilterContext) {.mtu = 0}), L2_ALLOW);
        frame_put(&f, 1);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, NULL), L2_DROP_JUMBO);
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_LAN_TO_REMOTE, NULL), L2_DROP_JUMBO);
        /* A room MTU above Ethernet's is capped: still jumbo. */
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, &(L2FilterContext) {.mtu = 9000}),
                      L2_DROP_JUMBO);
        /* Smallest room. */
        f.len = 14 + 576;
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, &(L2FilterContext) {.mtu = 576}), L2_ALLOW);
        f.len++;
        CHECK_VERDICT(filter_copy(f.buf, f.len, L2_REMOTE_TO_LAN, &(L2FilterContext) {.mtu = 576}),
                      L2_DROP_JUMBO);

        /* Out-of-range directions get the strict rules. */
        build_icmp6(&f, &mac_client, 134);
        CHECK_VERDICT(filter_copy(f.buf, f.len, (L2Direction) 7, NULL), L2_DROP_ROUTER_ADVERTISEMENT);
        CHECK_VERDICT(filter_copy(f.buf, f.len, _L2_DIRECTION_MAX, NULL), L2_DROP_ROUTER_ADVERTISEMENT);
        CHECK_VERDICT(filter_copy(f.buf, f.len, _L2_DIRECTION_INVALID, NULL), L2_DROP_ROUTER_ADVERTISEMENT);
}

static void test_names(void) {
        static const char *const names[] = {
                "allow",         "malformed",     "invalid_source",       "spoofed_source",
                "jumbo",         "ieee_reserved", "vlan_tagged",          "dhcp_server",
                "dhcpv6_server", "router_advertisement", "icmpv6_redirect", "ipv6_fragment",
        };

        CHECK_EQ_INT(ELEMENTSOF(names), _L2_VERDICT_MAX);
        CHECK_EQ_INT(L2_ALLOW, 0);
        for (int v = 0; v < _L2_VERDICT_MAX; v++) {
                CHECK_EQ_STR(l2_verdict_to_string((L2Verdict) v), names[v]);
                CHECK_EQ_INT(l2_verdict_from_string(names[v]), v);
        }

        CHECK(!l2_verdict_to_string(_L2_VERDICT_MAX));
        CHECK(!l2_verdict_to_string(_L2_VERDICT_INVALID));
        CHECK(!l2_verdict_to_string((L2Verdict) -1));
        CHECK_EQ_INT(l2_verdict_from_string(NULL), _L2_VERDICT_INVALID);
        CHECK_EQ_INT(l2_verdict_from_string(""), _L2_VERDICT_INVALID);
        CHECK_EQ_INT(l2_verdict_from_string("Malformed"), _L2_VERDICT_INVALID);
        CHECK_EQ_INT(l2_verdict_from_string("malformed "), _L2_VERDICT_INVALID);
        CHECK_EQ_INT(l2_verdict_from_string("jumb"), _L2_VERDICT_INVALID);

        CHECK_EQ_STR(l2_direction_to_string(L2_REMOTE_TO_LAN), "remote_to_lan");
        CHECK_EQ_STR(l2_direction_to_string(L2_LAN_TO_REMOTE), "lan_to_remote");
        CHECK(!l2_direction_to_string(_L2_DIRECTION_MAX));
        CHECK(!l2_direction_to_string(_L2_DIRECTION_INVALID));
        CHECK_EQ_INT(l2_direction_from_string("lan_to_remote"), L2_LAN_TO_REMOTE);
        CHECK_EQ_INT(l2_direction_from_string("remote_to_lan"), L2_REMOTE_TO_LAN);
        CHECK_EQ_INT(l2_direction_from_string("lan"), _L2_DIRECTION_INVALID);
        CHECK_EQ_INT(l2_direction_from_string(NULL), _L2_DIRECTION_INVALID);
}

int main(void) {
        RUN(test_short_and_null);
        RUN(test_truncated);
        RUN(test_ipv4_lying_headers);
        RUN(test_ipv4_fragments);
        RUN(test_ipv6_lying_lengths);
        RUN(test_ipv6_long_chains);
        RUN(test_ipv6_fragments_lan);
        RUN(test_policy_table);
        RUN(test_order);
        RUN(test_context);
        RUN(test_names);
        return 0;
}
