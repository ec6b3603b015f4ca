/* SPDX-License-Identifier: MIT */
#include "client-core.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "autoconf-sanitize.h"
#include "ether.h"
#include "fair-queue.h"
#include "log.h"
#include "reconnect.h"
#include "room-name.h"
#include "string-table.h"

struct ClientCore {
        ClientCoreConfig config;
        char relay[LP_INVITE_HOST_MAX + 9];
        ClientPhase phase;
        uint64_t now;

        Session *session;
        bool session_ended; /* `ended` fired; handled once the outermost call unwinds */
        SessionEnd pending_end;

        Reconnect *reconnect;
        int connect_error;
        bool have_last_end;
        SessionEnd last_end;

        bool link_up;
        bool device_lost; /* the frame device is gone: leave, then fail */
        char relay_address[CLIENT_ADDRESS_TEXT_MAX];
        bool device_ipv4_known;
        char device_ipv4[CLIENT_ADDRESS_TEXT_MAX];
        uint32_t lan_host; /* client_core_get_lan_host() */

        ClientCounters counters;
        /* Counted inside the session; folded into `counters` when it ends. */
        uint64_t done_malformed, done_not_joined_rx, done_queue_evicted, done_queue_codel;

        uint8_t frame[LP_ETHER_FRAME_MAX];
        /* A frame from the relay as rewritten for the device. */
        uint8_t rx_frame[LP_ETHER_FRAME_MAX];
};

