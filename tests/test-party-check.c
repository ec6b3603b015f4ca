/* SPDX-License-Identifier: MIT */
/* The party check's probe datagrams (src/common/party-check.c): what the
 * gateway builds is what it recognises, with valid checksums; hostile and
 * cut-short frames are never taken for probes and never read out of
 * bounds (each is copied to a buffer of exactly its length, so ASan sees
 * any overread). */
#include <errno.h>
#include <stdlib.h>

#include "ether.h"
#include "inet-checksum.h"
#include "macro.h"
#include "party-check.h"
#include "test-util.h"

static const MacAddr gw_mac = { { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 } };
static const MacAddr client_mac = { { 0x02, 0x00, 0x5E, 0x10, 0x20, 0x30 } };
static const uint8_t nonce[LP_CHECK_NONCE_SIZE] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static int parse_exact(const uint8_t *frame, size_t len, CheckProbeFrame *ret) {
        uint8_t *copy = malloc(len ? len : 1);
        int r;

        CHECK(copy);
        memcpy(copy, frame, len);
        r = check_probe_frame_parse(copy, len, ret);
        free(copy);
        return r;
}

/* A client's probe as the OS would send it: broadcast MAC, 10.0.0.2 ->
 * dst, UDP to LP_CHECK_PORT. */
static size_t client_probe(uint8_t *buf, uint32_t dst_ip, CheckProbeKind kind, size_t payload_len) {
        uint8_t *ip = buf + LP_ETHER_HEADER_LEN, *udp = ip + 20;
        size_t total = 28 + payload_len;

        memset(buf, 0xFF, LP_MAC_LEN);
        memcpy(buf + LP_MAC_LEN, client_mac.bytes, LP_MAC_LEN);
        be16_store(buf + 12, LP_ETHERTYPE_IPV4);
        memset(ip, 0, 20);
        ip[0] = 0x45;
        be16_store(ip + 2, (uint16_t) total);
        be16_store(ip + 6, 0x4000);
        ip[8] = 64;
        ip[9] = 17;
        ip[12] = 10, ip[15] = 2;
        be32_store(ip + 16, dst_ip);
        be16_store(udp, 40000);
        be16_store(udp + 2, LP_CHECK_PORT);
        be16_store(udp + 4, (uint16_t) (8 + payload_len));
        be16_store(udp + 6, 0);
        CHECK_EQ_INT(check_probe_payload(udp + 8, payload_len, payload_len, nonce, kind), (int) payload_len);
        return LP_ETHER_HEADER_LEN + total;
}

static void test_payload(void) {
        uint8_t buf[64], got_nonce[LP_CHECK_NONCE_SIZE], kind;

        CHECK_EQ_INT(check_probe_payload(buf, sizeof(buf), LP_CHECK_PAYLOAD_MIN - 1, nonce,
                                         CHECK_PROBE_KIND_MULTICAST),
                     -EINVAL);
        CHECK_EQ_INT(check_probe_payload(buf, sizeof(buf), 40, nonce, 0), -EINVAL);
        CHECK_EQ_INT(check_probe_payload(buf, sizeof(buf), 40, nonce, _CHECK_PROBE_KIND_MAX), -EINVAL);
        CHECK_EQ_INT(check_probe_payload(buf, 39, 40, nonce, CHECK_PROBE_KIND_MULTICAST), -ENOBUFS);
        CHECK_EQ_INT(check_probe_payload(buf, sizeof(buf), 40, nonce, CHECK_PROBE_KIND_MULTICAST), 40);
        CHECK(check_probe_payload_parse(buf, 40, got_nonce, &kind));
        CHECK_EQ_INT(kind, CHECK_PROBE_KIND_MULTICAST);
        CHECK(memcmp(got_nonce, nonce, sizeof(nonce)) == 0);
        CHECK(!check_probe_payload_parse(buf, LP_CHECK_PAYLOAD_MIN - 1, got_nonce, &kind));
        buf[0] = 'l';
        CHECK(!check_probe_payload_parse(buf, 40, got_nonce, &kind));
        CHECK(!check_probe_payload_parse(NULL, 40, got_nonce, &kind));
}

