/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* relayd-conn.h: struct mmsghdr */
#include "relayd-peer.h"

/* Only after macro.h: it defines MIN/MAX unconditionally, glib #undefs first. */
#include <glib.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ether.h"
#include "relayd-bus.h"
#include "relayd-config.h"
#include "relayd-conn.h"
#include "relayd-manager.h"
#include "relayd-room.h"

void relay_counters_add(RelayCounters *sum, const RelayCounters *c) {
        sum->rx_frames += c->rx_frames;
        sum->rx_bytes += c->rx_bytes;
        sum->tx_frames += c->tx_frames;
        sum->tx_bytes += c->tx_bytes;
        sum->dropped_frames += c->dropped_frames;
}

void peer_get_counters(Peer *peer, RelayCounters *ret) {
        *ret = peer->counters;
        if (peer->conn && peer->conn->quic_conn) {
                QuicConnCounters qc;

                quic_conn_get_counters(peer->conn->quic_conn, &qc);
                ret->dropped_frames += qc.datagrams_dropped_evicted + qc.datagrams_dropped_codel;
        }
}

static int room_allocate_peer_id(Room *room, uint16_t *ret) {
        /* Ids count up and wrap, so a departed peer's id is not handed to
         * the next newcomer: logs and PEER_LEFT stay unambiguous. */
        for (uint32_t i = 0; i < UINT16_MAX; i++) {
                uint16_t id = room->next_peer_id;

                room->next_peer_id = id == UINT16_MAX ? 1 : (uint16_t) (id + 1);
                if (id != 0 && !g_hash_table_contains(room->peers_by_id, GUINT_TO_POINTER(id))) {
                        *ret = id;
                        return 0;
                }
        }
        return -EXFULL;
}

int peer_new(Room *room, PeerRole role, const MacAddr *mac, const char *name, const struct sockaddr *remote,
             socklen_t remote_len, Peer **ret) {
        _cleanup_(peer_freep) Peer *peer = NULL;
        Manager *m;
        size_t name_len;
        uint64_t now = 0;
        int r;

        if (!room || !mac || !ret)
                return -EINVAL;
        m = room->manager;

        if (role != PEER_ROLE_CLIENT && role != PEER_ROLE_GATEWAY)
                return -EINVAL;
        if (!mac_is_unicast(mac) || mac_is_zero(mac))
                return -EINVAL;
        name_len = name ? strlen(name) : 0;
        /* The name goes to D-Bus, the journal and other peers' UIs. */
        if (name_len > LP_CONTROL_NAME_MAX || (name_len > 0 && !control_text_is_valid(name, name_len)))
                return -EINVAL;

        if (room->n_peers >= m->config->max_peers_per_room)
                return -EXFULL;
        if (room_get_peer_by_mac(room, mac))
                return -EADDRINUSE;
        if (role == PEER_ROLE_GATEWAY && room->gateway)
                return -EBUSY;

        peer = calloc(1, sizeof(Peer));
        if (!peer)
                return -ENOMEM;
        *peer = (Peer) {
                .role = role,
                .mac = *mac,
        };
        if (name_len > 0)
                memcpy(peer->name, name, name_len);
        mac_to_string(&peer->mac, peer->mac_str);
        peer_set_remote(peer, remote, remote_len);

        r = room_allocate_peer_id(room, &peer->id);
        if (r < 0)
                return r;
        snprintf(peer->id_str, sizeof(peer->id_str), "%u", peer->id);

        r = peer_bus_path(room->object_path, peer->id, &peer->object_path);
        if (r < 0)
                return r;

        (void) sd_event_now(m->event, CLOCK_REALTIME, &now);
        peer->connected_usec = peer->last_seen_usec = now;

        /* From here on peer_free() undoes the registration. */
        g_hash_table_insert(room->peers_by_id, GUINT_TO_POINTER(peer->id), peer);
        g_hash_table_insert(room->peers_by_mac, &peer->mac, peer);
        peer->room = room;
        room->n_peers++;
        m->n_peers++;
        if (role == PEER_ROLE_GATEWAY) {
                room->gateway = peer;
                room->gateway_lost_usec = 0;
        }
        room_mark_dirty(room);
        manager_mark_dirty(m);

        peer_bus_emit_added(peer);
        log_fields_errno(LOG_INFO, 0,
                         LOG_FIELDS({ "ROOM", room->name }, { "PEER", peer->id_str }, { "MAC", peer->mac_str },
                                    { "ROLE", peer_role_to_string(role) },
                                    { "MESSAGE_ID", RELAY_MESSAGE_PEER_JOINED }),
                         "%s '%s' joined from %s.", role == PEER_ROLE_GATEWAY ? "Gateway" : "Client", peer->name,
                         peer->remote_str);

        *ret = TAKE_PTR(peer);
        return 0;
}

static Peer *peer_free_with_reason(Peer *peer, LeaveReason reason) {
        Room *room;

        if (!peer)
                return NULL;

        room = peer->room;
        if (room) {
                Manager *m = room->manager;
                RelayCounters counters;

                log_fields_errno(LOG_INFO, 0,
                                 LOG_FIELDS({ "ROOM", room->name }, { "PEER", peer->id_str }, { "MAC", peer->mac_str },
                                            { "REASON", leave_reason_to_string(reason) },
                                            { "MESSAGE_ID", RELAY_MESSAGE_PEER_LEFT }),
                                 "%s '%s' left (%s).", peer->role == PEER_ROLE_GATEWAY ? "Gateway" : "Client",
                                 peer->name, leave_reason_to_string(reason));
                peer_bus_emit_removed(peer);

                g_hash_table_remove(room->peers_by_id, GUINT_TO_POINTER(peer->id));
                g_hash_table_remove(room->peers_by_mac, &peer->mac);
                peer_get_counters(peer, &counters);
                relay_counters_add(&room->closed, &counters);
                room->n_peers--;
                m->n_peers--;
                if (room->gateway == peer) {
                        uint64_t now = 0;

                        room->gateway = NULL;
                        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
                        room->gateway_lost_usec = now ? now : 1;
                        if (room->lan_macs)
                                forward_mac_table_clear(room->lan_macs);
                }
                room_mark_dirty(room);
                manager_mark_dirty(m);
        }

        free(peer->object_path);
        free(peer);
        return NULL;
}

