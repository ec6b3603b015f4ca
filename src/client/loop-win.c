/* SPDX-License-Identifier: MIT */
/* client.exe's main loop: one WaitForMultipleObjects() over the stop
 * event, the relay socket's event, the TAP's read event and the address
 * notification, with the core's expiry as the timeout; and what the core
 * (events) and client-loop.c (status, addresses, lights) call back. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include "client-win.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "adapter-addresses-win.h"
#include "client-status.h"
#include "ether.h"
#include "log.h"
#include "platform-win.h"
#include "win-sys.h"

/* GetAdaptersAddresses() walks every adapter; DHCP is not that quick. */
#define ADDRESS_CHECK_INTERVAL (3 * QUIC_NS_PER_SEC)
#define BUDGET_REPEAT_INTERVAL (10 * QUIC_NS_PER_SEC)

void client_on_event(ClientCore *core, const ClientEvent *e, void *userdata) {
        Client *c = userdata;
        char line[CLIENT_STATUS_LINE_MAX + 64], delay[32];

        if (e->type == CLIENT_EVENT_CONNECT_FAILED) {
                /* client_status_event() words it with strerror(), which
                 * knows no network errors on Windows. */
                snprintf(delay, sizeof(delay), "%.1f s", (double) e->retry_in / (double) QUIC_NS_PER_SEC);
                client_say(c, "Cannot connect to relay %s (%s); trying again in %s.", e->relay ? e->relay : "?",
                    client_error_text(e->error), delay);
        } else if (client_status_event(e, line, sizeof(line)) > 0)
                client_say(c, "%s", line);

        if (client_device_is_tap(c)) {
                /* Once per change: a rejoin that takes several attempts
                 * ends each failed one with DISCONNECTED too. */
                if (e->type == CLIENT_EVENT_JOINED)
                        client_say(c, "Adapter \"%s\" is plugged into the party (media connected).",
                            frame_device_get_name(c->setup.device));
                else if (e->type == CLIENT_EVENT_DISCONNECTED && c->media_connected)
                        client_say(c, "Adapter \"%s\" is unplugged until we are back (media disconnected).",
                            frame_device_get_name(c->setup.device));
                if (e->type == CLIENT_EVENT_JOINED || e->type == CLIENT_EVENT_DISCONNECTED)
                        c->media_connected = e->type == CLIENT_EVENT_JOINED;
                /* Either way the network Windows sees on the TAP is a new
                 * one from here on. */
                if (e->type == CLIENT_EVENT_JOINED || e->type == CLIENT_EVENT_DISCONNECTED)
                        net_category_link_down(&c->category);
                /* A gateway that was there when we joined answered the
                 * DISCOVER Windows sends at media connect; one that comes
                 * later did not, and Windows would wait 5 minutes. */
                if (e->type == CLIENT_EVENT_JOINED) {
                        c->gateway_here = e->welcome && e->welcome->gateway_present;
                        c->joined_at = client_now_ns();
                        /* A new join, maybe through another relay address
                         * or to a gateway that came back: the automatic
                         * check runs again once the TAP has its address. */
                        c->check_done = false;
                }
                if (e->peer && e->peer->role == PEER_ROLE_GATEWAY) {
                        if (e->type == CLIENT_EVENT_PEER_LEFT)
                                c->gateway_here = false;
                        else if (e->type == CLIENT_EVENT_PEER_JOINED && !c->gateway_here) {
                                c->gateway_here = true;
                                c->gateway_new = true;
                                /* Look now, not at the next round. */
                                c->loop.next_address_check = 0;
                        }
                }
        }
        c->loop.status_dirty = true;
}

void client_on_check_message(ClientCore *core, const ControlMessage *m, void *userdata) {
        Client *c = userdata;

        if (m->type == CONTROL_TYPE_CHECK_REPORT)
                party_check_on_report(c->check, &m->check_report);
}

/* ---- the party check ------------------------------------------------------------ */

void client_request_check(Client *c) {
        InterlockedExchange(&c->check_requested, 1);
        SetEvent(c->check_event);
}

static void check_say(void *userdata, const char *line) {
        client_say(userdata, "%s", line);
}