static void test_build_parse(void) {
        uint8_t frame[LP_ETHER_FRAME_MAX];
        CheckProbeFrame p;
        int n;

        n = check_probe_frame_build(frame, sizeof(frame), &gw_mac, &client_mac, 5555, nonce,
                                    CHECK_PROBE_KIND_GATEWAY_FULL_SIZE, 1344);
        CHECK_EQ_INT(n, 14 + 1344);
        /* IPv4 header checksum and UDP checksum both verify. */
        CHECK_EQ_INT(inet_checksum_finish(inet_checksum_add(0, frame + 14, 20)), 0);
        {
                uint8_t pseudo[12] = {};
                uint64_t sum;

                memcpy(pseudo, frame + 14 + 12, 8);
                pseudo[9] = 17;
                be16_store(pseudo + 10, 1344 - 20);
                sum = inet_checksum_add(0, pseudo, sizeof(pseudo));
                sum = inet_checksum_add(sum, frame + 34, 1344 - 20);
                CHECK_EQ_INT(inet_checksum_finish(sum), 0);
        }
        CHECK(memcmp(frame, client_mac.bytes, 6) == 0);
        CHECK(memcmp(frame + 6, gw_mac.bytes, 6) == 0);
        CHECK_EQ_INT(frame[14 + 8], 1);               /* TTL */
        CHECK_EQ_INT(be16_load(frame + 14 + 6), 0x4000); /* DF */
        CHECK_EQ_INT(be16_load(frame + 34), LP_CHECK_PORT);
        CHECK_EQ_INT(be16_load(frame + 36), 5555);
        /* It goes to the client's port, not LP_CHECK_PORT: not a probe for the gateway. */
        CHECK_EQ_INT(parse_exact(frame, (size_t) n, &p), 0);

        /* Only the gateway's own kinds, sizes that hold the payload, a port. */
        CHECK_EQ_INT(check_probe_frame_build(frame, sizeof(frame), &gw_mac, &client_mac, 5555, nonce,
                                             CHECK_PROBE_KIND_LIMITED_BROADCAST, 100),
                     -EINVAL);
        CHECK_EQ_INT(check_probe_frame_build(frame, sizeof(frame), &gw_mac, &client_mac, 0, nonce,
                                             CHECK_PROBE_KIND_GATEWAY, 100),
                     -EINVAL);
        CHECK_EQ_INT(check_probe_frame_build(frame, sizeof(frame), &gw_mac, &client_mac, 1, nonce,
                                             CHECK_PROBE_KIND_GATEWAY, 28 + LP_CHECK_PAYLOAD_MIN - 1),
                     -EINVAL);
        CHECK_EQ_INT(check_probe_frame_build(frame, sizeof(frame), &gw_mac, &client_mac, 1, nonce,
                                             CHECK_PROBE_KIND_GATEWAY, 1501),
                     -EINVAL);
        CHECK_EQ_INT(check_probe_frame_build(frame, 14 + 99, &gw_mac, &client_mac, 1, nonce,
                                             CHECK_PROBE_KIND_GATEWAY, 100),
                     -ENOBUFS);
}

