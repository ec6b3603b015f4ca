/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "gatewayd-manager.h"

/* Only after macro.h: it defines MIN/MAX unconditionally, glib #undefs first. */
#include <glib.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "daemon-util.h"
#include "ether.h"
#include "gatewayd-bus.h"
#include "gatewayd-csum.h"
#include "gatewayd-gso.h"
#include "gatewayd-mss.h"
#include "gatewayd-roomkey.h"
#include "mtu.h"

/* Frames read from the NIC per wakeup before the relay side gets a turn
 * (a super-frame counts as the frames it is cut into). */
#define PACKET_READ_BUDGET 64
/* Drop messages: a burst of 10, then one per second. */
#define DROP_LOG_RATE 1
#define DROP_LOG_BURST 10
/* Unsegmentable super-frames: a few at once, then one a second. */
#define GSO_LOG_RATE 1
#define GSO_LOG_BURST 3
#define USEC_PER_SEC UINT64_C(1000000)

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static int manager_on_flush(sd_event_source *s, void *userdata);

/* ---- remote clients ---- */

static RemoteClient *remote_client_free(RemoteClient *c) {
        if (!c)
                return NULL;
        sd_event_source_disable_unref(c->check_timer);
        free(c->object_path);
        free(c);
        return NULL;
}

RemoteClient *manager_get_client(Manager *m, uint16_t id) {
        return g_hash_table_lookup(m->clients, GUINT_TO_POINTER((unsigned) id));
}

unsigned manager_get_n_clients(Manager *m) {
        return g_hash_table_size(m->clients);
}

static void manager_remove_client(Manager *m, RemoteClient *c, const char *why) {
        if (why)
                log_client_errno(c, LOG_INFO, 0, "Player '%s' (%s) left: %s.", c->name, c->mac_str, why);
        remote_client_bus_emit_removed(c);
        (void) mac_table_remove(&m->clients_by_mac, &c->mac, c);
        g_hash_table_remove(m->clients, GUINT_TO_POINTER((unsigned) c->id));
        remote_client_free(c);
        manager_mark_dirty(m);
}

static void manager_remove_all_clients(Manager *m, const char *why) {
        GHashTableIter i;
        gpointer value;

        g_hash_table_iter_init(&i, m->clients);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                manager_remove_client(m, value, why);
                g_hash_table_iter_init(&i, m->clients);
        }
}

/* ---- CAM refresh ---- */

static void manager_cam_send(Manager *m, RemoteClient *c, uint64_t now) {
        uint8_t frame[CAM_FRAME_LEN];
        int r;

        /* The frame would teach the switch the client lives behind a port
         * whose link is down; it is due again when the cable returns. */
        if (m->link_check != LINK_CHECK_OK || m->packet.fd < 0)
                return;
        if (cam_frame_build(frame, &c->mac, &m->lan_mac) < 0) {
                /* A client announcing our own MAC: nothing to teach. */
                cam_refresh_mark(&c->cam, now);
                return;
        }
        r = packet_socket_send(&m->packet, frame, sizeof(frame));
        if (r <= 0) {
                log_client_errno(c, LOG_DEBUG, r, "Failed to send CAM refresh, will retry: %m");
                return;
        }
        m->counters.cam_frames++;
        cam_refresh_mark(&c->cam, now);
        log_client_errno(c, LOG_DEBUG, 0, "Sent CAM refresh for %s.", c->mac_str);
}

static void manager_cam_schedule(Manager *m) {
        uint64_t next = UINT64_MAX;
        GHashTableIter i;
        gpointer value;

        g_hash_table_iter_init(&i, m->clients);
        while (g_hash_table_iter_next(&i, NULL, &value))
                next = MIN(next, cam_refresh_deadline(&((RemoteClient *) value)->cam, m->cam_interval_usec));
        if (next == UINT64_MAX || m->link_check != LINK_CHECK_OK) {
                (void) sd_event_source_set_enabled(m->cam_event_source, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(m->cam_event_source, next);
        (void) sd_event_source_set_enabled(m->cam_event_source, SD_EVENT_ONESHOT);
}

static int manager_on_cam_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        uint64_t now = now_usec();
        GHashTableIter i;
        gpointer value;

        g_hash_table_iter_init(&i, m->clients);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                RemoteClient *c = value;

                if (cam_refresh_due(&c->cam, now, m->cam_interval_usec))
                        manager_cam_send(m, c, now);
        }
        /* A failed send leaves the client due: try again in a second
         * rather than spin. */
        g_hash_table_iter_init(&i, m->clients);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                RemoteClient *c = value;

                if (cam_refresh_due(&c->cam, now, m->cam_interval_usec)) {
                        (void) sd_event_source_set_time(m->cam_event_source, now + USEC_PER_SEC);
                        (void) sd_event_source_set_enabled(m->cam_event_source, SD_EVENT_ONESHOT);
                        return 0;
                }
        }
        manager_cam_schedule(m);
        return 0;
}

/* The switch flushed what it learned on the port (link flap) or never saw
 * these MACs: refresh everyone now. */
