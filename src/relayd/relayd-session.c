/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "relayd-session.h"

/* Only after macro.h: it defines MIN/MAX unconditionally, glib #undefs first. */
#include <glib.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <systemd/sd-event.h>

#include "auth.h"
#include "datagram.h"
#include "ether.h"
#include "l2filter.h"
#include "log.h"
#include "mtu.h"
#include "relayd-forward.h"
#include "relayd-manager.h"
#include "relayd-peer.h"
#include "relayd-room.h"

#define DROP_MALFORMED "malformed"
#define DROP_RATE_BROADCAST "rate_broadcast"
#define DROP_RATE_UNKNOWN_UNICAST "rate_unknown_unicast"
#define DROP_RATE_BANDWIDTH "rate_bandwidth"
#define DROP_BUDGET "budget"         /* counted on the destination: the frame exceeds its datagram budget */
#define DROP_CONGESTION "congestion" /* counted on the destination: its datagram queue is full */

static uint64_t now_usec(Session *s) {
        return s->quic->now / 1000;
}

static uint64_t realtime_usec(Session *s) {
        uint64_t t = 0;

        (void) sd_event_now(s->quic->manager->event, CLOCK_REALTIME, &t);
        return t;
}

static void session_queue_write(Session *s) {
        RelayQuic *q = s->quic;

        if (s->write_queued || !s->conn)
                return;
        /* First queued, first written: PEER_JOINED to the room leaves
         * before the newcomer's WELCOME (PROTOCOL.md "Order"). */
        s->write_queued = true;
        s->write_next = NULL;
        {
                Session **p = &q->write_queue;

                while (*p)
                        p = &(*p)->write_next;
                *p = s;
        }
        relay_quic_schedule(q);
}

static void session_unqueue(Session *s) {
        RelayQuic *q = s->quic;

        for (Session **p = &q->write_queue; *p; p = &(*p)->write_next)
                if (*p == s) {
                        *p = s->write_next;
                        break;
                }
        for (Session **p = &q->reap_queue; *p; p = &(*p)->reap_next)
                if (*p == s) {
                        *p = s->reap_next;
                        break;
                }
        s->write_queued = s->reap_queued = false;
}

Session *session_free(Session *s) {
        RelayQuic *q;

        if (!s)
                return NULL;
        q = s->quic;

        if (s->peer) {
                s->peer->session = NULL;
                s->peer = NULL;
        }
        if (s->conn)
                quic_conn_set_userdata(s->conn, q);
        session_unqueue(s);
        if (s->prev)
                s->prev->next = s->next;
        else
                q->sessions = s->next;
        if (s->next)
                s->next->prev = s->prev;
        free(s);
        return NULL;
}

void session_on_handshake(RelayQuic *q, QuicConn *c) {
        const QuicAddr *remote = quic_conn_get_remote(c);
        Session *s;

        s = calloc(1, sizeof(Session));
        if (!s) {
                log_oom();
                quic_conn_close(c, QUIC_APP_ERROR_INTERNAL, "out of memory", q->now);
                return;
        }
        *s = (Session) {
                .owner = RELAY_CONN_OWNER_SESSION,
                .quic = q,
                .conn = c,
                .leave_reason = LEAVE_REASON_UNSPECIFIED,
                .next = q->sessions,
        };
        control_reader_init(&s->control);
        if (remote)
                socket_address_format((const struct sockaddr *) &remote->sa, remote->len, s->remote_str);
        if (q->sessions)
                q->sessions->prev = s;
        q->sessions = s;
        quic_conn_set_userdata(c, s);
        log_debug("Connection from %s is up, waiting for HELLO.", s->remote_str);
}

/* ---- control messages out ------------------------------------------------- */

static int session_send(Session *s, const ControlMessage *msg) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        int n, r;

        if (!s->conn)
                return -ENOTCONN;
        n = control_encode(msg, buf, sizeof(buf));
        if (n < 0)
                return log_error_errno(n, "Failed to encode %s, ignoring: %m", control_type_to_string(msg->type));
        r = quic_conn_send_control(s->conn, buf, (size_t) n);
        if (r == -ENOBUFS) {
                /* The peer stopped reading its control stream; it would miss
                 * membership changes, so it goes. */
                log_warning("Control stream of %s is backed up, closing the connection.", s->remote_str);
                s->closing = true;
                quic_conn_close(s->conn, QUIC_APP_ERROR_PROTOCOL, "control stream backed up", s->quic->now);
                return r;
        }
        if (r < 0)
                return r;
        session_queue_write(s);
        return 0;
}

