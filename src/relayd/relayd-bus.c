/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "relayd-bus.h"
#include "macro.h"

/* Only after macro.h: it defines MIN/MAX unconditionally, glib #undefs first. */
#include <glib.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bus-polkit.h"
#include "bus-util.h"
#include "fair-queue.h"
#include "relayd-conn.h"
#include "relayd-manager.h"
#include "relayd-room.h"

static const sd_bus_error_map relay_bus_errors[] = {
        SD_BUS_ERROR_MAP(RELAY_BUS_ERROR_NO_SUCH_ROOM, ENOENT),
        SD_BUS_ERROR_MAP(RELAY_BUS_ERROR_NO_SUCH_PEER, ENOENT),
        SD_BUS_ERROR_MAP_END,
};

int room_bus_path(const char *name, char **ret) {
        return sd_bus_path_encode(RELAY_BUS_ROOM_PREFIX, name, ret);
}

int peer_bus_path(const char *room_path, uint16_t id, char **ret) {
        if (!room_path || !ret)
                return -EINVAL;
        if (asprintf(ret, "%s/peer/%u", room_path, id) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

static int counters_append(sd_bus_message *reply, const RelayCounters *c, const char *property) {
        uint64_t v;

        if (strcmp(property, "RxFrames") == 0)
                v = c->rx_frames;
        else if (strcmp(property, "RxBytes") == 0)
                v = c->rx_bytes;
        else if (strcmp(property, "TxFrames") == 0)
                v = c->tx_frames;
        else if (strcmp(property, "TxBytes") == 0)
                v = c->tx_bytes;
        else if (strcmp(property, "DroppedFrames") == 0)
                v = c->dropped_frames;
        else
                return -EINVAL;
        return sd_bus_message_append(reply, "t", v);
}

/* Text that ends up in a DISCONNECT message: the wire rules apply. */
static bool reason_text_is_valid(const char *s) {
        size_t len = strlen(s);

        return len <= LP_CONTROL_TEXT_MAX && (len == 0 || control_text_is_valid(s, len));
}

static const char *sender_or_unknown(sd_bus_message *message) {
        const char *sender = sd_bus_message_get_sender(message);

        return sender ? sender : "an unknown sender";
}

/* ---- Manager ---- */

static int property_get_limit(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "u",
                                     (uint32_t) (strcmp(property, "MaxRooms") == 0 ? m->config->max_rooms
                                                                                   : m->config->max_peers_per_room));
}

static int property_get_manager_counter(sd_bus *bus, const char *path, const char *interface,
                                        const char *property, sd_bus_message *reply, void *userdata,
                                        sd_bus_error *error) {
        RelayCounters c;

        manager_get_counters(userdata, &c);
        return counters_append(reply, &c, property);
}

static int property_get_refusals(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        RelayAdmission a;
        int r;

        manager_get_admission(userdata, &a);
        r = sd_bus_message_open_container(reply, 'a', "{st}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{st}{st}{st}{st}{st}", "full", a.full, "busy", a.busy, "per_source",
                                  a.per_source, "hello_timeout", a.hello_timeout, "bad_token", a.bad_token);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int property_get_retries(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        RelayAdmission a;

        manager_get_admission(userdata, &a);
        return sd_bus_message_append(reply, "t", a.retries);
}

static int method_close_room(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name, *reason;
        Room *room;
        int r;

        r = sd_bus_message_read(message, "ss", &name, &reason);
        if (r < 0)
                return r;
        if (!room_name_is_valid(name, strlen(name)))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid room name.");
        if (!reason_text_is_valid(reason))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "Reason must be at most 200 bytes of text without control characters.");

        /* Authorize before looking anything up: unauthorized callers learn
         * nothing, and the re-run after polkit's answer takes this same
         * path. */
        r = bus_verify_polkit_async(message, RELAY_POLKIT_ACTION_MANAGE,
                                    (const char *const[]) { "room", name, NULL }, &m->polkit_registry, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit is asked; we run again when it answers */

        room = room_get_by_name(m, name);
        if (!room)
                return sd_bus_error_setf(error, RELAY_BUS_ERROR_NO_SUCH_ROOM, "No room '%s'.", name);

        log_room_info(room, "Closing room on request of %s.", sender_or_unknown(message));
        room_close(room, LEAVE_REASON_ROOM_CLOSED, reason);
        return sd_bus_reply_method_return(message, NULL);
}

static int method_kick_peer(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name, *reason;
        char id_str[PEER_ID_STR_MAX];
        uint16_t id;
        Room *room;
        Peer *peer;
        int r;

        r = sd_bus_message_read(message, "sqs", &name, &id, &reason);
        if (r < 0)
                return r;
        if (!room_name_is_valid(name, strlen(name)))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid room name.");
        if (id == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Peer ids start at 1.");
        if (!reason_text_is_valid(reason))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "Reason must be at most 200 bytes of text without control characters.");

        snprintf(id_str, sizeof(id_str), "%u", id);
        r = bus_verify_polkit_async(message, RELAY_POLKIT_ACTION_MANAGE,
                                    (const char *const[]) { "room", name, "peer", id_str, NULL },
                                    &m->polkit_registry, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1;

        room = room_get_by_name(m, name);
        if (!room)
                return sd_bus_error_setf(error, RELAY_BUS_ERROR_NO_SUCH_ROOM, "No room '%s'.", name);
        peer = room_get_peer(room, id);
        if (!peer)
                return sd_bus_error_setf(error, RELAY_BUS_ERROR_NO_SUCH_PEER, "No peer %u in room '%s'.", id, name);

        log_peer_info(peer, "Kicking peer on request of %s.", sender_or_unknown(message));
        peer_kick(peer, reason);
        return sd_bus_reply_method_return(message, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", bus_property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ListenAddress", "s", bus_property_get_string_array, offsetof(Manager, listen_str),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("CertificatePin", "s", bus_property_get_string_array, offsetof(Manager, certificate_pin),
                        0),
        SD_BUS_PROPERTY("MaxRooms", "u", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("MaxPeersPerRoom", "u", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("RoomCount", "u", bus_property_get_unsigned, offsetof(Manager, n_rooms),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PeerCount", "u", bus_property_get_unsigned, offsetof(Manager, n_peers),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* Counters change with every frame: polled, never signalled. */
        SD_BUS_PROPERTY("RxFrames", "t", property_get_manager_counter, 0, 0),
        SD_BUS_PROPERTY("RxBytes", "t", property_get_manager_counter, 0, 0),
        SD_BUS_PROPERTY("TxFrames", "t", property_get_manager_counter, 0, 0),
        SD_BUS_PROPERTY("TxBytes", "t", property_get_manager_counter, 0, 0),
        SD_BUS_PROPERTY("DroppedFrames", "t", property_get_manager_counter, 0, 0),
        SD_BUS_PROPERTY("Refusals", "a{st}", property_get_refusals, 0, 0),
        SD_BUS_PROPERTY("RetriesSent", "t", property_get_retries, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("CloseRoom", SD_BUS_ARGS("s", name, "s", reason), SD_BUS_NO_RESULT,
                                method_close_room, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("KickPeer", SD_BUS_ARGS("s", room, "q", peer_id, "s", reason), SD_BUS_NO_RESULT,
                                method_kick_peer, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* ---- Rooms ---- */

static int property_get_gateway_present(sd_bus *bus, const char *path, const char *interface,
                                        const char *property, sd_bus_message *reply, void *userdata,
                                        sd_bus_error *error) {
        Room *room = userdata;

        return sd_bus_message_append(reply, "b", room->gateway != NULL);
}

static int property_get_room_counter(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        RelayCounters c;

        room_get_counters(userdata, &c);
        return counters_append(reply, &c, property);
}

static int room_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                            sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Room *room;
        int r;

        r = sd_bus_path_decode(path, RELAY_BUS_ROOM_PREFIX, &name);
        if (r <= 0)
                return r;
        /* Peer paths decode to "name/peer/N", which is no room name. */
        if (!room_name_is_valid(name, strlen(name)))
                return 0;
        room = room_get_by_name(userdata, name);
        if (!room)
                return 0;
        *found = room;
        return 1;
}

static const sd_bus_vtable room_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", bus_property_get_string_array, offsetof(Room, name),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("GatewayPresent", "b", property_get_gateway_present, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("EffectiveMTU", "q", bus_property_get_uint16, offsetof(Room, mtu),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PeerCount", "u", bus_property_get_unsigned, offsetof(Room, n_peers),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RxFrames", "t", property_get_room_counter, 0, 0),
        SD_BUS_PROPERTY("RxBytes", "t", property_get_room_counter, 0, 0),
        SD_BUS_PROPERTY("TxFrames", "t", property_get_room_counter, 0, 0),
        SD_BUS_PROPERTY("TxBytes", "t", property_get_room_counter, 0, 0),
        SD_BUS_PROPERTY("DroppedFrames", "t", property_get_room_counter, 0, 0),
        SD_BUS_VTABLE_END,
};

/* ---- Peers ---- */

static int property_get_role(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Peer *peer = userdata;

        return sd_bus_message_append(reply, "s", peer_role_to_string(peer->role));
}

/* With what the peer's fair queue dropped (peer_get_counters()), so that
 * DroppedFrames is the sum of Drops. */
static int property_get_peer_counter(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        RelayCounters c;

        peer_get_counters(userdata, &c);
        return counters_append(reply, &c, property);
}

static int property_get_drops(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Peer *peer = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{st}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < peer->n_drops; i++) {
                r = sd_bus_message_append(reply, "{st}", peer->drops[i].reason, peer->drops[i].count);
                if (r < 0)
                        return r;
        }
        /* Frames to this peer its fair queue dropped after taking them,
         * counted by QUIC (fair-queue.h), not per frame here. */
        if (peer->conn && peer->conn->quic_conn) {
                QuicConnCounters qc;

                quic_conn_get_counters(peer->conn->quic_conn, &qc);
                r = bus_append_nonzero_counter(reply, FAIR_QUEUE_DROP_EVICTED, qc.datagrams_dropped_evicted);
                if (r >= 0)
                        r = bus_append_nonzero_counter(reply, FAIR_QUEUE_DROP_CODEL, qc.datagrams_dropped_codel);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* What the peer said in its latest STATS; empty before the first. */
static int property_get_reported_stats(sd_bus *bus, const char *path, const char *interface, const char *property,
                                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Peer *peer = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{st}");
        if (r < 0)
                return r;
        if (peer->have_reported) {
                r = sd_bus_message_append(reply, "{st}{st}{st}{st}{st}", "rx_frames", peer->reported.rx_frames,
                                          "rx_bytes", peer->reported.rx_bytes, "tx_frames", peer->reported.tx_frames,
                                          "tx_bytes", peer->reported.tx_bytes, "dropped_frames",
                                          peer->reported.dropped_frames);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* Where a player connects from is personal data: not a property every
 * local user could read (or see in PropertiesChanged), but an answer for
 * root and whom polkit allows. The peer is found again when polkit's
 * answer re-runs the call, so a peer gone meanwhile is UnknownObject. */
static int method_get_remote_address(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Peer *peer = userdata;
        char id_str[PEER_ID_STR_MAX];
        int r;

        snprintf(id_str, sizeof(id_str), "%u", peer->id);
        r = bus_verify_polkit_async(message, RELAY_POLKIT_ACTION_PEER_ADDRESS,
                                    (const char *const[]) { "room", peer->room->name, "peer", id_str, NULL },
                                    &peer->room->manager->polkit_registry, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit is asked; we run again when it answers */

        return sd_bus_reply_method_return(message, "s", peer->remote_str);
}

static int peer_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                            sd_bus_error *error) {
        _cleanup_free_ char *name = NULL, *id_str = NULL;
        uint16_t id;
        Room *room;
        Peer *peer;
        int r;

        r = sd_bus_path_decode_many(path, RELAY_BUS_ROOM_PREFIX "/%/peer/%", &name, &id_str);
        if (r <= 0)
                return r;
        if (bus_path_parse_peer_id(id_str, &id) < 0)
                return 0;
        room = room_get_by_name(userdata, name);
        if (!room)
                return 0;
        peer = room_get_peer(room, id);
        if (!peer)
                return 0;
        *found = peer;
        return 1;
}

static const sd_bus_vtable peer_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "q", bus_property_get_uint16, offsetof(Peer, id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Role", "s", property_get_role, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("MAC", "s", bus_property_get_string_array, offsetof(Peer, mac_str),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", bus_property_get_string_array, offsetof(Peer, name),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ConnectedSince", "t", bus_property_get_uint64, offsetof(Peer, connected_usec),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LastSeen", "t", bus_property_get_uint64, offsetof(Peer, last_seen_usec), 0),
        SD_BUS_PROPERTY("RTT", "t", bus_property_get_uint64, offsetof(Peer, rtt_usec), 0),
        SD_BUS_PROPERTY("RxFrames", "t", bus_property_get_uint64, offsetof(Peer, counters.rx_frames), 0),
        SD_BUS_PROPERTY("RxBytes", "t", bus_property_get_uint64, offsetof(Peer, counters.rx_bytes), 0),
        SD_BUS_PROPERTY("TxFrames", "t", bus_property_get_uint64, offsetof(Peer, counters.tx_frames), 0),
        SD_BUS_PROPERTY("TxBytes", "t", bus_property_get_uint64, offsetof(Peer, counters.tx_bytes), 0),
        SD_BUS_PROPERTY("DroppedFrames", "t", property_get_peer_counter, 0, 0),
        SD_BUS_PROPERTY("Drops", "a{st}", property_get_drops, 0, 0),
        SD_BUS_PROPERTY("ReportedStats", "a{st}", property_get_reported_stats, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("GetRemoteAddress", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", address),
                                method_get_remote_address, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* ---- Tree ---- */

static int node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        size_t n = 0, size = (size_t) m->n_rooms + m->n_peers + 1;
        _cleanup_(strv_freep) char **l = NULL;
        GHashTableIter i, j;
        gpointer value;
        int r;

        l = calloc(size, sizeof(char *));
        if (!l)
                return -ENOMEM;

        g_hash_table_iter_init(&i, m->rooms);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                Room *room = value;

                r = strv_push_copy(l, size, &n, room->object_path);
                if (r < 0)
                        return r;
                g_hash_table_iter_init(&j, room->peers_by_id);
                while (g_hash_table_iter_next(&j, NULL, &value)) {
                        r = strv_push_copy(l, size, &n, ((Peer *) value)->object_path);
                        if (r < 0)
                                return r;
                }
        }

        *nodes = TAKE_PTR(l);
        return 1;
}

int manager_bus_register(Manager *m) {
        int r;

        r = sd_bus_error_add_map(relay_bus_errors);
        if (r < 0)
                return log_error_errno(r, "Failed to register D-Bus error map: %m");

        r = sd_bus_add_object_vtable(m->bus, NULL, RELAY_BUS_PATH, RELAY_BUS_MANAGER_INTERFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register manager object: %m");

        r = sd_bus_add_fallback_vtable(m->bus, NULL, RELAY_BUS_ROOM_PREFIX, RELAY_BUS_ROOM_INTERFACE, room_vtable,
                                       room_object_find, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register room objects: %m");

        r = sd_bus_add_fallback_vtable(m->bus, NULL, RELAY_BUS_ROOM_PREFIX, RELAY_BUS_PEER_INTERFACE, peer_vtable,
                                       peer_object_find, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register peer objects: %m");

        r = sd_bus_add_node_enumerator(m->bus, NULL, RELAY_BUS_ROOM_PREFIX, node_enumerator, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register room enumerator: %m");

        r = sd_bus_add_object_manager(m->bus, NULL, RELAY_BUS_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to register object manager: %m");

        return 0;
}

/* ---- Signals ---- */

void room_bus_emit_added(Room *room) {
        int r;

        r = bus_emit_object_added(room->manager->bus, room->object_path, RELAY_BUS_ROOM_INTERFACE);
        if (r < 0)
                log_room_debug_errno(room, r, "Failed to emit InterfacesAdded, ignoring: %m");
}

void room_bus_emit_removed(Room *room) {
        int r;

        r = bus_emit_object_removed(room->manager->bus, room->object_path, RELAY_BUS_ROOM_INTERFACE);
        if (r < 0)
                log_room_debug_errno(room, r, "Failed to emit InterfacesRemoved, ignoring: %m");
}

void peer_bus_emit_added(Peer *peer) {
        int r;

        r = bus_emit_object_added(peer->room->manager->bus, peer->object_path, RELAY_BUS_PEER_INTERFACE);
        if (r < 0)
                log_peer_debug_errno(peer, r, "Failed to emit InterfacesAdded, ignoring: %m");
}

void peer_bus_emit_removed(Peer *peer) {
        int r;

        r = bus_emit_object_removed(peer->room->manager->bus, peer->object_path, RELAY_BUS_PEER_INTERFACE);
        if (r < 0)
                log_peer_debug_errno(peer, r, "Failed to emit InterfacesRemoved, ignoring: %m");
}

void manager_bus_emit_changes(Manager *m) {
        GHashTableIter i;
        gpointer value;
        int r;

        if (m->bus && (m->n_rooms != m->emitted_n_rooms || m->n_peers != m->emitted_n_peers)) {
                r = sd_bus_emit_properties_changed(m->bus, RELAY_BUS_PATH, RELAY_BUS_MANAGER_INTERFACE, "RoomCount",
                                                   "PeerCount", NULL);
                if (r < 0)
                        log_debug_errno(r, "Failed to emit PropertiesChanged, ignoring: %m");
        }
        m->emitted_n_rooms = m->n_rooms;
        m->emitted_n_peers = m->n_peers;

        g_hash_table_iter_init(&i, m->rooms);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                Room *room = value;

                if (room->dirty && m->bus) {
                        r = sd_bus_emit_properties_changed(m->bus, room->object_path, RELAY_BUS_ROOM_INTERFACE,
                                                           "GatewayPresent", "EffectiveMTU", "PeerCount", NULL);
                        if (r < 0)
                                log_room_debug_errno(room, r, "Failed to emit PropertiesChanged, ignoring: %m");
                }
                room->dirty = false;

        }
}