static void manager_cam_refresh_all(Manager *m) {
        uint64_t now = now_usec();
        GHashTableIter i;
        gpointer value;

        g_hash_table_iter_init(&i, m->clients);
        while (g_hash_table_iter_next(&i, NULL, &value))
                cam_refresh_init(&((RemoteClient *) value)->cam, now);
        manager_cam_schedule(m);
}

/* ---- drops ---- */

static void manager_count_drop(Manager *m, BridgeVerdict v, L2Direction dir, const uint8_t *frame, size_t len,
                               const char *peer_str) {
        char src[LP_MAC_STR_MAX] = "?", dst[LP_MAC_STR_MAX] = "?";
        Session *s = relay_link_get_session(m->relay);
        const char *reason = bridge_verdict_to_string(v);

        m->counters.drops[v]++;
        m->counters.dropped_frames++;
        /* So the relay's STATS show what the gateway filtered. The
         * session counts its own send failures itself. */
        if (s && v != BRIDGE_DROP_TOO_BIG && v != BRIDGE_DROP_CONGESTION)
                session_count_drop(s);

        /* Being outside the room is reported once, by the relay state;
         * unsegmentable super-frames loudly, by manager_log_unsegmentable(). */
        if (v == BRIDGE_DROP_NO_RELAY || v == BRIDGE_DROP_UNSEGMENTABLE)
                return;
        if (!ratelimit_consume(&m->drop_log_limit, now_usec() * 1000, 1)) {
                m->drop_log_suppressed++;
                return;
        }
        if (frame && len >= LP_ETHER_HEADER_LEN) {
                mac_to_string((const MacAddr *) frame, dst);
                mac_to_string((const MacAddr *) (frame + LP_MAC_LEN), src);
        }
        log_fields_errno(LOG_INFO, 0,
                         LOG_FIELDS({"INTERFACE", m->config->interface}, {"ROOM", m->config->room},
                                    {"PEER", peer_str}, {"MAC", src}, {"REASON", reason}),
                         "Dropped %zu byte frame %s -> %s %s: %s.%s", len, src, dst,
                         dir == L2_LAN_TO_REMOTE ? "from the LAN" : "from the relay", reason,
                         m->drop_log_suppressed > 0 ? " (more drops not logged)" : "");
        m->drop_log_suppressed = 0;
}

/* ---- relay -> LAN ---- */

/* A frame from peer_id that does not go onto the LAN. The peer's name is
 * formatted here, for the log, and not for every frame that passes. */
static void manager_count_inject_drop(Manager *m, BridgeVerdict v, const uint8_t *frame, size_t len,
                                      uint16_t peer_id) {
        char peer_str[PEER_ID_STR_MAX];

        snprintf(peer_str, sizeof(peer_str), "%u", peer_id);
        manager_count_drop(m, v, L2_REMOTE_TO_LAN, frame, len, peer_str);
}

/* What became of a frame manager_inject() queued: counted here, once the
 * batch went out. */
static void on_injected(const uint8_t *frame, size_t len, uint32_t peer_id, int result, void *userdata) {
        Manager *m = userdata;
        RemoteClient *c;

        if (result <= 0)
                return manager_count_inject_drop(m,
                                                 result == 0           ? BRIDGE_DROP_CONGESTION
                                                 : result == -EMSGSIZE ? BRIDGE_DROP_TOO_BIG
                                                                       : BRIDGE_DROP_LINK_DOWN,
                                                 frame, len, (uint16_t) peer_id);

        m->counters.lan_tx_frames++;
        m->counters.lan_tx_bytes += len;
        c = manager_get_client(m, (uint16_t) peer_id);
        if (c) {
                c->lan_tx_frames++;
                c->lan_tx_bytes += len;
                /* Its own frame taught the switch as well as a refresh would. */
                cam_refresh_mark(&c->cam, now_usec());
        }
}

/* Puts what the relay sent this batch on the LAN with one sendmmsg(). */
static void manager_flush_injected(Manager *m) {
        (void) packet_socket_flush(&m->packet, on_injected, m);
}

static void manager_inject(Manager *m, uint16_t peer_id, const uint8_t *frame, size_t len) {
        const SessionPeer *peer = NULL;
        Session *s = relay_link_get_session(m->relay);
        BridgeVerdict v;
        uint8_t *slot;

        if (manager_check_consume(m, peer_id, frame, len))
                return;
        if (s)
                peer = session_get_peer(s, peer_id);
        v = bridge_remote_to_lan(frame, len, peer ? &peer->mac : NULL, m->room_mtu);
        if (v != BRIDGE_FORWARD)
                return manager_count_inject_drop(m, v, frame, len, peer_id);

        slot = packet_socket_queue_slot(&m->packet);
        if (!slot) {
                manager_flush_injected(m);
                slot = packet_socket_queue_slot(&m->packet);
        }
        if (!slot || len > LP_ETHER_FRAME_MAX)
                return manager_count_inject_drop(m, slot ? BRIDGE_DROP_TOO_BIG : BRIDGE_DROP_LINK_DOWN, frame, len,
                                                 peer_id);

        /* The session's buffer is read-only and the clamp edits in place:
         * the copy into the send queue is the one we need anyway. */
        memcpy(slot, frame, len);
        if (mss_clamp_frame(slot, len, m->room_mtu) > 0)
                m->counters.mss_clamped++;
        if (packet_socket_queue(&m->packet, len, peer_id) < 0)
                return manager_count_inject_drop(m, BRIDGE_DROP_TOO_BIG, frame, len, peer_id);
}

