/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "relayd-conn.h"

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
#include "relayd-forward.h"
#include "relayd-manager.h"
#include "relayd-peer.h"
#include "relayd-room.h"
#include "relayd-room-admit.h"

#define DROP_MALFORMED "malformed"
#define DROP_RATE_BROADCAST "rate_broadcast"
#define DROP_RATE_UNKNOWN_UNICAST "rate_unknown_unicast"
#define DROP_RATE_BANDWIDTH "rate_bandwidth"
#define DROP_BUDGET "budget"         /* counted on the destination: the frame exceeds its datagram budget */
#define DROP_CONGESTION "congestion" /* counted on the destination: its datagram queue is full */

static uint64_t now_usec(RelayConn *rc) {
        return rc->quic->now / 1000;
}

static uint64_t realtime_usec(RelayConn *rc) {
        uint64_t t = 0;

        (void) sd_event_now(rc->quic->manager->event, CLOCK_REALTIME, &t);
        return t;
}

static void relay_conn_queue_write(RelayConn *rc) {
        RelayQuic *q = rc->quic;

        if (rc->write_queued || !rc->quic_conn)
                return;
        /* First queued, first written: PEER_JOINED to the room leaves
         * before the newcomer's WELCOME (PROTOCOL.md "Order"). */
        rc->write_queued = true;
        rc->write_next = NULL;
        {
                RelayConn **p = &q->write_queue;

                while (*p)
                        p = &(*p)->write_next;
                *p = rc;
        }
        relay_quic_schedule(q);
}

static void relay_conn_unqueue(RelayConn *rc) {
        RelayQuic *q = rc->quic;

        for (RelayConn **p = &q->write_queue; *p; p = &(*p)->write_next)
                if (*p == rc) {
                        *p = rc->write_next;
                        break;
                }
        for (RelayConn **p = &q->reap_queue; *p; p = &(*p)->reap_next)
                if (*p == rc) {
                        *p = rc->reap_next;
                        break;
                }
        rc->write_queued = rc->reap_queued = false;
}

RelayConn *relay_conn_free(RelayConn *rc) {
        RelayQuic *q;

        if (!rc)
                return NULL;
        q = rc->quic;

        if (rc->peer) {
                rc->peer->conn = NULL;
                rc->peer = NULL;
        }
        if (rc->quic_conn)
                quic_conn_set_userdata(rc->quic_conn, q);
        relay_conn_unqueue(rc);
        if (rc->prev)
                rc->prev->next = rc->next;
        else
                q->conns = rc->next;
        if (rc->next)
                rc->next->prev = rc->prev;
        free(rc);
        return NULL;
}

void relay_conn_on_handshake(RelayQuic *q, QuicConn *c) {
        const QuicAddr *remote = quic_conn_get_remote(c);
        RelayConn *rc;

        rc = calloc(1, sizeof(RelayConn));
        if (!rc) {
                log_oom();
                quic_conn_close(c, QUIC_APP_ERROR_INTERNAL, "out of memory", q->now);
                return;
        }
        *rc = (RelayConn) {
                .owner = RELAY_CONN_OWNER_CONN,
                .quic = q,
                .quic_conn = c,
                .leave_reason = LEAVE_REASON_UNSPECIFIED,
                .next = q->conns,
        };
        control_reader_init(&rc->control);
        if (remote)
                socket_address_format((const struct sockaddr *) &remote->sa, remote->len, rc->remote_str);
        if (q->conns)
                q->conns->prev = rc;
        q->conns = rc;
        quic_conn_set_userdata(c, rc);
        log_debug("Connection from %s is up, waiting for HELLO.", rc->remote_str);
}

/* ---- control messages out ------------------------------------------------- */

