/* SPDX-License-Identifier: MIT */
/* Rooms and peers in a Manager without bus or sockets: admission limits,
 * peer ids, drop accounting, counters that outlive their peers, the hook
 * that stands for the QUIC side, empty rooms going away. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ether.h"
#include "relayd-config.h"
#include "relayd-manager.h"
#include "relayd-room.h"
#include "test-util.h"

static const uint8_t key[LP_CONTROL_AUTH_SIZE] = { 0xaa };

static unsigned n_disconnects;
static LeaveReason last_reason;
static char last_text[256];

static void on_disconnect(Peer *peer, LeaveReason reason, const char *text, void *userdata) {
        /* The peer is still whole when the hook runs. */
        CHECK(peer->room);
        CHECK(room_get_peer(peer->room, peer->id) == peer);
        n_disconnects++;
        last_reason = reason;
        snprintf(last_text, sizeof(last_text), "%s", text ? text : "");
}

static Manager *manager_for_test(const char *max_rooms, const char *max_peers) {
        char *args[] = { "lanparty-relayd", "--insecure-open-gateways", "--max-rooms", (char *) max_rooms,
                         "--max-peers-per-room", (char *) max_peers, NULL };
        RelayConfig *cli = NULL, *config = NULL;
        char *error = NULL;
        Manager *m = NULL;

        CHECK(relay_config_parse_argv((int) ELEMENTSOF(args) - 1, args, &cli, &error) == 0);
        CHECK(relay_config_merge(cli, NULL, "/nonexistent", &config, &error) == 0);
        relay_config_free(cli);
        CHECK(manager_new(&m, config, NULL) == 0);
        manager_set_hooks(m, &(ManagerHooks) { .peer_disconnect = on_disconnect });
        return m;
}

static MacAddr mac_n(unsigned n) {
        return (MacAddr) { { 0x02, 0, 0, 0, (uint8_t) (n >> 8), (uint8_t) n } };
}

static Peer *add(Room *room, PeerRole role, unsigned n) {
        MacAddr mac = mac_n(n);
        Peer *p = NULL;

        CHECK(peer_new(room, role, &mac, "p", NULL, 0, &p) == 0);
        return p;
}

static void run_iteration(Manager *m) {
        /* Dispatch the deferred flush (property signals, empty rooms). */
        CHECK(sd_event_run(m->event, 0) >= 0);
}

static void test_room_hostile(void) {
        Manager *m = manager_for_test("2", "3");
        Room *r = NULL, *r2 = NULL;
        char long_name[LP_ROOM_NAME_MAX + 2];

        CHECK(room_new(NULL, "x", key, 1400, &r) == -EINVAL);
        CHECK(room_new(m, NULL, key, 1400, &r) == -EINVAL);
        CHECK(room_new(m, "x", key, 1400, NULL) == -EINVAL);
        CHECK(room_new(m, "", key, 1400, &r) == -EINVAL);
        CHECK(room_new(m, "bad/name", key, 1400, &r) == -EINVAL);
        CHECK(room_new(m, "bad name", key, 1400, &r) == -EINVAL);
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        CHECK(room_new(m, long_name, key, 1400, &r) == -EINVAL);
        CHECK(room_new(m, "x", key, LP_CONTROL_MTU_MIN - 1, &r) == -EINVAL);
        CHECK(room_new(m, "x", key, LP_CONTROL_MTU_MAX + 1, &r) == -EINVAL);
        CHECK_EQ_INT(m->n_rooms, 0);

        long_name[LP_ROOM_NAME_MAX] = '\0';
        CHECK(room_new(m, long_name, key, LP_CONTROL_MTU_MIN, &r) == 0);
        CHECK(room_get_by_name(m, long_name) == r);
        CHECK_MEM(r->auth_key, key, sizeof(key));
        CHECK(room_new(m, long_name, key, 1400, &r2) == -EEXIST);
        CHECK(room_new(m, "b", key, LP_CONTROL_MTU_MAX, &r2) == 0);
        CHECK(room_new(m, "c", key, 1400, &r2) == -EXFULL);
        CHECK_EQ_INT(m->n_rooms, 2);
        CHECK(!room_get_by_name(m, "c"));
        CHECK(!room_get_by_name(m, NULL));

        CHECK(room_set_mtu(r, 100) == -EINVAL);
        CHECK(room_set_mtu(r, LP_CONTROL_MTU_MIN) == 0);
        CHECK(room_set_mtu(r, 1280) == 1);
        CHECK_EQ_INT(r->mtu, 1280);

        manager_free(m);
}