static void send_peer_joined(Session *to, const Peer *p) {
        ControlMessage msg = {
                .type = CONTROL_TYPE_PEER_JOINED,
                .peer_joined = {
                        .peer_id = p->id,
                        .role = p->role,
                        .mac = p->mac,
                        .name_len = strlen(p->name),
                },
        };

        memcpy(msg.peer_joined.name, p->name, msg.peer_joined.name_len);
        (void) session_send(to, &msg);
}

static void send_peer_left(Session *to, const Peer *p, LeaveReason reason) {
        (void) session_send(to, &(ControlMessage) {
                .type = CONTROL_TYPE_PEER_LEFT,
                .peer_left = {
                        .peer_id = p->id,
                        .role = p->role,
                        .mac = p->mac,
                        .reason = reason,
                },
        });
}

static void send_text_message(Session *s, ControlType type, uint8_t code, const char *text) {
        ControlMessage msg = { .type = type };
        char *dst = type == CONTROL_TYPE_REJECT ? msg.reject.text : msg.disconnect.text;
        size_t len = text ? strlen(text) : 0;

        if (len > LP_CONTROL_TEXT_MAX) {
                len = LP_CONTROL_TEXT_MAX;
                /* Cut at a UTF-8 boundary. */
                while (len > 0 && ((unsigned char) text[len] & 0xc0) == 0x80)
                        len--;
        }
        if (len > 0)
                memcpy(dst, text, len);
        if (type == CONTROL_TYPE_REJECT) {
                msg.reject.reason = (RejectReason) code;
                msg.reject.text_len = len;
        } else {
                msg.disconnect.reason = (LeaveReason) code;
                msg.disconnect.text_len = len;
        }
        (void) session_send(s, &msg);
}

/* PEER_LEFT about p to everyone else in its room. */
static void room_announce_left(Peer *p, LeaveReason reason) {
        GHashTableIter i;
        gpointer value;

        g_hash_table_iter_init(&i, p->room->peers_by_id);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                Peer *other = value;

                if (other != p && other->session)
                        send_peer_left(other->session, p, reason);
        }
}

/* Detaches the peer from the session, tells the room, frees the peer. */
static void session_leave(Session *s, LeaveReason reason) {
        Peer *p = s->peer;

        if (!p)
                return;
        s->peer = NULL;
        p->session = NULL;
        room_announce_left(p, reason);
        peer_leave(p, reason);
}

static void session_close(Session *s, uint64_t app_error, const char *reason) {
        s->closing = true;
        if (s->conn)
                quic_conn_close(s->conn, app_error, reason, s->quic->now);
        /* The `closed` callback (now or later) queues the reap. */
}

/* A broken stream or a message that has no business here. */
static void session_protocol_error(Session *s, const char *why) {
        if (s->peer)
                log_peer_warning(s->peer, "Protocol error, disconnecting: %s", why);
        else
                log_info("Protocol error from %s, closing: %s", s->remote_str, why);
        if (s->peer) {
                send_text_message(s, CONTROL_TYPE_DISCONNECT, LEAVE_REASON_MALFORMED, why);
                session_leave(s, LEAVE_REASON_MALFORMED);
        }
        session_close(s, QUIC_APP_ERROR_PROTOCOL, why);
}

void session_peer_disconnect(Peer *peer, LeaveReason reason, const char *text, void *userdata) {
        Session *s = peer->session;

        /* Everyone else hears why. A room being closed tells each peer
         * itself, so no PEER_LEFT churn among the departing. */
        if (reason != LEAVE_REASON_ROOM_CLOSED && reason != LEAVE_REASON_SHUTDOWN)
                room_announce_left(peer, reason);
        if (!s)
                return;

        s->peer = NULL;
        peer->session = NULL;
        send_text_message(s, CONTROL_TYPE_DISCONNECT, reason, text);
        session_close(s, QUIC_APP_ERROR_NONE, text);
        relay_quic_schedule(s->quic);
}

