/* SPDX-License-Identifier: MIT */
/* room_admit_decide(): every answer the relay gives a decoded HELLO, with
 * its REJECT reason and text, and the order of the checks when a HELLO is
 * wrong in more than one way (a stranger learns nothing past the first
 * check it fails); room_admit_reject_undecoded(): the answer to one that
 * does not decode. No QUIC, no Manager: the facts are made up here. */
#include <errno.h>
#include <string.h>

#include "mtu.h"
#include "relayd-room-admit.h"
#include "test-util.h"

#define BUDGET 1400U /* carries LP_ROOM_MTU_MAX */

static ControlHello hello(PeerRole role) {
        ControlHello h = {
                .version = LP_CONTROL_PROTOCOL_VERSION,
                .role = role,
                .mac = { { role == PEER_ROLE_GATEWAY ? 0x00 : 0x02, 0x16, 0x3e, 0x00, 0x00, 0x07 } },
                .max_datagram_size = BUDGET,
                .room_len = 5,
                .auth_len = LP_CONTROL_AUTH_SIZE,
        };

        memcpy(h.room, "party", 6);
        return h;
}

/* A relay with room for more rooms and peers; no room of that name yet. */
static RoomAdmitFacts relay(void) {
        return (RoomAdmitFacts) {
                .n_rooms = 1,
                .max_rooms = 4,
                .max_peers_per_room = 4,
        };
}

/* The room "party", open, its gateway connected, two peers, a client's
 * proof good. */
static RoomAdmitFacts relay_with_room(void) {
        RoomAdmitFacts f = relay();

        f.room = (RoomAdmitRoom) {
                .open = true,
                .has_gateway = true,
                .n_peers = 2,
                .mtu = LP_ROOM_MTU_MAX,
                .auth_key_matches = true,
                .proof_valid = true,
        };
        return f;
}

static RoomAdmitVerdict decide(const ControlHello *h, const RoomAdmitFacts *f) {
        RoomAdmitVerdict v;

        memset(&v, 0x5a, sizeof(v)); /* no field left as it was */
        room_admit_decide(h, f, &v);
        return v;
}

static void check_reject(const ControlHello *h, const RoomAdmitFacts *f, RejectReason reason, const char *text) {
        RoomAdmitVerdict v = decide(h, f);

        CHECK_EQ_INT(v.action, ROOM_ADMIT_REJECT);
        CHECK_EQ_STR(reject_reason_to_string(v.reject), reject_reason_to_string(reason));
        CHECK_EQ_STR(v.text, text);
}

static void check_admit(const ControlHello *h, const RoomAdmitFacts *f, RoomAdmitAction action, uint16_t room_mtu) {
        RoomAdmitVerdict v = decide(h, f);

        CHECK_EQ_INT(v.action, action);
        if (action != ROOM_ADMIT_JOIN)
                CHECK_EQ_INT(v.room_mtu, room_mtu);
}

static void test_stopping(void) {
        ControlHello g = hello(PEER_ROLE_GATEWAY), c = hello(PEER_ROLE_CLIENT);
        RoomAdmitFacts f = relay_with_room();

        f.stopping = true;
        f.token_check = -EACCES; /* shutting down comes first */
        check_reject(&g, &f, REJECT_REASON_SERVER_ERROR, "the relay is shutting down");
        check_reject(&c, &f, REJECT_REASON_SERVER_ERROR, "the relay is shutting down");
}

static void test_gateway_token(void) {
        ControlHello g = hello(PEER_ROLE_GATEWAY);
        RoomAdmitFacts f = relay_with_room();

        /* Before the room is looked at: a stranger learns nothing about it. */
        f.token_check = -EACCES;
        check_reject(&g, &f, REJECT_REASON_BAD_GATEWAY_TOKEN, "gateway token missing or wrong");
        f.token_check = -EPERM;
        check_reject(&g, &f, REJECT_REASON_BAD_GATEWAY_TOKEN, "this gateway token may not open room 'party'");
        f.token_check = -EDQUOT;
        f.token_max_rooms = 1;
        check_reject(&g, &f, REJECT_REASON_TOO_MANY_ROOMS, "this gateway token holds 1 room, its max-rooms");
        f.token_max_rooms = 3;
        check_reject(&g, &f, REJECT_REASON_TOO_MANY_ROOMS, "this gateway token holds 3 rooms, its max-rooms");
        f.token_check = -ENOMEM;
        check_reject(&g, &f, REJECT_REASON_SERVER_ERROR, "cannot check the gateway token");
        f.token_check = -EINVAL;
        check_reject(&g, &f, REJECT_REASON_SERVER_ERROR, "cannot check the gateway token");

        /* A client's HELLO carries no token: the answer is not about it. */
        {
                ControlHello c = hello(PEER_ROLE_CLIENT);

                f.token_check = -EACCES;
                check_admit(&c, &f, ROOM_ADMIT_JOIN, 0);
        }
}