static void on_relay_frame(RelayLink *l, uint16_t source_peer_id, const uint8_t *frame, size_t len, void *userdata) {
        Manager *m = userdata;
        Session *s = relay_link_get_session(l);

        m->counters.relay_rx_frames++;
        m->counters.relay_rx_bytes += len;

        /* See bridge_defer_push(): maybe its PEER_JOINED is later in this
         * same batch. */
        if (s && !session_get_peer(s, source_peer_id) &&
            bridge_defer_push(&m->deferred, source_peer_id, frame, len))
                return;
        manager_inject(m, source_peer_id, frame, len);
}

static void on_relay_batch_done(RelayLink *l, void *userdata) {
        Manager *m = userdata;

        for (size_t i = 0; i < m->deferred.n; i++)
                manager_inject(m, m->deferred.items[i].peer_id, m->deferred.items[i].frame,
                               m->deferred.items[i].len);
        m->deferred.n = 0;
        manager_flush_injected(m);
        manager_check_flush(m);
}

/* ---- LAN -> relay ---- */

/* One frame of a batch read from the NIC. Returns true when it was queued
 * for the relay. */
static bool manager_forward_frame(Manager *m, uint8_t *frame, const PacketInfo *info) {
        /* Per frame: a queued frame's write may end the session, and with
         * it the budget. */
        Session *s = relay_link_get_session(m->relay);
        size_t budget = s ? session_get_frame_budget(s) : 0;
        BridgeVerdict v;
        RemoteClient *c;
        int r;

        m->counters.lan_rx_frames++;
        m->counters.lan_rx_bytes += info->wire_len;

        v = bridge_lan_to_remote(frame, info->len, info->truncated, info->vlan_tagged, &m->clients_by_mac,
                                 m->room_mtu, budget);
        if (v == BRIDGE_LOCAL) {
                m->counters.local_frames++;
                return false;
        }
        if (v != BRIDGE_FORWARD) {
                manager_count_drop(m, v, L2_LAN_TO_REMOTE, frame, info->len, NULL);
                return false;
        }

        /* Before clamping: the clamp updates the checksum incrementally,
         * which needs a complete one. The kernel's offsets first; the
         * frame's own headers when it gave none. */
        if (!(info->gso.needs_csum &&
              csum_complete_partial(frame, info->len, info->gso.csum_start, info->gso.csum_offset) > 0) &&
            info->csum_not_ready)
                (void) csum_complete_frame(frame, info->len);
        if (mss_clamp_frame(frame, info->len, m->room_mtu) > 0)
                m->counters.mss_clamped++;

        r = relay_link_queue_frame(m->relay, frame, info->len);
        if (r < 0) {
                v = r == -EMSGSIZE ? BRIDGE_DROP_TOO_BIG : r == -ENOBUFS ? BRIDGE_DROP_CONGESTION : BRIDGE_DROP_NO_RELAY;
                manager_count_drop(m, v, L2_LAN_TO_REMOTE, frame, info->len, NULL);
                return false;
        }
        m->counters.relay_tx_frames++;
        m->counters.relay_tx_bytes += info->len;
        c = mac_table_get(&m->clients_by_mac, (const MacAddr *) frame);
        if (c)
                c->relay_tx_frames++;
        return true;
}

typedef struct SegmentContext {
        Manager *manager;
        bool queued;
} SegmentContext;

static void on_segment(uint8_t *segment, size_t len, void *userdata) {
        SegmentContext *ctx = userdata;

        if (manager_forward_frame(ctx->manager, segment, &(const PacketInfo) {.len = len, .wire_len = len}))
                ctx->queued = true;
}

/* Loudly, rate-limited: all bulk TCP through this gateway is lost, and the
 * fix is on the host, often outside the gateway's container or VM. */
static void manager_log_unsegmentable(Manager *m, const PacketInfo *info, int error) {
        const char *reason = gso_error_to_string(error);

        if (!ratelimit_consume(&m->gso_log_limit, now_usec() * 1000, 1)) {
                m->gso_log_suppressed++;
                return;
        }
        log_fields_errno(LOG_WARNING, 0,
                         LOG_FIELDS({"INTERFACE", m->config->interface}, {"ROOM", m->config->room},
                                    {"REASON", reason}),
                         "Dropped a %zu byte %s super-frame from the LAN: cannot segment it (%s)%s. The NIC merges "
                         "received packets or its sender on this host hands it unsegmented ones; turn that off: "
                         "'ethtool -K %s gro off lro off rx-gro-list off rx-udp-gro-forwarding off' here, and "
                         "'ethtool -K PEER tso off gso off' on the veth peer or the VM's tap on the host%s.",
                         info->wire_len, gso_type_to_string(info->gso.type), reason,
                         m->gso_log_suppressed > 0 ? " (more not logged)" : "", m->config->interface,
                         error == -E2BIG ? "; above 64 KiB: 'ip link set IFACE gro_max_size 65536 gso_max_size "
                                           "65536' on both" : "");
        m->gso_log_suppressed = 0;
}