static int relay_conn_send(RelayConn *rc, const ControlMessage *msg) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        int n, r;

        if (!rc->quic_conn)
                return -ENOTCONN;
        n = control_encode(msg, buf, sizeof(buf));
        if (n < 0)
                return log_error_errno(n, "Failed to encode %s, ignoring: %m", control_type_to_string(msg->type));
        r = quic_conn_send_control(rc->quic_conn, buf, (size_t) n);
        if (r == -ENOBUFS) {
                /* The peer stopped reading its control stream; it would miss
                 * membership changes, so it goes. */
                log_warning("Control stream of %s is backed up, closing the connection.", rc->remote_str);
                rc->closing = true;
                quic_conn_close(rc->quic_conn, QUIC_APP_ERROR_PROTOCOL, "control stream backed up", rc->quic->now);
                return r;
        }
        if (r < 0)
                return r;
        relay_conn_queue_write(rc);
        return 0;
}

static void send_peer_joined(RelayConn *to, const Peer *p) {
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
        (void) relay_conn_send(to, &msg);
}

static void send_peer_left(RelayConn *to, const Peer *p, LeaveReason reason) {
        (void) relay_conn_send(to, &(ControlMessage) {
                .type = CONTROL_TYPE_PEER_LEFT,
                .peer_left = {
                        .peer_id = p->id,
                        .role = p->role,
                        .mac = p->mac,
                        .reason = reason,
                },
        });
}

static void send_text_message(RelayConn *rc, ControlType type, uint8_t code, const char *text) {
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
        (void) relay_conn_send(rc, &msg);
}

/* PEER_LEFT about p to everyone else in its room. */
static void room_announce_left(Peer *p, LeaveReason reason) {
        GHashTableIter i;
        gpointer value;

        g_hash_table_iter_init(&i, p->room->peers_by_id);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                Peer *other = value;

                if (other != p && other->conn)
                        send_peer_left(other->conn, p, reason);
        }
}

/* Detaches the peer from its connection, tells the room, frees the peer. */
static void relay_conn_leave(RelayConn *rc, LeaveReason reason) {
        Peer *p = rc->peer;

        if (!p)
                return;
        rc->peer = NULL;
        p->conn = NULL;
        room_announce_left(p, reason);
        peer_leave(p, reason);
}

static void relay_conn_close(RelayConn *rc, uint64_t app_error, const char *reason) {
        rc->closing = true;
        if (rc->quic_conn)
                quic_conn_close(rc->quic_conn, app_error, reason, rc->quic->now);
        /* The `closed` callback (now or later) queues the reap. */
}

/* A broken stream or a message that has no business here. */
static void relay_conn_protocol_error(RelayConn *rc, const char *why) {
        if (rc->peer)
                log_peer_warning(rc->peer, "Protocol error, disconnecting: %s", why);
        else
                log_info("Protocol error from %s, closing: %s", rc->remote_str, why);
        if (rc->peer) {
                send_text_message(rc, CONTROL_TYPE_DISCONNECT, LEAVE_REASON_MALFORMED, why);
                relay_conn_leave(rc, LEAVE_REASON_MALFORMED);
        }
        relay_conn_close(rc, QUIC_APP_ERROR_PROTOCOL, why);
}

void relay_conn_peer_disconnect(Peer *peer, LeaveReason reason, const char *text, void *userdata) {
        RelayConn *rc = peer->conn;

        /* Everyone else hears why. A room being closed tells each peer
         * itself, so no PEER_LEFT churn among the departing. */
        if (reason != LEAVE_REASON_ROOM_CLOSED && reason != LEAVE_REASON_SHUTDOWN)
                room_announce_left(peer, reason);
        if (!rc)
                return;

        rc->peer = NULL;
        peer->conn = NULL;
        send_text_message(rc, CONTROL_TYPE_DISCONNECT, reason, text);
        relay_conn_close(rc, QUIC_APP_ERROR_NONE, text);
        relay_quic_schedule(rc->quic);
}

/* ---- admission -------------------------------------------------------------- */

/* Logs the rejection (rate limited: anyone on the network can send HELLOs)
 * and answers with REJECT. h: NULL when no HELLO was decoded. */
