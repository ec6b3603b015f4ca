/* SPDX-License-Identifier: MIT */
/* client.exe's Client (client-win.h): its lifetime, the run both faces
 * share, and what it says. */
#include "client-win.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "log.h"
#include "platform-win.h"
#include "win-sys.h"

uint64_t client_now_ns(void) {
        static LARGE_INTEGER freq;
        LARGE_INTEGER c;

        if (freq.QuadPart == 0)
                QueryPerformanceFrequency(&freq);
        QueryPerformanceCounter(&c);
        return (uint64_t) (c.QuadPart / freq.QuadPart) * QUIC_NS_PER_SEC +
               (uint64_t) (c.QuadPart % freq.QuadPart) * QUIC_NS_PER_SEC / (uint64_t) freq.QuadPart;
}


/* These are the ones a player meets in status lines. */
const char *client_error_text(int e) {
        switch (e < 0 ? -e : e) {
        case ENETUNREACH:
                return "no route to the relay: is this computer online?";
        case EHOSTUNREACH:
                return "the relay's address cannot be reached";
        case ECONNREFUSED:
                return "the relay refused the connection";
        case ECONNRESET:
                return "the connection was reset";
        case ETIMEDOUT:
                return "timed out";
        case ENETDOWN:
                return "the network is down";
        case EADDRNOTAVAIL:
                return "address not available";
        case EAFNOSUPPORT:
                return "address family not supported";
        case ENOBUFS:
                return "out of buffer space";
        case EAGAIN:
                return "try again";
        case ENOENT:
                return "not found";
        case EACCES:
                return "access denied";
        case EBUSY:
                return "in use";
        default:
                return strerror(e < 0 ? -e : e);
        }
}


static void console_line(void *userdata, const char *text) {
        fputs(text, stdout);
        fputc('\n', stdout);
        fflush(stdout);
}

/* Here rather than in console-win.c, which lanparty-service.exe does not
 * link: a new Client talks to stdout until a face is chosen. */
const ClientFace client_face_console = { .line = console_line };

void client_say(Client *c, const char *format, ...) {
        char line[CLIENT_STATUS_LINE_MAX + 256];
        va_list ap;

        va_start(ap, format);
        vsnprintf(line, sizeof(line), format, ap);
        va_end(ap);
        c->face.line(c->face.userdata, line);
}

int client_fail(Client *c, int r, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(c->failure, sizeof(c->failure), format, ap);
        va_end(ap);
        return r < 0 ? r : -EIO;
}


void client_report_failure(Client *c) {
        ClientLights l;

        /* Failed before the loop told the lights: say so there too. */
        if (!c->lights_posted && c->face.lights) {
                client_lights_decide(&(ClientDiagnostics) { .phase = CLIENT_PHASE_FAILED }, &l);
                snprintf(l.light[CLIENT_LIGHT_RELAY].text, sizeof(l.light[CLIENT_LIGHT_RELAY].text),
                         "Could not start: see the message below");
                c->face.lights(c->face.userdata, &l);
        }
        client_say(c, "%s", c->failure);
}

/* Everything the network side holds, undone in the right order: routes
 * first (the pin must not outlive us), then the adapter (media off). */
static void client_teardown(Client *c) {
        int r;

        /* While the network is still there to be found. */
        r = net_category_restore(&c->category);
        if (r < 0)
                log_warning_errno(r, "Cannot put the party network's firewall category back, ignoring: %m");
        dhcp_renew_done(&c->dhcp_renew, 1000);
        /* Waits for a callback still running; never called from one. */
        if (c->address_notify)
                (void) win_sys->CancelMibChangeNotify2(c->address_notify);
        c->address_notify = NULL;
        c->setup.core = client_core_free(c->setup.core);
        relay_socket_close(c);
        c->setup.routes = route_manager_free(c->setup.routes);
        c->setup.device = frame_device_close(c->setup.device);
}

Client *client_free(Client *c) {
        if (!c)
                return NULL;
        client_teardown(c);
        if (c->udp_event != WSA_INVALID_EVENT)
                WSACloseEvent(c->udp_event);
        if (c->stop_event)
                CloseHandle(c->stop_event);
        if (c->address_event)
                CloseHandle(c->address_event);
        if (c->done_event)
                CloseHandle(c->done_event);
        if (c->check_event)
                CloseHandle(c->check_event);
        party_check_free(c->check);
        free(c);
        return NULL;
}

int client_new(Client **ret) {
        _cleanup_(client_freep) Client *c = NULL;

        c = calloc(1, sizeof(Client));
        if (!c)
                return log_oom();
        c->udp = c->candidate = INVALID_SOCKET;
        c->face = client_face_console;
        c->udp_event = WSACreateEvent();
        c->stop_event = CreateEventW(NULL, FALSE, FALSE, NULL);
        c->address_event = CreateEventW(NULL, FALSE, FALSE, NULL);
        c->done_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        c->check_event = CreateEventW(NULL, FALSE, FALSE, NULL);
        if (c->udp_event == WSA_INVALID_EVENT || !c->stop_event || !c->address_event || !c->done_event ||
            !c->check_event)
                return log_error_errno(errno_from_win32(GetLastError()), "Failed to create events: %m");
        if (party_check_new(&c->check) < 0)
                return log_oom();
        client_loop_init(&c->loop, &client_loop_ops_win, c);
        *ret = TAKE_PTR(c);
        return 0;
}

int client_run(Client *c) {
        char mac[LP_MAC_STR_MAX];
        int r;

        r = client_setup_win(c);
        if (r >= 0) {
                client_say(c, "Joining room %s on relay %s as \"%s\" with MAC %s on %s.", c->invite.room, c->invite.host,
                    c->setup.player_name, mac_to_string(&c->setup.mac, mac), frame_device_get_name(c->setup.device));
                r = client_core_start(c->setup.core, client_now_ns());
                if (r < 0)
                        log_debug_errno(r, "First write failed, ignoring: %m");
                r = client_run_loop(c);
        }
        if (r >= 0 && client_core_get_phase(c->setup.core) == CLIENT_PHASE_FAILED && !c->failure[0]) {
                const SessionEnd *end = client_core_get_last_end(c->setup.core);

                snprintf(c->failure, sizeof(c->failure), "%s", end ? end->message : "The client stopped.");
        }
        c->exit_code = r >= 0 && client_core_get_phase(c->setup.core) == CLIENT_PHASE_STOPPED ? EXIT_SUCCESS : EXIT_FAILURE;
        /* --check: 0 only for a check that ran and passed, as lanparty-client's. */
        if (c->exit_code == EXIT_SUCCESS && c->args.check_only && (!c->check_done || c->check_failed)) {
                c->exit_code = EXIT_FAILURE;
                snprintf(c->failure, sizeof(c->failure), "The party check did not pass.");
        }
        if (c->exit_code != EXIT_SUCCESS && !c->failure[0])
                snprintf(c->failure, sizeof(c->failure), "The client stopped: %s.", client_error_text(r < 0 ? r : -EIO));
        client_teardown(c);
        SetEvent(c->done_event);
        return c->exit_code;
}

void client_leave_now(Client *c) {
        InterlockedExchange(&c->leave_now, 1);
        SetEvent(c->stop_event);
        WaitForSingleObject(c->done_event, SHUTDOWN_WAIT_MS);
}