/* A GSO/GRO super-frame (gatewayd-gso.h): decided whole when its Ethernet
 * header suffices (LAN-local bulk TCP is not cut for nothing), otherwise
 * cut into frames that each go through manager_forward_frame(). */
static bool manager_forward_super_frame(Manager *m, uint8_t *frame, const PacketInfo *info) {
        SegmentContext ctx = {.manager = m};
        BridgeVerdict v;
        int r;

        v = bridge_lan_to_remote_header(frame, info->len, info->vlan_tagged, &m->clients_by_mac, m->room_mtu);
        if (v != BRIDGE_FORWARD)
                return manager_forward_frame(m, frame, info);

        r = gso_segment(frame, info->len, &info->gso, m->segment, sizeof(m->segment), on_segment, &ctx);
        if (r < 0) {
                m->counters.lan_rx_frames++;
                m->counters.lan_rx_bytes += info->wire_len;
                manager_count_drop(m, BRIDGE_DROP_UNSEGMENTABLE, L2_LAN_TO_REMOTE, frame, info->len, NULL);
                manager_log_unsegmentable(m, info, r);
                return false;
        }
        m->counters.gso_frames++;
        m->counters.gso_segments += (unsigned) r;
        if (!m->gso_noticed) {
                m->gso_noticed = true;
                log_manager_errno(m, LOG_NOTICE, 0,
                                  "Receiving %zu byte %s super-frames on %s (segment size %u): cutting them into "
                                  "frames costs CPU; 'ethtool -K PEER tso off gso off' on the veth peer or the "
                                  "VM's tap on the host would spare it.",
                                  info->wire_len, gso_type_to_string(info->gso.type), m->config->interface,
                                  info->gso.size);
        }
        return ctx.queued;
}

/* Ordinary frames, super-frames, and what the kernel would not describe. */
static bool manager_receive_frame(Manager *m, uint8_t *frame, const PacketInfo *info) {
        int error;

        if (info->gso.type == GSO_NONE)
                return manager_forward_frame(m, frame, info);
        if (info->gso.type == GSO_UNSUPPORTED && info->len == 0)
                error = -EPROTONOSUPPORT; /* the kernel dropped it before we saw a byte */
        else if (info->truncated)
                error = -E2BIG; /* above 64 KiB (BIG TCP): only its start was read */
        else
                return manager_forward_super_frame(m, frame, info);

        m->counters.lan_rx_frames++;
        m->counters.lan_rx_bytes += info->wire_len;
        manager_count_drop(m, BRIDGE_DROP_UNSEGMENTABLE, L2_LAN_TO_REMOTE, frame, info->len, NULL);
        manager_log_unsegmentable(m, info, error);
        return false;
}

static int manager_on_packet(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        for (unsigned n = 0; n < PACKET_READ_BUDGET;) {
                uint64_t before = m->counters.lan_rx_frames;
                PacketBatch *b;
                bool queued = false;
                int r;

                r = packet_socket_recv_batch(&m->packet, &b);
                if (r == 0)
                        break;
                if (r < 0) {
                        /* Link down reports once and the socket keeps
                         * working when it is back; anything else means
                         * the interface is gone: wait for the link
                         * monitor to bring it back. */
                        if (r != -ENETDOWN) {
                                log_manager_errno(m, LOG_WARNING, r, "Packet socket on %s failed, waiting for the "
                                                  "interface to return: %m", m->config->interface);
                                (void) sd_event_source_set_enabled(m->packet_event_source, SD_EVENT_OFF);
                        }
                        break;
                }

                for (size_t i = 0; i < b->n; i++)
                        if (manager_receive_frame(m, b->frames[i], &b->info[i]))
                                queued = true;
                /* Frames as the wire carries them: a super-frame counts as
                 * the segments it was cut into. */
                n += (unsigned) MIN(m->counters.lan_rx_frames - before, (uint64_t) PACKET_READ_BUDGET);
                /* Once per batch: the frames share QUIC packets and the
                 * packets one sendmmsg(). */
                if (queued)
                        relay_link_flush(m->relay);
        }
        return 0;
}