/* Leaving: the stop event, Ctrl-C, --check when it is done. */
static void process_stop(Client *c, uint64_t now) {
        int r;

        if (!c->loop.stopping)
                client_say(c, "Leaving the room...");
        /* While the media is still connected, so the network is there to
         * be found; leaving takes the link down. */
        r = net_category_restore(&c->category);
        if (r < 0)
                log_warning_errno(r, "Cannot put the party network's firewall category back, ignoring: %m");
        client_loop_stop(&c->loop, now);
        /* Windows ends the process soon (client_leave_now()): a second
         * request does not wait for the relay's goodbye. */
        if (InterlockedExchange(&c->leave_now, 0))
                client_loop_stop(&c->loop, now);
}

/* --check: no check could run within --check-timeout (the relay
 * unreachable, the room not there, no address): the one-shot ends, failed. */
static bool check_give_up(Client *c, uint64_t now) {
        if (!c->args.check_only || c->check_done || now <= c->check_give_up_at)
                return false;
        client_say(c, "Party check: not joined to the room with an address after %u s, giving up.",
            c->args.check_timeout_sec);
        c->check_failed = true;
        process_stop(c, now);
        return true;
}

/* The automatic check: once per join, when the TAP has the party's
 * address; --check's also CLIENT_CHECK_ADDRESS_WAIT_SEC after joining
 * without one (step 4 then says there is no DHCP answer). */
static bool check_due(Client *c, const ClientDiagnostics *d, uint64_t now) {
        if (c->check_done)
                return false;
        if (client_check_address_ready(d->device_ipv4))
                return true;
        return c->args.check_only && c->joined_at > 0 && now > c->joined_at &&
               now - c->joined_at > CLIENT_CHECK_ADDRESS_WAIT_SEC * QUIC_NS_PER_SEC;
}

static void check_maybe_start(Client *c, uint64_t now) {
        ClientDiagnostics d;
        bool requested;
        int r;

        if (party_check_is_running(c->check) || c->loop.stopping)
                return;
        requested = InterlockedExchange(&c->check_requested, 0) != 0;
        if (requested)
                log_debug("Party check asked for (the window's Check button).");
        if (!client_device_is_tap(c)) {
                if (requested)
                        client_say(c, "Party check: not with --frame-device null; it needs the TAP adapter, "
                                      "whose traffic games see.");
                return;
        }
        if (check_give_up(c, now))
                return;
        client_core_get_diagnostics(c->setup.core, now, &d);
        if (d.phase != CLIENT_PHASE_JOINED) {
                if (requested) {
                        client_say(c, "Party check: not in the room right now; it runs once we are back.");
                        c->check_done = false;
                }
                return;
        }
        if (!requested && !check_due(c, &d, now))
                return;
        c->check_done = true;
        r = party_check_start(c->check, c->setup.core, c->setup.device, now);
        if (r == -EAGAIN) {
                /* Too soon after the last one: it starts when it may. */
                InterlockedExchange(&c->check_requested, 1);
                return;
        }
        if (r < 0) {
                client_say(c, "Party check could not start: %s.", client_error_text(r));
                c->check_failed = true;
                if (c->args.check_only)
                        process_stop(c, now);
        } else
                client_say(c, "Running the party check on adapter \"%s\" (%s)...",
                    frame_device_get_name(c->setup.device), d.device_ipv4[0] ? d.device_ipv4 : "no IPv4 address");
}

static void check_tick(Client *c, uint64_t now) {
        ClientCheckOutcome o;

        if (party_check_tick(c->check, c->setup.core, now, &o) <= 0)
                return;
        client_check_describe(&o, check_say, c);
        c->check_failed = !client_check_passed(&o);
        /* --check: said what it found; leave. */
        if (c->args.check_only)
                process_stop(c, now);
}

/* ---- callbacks from the loop ---------------------------------------------------- */

static void loop_say(void *userdata, const char *line) {
        client_say(userdata, "%s", line);
}

/* What Windows makes of the party network: a DHCP retry when it gave up
 * (APIPA), and the firewall profile. */
