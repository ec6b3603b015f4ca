/* SPDX-License-Identifier: MIT */
#include "bus-util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"

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

int bus_open_daemon(sd_event *event, const char *address, const char *description, bool required, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int level = required ? LOG_ERR : LOG_WARNING;
        int r;

        if (address) {
                r = sd_bus_new(&bus);
                if (r < 0)
                        return log_full_errno(level, r, "Failed to allocate bus: %m");
                r = sd_bus_set_address(bus, address);
                if (r < 0)
                        return log_full_errno(level, r, "Failed to set bus address '%s': %m", address);
                r = sd_bus_set_bus_client(bus, true);
                if (r < 0)
                        return log_full_errno(level, r, "Failed to set bus client: %m");
                r = sd_bus_set_description(bus, description);
                if (r < 0)
                        return log_full_errno(level, r, "Failed to set bus description: %m");
                r = sd_bus_start(bus);
                if (r < 0)
                        return log_full_errno(level, r, "Failed to connect to bus at %s: %m", address);
        } else {
                r = sd_bus_open_system_with_description(&bus, description);
                if (r < 0)
                        return log_full_errno(level, r, "Failed to connect to the system bus: %m");
        }

        r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_full_errno(level, r, "Failed to attach bus to event loop: %m");

        *ret = TAKE_PTR(bus);
        return 0;
}

int bus_append_nonzero_counter(sd_bus_message *m, const char *name, uint64_t count) {
        return count > 0 ? sd_bus_message_append(m, "{st}", name, count) : 0;
}
