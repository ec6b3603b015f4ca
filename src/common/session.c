/* SPDX-License-Identifier: MIT */
#include "session.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "datagram.h"
#include "ether.h"
#include "flow-hash.h"
#include "log.h"
#include "mtu.h"
#include "string-table.h"

#define SESSION_PEERS_INITIAL 16 /* power of two */

/* strnlen() is POSIX, not C11. */
static size_t length_bounded(const char *s, size_t max) {
        const char *end = memchr(s, '\0', max);
        return end ? (size_t) (end - s) : max;
}

struct Session {
        SessionConfig config;
        QuicConn *conn;
        SessionState state;
        uint64_t now;

        uint8_t auth_key[LP_AUTH_KEY_SIZE];
        uint64_t pmtu_deadline;
        uint64_t hello_deadline;
        uint64_t stats_due;

        ControlReader reader;
        uint16_t peer_id;
        uint16_t room_mtu;
        bool gateway_present;

        /* Open addressing by peer id (0 = empty slot), linear probing with
         * backward-shift deletion: the gateway looks up the sender of every
         * frame it puts on the LAN. */
        SessionPeer *peers;
        size_t peers_cap, n_peers;

        SessionCounters counters;
        /* Datagrams session_queue_frame() queued since the last write. */
        unsigned n_queued;

        bool have_end;
        SessionEnd end;
        bool ended_reported;
};