static int manager_open_packet_socket(Manager *m) {
        int r;

        m->packet_event_source = sd_event_source_disable_unref(m->packet_event_source);
        packet_socket_close(&m->packet);

        r = packet_socket_open(&m->packet, m->config->interface);
        if (r < 0)
                return r;
        r = packet_socket_disable_offloads(&m->packet);
        if (r < 0)
                log_manager_errno(m, LOG_WARNING, r,
                                  "Continuing with receive offloads on: merged TCP segments are cut back into "
                                  "frames, at some CPU cost.");
        r = sd_event_add_io(m->event, &m->packet_event_source, m->packet.fd, EPOLLIN, manager_on_packet, m);
        if (r < 0)
                return log_manager_errno(m, LOG_ERR, r, "Failed to watch the packet socket: %m");
        return 0;
}

/* ---- link monitor ---- */

static void manager_take_link_state(Manager *m, const LinkState *state) {
        if (!state->exists)
                return;
        if (!mac_equal(&m->lan_mac, &state->mac)) {
                m->lan_mac = state->mac;
                relay_link_set_mac(m->relay, &state->mac);
        }
        m->lan_mtu = state->mtu;
}

static void on_link_change(LinkMonitor *lm, LinkCheck check, const LinkState *state, void *userdata) {
        Manager *m = userdata;
        LinkCheck old = m->link_check;
        int r;

        manager_take_link_state(m, state);
        m->link_check = check;
        manager_mark_dirty(m);

        if (check != LINK_CHECK_OK) {
                log_manager_errno(m, LOG_WARNING, 0, "Interface %s %s; keeping the relay connection, frames "
                                  "for the LAN are dropped meanwhile.", m->config->interface,
                                  link_check_describe(check));
                manager_cam_schedule(m);
                return;
        }

        /* Plugged back in under a new index (a USB NIC): the old socket
         * is bound to an interface that no longer exists. */
        if (m->packet.fd < 0 || state->ifindex != m->packet.ifindex) {
                r = manager_open_packet_socket(m);
                if (r < 0) {
                        log_manager_errno(m, LOG_ERR, r, "Cannot reopen %s, LAN side stays closed until it "
                                          "changes again: %m", m->config->interface);
                        return;
                }
        } else
                (void) sd_event_source_set_enabled(m->packet_event_source, SD_EVENT_ON);

        if (old != LINK_CHECK_OK) {
                log_manager_errno(m, LOG_NOTICE, 0, "Interface %s is back with carrier; refreshing the switch's "
                                  "MAC table for %u remote client%s.", m->config->interface,
                                  manager_get_n_clients(m), manager_get_n_clients(m) == 1 ? "" : "s");
                manager_cam_refresh_all(m);
        }
}

static int manager_on_link(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r;

        r = link_monitor_process(m->link_monitor);
        if (r < 0)
                log_manager_errno(m, LOG_WARNING, r, "Failed to process link changes, ignoring: %m");
        return 0;
}

/* ---- relay events ---- */

static void on_relay_state(RelayLink *l, RelayState state, void *userdata) {
        Manager *m = userdata;

        m->relay_state = state;
        if (state == RELAY_STATE_RESOLVING || state == RELAY_STATE_CONNECTING)
                m->last_end = _SESSION_END_KIND_INVALID;
        manager_mark_dirty(m);
}

static void on_relay_joined(RelayLink *l, const ControlWelcome *welcome, void *userdata) {
        Manager *m = userdata;

        m->peer_id = welcome->peer_id;
        m->room_mtu = welcome->room_mtu;
        manager_mark_dirty(m);
        log_manager_errno(m, LOG_NOTICE, 0, "Opened room %s on relay %s (%s) as peer %u; room MTU %u.",
                          m->config->room, m->relay_str, relay_link_get_address(l), welcome->peer_id,
                          welcome->room_mtu);
        if (m->lan_mtu > welcome->room_mtu)
                log_manager_errno(m, LOG_INFO, 0,
                                  "LAN MTU %u is above the room MTU %u: TCP connections are clamped to fit, "
                                  "larger packets of other protocols are dropped as jumbo.",
                                  m->lan_mtu, welcome->room_mtu);
}

static void on_relay_peer_joined(RelayLink *l, const SessionPeer *peer, void *userdata) {
        Manager *m = userdata;
        RemoteClient *c, *old;
        int r;

        if (peer->role != PEER_ROLE_CLIENT)
                return; /* another gateway cannot be in our room */

        old = manager_get_client(m, peer->id);
        if (old)
                manager_remove_client(m, old, "replaced");

        c = calloc(1, sizeof(RemoteClient));
        if (!c) {
                log_oom();
                return;
        }
        c->manager = m;
        c->id = peer->id;
        snprintf(c->id_str, sizeof(c->id_str), "%u", peer->id);
        c->mac = peer->mac;
        mac_to_string(&peer->mac, c->mac_str);
        memcpy(c->name, peer->name, sizeof(c->name));
        cam_refresh_init(&c->cam, now_usec());
        r = remote_client_bus_path(peer->id, &c->object_path);
        if (r < 0 || mac_table_put(&m->clients_by_mac, &c->mac, c) < 0) {
                remote_client_free(c);
                log_oom();
                return;
        }
        g_hash_table_insert(m->clients, GUINT_TO_POINTER((unsigned) c->id), c);

        log_client_errno(c, LOG_INFO, 0, "Player '%s' (%s) joined as peer %u.", c->name, c->mac_str, c->id);
        remote_client_bus_emit_added(c);
        manager_mark_dirty(m);

        /* At once: the LAN learns where the newcomer lives before anyone
         * there sends it a frame. */
        manager_cam_send(m, c, now_usec());
        manager_cam_schedule(m);
}