/* ---- admission -------------------------------------------------------------- */

static void session_reject(Session *s, const ControlHello *h, RejectReason reason, const char *format, ...)
        _printf_(4, 5);

static void session_reject(Session *s, const ControlHello *h, RejectReason reason, const char *format, ...) {
        char text[LP_CONTROL_TEXT_MAX + 1], mac[LP_MAC_STR_MAX] = "";
        va_list ap;

        va_start(ap, format);
        vsnprintf(text, sizeof(text), format, ap);
        va_end(ap);

        if (h)
                mac_to_string(&h->mac, mac);
        if (manager_reject_log_allow(s->quic->manager, s->quic->now))
                log_fields_errno(LOG_NOTICE, 0,
                                 LOG_FIELDS({ "ROOM", h && h->room_len > 0 ? h->room : NULL },
                                            { "MAC", h ? mac : NULL }, { "REMOTE", s->remote_str },
                                            { "REASON", reject_reason_to_string(reason) },
                                            { "MESSAGE_ID", RELAY_MESSAGE_PEER_REJECTED }),
                                 "Rejected %s from %s (%s): %s", h ? peer_role_to_string(h->role) : "peer",
                                 s->remote_str, reject_reason_to_string(reason), text);

        s->hello_answered = true;
        send_text_message(s, CONTROL_TYPE_REJECT, (uint8_t) reason, text);
        session_close(s, QUIC_APP_ERROR_REJECTED, reject_reason_to_string(reason));
}

static int room_mtu_for_budget(uint16_t max_datagram_size) {
        int mtu = mtu_tap_from_datagram(max_datagram_size);

        if (mtu < 0)
                return mtu;
        return MIN(mtu, LP_ROOM_MTU_MAX);
}

