/* SPDX-License-Identifier: MIT */
#pragma once

/* org.lanparty.Gateway1 on the bus name org.lanparty.Gateway1.<interface>
 * (see gateway_bus_name()): the manager at /org/lanparty/Gateway1, the
 * remote clients of the room at /org/lanparty/Gateway1/client/<peer id>,
 * with an ObjectManager at the root. State properties emit
 * PropertiesChanged once per loop iteration; counters are polled. */

#include <stdint.h>

typedef struct Manager Manager;
typedef struct RemoteClient RemoteClient;

#define GATEWAY_BUS_PATH "/org/lanparty/Gateway1"
#define GATEWAY_BUS_CLIENT_PREFIX GATEWAY_BUS_PATH "/client"
#define GATEWAY_BUS_MANAGER_INTERFACE "org.lanparty.Gateway1.Manager"
#define GATEWAY_BUS_CLIENT_INTERFACE "org.lanparty.Gateway1.Client"
#define GATEWAY_POLKIT_ACTION_INVITE "org.lanparty.gateway.invite"

/* Registers the vtables, node enumerator and object manager on m->bus. */
int manager_bus_register(Manager *m);

int remote_client_bus_path(uint16_t id, char **ret);

/* InterfacesAdded/InterfacesRemoved; no-ops without a bus. */
void remote_client_bus_emit_added(RemoteClient *c);
void remote_client_bus_emit_removed(RemoteClient *c);

/* PropertiesChanged for a client's LastCheck* properties, at once: a
 * check ends at most once per 5 s per client. No-op without a bus. */
void remote_client_bus_emit_check(RemoteClient *c);

/* PropertiesChanged for the manager's state properties when it is dirty. */
void manager_bus_emit_changes(Manager *m);
