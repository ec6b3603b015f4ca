/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "gatewayd-bus.h"
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
#include "gatewayd-manager.h"

int remote_client_bus_path(uint16_t id, char **ret) {
        if (!ret)
                return -EINVAL;
        if (asprintf(ret, "%s/%u", GATEWAY_BUS_CLIENT_PREFIX, id) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* ---- Manager ---- */

static int property_get_config_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *v;

        if (strcmp(property, "Interface") == 0)
                v = m->config->interface;
        else if (strcmp(property, "Room") == 0)
                v = m->config->room;
        else if (strcmp(property, "Name") == 0)
                v = m->config->name;
        else
                return -EINVAL;
        return sd_bus_message_append(reply, "s", v);
}

static int property_get_link_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", link_check_to_string(m->link_check));
}

static int property_get_carrier(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "b", (int) (m->link_check == LINK_CHECK_OK));
}

static int property_get_mac(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        char buf[LP_MAC_STR_MAX];

        return sd_bus_message_append(reply, "s", mac_to_string(&m->lan_mac, buf));
}

static int property_get_relay_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", relay_state_to_string(m->relay_state));
}

static int property_get_relay_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (!m->relay)
                return sd_bus_message_append(reply, "s", "");
        if (strcmp(property, "RelayAddress") == 0)
                return sd_bus_message_append(reply, "s", relay_link_get_address(m->relay));
        return sd_bus_message_append(reply, "s", relay_link_get_last_error(m->relay));
}

static int property_get_next_attempt(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "t", m->relay ? relay_link_get_retry_usec(m->relay) : UINT64_C(0));
}

static int property_get_client_count(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", (uint32_t) manager_get_n_clients(userdata));
}

static int property_get_rtt(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Session *s = m->relay ? relay_link_get_session(m->relay) : NULL;
        uint64_t smoothed = 0, min = 0;

        if (s && m->relay_state == RELAY_STATE_JOINED)
                session_get_rtt(s, &smoothed, &min);
        return sd_bus_message_append(reply, "t", smoothed / 1000);
}