static void session_admit(Session *s, const ControlHello *h) {
        Manager *m = s->quic->manager;
        const QuicAddr *remote = quic_conn_get_remote(s->conn);
        Room *room = room_get_by_name(m, h->room);
        uint8_t token_digest[RELAY_TOKEN_DIGEST_SIZE];
        bool new_room = false;
        int mtu, r;
        Peer *p;

        if (m->stopping)
                return session_reject(s, h, REJECT_REASON_SERVER_ERROR, "the relay is shutting down");

        if (h->role == PEER_ROLE_GATEWAY) {
                unsigned max_rooms = 0;

                r = manager_check_gateway_token(m, h->gateway_token, h->gateway_token_len, h->room, room,
                                                token_digest, &max_rooms);
                if (r == -EACCES)
                        return session_reject(s, h, REJECT_REASON_BAD_GATEWAY_TOKEN, "gateway token missing or wrong");
                if (r == -EPERM)
                        return session_reject(s, h, REJECT_REASON_BAD_GATEWAY_TOKEN,
                                              "this gateway token may not open room '%s'", h->room);
                if (r == -EDQUOT)
                        return session_reject(s, h, REJECT_REASON_TOO_MANY_ROOMS,
                                              "this gateway token holds %u room%s, its max-rooms", max_rooms,
                                              max_rooms == 1 ? "" : "s");
                if (r < 0)
                        return session_reject(s, h, REJECT_REASON_SERVER_ERROR, "cannot check the gateway token");
                mtu = room_mtu_for_budget(h->max_datagram_size);
                if (mtu < 0)
                        return session_reject(s, h, REJECT_REASON_DATAGRAM_TOO_SMALL,
                                              "datagram budget %u carries no room MTU of at least %u",
                                              h->max_datagram_size, LP_MTU_MIN);

                if (room && room->gateway)
                        return session_reject(s, h, REJECT_REASON_GATEWAY_PRESENT, "room '%s' already has a gateway",
                                              h->room);
                /* Constant time: a stranger with a token must not learn
                 * the room's auth_key byte by byte. */
                if (room && gnutls_memcmp(room->auth_key, h->auth, LP_CONTROL_AUTH_SIZE) != 0) {
                        /* Clients joined with the old key; a gateway with
                         * another one is another party. */
                        if (room->n_peers > 0)
                                return session_reject(s, h, REJECT_REASON_AUTH_FAILED,
                                                      "room '%s' is held for its gateway, which uses another room key",
                                                      h->room);
                        memcpy(room->auth_key, h->auth, LP_CONTROL_AUTH_SIZE);
                        (void) room_set_mtu(room, (uint16_t) mtu);
                }
                if (room && !mtu_datagram_fits_room(h->max_datagram_size, room->mtu))
                        return session_reject(s, h, REJECT_REASON_DATAGRAM_TOO_SMALL,
                                              "datagram budget %u carries L3 MTU %u, room '%s' has MTU %u",
                                              h->max_datagram_size, (unsigned) (h->max_datagram_size - LP_MTU_FRAME_OVERHEAD),
                                              h->room, room->mtu);
                if (!room) {
                        r = room_new(m, h->room, h->auth, (uint16_t) mtu, &room);
                        if (r == -EXFULL)
                                return session_reject(s, h, REJECT_REASON_TOO_MANY_ROOMS,
                                                      "this relay has %u rooms open, its maximum", m->config->max_rooms);
                        if (r < 0)
                                return session_reject(s, h, REJECT_REASON_SERVER_ERROR, "cannot open room: %s",
                                                      strerror(-r));
                        new_room = true;
                }
        } else {
                uint8_t exporter[LP_AUTH_EXPORTER_SIZE];

                if (!room)
                        return session_reject(s, h, REJECT_REASON_NO_SUCH_ROOM, "no gateway has opened room '%s'",
                                              h->room);
                r = quic_conn_get_tls_exporter(s->conn, LP_AUTH_EXPORTER_LABEL, exporter, sizeof(exporter));
                if (r < 0)
                        return session_reject(s, h, REJECT_REASON_SERVER_ERROR, "cannot derive the TLS exporter");
                if (!auth_join_proof_verify(room->auth_key, exporter, h->room, h->room_len, &h->mac, h->auth))
                        return session_reject(s, h, REJECT_REASON_AUTH_FAILED, "join proof does not match the room key");
                /* A MAC seen behind the gateway belongs to a host on the
                 * party LAN (a phone's randomised MAC, say): frames the
                 * room sends to it must keep going there, not to a client
                 * that claims it. */
                if (forward_mac_table_lookup(room->lan_macs, &h->mac, s->quic->now))
                        return session_reject(s, h, REJECT_REASON_DUPLICATE_MAC,
                                              "this MAC is in use on the party's LAN behind the gateway");
                if (!mtu_datagram_fits_room(h->max_datagram_size, room->mtu))
                        return session_reject(s, h, REJECT_REASON_DATAGRAM_TOO_SMALL,
                                              "datagram budget %u carries L3 MTU %u, room '%s' has MTU %u",
                                              h->max_datagram_size,
                                              (unsigned) (h->max_datagram_size - LP_MTU_FRAME_OVERHEAD), h->room,
                                              room->mtu);
        }

        r = peer_new(room, h->role, &h->mac, h->name, remote ? (const struct sockaddr *) &remote->sa : NULL,
                     remote ? remote->len : 0, &p);
        if (r < 0) {
                /* A room made for this gateway goes again with the reject. */
                if (new_room)
                        room_free(room);
                if (r == -EXFULL)
                        return session_reject(s, h, REJECT_REASON_ROOM_FULL, "room '%s' has %u peers, its maximum",
                                              h->room, m->config->max_peers_per_room);
                if (r == -EADDRINUSE)
                        return session_reject(s, h, REJECT_REASON_DUPLICATE_MAC, "another peer in room '%s' uses this MAC",
                                              h->room);
                if (r == -EBUSY)
                        return session_reject(s, h, REJECT_REASON_GATEWAY_PRESENT, "room '%s' already has a gateway",
                                              h->room);
                if (r == -EINVAL)
                        return session_reject(s, h, REJECT_REASON_MALFORMED, "invalid HELLO");
                return session_reject(s, h, REJECT_REASON_SERVER_ERROR, "cannot add peer: %s", strerror(-r));
        }

        if (h->role == PEER_ROLE_GATEWAY)
                memcpy(room->gateway_token_digest, token_digest, sizeof(token_digest));
        s->peer = p;
        p->session = s;
        s->hello_answered = true;
        quic_server_admit(s->quic->server, s->conn);
        ratelimit_init(&p->rate_broadcast, m->config->rate_broadcast, m->config->rate_broadcast);
        ratelimit_init(&p->rate_unknown_unicast, m->config->rate_unknown_unicast, m->config->rate_unknown_unicast);
        ratelimit_init(&p->rate_bandwidth, m->config->rate_bandwidth, m->config->rate_bandwidth);

        /* PROTOCOL.md "Order": the room hears of the newcomer first, then
         * the newcomer gets WELCOME and the room as it is. */
        {
                GHashTableIter i;
                gpointer value;

                g_hash_table_iter_init(&i, room->peers_by_id);
                while (g_hash_table_iter_next(&i, NULL, &value)) {
                        Peer *other = value;

                        if (other != p && other->session)
                                send_peer_joined(other->session, p);
                }

                (void) session_send(s, &(ControlMessage) {
                        .type = CONTROL_TYPE_WELCOME,
                        .welcome = {
                                .peer_id = p->id,
                                .room_mtu = room->mtu,
                                .gateway_present = room->gateway != NULL,
                        },
                });

                g_hash_table_iter_init(&i, room->peers_by_id);
                while (g_hash_table_iter_next(&i, NULL, &value)) {
                        Peer *other = value;

                        if (other != p)
                                send_peer_joined(s, other);
                }
        }
}

