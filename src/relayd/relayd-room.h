/* SPDX-License-Identifier: MIT */
#pragma once

/* A room: one gateway's LAN and the clients joined to it. Created when the
 * first gateway's HELLO is accepted; freed by room_close() or when its last
 * peer has left (checked once per event loop iteration). When the gateway
 * leaves while clients stay, the room waits ROOM_GATEWAY_GRACE_USEC for it
 * (or any gateway with the same auth_key) to come back, then closes. */

#define ROOM_GATEWAY_GRACE_USEC (60U * 1000000U)

#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "log.h"
#include "relayd-peer.h"
#include "relayd-forward.h"
#include "room-name.h"

typedef struct Manager Manager;
typedef struct _GHashTable GHashTable; /* <glib.h> clashes with macro.h's MIN/MAX */
typedef struct Room Room;

struct Room {
        Manager *manager;
        char name[LP_ROOM_NAME_MAX + 1];
        char *object_path;

        uint8_t auth_key[LP_CONTROL_AUTH_SIZE]; /* from the gateway's HELLO */
        /* SHA-256 of the gateway token that opened it (or took it back),
         * for the token's max-rooms; all zero without tokens. */
        uint8_t gateway_token_digest[32];
        uint16_t mtu;                           /* effective L3 MTU of the room */

        Peer *gateway;            /* NULL while no gateway is connected */
        GHashTable *peers_by_id;  /* GUINT_TO_POINTER(id) → Peer */
        GHashTable *peers_by_mac; /* &peer->mac → Peer */
        unsigned n_peers;
        uint16_t next_peer_id;

        ForwardMacTable *lan_macs; /* sources seen from the gateway */
        uint64_t gateway_lost_usec; /* CLOCK_MONOTONIC when the gateway left; 0: present or never */

        RelayCounters closed; /* counters of peers that already left */
        bool dirty;           /* a state property changed; PropertiesChanged is pending */
};

/* name: a valid room name; mtu: LP_CONTROL_MTU_MIN..LP_CONTROL_MTU_MAX.
 * Fails with -EINVAL, -EEXIST (name taken) or -EXFULL (max rooms reached).
 * Emits InterfacesAdded. */
int room_new(Manager *m, const char *name, const uint8_t auth_key[static LP_CONTROL_AUTH_SIZE], uint16_t mtu,
             Room **ret);
/* Frees the room and its peers without notifying them. NULL-safe. */
Room *room_free(Room *room);
DEFINE_TRIVIAL_CLEANUP_FUNC(Room *, room_free);

/* Disconnects every peer (through the manager's peer_disconnect hook) with
 * reason and text, then frees the room. */
void room_close(Room *room, LeaveReason reason, const char *text);

Room *room_get_by_name(Manager *m, const char *name);
Peer *room_get_peer(Room *room, uint16_t id);
Peer *room_get_peer_by_mac(Room *room, const MacAddr *mac);

int room_set_mtu(Room *room, uint16_t mtu);
/* Live peers plus those that left. */
void room_get_counters(Room *room, RelayCounters *ret);
void room_mark_dirty(Room *room);
/* Closes the room if its gateway has been gone longer than the grace
 * period. Returns 1 if it did. now_usec: CLOCK_MONOTONIC. */
int room_check_gateway_grace(Room *room, uint64_t now_usec);

#define log_room_full_errno(room, level, error, ...) \
        log_fields_errno(level, error, LOG_FIELDS({ "ROOM", (room)->name }), __VA_ARGS__)
#define log_room_debug(room, ...) log_room_full_errno(room, LOG_DEBUG, 0, __VA_ARGS__)
#define log_room_info(room, ...) log_room_full_errno(room, LOG_INFO, 0, __VA_ARGS__)
#define log_room_debug_errno(room, e, ...) log_room_full_errno(room, LOG_DEBUG, e, __VA_ARGS__)