static void relay_conn_send_reject(RelayConn *rc, const ControlHello *h, RejectReason reason, const char *text) {
        char mac[LP_MAC_STR_MAX] = "";

        if (h)
                mac_to_string(&h->mac, mac);
        if (manager_reject_log_allow(rc->quic->manager, rc->quic->now))
                log_fields_errno(LOG_NOTICE, 0,
                                 LOG_FIELDS({ "ROOM", h && h->room_len > 0 ? h->room : NULL },
                                            { "MAC", h ? mac : NULL }, { "REMOTE", rc->remote_str },
                                            { "REASON", reject_reason_to_string(reason) },
                                            { "MESSAGE_ID", RELAY_MESSAGE_PEER_REJECTED }),
                                 "Rejected %s from %s (%s): %s", h ? peer_role_to_string(h->role) : "peer",
                                 rc->remote_str, reject_reason_to_string(reason), text);

        rc->hello_answered = true;
        send_text_message(rc, CONTROL_TYPE_REJECT, (uint8_t) reason, text);
        relay_conn_close(rc, QUIC_APP_ERROR_REJECTED, reject_reason_to_string(reason));
}

static void relay_conn_reject(RelayConn *rc, const ControlHello *h, RejectReason reason, const char *format, ...)
        _printf_(4, 5);

static void relay_conn_reject(RelayConn *rc, const ControlHello *h, RejectReason reason, const char *format, ...) {
        char text[LP_CONTROL_TEXT_MAX + 1];
        va_list ap;

        va_start(ap, format);
        vsnprintf(text, sizeof(text), format, ap);
        va_end(ap);
        relay_conn_send_reject(rc, h, reason, text);
}

/* What room_admit_decide() needs to know: the relay's state and that of
 * the room the HELLO names (NULL: none open). ret_digest: the gateway
 * token's, kept in the room the gateway gets. */
static void relay_conn_admit_facts(RelayConn *rc, const ControlHello *h, Room *room, RoomAdmitFacts *ret,
                                   uint8_t ret_digest[static RELAY_TOKEN_DIGEST_SIZE]) {
        Manager *m = rc->quic->manager;

        *ret = (RoomAdmitFacts) {
                .stopping = m->stopping,
                .n_rooms = m->n_rooms,
                .max_rooms = m->config->max_rooms,
                .max_peers_per_room = m->config->max_peers_per_room,
        };
        memset(ret_digest, 0, RELAY_TOKEN_DIGEST_SIZE);
        if (h->role == PEER_ROLE_GATEWAY)
                ret->token_check = manager_check_gateway_token(m, h->gateway_token, h->gateway_token_len, h->room,
                                                               room, ret_digest, &ret->token_max_rooms);
        if (!room)
                return;

        ret->room = (RoomAdmitRoom) {
                .open = true,
                .has_gateway = room->gateway != NULL,
                .n_peers = room->n_peers,
                .mtu = room->mtu,
                .mac_in_room = room_get_peer_by_mac(room, &h->mac) != NULL,
                .mac_on_lan = forward_mac_table_lookup(room->lan_macs, &h->mac, rc->quic->now),
        };
        if (h->role == PEER_ROLE_GATEWAY) {
                /* Constant time: a stranger with a token must not learn
                 * the room's auth_key byte by byte. */
                ret->room.auth_key_matches = gnutls_memcmp(room->auth_key, h->auth, LP_CONTROL_AUTH_SIZE) == 0;
        } else {
                uint8_t exporter[LP_AUTH_EXPORTER_SIZE];

                ret->room.proof_error = quic_conn_get_tls_exporter(rc->quic_conn, LP_AUTH_EXPORTER_LABEL, exporter,
                                                                   sizeof(exporter));
                ret->room.proof_valid = ret->room.proof_error >= 0 &&
                        auth_join_proof_verify(room->auth_key, exporter, h->room, h->room_len, &h->mac, h->auth);
        }
}

/* The admitted peer gets its connection and its rate limits. */
static void relay_conn_attach(RelayConn *rc, Peer *p) {
        const RelayConfig *config = rc->quic->manager->config;

        rc->peer = p;
        p->conn = rc;
        rc->hello_answered = true;
        quic_server_admit(rc->quic->server, rc->quic_conn);
        ratelimit_init(&p->rate_broadcast, config->rate_broadcast, config->rate_broadcast);
        ratelimit_init(&p->rate_unknown_unicast, config->rate_unknown_unicast, config->rate_unknown_unicast);
        ratelimit_init(&p->rate_bandwidth, config->rate_bandwidth, config->rate_bandwidth);
        ratelimit_init(&p->rate_check, 1, PEER_CHECK_INTERVAL_SEC);
}