/* ---- control messages in ------------------------------------------------------ */

static void session_handle_message(Session *s, const ControlMessage *msg) {
        if (!s->hello_answered) {
                if (msg->type != CONTROL_TYPE_HELLO)
                        return session_reject(s, NULL, REJECT_REASON_MALFORMED, "the first message must be HELLO");
                return session_admit(s, &msg->hello);
        }
        if (!s->peer)
                return; /* rejected or disconnected: the close is under way */

        peer_touch(s->peer, realtime_usec(s));
        switch (msg->type) {
        case CONTROL_TYPE_STATS:
                s->peer->reported = msg->stats;
                s->peer->have_reported = true;
                return;

        case CONTROL_TYPE_DISCONNECT:
                log_peer_debug(s->peer, "Peer says goodbye (%s): %s", leave_reason_to_string(msg->disconnect.reason),
                               msg->disconnect.text);
                s->got_disconnect = true;
                s->leave_reason = msg->disconnect.reason;
                session_leave(s, msg->disconnect.reason);
                session_close(s, QUIC_APP_ERROR_NONE, "goodbye");
                return;

        default: {
                char why[64];

                snprintf(why, sizeof(why), "unexpected %s", control_type_to_string(msg->type));
                return session_protocol_error(s, why);
        }
        }
}

/* The REJECT text is all an older program can show its user, so it says
 * who has to update. */
static void session_reject_version(Session *s, uint8_t version) {
        if (version < LP_CONTROL_PROTOCOL_VERSION)
                return session_reject(s, NULL, REJECT_REASON_BAD_VERSION,
                                      "protocol version %u is too old, this relay speaks version %u: "
                                      "update lanparty on this computer",
                                      version, LP_CONTROL_PROTOCOL_VERSION);
        session_reject(s, NULL, REJECT_REASON_BAD_VERSION,
                       "this relay speaks protocol version %u, not %u: its operator must update lanparty-relayd",
                       LP_CONTROL_PROTOCOL_VERSION, version);
}

