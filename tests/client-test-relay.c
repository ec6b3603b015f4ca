/* SPDX-License-Identifier: MIT */
#include "client-test-relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "datagram.h"
#include "ether.h"
#include "log.h"
#include "quic-server.h"
#include "relayd-room-admit.h"
#include "room-name.h"

#define RELAY_MAGIC UINT32_C(0x524c4159)
#define PEER_MAGIC UINT32_C(0x50454552)

struct TestRelay {
        uint32_t magic;
        TestRelayConfig config;
        char room[LP_ROOM_NAME_MAX + 1];
        uint8_t auth_key[LP_AUTH_KEY_SIZE];
        QuicServer *server;
        uint64_t now;
        bool gateway_present;
        uint16_t next_id;
        TestRelayPeer *peers[TEST_RELAY_MAX_PEERS];
        size_t n_peers;
        TestRelayCounters counters;
};

static const MacAddr virtual_gateway_mac = { { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 } };

static int peer_send(TestRelayPeer *p, const ControlMessage *m) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        int n;

        if (!p->conn)
                return -ENOTCONN;
        n = control_encode(m, buf, sizeof(buf));
        if (n < 0)
                return n;
        return quic_conn_send_control(p->conn, buf, (size_t) n);
}

static ControlMessage joined_message(uint16_t id, PeerRole role, const MacAddr *mac, const char *name) {
        ControlMessage m = { .type = CONTROL_TYPE_PEER_JOINED };

        m.peer_joined.peer_id = id;
        m.peer_joined.role = role;
        m.peer_joined.mac = *mac;
        m.peer_joined.name_len = strlen(name);
        memcpy(m.peer_joined.name, name, m.peer_joined.name_len + 1);
        return m;
}

static ControlMessage left_message(uint16_t id, PeerRole role, const MacAddr *mac, LeaveReason reason) {
        ControlMessage m = { .type = CONTROL_TYPE_PEER_LEFT };

        m.peer_left.peer_id = id;
        m.peer_left.role = role;
        m.peer_left.mac = *mac;
        m.peer_left.reason = reason;
        return m;
}

static bool peer_is_in(const TestRelayPeer *q) {
        return q->joined && !q->left;
}

static void broadcast_control(TestRelay *r, const TestRelayPeer *except, const ControlMessage *m) {
        for (size_t i = 0; i < r->n_peers; i++) {
                TestRelayPeer *q = r->peers[i];
                if (q != except && peer_is_in(q))
                        (void) peer_send(q, m);
        }
}

static void peer_leave(TestRelayPeer *p, LeaveReason reason) {
        ControlMessage m;

        if (!p->joined || p->left)
                return;
        p->left = true;
        if (p->role == PEER_ROLE_GATEWAY)
                p->relay->gateway_present = false;
        m = left_message(p->id, p->role, &p->mac, reason);
        broadcast_control(p->relay, p, &m);
}

static void reject(TestRelayPeer *p, RejectReason reason, const char *text) {
        ControlMessage m = { .type = CONTROL_TYPE_REJECT };

        m.reject.reason = reason;
        m.reject.text_len = strlen(text);
        memcpy(m.reject.text, text, m.reject.text_len + 1);
        (void) peer_send(p, &m);
        p->relay->counters.rejects++;
        p->relay->counters.last_reject = reason;
        (void) quic_conn_close(p->conn, QUIC_APP_ERROR_REJECTED, "rejected", p->relay->now);
}

/* What room_admit_decide() needs, as lanparty-relayd would see it. This
 * relay holds one room, the configured one: open while its gateway
 * (virtual or not) or anyone else is in it; a HELLO for another room
 * finds the relay's one room taken. No gateway tokens, no LAN MACs. */
static RoomAdmitFacts admit_facts(TestRelayPeer *p, const ControlHello *h) {
        TestRelay *r = p->relay;
        bool ours = h->room_len == strlen(r->room) && memcmp(h->room, r->room, h->room_len) == 0;
        unsigned n_peers = r->config.virtual_gateway && r->gateway_present ? 1 : 0;
        bool mac_in_room = r->config.virtual_gateway && r->gateway_present && mac_equal(&h->mac, &virtual_gateway_mac);
        RoomAdmitFacts f;

        for (size_t i = 0; i < r->n_peers; i++)
                if (peer_is_in(r->peers[i])) {
                        n_peers++;
                        mac_in_room = mac_in_room || mac_equal(&r->peers[i]->mac, &h->mac);
                }

        f = (RoomAdmitFacts) {
                .n_rooms = !ours || r->gateway_present || n_peers > 0 ? 1 : 0,
                .max_rooms = 1,
                .max_peers_per_room = TEST_RELAY_MAX_PEERS,
        };
        if (!ours || f.n_rooms == 0)
                return f;

        f.room = (RoomAdmitRoom) {
                .open = true,
                .has_gateway = r->gateway_present,
                .n_peers = n_peers,
                .mtu = r->config.room_mtu,
                .auth_key_matches = memcmp(h->auth, r->auth_key, LP_AUTH_KEY_SIZE) == 0,
                .mac_in_room = mac_in_room,
        };
        if (h->role == PEER_ROLE_CLIENT) {
                uint8_t exporter[LP_AUTH_EXPORTER_SIZE];

                f.room.proof_error = quic_conn_get_tls_exporter(p->conn, LP_AUTH_EXPORTER_LABEL, exporter,
                                                                sizeof(exporter));
                f.room.proof_valid = f.room.proof_error >= 0 &&
                        auth_join_proof_verify(r->auth_key, exporter, h->room, h->room_len, &h->mac, h->auth);
        }
        return f;
}

