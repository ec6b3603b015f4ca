/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "gatewayd-bridge.h"
#include "macro.h"
#include "test-util.h"

/* Hostile inputs first: runts, truncated and tagged captures, loops, frames
 * from unknown peers, spoofed sources; then the ordinary paths; then the
 * MAC table under collisions, growth and removal. */

static const MacAddr lan_host = {{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}};
static const MacAddr lan_host2 = {{0x00, 0x11, 0x22, 0x33, 0x44, 0x66}};
static const MacAddr client_a = {{0x02, 0xaa, 0x00, 0x00, 0x00, 0x01}};
static const MacAddr client_b = {{0x02, 0xbb, 0x00, 0x00, 0x00, 0x02}};
static const MacAddr broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const MacAddr stp = {{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}};

static int dummy_a, dummy_b;

/* An Ethernet frame with an IPv4/UDP packet of `payload` bytes. */
static size_t udp_frame(uint8_t *buf, const MacAddr *dst, const MacAddr *src, uint16_t sport, size_t payload) {
        size_t ip_len = 20 + 8 + payload;

        memset(buf, 0, 14 + ip_len);
        memcpy(buf, dst->bytes, 6);
        memcpy(buf + 6, src->bytes, 6);
        be16_store(buf + 12, LP_ETHERTYPE_IPV4);
        buf[14] = 0x45;
        be16_store(buf + 16, (uint16_t) ip_len);
        buf[22] = 64;
        buf[23] = 17; /* UDP */
        be32_store(buf + 26, 0xc0a80101);
        be32_store(buf + 30, 0xc0a801ff);
        be16_store(buf + 34, sport);
        be16_store(buf + 36, 9999);
        be16_store(buf + 38, (uint16_t) (8 + payload));
        return 14 + ip_len;
}

static void remotes_init(MacTable *t) {
        *t = (MacTable) {};
        CHECK_EQ_INT(mac_table_put(t, &client_a, &dummy_a), 0);
        CHECK_EQ_INT(mac_table_put(t, &client_b, &dummy_b), 0);
}

static void test_verdict_names(void) {
        CHECK_EQ_STR(bridge_verdict_to_string(BRIDGE_FORWARD), "forward");
        CHECK_EQ_STR(bridge_verdict_to_string(BRIDGE_LOCAL), "local");
        CHECK_EQ_STR(bridge_verdict_to_string((BridgeVerdict) L2_DROP_DHCP_SERVER), "dhcp_server");
        CHECK_EQ_STR(bridge_verdict_to_string((BridgeVerdict) L2_DROP_VLAN_TAGGED), "vlan_tagged");
        CHECK_EQ_STR(bridge_verdict_to_string(BRIDGE_DROP_TRUNCATED), "truncated");
        CHECK_EQ_STR(bridge_verdict_to_string(BRIDGE_DROP_UNKNOWN_PEER), "unknown_peer");
        CHECK_EQ_STR(bridge_verdict_to_string(BRIDGE_DROP_LINK_DOWN), "link_down");
        CHECK(!bridge_verdict_to_string(_BRIDGE_VERDICT_MAX));
        CHECK(!bridge_verdict_to_string((BridgeVerdict) -1));
        /* Every value has a distinct name: they key the D-Bus Drops dict. */
        for (int i = 0; i < _BRIDGE_VERDICT_MAX; i++) {
                CHECK(bridge_verdict_to_string((BridgeVerdict) i));
                for (int j = 0; j < i; j++)
                        CHECK(strcmp(bridge_verdict_to_string((BridgeVerdict) i),
                                     bridge_verdict_to_string((BridgeVerdict) j)) != 0);
        }
        CHECK(!bridge_verdict_is_drop(BRIDGE_FORWARD));
        CHECK(!bridge_verdict_is_drop(BRIDGE_LOCAL));
        CHECK(bridge_verdict_is_drop((BridgeVerdict) L2_DROP_MALFORMED));
        CHECK(bridge_verdict_is_drop(BRIDGE_DROP_CONGESTION));
        CHECK(!bridge_verdict_is_drop(_BRIDGE_VERDICT_MAX));
}