static int property_get_drops(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Session *s = m->relay ? relay_link_get_session(m->relay) : NULL;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{st}");
        if (r < 0)
                return r;
        for (BridgeVerdict v = 0; v < _BRIDGE_VERDICT_MAX; v++) {
                if (!bridge_verdict_is_drop(v) || m->counters.drops[v] == 0)
                        continue;
                r = sd_bus_message_append(reply, "{st}", bridge_verdict_to_string(v), m->counters.drops[v]);
                if (r < 0)
                        return r;
        }
        /* Frames its fair queue towards the relay dropped after taking
         * them (fair-queue.h), on the current connection. */
        if (s) {
                SessionCounters sc;

                session_get_counters(s, &sc);
                r = bus_append_nonzero_counter(reply, FAIR_QUEUE_DROP_EVICTED, sc.dropped_queue_evicted);
                if (r >= 0)
                        r = bus_append_nonzero_counter(reply, FAIR_QUEUE_DROP_CODEL, sc.dropped_queue_codel);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int method_get_invite(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        /* The link carries the room key: whoever has it can join. */
        r = bus_verify_polkit_async(message, GATEWAY_POLKIT_ACTION_INVITE,
                                    (const char *const[]) { "interface", m->config->interface, "room",
                                                            m->config->room, NULL },
                                    &m->polkit_registry, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit is asked; we run again when it answers */

        log_manager_errno(m, LOG_INFO, 0, "Handing out the invite link to %s.",
                          sd_bus_message_get_sender(message) ?: "an unknown sender");
        return sd_bus_reply_method_return(message, "s", m->invite);
}

#define COUNTER(name, field) \
        SD_BUS_PROPERTY(name, "t", bus_property_get_uint64, offsetof(Manager, counters.field), 0)

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", bus_property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Interface", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Relay", "s", bus_property_get_string_array, offsetof(Manager, relay_str),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Room", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LinkState", "s", property_get_link_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Carrier", "b", property_get_carrier, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MAC", "s", property_get_mac, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MTU", "u", bus_property_get_unsigned, offsetof(Manager, lan_mtu),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RelayState", "s", property_get_relay_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RelayAddress", "s", property_get_relay_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastError", "s", property_get_relay_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NextAttemptUSec", "t", property_get_next_attempt, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PeerId", "q", bus_property_get_uint16, offsetof(Manager, peer_id),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RoomMTU", "q", bus_property_get_uint16, offsetof(Manager, room_mtu),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ClientCount", "u", property_get_client_count, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* Counters change with every frame: polled, never signalled. */
        SD_BUS_PROPERTY("RTT", "t", property_get_rtt, 0, 0),
        COUNTER("LanRxFrames", lan_rx_frames),
        COUNTER("LanRxBytes", lan_rx_bytes),
        COUNTER("RelayTxFrames", relay_tx_frames),
        COUNTER("RelayTxBytes", relay_tx_bytes),
        COUNTER("RelayRxFrames", relay_rx_frames),
        COUNTER("RelayRxBytes", relay_rx_bytes),
        COUNTER("LanTxFrames", lan_tx_frames),
        COUNTER("LanTxBytes", lan_tx_bytes),
        COUNTER("LocalFrames", local_frames),
        COUNTER("MSSClamped", mss_clamped),
        COUNTER("GSOFrames", gso_frames),
        COUNTER("GSOSegments", gso_segments),
        COUNTER("CAMRefreshes", cam_frames),
        COUNTER("CheckProbes", check_probes),
        COUNTER("DroppedFrames", dropped_frames),
        SD_BUS_PROPERTY("Drops", "a{st}", property_get_drops, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("GetInvite", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", link), method_get_invite,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* ---- Clients ---- */

static int client_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                              sd_bus_error *error) {
        const char *prefix = GATEWAY_BUS_CLIENT_PREFIX "/";
        RemoteClient *c;
        uint16_t id;

        if (strncmp(path, prefix, strlen(prefix)) != 0)
                return 0;
        if (bus_path_parse_peer_id(path + strlen(prefix), &id) < 0)
                return 0;
        c = manager_get_client(userdata, id);
        if (!c)
                return 0;
        *found = c;
        return 1;
}

static int property_get_check_probes(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        RemoteClient *c = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (unsigned bit = 0; bit < 8 && c->check.last_usec > 0; bit++) {
                const char *name = check_probe_flag_to_string((uint8_t) (1u << bit));

                if (!name || !(c->check.last_probes & (1u << bit)))
                        continue;
                r = sd_bus_message_append(reply, "s", name);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* The client's verdicts per step, empty until its CHECK_RESULT came. */
static int property_get_check_verdicts(sd_bus *bus, const char *path, const char *interface, const char *property,
                                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        static const char *const steps[LP_CHECK_STEPS] = {
                "broadcast_out", "broadcast_in", "full_size", "lan_address",
        };
        RemoteClient *c = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < LP_CHECK_STEPS && c->check.have_verdicts; i++) {
                r = sd_bus_message_append(reply, "{ss}", steps[i], check_verdict_to_string(c->check.verdicts[i]));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static const sd_bus_vtable client_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "q", bus_property_get_uint16, offsetof(RemoteClient, id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("MAC", "s", bus_property_get_string_array, offsetof(RemoteClient, mac_str),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", bus_property_get_string_array, offsetof(RemoteClient, name),
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LanTxFrames", "t", bus_property_get_uint64, offsetof(RemoteClient, lan_tx_frames), 0),
        SD_BUS_PROPERTY("LanTxBytes", "t", bus_property_get_uint64, offsetof(RemoteClient, lan_tx_bytes), 0),
        SD_BUS_PROPERTY("RelayTxFrames", "t", bus_property_get_uint64, offsetof(RemoteClient, relay_tx_frames), 0),
        /* The last party check (PROTOCOL.md): when the gateway reported
         * (CLOCK_REALTIME µs, 0: never), which probes arrived, the largest,
         * and what the player's PC concluded; changes are signalled when the
         * report goes out and when the verdicts come. */
        SD_BUS_PROPERTY("LastCheckUSec", "t", bus_property_get_uint64, offsetof(RemoteClient, check.last_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastCheckProbes", "as", property_get_check_probes, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastCheckLargestProbe", "q", bus_property_get_uint16,
                        offsetof(RemoteClient, check.last_largest_probe), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastCheckVerdicts", "a{ss}", property_get_check_verdicts, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

static int node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        size_t n = 0, size = (size_t) manager_get_n_clients(m) + 1;
        _cleanup_(strv_freep) char **l = NULL;
        GHashTableIter i;
        gpointer value;
        int r;

        l = calloc(size, sizeof(char *));
        if (!l)
                return -ENOMEM;
        g_hash_table_iter_init(&i, m->clients);
        while (g_hash_table_iter_next(&i, NULL, &value) && n + 1 < size) {
                r = strv_push_copy(l, size, &n, ((RemoteClient *) value)->object_path);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}

int manager_bus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, GATEWAY_BUS_PATH, GATEWAY_BUS_MANAGER_INTERFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register manager object: %m");

        r = sd_bus_add_fallback_vtable(m->bus, NULL, GATEWAY_BUS_CLIENT_PREFIX, GATEWAY_BUS_CLIENT_INTERFACE,
                                       client_vtable, client_object_find, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register client objects: %m");

        r = sd_bus_add_node_enumerator(m->bus, NULL, GATEWAY_BUS_CLIENT_PREFIX, node_enumerator, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register client enumerator: %m");

        r = sd_bus_add_object_manager(m->bus, NULL, GATEWAY_BUS_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to register object manager: %m");

        return 0;
}

/* ---- Signals ---- */

void remote_client_bus_emit_added(RemoteClient *c) {
        int r;

        r = bus_emit_object_added(c->manager->bus, c->object_path, GATEWAY_BUS_CLIENT_INTERFACE);
        if (r < 0)
                log_client_errno(c, LOG_DEBUG, r, "Failed to emit InterfacesAdded, ignoring: %m");
}

void remote_client_bus_emit_removed(RemoteClient *c) {
        int r;

        r = bus_emit_object_removed(c->manager->bus, c->object_path, GATEWAY_BUS_CLIENT_INTERFACE);
        if (r < 0)
                log_client_errno(c, LOG_DEBUG, r, "Failed to emit InterfacesRemoved, ignoring: %m");
}

void remote_client_bus_emit_check(RemoteClient *c) {
        int r;

        if (!c->manager->bus)
                return;
        r = sd_bus_emit_properties_changed(c->manager->bus, c->object_path, GATEWAY_BUS_CLIENT_INTERFACE,
                                           "LastCheckUSec", "LastCheckProbes", "LastCheckLargestProbe",
                                           "LastCheckVerdicts", NULL);
        if (r < 0)
                log_client_errno(c, LOG_DEBUG, r, "Failed to emit PropertiesChanged, ignoring: %m");
}

void manager_bus_emit_changes(Manager *m) {
        int r;

        if (!m->bus || !m->dirty)
                return;
        r = sd_bus_emit_properties_changed(m->bus, GATEWAY_BUS_PATH, GATEWAY_BUS_MANAGER_INTERFACE, "LinkState",
                                           "Carrier", "MAC", "MTU", "RelayState", "RelayAddress", "LastError",
                                           "NextAttemptUSec", "PeerId", "RoomMTU", "ClientCount", NULL);
        if (r < 0)
                log_manager_errno(m, LOG_DEBUG, r, "Failed to emit PropertiesChanged, ignoring: %m");
}