static void handle_hello(TestRelayPeer *p, const ControlHello *h) {
        TestRelay *r = p->relay;
        RoomAdmitFacts facts = admit_facts(p, h);
        RoomAdmitVerdict verdict;
        ControlMessage m;

        r->counters.hellos++;
        room_admit_decide(h, &facts, &verdict);
        if (verdict.action == ROOM_ADMIT_REJECT)
                return reject(p, verdict.reject, verdict.text);
        /* A gateway opening the room, or taking it back, brings its key;
         * the room keeps the configured MTU. */
        if (verdict.action != ROOM_ADMIT_JOIN)
                memcpy(r->auth_key, h->auth, LP_AUTH_KEY_SIZE);

        p->id = r->next_id++;
        p->role = h->role;
        p->mac = h->mac;
        memcpy(p->name, h->name, h->name_len + 1);

        /* PROTOCOL.md "Order": the others hear of the newcomer first. */
        m = joined_message(p->id, p->role, &p->mac, p->name);
        broadcast_control(r, p, &m);

        m = (ControlMessage) { .type = CONTROL_TYPE_WELCOME };
        m.welcome = (ControlWelcome) { .peer_id = p->id, .room_mtu = r->config.room_mtu,
                                       .gateway_present = r->gateway_present || p->role == PEER_ROLE_GATEWAY };
        (void) peer_send(p, &m);
        r->counters.welcomes++;

        if (r->config.virtual_gateway && r->gateway_present) {
                m = joined_message(TEST_RELAY_GATEWAY_ID, PEER_ROLE_GATEWAY, &virtual_gateway_mac, "party-gateway");
                (void) peer_send(p, &m);
        }
        for (size_t i = 0; i < r->n_peers; i++) {
                TestRelayPeer *q = r->peers[i];
                if (q != p && peer_is_in(q)) {
                        m = joined_message(q->id, q->role, &q->mac, q->name);
                        (void) peer_send(p, &m);
                }
        }
        p->joined = true;
        if (p->role == PEER_ROLE_GATEWAY)
                r->gateway_present = true;
        if (r->config.joined)
                r->config.joined(r, p, r->config.userdata);
}

static void handle_message(TestRelayPeer *p, const ControlMessage *m) {
        if (!p->joined) {
                if (m->type != CONTROL_TYPE_HELLO) {
                        (void) quic_conn_close(p->conn, QUIC_APP_ERROR_PROTOCOL, "HELLO first", p->relay->now);
                        return;
                }
                return handle_hello(p, &m->hello);
        }
        switch (m->type) {
        case CONTROL_TYPE_STATS:
                p->n_stats++;
                return;
        case CONTROL_TYPE_DISCONNECT:
                p->got_disconnect = true;
                p->disconnect_reason = m->disconnect.reason;
                return peer_leave(p, m->disconnect.reason);
        default:
                (void) quic_conn_close(p->conn, QUIC_APP_ERROR_PROTOCOL, "unexpected message", p->relay->now);
                return;
        }
}

/* ---- server callbacks ----------------------------------------------------------- */

static TestRelayPeer *peer_of(void *userdata) {
        TestRelayPeer *p = userdata;
        return p && p->magic == PEER_MAGIC ? p : NULL;
}

static void on_handshake(QuicConn *conn, void *userdata) {
        TestRelay *r = userdata;
        TestRelayPeer *p;

        size_t slot;

        if (!r || r->magic != RELAY_MAGIC)
                return;
        /* Reuse the slot of a connection that is gone: reconnect tests
         * make many. */
        for (slot = 0; slot < r->n_peers; slot++)
                if (!r->peers[slot]->conn)
                        break;
        if (slot == TEST_RELAY_MAX_PEERS) {
                (void) quic_conn_close(conn, QUIC_APP_ERROR_INTERNAL, "full", r->now);
                return;
        }
        p = calloc(1, sizeof(TestRelayPeer));
        if (!p) {
                (void) quic_conn_close(conn, QUIC_APP_ERROR_INTERNAL, "oom", r->now);
                return;
        }
        p->magic = PEER_MAGIC;
        p->relay = r;
        p->conn = conn;
        control_reader_init(&p->reader);
        if (slot < r->n_peers)
                free(r->peers[slot]);
        else
                r->n_peers++;
        r->peers[slot] = p;
        quic_conn_set_userdata(conn, p);
}

