/* SPDX-License-Identifier: MIT */
#include "bus-util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int bus_property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", LANPARTY_VERSION);
}

int bus_path_parse_peer_id(const char *s, uint16_t *ret) {
        uint32_t v = 0;

        if (!s[0] || s[0] == '0' || strlen(s) > 5)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (uint32_t) (*p - '0');
        }
        if (v > UINT16_MAX)
                return -EINVAL;
        *ret = (uint16_t) v;
        return 0;
}

int bus_emit_object_added(sd_bus *bus, const char *path, const char *interface) {
        if (!bus)
                return 0;
        return sd_bus_emit_interfaces_added(bus, path, interface, NULL);
}

int bus_emit_object_removed(sd_bus *bus, const char *path, const char *interface) {
        if (!bus)
                return 0;
        return sd_bus_emit_interfaces_removed(bus, path, interface, NULL);
}

int strv_push_copy(char **l, size_t size, size_t *n, const char *s) {
        if (*n + 1 >= size)
                return -EINVAL; /* the counts were off: a bug, but no overflow */
        l[*n] = strdup(s);
        if (!l[*n])
                return -ENOMEM;
        (*n)++;
        return 0;
}

void strv_freep(char ***l) {
        if (!*l)
                return;
        for (char **p = *l; *p; p++)
                free(*p);
        free(*l);
}
