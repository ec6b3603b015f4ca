/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "relayd-forward.h"
#include "test-util.h"

#define NS UINT64_C(1000000000)

static const MacAddr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const MacAddr mcast = { { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } };
static const MacAddr lan_host = { { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 } };
static const MacAddr client_b = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b } };

static ForwardDecision decide(PeerRole role, uint16_t ingress, uint16_t gateway, const MacAddr *dst,
                              uint16_t dst_peer, bool on_lan) {
        ForwardDecision d;
        ForwardInput in = {
                .ingress_role = role,
                .ingress_id = ingress,
                .gateway_id = gateway,
                .dst = *dst,
                .dst_peer_id = dst_peer,
                .dst_on_lan = on_lan,
        };

        CHECK_EQ_INT(forward_decide(&in, &d), 0);
        return d;
}

static void test_hostile_inputs(void) {
        ForwardDecision d;
        ForwardInput in = { .ingress_role = PEER_ROLE_CLIENT, .ingress_id = 0, .dst = client_b };

        CHECK_EQ_INT(forward_decide(NULL, &d), -EINVAL);
        CHECK_EQ_INT(forward_decide(&in, NULL), -EINVAL);
        CHECK_EQ_INT(forward_decide(&in, &d), -EINVAL); /* id 0 */
        in.ingress_id = 1;
        in.ingress_role = 0;
        CHECK_EQ_INT(forward_decide(&in, &d), -EINVAL);
        in.ingress_role = 3;
        CHECK_EQ_INT(forward_decide(&in, &d), -EINVAL);

        CHECK(forward_drop_to_string(-1) == NULL);
        CHECK(forward_drop_to_string(_FORWARD_DROP_MAX) == NULL);
        CHECK(forward_class_to_string(_FORWARD_CLASS_MAX) == NULL);

        /* NULL table or MAC: no crash, nothing learned. */
        forward_mac_table_learn(NULL, &lan_host, 1);
        CHECK(!forward_mac_table_lookup(NULL, &lan_host, 1));
}

static void test_from_client(void) {
        ForwardDecision d;

        /* Broadcast and multicast flood, whatever else is known. */
        d = decide(PEER_ROLE_CLIENT, 2, 1, &bcast, 0, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_FLOOD);
        CHECK_EQ_INT(d.klass, FORWARD_CLASS_FLOOD);
        d = decide(PEER_ROLE_CLIENT, 2, 0, &mcast, 0, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_FLOOD);

        /* To another client by its announced MAC. */
        d = decide(PEER_ROLE_CLIENT, 2, 1, &client_b, 3, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_UNICAST);
        CHECK_EQ_INT(d.target, 3);
        CHECK_EQ_INT(d.klass, FORWARD_CLASS_KNOWN_UNICAST);
        /* ... also with no gateway in the room. */
        d = decide(PEER_ROLE_CLIENT, 2, 0, &client_b, 3, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_UNICAST);

        /* To itself: never reflected. */
        d = decide(PEER_ROLE_CLIENT, 2, 1, &client_b, 2, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_DROP);
        CHECK_EQ_STR(forward_drop_to_string(d.drop), "loop");

        /* Unknown unicast: only the gateway. */
        d = decide(PEER_ROLE_CLIENT, 2, 1, &lan_host, 0, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_UNICAST);
        CHECK_EQ_INT(d.target, 1);
        CHECK_EQ_INT(d.klass, FORWARD_CLASS_UNKNOWN_UNICAST);
        CHECK_EQ_STR(forward_class_to_string(d.klass), "unknown_unicast");
        /* Learned behind the gateway: known unicast to the gateway. */
        d = decide(PEER_ROLE_CLIENT, 2, 1, &lan_host, 0, true);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_UNICAST);
        CHECK_EQ_INT(d.target, 1);
        CHECK_EQ_INT(d.klass, FORWARD_CLASS_KNOWN_UNICAST);
        /* The gateway's own MAC is a peer MAC. */
        d = decide(PEER_ROLE_CLIENT, 2, 1, &lan_host, 1, false);
        CHECK_EQ_INT(d.target, 1);

        /* No gateway: nowhere to go. */
        d = decide(PEER_ROLE_CLIENT, 2, 0, &lan_host, 0, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_DROP);
        CHECK_EQ_STR(forward_drop_to_string(d.drop), "no_gateway");
        /* A bogus gateway id equal to the sender: still never reflected. */
        d = decide(PEER_ROLE_CLIENT, 2, 2, &lan_host, 0, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_DROP);
}