static void on_control(QuicConn *conn, const uint8_t *data, size_t len, void *userdata) {
        TestRelayPeer *p = peer_of(userdata);
        ControlMessage m;
        int k = 0;

        quic_conn_consume_control(conn, len);
        if (!p)
                return;
        while (len > 0 && p->conn) {
                size_t n = control_reader_feed(&p->reader, data, len);
                data += n;
                len -= n;
                while (p->conn && (k = control_reader_next(&p->reader, &m)) > 0)
                        handle_message(p, &m);
                if (k < 0 && !p->joined) {
                        ControlError e = p->reader.error;
                        RoomAdmitVerdict verdict;

                        room_admit_reject_undecoded(e, e == CONTROL_ERROR_BAD_VERSION ? m.hello.version : 0, &verdict);
                        return reject(p, verdict.reject, verdict.text);
                }
                if (k < 0) {
                        (void) quic_conn_close(conn, QUIC_APP_ERROR_PROTOCOL, "malformed", p->relay->now);
                        return;
                }
        }
}

static void on_datagram(QuicConn *conn, const uint8_t *data, size_t len, void *userdata) {
        TestRelayPeer *p = peer_of(userdata);
        uint8_t buf[LP_DATAGRAM_SIZE_MAX];
        TestRelay *r;
        Datagram d;

        if (!p || !p->joined || p->left || len > sizeof(buf))
                return;
        r = p->relay;
        if (datagram_decode(data, len, &d, NULL) < 0 || d.flags != 0)
                return;
        memcpy(buf, data, len);
        if (datagram_mark_forwarded(buf, len, p->id) < 0)
                return;
        for (size_t i = 0; i < r->n_peers; i++) {
                TestRelayPeer *q = r->peers[i];
                if (q != p && peer_is_in(q) && q->conn) {
                        (void) quic_conn_send_datagram(q->conn, buf, len, r->now);
                        r->counters.forwarded++;
                }
        }
        if (r->config.virtual_gateway && r->gateway_present) {
                r->counters.gateway_frames++;
                if (d.frame[0] & 0x01)
                        r->counters.gateway_broadcasts++;
                if (r->config.gateway_frame)
                        r->config.gateway_frame(r, p->id, d.frame, d.frame_len, r->config.userdata);
        }
}

static void on_closed(QuicConn *conn, const QuicCloseInfo *info, void *userdata) {
        TestRelayPeer *p = peer_of(userdata);

        if (!p)
                return;
        peer_leave(p, info->kind == QUIC_CLOSE_IDLE_TIMEOUT ? LEAVE_REASON_TIMEOUT : LEAVE_REASON_QUIT);
        p->conn = NULL; /* the server frees it */
}

/* Control queued on other connections from inside one connection's
 * callbacks goes out here. */
static void flush(TestRelay *r) {
        for (size_t i = 0; i < r->n_peers; i++)
                if (r->peers[i]->conn)
                        (void) quic_conn_write(r->peers[i]->conn, r->now);
}

/* ---- API -------------------------------------------------------------------------- */

DEFINE_TRIVIAL_CLEANUP_FUNC(TestRelay *, test_relay_free);

int test_relay_new(TestRelay **ret, const TestRelayConfig *config) {
        _cleanup_(quic_tls_credentials_unrefp) QuicTlsCredentials *cred = NULL;
        _cleanup_(test_relay_freep) TestRelay *r = NULL;
        uint8_t e2e[LP_E2E_KEY_SIZE];
        int k;

        r = calloc(1, sizeof(TestRelay));
        if (!r)
                return -ENOMEM;
        r->magic = RELAY_MAGIC;
        r->config = *config;
        snprintf(r->room, sizeof(r->room), "%s", config->room);
        r->config.room = r->room;
        r->gateway_present = config->virtual_gateway;
        r->next_id = TEST_RELAY_GATEWAY_ID + 1;
        k = auth_derive_keys(config->room_key, config->pin, NULL, r->auth_key, e2e);
        if (k < 0)
                return k;
        k = quic_tls_credentials_load(&cred, config->cert_path, config->key_path);
        if (k < 0)
                return k;

        QuicServerConfig sc = {
                .settings = config->quic,
                .credentials = cred,
                .local = config->local,
                .callbacks = {
                        .send = config->send,
                        .handshake_completed = on_handshake,
                        .control_received = on_control,
                        .datagram_received = on_datagram,
                        .closed = on_closed,
                },
                .userdata = r,
                .send_userdata = config->send_userdata,
                .reset_secret = config->reset_secret,
                .tls_exporter_label = LP_AUTH_EXPORTER_LABEL,
                .tls_exporter_size = LP_AUTH_EXPORTER_SIZE,
        };
        k = quic_server_new(&r->server, &sc);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}