static void test_peer_hostile(void) {
        Manager *m = manager_for_test("4", "3");
        MacAddr mac = mac_n(1), multicast = { { 0x03, 0, 0, 0, 0, 1 } }, zero = {}, broadcast;
        char long_name[LP_CONTROL_NAME_MAX + 2];
        Room *room;
        Peer *p = NULL, *gw;

        memset(&broadcast, 0xff, sizeof(broadcast));
        CHECK(room_new(m, "r", key, 1400, &room) == 0);

        CHECK(peer_new(NULL, PEER_ROLE_CLIENT, &mac, "", NULL, 0, &p) == -EINVAL);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, NULL, "", NULL, 0, &p) == -EINVAL);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &mac, "", NULL, 0, NULL) == -EINVAL);
        CHECK(peer_new(room, 0, &mac, "", NULL, 0, &p) == -EINVAL);
        CHECK(peer_new(room, 3, &mac, "", NULL, 0, &p) == -EINVAL);
        CHECK(peer_new(room, _PEER_ROLE_INVALID, &mac, "", NULL, 0, &p) == -EINVAL);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &multicast, "", NULL, 0, &p) == -EINVAL);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &broadcast, "", NULL, 0, &p) == -EINVAL);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &zero, "", NULL, 0, &p) == -EINVAL);
        /* Names end up on D-Bus and in journals: protocol text rules. */
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &mac, "line\nbreak", NULL, 0, &p) == -EINVAL);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &mac, "esc\033[0m", NULL, 0, &p) == -EINVAL);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &mac, "bad\xc3\x28utf8", NULL, 0, &p) == -EINVAL);
        memset(long_name, 'n', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &mac, long_name, NULL, 0, &p) == -EINVAL);
        CHECK_EQ_INT(room->n_peers, 0);

        long_name[LP_CONTROL_NAME_MAX] = '\0';
        CHECK(peer_new(room, PEER_ROLE_GATEWAY, &mac, long_name, NULL, 0, &gw) == 0);
        CHECK_EQ_STR(gw->name, long_name);
        CHECK(room->gateway == gw);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &mac, "dup", NULL, 0, &p) == -EADDRINUSE);
        mac = mac_n(2);
        CHECK(peer_new(room, PEER_ROLE_GATEWAY, &mac, "second gw", NULL, 0, &p) == -EBUSY);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &mac, "ok", NULL, 0, &p) == 0);
        CHECK_EQ_STR(p->mac_str, "02:00:00:00:00:02");
        CHECK_EQ_STR(p->remote_str, "(unknown)");
        mac = mac_n(3);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &mac, NULL, NULL, 0, &p) == 0);
        mac = mac_n(4);
        CHECK(peer_new(room, PEER_ROLE_CLIENT, &mac, "full", NULL, 0, &p) == -EXFULL);
        CHECK_EQ_INT(room->n_peers, 3);
        CHECK_EQ_INT(m->n_peers, 3);
        CHECK(room_get_peer_by_mac(room, &(MacAddr) { { 0x02, 0, 0, 0, 0, 3 } }));
        CHECK(!room_get_peer_by_mac(room, &mac));
        CHECK(!room_get_peer(room, 0));

        /* The gateway leaving frees the slot for the next one. */
        peer_free(gw);
        CHECK(!room->gateway);
        CHECK(peer_new(room, PEER_ROLE_GATEWAY, &mac, "gw again", NULL, 0, &gw) == 0);
        CHECK(room->gateway == gw);

        manager_free(m);
}