static void test_from_gateway(void) {
        ForwardDecision d;

        d = decide(PEER_ROLE_GATEWAY, 1, 1, &bcast, 0, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_FLOOD);

        d = decide(PEER_ROLE_GATEWAY, 1, 1, &client_b, 3, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_UNICAST);
        CHECK_EQ_INT(d.target, 3);

        d = decide(PEER_ROLE_GATEWAY, 1, 1, &lan_host, 0, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_DROP);
        CHECK_EQ_STR(forward_drop_to_string(d.drop), "unknown_unicast_from_gateway");

        d = decide(PEER_ROLE_GATEWAY, 1, 1, &lan_host, 0, true);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_DROP);
        CHECK_EQ_STR(forward_drop_to_string(d.drop), "loop");

        /* Its own announced MAC. */
        d = decide(PEER_ROLE_GATEWAY, 1, 1, &lan_host, 1, false);
        CHECK_EQ_INT(d.action, FORWARD_ACTION_DROP);
        CHECK_EQ_STR(forward_drop_to_string(d.drop), "loop");
}

static ForwardMacTable table;

static void test_mac_table(void) {
        MacAddr m;

        forward_mac_table_init(&table, 42);
        CHECK(!forward_mac_table_lookup(&table, &lan_host, 1));

        /* Group and zero sources are never learned; time 0 is refused. */
        forward_mac_table_learn(&table, &bcast, 1 * NS);
        forward_mac_table_learn(&table, &mcast, 1 * NS);
        forward_mac_table_learn(&table, &(MacAddr) {}, 1 * NS);
        forward_mac_table_learn(&table, &lan_host, 0);
        CHECK_EQ_INT(table.n_entries, 0);
        CHECK(!forward_mac_table_lookup(&table, &bcast, 1 * NS));

        forward_mac_table_learn(&table, &lan_host, 1 * NS);
        CHECK(forward_mac_table_lookup(&table, &lan_host, 2 * NS));
        CHECK(!forward_mac_table_lookup(&table, &client_b, 2 * NS));
        /* Re-learning does not duplicate. */
        forward_mac_table_learn(&table, &lan_host, 5 * NS);
        CHECK_EQ_INT(table.n_entries, 1);

        /* Ages out, comes back when seen again. */
        CHECK(forward_mac_table_lookup(&table, &lan_host, 5 * NS + FORWARD_MAC_AGE_NSEC - 1));
        CHECK(!forward_mac_table_lookup(&table, &lan_host, 5 * NS + FORWARD_MAC_AGE_NSEC));
        forward_mac_table_learn(&table, &lan_host, 400 * NS);
        CHECK(forward_mac_table_lookup(&table, &lan_host, 401 * NS));
        /* A clock going backwards does not age it. */
        CHECK(forward_mac_table_lookup(&table, &lan_host, 1 * NS));

        /* A flood of random sources never grows the table beyond its size
         * and the most recent MAC is always found. */
        for (uint32_t i = 0; i < 20000; i++) {
                m = (MacAddr) { { 0x00, 0x50, (uint8_t) (i >> 16), (uint8_t) (i >> 8), (uint8_t) i, 0x01 } };
                forward_mac_table_learn(&table, &m, 500 * NS + i);
                CHECK(forward_mac_table_lookup(&table, &m, 500 * NS + i));
                CHECK(table.n_entries <= FORWARD_MAC_TABLE_SIZE);
        }
        CHECK(table.n_entries > FORWARD_MAC_TABLE_SIZE / 2);

        forward_mac_table_clear(&table);
        CHECK_EQ_INT(table.n_entries, 0);
        CHECK(!forward_mac_table_lookup(&table, &m, 600 * NS));
        CHECK_EQ_INT(table.seed, 42);
}

int main(void) {
        RUN(test_hostile_inputs);
        RUN(test_from_client);
        RUN(test_from_gateway);
        RUN(test_mac_table);
        return 0;
}