static void test_client_probe(void) {
        uint8_t frame[LP_ETHER_FRAME_MAX];
        CheckProbeFrame p;
        size_t n;

        n = client_probe(frame, LP_CHECK_MULTICAST_ADDR, CHECK_PROBE_KIND_MULTICAST, 64);
        CHECK_EQ_INT(parse_exact(frame, n, &p), 1);
        CHECK_EQ_INT(p.kind, CHECK_PROBE_KIND_MULTICAST);
        CHECK_EQ_INT(p.dst_ip, LP_CHECK_MULTICAST_ADDR);
        CHECK_EQ_INT(p.ip_total_len, 92);
        CHECK(p.dont_fragment);
        CHECK(mac_equal(&p.src_mac, &client_mac));
        CHECK(memcmp(p.nonce, nonce, sizeof(nonce)) == 0);

        /* Ethernet padding after the IP datagram is fine. */
        CHECK_EQ_INT(parse_exact(frame, n + 10, &p), 1);
        CHECK_EQ_INT(p.ip_total_len, 92);

        /* Every cut is "not a probe" (and read within bounds). */
        for (size_t len = 0; len < n; len++)
                CHECK_EQ_INT(parse_exact(frame, len, &p), 0);
}

static void test_hostile(void) {
        uint8_t frame[LP_ETHER_FRAME_MAX], bad[LP_ETHER_FRAME_MAX];
        CheckProbeFrame p;
        size_t n = client_probe(frame, UINT32_MAX, CHECK_PROBE_KIND_LIMITED_BROADCAST, 40);
        struct {
                size_t off;
                uint8_t value;
        } cases[] = {
                { 12, 0x86 },          /* EtherType IPv6 */
                { 14, 0x65 },          /* IP version 6 */
                { 14, 0x44 },          /* IHL 4 */
                { 14, 0x4F },          /* IHL 15: beyond the total length */
                { 16, 0xFF },          /* total length beyond the frame */
                { 17, 27 },            /* total length shorter than the headers */
                { 20, 0x20 },          /* more fragments */
                { 21, 0x01 },          /* fragment offset */
                { 23, 6 },             /* TCP */
                { 36, 0x12 },          /* another port */
                { 38, 0xFF },          /* UDP length beyond IP */
                { 39, 7 },             /* UDP length below its header */
                { 42, 'l' },           /* magic */
                { 55, 'k' },
        };

        CHECK_EQ_INT(parse_exact(frame, n, &p), 1);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                memcpy(bad, frame, n);
                bad[cases[i].off] = cases[i].value;
                CHECK_EQ_INT(parse_exact(bad, n, &p), 0);
        }
        /* A payload cut just before the kind byte is not a probe. */
        memcpy(bad, frame, n);
        be16_store(bad + 38, 8 + LP_CHECK_PAYLOAD_MIN - 1);
        CHECK_EQ_INT(parse_exact(bad, n, &p), 0);
        /* An unknown kind is still a probe (consumed), kind as sent. */
        memcpy(bad, frame, n);
        bad[42 + LP_CHECK_MAGIC_LEN + LP_CHECK_NONCE_SIZE] = 200;
        CHECK_EQ_INT(parse_exact(bad, n, &p), 1);
        CHECK_EQ_INT(p.kind, 200);
        CHECK_EQ_INT(check_probe_frame_parse(NULL, 0, &p), -EINVAL);

        /* Random bytes: never a crash, rarely a probe. */
        srand(18);
        for (int round = 0; round < 20000; round++) {
                size_t len = (size_t) rand() % (n + 1);
                memcpy(bad, frame, n);
                for (int k = 0; k < 3; k++)
                        bad[(size_t) rand() % n] = (uint8_t) rand();
                (void) parse_exact(bad, len, &p);
        }
}

static void test_names(void) {
        CHECK_EQ_STR(check_probe_kind_to_string(CHECK_PROBE_KIND_LIMITED_BROADCAST), "limited_broadcast");
        CHECK_EQ_STR(check_probe_kind_to_string(CHECK_PROBE_KIND_GATEWAY_FULL_SIZE), "gateway_full_size");
        CHECK(!check_probe_kind_to_string(0));
        CHECK(!check_probe_kind_to_string(_CHECK_PROBE_KIND_MAX));
}

int main(void) {
        RUN(test_payload);
        RUN(test_build_parse);
        RUN(test_client_probe);
        RUN(test_hostile);
        RUN(test_names);
        return 0;
}