/* PROTOCOL.md "Order": the room hears of the newcomer first, then the
 * newcomer gets WELCOME and the room as it is. */
static void relay_conn_welcome(RelayConn *rc, Peer *p) {
        Room *room = p->room;
        GHashTableIter i;
        gpointer value;

        g_hash_table_iter_init(&i, room->peers_by_id);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                Peer *other = value;

                if (other != p && other->conn)
                        send_peer_joined(other->conn, p);
        }

        (void) relay_conn_send(rc, &(ControlMessage) {
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
                        send_peer_joined(rc, other);
        }
}

/* Decides (room_admit_decide()), then acts: REJECT, or the room opened
 * or taken back as the verdict says, the peer added and WELCOMEd. */
static void relay_conn_admit(RelayConn *rc, const ControlHello *h) {
        Manager *m = rc->quic->manager;
        const QuicAddr *remote = quic_conn_get_remote(rc->quic_conn);
        Room *room = room_get_by_name(m, h->room);
        uint8_t token_digest[RELAY_TOKEN_DIGEST_SIZE];
        RoomAdmitFacts facts;
        RoomAdmitVerdict verdict;
        Peer *p;
        int r;

        relay_conn_admit_facts(rc, h, room, &facts, token_digest);
        room_admit_decide(h, &facts, &verdict);
        switch (verdict.action) {
        case ROOM_ADMIT_REJECT:
                return relay_conn_send_reject(rc, h, verdict.reject, verdict.text);
        case ROOM_ADMIT_OPEN:
                r = room_new(m, h->room, h->auth, verdict.room_mtu, &room);
                if (r < 0)
                        return relay_conn_reject(rc, h, REJECT_REASON_SERVER_ERROR, "cannot open room: %s",
                                                 strerror(-r));
                break;
        case ROOM_ADMIT_TAKE_BACK:
                memcpy(room->auth_key, h->auth, LP_CONTROL_AUTH_SIZE);
                (void) room_set_mtu(room, verdict.room_mtu);
                break;
        default:
                break;
        }

        /* The verdict covered what peer_new() checks (room full, MAC
         * taken, gateway present): what fails here is the relay's. */
        r = peer_new(room, h->role, &h->mac, h->name, remote ? (const struct sockaddr *) &remote->sa : NULL,
                     remote ? remote->len : 0, &p);
        if (r < 0) {
                /* A room made for this gateway goes again with the reject. */
                if (verdict.action == ROOM_ADMIT_OPEN)
                        room_free(room);
                return relay_conn_reject(rc, h, REJECT_REASON_SERVER_ERROR, "cannot add peer: %s", strerror(-r));
        }

        if (h->role == PEER_ROLE_GATEWAY)
                memcpy(room->gateway_token_digest, token_digest, sizeof(token_digest));
        relay_conn_attach(rc, p);
        relay_conn_welcome(rc, p);
}

/* ---- the party check ------------------------------------------------------------ */

/* CHECK_BEGIN and CHECK_RESULT go from a client to its room's gateway only,
 * CHECK_REPORT from the gateway to the one client that asked, each with the
 * sender's peer id written in: nobody can address a check to another client
 * or make it look as if it came from someone else. What does not fit is
 * dropped (the check then times out on the client), never forwarded. */
