/* SPDX-License-Identifier: MIT */
/* The main loop's platform-neutral half (client-loop.h). Every word it
 * says goes through ops->say, so both clients print the same lines. */
#include "client-loop.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "macro.h"

#define NS_PER_MS (QUIC_NS_PER_SEC / 1000)

static void say(ClientLoop *l, const char *format, ...) _printf_(2, 3);
static void say(ClientLoop *l, const char *format, ...) {
        char line[CLIENT_STATUS_LINE_MAX + CLIENT_LOOP_DEVICE_LABEL_MAX];
        va_list ap;

        va_start(ap, format);
        vsnprintf(line, sizeof(line), format, ap);
        va_end(ap);
        l->ops->say(l->userdata, line);
}

int client_addr_to_route(const QuicAddr *a, RouteAddress *ret) {
        if (a->sa.sa.sa_family == AF_INET6)
                return route_address_from_bytes(&a->sa.in6.sin6_addr, 16, ret);
        return route_address_from_bytes(&a->sa.in.sin_addr, 4, ret);
}

const char *client_addr_to_text(const QuicAddr *a, char buf[static CLIENT_ADDRESS_TEXT_MAX]) {
        bool v6 = a->sa.sa.sa_family == AF_INET6;
        /* Not client_addr_to_route(): that writes ::ffff:192.0.2.1 as
         * 192.0.2.1, and this shows the address as it is. */
        RouteAddress ra = { .family = v6 ? ROUTE_FAMILY_IPV6 : ROUTE_FAMILY_IPV4 };
        char ip[ROUTE_ADDRESS_STR_MAX];
        /* Network byte order, whichever order this machine has. */
        const uint8_t *port = (const uint8_t *) (v6 ? &a->sa.in6.sin6_port : &a->sa.in.sin_port);

        if (v6)
                memcpy(ra.bytes, &a->sa.in6.sin6_addr, 16);
        else
                memcpy(ra.bytes, &a->sa.in.sin_addr, 4);
        snprintf(buf, CLIENT_ADDRESS_TEXT_MAX, v6 ? "[%s]:%u" : "%s:%u", route_address_to_string(&ra, ip),
                 (unsigned) port[0] << 8 | port[1]);
        return buf;
}

bool client_addr_same_host(const QuicAddr *a, const QuicAddr *b) {
        if (a->sa.sa.sa_family != b->sa.sa.sa_family)
                return false;
        if (a->sa.sa.sa_family == AF_INET)
                return memcmp(&a->sa.in.sin_addr, &b->sa.in.sin_addr, sizeof(a->sa.in.sin_addr)) == 0;
        if (a->sa.sa.sa_family != AF_INET6)
                return false;
        return memcmp(&a->sa.in6.sin6_addr, &b->sa.in6.sin6_addr, sizeof(a->sa.in6.sin6_addr)) == 0 &&
               a->sa.in6.sin6_scope_id == b->sa.in6.sin6_scope_id;
}

bool client_send_error_path_gone(int error) {
        /* client.exe's, through errno_from_wsa(): WSAEADDRNOTAVAIL (the
         * source is gone), WSAENETUNREACH / WSAEHOSTUNREACH (no route from
         * it any more), WSAENETDOWN (its interface went down). */
        switch (error) {
        case -EADDRNOTAVAIL:
        case -ENETUNREACH:
        case -EHOSTUNREACH:
        case -ENETDOWN:
                return true;
        default:
                return false;
        }
}

void client_loop_init(ClientLoop *l, const ClientLoopOps *ops, void *userdata) {
        *l = (ClientLoop) {
                .ops = ops,
                .userdata = userdata,
                .last_check = ROUTE_CHECK_OK,
        };
        client_status_tracker_init(&l->tracker, CLIENT_LOOP_STATUS_REPEAT_INTERVAL);
}

void client_loop_attach(ClientLoop *l, ClientCore *core, RouteManager *routes, const char *relay_host,
                        const char *device_label) {
        l->core = core;
        l->routes = routes;
        l->relay_host = relay_host;
        snprintf(l->device_label, sizeof(l->device_label), "%s", device_label);
}