static void test_peer_ids(void) {
        Manager *m = manager_for_test("1", "65535");
        Room *room;
        Peer *a, *b, *c;

        CHECK(room_new(m, "ids", key, 1400, &room) == 0);
        a = add(room, PEER_ROLE_GATEWAY, 1);
        b = add(room, PEER_ROLE_CLIENT, 2);
        CHECK_EQ_INT(a->id, 1);
        CHECK_EQ_INT(b->id, 2);
        CHECK_EQ_STR(b->id_str, "2");
        /* A departed peer's id is not reused at once. */
        peer_free(b);
        c = add(room, PEER_ROLE_CLIENT, 3);
        CHECK_EQ_INT(c->id, 3);
        CHECK(room_get_peer(room, 3) == c);
        CHECK(!room_get_peer(room, 2));

        /* Wrap around: 65535 is used, then 0 is skipped, 1 is taken. */
        room->next_peer_id = UINT16_MAX;
        b = add(room, PEER_ROLE_CLIENT, 4);
        CHECK_EQ_INT(b->id, UINT16_MAX);
        CHECK_EQ_STR(b->id_str, "65535");
        b = add(room, PEER_ROLE_CLIENT, 5);
        CHECK_EQ_INT(b->id, 2);
        CHECK(b->object_path && strstr(b->object_path, "/org/lanparty/Relay1/room/ids/peer/2"));

        manager_free(m);
}

static void test_drops(void) {
        static const char *const reasons[] = {
                "r00", "r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09", "r10", "r11", "r12",
                "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25",
                "r26", "r27", "r28", "r29",
        };
        Manager *m = manager_for_test("1", "2");
        uint64_t sum = 0;
        Room *room;
        Peer *p;

        CHECK(room_new(m, "d", key, 1400, &room) == 0);
        p = add(room, PEER_ROLE_CLIENT, 1);

        peer_count_drop(NULL, "x");
        peer_count_drop(p, NULL);
        CHECK_EQ_INT(p->n_drops, 1);
        CHECK_EQ_STR(p->drops[0].reason, "other");

        /* More reasons than slots: the excess lands in "other", and the
         * counts still add up. */
        for (int round = 0; round < 3; round++)
                for (size_t i = 0; i < ELEMENTSOF(reasons); i++)
                        peer_count_drop(p, reasons[i]);
        CHECK(p->n_drops <= PEER_DROP_REASONS_MAX);
        for (size_t i = 0; i < p->n_drops; i++)
                sum += p->drops[i].count;
        CHECK_EQ_INT(sum, p->counters.dropped_frames);
        CHECK_EQ_INT(p->counters.dropped_frames, 1 + 3 * ELEMENTSOF(reasons));
        CHECK_EQ_STR(p->drops[1].reason, "r00");
        CHECK_EQ_INT(p->drops[1].count, 3);
        /* A string equal to a known reason but at another address. */
        {
                char copy[] = "r00";
                peer_count_drop(p, copy);
                CHECK_EQ_INT(p->drops[1].count, 4);
        }

        manager_free(m);
}