static void relay_conn_handle_check(RelayConn *rc, const ControlMessage *msg) {
        Peer *p = rc->peer, *to;
        ControlMessage out = *msg;

        switch (msg->type) {
        case CONTROL_TYPE_CHECK_BEGIN:
        case CONTROL_TYPE_CHECK_RESULT:
                if (p->role != PEER_ROLE_CLIENT)
                        return relay_conn_protocol_error(rc, "party check message from a gateway");
                to = p->room->gateway;
                if (!to || !to->conn) {
                        log_peer_debug(p, "Party check %s without a gateway, dropped.",
                                       control_type_to_string(msg->type));
                        return;
                }
                if (msg->type == CONTROL_TYPE_CHECK_BEGIN) {
                        if (!ratelimit_consume(&p->rate_check, rc->quic->now, PEER_CHECK_INTERVAL_SEC)) {
                                log_peer_debug(p, "Party check asked for again within %us, dropped.",
                                               PEER_CHECK_INTERVAL_SEC);
                                return;
                        }
                        p->check_pending = true;
                        p->check_result_allowed = false;
                        out.check_begin.peer_id = p->id;
                } else {
                        if (!p->check_result_allowed) {
                                log_peer_debug(p, "Party check result without a report, dropped.");
                                return;
                        }
                        p->check_result_allowed = false;
                        out.check_result.peer_id = p->id;
                }
                (void) relay_conn_send(to->conn, &out);
                return;

        case CONTROL_TYPE_CHECK_REPORT:
                if (p->role != PEER_ROLE_GATEWAY)
                        return relay_conn_protocol_error(rc, "party check report from a client");
                to = room_get_peer(p->room, msg->check_report.peer_id);
                if (!to || to->role != PEER_ROLE_CLIENT || !to->conn || !to->check_pending) {
                        log_peer_debug(p, "Party check report for peer %u, who is not waiting for one, dropped.",
                                       msg->check_report.peer_id);
                        return;
                }
                to->check_pending = false;
                to->check_result_allowed = true;
                out.check_report.peer_id = p->id;
                (void) relay_conn_send(to->conn, &out);
                return;

        default:
                return;
        }
}

/* ---- control messages in ------------------------------------------------------ */

static void relay_conn_handle_message(RelayConn *rc, const ControlMessage *msg) {
        if (!rc->hello_answered) {
                if (msg->type != CONTROL_TYPE_HELLO)
                        return relay_conn_reject(rc, NULL, REJECT_REASON_MALFORMED, "the first message must be HELLO");
                return relay_conn_admit(rc, &msg->hello);
        }
        if (!rc->peer)
                return; /* rejected or disconnected: the close is under way */

        peer_touch(rc->peer, realtime_usec(rc));
        switch (msg->type) {
        case CONTROL_TYPE_STATS:
                rc->peer->reported = msg->stats;
                rc->peer->have_reported = true;
                return;

        case CONTROL_TYPE_DISCONNECT:
                log_peer_debug(rc->peer, "Peer says goodbye (%s): %s", leave_reason_to_string(msg->disconnect.reason),
                               msg->disconnect.text);
                rc->got_disconnect = true;
                rc->leave_reason = msg->disconnect.reason;
                relay_conn_leave(rc, msg->disconnect.reason);
                relay_conn_close(rc, QUIC_APP_ERROR_NONE, "goodbye");
                return;

        case CONTROL_TYPE_CHECK_BEGIN:
        case CONTROL_TYPE_CHECK_REPORT:
        case CONTROL_TYPE_CHECK_RESULT:
                return relay_conn_handle_check(rc, msg);

        default: {
                char why[64];

                snprintf(why, sizeof(why), "unexpected %s", control_type_to_string(msg->type));
                return relay_conn_protocol_error(rc, why);
        }
        }
}

void relay_conn_on_control(RelayConn *rc, const uint8_t *data, size_t len) {
        ControlMessage msg;

        while (len > 0 && !rc->closing) {
                size_t n = control_reader_feed(&rc->control, data, len);
                int k = 0;

                data += n;
                len -= n;
                while (!rc->closing && (k = control_reader_next(&rc->control, &msg)) > 0)
                        relay_conn_handle_message(rc, &msg);
                if (rc->closing)
                        break;
                if (k < 0) {
                        if (!rc->hello_answered) {
                                ControlError e = rc->control.error;
                                RoomAdmitVerdict verdict;

                                /* The reader fills in the version only for that error. */
                                room_admit_reject_undecoded(e, e == CONTROL_ERROR_BAD_VERSION ? msg.hello.version : 0,
                                                            &verdict);
                                relay_conn_send_reject(rc, NULL, verdict.reject, verdict.text);
                        } else {
                                char why[64];

                                snprintf(why, sizeof(why), "malformed control stream: %s",
                                         control_error_to_string(rc->control.error));
                                relay_conn_protocol_error(rc, why);
                        }
                        break;
                }
                if (rc->quic_conn)
                        quic_conn_consume_control(rc->quic_conn, n);
        }
}