/* ---- the relay's address ---------------------------------------------------------- */

static int relay_pin(ClientLoop *l, const QuicAddr *a) {
        RouteAddress ra;
        int r;

        if (!l->routes)
                return 0;
        r = client_addr_to_route(a, &ra);
        if (r < 0)
                return r;
        r = route_manager_pin_relay(l->routes, &ra);
        return r < 0 ? r : 0;
}

int client_loop_next_relay(ClientLoop *l, QuicAddr *ret) {
        QuicAddr remote;
        int r;

        if (l->have_fresh) {
                *ret = l->fresh; /* pinned before the device existed */
                l->have_fresh = false;
                return 0;
        }

        r = l->ops->resolve(l->userdata, &remote);
        if (r < 0) {
                if (!l->have_last)
                        return r;
                /* DNS may sit behind the tunnel we are rebuilding. */
                log_notice("Using the previous address of relay %s, %s.", l->relay_host, l->last_text);
                remote = l->last;
        }
        r = relay_pin(l, &remote);
        if (r < 0)
                return r;
        *ret = remote;
        return 0;
}

void client_loop_relay_connected(ClientLoop *l, const QuicAddr *relay, const QuicAddr *local, const char *text) {
        l->last = *relay;
        l->local = *local;
        l->have_last = true;
        snprintf(l->last_text, sizeof(l->last_text), "%s", text);
        client_core_set_relay_address(l->core, text);
}

/* ---- periodic work -------------------------------------------------------------- */

void client_loop_status_update(ClientLoop *l, uint64_t now) {
        ClientStatusLine lines[_CLIENT_STATUS_KIND_MAX];
        bool show[_CLIENT_STATUS_KIND_MAX];
        ClientDiagnostics d;
        size_t n;

        l->status_dirty = false;
        client_core_get_diagnostics(l->core, now, &d);
        if (l->ops->diagnostics)
                l->ops->diagnostics(l->userdata, &d, now);
        if (client_core_is_done(l->core))
                return; /* the STOPPED event said it all */
        n = client_status_describe(&d, lines, ELEMENTSOF(lines));
        if (client_status_tracker_update(&l->tracker, lines, n, now, show) == 0)
                return;
        for (size_t i = 0; i < n; i++) {
                /* Entering WAITING always comes with an event line that
                 * says the same (DISCONNECTED, CONNECT_FAILED). */
                if (lines[i].kind == CLIENT_STATUS_CONNECTION && d.phase == CLIENT_PHASE_WAITING)
                        continue;
                if (show[i])
                        l->ops->say(l->userdata, lines[i].text);
        }
}

/* Says what changed about the relay's path since the last check, once. */
static void route_check(ClientLoop *l) {
        const char *relay = l->last_text;
        RouteAddress ra;
        RouteCheck check;
        int r;

        if (!l->routes || !l->have_last)
                return;
        r = route_manager_check_relay(l->routes, &check);
        if (r < 0 || check == l->last_check)
                return;

        switch (check) {
        case ROUTE_CHECK_OK:
                say(l, "The route to relay %s is back to normal.", relay);
                break;
        case ROUTE_CHECK_PIN_MISSING:
                say(l, "Warning: the route to relay %s disappeared; putting it back.", relay);
                if (client_addr_to_route(&l->last, &ra) >= 0 && route_manager_pin_relay(l->routes, &ra) >= 0)
                        check = ROUTE_CHECK_OK;
                break;
        case ROUTE_CHECK_CHANGED:
                say(l, "Warning: relay %s is now reached through another route than when we connected.", relay);
                break;
        case ROUTE_CHECK_VIA_TAP:
                say(l, "Warning: relay %s is now routed into %s; the tunnel would carry itself.", relay,
                    l->device_label);
                break;
        case ROUTE_CHECK_UNREACHABLE:
                say(l, "Warning: there is no route to relay %s right now.", relay);
                break;
        default:
                break;
        }
        l->last_check = check;
}

/* ---- around the wait ------------------------------------------------------------ */