static void test_lan_hostile(void) {
        uint8_t f[LP_ETHER_FRAME_MAX];
        MacTable t;
        size_t n;

        remotes_init(&t);
        n = udp_frame(f, &broadcast, &lan_host, 5000, 32);

        /* Not in the room: nothing goes anywhere, whatever the frame. */
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 0, 1500), BRIDGE_DROP_NO_RELAY);
        CHECK_EQ_INT(bridge_lan_to_remote(NULL, 0, true, true, &t, 0, 1500), BRIDGE_DROP_NO_RELAY);
        /* Truncated capture wins over everything inside the frame. */
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, true, false, &t, 1400, 1500), BRIDGE_DROP_TRUNCATED);
        CHECK_EQ_INT(bridge_lan_to_remote(f, 3, true, true, &t, 1400, 1500), BRIDGE_DROP_TRUNCATED);
        /* The kernel stripped the tag: the bytes look untagged, the
         * auxdata says otherwise. */
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, true, &t, 1400, 1500), L2_DROP_VLAN_TAGGED);
        /* Runts and NULL. */
        CHECK_EQ_INT(bridge_lan_to_remote(f, 0, false, false, &t, 1400, 1500), L2_DROP_MALFORMED);
        CHECK_EQ_INT(bridge_lan_to_remote(f, 13, false, false, &t, 1400, 1500), L2_DROP_MALFORMED);
        CHECK_EQ_INT(bridge_lan_to_remote(NULL, 60, false, false, &t, 1400, 1500), L2_DROP_MALFORMED);
        /* IP header cut short inside a 14+ byte frame. */
        CHECK_EQ_INT(bridge_lan_to_remote(f, 20, false, false, &t, 1400, 1500), L2_DROP_MALFORMED);
        /* IP total length lies (larger than the frame). */
        be16_store(f + 16, 1000);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), L2_DROP_MALFORMED);

        /* A remote client's MAC seen on the wire: a loop, never sent back,
         * even as broadcast. */
        n = udp_frame(f, &broadcast, &client_a, 5000, 32);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), BRIDGE_DROP_LOOP);
        n = udp_frame(f, &client_b, &client_a, 5000, 32);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), BRIDGE_DROP_LOOP);

        /* Invalid sources. */
        n = udp_frame(f, &broadcast, &broadcast, 5000, 32);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), L2_DROP_INVALID_SOURCE);
        n = udp_frame(f, &client_a, &(MacAddr) {}, 5000, 32);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), L2_DROP_INVALID_SOURCE);

        /* Link-local control traffic (STP BPDU, 802.3 length field). */
        n = udp_frame(f, &stp, &lan_host, 5000, 32);
        be16_store(f + 12, 38);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), L2_DROP_IEEE_RESERVED);

        /* A tag still in the bytes (a kernel without tag offload). */
        n = udp_frame(f, &broadcast, &lan_host, 5000, 32);
        be16_store(f + 12, LP_ETHERTYPE_VLAN);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), L2_DROP_VLAN_TAGGED);

        /* Above the room MTU + 14: jumbo, before the frame budget. */
        n = udp_frame(f, &client_a, &lan_host, 5000, 1400 - 28 + 1);
        CHECK_EQ_INT(n, 1400 + 14 + 1);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), L2_DROP_JUMBO);
        /* Exactly room MTU + 14 passes the filter... */
        n = udp_frame(f, &client_a, &lan_host, 5000, 1400 - 28);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), BRIDGE_FORWARD);
        /* ...but not a frame budget that shrank below it (path MTU fell). */
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, n - 1), BRIDGE_DROP_TOO_BIG);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, n), BRIDGE_FORWARD);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 0), BRIDGE_DROP_TOO_BIG);

        mac_table_done(&t);
}