static void test_gateway_budget(void) {
        ControlHello g = hello(PEER_ROLE_GATEWAY);
        RoomAdmitFacts f = relay();

        /* Hostile budgets: none, one short of LP_MTU_MIN. */
        g.max_datagram_size = 0;
        check_reject(&g, &f, REJECT_REASON_DATAGRAM_TOO_SMALL, "datagram budget 0 carries no room MTU of at least 576");
        g.max_datagram_size = LP_MTU_DATAGRAM_MIN - 1;
        check_reject(&g, &f, REJECT_REASON_DATAGRAM_TOO_SMALL,
                     "datagram budget 593 carries no room MTU of at least 576");
        /* The smallest that carries it opens a room of LP_MTU_MIN; the
         * largest is capped at what the relay hands out. */
        g.max_datagram_size = LP_MTU_DATAGRAM_MIN;
        check_admit(&g, &f, ROOM_ADMIT_OPEN, LP_MTU_MIN);
        g.max_datagram_size = UINT16_MAX;
        check_admit(&g, &f, ROOM_ADMIT_OPEN, LP_ROOM_MTU_MAX);
        g.max_datagram_size = 1000;
        check_admit(&g, &f, ROOM_ADMIT_OPEN, 1000 - LP_MTU_FRAME_OVERHEAD);

        /* Too small for the room it comes back to. */
        f = relay_with_room();
        f.room.has_gateway = false;
        check_reject(&g, &f, REJECT_REASON_DATAGRAM_TOO_SMALL,
                     "datagram budget 1000 carries L3 MTU 982, room 'party' has MTU 1344");
}

static void test_gateway_rooms(void) {
        ControlHello g = hello(PEER_ROLE_GATEWAY);
        RoomAdmitFacts f = relay();

        check_admit(&g, &f, ROOM_ADMIT_OPEN, LP_ROOM_MTU_MAX);
        f.n_rooms = f.max_rooms;
        check_reject(&g, &f, REJECT_REASON_TOO_MANY_ROOMS, "this relay has 4 rooms open, its maximum");
        f.n_rooms = f.max_rooms + 1; /* after lowering MaxRooms= */
        check_reject(&g, &f, REJECT_REASON_TOO_MANY_ROOMS, "this relay has 4 rooms open, its maximum");

        /* A room open already: the cap on rooms does not matter. */
        f = relay_with_room();
        f.n_rooms = f.max_rooms;
        f.room.has_gateway = false;
        check_admit(&g, &f, ROOM_ADMIT_JOIN, 0);
}

static void test_gateway_present(void) {
        ControlHello g = hello(PEER_ROLE_GATEWAY);
        RoomAdmitFacts f = relay_with_room();

        check_reject(&g, &f, REJECT_REASON_GATEWAY_PRESENT, "room 'party' already has a gateway");
        /* With another key too: the room's key is not what it learns. */
        f.room.auth_key_matches = false;
        check_reject(&g, &f, REJECT_REASON_GATEWAY_PRESENT, "room 'party' already has a gateway");
        f.room.n_peers = 0;
        check_reject(&g, &f, REJECT_REASON_GATEWAY_PRESENT, "room 'party' already has a gateway");
}

static void test_gateway_key(void) {
        ControlHello g = hello(PEER_ROLE_GATEWAY);
        RoomAdmitFacts f = relay_with_room();

        /* Back with its key while its clients wait: joins the room. */
        f.room.has_gateway = false;
        check_admit(&g, &f, ROOM_ADMIT_JOIN, 0);
        /* Another key while clients are in: another party's gateway. */
        f.room.auth_key_matches = false;
        check_reject(&g, &f, REJECT_REASON_AUTH_FAILED,
                     "room 'party' is held for its gateway, which uses another room key");
        /* Nobody in: the room is its, with its key and its MTU, even if
         * the budget does not carry the room's old MTU. */
        f.room.n_peers = 0;
        g.max_datagram_size = 1000;
        check_admit(&g, &f, ROOM_ADMIT_TAKE_BACK, 1000 - LP_MTU_FRAME_OVERHEAD);
}

