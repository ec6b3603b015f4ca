/* SPDX-License-Identifier: MIT */
#pragma once

/* A minimal relay for the client's tests, on our QuicServer and control
 * codec: one room, HELLO answered by lanparty-relayd's own decision
 * (room_admit_decide(): join proof against the room key, the gateway's
 * auth_key, budget, MACs; the same REJECT reasons and texts), WELCOME /
 * REJECT, PEER_JOINED / PEER_LEFT, and datagrams forwarded between the peers of the room. It can
 * also play the party's gateway itself ("virtual gateway", peer id 1), so
 * a client test needs no second connection to see its frames arrive on the
 * "LAN" and to get frames from it. Not the real lanparty-relayd: no rate
 * limits, no L2 filter, no D-Bus. No sockets or clocks either; the owner
 * shuttles packets like tests/test-quic.c does. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "control.h"
#include "quic.h"

#define TEST_RELAY_GATEWAY_ID 1
#define TEST_RELAY_MAX_PEERS 64

typedef struct TestRelay TestRelay;

typedef struct TestRelayPeer {
        uint32_t magic;
        TestRelay *relay;
        QuicConn *conn; /* NULL once closed */
        ControlReader reader;
        bool joined;
        bool left;
        uint16_t id;
        PeerRole role;
        MacAddr mac;
        char name[LP_CONTROL_NAME_MAX + 1];
        unsigned n_stats;
        bool got_disconnect;
        LeaveReason disconnect_reason;
} TestRelayPeer;

typedef struct TestRelayConfig {
        const char *cert_path, *key_path;
        /* cert_path's pin: the peers bind auth_key to it (their invites have it). */
        const uint8_t *pin;
        QuicAddr local;
        QuicSettings quic;
        const char *room;
        uint8_t room_key[LP_ROOM_KEY_SIZE];
        uint16_t room_mtu;
        bool virtual_gateway;
        const uint8_t *reset_secret; /* QUIC_SERVER_RESET_SECRET_SIZE bytes, or NULL */
        QuicSendFunc send;
        void *send_userdata;
        /* A frame reached the virtual gateway. */
        void (*gateway_frame)(TestRelay *r, uint16_t from, const uint8_t *frame, size_t len, void *userdata);
        /* A peer got its WELCOME. */
        void (*joined)(TestRelay *r, const TestRelayPeer *peer, void *userdata);
        void *userdata;
} TestRelayConfig;

typedef struct TestRelayCounters {
        unsigned hellos, welcomes, rejects;
        RejectReason last_reject;
        unsigned gateway_frames, gateway_broadcasts;
        unsigned forwarded;
} TestRelayCounters;

int test_relay_new(TestRelay **ret, const TestRelayConfig *config);
TestRelay *test_relay_free(TestRelay *r);

int test_relay_read_packet(TestRelay *r, const QuicAddr *remote, const uint8_t *data, size_t len, uint64_t now);
uint64_t test_relay_get_expiry(TestRelay *r);
int test_relay_handle_expiry(TestRelay *r, uint64_t now);

/* A frame from the virtual gateway to one peer (or 0: every client). */
int test_relay_gateway_send(TestRelay *r, uint16_t to, const uint8_t *frame, size_t len, uint64_t now);
/* Any bytes as a datagram to a peer (hostile datagrams). */
int test_relay_send_raw(TestRelay *r, uint16_t to, const uint8_t *data, size_t len, uint64_t now);
/* The virtual gateway leaves (PEER_LEFT) or comes back (PEER_JOINED). */
void test_relay_set_gateway(TestRelay *r, bool present, uint64_t now);
/* DISCONNECT with `reason`, then close, like a kick or a shutdown. */
int test_relay_disconnect(TestRelay *r, uint16_t id, LeaveReason reason, const char *text, uint64_t now);

const TestRelayPeer *test_relay_get_peer(TestRelay *r, uint16_t id);
/* The joined peer with this MAC, or NULL. */
const TestRelayPeer *test_relay_find_mac(TestRelay *r, const MacAddr *mac);
size_t test_relay_n_joined(TestRelay *r);
void test_relay_get_counters(TestRelay *r, TestRelayCounters *ret);