static void test_lan_ordinary(void) {
        uint8_t f[LP_ETHER_FRAME_MAX];
        MacTable t, empty = {};
        size_t n;

        remotes_init(&t);

        /* Broadcast and multicast go out. */
        n = udp_frame(f, &broadcast, &lan_host, 5000, 32);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), BRIDGE_FORWARD);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &empty, 1400, 1500), BRIDGE_FORWARD);
        n = udp_frame(f, &(MacAddr) {{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}}, &lan_host, 5353, 32);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), BRIDGE_FORWARD);
        /* Unicast to a remote client goes out... */
        n = udp_frame(f, &client_b, &lan_host, 5000, 32);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), BRIDGE_FORWARD);
        /* ...unicast between LAN hosts stays local, whatever else it is. */
        n = udp_frame(f, &lan_host2, &lan_host, 5000, 32);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), BRIDGE_LOCAL);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &empty, 1400, 1500), BRIDGE_LOCAL);
        n = udp_frame(f, &lan_host2, &lan_host, 5000, 1472);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), BRIDGE_LOCAL);
        /* The LAN's DHCP server answers a remote client: allowed in this
         * direction (the clients get their leases from the party LAN). */
        n = udp_frame(f, &client_a, &lan_host, 67, 300);
        CHECK_EQ_INT(bridge_lan_to_remote(f, n, false, false, &t, 1400, 1500), BRIDGE_FORWARD);

        mac_table_done(&t);
}

static void test_remote_hostile(void) {
        uint8_t f[LP_ETHER_FRAME_MAX];
        size_t n;

        /* Unknown peer id: no MAC to check against. */
        n = udp_frame(f, &broadcast, &client_a, 5000, 32);
        CHECK_EQ_INT(bridge_remote_to_lan(f, n, NULL, 1400), BRIDGE_DROP_UNKNOWN_PEER);
        CHECK_EQ_INT(bridge_remote_to_lan(NULL, 0, NULL, 1400), BRIDGE_DROP_UNKNOWN_PEER);
        CHECK_EQ_INT(bridge_remote_to_lan(NULL, 60, &client_a, 1400), L2_DROP_MALFORMED);
        CHECK_EQ_INT(bridge_remote_to_lan(f, n, &client_a, 0), BRIDGE_DROP_NO_RELAY);
        CHECK_EQ_INT(bridge_remote_to_lan(f, 13, &client_a, 1400), L2_DROP_MALFORMED);
        CHECK_EQ_INT(bridge_remote_to_lan(f, 0, &client_a, 1400), L2_DROP_MALFORMED);
        /* Source other than the announced MAC, even another client's. */
        CHECK_EQ_INT(bridge_remote_to_lan(f, n, &client_b, 1400), L2_DROP_SPOOFED_SOURCE);
        n = udp_frame(f, &broadcast, &lan_host, 5000, 32);
        CHECK_EQ_INT(bridge_remote_to_lan(f, n, &client_a, 1400), L2_DROP_SPOOFED_SOURCE);
        /* A client running a DHCP server. */
        n = udp_frame(f, &broadcast, &client_a, 67, 300);
        CHECK_EQ_INT(bridge_remote_to_lan(f, n, &client_a, 1400), L2_DROP_DHCP_SERVER);
        /* Jumbo by the room MTU. */
        n = udp_frame(f, &lan_host, &client_a, 5000, 1400 - 28 + 1);
        CHECK_EQ_INT(bridge_remote_to_lan(f, n, &client_a, 1400), L2_DROP_JUMBO);
        /* Tagged. */
        n = udp_frame(f, &lan_host, &client_a, 5000, 32);
        be16_store(f + 12, LP_ETHERTYPE_QINQ);
        CHECK_EQ_INT(bridge_remote_to_lan(f, n, &client_a, 1400), L2_DROP_VLAN_TAGGED);
}

