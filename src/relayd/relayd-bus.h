/* SPDX-License-Identifier: MIT */
#pragma once

/* org.lanparty.Relay1: the manager at /org/lanparty/Relay1, rooms at
 * /org/lanparty/Relay1/room/<name>, peers below their room at
 * .../room/<name>/peer/<id>. Room names are escaped with
 * sd_bus_path_encode(). */

#include <stdint.h>

typedef struct Manager Manager;
typedef struct Room Room;
typedef struct Peer Peer;

#define RELAY_BUS_NAME "org.lanparty.Relay1"
#define RELAY_BUS_PATH "/org/lanparty/Relay1"
#define RELAY_BUS_ROOM_PREFIX RELAY_BUS_PATH "/room"
#define RELAY_BUS_MANAGER_INTERFACE "org.lanparty.Relay1.Manager"
#define RELAY_BUS_ROOM_INTERFACE "org.lanparty.Relay1.Room"
#define RELAY_BUS_PEER_INTERFACE "org.lanparty.Relay1.Peer"
#define RELAY_BUS_ERROR_NO_SUCH_ROOM "org.lanparty.Relay1.NoSuchRoom"
#define RELAY_BUS_ERROR_NO_SUCH_PEER "org.lanparty.Relay1.NoSuchPeer"
#define RELAY_POLKIT_ACTION_MANAGE "org.lanparty.relay.manage"
#define RELAY_POLKIT_ACTION_PEER_ADDRESS "org.lanparty.relay.peer-address"

/* Registers the vtables, node enumerator and object manager on m->bus. */
int manager_bus_register(Manager *m);

int room_bus_path(const char *name, char **ret);
int peer_bus_path(const char *room_path, uint16_t id, char **ret);

/* InterfacesAdded/InterfacesRemoved; no-ops without a bus. */
void room_bus_emit_added(Room *room);
void room_bus_emit_removed(Room *room);
void peer_bus_emit_added(Peer *peer);
void peer_bus_emit_removed(Peer *peer);

/* PropertiesChanged for the manager and the rooms marked dirty; clears
 * the marks. (Peers have no state property that changes.) */
void manager_bus_emit_changes(Manager *m);