static void on_relay_peer_left(RelayLink *l, const SessionPeer *peer, LeaveReason reason, void *userdata) {
        Manager *m = userdata;
        RemoteClient *c = manager_get_client(m, peer->id);

        if (c)
                manager_remove_client(m, c, leave_reason_to_string(reason));
        manager_cam_schedule(m);
}

static void on_relay_check(RelayLink *l, const ControlMessage *msg, void *userdata) {
        manager_on_check(userdata, msg);
}

static void on_relay_ended(RelayLink *l, const SessionEnd *end, void *userdata) {
        Manager *m = userdata;

        int level = end->kind == SESSION_END_LOCAL ? LOG_INFO : end->retry ? LOG_WARNING : LOG_ERR;

        log_fields_errno(level, 0,
                         LOG_FIELDS({"INTERFACE", m->config->interface}, {"ROOM", m->config->room},
                                    {"REASON", session_end_kind_to_string(end->kind)}),
                         "%s", end->message);
        m->last_end = end->kind;
        m->peer_id = 0;
        m->room_mtu = 0;
        m->deferred.n = 0;
        manager_remove_all_clients(m, NULL);
        manager_cam_schedule(m);
        manager_mark_dirty(m);
}

static void on_relay_stopped(RelayLink *l, void *userdata) {
        Manager *m = userdata;

        (void) sd_event_exit(m->event, 0);
}

/* ---- status ---- */

/* Ends that say the relay answered but will not have us as we are. */
#define IN_SET_REFUSED(k)                                                                    \
        ((k) == SESSION_END_REJECTED || (k) == SESSION_END_PIN_MISMATCH ||                   \
         (k) == SESSION_END_CERT_UNTRUSTED || (k) == SESSION_END_PROTOCOL_ERROR)

static void manager_update_status(Manager *m) {
        char status[sizeof(m->status)], link[128] = "";
        unsigned n = manager_get_n_clients(m);
        uint64_t retry;

        if (m->link_check != LINK_CHECK_OK)
                snprintf(link, sizeof(link), " (%s %s)", m->config->interface, link_check_describe(m->link_check));

        switch (m->relay_state) {
        case RELAY_STATE_JOINED:
                snprintf(status, sizeof(status), "Bridging %s to relay %s, room %s: %u client%s%s", m->config->interface,
                         m->relay_str, m->config->room, n, n == 1 ? "" : "s", link);
                break;
        case RELAY_STATE_BACKOFF:
                retry = relay_link_get_retry_usec(m->relay);
                retry = retry > now_usec() ? (retry - now_usec() + USEC_PER_SEC - 1) / USEC_PER_SEC : 0;
                if (IN_SET_REFUSED(m->last_end))
                        snprintf(status, sizeof(status), "Relay refused the gateway (%s), retrying in %" PRIu64 "s%s",
                                 session_end_kind_to_string(m->last_end), retry, link);
                else
                        snprintf(status, sizeof(status), "Relay unreachable, retrying in %" PRIu64 "s%s", retry, link);
                break;
        case RELAY_STATE_DISCONNECTING:
        case RELAY_STATE_STOPPED:
                snprintf(status, sizeof(status), "Leaving room %s...", m->config->room);
                break;
        default:
                snprintf(status, sizeof(status), "Connecting to relay %s, room %s...%s", m->relay_str,
                         m->config->room, link);
                break;
        }
        if (strcmp(status, m->status) == 0)
                return;
        memcpy(m->status, status, sizeof(status));
        (void) sd_notifyf(false, "STATUS=%s", status);
}

static int manager_on_flush(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        manager_bus_emit_changes(m);
        manager_update_status(m);
        m->dirty = false;
        return 0;
}

void manager_mark_dirty(Manager *m) {
        if (!m)
                return;
        m->dirty = true;
        if (m->flush_event_source)
                (void) sd_event_source_set_enabled(m->flush_event_source, SD_EVENT_ONESHOT);
}

/* ---- lifecycle ---- */

