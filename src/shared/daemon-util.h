/* SPDX-License-Identifier: MIT */
#pragma once

/* The systemd service plumbing both daemons' Managers wire up the same way:
 * the signals that end (and reload) them, the watchdog, the once-per-
 * iteration flush, the bus connection with its well-known name, and the
 * loop itself. The handlers, bus objects and names stay the daemon's own.
 * Every function logs its failures. */

#include <stdbool.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

/* SIGTERM and SIGINT call on_exit, SIGHUP calls on_reload (NULL: SIGHUP is
 * left alone); then the watchdog, if systemd asked for one. */
int daemon_setup_event(sd_event *event, sd_event_signal_handler_t on_exit, sd_event_signal_handler_t on_reload,
                       void *userdata);

/* A defer source that starts off. Enabling it SD_EVENT_ONESHOT runs
 * `handler` once at the end of this loop iteration, however many changes
 * asked for it; the handler then finds the source off again. */
int daemon_add_flush(sd_event *event, sd_event_source **ret, sd_event_handler_t handler, void *userdata);

/* Whether the service manager executed this very process: systemd (since
 * v248) sets $SYSTEMD_EXEC_PID to the PID of the process it executed, so a
 * shell or a child that inherited the variable from a service sees a
 * value that is not its own (systemd.exec(5), "Environment Variables in
 * Spawned Processes"). */
bool daemon_started_by_service_manager(void);

/* Connects to the bus at `address` or the system bus (bus_open_daemon()),
 * lets register_objects() put the daemon's objects on it, and takes the
 * well-known `name`. *ret holds the connection before register_objects()
 * runs, for callers that keep it in the struct the objects are made from;
 * on failure it is NULL again.
 *
 * The bus is required, and a failure logged as an error and returned, when
 * `address` was asked for or systemd started the daemon: a service that
 * cannot own its name must fail where the unit shows it, not run on
 * unmanageable. Started by hand (tests, an ordinary user) the daemon runs
 * on without its management interface: the failure is a warning and 0 is
 * returned with *ret NULL. */
int daemon_connect_bus(sd_event *event, const char *address, const char *description, const char *name,
                       int (*register_objects)(void *userdata), void *userdata, sd_bus **ret);

/* A usage or setup error before the daemon runs ("--relay: ...", an
 * unreadable token file) goes to stderr as one line "PROGRAM: ERROR", not
 * through the journal machinery: a person is looking at it. error NULL
 * means the message could not be made: out of memory. Returns r. */
int daemon_usage_error(const char *program, int r, const char *error);

/* main() of a daemon whose work is `impl(argc, argv)` (systemd's
 * DEFINE_MAIN_FUNCTION): exit status 1 when it returns a negative errno,
 * which it has logged. */
#define DEFINE_MAIN_FUNCTION(impl)                                       \
        int main(int argc, char *argv[]) {                               \
                return impl(argc, argv) < 0 ? EXIT_FAILURE : EXIT_SUCCESS; \
        }

/* Runs the loop until sd_event_exit(). */
int daemon_run_event_loop(sd_event *event);