/* ---- the data path ------------------------------------------------------------- */

/* Queued, not sent: relay_quic's read loop flushes every destination once
 * per batch, so frames for one peer share packets. */
static void deliver(RelayConn *from, Peer *to, const uint8_t *buf, size_t len) {
        QuicConn *c = to->conn ? to->conn->quic_conn : NULL;
        int r;

        if (!c)
                return;
        r = quic_conn_queue_datagram(c, buf, len, from->quic->now);
        if (r == -ENOBUFS) {
                /* Its flow has the most queued for this peer: send what the
                 * window takes first. */
                (void) quic_conn_write(c, from->quic->now);
                r = quic_conn_queue_datagram(c, buf, len, from->quic->now);
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

static void relay_conn_malformed(RelayConn *rc) {
        Peer *p = rc->peer;

        peer_drop(p, DROP_MALFORMED, now_usec(rc));
        if (++p->n_malformed <= PEER_MALFORMED_MAX)
                return;
        log_peer_warning(p, "More than %u malformed datagrams, disconnecting.", PEER_MALFORMED_MAX);
        send_text_message(rc, CONTROL_TYPE_DISCONNECT, LEAVE_REASON_MALFORMED, "too many malformed datagrams");
        relay_conn_leave(rc, LEAVE_REASON_MALFORMED);
        relay_conn_close(rc, QUIC_APP_ERROR_PROTOCOL, "too many malformed datagrams");
}

/* The forwarding decision for a frame from rc's peer. A gateway's source
 * MACs that are not peers of the room are learnt as hosts on the LAN. */
static int relay_conn_decide(RelayConn *rc, const Datagram *d, ForwardDecision *ret) {
        Peer *p = rc->peer, *target;
        Room *room = p->room;
        uint64_t now = rc->quic->now;
        ForwardInput in = {
                .ingress_role = p->role,
                .ingress_id = p->id,
                .gateway_id = room->gateway ? room->gateway->id : 0,
        };

        memcpy(in.dst.bytes, d->frame, LP_MAC_LEN);
        if (p->role == PEER_ROLE_GATEWAY) {
                MacAddr src;

                memcpy(src.bytes, d->frame + LP_MAC_LEN, LP_MAC_LEN);
                if (!room_get_peer_by_mac(room, &src))
                        forward_mac_table_learn(room->lan_macs, &src, now);
        }
        target = room_get_peer_by_mac(room, &in.dst);
        in.dst_peer_id = target ? target->id : 0;
        in.dst_on_lan = forward_mac_table_lookup(room->lan_macs, &in.dst, now);
        return forward_decide(&in, ret);
}

/* Sends the datagram where the decision says, with its source stamped in
 * a copy: ngtcp2's buffer is read-only to us. */
static void relay_conn_forward(RelayConn *rc, const ForwardDecision *decision, const uint8_t *data, size_t len) {
        RelayQuic *q = rc->quic;
        Peer *p = rc->peer, *target;
        GHashTableIter i;
        gpointer value;

        memcpy(q->forward_buf, data, len);
        if (datagram_mark_forwarded(q->forward_buf, len, p->id) < 0)
                return relay_conn_malformed(rc);

        if (decision->action == FORWARD_ACTION_UNICAST) {
                target = room_get_peer(p->room, decision->target);
                if (target && target != p)
                        deliver(rc, target, q->forward_buf, len);
                return;
        }

        g_hash_table_iter_init(&i, p->room->peers_by_id);
        while (g_hash_table_iter_next(&i, NULL, &value))
                if (value != p)
                        deliver(rc, value, q->forward_buf, len);
}

void relay_conn_on_datagram(RelayConn *rc, const uint8_t *data, size_t len) {
        Peer *p = rc->peer;
        uint64_t now = rc->quic->now;
        ForwardDecision decision;
        L2Verdict verdict;
        Datagram d;

        if (!p || rc->closing)
                return; /* before WELCOME nothing is forwarded */

        p->counters.rx_frames++;
        p->counters.rx_bytes += len;
        peer_touch(p, realtime_usec(rc));

        if (datagram_decode(data, len, &d, NULL) < 0 || d.flags != 0)
                return relay_conn_malformed(rc);

        /* The buckets guard the room against remote clients. The gateway
         * carries the whole party LAN (every host's ARP, discovery and
         * downloads for all players), is admitted with the operator's
         * token, and is not limited. */
        if (p->role == PEER_ROLE_CLIENT && !ratelimit_consume(&p->rate_bandwidth, now, len))
                return peer_drop(p, DROP_RATE_BANDWIDTH, now_usec(rc));

        verdict = l2_filter(d.frame, d.frame_len, p->role == PEER_ROLE_GATEWAY ? L2_LAN_TO_REMOTE : L2_REMOTE_TO_LAN,
                            &(L2FilterContext) { .source = &p->mac, .mtu = p->room->mtu });
        if (verdict != L2_ALLOW)
                return peer_drop(p, l2_verdict_to_string(verdict), now_usec(rc));

        if (relay_conn_decide(rc, &d, &decision) < 0)
                return;
        if (decision.action == FORWARD_ACTION_DROP)
                return peer_drop(p, forward_drop_to_string(decision.drop), now_usec(rc));
        if (decision.klass == FORWARD_CLASS_FLOOD && p->role == PEER_ROLE_CLIENT &&
            !ratelimit_consume(&p->rate_broadcast, now, 1))
                return peer_drop(p, DROP_RATE_BROADCAST, now_usec(rc));
        if (decision.klass == FORWARD_CLASS_UNKNOWN_UNICAST && !ratelimit_consume(&p->rate_unknown_unicast, now, 1))
                return peer_drop(p, DROP_RATE_UNKNOWN_UNICAST, now_usec(rc));

        relay_conn_forward(rc, &decision, data, len);
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

void relay_conn_on_closed(RelayConn *rc, const QuicCloseInfo *info) {
        RelayQuic *q = rc->quic;

        /* The connection is the server's to free from here on. */
        if (!rc->got_disconnect)
                rc->leave_reason = leave_reason_from_close(info);
        if (rc->peer)
                log_peer_debug(rc->peer, "Connection ended: %s%s%s", quic_close_kind_to_string(info->kind),
                               info->reason[0] ? ": " : "", info->reason);
        rc->quic_conn = NULL;
        rc->closing = true;

        if (!rc->reap_queued) {
                rc->reap_queued = true;
                rc->reap_next = q->reap_queue;
                q->reap_queue = rc;
        }
        relay_quic_schedule(q);
}

void relay_conn_reap(RelayConn *rc) {
        relay_conn_leave(rc, rc->leave_reason);
        relay_conn_free(rc);
}

void relay_conn_write(RelayConn *rc) {
        if (rc->quic_conn)
                (void) quic_conn_write(rc->quic_conn, rc->quic->now);
}

void relay_conn_housekeeping(RelayConn *rc, uint64_t now) {
        uint64_t rtt;

        /* A missing HELLO is the QUIC endpoint's admission timeout. */
        if (!rc->quic_conn)
                return;
        if (rc->peer) {
                const QuicAddr *remote = quic_conn_get_remote(rc->quic_conn);

                quic_conn_get_rtt(rc->quic_conn, &rtt, NULL);
                peer_set_rtt(rc->peer, rtt / 1000);
                /* QUIC follows a peer whose address changed (NAT
                 * rebinding, a player's new network); so does GetRemoteAddress. */
                if (remote)
                        peer_set_remote(rc->peer, (const struct sockaddr *) &remote->sa, remote->len);
        }
}