static void test_counters_and_lifetimes(void) {
        Manager *m = manager_for_test("4", "8");
        RelayCounters c;
        Room *room, *other;
        Peer *a, *b;

        CHECK(room_new(m, "c", key, 1400, &room) == 0);
        CHECK(room_new(m, "o", key, 1400, &other) == 0);
        a = add(room, PEER_ROLE_GATEWAY, 1);
        b = add(room, PEER_ROLE_CLIENT, 2);
        (void) add(other, PEER_ROLE_GATEWAY, 3);
        a->counters = (RelayCounters) { 1, 10, 2, 20, 0 };
        b->counters = (RelayCounters) { 3, 30, 4, 40, 0 };
        peer_count_drop(b, "jumbo");

        room_get_counters(room, &c);
        CHECK_EQ_INT(c.rx_frames, 4);
        CHECK_EQ_INT(c.tx_bytes, 60);
        CHECK_EQ_INT(c.dropped_frames, 1);

        /* Counters outlive their peer, then their room. */
        peer_kick(b, "bye");
        CHECK_EQ_INT(n_disconnects, 1);
        CHECK_EQ_INT(last_reason, LEAVE_REASON_KICKED);
        CHECK_EQ_STR(last_text, "bye");
        room_get_counters(room, &c);
        CHECK_EQ_INT(c.rx_frames, 4);
        CHECK_EQ_INT(c.dropped_frames, 1);

        room_close(room, LEAVE_REASON_ROOM_CLOSED, "closing");
        CHECK_EQ_INT(n_disconnects, 2);
        CHECK_EQ_INT(last_reason, LEAVE_REASON_ROOM_CLOSED);
        CHECK(!room_get_by_name(m, "c"));
        manager_get_counters(m, &c);
        CHECK_EQ_INT(c.rx_frames, 4);
        CHECK_EQ_INT(c.rx_bytes, 40);
        CHECK_EQ_INT(c.tx_frames, 6);
        CHECK_EQ_INT(c.tx_bytes, 60);
        CHECK_EQ_INT(c.dropped_frames, 1);
        CHECK_EQ_INT(m->n_rooms, 1);
        CHECK_EQ_INT(m->n_peers, 1);

        /* A room created in one go with its first peer survives the
         * flush; once empty it is gone after the next one. */
        CHECK(room_new(m, "fresh", key, 1400, &room) == 0);
        a = add(room, PEER_ROLE_GATEWAY, 9);
        run_iteration(m);
        CHECK(room_get_by_name(m, "fresh") == room);
        peer_free(a);
        CHECK(room_get_by_name(m, "fresh") == room);
        run_iteration(m);
        CHECK(!room_get_by_name(m, "fresh"));
        CHECK_EQ_INT(m->n_rooms, 1);

        /* Shutdown disconnects everyone with "shutdown". */
        manager_close_rooms(m, LEAVE_REASON_SHUTDOWN, "bye all");
        CHECK_EQ_INT(last_reason, LEAVE_REASON_SHUTDOWN);
        CHECK_EQ_INT(n_disconnects, 3);
        CHECK_EQ_INT(m->n_rooms, 0);
        CHECK_EQ_INT(m->n_peers, 0);

        manager_free(m);
}

static void test_remote_and_rtt(void) {
        Manager *m = manager_for_test("1", "2");
        struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
        Room *room;
        Peer *p;

        CHECK(room_new(m, "n", key, 1400, &room) == 0);
        p = add(room, PEER_ROLE_CLIENT, 1);
        CHECK(p->connected_usec > 0);
        CHECK_EQ_INT(p->last_seen_usec, p->connected_usec);

        inet_pton(AF_INET6, "::ffff:203.0.113.9", &in6.sin6_addr);
        peer_set_remote(p, (struct sockaddr *) &in6, sizeof(in6));
        CHECK_EQ_STR(p->remote_str, "203.0.113.9:443");
        peer_set_remote(p, (struct sockaddr *) &in6, sizeof(in6));
        CHECK_EQ_STR(p->remote_str, "203.0.113.9:443");
        /* A length larger than any address is not copied. */
        peer_set_remote(p, (struct sockaddr *) &in6, 100000);
        CHECK_EQ_STR(p->remote_str, "(unknown)");

        peer_touch(p, 42);
        CHECK_EQ_INT(p->last_seen_usec, 42);
        peer_set_rtt(p, 1234);
        CHECK_EQ_INT(p->rtt_usec, 1234);

        manager_free(m);
}

/* Opens a room as the session would after the token check passed. */
static Room *open_room_with_token(Manager *m, const char *name, const char *token) {
        uint8_t digest[RELAY_TOKEN_DIGEST_SIZE];
        unsigned max = 0;
        Room *room;

        CHECK_EQ_INT(manager_check_gateway_token(m, token, strlen(token), name, NULL, digest, &max), 0);
        CHECK(room_new(m, name, key, 1400, &room) == 0);
        memcpy(room->gateway_token_digest, digest, sizeof(digest));
        return room;
}