static void test_remote_ordinary(void) {
        uint8_t f[LP_ETHER_FRAME_MAX];
        size_t n;

        n = udp_frame(f, &broadcast, &client_a, 5000, 32);
        CHECK_EQ_INT(bridge_remote_to_lan(f, n, &client_a, 1400), BRIDGE_FORWARD);
        n = udp_frame(f, &lan_host, &client_a, 5000, 1400 - 28);
        CHECK_EQ_INT(bridge_remote_to_lan(f, n, &client_a, 1400), BRIDGE_FORWARD);
        /* A DHCP client request is fine. */
        n = udp_frame(f, &broadcast, &client_a, 68, 300);
        CHECK_EQ_INT(bridge_remote_to_lan(f, n, &client_a, 1400), BRIDGE_FORWARD);
}

static void test_mac_table(void) {
        enum { N = 1000 };
        static int values[N];
        MacTable t = {};
        MacAddr mac;

        /* Empty table, NULL arguments. */
        CHECK(!mac_table_get(&t, &client_a));
        CHECK(!mac_table_get(NULL, &client_a));
        CHECK_EQ_INT(mac_table_remove(&t, &client_a, NULL), 0);
        CHECK_EQ_INT(mac_table_put(&t, &client_a, NULL), -EINVAL);
        CHECK_EQ_INT(mac_table_put(NULL, &client_a, &dummy_a), -EINVAL);
        CHECK_EQ_INT(mac_table_size(&t), 0);

        /* Replace keeps one entry. */
        CHECK_EQ_INT(mac_table_put(&t, &client_a, &dummy_a), 0);
        CHECK_EQ_INT(mac_table_put(&t, &client_a, &dummy_b), 0);
        CHECK_EQ_INT(mac_table_size(&t), 1);
        CHECK(mac_table_get(&t, &client_a) == &dummy_b);
        /* Removing with the wrong owner does nothing (a late PEER_LEFT). */
        CHECK_EQ_INT(mac_table_remove(&t, &client_a, &dummy_a), 0);
        CHECK(mac_table_get(&t, &client_a) == &dummy_b);
        CHECK_EQ_INT(mac_table_remove(&t, &client_a, &dummy_b), 1);
        CHECK(!mac_table_get(&t, &client_a));
        CHECK_EQ_INT(mac_table_size(&t), 0);

        /* Many sequential MACs (as vendors assign them): growth, lookups,
         * and deletion in an order that exercises the backward shift. */
        for (int i = 0; i < N; i++) {
                mac = (MacAddr) {{0x02, 0x00, 0x00, 0x00, (uint8_t) (i >> 8), (uint8_t) i}};
                CHECK_EQ_INT(mac_table_put(&t, &mac, &values[i]), 0);
        }
        CHECK_EQ_INT(mac_table_size(&t), N);
        CHECK(t.n * 2 <= t.cap);
        for (int i = 0; i < N; i += 3) {
                mac = (MacAddr) {{0x02, 0x00, 0x00, 0x00, (uint8_t) (i >> 8), (uint8_t) i}};
                CHECK_EQ_INT(mac_table_remove(&t, &mac, NULL), 1);
        }
        for (int i = 0; i < N; i++) {
                mac = (MacAddr) {{0x02, 0x00, 0x00, 0x00, (uint8_t) (i >> 8), (uint8_t) i}};
                if (i % 3 == 0)
                        CHECK(!mac_table_get(&t, &mac));
                else
                        CHECK(mac_table_get(&t, &mac) == &values[i]);
        }
        /* Only the last byte differs in the broadcast bit's neighbourhood:
         * a multicast address is just another key here. */
        CHECK(!mac_table_get(&t, &broadcast));
        for (int i = 0; i < N; i++) {
                mac = (MacAddr) {{0x02, 0x00, 0x00, 0x00, (uint8_t) (i >> 8), (uint8_t) i}};
                (void) mac_table_remove(&t, &mac, NULL);
        }
        CHECK_EQ_INT(mac_table_size(&t), 0);
        for (size_t i = 0; i < t.cap; i++)
                CHECK(!t.entries[i].used);

        mac_table_done(&t);
        CHECK(!t.entries);
        /* Usable again after done. */
        CHECK_EQ_INT(mac_table_put(&t, &client_a, &dummy_a), 0);
        CHECK(mac_table_get(&t, &client_a) == &dummy_a);
        mac_table_done(&t);
        mac_table_done(NULL);
}