Peer *peer_free(Peer *peer) {
        return peer_free_with_reason(peer, LEAVE_REASON_UNSPECIFIED);
}

void peer_leave(Peer *peer, LeaveReason reason) {
        peer_free_with_reason(peer, reason);
}

void peer_disconnect(Peer *peer, LeaveReason reason, const char *text) {
        Manager *m;

        if (!peer)
                return;
        m = peer->room->manager;

        log_fields_errno(LOG_INFO, 0,
                         LOG_FIELDS({ "ROOM", peer->room->name }, { "PEER", peer->id_str }, { "MAC", peer->mac_str },
                                    { "REASON", leave_reason_to_string(reason) },
                                    { "MESSAGE_ID", reason == LEAVE_REASON_KICKED ? RELAY_MESSAGE_PEER_KICKED : NULL }),
                         "Disconnecting peer (%s)%s%s", leave_reason_to_string(reason), text && *text ? ": " : ".",
                         text && *text ? text : "");
        if (m->hooks.peer_disconnect)
                m->hooks.peer_disconnect(peer, reason, text, m->hooks.userdata);
        peer_free_with_reason(peer, reason);
}

void peer_kick(Peer *peer, const char *text) {
        peer_disconnect(peer, LEAVE_REASON_KICKED, text);
}

static PeerDrop *peer_count_drop_slot(Peer *peer, const char *reason) {
        PeerDrop *slot = NULL;

        if (!reason)
                reason = PEER_DROP_REASON_OTHER;

        peer->counters.dropped_frames++;

        /* Reasons are static strings, so pointer equality hits first. */
        for (size_t i = 0; i < peer->n_drops; i++)
                if (peer->drops[i].reason == reason || strcmp(peer->drops[i].reason, reason) == 0) {
                        slot = &peer->drops[i];
                        break;
                }
        if (!slot) {
                /* The last slot is kept for "other", so the counts always
                 * add up to dropped_frames however many reasons show up. */
                if (peer->n_drops < PEER_DROP_REASONS_MAX - 1 || strcmp(reason, PEER_DROP_REASON_OTHER) == 0) {
                        slot = &peer->drops[peer->n_drops++];
                        slot->reason = reason;
                } else {
                        for (size_t i = 0; i < peer->n_drops; i++)
                                if (strcmp(peer->drops[i].reason, PEER_DROP_REASON_OTHER) == 0)
                                        slot = &peer->drops[i];
                        if (!slot) {
                                slot = &peer->drops[peer->n_drops++];
                                slot->reason = PEER_DROP_REASON_OTHER;
                        }
                }
        }
        slot->count++;
        return slot;
}

void peer_count_drop(Peer *peer, const char *reason) {
        if (peer)
                (void) peer_count_drop_slot(peer, reason);
}

void peer_drop(Peer *peer, const char *reason, uint64_t now_usec) {
        PeerDrop *slot;

        if (!peer)
                return;
        slot = peer_count_drop_slot(peer, reason);

        /* Counted always, logged sparingly: a flood must not become a
         * journal flood. */
        if (slot->logged_usec != 0 && now_usec - slot->logged_usec < PEER_DROP_LOG_INTERVAL_USEC) {
                slot->unlogged++;
                return;
        }
        log_fields_errno(LOG_NOTICE, 0,
                         LOG_FIELDS({ "ROOM", peer->room ? peer->room->name : NULL }, { "PEER", peer->id_str },
                                    { "MAC", peer->mac_str }, { "REASON", slot->reason },
                                    { "MESSAGE_ID", RELAY_MESSAGE_FRAME_DROPPED }),
                         "Dropped a frame of peer %s (%s)%s%.0" PRIu64 "%s", peer->id_str, slot->reason,
                         slot->unlogged > 0 ? ", and " : ".", slot->unlogged,
                         slot->unlogged > 0 ? " more since the last report." : "");
        slot->logged_usec = now_usec ? now_usec : 1;
        slot->unlogged = 0;
}

void peer_set_remote(Peer *peer, const struct sockaddr *remote, socklen_t remote_len) {
        SocketAddress a = {};

        if (remote && remote_len > 0 && (size_t) remote_len <= sizeof(a.storage)) {
                memcpy(&a.storage, remote, remote_len);
                a.size = remote_len;
        }
        if (a.size == peer->remote.size && memcmp(&a.storage, &peer->remote.storage, a.size) == 0 &&
            peer->remote_str[0])
                return;

        peer->remote = a;
        socket_address_format(&peer->remote.sa, peer->remote.size, peer->remote_str);
        if (peer->room)
                log_peer_debug(peer, "Remote address is now %s.", peer->remote_str);
}

void peer_touch(Peer *peer, uint64_t realtime_usec) {
        if (peer)
                peer->last_seen_usec = realtime_usec;
}

void peer_set_rtt(Peer *peer, uint64_t rtt_usec) {
        if (peer)
                peer->rtt_usec = rtt_usec;
}