static void test_gateway_capacity(void) {
        ControlHello g = hello(PEER_ROLE_GATEWAY);
        RoomAdmitFacts f = relay_with_room();

        f.room.has_gateway = false;
        f.room.n_peers = f.max_peers_per_room;
        check_reject(&g, &f, REJECT_REASON_ROOM_FULL, "room 'party' has 4 peers, its maximum");
        f.room.n_peers = 1;
        f.room.mac_in_room = true; /* a client squats the gateway's MAC */
        check_reject(&g, &f, REJECT_REASON_DUPLICATE_MAC, "another peer in room 'party' uses this MAC");
        /* Its own LAN's MACs are the gateway's business. */
        f.room.mac_in_room = false;
        f.room.mac_on_lan = true;
        check_admit(&g, &f, ROOM_ADMIT_JOIN, 0);

        /* No peers per room at all: not even a new room's gateway. */
        f = relay();
        f.max_peers_per_room = 0;
        check_reject(&g, &f, REJECT_REASON_ROOM_FULL, "room 'party' has 0 peers, its maximum");
}

static void test_client(void) {
        ControlHello c = hello(PEER_ROLE_CLIENT);
        RoomAdmitFacts f = relay();

        check_reject(&c, &f, REJECT_REASON_NO_SUCH_ROOM, "no gateway has opened room 'party'");
        /* A client never opens a room, whatever the cap. */
        f.n_rooms = 0;
        check_reject(&c, &f, REJECT_REASON_NO_SUCH_ROOM, "no gateway has opened room 'party'");

        f = relay_with_room();
        check_admit(&c, &f, ROOM_ADMIT_JOIN, 0);
        /* The gateway away (its grace period): clients still get in. */
        f.room.has_gateway = false;
        check_admit(&c, &f, ROOM_ADMIT_JOIN, 0);
}

static void test_client_proof(void) {
        ControlHello c = hello(PEER_ROLE_CLIENT);
        RoomAdmitFacts f = relay_with_room();

        f.room.proof_valid = false;
        check_reject(&c, &f, REJECT_REASON_AUTH_FAILED, "join proof does not match the room key");
        /* Without the proof nothing about the room leaks: not its MACs,
         * its MTU or how full it is. */
        f.room.mac_on_lan = f.room.mac_in_room = true;
        f.room.n_peers = f.max_peers_per_room;
        c.max_datagram_size = LP_MTU_DATAGRAM_MIN;
        check_reject(&c, &f, REJECT_REASON_AUTH_FAILED, "join proof does not match the room key");
        f.room.proof_error = -EIO;
        check_reject(&c, &f, REJECT_REASON_SERVER_ERROR, "cannot derive the TLS exporter");
}

static void test_client_mac(void) {
        ControlHello c = hello(PEER_ROLE_CLIENT);
        RoomAdmitFacts f = relay_with_room();

        /* A host on the party LAN uses it (squatting it would steal its
         * frames). */
        f.room.mac_on_lan = true;
        check_reject(&c, &f, REJECT_REASON_DUPLICATE_MAC, "this MAC is in use on the party's LAN behind the gateway");
        f.room.mac_on_lan = false;
        f.room.mac_in_room = true;
        check_reject(&c, &f, REJECT_REASON_DUPLICATE_MAC, "another peer in room 'party' uses this MAC");
        /* A LAN MAC is refused before the budget is looked at. */
        f.room.mac_on_lan = true;
        c.max_datagram_size = LP_MTU_DATAGRAM_MIN;
        check_reject(&c, &f, REJECT_REASON_DUPLICATE_MAC, "this MAC is in use on the party's LAN behind the gateway");
}

static void test_client_budget(void) {
        ControlHello c = hello(PEER_ROLE_CLIENT);
        RoomAdmitFacts f = relay_with_room();

        c.max_datagram_size = LP_ROOM_MTU_MAX + LP_MTU_FRAME_OVERHEAD;
        check_admit(&c, &f, ROOM_ADMIT_JOIN, 0);
        c.max_datagram_size--;
        check_reject(&c, &f, REJECT_REASON_DATAGRAM_TOO_SMALL,
                     "datagram budget 1361 carries L3 MTU 1343, room 'party' has MTU 1344");
        /* Less than the overhead itself: the text does not wrap around. */
        c.max_datagram_size = 0;
        f.room.mtu = LP_MTU_MIN;
        {
                RoomAdmitVerdict v = decide(&c, &f);

                CHECK_EQ_INT(v.action, ROOM_ADMIT_REJECT);
                CHECK_EQ_INT(v.reject, REJECT_REASON_DATAGRAM_TOO_SMALL);
        }
        /* Budget before capacity. */
        c.max_datagram_size = 600;
        f.room.mtu = LP_ROOM_MTU_MAX;
        f.room.n_peers = f.max_peers_per_room;
        check_reject(&c, &f, REJECT_REASON_DATAGRAM_TOO_SMALL,
                     "datagram budget 600 carries L3 MTU 582, room 'party' has MTU 1344");
}