int manager_new(Manager **ret, GatewayConfig *config) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        if (!ret || !config)
                return -EINVAL;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;
        m->packet = PACKET_SOCKET_NULL;
        m->link_check = LINK_CHECK_MISSING;
        m->relay_state = RELAY_STATE_IDLE;
        m->last_end = _SESSION_END_KIND_INVALID;
        m->cam_interval_usec = CAM_REFRESH_INTERVAL_DEFAULT_USEC;
        ratelimit_init(&m->drop_log_limit, DROP_LOG_RATE, DROP_LOG_BURST);
        ratelimit_init(&m->gso_log_limit, GSO_LOG_RATE, GSO_LOG_BURST);

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;

        m->clients = g_hash_table_new(g_direct_hash, g_direct_equal);

        r = daemon_add_flush(m->event, &m->flush_event_source, manager_on_flush, m);
        if (r < 0)
                return r;

        r = sd_event_add_time(m->event, &m->cam_event_source, CLOCK_MONOTONIC, UINT64_MAX, 10 * 1000,
                              manager_on_cam_timer, m);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(m->cam_event_source, SD_EVENT_OFF);
        if (r < 0)
                return r;

        relay_endpoint_format(&config->relay, m->relay_str);
        if (config->interface[0]) {
                r = gateway_bus_name(config->interface, m->bus_name, sizeof(m->bus_name));
                if (r < 0)
                        return r;
        }

        m->config = config;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;

        if (m->clients) {
                GHashTableIter i;
                gpointer value;

                g_hash_table_iter_init(&i, m->clients);
                while (g_hash_table_iter_next(&i, NULL, &value))
                        remote_client_free(value);
                g_hash_table_destroy(m->clients);
        }
        mac_table_done(&m->clients_by_mac);

        relay_link_free(m->relay);
        sd_event_source_disable_unref(m->cam_event_source);
        sd_event_source_disable_unref(m->flush_event_source);
        sd_event_source_disable_unref(m->packet_event_source);
        sd_event_source_disable_unref(m->link_event_source);
        link_monitor_free(m->link_monitor);
        packet_socket_close(&m->packet);

        polkit_registry_free(m->polkit_registry);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);

        explicit_bzero(m->room_key, sizeof(m->room_key));
        explicit_bzero(m->gateway_token, sizeof(m->gateway_token));
        explicit_bzero(m->invite, sizeof(m->invite));
        gateway_config_free(m->config);
        free(m);
        return NULL;
}

void manager_set_gateway_token(Manager *m, const uint8_t *token, size_t len) {
        len = MIN(len, sizeof(m->gateway_token));
        memcpy(m->gateway_token, token, len);
        m->gateway_token_len = len;
}

int manager_load_room_key(Manager *m) {
        _cleanup_free_ char *error = NULL;
        bool created = false;
        int r;

        r = room_key_load_or_create(m->config->state_dir, m->room_key, &created, &error);
        if (r < 0)
                return log_manager_errno(m, LOG_ERR, r, "%s", error ? error : "Cannot load the room key: %m");
        if (created)
                log_manager_errno(m, LOG_NOTICE, 0, "Generated a new room key in %s/%s.", m->config->state_dir,
                                  ROOM_KEY_FILE_NAME);

        r = gateway_config_format_invite(m->config, m->room_key, m->invite, sizeof(m->invite));
        if (r < 0)
                return log_manager_errno(m, LOG_ERR, r, "Cannot format the invite link: %m");
        return 0;
}

static int manager_on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (m->stopping) {
                log_manager_errno(m, LOG_INFO, 0, "Received %s again, exiting at once.", strsignal((int) si->ssi_signo));
                return sd_event_exit(m->event, 0);
        }
        m->stopping = true;
        log_manager_errno(m, LOG_INFO, 0, "Received %s, shutting down.", strsignal((int) si->ssi_signo));
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Leaving the room...");
        /* Calls on_relay_stopped(), which ends the loop, once the relay
         * confirmed or the timeout passed. */
        return relay_link_stop(m->relay, GATEWAYD_STOP_TIMEOUT_USEC);
}

/* The gateway reads its configuration once; the relay's unit reloads with
 * SIGHUP, and an administrator used to that must not stop the party by
 * sending the gateway the same signal (its default action ends the process). */
static int manager_on_hangup_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_manager_errno(m, LOG_NOTICE, 0,
                          "Received SIGHUP; the gateway has nothing to reload (restart it to apply new settings).");
        return 0;
}

/* daemon_connect_bus() fills in m->bus before calling this, and that is
 * where manager_bus_register() looks for the connection. */
static int manager_register_bus_objects(void *userdata) {
        return manager_bus_register(userdata);
}

int manager_connect_bus(Manager *m) {
        if (m->bus)
                return 0;
        return daemon_connect_bus(m->event, m->config->bus_address, "gateway-api", m->bus_name,
                                  manager_register_bus_objects, m, &m->bus);
}

/* The NIC must be able to carry the party before anyone is invited to it. */
static int manager_check_link(Manager *m) {
        LinkState state;
        LinkCheck check;
        int r;

        r = link_state_read(m->config->interface, 0, &state);
        if (r < 0)
                return r;
        check = link_state_check(&state);
        if (check != LINK_CHECK_OK)
                return log_manager_errno(m, LOG_ERR, ENETDOWN, "Interface %s %s; refusing to start.",
                                         m->config->interface, link_check_describe(check));
        if (!mac_is_valid_source(&state.mac))
                return log_manager_errno(m, LOG_ERR, EADDRNOTAVAIL,
                                         "Interface %s has no unicast MAC address; refusing to start.",
                                         m->config->interface);
        manager_take_link_state(m, &state);
        m->link_check = check;
        return 0;
}