static const char *const session_state_table[_SESSION_STATE_MAX] = {
        [SESSION_STATE_CONNECTING] = "connecting", [SESSION_STATE_PMTU_WAIT] = "pmtu_wait",
        [SESSION_STATE_HELLO_SENT] = "hello_sent", [SESSION_STATE_JOINED] = "joined",
        [SESSION_STATE_CLOSING] = "closing",       [SESSION_STATE_ENDED] = "ended",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(session_state, SessionState)

static const char *const session_end_kind_table[_SESSION_END_KIND_MAX] = {
        [SESSION_END_LOCAL] = "local",
        [SESSION_END_REJECTED] = "rejected",
        [SESSION_END_RELAY_DISCONNECT] = "relay_disconnect",
        [SESSION_END_CONNECTION_LOST] = "connection_lost",
        [SESSION_END_PIN_MISMATCH] = "pin_mismatch",
        [SESSION_END_CERT_UNTRUSTED] = "cert_untrusted",
        [SESSION_END_PROTOCOL_ERROR] = "protocol_error",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(session_end_kind, SessionEndKind)

/* ---- peer table ---------------------------------------------------------- */

static size_t peer_slot(size_t cap, uint16_t id) {
        /* Fibonacci hashing spreads sequential ids over the table. */
        return (size_t) ((uint32_t) id * UINT32_C(2654435769) >> 16) & (cap - 1);
}

static SessionPeer *peer_find(Session *s, uint16_t id) {
        if (id == 0 || s->peers_cap == 0)
                return NULL;
        for (size_t i = peer_slot(s->peers_cap, id);; i = (i + 1) & (s->peers_cap - 1)) {
                if (s->peers[i].id == 0)
                        return NULL;
                if (s->peers[i].id == id)
                        return &s->peers[i];
        }
}

static int peer_table_grow(Session *s) {
        size_t cap = s->peers_cap ? s->peers_cap * 2 : SESSION_PEERS_INITIAL;
        SessionPeer *old = s->peers, *n;
        size_t old_cap = s->peers_cap;

        n = calloc(cap, sizeof(SessionPeer));
        if (!n)
                return -ENOMEM;
        s->peers = n;
        s->peers_cap = cap;
        for (size_t i = 0; i < old_cap; i++) {
                if (old[i].id == 0)
                        continue;
                size_t j = peer_slot(cap, old[i].id);
                while (n[j].id != 0)
                        j = (j + 1) & (cap - 1);
                n[j] = old[i];
        }
        free(old);
        return 0;
}

static int peer_put(Session *s, const SessionPeer *p) {
        SessionPeer *existing = peer_find(s, p->id);
        int r;

        if (existing) {
                *existing = *p;
                return 0;
        }
        /* Keep the load at most 1/2 so probe chains stay short. */
        if ((s->n_peers + 1) * 2 > s->peers_cap) {
                r = peer_table_grow(s);
                if (r < 0)
                        return r;
        }
        size_t i = peer_slot(s->peers_cap, p->id);
        while (s->peers[i].id != 0)
                i = (i + 1) & (s->peers_cap - 1);
        s->peers[i] = *p;
        s->n_peers++;
        return 0;
}

static void peer_remove(Session *s, SessionPeer *p) {
        size_t mask = s->peers_cap - 1, hole = (size_t) (p - s->peers);

        /* Backward-shift deletion: move later members of the probe chain
         * into the hole so lookups never need tombstones. */
        s->peers[hole].id = 0;
        for (size_t i = (hole + 1) & mask; s->peers[i].id != 0; i = (i + 1) & mask) {
                size_t home = peer_slot(s->peers_cap, s->peers[i].id);
                bool movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
                if (movable) {
                        s->peers[hole] = s->peers[i];
                        s->peers[i].id = 0;
                        hole = i;
                }
        }
        s->n_peers--;
}

/* ---- ending ---------------------------------------------------------------- */

static void session_set_end(Session *s, SessionEndKind kind, bool retry, const char *format, ...)
        _printf_(4, 5);

static void session_set_end(Session *s, SessionEndKind kind, bool retry, const char *format, ...) {
        va_list ap;

        /* The first cause wins: a REJECT is followed by the close it causes. */
        if (s->have_end)
                return;
        s->have_end = true;
        s->end.kind = kind;
        s->end.retry = retry;
        s->end.was_joined = s->state == SESSION_STATE_JOINED || s->peer_id != 0;
        va_start(ap, format);
        vsnprintf(s->end.message, sizeof(s->end.message), format, ap);
        va_end(ap);
}

static void session_close(Session *s, uint64_t app_error, const char *reason) {
        if (s->state >= SESSION_STATE_CLOSING)
                return;
        s->state = SESSION_STATE_CLOSING;
        (void) quic_conn_close(s->conn, app_error, reason, s->now);
}

static void session_protocol_error(Session *s, const char *what) {
        session_set_end(s, SESSION_END_PROTOCOL_ERROR, true, "The relay broke the protocol: %s.", what);
        session_close(s, QUIC_APP_ERROR_PROTOCOL, what);
}

/* Reports the end once, after the QUIC connection is really done, from the
 * outermost session_* call (never from inside a quic callback). */
static void session_maybe_report_end(Session *s) {
        if (s->ended_reported || s->state != SESSION_STATE_ENDED)
                return;
        s->ended_reported = true;
        if (!s->have_end)
                session_set_end(s, SESSION_END_CONNECTION_LOST, true, "Connection to the relay ended.");
        if (s->config.callbacks.ended)
                s->config.callbacks.ended(s, &s->end, s->config.userdata);
}

/* ---- control stream ------------------------------------------------------ */

static int session_send_control(Session *s, const ControlMessage *m) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        int n;

        n = control_encode(m, buf, sizeof(buf));
        if (n < 0)
                return log_error_errno(n, "Failed to encode %s: %m", control_type_to_string(m->type));
        return quic_conn_send_control(s->conn, buf, (size_t) n);
}

static int session_send_hello(Session *s) {
        ControlMessage m = { .type = CONTROL_TYPE_HELLO };
        ControlHello *h = &m.hello;
        size_t budget = quic_conn_max_datagram_payload(s->conn);
        int r;

        h->version = LP_CONTROL_PROTOCOL_VERSION;
        h->role = s->config.role;
        h->room_len = strlen(s->config.room);
        memcpy(h->room, s->config.room, h->room_len + 1);
        h->mac = s->config.mac;
        h->max_datagram_size = (uint16_t) MIN(budget, (size_t) UINT16_MAX);
        h->name_len = strlen(s->config.name);
        memcpy(h->name, s->config.name, h->name_len + 1);
        h->auth_len = LP_CONTROL_AUTH_SIZE;

        if (s->config.role == PEER_ROLE_GATEWAY) {
                memcpy(h->auth, s->auth_key, LP_AUTH_KEY_SIZE);
                h->gateway_token_len = s->config.gateway_token_len;
                memcpy(h->gateway_token, s->config.gateway_token, s->config.gateway_token_len);
        } else {
                uint8_t exporter[LP_AUTH_EXPORTER_SIZE];

                r = quic_conn_get_tls_exporter(s->conn, LP_AUTH_EXPORTER_LABEL, exporter, sizeof(exporter));
                if (r < 0)
                        return log_error_errno(r, "Failed to get the TLS exporter: %m");
                r = auth_join_proof(s->auth_key, exporter, h->room, h->room_len, &h->mac, h->auth);
                if (r < 0)
                        return log_error_errno(r, "Failed to compute the join proof: %m");
        }

        r = session_send_control(s, &m);
        if (r < 0)
                return r;
        s->state = SESSION_STATE_HELLO_SENT;
        s->hello_deadline = s->now + s->config.hello_timeout;
        log_debug("Sent HELLO (room %s, datagram budget %zu).", h->room, budget);
        return 0;
}

int session_send_check(Session *s, const ControlMessage *m) {
        if (!s || !m)
                return -EINVAL;
        if (m->type != CONTROL_TYPE_CHECK_BEGIN && m->type != CONTROL_TYPE_CHECK_REPORT &&
            m->type != CONTROL_TYPE_CHECK_RESULT)
                return -EINVAL;
        if (s->state != SESSION_STATE_JOINED)
                return -ENOTCONN;
        return session_send_control(s, m);
}

static void session_send_stats(Session *s) {
        ControlMessage m = { .type = CONTROL_TYPE_STATS };

        m.stats = (ControlStats) {
                .rx_frames = s->counters.rx_frames,
                .rx_bytes = s->counters.rx_bytes,
                .tx_frames = s->counters.tx_frames,
                .tx_bytes = s->counters.tx_bytes,
                .dropped_frames = s->counters.dropped_too_big + s->counters.dropped_congestion +
                                  s->counters.dropped_malformed + s->counters.dropped_not_joined +
                                  s->counters.dropped_by_owner,
        };
        /* Best effort: a full send buffer just skips one report. */
        (void) session_send_control(s, &m);
}

static const char *reject_hint(RejectReason r) {
        switch (r) {
        case REJECT_REASON_AUTH_FAILED:
                return " The room key in the invite link is wrong or outdated, or the link names the relay "
                       "otherwise than the gateway does (another pin or host name): ask for a new link.";
        case REJECT_REASON_BAD_VERSION:
                return " This program and the relay speak different versions of the lanparty protocol: "
                       "update whichever is older.";
        case REJECT_REASON_NO_SUCH_ROOM:
                return " The party's gateway is not connected yet; trying again.";
        case REJECT_REASON_BAD_GATEWAY_TOKEN:
                return " Check the gateway token file against the relay's token list.";
        case REJECT_REASON_ROOM_FULL:
                return " The room has reached its player limit.";
        case REJECT_REASON_DATAGRAM_TOO_SMALL:
                return " Your network path carries smaller packets than the room needs.";
        default:
                return "";
        }
}

static bool reject_is_retryable(RejectReason r) {
        /* The situation may change by itself: the gateway connects, a
         * player leaves, a stale session of ours times out on the relay. */
        return r == REJECT_REASON_NO_SUCH_ROOM || r == REJECT_REASON_ROOM_FULL ||
               r == REJECT_REASON_DUPLICATE_MAC || r == REJECT_REASON_GATEWAY_PRESENT ||
               r == REJECT_REASON_SERVER_ERROR || r == REJECT_REASON_TOO_MANY_ROOMS;
}

static void session_handle_peer_joined(Session *s, const ControlMessage *m) {
        SessionPeer p = {
                .id = m->peer_joined.peer_id,
                .role = m->peer_joined.role,
                .mac = m->peer_joined.mac,
        };

        memcpy(p.name, m->peer_joined.name, m->peer_joined.name_len + 1);
        if (p.id == 0)
                return session_protocol_error(s, "PEER_JOINED with peer id 0");
        if (peer_put(s, &p) < 0)
                return session_protocol_error(s, "out of memory for the peer table");
        if (p.role == PEER_ROLE_GATEWAY)
                s->gateway_present = true;
        if (s->config.callbacks.peer_joined)
                s->config.callbacks.peer_joined(s, &p, s->config.userdata);
}

static void session_handle_peer_left(Session *s, const ControlMessage *m) {
        SessionPeer *p = peer_find(s, m->peer_left.peer_id);
        SessionPeer copy;

        if (!p) {
                /* Tell the owner anyway, with what the relay said. */
                copy = (SessionPeer) { .id = m->peer_left.peer_id, .role = m->peer_left.role,
                                       .mac = m->peer_left.mac };
        } else {
                copy = *p;
                peer_remove(s, p);
        }
        if (copy.role == PEER_ROLE_GATEWAY)
                s->gateway_present = false;
        if (s->config.callbacks.peer_left)
                s->config.callbacks.peer_left(s, &copy, m->peer_left.reason, s->config.userdata);
}

static void session_handle_message(Session *s, const ControlMessage *m) {
        switch (m->type) {
        case CONTROL_TYPE_WELCOME:
                if (s->state != SESSION_STATE_HELLO_SENT)
                        return session_protocol_error(s, "unexpected WELCOME");
                s->state = SESSION_STATE_JOINED;
                s->peer_id = m->welcome.peer_id;
                s->room_mtu = m->welcome.room_mtu;
                s->gateway_present = m->welcome.gateway_present;
                s->stats_due = s->now + s->config.stats_interval;
                if (s->config.callbacks.joined)
                        s->config.callbacks.joined(s, &m->welcome, s->config.userdata);
                return;

        case CONTROL_TYPE_REJECT:
                s->end.reject = m->reject.reason;
                session_set_end(s, SESSION_END_REJECTED, reject_is_retryable(m->reject.reason),
                                "The relay refused to let us in: %s%s%s.%s",
                                reject_reason_to_string(m->reject.reason), m->reject.text_len ? ": " : "",
                                m->reject.text, reject_hint(m->reject.reason));
                session_close(s, QUIC_APP_ERROR_NONE, "rejected");
                return;

        case CONTROL_TYPE_PEER_JOINED:
                return session_handle_peer_joined(s, m);

        case CONTROL_TYPE_PEER_LEFT:
                return session_handle_peer_left(s, m);

        case CONTROL_TYPE_DISCONNECT:
                s->end.leave = m->disconnect.reason;
                session_set_end(s, SESSION_END_RELAY_DISCONNECT,
                                m->disconnect.reason != LEAVE_REASON_KICKED &&
                                        m->disconnect.reason != LEAVE_REASON_ROOM_CLOSED,
                                "The relay ended our session: %s%s%s.",
                                leave_reason_to_string(m->disconnect.reason), m->disconnect.text_len ? ": " : "",
                                m->disconnect.text);
                return;

        case CONTROL_TYPE_STATS:
                return; /* the relay has nothing to report to us (yet) */

        case CONTROL_TYPE_CHECK_BEGIN:
        case CONTROL_TYPE_CHECK_REPORT:
        case CONTROL_TYPE_CHECK_RESULT:
                if (s->state != SESSION_STATE_JOINED)
                        return session_protocol_error(s, "party check message before WELCOME");
                if (s->config.callbacks.check)
                        s->config.callbacks.check(s, m, s->config.userdata);
                return;

        case CONTROL_TYPE_HELLO:
        default:
                return session_protocol_error(s, "unexpected HELLO from the relay");
        }
}

static void on_control(QuicConn *c, const uint8_t *data, size_t len, void *userdata) {
        Session *s = userdata;
        ControlMessage m;
        int k;

        (void) c;
        quic_conn_consume_control(s->conn, len);
        while (len > 0 && s->state < SESSION_STATE_CLOSING) {
                size_t n = control_reader_feed(&s->reader, data, len);
                data += n;
                len -= n;
                while (s->state < SESSION_STATE_CLOSING && (k = control_reader_next(&s->reader, &m)) > 0)
                        session_handle_message(s, &m);
                if (k < 0)
                        return session_protocol_error(s, control_error_to_string(s->reader.error));
        }
}

/* ---- QUIC callbacks ------------------------------------------------------- */

static void on_handshake(QuicConn *c, void *userdata) {
        Session *s = userdata;

        (void) c;
        s->state = SESSION_STATE_PMTU_WAIT;
        s->pmtu_deadline = s->config.pmtu_wait == UINT64_MAX ? UINT64_MAX : s->now + s->config.pmtu_wait;
}

static void on_datagram(QuicConn *c, const uint8_t *data, size_t len, void *userdata) {
        Session *s = userdata;
        Datagram d;

        (void) c;
        if (s->state != SESSION_STATE_JOINED) {
                s->counters.dropped_not_joined++;
                return;
        }
        if (datagram_decode(data, len, &d, NULL) < 0) {
                s->counters.dropped_malformed++;
                return;
        }
        s->counters.rx_frames++;
        s->counters.rx_bytes += d.frame_len;
        if (d.frame[0] & 0x01)
                s->counters.broadcast_rx++;
        if (s->config.callbacks.frame_received)
                s->config.callbacks.frame_received(s, d.source_peer_id, d.frame, d.frame_len,
                                                   s->config.userdata);
}

static void on_closed(QuicConn *c, const QuicCloseInfo *info, void *userdata) {
        Session *s = userdata;

        (void) c;
        switch (info->kind) {
        case QUIC_CLOSE_PIN_MISMATCH:
                session_set_end(s, SESSION_END_PIN_MISMATCH, false,
                                "The relay's certificate does not match the pin in the invite link "
                                "(wrong relay, or the relay's certificate changed: ask for a new link).");
                break;
        case QUIC_CLOSE_CERT_UNTRUSTED:
                session_set_end(s, SESSION_END_CERT_UNTRUSTED, false,
                                "The relay's certificate is not trusted and the invite link has no pin: %s.",
                                info->reason);
                break;
        case QUIC_CLOSE_IDLE_TIMEOUT:
                session_set_end(s, SESSION_END_CONNECTION_LOST, true,
                                s->state == SESSION_STATE_CONNECTING ? "The relay does not answer."
                                                                      : "Lost the connection to the relay (timeout).");
                break;
        case QUIC_CLOSE_HANDSHAKE_FAILED:
                session_set_end(s, SESSION_END_CONNECTION_LOST, true, "Could not connect to the relay: %s.",
                                info->reason[0] ? info->reason : "handshake failed");
                break;
        case QUIC_CLOSE_APPLICATION:
                if (info->remote)
                        session_set_end(s, SESSION_END_CONNECTION_LOST, true,
                                        "The relay closed the connection%s%s.", info->reason[0] ? ": " : "",
                                        info->reason);
                else
                        session_set_end(s, SESSION_END_LOCAL, false, "Left the room.");
                break;
        default:
                session_set_end(s, SESSION_END_CONNECTION_LOST, true, "Connection to the relay lost (%s%s%s).",
                                quic_close_kind_to_string(info->kind), info->reason[0] ? ": " : "", info->reason);
                break;
        }
        s->state = SESSION_STATE_ENDED;
}

/* ---- public API ------------------------------------------------------------ */

int session_new(Session **ret, const SessionConfig *config, const QuicAddr *local, const QuicAddr *remote,
                uint64_t now) {
        _cleanup_(session_freep) Session *s = NULL;
        uint8_t e2e_key[LP_E2E_KEY_SIZE];
        int r;

        if (!ret || !config || !remote || !config->callbacks.send)
                return -EINVAL;
        if (config->role != PEER_ROLE_CLIENT && config->role != PEER_ROLE_GATEWAY)
                return -EINVAL;
        if (!room_name_is_valid(config->room, length_bounded(config->room, sizeof(config->room))))
                return -EINVAL;
        if (config->role == PEER_ROLE_CLIENT ? !mac_is_valid_virtual(&config->mac)
                                             : !mac_is_valid_source(&config->mac))
                return -EINVAL;
        if (config->role == PEER_ROLE_GATEWAY &&
            (config->gateway_token_len == 0 || config->gateway_token_len > LP_CONTROL_GATEWAY_TOKEN_MAX))
                return -EINVAL;

        s = calloc(1, sizeof(Session));
        if (!s)
                return -ENOMEM;
        s->config = *config;
        s->config.room[LP_ROOM_NAME_MAX] = '\0';
        s->config.name[LP_CONTROL_NAME_MAX] = '\0';
        if (s->config.pmtu_wait == 0)
                s->config.pmtu_wait = LP_SESSION_PMTU_WAIT_DEFAULT;
        if (s->config.hello_timeout == 0)
                s->config.hello_timeout = LP_SESSION_HELLO_TIMEOUT_DEFAULT;
        if (s->config.stats_interval == 0)
                s->config.stats_interval = LP_SESSION_STATS_INTERVAL_DEFAULT;
        s->state = SESSION_STATE_CONNECTING;
        s->now = now;
        s->pmtu_deadline = s->hello_deadline = s->stats_due = UINT64_MAX;
        control_reader_init(&s->reader);

        /* Bound to the relay the way TLS checks it: the pin, else the name. */
        r = auth_derive_keys(config->room_key, config->tls.pin, config->tls.hostname, s->auth_key, e2e_key);
        if (r < 0)
                return r;

        QuicClientConfig qc = {
                .settings = config->quic,
                .tls = config->tls,
                .callbacks = {
                        .send = config->callbacks.send,
                        .handshake_completed = on_handshake,
                        .control_received = on_control,
                        .datagram_received = on_datagram,
                        .closed = on_closed,
                },
                .userdata = s,
                .send_userdata = config->send_userdata,
        };
        /* What we send are overlay datagrams: queue them fairly per flow. */
        qc.settings.datagram_flow = datagram_flow_hash;
        QuicAddr local_any = { .len = 0 };
        if (!local) {
                /* Unconnected socket: the family of the remote is enough. */
                local_any.sa.sa.sa_family = remote->sa.sa.sa_family;
                local_any.len = remote->len;
                local = &local_any;
        }
        r = quic_conn_new_client(&s->conn, &qc, local, remote, now);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

Session *session_free(Session *s) {
        if (!s)
                return NULL;
        quic_conn_free(s->conn);
        free(s->peers);
        free(s);
        return NULL;
}

/* Moves the session forward on time and budget; runs after every input. */
static void session_step(Session *s) {
        if (s->state == SESSION_STATE_PMTU_WAIT &&
            (quic_conn_max_datagram_payload(s->conn) >= LP_SESSION_PMTU_TARGET || s->now >= s->pmtu_deadline)) {
                if (session_send_hello(s) < 0) {
                        session_set_end(s, SESSION_END_PROTOCOL_ERROR, true, "Could not send HELLO.");
                        session_close(s, QUIC_APP_ERROR_INTERNAL, "internal error");
                }
        }
        if (s->state == SESSION_STATE_HELLO_SENT && s->now >= s->hello_deadline) {
                session_set_end(s, SESSION_END_PROTOCOL_ERROR, true, "The relay did not answer our HELLO in time.");
                session_close(s, QUIC_APP_ERROR_PROTOCOL, "no WELCOME");
        }
        if (s->state == SESSION_STATE_JOINED && s->now >= s->stats_due) {
                session_send_stats(s);
                s->stats_due = s->now + s->config.stats_interval;
        }
}

int session_read_packet(Session *s, const QuicAddr *remote, const uint8_t *data, size_t len, uint64_t now) {
        int r;

        s->now = now;
        r = quic_conn_read_packet(s->conn, remote, data, len, now);
        session_step(s);
        session_maybe_report_end(s);
        return r;
}

int session_migrate(Session *s, const QuicAddr *local, uint64_t now) {
        int r;

        if (!s || !local)
                return -EINVAL;
        if (s->state == SESSION_STATE_CONNECTING || s->state >= SESSION_STATE_CLOSING)
                return -ENOTCONN;
        s->now = now;
        r = quic_conn_migrate(s->conn, local, now);
        session_maybe_report_end(s);
        return r;
}

/* After quic_conn_write(): the queue went out with it, and a connection
 * that died writing ends the session. */
static void session_after_write(Session *s) {
        s->n_queued = 0;
        if (quic_conn_get_state(s->conn) == QUIC_STATE_DEAD)
                s->state = SESSION_STATE_ENDED;
        session_maybe_report_end(s);
}

int session_write(Session *s, uint64_t now) {
        int r;

        s->now = now;
        session_step(s);
        r = quic_conn_write(s->conn, now);
        session_after_write(s);
        return r;
}

uint64_t session_get_expiry(Session *s) {
        uint64_t e = quic_conn_get_expiry(s->conn);

        if (s->state == SESSION_STATE_PMTU_WAIT)
                e = MIN(e, s->pmtu_deadline);
        if (s->state == SESSION_STATE_HELLO_SENT)
                e = MIN(e, s->hello_deadline);
        if (s->state == SESSION_STATE_JOINED)
                e = MIN(e, s->stats_due);
        return e;
}

int session_handle_expiry(Session *s, uint64_t now) {
        int r;

        s->now = now;
        r = quic_conn_handle_expiry(s->conn, now);
        session_step(s);
        /* Whatever session_step queued (HELLO, STATS, a close) goes out now. */
        if (r >= 0)
                r = quic_conn_write(s->conn, now);
        session_after_write(s);
        return r;
}

/* Encodes `frame` into `buf` within the current datagram budget. Returns the
 * datagram's length, or negative errno counted as a drop. */
static int session_encode_frame(Session *s, uint8_t *buf, size_t size, const uint8_t *frame, size_t len) {
        size_t budget;
        int n;

        if (s->state != SESSION_STATE_JOINED) {
                s->counters.dropped_not_joined++;
                return -ENOTCONN;
        }
        budget = MIN(quic_conn_max_datagram_payload(s->conn), size);
        n = datagram_encode(buf, budget, 0, frame, len);
        if (n < 0) {
                s->counters.dropped_too_big++;
                return n == -EMSGSIZE ? -EMSGSIZE : -EINVAL;
        }
        return n;
}

static int session_count_sent(Session *s, size_t len, int r) {
        if (r < 0) {
                if (r == -EMSGSIZE)
                        s->counters.dropped_too_big++;
                else
                        s->counters.dropped_congestion++;
                return r;
        }
        s->counters.tx_frames++;
        s->counters.tx_bytes += len;
        return 0;
}

int session_send_frame(Session *s, const uint8_t *frame, size_t len, uint64_t now) {
        uint8_t buf[LP_DATAGRAM_SIZE_MAX];
        int n;

        n = session_encode_frame(s, buf, sizeof(buf), frame, len);
        if (n < 0)
                return n;
        return session_count_sent(s, len, quic_conn_send_datagram(s->conn, buf, (size_t) n, now));
}

int session_queue_frame(Session *s, const uint8_t *frame, size_t len, uint64_t now) {
        uint8_t buf[LP_DATAGRAM_SIZE_MAX];
        int n, r;

        n = session_encode_frame(s, buf, sizeof(buf), frame, len);
        if (n < 0)
                return n;
        /* Write a batch's worth at a time: it shares packets, and the
         * queue holds only what the window holds back, so a refusal below
         * means congestion. */
        if (s->n_queued >= QUIC_DATAGRAM_QUEUE_LEN)
                (void) session_write(s, now);
        if (s->state != SESSION_STATE_JOINED) {
                /* That write ended the session. */
                s->counters.dropped_not_joined++;
                return -ENOTCONN;
        }
        r = quic_conn_queue_datagram(s->conn, buf, (size_t) n, now);
        if (r == 0)
                s->n_queued++;
        return session_count_sent(s, len, r);
}

int session_disconnect(Session *s, LeaveReason reason, const char *text, uint64_t now) {
        s->now = now;
        if (s->state >= SESSION_STATE_CLOSING)
                return 0;
        session_set_end(s, SESSION_END_LOCAL, false, "Left the room.");
        if (s->state == SESSION_STATE_JOINED || s->state == SESSION_STATE_HELLO_SENT) {
                ControlMessage m = { .type = CONTROL_TYPE_DISCONNECT };
                size_t n = text ? length_bounded(text, LP_CONTROL_TEXT_MAX) : 0;

                m.disconnect.reason = reason;
                memcpy(m.disconnect.text, text ? text : "", n);
                m.disconnect.text[n] = '\0';
                m.disconnect.text_len = n;
                if (session_send_control(s, &m) < 0 && n > 0) {
                        /* A text we cannot encode must not stop the goodbye. */
                        m.disconnect.text[0] = '\0';
                        m.disconnect.text_len = 0;
                        (void) session_send_control(s, &m);
                }
        }
        session_close(s, QUIC_APP_ERROR_NONE, leave_reason_to_string(reason));
        return quic_conn_write(s->conn, now);
}

void session_count_drop(Session *s) {
        s->counters.dropped_by_owner++;
}

SessionState session_get_state(Session *s) {
        return s->state;
}

uint16_t session_get_peer_id(Session *s) {
        return s->peer_id;
}

uint16_t session_get_room_mtu(Session *s) {
        return s->room_mtu;
}

bool session_get_gateway_present(Session *s) {
        return s->gateway_present;
}

size_t session_get_frame_budget(Session *s) {
        size_t d = quic_conn_max_datagram_payload(s->conn);
        return d > LP_DATAGRAM_HEADER_SIZE ? MIN(d - LP_DATAGRAM_HEADER_SIZE, (size_t) LP_DATAGRAM_FRAME_MAX) : 0;
}

void session_get_rtt(Session *s, uint64_t *ret_smoothed, uint64_t *ret_min) {
        quic_conn_get_rtt(s->conn, ret_smoothed, ret_min);
}

void session_get_counters(Session *s, SessionCounters *ret) {
        QuicConnCounters qc;

        *ret = s->counters;
        quic_conn_get_counters(s->conn, &qc);
        ret->dropped_queue_evicted = qc.datagrams_dropped_evicted;
        ret->dropped_queue_codel = qc.datagrams_dropped_codel;
}

const SessionPeer *session_get_peer(Session *s, uint16_t id) {
        return peer_find(s, id);
}

size_t session_get_n_peers(Session *s) {
        return s->n_peers;
}

const SessionPeer *session_next_peer(Session *s, size_t *i) {
        for (; *i < s->peers_cap; (*i)++)
                if (s->peers[*i].id != 0)
                        return &s->peers[(*i)++];
        return NULL;
}

QuicConn *session_get_quic(Session *s) {
        return s->conn;
}
