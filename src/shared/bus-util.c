/* SPDX-License-Identifier: MIT */
#include "bus-util.h"

#include <stdbool.h>
#include <stdint.h>

int bus_property_get_bool(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        /* D-Bus booleans are 32 bit on the wire; sd-bus wants an int. */
        return sd_bus_message_append(reply, "b", (int) *(const bool *) userdata);
}

int bus_property_get_uint16(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "q", *(const uint16_t *) userdata);
}

int bus_property_get_unsigned(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", (uint32_t) *(const unsigned *) userdata);
}

int bus_property_get_uint64(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", *(const uint64_t *) userdata);
}

int bus_property_get_string_ptr(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const char *s = *(const char *const *) userdata;

        return sd_bus_message_append(reply, "s", s ? s : "");
}

int bus_property_get_string_array(sd_bus *bus, const char *path, const char *interface,
                                  const char *property, sd_bus_message *reply, void *userdata,
                                  sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", (const char *) userdata);
}