/* Random insert/remove against a brute-force model. */
static void test_mac_table_model(void) {
        enum { KEYS = 64, STEPS = 20000 };
        static int values[KEYS];
        bool present[KEYS] = {};
        MacTable t = {};
        unsigned seed = 12345;

        for (int step = 0; step < STEPS; step++) {
                unsigned k;
                MacAddr mac;

                seed = seed * 1103515245 + 12345;
                k = (seed >> 16) % KEYS;
                /* Keys crowd into few home slots: only two bits vary. */
                mac = (MacAddr) {{0x02, 0x00, (uint8_t) (k & 3), 0x00, 0x00, (uint8_t) (k >> 2)}};
                if ((seed >> 8) & 1) {
                        CHECK_EQ_INT(mac_table_put(&t, &mac, &values[k]), 0);
                        present[k] = true;
                } else {
                        CHECK_EQ_INT(mac_table_remove(&t, &mac, NULL), present[k] ? 1 : 0);
                        present[k] = false;
                }
                if (step % 97 == 0) {
                        size_t n = 0;

                        for (unsigned j = 0; j < KEYS; j++) {
                                MacAddr m2 = {{0x02, 0x00, (uint8_t) (j & 3), 0x00, 0x00, (uint8_t) (j >> 2)}};

                                CHECK(mac_table_get(&t, &m2) == (present[j] ? &values[j] : NULL));
                                n += present[j];
                        }
                        CHECK_EQ_INT(mac_table_size(&t), n);
                }
        }
        mac_table_done(&t);
}

static void test_defer_queue(void) {
        BridgeDeferQueue *q = calloc(1, sizeof(BridgeDeferQueue));
        uint8_t f[LP_ETHER_FRAME_MAX + 1] = {};

        CHECK(q);
        /* Hostile sizes. */
        CHECK(!bridge_defer_push(q, 1, f, 13));
        CHECK(!bridge_defer_push(q, 1, f, LP_ETHER_FRAME_MAX + 1));
        CHECK(!bridge_defer_push(q, 1, NULL, 60));
        CHECK(!bridge_defer_push(NULL, 1, f, 60));
        CHECK_EQ_INT(q->n, 0);

        for (int i = 0; i < BRIDGE_DEFER_MAX; i++) {
                f[0] = (uint8_t) i;
                CHECK(bridge_defer_push(q, (uint16_t) (i + 1), f, i == 0 ? LP_ETHER_FRAME_MAX : 14));
        }
        /* Full: the caller drops instead of growing. */
        CHECK(!bridge_defer_push(q, 99, f, 60));
        CHECK_EQ_INT(q->n, BRIDGE_DEFER_MAX);
        CHECK_EQ_INT(q->items[0].len, LP_ETHER_FRAME_MAX);
        CHECK_EQ_INT(q->items[3].peer_id, 4);
        CHECK_EQ_INT(q->items[3].frame[0], 3);
        free(q);
}

int main(void) {
        RUN(test_verdict_names);
        RUN(test_lan_hostile);
        RUN(test_remote_hostile);
        RUN(test_lan_ordinary);
        RUN(test_remote_ordinary);
        RUN(test_mac_table);
        RUN(test_mac_table_model);
        RUN(test_defer_queue);
        return 0;
}