static const char *const client_phase_table[_CLIENT_PHASE_MAX] = {
        [CLIENT_PHASE_IDLE] = "idle",       [CLIENT_PHASE_CONNECTING] = "connecting",
        [CLIENT_PHASE_JOINED] = "joined",   [CLIENT_PHASE_WAITING] = "waiting",
        [CLIENT_PHASE_LEAVING] = "leaving", [CLIENT_PHASE_STOPPED] = "stopped",
        [CLIENT_PHASE_FAILED] = "failed",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(client_phase, ClientPhase)

static const char *const client_drop_table[_CLIENT_DROP_MAX] = {
        [CLIENT_DROP_NOT_JOINED] = "not_joined",
        [CLIENT_DROP_FOREIGN_SOURCE] = "foreign_source",
        [CLIENT_DROP_OVERSIZED] = "oversized",
        [CLIENT_DROP_TOO_BIG] = "too_big",
        [CLIENT_DROP_CONGESTION] = "congestion",
        [CLIENT_DROP_MISDIRECTED] = "misdirected",
        [CLIENT_DROP_DEVICE_ERROR] = "device_error",
        [CLIENT_DROP_MALFORMED] = "malformed_datagram",
        [CLIENT_DROP_AUTOCONF_UNSAFE] = "unsafe_dhcp_or_ra",
        [CLIENT_DROP_QUEUE_EVICTED] = FAIR_QUEUE_DROP_EVICTED,
        [CLIENT_DROP_QUEUE_CODEL] = FAIR_QUEUE_DROP_CODEL,
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(client_drop, ClientDrop)

static const char *const client_event_type_table[_CLIENT_EVENT_TYPE_MAX] = {
        [CLIENT_EVENT_CONNECTING] = "connecting",
        [CLIENT_EVENT_JOINED] = "joined",
        [CLIENT_EVENT_PEER_JOINED] = "peer_joined",
        [CLIENT_EVENT_PEER_LEFT] = "peer_left",
        [CLIENT_EVENT_DISCONNECTED] = "disconnected",
        [CLIENT_EVENT_CONNECT_FAILED] = "connect_failed",
        [CLIENT_EVENT_STOPPED] = "stopped",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(client_event_type, ClientEventType)

uint64_t client_counters_dropped(const ClientCounters *c) {
        uint64_t n = 0;

        for (size_t i = 0; i < _CLIENT_DROP_MAX; i++)
                n += c->drop[i];
        for (size_t i = 0; i < _L2_VERDICT_MAX; i++)
                n += c->filtered_out[i] + c->filtered_in[i];
        return n;
}

/* strnlen() is POSIX, not C11. */
static size_t length_bounded(const char *s, size_t max) {
        const char *end = memchr(s, '\0', max);
        return end ? (size_t) (end - s) : max;
}

static void text_copy(char *dst, size_t size, const char *src) {
        size_t n = src ? length_bounded(src, size - 1) : 0;

        memcpy(dst, src ? src : "", n);
        dst[n] = '\0';
}

static void client_emit(ClientCore *c, ClientEvent ev) {
        ev.relay = c->relay;
        ev.room = c->config.invite.room;
        if (c->config.callbacks.event)
                c->config.callbacks.event(c, &ev, c->config.userdata);
}

static void client_set_link(ClientCore *c, bool up) {
        int r;

        if (c->link_up == up)
                return;
        r = frame_device_set_link(c->config.device, up);
        if (r < 0)
                log_warning_errno(r, "Failed to turn the carrier of %s %s, ignoring: %m",
                                  frame_device_get_name(c->config.device), up ? "on" : "off");
        c->link_up = up;
}

static void client_device_lost(ClientCore *c);

/* ---- session callbacks ------------------------------------------------------ */

static void on_joined(Session *s, const ControlWelcome *w, void *userdata) {
        ClientCore *c = userdata;
        int r;

        c->phase = CLIENT_PHASE_JOINED;
        reconnect_succeeded(c->reconnect);
        c->connect_error = 0;
        /* Before the carrier comes up, so nothing the OS sends on the new
         * link is sized for the old MTU. */
        r = frame_device_set_mtu(c->config.device, w->room_mtu);
        if (r < 0)
                log_warning_errno(r, "Failed to set the MTU of %s to the room's %u, ignoring: %m",
                                  frame_device_get_name(c->config.device), (unsigned) w->room_mtu);
        client_set_link(c, true);
        log_info("Joined room %s on relay %s as peer %u (room MTU %u, gateway %s).", c->config.invite.room,
                 c->relay, (unsigned) w->peer_id, (unsigned) w->room_mtu, w->gateway_present ? "present" : "absent");
        client_emit(c, (ClientEvent) { .type = CLIENT_EVENT_JOINED, .welcome = w });
}

static void on_peer_joined(Session *s, const SessionPeer *p, void *userdata) {
        ClientCore *c = userdata;
        char mac[LP_MAC_STR_MAX];

        log_debug("Peer %u (%s, %s, \"%s\") joined.", (unsigned) p->id, peer_role_to_string(p->role),
                  mac_to_string(&p->mac, mac), p->name);
        client_emit(c, (ClientEvent) { .type = CLIENT_EVENT_PEER_JOINED, .peer = p });
}

static void on_peer_left(Session *s, const SessionPeer *p, LeaveReason reason, void *userdata) {
        ClientCore *c = userdata;

        log_debug("Peer %u left (%s).", (unsigned) p->id, leave_reason_to_string(reason));
        client_emit(c, (ClientEvent) { .type = CLIENT_EVENT_PEER_LEFT, .peer = p, .leave_reason = reason });
}

static void count_in_drop(ClientCore *c, Session *s) {
        /* The session counted the frame as received; STATS should say the
         * device never saw it. */
        session_count_drop(s);
}

/* Remembers a LAN host's IPv4 address from what the gateway sent (the
 * sender of an ARP packet, or the source of an IPv4 packet), for the party
 * check's ARP step. */
static void lan_host_note(ClientCore *c, Session *s, uint16_t source_peer_id, const uint8_t *frame, size_t len) {
        const SessionPeer *p = session_get_peer(s, source_peer_id);
        uint32_t ip = 0;
        uint16_t type;

        if (!p || p->role != PEER_ROLE_GATEWAY || len < LP_ETHER_HEADER_LEN + 28)
                return;
        type = be16_load(frame + 12);
        if (type == LP_ETHERTYPE_ARP)
                ip = be32_load(frame + LP_ETHER_HEADER_LEN + 14); /* sender protocol address */
        else if (type == LP_ETHERTYPE_IPV4 && (frame[LP_ETHER_HEADER_LEN] >> 4) == 4)
                ip = be32_load(frame + LP_ETHER_HEADER_LEN + 12);
        if (ip != 0 && ip != UINT32_MAX)
                c->lan_host = ip;
}

/* The L2 policy for a frame from `source_peer_id`. The relay applies the
 * remote → LAN rules to what clients send and the gateway the LAN → remote
 * ones to what it captured; this is our own line of defence against a
 * relay that does neither, and with end-to-end encryption (issue 17) the
 * only one, as the relay no longer sees what it would judge. So a frame
 * another client sent meets the rules for clients, with its MAC for the
 * spoofing check: no DHCP server, router advertisement or redirect from a
 * player. A sender we do not know (its PEER_JOINED still under way, or a
 * relay that names nobody) gets them too, without that check. */
static L2Verdict filter_in(Session *s, uint16_t source_peer_id, const uint8_t *frame, size_t len) {
        const SessionPeer *p = source_peer_id != 0 ? session_get_peer(s, source_peer_id) : NULL;
        L2FilterContext ctx = { .mtu = session_get_room_mtu(s) };

        if (p && p->role == PEER_ROLE_GATEWAY)
                return l2_filter(frame, len, L2_LAN_TO_REMOTE, &ctx);
        if (p)
                ctx.source = &p->mac;
        return l2_filter(frame, len, L2_REMOTE_TO_LAN, &ctx);
}

static void on_frame(Session *s, uint16_t source_peer_id, const uint8_t *frame, size_t len, void *userdata) {
        ClientCore *c = userdata;
        bool sanitized = false;
        L2Verdict v;
        MacAddr dst;
        int r;

        v = filter_in(s, source_peer_id, frame, len);
        if (v != L2_ALLOW) {
                c->counters.filtered_in[v]++;
                return count_in_drop(c, s);
        }
        memcpy(dst.bytes, frame, LP_MAC_LEN);
        if (mac_is_unicast(&dst) && !mac_equal(&dst, &c->config.mac)) {
                c->counters.drop[CLIENT_DROP_MISDIRECTED]++;
                return count_in_drop(c, s);
        }
        /* The party's DHCP server and router speak to PCs at the party; on
         * ours, whose TAP has the lowest metric, their gateway and DNS
         * servers would take over the player's own internet. */
        if (!c->config.accept_party_gateway) {
                size_t sanitized_len = 0;
                AutoconfVerdict av = autoconf_sanitize_frame(frame, len, c->rx_frame, sizeof(c->rx_frame),
                                                             &sanitized_len);

                /* < 0 cannot happen (l2_filter() let nothing larger than
                 * rx_frame through); if it did, the frame was not looked at. */
                if (av == AUTOCONF_UNSAFE || av < 0) {
                        log_debug("Dropping a DHCP reply or router advertisement from the relay that cannot be "
                                  "sanitised safely (%zu bytes).", len);
                        c->counters.drop[CLIENT_DROP_AUTOCONF_UNSAFE]++;
                        return count_in_drop(c, s);
                }
                if (autoconf_verdict_is_sanitized(av)) {
                        log_debug("Removed the party's gateway, routes and DNS from a frame (%s, %zu -> %zu bytes).",
                                  autoconf_verdict_to_string(av), len, sanitized_len);
                        sanitized = true;
                        frame = c->rx_frame;
                        len = sanitized_len;
                }
        }
        r = frame_device_write(c->config.device, frame, len);
        if (r == -ENODEV)
                client_device_lost(c);
        if (r < 0) {
                log_debug_errno(r, "Writing a %zu-byte frame to %s failed: %m", len,
                                frame_device_get_name(c->config.device));
                c->counters.drop[CLIENT_DROP_DEVICE_ERROR]++;
                return count_in_drop(c, s);
        }
        c->counters.rx_frames++;
        c->counters.rx_bytes += len;
        if (mac_is_multicast(&dst))
                c->counters.rx_broadcast++;
        lan_host_note(c, s, source_peer_id, frame, len);
        if (sanitized)
                c->counters.rx_autoconf_sanitized++;
}

static void on_check(Session *s, const ControlMessage *m, void *userdata) {
        ClientCore *c = userdata;

        if (c->config.callbacks.check)
                c->config.callbacks.check(c, m, c->config.userdata);
}

static void on_ended(Session *s, const SessionEnd *end, void *userdata) {
        ClientCore *c = userdata;

        /* Sessions must not be freed from their own callbacks. */
        c->session_ended = true;
        c->pending_end = *end;
}

/* ---- attempts ---------------------------------------------------------------- */

/* Returns the delay until the next attempt. */
static uint64_t client_schedule_retry(ClientCore *c) {
        c->phase = CLIENT_PHASE_WAITING;
        return reconnect_failed(c->reconnect, c->now, RECONNECT_PACE_BACKOFF);
}

static int client_connect(ClientCore *c) {
        QuicAddr local = { .len = 0 }, remote = { .len = 0 };
        uint64_t delay;
        int r;

        r = reconnect_begin(c->reconnect);
        if (r < 0)
                return r;
        c->relay_address[0] = '\0';
        r = c->config.callbacks.connect(c, &local, &remote, c->config.userdata);
        if (r >= 0 && remote.len == 0)
                r = -EDESTADDRREQ;
        if (r >= 0) {
                SessionConfig sc = {
                        .role = PEER_ROLE_CLIENT,
                        .mac = c->config.mac,
                        .quic = c->config.quic,
                        .tls = {
                                .hostname = c->config.invite.host,
                                .pin = c->config.invite.has_pin ? c->config.invite.pin : NULL,
                                .ca_file = c->config.ca_file,
                        },
                        .pmtu_wait = c->config.pmtu_wait,
                        .hello_timeout = c->config.hello_timeout,
                        .stats_interval = c->config.stats_interval,
                        .callbacks = {
                                .send = c->config.callbacks.send,
                                .joined = on_joined,
                                .peer_joined = on_peer_joined,
                                .peer_left = on_peer_left,
                                .frame_received = on_frame,
                                .ended = on_ended,
                                .check = on_check,
                        },
                        .userdata = c,
                        .send_userdata = c->config.send_userdata,
                };
                memcpy(sc.room, c->config.invite.room, sizeof(sc.room));
                memcpy(sc.name, c->config.name, sizeof(sc.name));
                memcpy(sc.room_key, c->config.invite.room_key, sizeof(sc.room_key));

                r = session_new(&c->session, &sc, local.len > 0 ? &local : NULL, &remote, c->now);
                if (r < 0)
                        log_warning_errno(r, "Failed to start a session with relay %s: %m", c->relay);
        }
        if (r < 0) {
                c->connect_error = r;
                delay = client_schedule_retry(c);
                client_emit(c, (ClientEvent) { .type = CLIENT_EVENT_CONNECT_FAILED, .error = r,
                                               .attempt = reconnect_get_attempt(c->reconnect),
                                               .retry_in = delay });
                return 0;
        }

        c->connect_error = 0;
        c->session_ended = false;
        c->phase = CLIENT_PHASE_CONNECTING;
        log_debug("Connecting to relay %s%s%s (attempt %u).", c->relay, c->relay_address[0] ? " at " : "",
                  c->relay_address, reconnect_get_attempt(c->reconnect) + 1);
        client_emit(c, (ClientEvent) { .type = CLIENT_EVENT_CONNECTING,
                                       .attempt = reconnect_get_attempt(c->reconnect) });
        r = session_write(c->session, c->now);
        return r < 0 ? r : 0;
}

static void client_fold_session_counters(ClientCore *c) {
        SessionCounters sc;

        session_get_counters(c->session, &sc);
        c->done_malformed += sc.dropped_malformed;
        c->done_not_joined_rx += sc.dropped_not_joined;
        c->done_queue_evicted += sc.dropped_queue_evicted;
        c->done_queue_codel += sc.dropped_queue_codel;
}

/* The end after the frame device went away for good. */
static void client_end_device_lost(ClientCore *c) {
        c->phase = CLIENT_PHASE_FAILED;
        reconnect_cancel(c->reconnect);
        c->last_end = (SessionEnd) { .kind = SESSION_END_LOCAL };
        snprintf(c->last_end.message, sizeof(c->last_end.message),
                 "Adapter %s stopped working (was it disabled or removed?); left the room.",
                 frame_device_get_name(c->config.device));
        c->have_last_end = true;
        log_error("%s", c->last_end.message);
        client_emit(c, (ClientEvent) { .type = CLIENT_EVENT_STOPPED, .end = &c->last_end });
}

/* The frame device is gone for good (a TAP-Windows6 adapter disabled or
 * removed, a Linux TAP deleted): no frame will reach the party again and
 * reconnecting cannot help. Leave the room properly, then end as failed
 * with a reason the player can act on. */
static void client_device_lost(ClientCore *c) {
        if (c->device_lost || client_core_is_done(c))
                return;
        c->device_lost = true;
        if (c->session && (c->phase == CLIENT_PHASE_CONNECTING || c->phase == CLIENT_PHASE_JOINED)) {
                c->phase = CLIENT_PHASE_LEAVING;
                (void) session_disconnect(c->session, LEAVE_REASON_ERROR, "adapter lost", c->now);
                return;
        }
        if (c->phase == CLIENT_PHASE_LEAVING)
                return;
        if (c->session) {
                client_fold_session_counters(c);
                c->session = session_free(c->session);
        }
        client_end_device_lost(c);
}

/* Runs after every entry point: a session that ended is freed here, and
 * what comes next decided. */
static void client_settle(ClientCore *c) {
        const SessionEnd *end = &c->pending_end;
        uint64_t delay;

        if (!c->session || !c->session_ended)
                return;

        client_fold_session_counters(c);
        c->session = session_free(c->session);
        c->session_ended = false;
        c->last_end = *end;
        c->have_last_end = true;
        client_set_link(c, false);

        if (c->device_lost)
                return client_end_device_lost(c);
        if (c->phase == CLIENT_PHASE_LEAVING || end->kind == SESSION_END_LOCAL) {
                c->phase = CLIENT_PHASE_STOPPED;
                reconnect_cancel(c->reconnect);
                log_info("%s", end->message);
                client_emit(c, (ClientEvent) { .type = CLIENT_EVENT_STOPPED, .end = &c->last_end });
                return;
        }
        if (!end->retry) {
                c->phase = CLIENT_PHASE_FAILED;
                reconnect_cancel(c->reconnect);
                log_error("%s", end->message);
                client_emit(c, (ClientEvent) { .type = CLIENT_EVENT_STOPPED, .end = &c->last_end });
                return;
        }
        delay = client_schedule_retry(c);
        log_notice("%s Reconnecting in %" PRIu64 " ms.", end->message, delay / (QUIC_NS_PER_SEC / 1000));
        client_emit(c, (ClientEvent) { .type = CLIENT_EVENT_DISCONNECTED, .end = &c->last_end,
                                       .attempt = reconnect_get_attempt(c->reconnect), .retry_in = delay });
}

/* ---- public API ---------------------------------------------------------------- */

int client_core_new(ClientCore **ret, const ClientCoreConfig *config) {
        _cleanup_(client_core_freep) ClientCore *c = NULL;
        const Invite *inv;
        size_t name_len;
        int r;

        if (!ret || !config || !config->device || !config->callbacks.send || !config->callbacks.connect)
                return -EINVAL;
        inv = &config->invite;
        if (!room_name_is_valid(inv->room, length_bounded(inv->room, sizeof(inv->room))))
                return -EINVAL;
        if (length_bounded(inv->host, sizeof(inv->host)) == sizeof(inv->host) || inv->host[0] == '\0' ||
            inv->port == 0)
                return -EINVAL;
        if (!mac_is_valid_virtual(&config->mac))
                return -EINVAL;
        name_len = length_bounded(config->name, sizeof(config->name));
        if (name_len == sizeof(config->name) || !control_text_is_valid(config->name, name_len))
                return -EINVAL;

        c = calloc(1, sizeof(ClientCore));
        if (!c)
                return -ENOMEM;
        c->config = *config;
        c->phase = CLIENT_PHASE_IDLE;
        r = reconnect_new(&c->reconnect, NULL);
        if (r < 0)
                return r;
        /* The device comes up with the carrier on; client_core_start()
         * turns it off until we are in the room. */
        c->link_up = true;
        snprintf(c->relay, sizeof(c->relay), "%s%s%s", inv->host_type == INVITE_HOST_IPV6 ? "[" : "", inv->host,
                 inv->host_type == INVITE_HOST_IPV6 ? "]" : "");
        if (inv->port != LP_INVITE_DEFAULT_PORT) {
                size_t n = strlen(c->relay);
                snprintf(c->relay + n, sizeof(c->relay) - n, ":%u", (unsigned) inv->port);
        }

        *ret = TAKE_PTR(c);
        return 0;
}

ClientCore *client_core_free(ClientCore *c) {
        if (!c)
                return NULL;
        session_free(c->session);
        reconnect_free(c->reconnect);
        free(c);
        return NULL;
}

int client_core_start(ClientCore *c, uint64_t now) {
        int r;

        if (!c)
                return -EINVAL;
        if (c->phase != CLIENT_PHASE_IDLE)
                return -EALREADY;
        c->now = now;
        client_set_link(c, false);
        r = client_connect(c);
        client_settle(c);
        return r;
}

/* Stops without waiting for anything. */
static void client_stop_now(ClientCore *c) {
        if (c->session) {
                client_fold_session_counters(c);
                c->session = session_free(c->session);
        }
        c->phase = CLIENT_PHASE_STOPPED;
        reconnect_cancel(c->reconnect);
        client_set_link(c, false);
        c->last_end = (SessionEnd) { .kind = SESSION_END_LOCAL };
        text_copy(c->last_end.message, sizeof(c->last_end.message), "Left the room.");
        c->have_last_end = true;
        client_emit(c, (ClientEvent) { .type = CLIENT_EVENT_STOPPED, .end = &c->last_end });
}

int client_core_stop(ClientCore *c, uint64_t now) {
        int r;

        if (!c)
                return -EINVAL;
        c->now = now;
        switch (c->phase) {
        case CLIENT_PHASE_CONNECTING:
        case CLIENT_PHASE_JOINED:
                c->phase = CLIENT_PHASE_LEAVING;
                r = session_disconnect(c->session, LEAVE_REASON_QUIT, "quit", now);
                client_settle(c);
                return r < 0 ? r : 0;
        case CLIENT_PHASE_LEAVING: /* asked twice, or the relay never confirms: do not wait */
        case CLIENT_PHASE_IDLE:
        case CLIENT_PHASE_WAITING:
                client_stop_now(c);
                return 0;
        default:
                return 0;
        }
}

bool client_core_is_done(ClientCore *c) {
        return c->phase == CLIENT_PHASE_STOPPED || c->phase == CLIENT_PHASE_FAILED;
}

ClientPhase client_core_get_phase(ClientCore *c) {
        return c->phase;
}

const SessionEnd *client_core_get_last_end(ClientCore *c) {
        return c->have_last_end ? &c->last_end : NULL;
}

int client_core_read_packet(ClientCore *c, const QuicAddr *remote, const uint8_t *data, size_t len, uint64_t now) {
        int r;

        c->now = now;
        if (!c->session)
                return 0;
        r = session_read_packet(c->session, remote, data, len, now);
        client_settle(c);
        return r;
}

int client_core_migrate(ClientCore *c, const QuicAddr *local, uint64_t now) {
        int r;

        if (!c || !local)
                return -EINVAL;
        c->now = now;
        if (!c->session)
                return -ENOTCONN;
        r = session_migrate(c->session, local, now);
        client_settle(c);
        return r;
}

int client_core_write(ClientCore *c, uint64_t now) {
        int r;

        c->now = now;
        if (!c->session)
                return 0;
        r = session_write(c->session, now);
        client_settle(c);
        return r;
}

uint64_t client_core_get_expiry(ClientCore *c) {
        if (c->session)
                return session_get_expiry(c->session);
        return reconnect_get_retry_at(c->reconnect);
}

int client_core_handle_expiry(ClientCore *c, uint64_t now) {
        int r = 0;

        c->now = now;
        if (c->session)
                r = session_handle_expiry(c->session, now);
        else if (reconnect_is_due(c->reconnect, now))
                r = client_connect(c);
        client_settle(c);
        return r;
}

/* Filters and sends one frame, or only queues it (`queue`) for the
 * session_write() that follows a batch: frames read together then share
 * QUIC packets and leave with one sendmmsg(). */
static int client_core_submit_frame(ClientCore *c, const uint8_t *frame, size_t len, uint64_t now, bool queue) {
        L2FilterContext ctx;
        L2Verdict v;
        MacAddr src, dst;
        int r;

        c->now = now;
        if (c->phase != CLIENT_PHASE_JOINED || !c->session) {
                c->counters.drop[CLIENT_DROP_NOT_JOINED]++;
                return -ENOTCONN;
        }
        if (len >= LP_ETHER_HEADER_LEN) {
                /* A TAP bridged to a real NIC, or a confused OS, would have us
                 * send frames of other machines: the relay drops them as
                 * spoofed anyway, so do not spend the uplink on them. */
                memcpy(src.bytes, frame + LP_MAC_LEN, LP_MAC_LEN);
                if (!mac_equal(&src, &c->config.mac)) {
                        c->counters.drop[CLIENT_DROP_FOREIGN_SOURCE]++;
                        session_count_drop(c->session);
                        return -EPERM;
                }
        }
        ctx = (L2FilterContext) { .source = &c->config.mac, .mtu = session_get_room_mtu(c->session) };
        v = l2_filter(frame, len, L2_REMOTE_TO_LAN, &ctx);
        if (v != L2_ALLOW) {
                c->counters.filtered_out[v]++;
                session_count_drop(c->session);
                return -EPERM;
        }

        r = queue ? session_queue_frame(c->session, frame, len, now) : session_send_frame(c->session, frame, len, now);
        if (r == -EMSGSIZE) {
                c->counters.drop[CLIENT_DROP_TOO_BIG]++;
                return r;
        }
        if (r < 0) {
                c->counters.drop[r == -ENOTCONN ? CLIENT_DROP_NOT_JOINED : CLIENT_DROP_CONGESTION]++;
                return r;
        }
        memcpy(dst.bytes, frame, LP_MAC_LEN);
        c->counters.tx_frames++;
        c->counters.tx_bytes += len;
        if (mac_is_multicast(&dst))
                c->counters.tx_broadcast++;
        return 0;
}

int client_core_send_frame(ClientCore *c, const uint8_t *frame, size_t len, uint64_t now) {
        return client_core_submit_frame(c, frame, len, now, false);
}

int client_core_process_device(ClientCore *c, uint64_t now) {
        int r = 0;

        c->now = now;
        for (size_t i = 0; i < CLIENT_CORE_DEVICE_BATCH; i++) {
                int n = frame_device_read(c->config.device, c->frame, sizeof(c->frame));

                if (n == -EAGAIN) {
                        r = 0;
                        break;
                }
                if (n == -EMSGSIZE) {
                        c->counters.drop[CLIENT_DROP_OVERSIZED]++;
                        if (c->session)
                                session_count_drop(c->session);
                        r = 1;
                        continue;
                }
                if (n == -ENODEV) {
                        client_device_lost(c);
                        r = n;
                        break;
                }
                if (n < 0) {
                        r = log_warning_errno(n, "Failed to read from %s: %m", frame_device_get_name(c->config.device));
                        break;
                }
                (void) client_core_submit_frame(c, c->frame, (size_t) n, now, true);
                r = 1;
        }
        /* What the batch queued, and datagrams held back by pacing. */
        if (c->session)
                (void) session_write(c->session, now);
        client_settle(c);
        return r;
}

void client_core_set_relay_address(ClientCore *c, const char *text) {
        text_copy(c->relay_address, sizeof(c->relay_address), text);
}

void client_core_set_device_ipv4(ClientCore *c, const char *text) {
        c->device_ipv4_known = text != NULL;
        text_copy(c->device_ipv4, sizeof(c->device_ipv4), text);
}

void client_core_get_diagnostics(ClientCore *c, uint64_t now, ClientDiagnostics *ret) {
        uint64_t retry_at = reconnect_get_retry_at(c->reconnect);
        ClientDiagnostics d = {
                .phase = c->phase,
                .mac = c->config.mac,
                .device_mtu = frame_device_get_mtu(c->config.device),
                .device_ipv4_known = c->device_ipv4_known,
                .attempt = reconnect_get_attempt(c->reconnect),
                .connect_error = c->connect_error,
                .have_last_end = c->have_last_end,
                .last_end = c->last_end,
                .counters = c->counters,
        };

        text_copy(d.relay, sizeof(d.relay), c->relay);
        text_copy(d.relay_address, sizeof(d.relay_address), c->relay_address);
        text_copy(d.room, sizeof(d.room), c->config.invite.room);
        text_copy(d.device_name, sizeof(d.device_name), frame_device_get_name(c->config.device));
        text_copy(d.device_ipv4, sizeof(d.device_ipv4), c->device_ipv4);
        if (retry_at != UINT64_MAX)
                d.retry_in = retry_at > now ? retry_at - now : 0;

        d.counters.drop[CLIENT_DROP_MALFORMED] += c->done_malformed;
        d.counters.drop[CLIENT_DROP_NOT_JOINED] += c->done_not_joined_rx;
        d.counters.drop[CLIENT_DROP_QUEUE_EVICTED] += c->done_queue_evicted;
        d.counters.drop[CLIENT_DROP_QUEUE_CODEL] += c->done_queue_codel;
        if (c->session) {
                SessionCounters sc;

                session_get_counters(c->session, &sc);
                d.counters.drop[CLIENT_DROP_MALFORMED] += sc.dropped_malformed;
                d.counters.drop[CLIENT_DROP_NOT_JOINED] += sc.dropped_not_joined;
                d.counters.drop[CLIENT_DROP_QUEUE_EVICTED] += sc.dropped_queue_evicted;
                d.counters.drop[CLIENT_DROP_QUEUE_CODEL] += sc.dropped_queue_codel;
        }

        if (c->session && c->phase == CLIENT_PHASE_JOINED) {
                const SessionPeer *p;
                uint64_t rtt_min;
                size_t i = 0;

                d.peer_id = session_get_peer_id(c->session);
                d.room_mtu = session_get_room_mtu(c->session);
                d.gateway_present = session_get_gateway_present(c->session);
                session_get_rtt(c->session, &d.rtt, &rtt_min);
                while ((p = session_next_peer(c->session, &i))) {
                        if (p->role == PEER_ROLE_GATEWAY)
                                text_copy(d.gateway_name, sizeof(d.gateway_name), p->name);
                        else
                                d.n_clients++;
                }
        }
        *ret = d;
}

int client_core_send_check(ClientCore *c, const ControlMessage *m) {
        if (!c->session || c->phase != CLIENT_PHASE_JOINED)
                return -ENOTCONN;
        return session_send_check(c->session, m);
}

uint32_t client_core_get_lan_host(ClientCore *c) {
        return c->lan_host;
}

size_t client_core_get_frame_budget(ClientCore *c) {
        if (!c->session || c->phase != CLIENT_PHASE_JOINED)
                return 0;
        return session_get_frame_budget(c->session);
}

Session *client_core_get_session(ClientCore *c) {
        return c->session;
}
