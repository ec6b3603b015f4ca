/* SPDX-License-Identifier: MIT */
#pragma once

/* Property getters for sd-bus vtables. sd-bus hands a getter the object
 * pointer plus the offset given in SD_BUS_PROPERTY(), so one getter per
 * type serves every struct field of that type:
 *
 *     SD_BUS_PROPERTY("PeerCount", "u", bus_property_get_unsigned,
 *                     offsetof(Room, n_peers), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
 */

#include <systemd/sd-bus.h>

int bus_property_get_bool(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_property_get_uint16(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_property_get_unsigned(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_property_get_uint64(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error);
/* A `char *` field; NULL is sent as "". */
int bus_property_get_string_ptr(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error);
/* A NUL-terminated `char name[N]` array inside the struct. */
int bus_property_get_string_array(sd_bus *bus, const char *path, const char *interface,
                                  const char *property, sd_bus_message *reply, void *userdata,
                                  sd_bus_error *error);