static void test_client_capacity(void) {
        ControlHello c = hello(PEER_ROLE_CLIENT);
        RoomAdmitFacts f = relay_with_room();

        f.room.n_peers = f.max_peers_per_room - 1;
        check_admit(&c, &f, ROOM_ADMIT_JOIN, 0);
        f.room.n_peers = f.max_peers_per_room;
        check_reject(&c, &f, REJECT_REASON_ROOM_FULL, "room 'party' has 4 peers, its maximum");
        /* Full comes before a taken MAC, as peer_new() checks. */
        f.room.mac_in_room = true;
        check_reject(&c, &f, REJECT_REASON_ROOM_FULL, "room 'party' has 4 peers, its maximum");
}

/* The longest room name in the longest text still fits REJECT's text. */
static void test_long_room_name(void) {
        ControlHello g = hello(PEER_ROLE_GATEWAY);
        RoomAdmitFacts f = relay_with_room();
        RoomAdmitVerdict v;

        memset(g.room, 'r', LP_ROOM_NAME_MAX);
        g.room[LP_ROOM_NAME_MAX] = '\0';
        g.room_len = LP_ROOM_NAME_MAX;
        f.room.has_gateway = false;
        f.room.auth_key_matches = false;
        v = decide(&g, &f);
        CHECK_EQ_INT(v.action, ROOM_ADMIT_REJECT);
        CHECK_EQ_INT(v.reject, REJECT_REASON_AUTH_FAILED);
        CHECK(strlen(v.text) <= LP_CONTROL_TEXT_MAX);
        CHECK(strstr(v.text, g.room));
}

static void check_undecoded(ControlError error, uint8_t version, RejectReason reason, const char *text) {
        RoomAdmitVerdict v;

        memset(&v, 0x5a, sizeof(v));
        room_admit_reject_undecoded(error, version, &v);
        CHECK_EQ_INT(v.action, ROOM_ADMIT_REJECT);
        CHECK_EQ_STR(reject_reason_to_string(v.reject), reject_reason_to_string(reason));
        CHECK_EQ_STR(v.text, text);
}

/* A first message that does not decode. The version texts say who must
 * update: an older program can show its user nothing else. */
static void test_undecoded(void) {
        check_undecoded(CONTROL_ERROR_BAD_VERSION, 1, REJECT_REASON_BAD_VERSION,
                        "protocol version 1 is too old, this relay speaks version 2: update lanparty on this computer");
        check_undecoded(CONTROL_ERROR_BAD_VERSION, 0, REJECT_REASON_BAD_VERSION,
                        "protocol version 0 is too old, this relay speaks version 2: update lanparty on this computer");
        check_undecoded(CONTROL_ERROR_BAD_VERSION, 3, REJECT_REASON_BAD_VERSION,
                        "this relay speaks protocol version 2, not 3: its operator must update lanparty-relayd");
        check_undecoded(CONTROL_ERROR_BAD_VERSION, UINT8_MAX, REJECT_REASON_BAD_VERSION,
                        "this relay speaks protocol version 2, not 255: its operator must update lanparty-relayd");
        /* The version is read only for a bad version. */
        check_undecoded(CONTROL_ERROR_BAD_ROOM, 1, REJECT_REASON_BAD_ROOM, "HELLO did not parse: bad_room");
        check_undecoded(CONTROL_ERROR_DATAGRAM_TOO_SMALL, 0, REJECT_REASON_DATAGRAM_TOO_SMALL,
                        "HELLO did not parse: datagram_too_small");
        check_undecoded(CONTROL_ERROR_BAD_GATEWAY_TOKEN, 0, REJECT_REASON_MALFORMED,
                        "HELLO did not parse: bad_gateway_token");
        check_undecoded(CONTROL_ERROR_BAD_MAC, 0, REJECT_REASON_MALFORMED, "HELLO did not parse: bad_mac");
        check_undecoded(CONTROL_ERROR_TRUNCATED, 0, REJECT_REASON_MALFORMED, "HELLO did not parse: truncated");
}

int main(void) {
        RUN(test_stopping);
        RUN(test_gateway_token);
        RUN(test_gateway_budget);
        RUN(test_gateway_rooms);
        RUN(test_gateway_present);
        RUN(test_gateway_key);
        RUN(test_gateway_capacity);
        RUN(test_client);
        RUN(test_client_proof);
        RUN(test_client_mac);
        RUN(test_client_budget);
        RUN(test_client_capacity);
        RUN(test_long_room_name);
        RUN(test_undecoded);
        return 0;
}
