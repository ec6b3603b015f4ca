/* SPDX-License-Identifier: MIT */
#include "relayd-room.h"

/* Only after macro.h: it defines MIN/MAX unconditionally, glib #undefs first. */
#include <glib.h>

#include <string.h>
#include <sys/random.h>

#include "ether.h"
#include "relayd-bus.h"
#include "relayd-manager.h"

static guint mac_hash(gconstpointer p) {
        const MacAddr *mac = p;
        guint h = 2166136261u; /* FNV-1a */

        for (size_t i = 0; i < LP_MAC_LEN; i++)
                h = (h ^ mac->bytes[i]) * 16777619u;
        return h;
}

static gboolean mac_equal_func(gconstpointer a, gconstpointer b) {
        return mac_equal(a, b);
}

int room_new(Manager *m, const char *name, const uint8_t auth_key[static LP_CONTROL_AUTH_SIZE], uint16_t mtu,
             Room **ret) {
        _cleanup_(room_freep) Room *room = NULL;
        size_t len;
        int r;

        if (!m || !name || !ret)
                return -EINVAL;
        len = strlen(name);
        if (!room_name_is_valid(name, len))
                return -EINVAL;
        if (mtu < LP_CONTROL_MTU_MIN || mtu > LP_CONTROL_MTU_MAX)
                return -EINVAL;
        if (room_get_by_name(m, name))
                return -EEXIST;
        if (m->n_rooms >= m->config->max_rooms)
                return -EXFULL;

        room = calloc(1, sizeof(Room));
        if (!room)
                return -ENOMEM;
        *room = (Room) {
                .mtu = mtu,
                .next_peer_id = 1,
        };
        memcpy(room->name, name, len);
        memcpy(room->auth_key, auth_key, LP_CONTROL_AUTH_SIZE);

        room->lan_macs = malloc(sizeof(ForwardMacTable));
        if (!room->lan_macs)
                return -ENOMEM;
        {
                uint64_t seed = 0;

                /* Only makes slot positions hard to aim at; a weak seed
                 * costs evictions, never correctness. */
                (void) getrandom(&seed, sizeof(seed), GRND_NONBLOCK);
                forward_mac_table_init(room->lan_macs, seed);
        }

        room->peers_by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
        room->peers_by_mac = g_hash_table_new(mac_hash, mac_equal_func);

        r = room_bus_path(room->name, &room->object_path);
        if (r < 0)
                return r;

        /* From here on room_free() undoes the registration. */
        g_hash_table_insert(m->rooms, room->name, room);
        room->manager = m;
        m->n_rooms++;
        manager_mark_dirty(m);

        room_bus_emit_added(room);
        log_room_info(room, "Room opened (MTU %u).", room->mtu);

        *ret = TAKE_PTR(room);
        return 0;
}

static Peer *room_first_peer(Room *room) {
        GHashTableIter i;
        gpointer value = NULL;

        g_hash_table_iter_init(&i, room->peers_by_id);
        return g_hash_table_iter_next(&i, NULL, &value) ? value : NULL;
}

Room *room_free(Room *room) {
        Peer *peer;

        if (!room)
                return NULL;

        if (room->peers_by_id)
                while ((peer = room_first_peer(room)))
                        peer_free(peer);

        if (room->manager) {
                Manager *m = room->manager;

                log_room_info(room, "Room closed.");
                room_bus_emit_removed(room);
                g_hash_table_remove(m->rooms, room->name);
                relay_counters_add(&m->closed, &room->closed);
                m->n_rooms--;
                manager_mark_dirty(m);
        }

        if (room->peers_by_id)
                g_hash_table_destroy(room->peers_by_id);
        if (room->peers_by_mac)
                g_hash_table_destroy(room->peers_by_mac);
        free(room->lan_macs);
        explicit_bzero(room->auth_key, sizeof(room->auth_key));
        free(room->object_path);
        free(room);
        return NULL;
}

void room_close(Room *room, LeaveReason reason, const char *text) {
        Peer *peer;

        if (!room)
                return;

        log_room_info(room, "Closing room (%s)%s%s", leave_reason_to_string(reason), text && *text ? ": " : ".",
                      text && *text ? text : "");
        /* peer_disconnect() frees exactly the peer it is given. */
        while ((peer = room_first_peer(room)))
                peer_disconnect(peer, reason, text);
        room_free(room);
}

Room *room_get_by_name(Manager *m, const char *name) {
        if (!m || !name)
                return NULL;
        return g_hash_table_lookup(m->rooms, name);
}

Peer *room_get_peer(Room *room, uint16_t id) {
        if (!room || id == 0)
                return NULL;
        return g_hash_table_lookup(room->peers_by_id, GUINT_TO_POINTER(id));
}

Peer *room_get_peer_by_mac(Room *room, const MacAddr *mac) {
        if (!room || !mac)
                return NULL;
        return g_hash_table_lookup(room->peers_by_mac, mac);
}

int room_set_mtu(Room *room, uint16_t mtu) {
        if (!room || mtu < LP_CONTROL_MTU_MIN || mtu > LP_CONTROL_MTU_MAX)
                return -EINVAL;
        if (room->mtu == mtu)
                return 0;
        log_room_info(room, "Room MTU changes from %u to %u.", room->mtu, mtu);
        room->mtu = mtu;
        room_mark_dirty(room);
        return 1;
}

void room_get_counters(Room *room, RelayCounters *ret) {
        GHashTableIter i;
        gpointer value;

        *ret = room->closed;
        g_hash_table_iter_init(&i, room->peers_by_id);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                RelayCounters c;

                peer_get_counters(value, &c);
                relay_counters_add(ret, &c);
        }
}

void room_mark_dirty(Room *room) {
        if (!room)
                return;
        room->dirty = true;
        if (room->manager)
                manager_mark_dirty(room->manager);
}

int room_check_gateway_grace(Room *room, uint64_t now_usec) {
        if (!room || room->gateway || room->gateway_lost_usec == 0)
                return 0;
        if (now_usec - room->gateway_lost_usec < ROOM_GATEWAY_GRACE_USEC)
                return 0;
        room_close(room, LEAVE_REASON_ROOM_CLOSED, "the room's gateway did not come back");
        return 1;
}