void session_on_control(Session *s, const uint8_t *data, size_t len) {
        ControlMessage msg;

        while (len > 0 && !s->closing) {
                size_t n = control_reader_feed(&s->control, data, len);
                int k = 0;

                data += n;
                len -= n;
                while (!s->closing && (k = control_reader_next(&s->control, &msg)) > 0)
                        session_handle_message(s, &msg);
                if (s->closing)
                        break;
                if (k < 0) {
                        if (!s->hello_answered && s->control.error == CONTROL_ERROR_BAD_VERSION)
                                session_reject_version(s, msg.hello.version);
                        else if (!s->hello_answered)
                                session_reject(s, NULL, control_error_to_reject_reason(s->control.error),
                                               "HELLO did not parse: %s", control_error_to_string(s->control.error));
                        else {
                                char why[64];

                                snprintf(why, sizeof(why), "malformed control stream: %s",
                                         control_error_to_string(s->control.error));
                                session_protocol_error(s, why);
                        }
                        break;
                }
                if (s->conn)
                        quic_conn_consume_control(s->conn, n);
        }
}

/* ---- the data path ------------------------------------------------------------- */

/* Queued, not sent: relay_quic's read loop flushes every destination once
 * per batch, so frames for one peer share packets. */
static void deliver(Session *from, Peer *to, const uint8_t *buf, size_t len) {
        QuicConn *c = to->session ? to->session->conn : NULL;
        int r;

        if (!c)
                return;
        r = quic_conn_queue_datagram(c, buf, len);
        if (r == -ENOBUFS) {
                /* A batch's worth for this peer already: send those first. */
                (void) quic_conn_write(c, from->quic->now);
                r = quic_conn_queue_datagram(c, buf, len);
        }
        if (r == -EMSGSIZE) {
                peer_drop(to, DROP_BUDGET, now_usec(from));
                return;
        }
        if (r == -ENOBUFS) {
                peer_drop(to, DROP_CONGESTION, now_usec(from));
                return;
        }
        if (r < 0)
                return;
        to->counters.tx_frames++;
        to->counters.tx_bytes += len;
}

static void session_malformed(Session *s) {
        Peer *p = s->peer;

        peer_drop(p, DROP_MALFORMED, now_usec(s));
        if (++p->n_malformed <= PEER_MALFORMED_MAX)
                return;
        log_peer_warning(p, "More than %u malformed datagrams, disconnecting.", PEER_MALFORMED_MAX);
        send_text_message(s, CONTROL_TYPE_DISCONNECT, LEAVE_REASON_MALFORMED, "too many malformed datagrams");
        session_leave(s, LEAVE_REASON_MALFORMED);
        session_close(s, QUIC_APP_ERROR_PROTOCOL, "too many malformed datagrams");
}

void session_on_datagram(Session *s, const uint8_t *data, size_t len) {
        RelayQuic *q = s->quic;
        Peer *p = s->peer, *target;
        Room *room;
        Datagram d;
        ForwardDecision decision;
        ForwardInput in;
        L2Verdict verdict;
        uint64_t now = q->now;
        int r;

        if (!p || s->closing)
                return; /* before WELCOME nothing is forwarded */
        room = p->room;

        p->counters.rx_frames++;
        p->counters.rx_bytes += len;
        peer_touch(p, realtime_usec(s));

        if (datagram_decode(data, len, &d, NULL) < 0 || d.flags != 0)
                return session_malformed(s);

        /* The buckets guard the room against remote clients. The gateway
         * carries the whole party LAN (every host's ARP, discovery and
         * downloads for all players), is admitted with the operator's
         * token, and is not limited. */
        if (p->role == PEER_ROLE_CLIENT && !ratelimit_consume(&p->rate_bandwidth, now, len))
                return peer_drop(p, DROP_RATE_BANDWIDTH, now_usec(s));

        verdict = l2_filter(d.frame, d.frame_len, p->role == PEER_ROLE_GATEWAY ? L2_LAN_TO_REMOTE : L2_REMOTE_TO_LAN,
                            &(L2FilterContext) { .source = &p->mac, .mtu = room->mtu });
        if (verdict != L2_ALLOW)
                return peer_drop(p, l2_verdict_to_string(verdict), now_usec(s));

        in = (ForwardInput) {
                .ingress_role = p->role,
                .ingress_id = p->id,
                .gateway_id = room->gateway ? room->gateway->id : 0,
        };
        memcpy(in.dst.bytes, d.frame, LP_MAC_LEN);
        if (p->role == PEER_ROLE_GATEWAY) {
                MacAddr src;

                memcpy(src.bytes, d.frame + LP_MAC_LEN, LP_MAC_LEN);
                if (!room_get_peer_by_mac(room, &src))
                        forward_mac_table_learn(room->lan_macs, &src, now);
        }
        target = room_get_peer_by_mac(room, &in.dst);
        in.dst_peer_id = target ? target->id : 0;
        in.dst_on_lan = forward_mac_table_lookup(room->lan_macs, &in.dst, now);

        r = forward_decide(&in, &decision);
        if (r < 0)
                return;
        if (decision.action == FORWARD_ACTION_DROP)
                return peer_drop(p, forward_drop_to_string(decision.drop), now_usec(s));
        if (decision.klass == FORWARD_CLASS_FLOOD && p->role == PEER_ROLE_CLIENT &&
            !ratelimit_consume(&p->rate_broadcast, now, 1))
                return peer_drop(p, DROP_RATE_BROADCAST, now_usec(s));
        if (decision.klass == FORWARD_CLASS_UNKNOWN_UNICAST && !ratelimit_consume(&p->rate_unknown_unicast, now, 1))
                return peer_drop(p, DROP_RATE_UNKNOWN_UNICAST, now_usec(s));

        /* Stamp the source in a copy: ngtcp2's buffer is read-only to us. */
        memcpy(q->forward_buf, data, len);
        if (datagram_mark_forwarded(q->forward_buf, len, p->id) < 0)
                return session_malformed(s);

        if (decision.action == FORWARD_ACTION_UNICAST) {
                target = room_get_peer(room, decision.target);
                if (target && target != p)
                        deliver(s, target, q->forward_buf, len);
                return;
        }

        {
                GHashTableIter i;
                gpointer value;

                g_hash_table_iter_init(&i, room->peers_by_id);
                while (g_hash_table_iter_next(&i, NULL, &value))
                        if (value != p)
                                deliver(s, value, q->forward_buf, len);
        }
}

