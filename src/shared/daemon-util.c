/* SPDX-License-Identifier: MIT */
#include "daemon-util.h"

#include <signal.h>
#include <stdbool.h>

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

int daemon_connect_bus(sd_event *event, const char *address, const char *description, const char *name,
                       int (*register_objects)(void *userdata), void *userdata, sd_bus **ret) {
        /* Only a bus asked for with --bus-address is a reason to fail. */
        int level = address ? LOG_ERR : LOG_WARNING;
        int r;

        r = bus_open_daemon(event, address, description, ret);
        if (r < 0)
                return r;
        /* Objects registered on the bus hold no references to the daemon:
         * on failure, dropping the connection drops them too. */
        r = register_objects(userdata);
        if (r < 0) {
                *ret = sd_bus_flush_close_unref(*ret);
                return r;
        }

        r = sd_bus_request_name(*ret, name, 0);
        if (r < 0) {
                *ret = sd_bus_flush_close_unref(*ret);
                return log_full_errno(level, r, "Failed to acquire bus name %s: %m", name);
        }
        log_debug("Acquired bus name %s.", name);
        return 0;
}

int daemon_run_event_loop(sd_event *event) {
        int r;

        r = sd_event_loop(event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return r;
}