void client_loop_start(ClientLoop *l, uint64_t now) {
        l->next_tick = now;
        l->next_address_check = now;
        l->next_route_check = now + CLIENT_LOOP_ROUTE_CHECK_INTERVAL;
}

uint32_t client_loop_timeout_ms(const ClientLoop *l, uint64_t now) {
        uint64_t next;

        next = MIN(client_core_get_expiry(l->core), l->next_tick);
        if (l->stopping)
                next = MIN(next, l->stop_deadline);
        if (next <= now)
                return 0;
        /* Rounded up: waking a little early would only spin. */
        return (uint32_t) MIN((next - now + NS_PER_MS - 1) / NS_PER_MS, (uint64_t) CLIENT_LOOP_WAIT_MAX_MS);
}

void client_loop_after_wait(ClientLoop *l, uint64_t now) {
        if (client_core_get_expiry(l->core) <= now)
                (void) client_core_handle_expiry(l->core, now);
        if (l->stopping && now >= l->stop_deadline && !client_core_is_done(l->core)) {
                log_notice("The relay did not confirm our goodbye in time; leaving anyway.");
                (void) client_core_stop(l->core, now);
        }

        if (now >= l->next_tick) {
                l->next_tick = now + CLIENT_LOOP_TICK_INTERVAL;
                if (now >= l->next_address_check) {
                        l->next_address_check = now + l->ops->address_interval;
                        l->ops->address_update(l->userdata);
                }
                if (now >= l->next_route_check) {
                        l->next_route_check = now + CLIENT_LOOP_ROUTE_CHECK_INTERVAL;
                        route_check(l);
                }
                client_loop_path_check(l, now);
                /* Counters and RTT move without events. */
                l->status_dirty = true;
        }
        if (l->status_dirty)
                client_loop_status_update(l, now);
}

static const char *error_text(const ClientLoop *l, int error) {
        return l->ops->error_text ? l->ops->error_text(error) : strerror(error < 0 ? -error : error);
}

void client_loop_path_check(ClientLoop *l, uint64_t now) {
        char text[CLIENT_ADDRESS_TEXT_MAX];
        QuicAddr local;
        int r;

        if (!l->ops->path_open || !l->have_last || client_core_get_phase(l->core) != CLIENT_PHASE_JOINED)
                return;
        l->path_checked_at = now;
        r = l->ops->path_open(l->userdata, &l->last, &local);
        if (r < 0) {
                log_debug("No way to relay %s right now: %s", l->last_text, error_text(l, r));
                return;
        }
        if (client_addr_same_host(&local, &l->local) || l->ops->path_on_device(l->userdata, &local) ||
            (l->ops->path_prepare && l->ops->path_prepare(l->userdata) < 0)) {
                l->ops->path_drop(l->userdata);
                return;
        }

        /* What migrating writes (PATH_CHALLENGE) is for the new socket. */
        l->ops->path_swap(l->userdata);
        r = client_core_migrate(l->core, &local, now);
        if (r < 0) {
                l->ops->path_swap(l->userdata);
                l->ops->path_drop(l->userdata);
                log_notice("Our address towards relay %s changed to %s, but the connection cannot move (%s); "
                           "it reconnects if the old address stopped working.",
                           l->last_text, client_addr_to_text(&local, text), error_text(l, r));
                return;
        }
        l->local = local;
        l->ops->path_drop(l->userdata);
        say(l, "Our address changed; the connection moved to %s.", client_addr_to_text(&local, text));
}

void client_loop_send_refused(ClientLoop *l, uint64_t now) {
        if (now - l->path_checked_at >= CLIENT_LOOP_PATH_CHECK_MIN_INTERVAL)
                client_loop_path_check(l, now);
}

void client_loop_stop(ClientLoop *l, uint64_t now) {
        if (!l->stopping) {
                l->stopping = true;
                l->stop_deadline = now + CLIENT_LOOP_QUIT_GRACE;
        }
        /* A second request does not wait for the relay's goodbye. */
        (void) client_core_stop(l->core, now);
}