/* The LAN side, whole: the NIC checked, the packet socket open and the
 * link watched. */
static int manager_start_lan(Manager *m) {
        int r;

        r = manager_check_link(m);
        if (r < 0)
                return r;
        r = manager_open_packet_socket(m);
        if (r < 0)
                return r;
        r = link_monitor_new(&m->link_monitor, m->config->interface, on_link_change, m);
        if (r < 0)
                return r;
        r = sd_event_add_io(m->event, &m->link_event_source, link_monitor_get_fd(m->link_monitor), EPOLLIN,
                            manager_on_link, m);
        if (r < 0)
                return log_manager_errno(m, LOG_ERR, r, "Failed to watch link changes: %m");
        /* Something may have changed between the check and the monitor. */
        if (link_monitor_get_check(m->link_monitor) != LINK_CHECK_OK)
                on_link_change(m->link_monitor, link_monitor_get_check(m->link_monitor),
                               link_monitor_get_state(m->link_monitor), m);
        return 0;
}

/* Never the link itself: whoever may read the journal (the
 * systemd-journal and adm groups) would hold the room key, which
 * GetInvite hands out only to whom polkit allows. */
static void manager_announce_invite(Manager *m) {
        if (m->bus)
                log_fields_errno(LOG_NOTICE, 0,
                                 LOG_FIELDS({"INTERFACE", m->config->interface}, {"ROOM", m->config->room}),
                                 "Invite link for room %s ready; it holds the room key, so it is not logged. "
                                 "Get it with 'busctl call %s " GATEWAY_BUS_PATH " " GATEWAY_BUS_MANAGER_INTERFACE
                                 " GetInvite' or, as root, 'lanparty-gatewayd --print-invite --interface %s'.",
                                 m->config->room, m->bus_name, m->config->interface);
        else
                log_fields_errno(LOG_NOTICE, 0,
                                 LOG_FIELDS({"INTERFACE", m->config->interface}, {"ROOM", m->config->room}),
                                 "Invite link for room %s ready; it holds the room key, so it is not logged. "
                                 "Get it as root with 'lanparty-gatewayd --print-invite --interface %s'.",
                                 m->config->room, m->config->interface);
        /* A person at a terminal started us: they may see it. */
        if (isatty(STDOUT_FILENO)) {
                printf("Invite link: %s\n", m->invite);
                fflush(stdout);
        }
}

static int manager_new_relay_link(Manager *m) {
        RelayLinkConfig rc = {};
        int r;

        rc.endpoint = m->config->relay;
        rc.has_pin = m->config->has_pin;
        memcpy(rc.pin, m->config->pin, sizeof(rc.pin));
        memcpy(rc.room, m->config->room, sizeof(rc.room));
        memcpy(rc.name, m->config->name, sizeof(rc.name));
        rc.mac = m->lan_mac;
        memcpy(rc.room_key, m->room_key, sizeof(rc.room_key));
        memcpy(rc.gateway_token, m->gateway_token, sizeof(rc.gateway_token));
        rc.gateway_token_len = m->gateway_token_len;
        r = relay_link_new(&m->relay, m->event, &rc,
                           &(const RelayCallbacks) {
                                   .state_changed = on_relay_state,
                                   .joined = on_relay_joined,
                                   .peer_joined = on_relay_peer_joined,
                                   .peer_left = on_relay_peer_left,
                                   .frame_received = on_relay_frame,
                                   .batch_done = on_relay_batch_done,
                                   .ended = on_relay_ended,
                                   .stopped = on_relay_stopped,
                                   .check = on_relay_check,
                           },
                           m);
        explicit_bzero(&rc, sizeof(rc));
        if (r < 0)
                return log_manager_errno(m, LOG_ERR, r, "Failed to set up the relay link: %m");
        return 0;
}

int manager_start(Manager *m) {
        int r;

        r = daemon_setup_event(m->event, manager_on_exit_signal, manager_on_hangup_signal, m);
        if (r < 0)
                return r;

        r = manager_load_room_key(m);
        if (r < 0)
                return r;

        /* The LAN side first: the relay is contacted only when the frames
         * can go somewhere. */
        r = manager_start_lan(m);
        if (r < 0)
                return r;

        r = manager_connect_bus(m);
        if (r < 0)
                return r;
        manager_announce_invite(m);

        r = manager_new_relay_link(m);
        if (r < 0)
                return r;

        /* Ready means the LAN side is open; the relay may take a while
         * or be down, and that is what STATUS= is for. */
        (void) sd_notify(false, "READY=1");
        log_manager_errno(m, LOG_INFO, 0, "Listening on %s (%s), MTU %u.", m->config->interface,
                          link_check_to_string(m->link_check), m->lan_mtu);

        r = relay_link_start(m->relay);
        if (r < 0)
                return r;
        manager_mark_dirty(m);
        return 0;
}

int manager_run(Manager *m) {
        return daemon_run_event_loop(m->event);
}