/* ---- the end ---------------------------------------------------------------------- */

static LeaveReason leave_reason_from_close(const QuicCloseInfo *info) {
        switch (info->kind) {
        case QUIC_CLOSE_IDLE_TIMEOUT:
                return LEAVE_REASON_TIMEOUT;
        case QUIC_CLOSE_APPLICATION:
                if (info->remote && info->app_error && info->error_code == QUIC_APP_ERROR_NONE)
                        return LEAVE_REASON_QUIT;
                if (info->app_error && info->error_code == QUIC_APP_ERROR_PROTOCOL)
                        return LEAVE_REASON_MALFORMED;
                return LEAVE_REASON_ERROR;
        default:
                return LEAVE_REASON_ERROR;
        }
}

void session_on_closed(Session *s, const QuicCloseInfo *info) {
        RelayQuic *q = s->quic;

        /* The connection is the server's to free from here on. */
        if (!s->got_disconnect)
                s->leave_reason = leave_reason_from_close(info);
        if (s->peer)
                log_peer_debug(s->peer, "Connection ended: %s%s%s", quic_close_kind_to_string(info->kind),
                               info->reason[0] ? ": " : "", info->reason);
        s->conn = NULL;
        s->closing = true;

        if (!s->reap_queued) {
                s->reap_queued = true;
                s->reap_next = q->reap_queue;
                q->reap_queue = s;
        }
        relay_quic_schedule(q);
}

void session_reap(Session *s) {
        session_leave(s, s->leave_reason);
        session_free(s);
}

void session_write(Session *s) {
        if (s->conn)
                (void) quic_conn_write(s->conn, s->quic->now);
}

void session_housekeeping(Session *s, uint64_t now) {
        uint64_t rtt;

        /* A missing HELLO is the QUIC endpoint's admission timeout. */
        if (!s->conn)
                return;
        if (s->peer) {
                const QuicAddr *remote = quic_conn_get_remote(s->conn);

                quic_conn_get_rtt(s->conn, &rtt, NULL);
                peer_set_rtt(s->peer, rtt / 1000);
                /* QUIC follows a peer whose address changed (NAT
                 * rebinding, a player's new network); so does GetRemoteAddress. */
                if (remote)
                        peer_set_remote(s->peer, (const struct sockaddr *) &remote->sa, remote->len);
        }
}