static void test_gateway_tokens(void) {
        static const char file[] = "0123456789abcdef\n"
                                   "party-token-0123 party,lan-2\n"
                                   "any-token-012345 * max-rooms=2\n";
        char *args[] = { "lanparty-relayd", "--gateway-token-file", "/unused", NULL };
        RelayConfig *cli = NULL, *config = NULL;
        uint8_t digest[RELAY_TOKEN_DIGEST_SIZE];
        GatewayTokens *tokens = NULL;
        char *error = NULL;
        Manager *m = NULL;
        unsigned max = 0;
        Room *party, *any1;

        CHECK(gateway_tokens_parse("t", file, sizeof(file) - 1, &tokens, &error) == 0);
        CHECK(relay_config_parse_argv(3, args, &cli, &error) == 0);
        CHECK(relay_config_merge(cli, NULL, NULL, &config, &error) == 0);
        relay_config_free(cli);
        CHECK(manager_new(&m, config, tokens) == 0);

#define TOKEN_CHECK(token, room_name, room) \
        manager_check_gateway_token(m, token, strlen(token), room_name, room, digest, &max)
        CHECK_EQ_INT(TOKEN_CHECK("0123456789abcdeX", "party", NULL), -EACCES);
        CHECK_EQ_INT(TOKEN_CHECK("", "party", NULL), -EACCES);
        /* Bound: its rooms, no other name. */
        CHECK_EQ_INT(TOKEN_CHECK("party-token-0123", "other", NULL), -EPERM);
        CHECK_EQ_INT(TOKEN_CHECK("party-token-0123", "part", NULL), -EPERM);
        CHECK_EQ_INT(TOKEN_CHECK("party-token-0123", "lan-22", NULL), -EPERM);
        party = open_room_with_token(m, "party", "party-token-0123");
        /* Taking its own room back counts nothing new. */
        CHECK_EQ_INT(TOKEN_CHECK("party-token-0123", "party", party), 0);
        (void) open_room_with_token(m, "lan-2", "party-token-0123");
        /* A wildcard: any name, two at a time. */
        any1 = open_room_with_token(m, "any-1", "any-token-012345");
        (void) open_room_with_token(m, "any-2", "any-token-012345");
        CHECK_EQ_INT(TOKEN_CHECK("any-token-012345", "any-3", NULL), -EDQUOT);
        CHECK_EQ_INT(max, 2);
        /* Taking over another token's room is a new room for the quota. */
        CHECK_EQ_INT(TOKEN_CHECK("any-token-012345", "party", party), -EDQUOT);
        CHECK_EQ_INT(TOKEN_CHECK("any-token-012345", "any-1", any1), 0);
        room_free(any1);
        CHECK_EQ_INT(TOKEN_CHECK("any-token-012345", "any-3", NULL), 0);
        /* The old format: any room, one at a time. */
        (void) open_room_with_token(m, "old-1", "0123456789abcdef");
        CHECK_EQ_INT(TOKEN_CHECK("0123456789abcdef", "old-2", NULL), -EDQUOT);
        CHECK_EQ_INT(max, 1);
        manager_free(m);

        m = manager_for_test("1", "2");
        CHECK_EQ_INT(TOKEN_CHECK("anything", "party", NULL), 0);
        CHECK_EQ_INT(TOKEN_CHECK("anything", "party", NULL), 0);
#undef TOKEN_CHECK
        manager_free(m);

        CHECK(!manager_free(NULL));
        CHECK(!room_free(NULL));
        CHECK(!peer_free(NULL));
}

int main(void) {
        RUN(test_room_hostile);
        RUN(test_peer_hostile);
        RUN(test_peer_ids);
        RUN(test_drops);
        RUN(test_counters_and_lifetimes);
        RUN(test_remote_and_rtt);
        RUN(test_gateway_tokens);
        return 0;
}
