/* SPDX-License-Identifier: MIT */
#include "daemon-util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "bus-util.h"
#include "log.h"
#include "macro.h"

int daemon_setup_event(sd_event *event, sd_event_signal_handler_t on_exit, sd_event_signal_handler_t on_reload,
                       void *userdata) {
        int r;

        r = sd_event_add_signal(event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_exit, userdata);
        if (r < 0)
                return log_error_errno(r, "Failed to watch SIGTERM: %m");
        r = sd_event_add_signal(event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_exit, userdata);
        if (r < 0)
                return log_error_errno(r, "Failed to watch SIGINT: %m");
        if (on_reload) {
                r = sd_event_add_signal(event, NULL, SIGHUP | SD_EVENT_SIGNAL_PROCMASK, on_reload, userdata);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch SIGHUP: %m");
        }

        r = sd_event_set_watchdog(event, true);
        if (r < 0)
                return log_error_errno(r, "Failed to enable watchdog: %m");
        return 0;
}

int daemon_add_flush(sd_event *event, sd_event_source **ret, sd_event_handler_t handler, void *userdata) {
        int r;

        r = sd_event_add_defer(event, ret, handler, userdata);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(*ret, SD_EVENT_OFF);
}

bool daemon_started_by_service_manager(void) {
        const char *e = getenv("SYSTEMD_EXEC_PID");
        char *end;
        unsigned long pid;

        if (!e || !*e)
                return false;
        errno = 0;
        pid = strtoul(e, &end, 10);
        return errno == 0 && *end == '\0' && pid == (unsigned long) getpid();
}

int daemon_connect_bus(sd_event *event, const char *address, const char *description, const char *name,
                       int (*register_objects)(void *userdata), void *userdata, sd_bus **ret) {
        bool required = address || daemon_started_by_service_manager();
        int r;

        r = bus_open_daemon(event, address, description, required, ret);
        if (r < 0)
                goto fail;
        /* Objects registered on the bus hold no references to the daemon:
         * on failure, dropping the connection drops them too. */
        r = register_objects(userdata);
        if (r < 0) {
                *ret = sd_bus_flush_close_unref(*ret);
                goto fail;
        }

        r = sd_bus_request_name(*ret, name, 0);
        if (r < 0) {
                *ret = sd_bus_flush_close_unref(*ret);
                /* What a policy installed where dbus-daemon does not read
                 * it, or naming another user, looks like. */
                log_full_errno(required ? LOG_ERR : LOG_WARNING, r, "Failed to acquire bus name %s: %m%s", name,
                               r == -EACCES ? " (the D-Bus policy in dbus-1/system.d must let this user own it)"
                                            : "");
                goto fail;
        }
        log_debug("Acquired bus name %s.", name);
        return 0;

fail:
        if (required)
                return r;
        /* The bus is only for management; the daemon works without it. */
        log_warning("Continuing without the D-Bus management interface.");
        return 0;
}

int daemon_run_event_loop(sd_event *event) {
        int r;

        r = sd_event_loop(event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return r;
}

int daemon_usage_error(const char *program, int r, const char *error) {
        fprintf(stderr, "%s: %s\n", program, error ? error : "out of memory");
        return r;
}