static void tap_network_update(Client *c, const char *ipv4) {
        ClientDiagnostics d;
        WinNetworkCategory orig;
        uint32_t index = frame_device_get_index(c->setup.device);
        uint64_t now = client_now_ns();
        bool gateway_new = c->gateway_new;
        int r;

        c->gateway_new = false;
        client_core_get_diagnostics(c->setup.core, now, &d);
        if (dhcp_renew_wanted(&c->dhcp_renew, ipv4, d.phase == CLIENT_PHASE_JOINED ? c->joined_at : 0,
                              d.gateway_present, gateway_new, now)) {
                r = dhcp_renew_start(&c->dhcp_renew, index, now);
                if (r > 0)
                        client_say(c, "Adapter \"%s\" has %s%s: asking Windows for an address from the party's DHCP now.",
                            frame_device_get_name(c->setup.device), ipv4[0] ? "only the fallback address " : "no address yet",
                            ipv4);
                else if (r < 0)
                        log_debug_errno(r, "Cannot start renewing the DHCP lease: %m");
        }

        if (!ipv4[0] || d.phase != CLIENT_PHASE_JOINED)
                return;
        r = net_category_make_private(&c->category, index, ipv4, &orig);
        if (r > 0)
                client_say(c, "Windows treats the party network on adapter \"%s\" as Private now (it was %s), so games "
                       "allowed through the firewall on private networks see the party.",
                    frame_device_get_name(c->setup.device), win_network_category_to_string(orig));
        else if (r < 0)
                client_say(c, "Warning: cannot make the party network on adapter \"%s\" Private (%s). Windows Firewall "
                       "treats it as Public: games allowed only on private networks may not see the party; allow "
                       "them on public networks too, or set the network to Private in Settings.",
                    frame_device_get_name(c->setup.device), client_error_text(r));
}

/* On a thread of Windows', for every unicast address that comes or goes:
 * wakes the loop, which looks at the TAP's address itself. */
static void WINAPI address_changed(PVOID context, PMIB_UNICASTIPADDRESS_ROW row, MIB_NOTIFICATION_TYPE type) {
        SetEvent(context);
}

/* The TAP's first IPv4 address, as the party's DHCP server handed it out. */
static void device_address_update(void *userdata) {
        Client *c = userdata;
        _cleanup_free_ IP_ADAPTER_ADDRESSES *list = NULL;
        char text[INET_ADDRSTRLEN] = "";
        uint32_t index;
        int r;

        if (!client_device_is_tap(c))
                return;
        index = frame_device_get_index(c->setup.device);
        r = adapter_addresses_get(AF_INET, &list);
        if (r < 0) {
                log_debug_errno(r, "GetAdaptersAddresses() failed, ignoring: %m");
                return;
        }
        for (IP_ADAPTER_ADDRESSES *a = list; a; a = a->Next) {
                if (a->IfIndex != index)
                        continue;
                for (IP_ADAPTER_UNICAST_ADDRESS *u = a->FirstUnicastAddress; u; u = u->Next)
                        if (u->Address.lpSockaddr && u->Address.lpSockaddr->sa_family == AF_INET) {
                                inet_ntop(AF_INET, &((struct sockaddr_in *) u->Address.lpSockaddr)->sin_addr, text,
                                          sizeof(text));
                                break;
                        }
                break;
        }
        client_core_set_device_ipv4(c->setup.core, text);
        tap_network_update(c, text);
}

static void budget_update(Client *c, const ClientDiagnostics *d, uint64_t now) {
        Session *s = client_core_get_session(c->setup.core);
        size_t budget;

        if (d->phase != CLIENT_PHASE_JOINED || !s)
                return;
        budget = session_get_frame_budget(s);
        if (budget == c->budget_shown || (c->budget_shown != 0 && now - c->budget_shown_at < BUDGET_REPEAT_INTERVAL))
                return;
        client_say(c, "Datagram budget: Ethernet frames up to %zu bytes fit (room MTU %u%s).", budget,
            (unsigned) d->room_mtu,
            budget >= (size_t) d->room_mtu + LP_ETHER_HEADER_LEN ? "" : "; larger frames are dropped");
        c->budget_shown = budget;
        c->budget_shown_at = now;
}

static void lights_update(Client *c, const ClientDiagnostics *d) {
        ClientLights l;

        if (!c->face.lights)
                return;
        client_lights_decide(d, &l);
        if (c->lights_posted && client_lights_equal(&l, &c->lights))
                return;
        c->lights = l;
        c->lights_posted = true;
        c->face.lights(c->face.userdata, &l);
}