TestRelay *test_relay_free(TestRelay *r) {
        if (!r)
                return NULL;
        quic_server_free(r->server);
        for (size_t i = 0; i < r->n_peers; i++)
                free(r->peers[i]);
        free(r);
        return NULL;
}

int test_relay_read_packet(TestRelay *r, const QuicAddr *remote, const uint8_t *data, size_t len, uint64_t now) {
        int k;

        r->now = now;
        k = quic_server_read_packet(r->server, NULL, remote, data, len, now);
        flush(r);
        return k;
}

uint64_t test_relay_get_expiry(TestRelay *r) {
        return quic_server_get_expiry(r->server);
}

int test_relay_handle_expiry(TestRelay *r, uint64_t now) {
        int k;

        r->now = now;
        k = quic_server_handle_expiry(r->server, now);
        flush(r);
        return k;
}

static TestRelayPeer *peer_by_id(TestRelay *r, uint16_t id) {
        for (size_t i = 0; i < r->n_peers; i++)
                if (r->peers[i]->id == id && r->peers[i]->joined && !r->peers[i]->left && r->peers[i]->conn)
                        return r->peers[i];
        return NULL;
}

int test_relay_send_raw(TestRelay *r, uint16_t to, const uint8_t *data, size_t len, uint64_t now) {
        TestRelayPeer *p = peer_by_id(r, to);

        r->now = now;
        if (!p)
                return -ENOENT;
        return quic_conn_send_datagram(p->conn, data, len, now);
}

int test_relay_gateway_send(TestRelay *r, uint16_t to, const uint8_t *frame, size_t len, uint64_t now) {
        uint8_t buf[LP_DATAGRAM_SIZE_MAX];
        int n, k = -ENOENT;

        r->now = now;
        n = datagram_encode(buf, sizeof(buf), TEST_RELAY_GATEWAY_ID, frame, len);
        if (n < 0)
                return n;
        for (size_t i = 0; i < r->n_peers; i++) {
                TestRelayPeer *q = r->peers[i];
                if (!q->joined || q->left || !q->conn || (to != 0 && q->id != to))
                        continue;
                k = quic_conn_send_datagram(q->conn, buf, (size_t) n, now);
        }
        return k;
}

void test_relay_set_gateway(TestRelay *r, bool present, uint64_t now) {
        ControlMessage m;

        r->now = now;
        if (!r->config.virtual_gateway || r->gateway_present == present)
                return;
        r->gateway_present = present;
        m = present ? joined_message(TEST_RELAY_GATEWAY_ID, PEER_ROLE_GATEWAY, &virtual_gateway_mac, "party-gateway")
                    : left_message(TEST_RELAY_GATEWAY_ID, PEER_ROLE_GATEWAY, &virtual_gateway_mac, LEAVE_REASON_QUIT);
        broadcast_control(r, NULL, &m);
        flush(r);
}

int test_relay_disconnect(TestRelay *r, uint16_t id, LeaveReason reason, const char *text, uint64_t now) {
        TestRelayPeer *p = peer_by_id(r, id);
        ControlMessage m = { .type = CONTROL_TYPE_DISCONNECT };
        int k;

        r->now = now;
        if (!p)
                return -ENOENT;
        m.disconnect.reason = reason;
        m.disconnect.text_len = strlen(text);
        memcpy(m.disconnect.text, text, m.disconnect.text_len + 1);
        k = peer_send(p, &m);
        if (k < 0)
                return k;
        peer_leave(p, reason);
        k = quic_conn_close(p->conn, QUIC_APP_ERROR_NONE, "bye", now);
        flush(r);
        return k;
}

const TestRelayPeer *test_relay_get_peer(TestRelay *r, uint16_t id) {
        return peer_by_id(r, id);
}

const TestRelayPeer *test_relay_find_mac(TestRelay *r, const MacAddr *mac) {
        for (size_t i = 0; i < r->n_peers; i++)
                if (r->peers[i]->joined && !r->peers[i]->left && mac_equal(&r->peers[i]->mac, mac))
                        return r->peers[i];
        return NULL;
}

size_t test_relay_n_joined(TestRelay *r) {
        size_t n = 0;

        for (size_t i = 0; i < r->n_peers; i++)
                if (r->peers[i]->joined && !r->peers[i]->left)
                        n++;
        return n;
}

void test_relay_get_counters(TestRelay *r, TestRelayCounters *ret) {
        *ret = r->counters;
}
