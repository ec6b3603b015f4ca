/* SPDX-License-Identifier: MIT */
#pragma once

/* Property getters for sd-bus vtables. sd-bus hands a getter the object
 * pointer plus the offset given in SD_BUS_PROPERTY(), so one getter per
 * type serves every struct field of that type:
 *
 *     SD_BUS_PROPERTY("PeerCount", "u", bus_property_get_unsigned,
 *                     offsetof(Room, n_peers), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

int bus_property_get_uint16(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_property_get_unsigned(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_property_get_uint64(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error);
/* A NUL-terminated `char name[N]` array inside the struct. */
int bus_property_get_string_array(sd_bus *bus, const char *path, const char *interface,
                                  const char *property, sd_bus_message *reply, void *userdata,
                                  sd_bus_error *error);

/* LANPARTY_VERSION, for a daemon's Version property. */
int bus_property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error);

/* A peer id as it stands in an object path: 1..65535 in decimal, no sign,
 * no leading zeros. Returns 0 or -EINVAL. */
int bus_path_parse_peer_id(const char *s, uint16_t *ret);

/* Appends {name, count} to an open a{st} container when count > 0: drop
 * counters list only the reasons that happened. */
int bus_append_nonzero_counter(sd_bus_message *m, const char *name, uint64_t count);

/* InterfacesAdded/InterfacesRemoved for one object and interface; 0 and
 * nothing sent when there is no bus. The caller logs a failure with its
 * object's context. */
int bus_emit_object_added(sd_bus *bus, const char *path, const char *interface);
int bus_emit_object_removed(sd_bus *bus, const char *path, const char *interface);

/* For node enumerators: a NULL-terminated list of strings calloc()ed with
 * room for `size` entries. strv_push_copy() appends a copy of s and
 * refuses (-EINVAL) to fill the last slot, which stays NULL. */
int strv_push_copy(char **l, size_t size, size_t *n, const char *s);
void strv_freep(char ***l);

/* Connects a daemon to D-Bus and attaches the connection to `event`: the
 * bus at `address` (--bus-address, tests) or else the system bus. Logs
 * failures at error level when the daemon cannot do without the bus
 * (`required`), as a warning otherwise. */
int bus_open_daemon(sd_event *event, const char *address, const char *description, bool required, sd_bus **ret);