/* The window's lights follow every snapshot, the last one too; the
 * budget line comes before the status lines it explains. */
static void loop_diagnostics(void *userdata, const ClientDiagnostics *d, uint64_t now) {
        Client *c = userdata;

        lights_update(c, d);
        budget_update(c, d, now);
}

const ClientLoopOps client_loop_ops_win = {
        .address_interval = ADDRESS_CHECK_INTERVAL,
        .say = loop_say,
        .resolve = relay_lookup_again,
        .address_update = device_address_update,
        .diagnostics = loop_diagnostics,
        .path_open = relay_path_open,
        .path_on_device = relay_path_on_device,
        .path_prepare = relay_path_prepare,
        .path_swap = relay_path_swap,
        .path_drop = relay_path_drop,
        .error_text = client_error_text,
};

/* Watches the device's addresses, so a new lease is seen at once rather
 * than at the next ADDRESS_CHECK_INTERVAL. */
void client_address_watch(void *userdata, FrameDevice *device) {
        Client *c = userdata;
        DWORD e;

        if (frame_device_get_type(device) != FRAME_DEVICE_TAP)
                return;
        e = win_sys->NotifyUnicastIpAddressChange(AF_INET, address_changed, c->address_event, FALSE,
                                                  &c->address_notify);
        if (e != NO_ERROR) {
                c->address_notify = NULL;
                log_debug_errno(errno_from_win32(e), "Cannot watch addresses, looking every few seconds instead: %m");
        }
}

/* ---- the loop ------------------------------------------------------------------- */

int client_run_loop(Client *c) {
        client_loop_start(&c->loop, client_now_ns());
        c->check_give_up_at = client_now_ns() + (uint64_t) c->args.check_timeout_sec * QUIC_NS_PER_SEC;

        while (!client_core_is_done(c->setup.core)) {
                HANDLE handles[5], tap;
                DWORD n = 0, timeout, w;
                uint64_t now;

                handles[n++] = c->stop_event;
                handles[n++] = c->check_event;
                if (c->address_notify)
                        handles[n++] = c->address_event;
                if (c->udp != INVALID_SOCKET)
                        handles[n++] = c->udp_event;
                tap = frame_device_get_waitable(c->setup.device).handle;
                if (tap)
                        handles[n++] = tap;

                now = client_now_ns();
                timeout = (DWORD) party_check_timeout_ms(c->check, now, client_loop_timeout_ms(&c->loop, now));

                w = WaitForMultipleObjects(n, handles, FALSE, timeout);
                if (w == WAIT_FAILED)
                        return log_error_errno(errno_from_win32(GetLastError()), "WaitForMultipleObjects() failed: %m");
                now = client_now_ns();

                /* WaitForMultipleObjects() names only the first signalled
                 * handle; look at each so none starves. The stop event
                 * resets itself when a wait takes it: that one counts. */
                if (w == WAIT_OBJECT_0 || WaitForSingleObject(c->stop_event, 0) == WAIT_OBJECT_0)
                        process_stop(c, now);
                if (c->udp != INVALID_SOCKET && WaitForSingleObject(c->udp_event, 0) == WAIT_OBJECT_0)
                        relay_socket_process(c, now);
                if (tap && WaitForSingleObject(tap, 0) == WAIT_OBJECT_0)
                        (void) client_core_process_device(c->setup.core, now);
                /* The TAP's lease, an APIPA fallback: look at once rather
                 * than at the next round. */
                if (c->address_notify && WaitForSingleObject(c->address_event, 0) == WAIT_OBJECT_0)
                        device_address_update(c);
                client_loop_after_wait(&c->loop, now);
                /* The check_event only wakes us: check_requested says. */
                check_tick(c, now);
                check_maybe_start(c, now);
                /* Refused sends: our source address may be gone. */
                if (c->send_refused) {
                        uint64_t t = client_now_ns();

                        c->send_refused = false;
                        client_loop_send_refused(&c->loop, t);
                }
        }
        /* The lights' last word (left, or why not). */
        client_loop_status_update(&c->loop, client_now_ns());
        return 0;
}
