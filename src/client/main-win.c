/* SPDX-License-Identifier: MIT */
/* client.exe: the Windows sibling of main-linux.c around client-core.c.
 * It resolves the relay, pins the route to it (route-win.c) before the
 * TAP-Windows6 adapter's media is connected, gives the adapter the
 * persistent virtual MAC, and runs one WaitForMultipleObjects() loop over
 * a stop event, the UDP socket's event (WSAEventSelect) and the TAP's read
 * event, with the core's expiry as the timeout. What happens around the
 * wait is client-loop.c's, shared with lanparty-client.
 *
 * One program, two faces. Started with an invite (a lanparty:// link
 * from the URL handler, a .lanparty file from Explorer) or with nothing
 * (then a dialog asks for a link), it opens a small window (gui-win.c)
 * and runs the loop on a worker thread that posts status lines and light
 * colours to it. With --cli it runs the loop on the main thread and
 * prints the same status lines as the Linux client to a console (the one
 * it was started from, or a new one).
 *
 * Linked for the Windows subsystem (no console window flashes up for a
 * double-clicked link); --cli, --help, --version and --list-tap-adapters
 * attach to the parent's console or open one. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include <errno.h>
#include <gnutls/gnutls.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter-addresses-win.h"
#include "client-core.h"
#include "client-lights.h"
#include "client-loop.h"
#include "client-status.h"
#include "client-win-args.h"
#include "dhcp-renew-win.h"
#include "control.h"
#include "ether.h"
#include "frame-device.h"
#include "gui-win.h"
#include "identity.h"
#include "invite.h"
#include "log.h"
#include "net-category-win.h"
#include "platform-win.h"
#include "restore-win.h"
#include "route.h"
#include "tap-win.h"
#include "udp-win.h"
#include "win-sys.h"

#define PROGRAM_NAME "client.exe"
/* GetAdaptersAddresses() walks every adapter; DHCP is not that quick. */
#define ADDRESS_CHECK_INTERVAL (3 * QUIC_NS_PER_SEC)
#define BUDGET_REPEAT_INTERVAL (10 * QUIC_NS_PER_SEC)
/* A console close or a logoff gives a process about 5 s. */
#define SHUTDOWN_WAIT_MS 4000
#define UDP_BATCH 256
#define UDP_BUFFER_SIZE 65536
#define FAILURE_TEXT_MAX 1024

#define EXIT_USAGE 2

#define NO_TAP_MESSAGE                                                                                        \
        "no TAP-Windows6 adapter found. lanparty needs the TAP-Windows6 virtual network adapter (driver "     \
        "tap0901, from the OpenVPN project) to put this computer on the party's LAN. Run the lanparty "       \
        "installer again and let it install TAP-Windows6, or install \"TAP-Windows\" (NDIS 6) from "          \
        "https://openvpn.net/community-downloads/ or https://github.com/OpenVPN/tap-windows6/releases, then " \
        "start lanparty again."

#define NOT_ADMIN_MESSAGE                                                                                 \
        "lanparty needs administrator rights to give the TAP adapter its address and to keep the route to " \
        "the relay. Please run as administrator: right-click client.exe (or the Command Prompt you start "  \
        "it from) and choose \"Run as administrator\"."

#define MAC_PENDING_MESSAGE                                                                                   \
        "The TAP adapter has not taken lanparty's network address (MAC) yet; Windows applies it when the "   \
        "adapter restarts, and restarting it automatically did not work. Open Network Connections "          \
        "(ncpa.cpl), right-click the TAP-Windows adapter, choose Disable and then Enable (or restart "        \
        "Windows), then try again."

typedef struct Client {
        ClientWinArgs args;
        char link[LP_INVITE_TEXT_MAX + 64];
        Invite invite;
        MacAddr mac;
        char name[LP_CONTROL_NAME_MAX + 1];
        RouteManager *routes;
        FrameDevice *device;
        ClientCore *core;
        SOCKET udp;
        QuicAddr udp_local; /* what udp is connected from */
        WSAEVENT udp_event;
        uint64_t path_checked_at;
        bool send_refused; /* a send failed in a way that says our address may be gone */
        HANDLE stop_event; /* auto-reset: each SetEvent() is one "leave" request */
        HANDLE address_event; /* auto-reset: an IP address changed somewhere (NotifyUnicastIpAddressChange) */
        HANDLE address_notify;
        HANDLE done_event; /* manual-reset: the loop ended and everything is restored */
        Gui *gui;          /* NULL in the console */
        ClientLoop loop;

        /* Windows' view of the party network on the TAP. */
        NetCategory category;
        DhcpRenew dhcp_renew;
        bool gateway_here; /* as of WELCOME and PEER_JOINED/LEFT since */
        bool gateway_new;  /* it came after us: renew at once if need be */
        uint64_t joined_at; /* when the media last connected */

        ClientLights lights;
        bool lights_posted;
        size_t budget_shown;
        uint64_t budget_shown_at;

        char failure[FAILURE_TEXT_MAX];
        int exit_code;

        uint8_t udp_buffer[UDP_BUFFER_SIZE];
} Client;

static Gui *log_gui;
static HANDLE console_stop_event, console_done_event;

static uint64_t now_ns(void) {
        static LARGE_INTEGER freq;
        LARGE_INTEGER c;

        if (freq.QuadPart == 0)
                QueryPerformanceFrequency(&freq);
        QueryPerformanceCounter(&c);
        return (uint64_t) (c.QuadPart / freq.QuadPart) * QUIC_NS_PER_SEC +
               (uint64_t) (c.QuadPart % freq.QuadPart) * QUIC_NS_PER_SEC / (uint64_t) freq.QuadPart;
}

/* mingw's strerror() predates the network errno values; these are the
 * ones a player meets in status lines. */
static const char *error_text(int e) {
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

/* ---- output --------------------------------------------------------------------- */

static void say(Client *c, const char *format, ...) _printf_(2, 3);
static void say(Client *c, const char *format, ...) {
        char line[CLIENT_STATUS_LINE_MAX + 256];
        va_list ap;

        va_start(ap, format);
        vsnprintf(line, sizeof(line), format, ap);
        va_end(ap);
        if (c->gui)
                gui_post_line(c->gui, line);
        else {
                fputs(line, stdout);
                fputc('\n', stdout);
                fflush(stdout);
        }
}

/* Remembers why the client could not run, for the final message. */
static int fail(Client *c, int r, const char *format, ...) _printf_(3, 4);
static int fail(Client *c, int r, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(c->failure, sizeof(c->failure), format, ap);
        va_end(ap);
        return r < 0 ? r : -EIO;
}

/* In the window, warnings and errors from the backends (tap-win.c's
 * advice, route problems) belong in the log pane too. */
static void log_backend_gui(int level, int error, const LogField *fields, size_t n_fields, const char *file, int line,
                            const char *func, const char *message) {
        char text[CLIENT_STATUS_LINE_MAX + 64];

        log_backend_stderr(level, error, fields, n_fields, file, line, func, message);
        if (level > LOG_NOTICE || !log_gui)
                return;
        snprintf(text, sizeof(text), "%s%s", level <= LOG_ERR ? "Error: " : level == LOG_WARNING ? "Warning: " : "",
                 message);
        gui_post_line(log_gui, text);
}

/* ---- addresses ------------------------------------------------------------------ */

static const char *addr_to_text(const QuicAddr *a, char buf[static CLIENT_ADDRESS_TEXT_MAX]) {
        char ip[INET6_ADDRSTRLEN] = "?";

        if (a->sa.sa.sa_family == AF_INET6) {
                inet_ntop(AF_INET6, &a->sa.in6.sin6_addr, ip, sizeof(ip));
                snprintf(buf, CLIENT_ADDRESS_TEXT_MAX, "[%s]:%u", ip, (unsigned) ntohs(a->sa.in6.sin6_port));
        } else {
                inet_ntop(AF_INET, &a->sa.in.sin_addr, ip, sizeof(ip));
                snprintf(buf, CLIENT_ADDRESS_TEXT_MAX, "%s:%u", ip, (unsigned) ntohs(a->sa.in.sin_port));
        }
        return buf;
}

static int relay_resolve(Client *c, QuicAddr *ret, char *reason, size_t reason_size) {
        ADDRINFOA hints = {
                .ai_family = AF_UNSPEC,
                .ai_socktype = SOCK_DGRAM,
                .ai_protocol = IPPROTO_UDP,
                .ai_flags = AI_NUMERICSERV | (c->invite.host_type == INVITE_HOST_DNS ? 0 : AI_NUMERICHOST),
        };
        ADDRINFOA *res = NULL;
        char port[8];
        int r;

        snprintf(port, sizeof(port), "%u", (unsigned) c->invite.port);
        r = getaddrinfo(c->invite.host, port, &hints, &res);
        if (r != 0) {
                snprintf(reason, reason_size, "%s", r == WSAHOST_NOT_FOUND ? "no such host name"
                                                   : r == WSATRY_AGAIN   ? "the name server did not answer"
                                                                         : gai_strerrorA(r));
                log_warning("Cannot resolve relay %s: %s", c->invite.host, reason);
                return r == WSA_NOT_ENOUGH_MEMORY ? -ENOMEM : -EHOSTUNREACH;
        }
        r = -EAFNOSUPPORT;
        for (ADDRINFOA *ai = res; ai; ai = ai->ai_next)
                if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
                    quic_addr_set(ret, (const ngtcp2_sockaddr *) ai->ai_addr, (ngtcp2_socklen) ai->ai_addrlen) == 0) {
                        r = 0;
                        break;
                }
        freeaddrinfo(res);
        if (r < 0)
                snprintf(reason, reason_size, "it has no IPv4 or IPv6 address");
        return r;
}

/* A new attempt needs no reason: the core reports why it failed. */
static int relay_resolve_again(void *userdata, QuicAddr *ret) {
        char reason[128];

        return relay_resolve(userdata, ret, reason, sizeof(reason));
}

/* ---- callbacks from the core ---------------------------------------------------- */

static int on_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        Client *c = userdata;

        if (c->udp == INVALID_SOCKET)
                return -EBADF;
        if (len > INT32_MAX)
                return -EMSGSIZE;
        /* The socket is connected to the relay, from path->local: after a
         * migration (relay_path_check()) it is the new one. */
        if (send(c->udp, (const char *) data, (int) len, 0) == SOCKET_ERROR) {
                int r = errno_from_wsa(WSAGetLastError());

                /* Our source address may be gone: look at once (run_loop()). */
                if (client_send_error_path_gone(r))
                        c->send_refused = true;
                return r;
        }
        return 0;
}

static void udp_close(Client *c) {
        if (c->udp == INVALID_SOCKET)
                return;
        /* Also cancels the WSAEventSelect() association. */
        closesocket(c->udp);
        c->udp = INVALID_SOCKET;
        if (c->udp_event != WSA_INVALID_EVENT)
                WSAResetEvent(c->udp_event);
}

static int on_connect(ClientCore *core, QuicAddr *ret_local, QuicAddr *ret_remote, void *userdata) {
        Client *c = userdata;
        char text[CLIENT_ADDRESS_TEXT_MAX];
        QuicAddr remote, local;
        SOCKET s;
        int r;

        r = client_loop_next_relay(&c->loop, &remote);
        if (r < 0)
                return r;

        r = udp_win_connect(&remote, &s, &local);
        if (r < 0) {
                log_warning("Cannot reach relay %s: %s", addr_to_text(&remote, text), error_text(r));
                return r;
        }
        if (WSAEventSelect(s, c->udp_event, FD_READ) == SOCKET_ERROR) {
                r = errno_from_wsa(WSAGetLastError());
                closesocket(s);
                return r;
        }

        udp_close(c);
        c->udp = s;
        c->udp_local = local;
        *ret_local = local;
        *ret_remote = remote;
        client_loop_relay_connected(&c->loop, &remote, addr_to_text(&remote, text));
        return 0;
}

static bool device_is_tap(Client *c) {
        return c->device && frame_device_get_type(c->device) == FRAME_DEVICE_TAP;
}

/* The socket to the relay is connected, so its source address was fixed
 * when it connected. When that address goes away (a new lease, Wi-Fi to
 * cable) or Windows now prefers another one towards the relay, what we
 * send leaves from an address that is gone (Windows refuses it) or that
 * the new network does not route back. So ask Windows which source it
 * would pick now, with a socket connected the same way; if it is another
 * one, that socket becomes ours and the connection moves to it (QUIC
 * connection migration): the session, our peer id and our place in the
 * room survive, and the relay validates the new path. As main-linux.c's
 * relay_path_check(). Never onto the TAP's own address: a route to the
 * relay through the tunnel (the pin gone) must not take the connection
 * along. */
static void relay_path_check(void *userdata, uint64_t now) {
        Client *c = userdata;
        char text[CLIENT_ADDRESS_TEXT_MAX];
        QuicAddr local, old_local;
        SOCKET s, old;
        int r;

        if (c->udp == INVALID_SOCKET || !c->loop.have_last || client_core_get_phase(c->core) != CLIENT_PHASE_JOINED)
                return;
        c->path_checked_at = now;
        r = udp_win_connect(&c->loop.last, &s, &local);
        if (r < 0) {
                log_debug_errno(r, "No way to relay %s right now: %s", c->loop.last_text, error_text(r));
                return;
        }
        if (client_addr_same_host(&local, &c->udp_local) ||
            (device_is_tap(c) && adapter_has_address(frame_device_get_index(c->device), &local))) {
                closesocket(s);
                return;
        }
        /* The old socket keeps its own association with the event until
         * it is closed; both may share it. */
        if (WSAEventSelect(s, c->udp_event, FD_READ) == SOCKET_ERROR) {
                r = errno_from_wsa(WSAGetLastError());
                closesocket(s);
                log_debug_errno(r, "WSAEventSelect() failed, not moving: %s", error_text(r));
                return;
        }

        /* Nothing is queued: on_send() hands each packet to send() at
         * once. What migrating writes (PATH_CHALLENGE) is for the new one. */
        old = c->udp;
        old_local = c->udp_local;
        c->udp = s;
        c->udp_local = local;
        r = client_core_migrate(c->core, &local, now);
        if (r < 0) {
                c->udp = old;
                c->udp_local = old_local;
                closesocket(s);
                log_notice("Our address towards relay %s changed to %s, but the connection cannot move (%s); "
                           "it reconnects if the old address stopped working.",
                           c->loop.last_text, addr_to_text(&local, text), error_text(r));
                return;
        }
        closesocket(old);
        say(c, "Our address changed; the connection moved to %s.", addr_to_text(&local, text));
}

static void on_event(ClientCore *core, const ClientEvent *e, void *userdata) {
        Client *c = userdata;
        char line[CLIENT_STATUS_LINE_MAX + 64], delay[32];

        if (e->type == CLIENT_EVENT_CONNECT_FAILED) {
                /* client_status_event() words it with strerror(), which
                 * knows no network errors on Windows. */
                snprintf(delay, sizeof(delay), "%.1f s", (double) e->retry_in / (double) QUIC_NS_PER_SEC);
                say(c, "Cannot connect to relay %s (%s); trying again in %s.", e->relay ? e->relay : "?",
                    error_text(e->error), delay);
        } else if (client_status_event(e, line, sizeof(line)) > 0)
                say(c, "%s", line);

        if (device_is_tap(c)) {
                if (e->type == CLIENT_EVENT_JOINED)
                        say(c, "Adapter \"%s\" is plugged into the party (media connected).",
                            frame_device_get_name(c->device));
                else if (e->type == CLIENT_EVENT_DISCONNECTED)
                        say(c, "Adapter \"%s\" is unplugged until we are back (media disconnected).",
                            frame_device_get_name(c->device));
                /* Either way the network Windows sees on the TAP is a new
                 * one from here on. */
                if (e->type == CLIENT_EVENT_JOINED || e->type == CLIENT_EVENT_DISCONNECTED)
                        net_category_link_down(&c->category);
                /* A gateway that was there when we joined answered the
                 * DISCOVER Windows sends at media connect; one that comes
                 * later did not, and Windows would wait 5 minutes. */
                if (e->type == CLIENT_EVENT_JOINED) {
                        c->gateway_here = e->welcome && e->welcome->gateway_present;
                        c->joined_at = now_ns();
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

/* ---- callbacks from the loop ---------------------------------------------------- */

static void loop_say(void *userdata, const char *line) {
        say(userdata, "%s", line);
}

/* What Windows makes of the party network: a DHCP retry when it gave up
 * (APIPA), and the firewall profile. */
static void tap_network_update(Client *c, const char *ipv4) {
        ClientDiagnostics d;
        WinNetworkCategory orig;
        uint32_t index = frame_device_get_index(c->device);
        uint64_t now = now_ns();
        bool gateway_new = c->gateway_new;
        int r;

        c->gateway_new = false;
        client_core_get_diagnostics(c->core, now, &d);
        if (dhcp_renew_wanted(&c->dhcp_renew, ipv4, d.phase == CLIENT_PHASE_JOINED ? c->joined_at : 0,
                              d.gateway_present, gateway_new, now)) {
                r = dhcp_renew_start(&c->dhcp_renew, index, now);
                if (r > 0)
                        say(c, "Adapter \"%s\" has %s%s: asking Windows for an address from the party's DHCP now.",
                            frame_device_get_name(c->device), ipv4[0] ? "only the fallback address " : "no address yet",
                            ipv4);
                else if (r < 0)
                        log_debug_errno(r, "Cannot start renewing the DHCP lease: %m");
        }

        if (!ipv4[0] || d.phase != CLIENT_PHASE_JOINED)
                return;
        r = net_category_make_private(&c->category, index, ipv4, &orig);
        if (r > 0)
                say(c, "Windows treats the party network on adapter \"%s\" as Private now (it was %s), so games "
                       "allowed through the firewall on private networks see the party.",
                    frame_device_get_name(c->device), win_network_category_to_string(orig));
        else if (r < 0)
                say(c, "Warning: cannot make the party network on adapter \"%s\" Private (%s). Windows Firewall "
                       "treats it as Public: games allowed only on private networks may not see the party; allow "
                       "them on public networks too, or set the network to Private in Settings.",
                    frame_device_get_name(c->device), error_text(r));
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

        if (!device_is_tap(c))
                return;
        index = frame_device_get_index(c->device);
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
        client_core_set_device_ipv4(c->core, text);
        tap_network_update(c, text);
}

static void budget_update(Client *c, const ClientDiagnostics *d, uint64_t now) {
        Session *s = client_core_get_session(c->core);
        size_t budget;

        if (d->phase != CLIENT_PHASE_JOINED || !s)
                return;
        budget = session_get_frame_budget(s);
        if (budget == c->budget_shown || (c->budget_shown != 0 && now - c->budget_shown_at < BUDGET_REPEAT_INTERVAL))
                return;
        say(c, "Datagram budget: Ethernet frames up to %zu bytes fit (room MTU %u%s).", budget,
            (unsigned) d->room_mtu,
            budget >= (size_t) d->room_mtu + LP_ETHER_HEADER_LEN ? "" : "; larger frames are dropped");
        c->budget_shown = budget;
        c->budget_shown_at = now;
}

static void lights_update(Client *c, const ClientDiagnostics *d) {
        ClientLights l;

        if (!c->gui)
                return;
        client_lights_decide(d, &l);
        if (c->lights_posted && client_lights_equal(&l, &c->lights))
                return;
        c->lights = l;
        c->lights_posted = true;
        gui_post_lights(c->gui, &l);
}

/* The window's lights follow every snapshot, the last one too; the
 * budget line comes before the status lines it explains. */
static void loop_diagnostics(void *userdata, const ClientDiagnostics *d, uint64_t now) {
        Client *c = userdata;

        lights_update(c, d);
        budget_update(c, d, now);
}

static const ClientLoopOps loop_ops = {
        .address_interval = ADDRESS_CHECK_INTERVAL,
        .say = loop_say,
        .resolve = relay_resolve_again,
        .address_update = device_address_update,
        .diagnostics = loop_diagnostics,
        .path_check = relay_path_check,
};

/* ---- the loop ------------------------------------------------------------------- */

static void process_udp(Client *c, uint64_t now) {
        WSANETWORKEVENTS ne;

        /* Resets the event; recv() re-arms FD_READ while data is left. */
        if (c->udp != INVALID_SOCKET)
                (void) WSAEnumNetworkEvents(c->udp, c->udp_event, &ne);
        for (size_t i = 0; i < UDP_BATCH && c->udp != INVALID_SOCKET; i++) {
                struct sockaddr_storage ss;
                int sl = sizeof(ss), n, e;
                QuicAddr remote;

                n = recvfrom(c->udp, (char *) c->udp_buffer, (int) sizeof(c->udp_buffer), 0, (struct sockaddr *) &ss,
                             &sl);
                if (n == SOCKET_ERROR) {
                        e = WSAGetLastError();
                        if (e == WSAEWOULDBLOCK)
                                break;
                        /* A datagram larger than our buffer, or an old ICMP error. */
                        log_debug_errno(errno_from_wsa(e), "recvfrom() failed (WSA error %d), ignoring.", e);
                        if (e == WSAEMSGSIZE || e == WSAECONNRESET)
                                continue;
                        break;
                }
                if (quic_addr_set(&remote, (const ngtcp2_sockaddr *) &ss, (ngtcp2_socklen) sl) < 0)
                        continue;
                (void) client_core_read_packet(c->core, &remote, c->udp_buffer, (size_t) n, now);
        }
        (void) client_core_write(c->core, now);
}

static void process_stop(Client *c, uint64_t now) {
        int r;

        if (!c->loop.stopping)
                say(c, "Leaving the room...");
        /* While the media is still connected, so the network is there to
         * be found; leaving takes the link down. */
        r = net_category_restore(&c->category);
        if (r < 0)
                log_warning_errno(r, "Cannot put the party network's firewall category back, ignoring: %m");
        client_loop_stop(&c->loop, now);
}

static int run_loop(Client *c) {
        client_loop_start(&c->loop, now_ns());

        while (!client_core_is_done(c->core)) {
                HANDLE handles[4], tap;
                DWORD n = 0, timeout, w;
                uint64_t now;

                handles[n++] = c->stop_event;
                if (c->address_notify)
                        handles[n++] = c->address_event;
                if (c->udp != INVALID_SOCKET)
                        handles[n++] = c->udp_event;
                tap = frame_device_get_waitable(c->device).handle;
                if (tap)
                        handles[n++] = tap;

                timeout = (DWORD) client_loop_timeout_ms(&c->loop, now_ns());

                w = WaitForMultipleObjects(n, handles, FALSE, timeout);
                if (w == WAIT_FAILED)
                        return log_error_errno(errno_from_win32(GetLastError()), "WaitForMultipleObjects() failed: %m");
                now = now_ns();

                /* WaitForMultipleObjects() names only the first signalled
                 * handle; look at each so none starves. The stop event
                 * resets itself when a wait takes it: that one counts. */
                if (w == WAIT_OBJECT_0 || WaitForSingleObject(c->stop_event, 0) == WAIT_OBJECT_0)
                        process_stop(c, now);
                if (c->udp != INVALID_SOCKET && WaitForSingleObject(c->udp_event, 0) == WAIT_OBJECT_0)
                        process_udp(c, now);
                if (tap && WaitForSingleObject(tap, 0) == WAIT_OBJECT_0)
                        (void) client_core_process_device(c->core, now);
                /* The TAP's lease, an APIPA fallback: look at once rather
                 * than at the next round. */
                if (c->address_notify && WaitForSingleObject(c->address_event, 0) == WAIT_OBJECT_0)
                        device_address_update(c);
                client_loop_after_wait(&c->loop, now);
                /* Refused sends: our source address may be gone. */
                if (c->send_refused) {
                        uint64_t t = now_ns();

                        c->send_refused = false;
                        if (t - c->path_checked_at >= CLIENT_LOOP_PATH_CHECK_MIN_INTERVAL)
                                relay_path_check(c, t);
                }
        }
        /* The lights' last word (left, or why not). */
        client_loop_status_update(&c->loop, now_ns());
        return 0;
}

/* ---- start-up ------------------------------------------------------------------- */

static bool is_elevated(void) {
        SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };
        PSID admins = NULL;
        BOOL member = FALSE;

        if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0,
                                      &admins))
                return false;
        /* With UAC a non-elevated token holds the group "deny only": false. */
        if (!CheckTokenMembership(NULL, admins, &member))
                member = FALSE;
        FreeSid(admins);
        return member;
}

static void default_name(char *buf, size_t size) {
        wchar_t w[256];
        DWORD n = ELEMENTSOF(w);
        char host[256] = "";

        if (!GetComputerNameExW(ComputerNamePhysicalDnsHostname, w, &n) || wide_to_utf8(w, host, sizeof(host)) < 0)
                host[0] = '\0';
        host[MIN(strlen(host), (size_t) LP_CONTROL_NAME_MAX)] = '\0';
        if (!control_text_is_valid(host, strlen(host)))
                host[0] = '\0';
        snprintf(buf, size, "%s", host);
}

/* Route state files are named after the adapter the player asked for. */
static void route_instance(const char *hint, char *buf, size_t size) {
        size_t n = 0;

        if (!hint)
                hint = "tap";
        for (const char *p = hint; *p && n + 1 < size && n < 64; p++) {
                char ch = *p;
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                          ch == '_' || ch == '.' || ch == '-';
                buf[n++] = ok ? ch : '_';
        }
        buf[n] = '\0';
}

static int device_open(Client *c) {
        int r;

        for (;;) {
                r = frame_device_open(c->args.device_type, c->args.tap_instance_id, &c->mac, CLIENT_CORE_MTU_INITIAL,
                                      &c->device);
                if (r != -EADDRNOTAVAIL)
                        break;
                /* tap-win.c restarted the adapter once already; a player can
                 * do it by hand and have us try again. */
                if (!c->gui || gui_message(c->gui, MB_RETRYCANCEL | MB_ICONWARNING, MAC_PENDING_MESSAGE) != IDRETRY)
                        return fail(c, r, "%s", MAC_PENDING_MESSAGE);
                say(c, "Trying the adapter again...");
        }
        switch (r) {
        case 0:
                return 0;
        case -ENODEV:
                return fail(c, r, "%s", c->args.tap_instance_id
                                                ? "The TAP-Windows6 adapter is missing or disabled; see the messages above."
                                                : NO_TAP_MESSAGE);
        case -EDESTADDRREQ:
        case -ENXIO:
                return fail(c, r,
                            "Choose the TAP-Windows6 adapter with --tap-instance-id NAME-OR-GUID (client.exe "
                            "--list-tap-adapters shows them).");
        case -EACCES:
                return fail(c, r, "%s", NOT_ADMIN_MESSAGE);
        case -EBUSY:
                return fail(c, r, "The TAP adapter is used by another program (OpenVPN?). Close it and try again.");
        case -EPROTONOSUPPORT:
                return fail(c, r,
                            "The TAP-Windows driver on this computer is too old for lanparty. Install the current "
                            "TAP-Windows6 (run the lanparty installer again, or get it from "
                            "https://github.com/OpenVPN/tap-windows6/releases), then start again.");
        default:
                return fail(c, r, "Cannot use the TAP adapter: %s.", error_text(r));
        }
}

static int client_setup(Client *c) {
        char path[WIN_PATH_MAX], text[CLIENT_ADDRESS_TEXT_MAX], instance[65], reason[128];
        char label[CLIENT_LOOP_DEVICE_LABEL_MAX];
        TapWinAdapter adapters[TAP_WIN_ADAPTERS_MAX];
        size_t n_adapters = 0;
        RouteAddress ra;
        int r;

        if (c->args.device_type == FRAME_DEVICE_TAP) {
                /* Before changing anything: without an adapter nothing else matters. */
                r = tap_win_adapters_list(adapters, ELEMENTSOF(adapters), &n_adapters);
                if (r >= 0 && n_adapters == 0)
                        return fail(c, -ENODEV, "%s", NO_TAP_MESSAGE);
        }

        if (c->args.state_dir &&
            snprintf(path, sizeof(path), "%s\\client-mac", c->args.state_dir) >= (int) sizeof(path))
                return fail(c, -ENAMETOOLONG, "The state directory name is too long.");
        r = identity_mac_load(c->args.state_dir ? path : NULL, &c->mac);
        if (r < 0)
                return fail(c, r, "Cannot load or create this computer's virtual MAC address: %s.", error_text(r));

        say(c, "Looking up relay %s...", c->invite.host);
        r = relay_resolve(c, &c->loop.fresh, reason, sizeof(reason));
        if (r < 0)
                return fail(c, r,
                            "Cannot find relay %s: %s. Check that this computer is online; if it is, the invite "
                            "link may be outdated: ask for a new link.",
                            c->invite.host, reason);
        c->loop.have_fresh = true;

        if (c->args.device_type == FRAME_DEVICE_TAP) {
                /* Pin the relay before the adapter's media connects: the
                 * party's DHCP could hand it a default route at once. */
                route_instance(c->args.tap_instance_id, instance, sizeof(instance));
                r = route_manager_new(instance, c->args.state_dir, &c->routes);
                if (r == -EBUSY)
                        return fail(c, r, "lanparty is already running on this computer; leave that party first.");
                if (r == -EPERM || r == -ENOTDIR)
                        return fail(c, r, "lanparty does not trust the folder where it records its network changes; "
                                          "see the message above.");
                if (r < 0)
                        return fail(c, r, "Cannot keep track of routes: %s.", error_text(r));
                r = client_addr_to_route(&c->loop.fresh, &ra);
                if (r >= 0)
                        r = route_manager_pin_relay(c->routes, &ra);
                if (r < 0)
                        return fail(c, r,
                                    "Cannot pin the route to relay %s (%s). Is this computer connected to the "
                                    "internet?",
                                    addr_to_text(&c->loop.fresh, text), error_text(r));
                switch (r) {
                case ROUTE_PLAN_ADD:
                        say(c, "Pinned the route to relay %s, so the party's network cannot take it over.",
                            addr_to_text(&c->loop.fresh, text));
                        break;
                case ROUTE_PLAN_REUSE:
                        say(c, "Relay %s already has a route of its own; using it.", addr_to_text(&c->loop.fresh, text));
                        break;
                case ROUTE_PLAN_NONE:
                        say(c, "Relay %s is this computer; no route needed.", addr_to_text(&c->loop.fresh, text));
                        break;
                case ROUTE_PLAN_CONFLICT:
                        say(c, "Warning: another program's route to relay %s is in place; leaving it alone.",
                            addr_to_text(&c->loop.fresh, text));
                        break;
                default:
                        break;
                }
        }

        r = device_open(c);
        if (r < 0)
                return r;
        if (device_is_tap(c)) {
                DWORD e = win_sys->NotifyUnicastIpAddressChange(AF_INET, address_changed, c->address_event, FALSE,
                                                                &c->address_notify);
                if (e != NO_ERROR) {
                        c->address_notify = NULL;
                        log_debug_errno(errno_from_win32(e),
                                        "Cannot watch addresses, looking every few seconds instead: %m");
                }
        }
        /* Media disconnected until the core says we are in the room. */
        r = frame_device_set_link(c->device, false);
        if (r < 0)
                log_warning_errno(r, "Failed to disconnect the media of %s, ignoring: %m",
                                  frame_device_get_name(c->device));
        if (c->routes) {
                if (c->args.accept_party_gateway)
                        route_manager_keep_tap_default_routes(c->routes);
                r = route_manager_add_broadcast(c->routes, frame_device_get_index(c->device));
                if (r == ROUTE_PLAN_ADD)
                        say(c, "Adapter \"%s\": low metric so games' broadcasts reach the party; %s.",
                            frame_device_get_name(c->device),
                            c->args.accept_party_gateway ? "the party's gateway is kept as you asked"
                                                         : "default routes on it are ignored");
                else if (r < 0)
                        say(c, "Warning: cannot give adapter \"%s\" a low metric (%s). Games that broadcast without "
                               "choosing an adapter may not find the party.",
                            frame_device_get_name(c->device), error_text(r));
        }

        ClientCoreConfig cc = {
                .invite = c->invite,
                .mac = c->mac,
                .device = c->device,
                .callbacks = { .send = on_send, .connect = on_connect, .event = on_event },
                .userdata = c,
                .send_userdata = c,
                .accept_party_gateway = c->args.accept_party_gateway,
        };
        if (c->args.name)
                snprintf(c->name, sizeof(c->name), "%s", c->args.name);
        else
                default_name(c->name, sizeof(c->name));
        memcpy(cc.name, c->name, sizeof(cc.name));
        r = client_core_new(&c->core, &cc);
        if (r < 0)
                return fail(c, r, "Failed to set up the client: %s.", error_text(r));
        snprintf(label, sizeof(label), "adapter \"%s\"", frame_device_get_name(c->device));
        client_loop_attach(&c->loop, c->core, c->routes, c->invite.host, label);
        return 0;
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
        c->core = client_core_free(c->core);
        udp_close(c);
        c->routes = route_manager_free(c->routes);
        c->device = frame_device_close(c->device);
}

static Client *client_free(Client *c) {
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
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Client *, client_free);

static int client_new(Client **ret) {
        _cleanup_(client_freep) Client *c = NULL;

        c = calloc(1, sizeof(Client));
        if (!c)
                return log_oom();
        c->udp = INVALID_SOCKET;
        c->udp_event = WSACreateEvent();
        c->stop_event = CreateEventW(NULL, FALSE, FALSE, NULL);
        c->address_event = CreateEventW(NULL, FALSE, FALSE, NULL);
        c->done_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (c->udp_event == WSA_INVALID_EVENT || !c->stop_event || !c->address_event || !c->done_event)
                return log_error_errno(errno_from_win32(GetLastError()), "Failed to create events: %m");
        client_loop_init(&c->loop, &loop_ops, c);
        *ret = TAKE_PTR(c);
        return 0;
}

/* Setup, the loop, teardown: the same on both faces. Returns the exit
 * code; c->failure says why when it is not 0. */
static int client_run(Client *c) {
        char mac[LP_MAC_STR_MAX];
        int r;

        r = client_setup(c);
        if (r >= 0) {
                say(c, "Joining room %s on relay %s as \"%s\" with MAC %s on %s.", c->invite.room, c->invite.host,
                    c->name, mac_to_string(&c->mac, mac), frame_device_get_name(c->device));
                r = client_core_start(c->core, now_ns());
                if (r < 0)
                        log_debug_errno(r, "First write failed, ignoring: %m");
                r = run_loop(c);
        }
        if (r >= 0 && client_core_get_phase(c->core) == CLIENT_PHASE_FAILED && !c->failure[0]) {
                const SessionEnd *end = client_core_get_last_end(c->core);

                snprintf(c->failure, sizeof(c->failure), "%s", end ? end->message : "The client stopped.");
        }
        c->exit_code = r >= 0 && client_core_get_phase(c->core) == CLIENT_PHASE_STOPPED ? EXIT_SUCCESS : EXIT_FAILURE;
        if (c->exit_code != EXIT_SUCCESS && !c->failure[0])
                snprintf(c->failure, sizeof(c->failure), "The client stopped: %s.", error_text(r < 0 ? r : -EIO));
        client_teardown(c);
        SetEvent(c->done_event);
        return c->exit_code;
}

/* ---- the console face ------------------------------------------------------------ */

static bool console_allocated;

static bool std_handle_usable(DWORD which) {
        HANDLE h = GetStdHandle(which);

        return h && h != INVALID_HANDLE_VALUE && GetFileType(h) != FILE_TYPE_UNKNOWN;
}

/* A Windows-subsystem program starts without a console. Output that is
 * redirected (a file, a pipe) is used as it is; otherwise we attach to the
 * console we were started from, or open one when `allocate`. */
static bool console_setup(bool allocate) {
        if (std_handle_usable(STD_OUTPUT_HANDLE) && std_handle_usable(STD_ERROR_HANDLE))
                return true;
        if (!AttachConsole(ATTACH_PARENT_PROCESS)) {
                if (!allocate || !AllocConsole())
                        return false;
                console_allocated = true;
        }
        if (!std_handle_usable(STD_OUTPUT_HANDLE))
                (void) !freopen("CONOUT$", "w", stdout);
        if (!std_handle_usable(STD_ERROR_HANDLE))
                (void) !freopen("CONOUT$", "w", stderr);
        SetConsoleOutputCP(CP_UTF8);
        return true;
}

/* A console we opened closes with us; let the player read it first. */
static void console_pause(void) {
        HANDLE in;
        char buf[8];
        DWORD n;

        if (!console_allocated)
                return;
        fputs("\nPress Enter to close this window.\n", stdout);
        fflush(stdout);
        in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                         OPEN_EXISTING, 0, NULL);
        if (in == INVALID_HANDLE_VALUE)
                return;
        (void) ReadFile(in, buf, sizeof(buf), &n, NULL);
        CloseHandle(in);
}

static BOOL WINAPI console_ctrl(DWORD type) {
        if (!console_stop_event)
                return FALSE;
        SetEvent(console_stop_event);
        if (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT) {
                /* Windows ends the process when we return: leave at once and
                 * wait until the routes are back. */
                SetEvent(console_stop_event);
                if (console_done_event)
                        WaitForSingleObject(console_done_event, SHUTDOWN_WAIT_MS);
        }
        return TRUE;
}

/* A hidden top-level window, so the console face also leaves cleanly when
 * asked the way Windows asks programs without a console to quit:
 * WM_CLOSE (`taskkill /im client.exe` without /f) and WM_ENDSESSION at
 * logoff. It lives on a thread of its own until the process exits. */
static LRESULT CALLBACK cli_window_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
        switch (msg) {
        case WM_CLOSE:
                SetEvent(console_stop_event);
                return 0;
        case WM_QUERYENDSESSION:
                return TRUE;
        case WM_ENDSESSION:
                if (wparam)
                        (void) console_ctrl(CTRL_LOGOFF_EVENT);
                return 0;
        default:
                return DefWindowProcW(hwnd, msg, wparam, lparam);
        }
}

static DWORD WINAPI cli_window_thread(void *userdata) {
        WNDCLASSW wc = {
                .lpfnWndProc = cli_window_proc,
                .hInstance = GetModuleHandleW(NULL),
                .lpszClassName = L"lanparty-client-cli",
        };
        HWND hwnd;
        MSG msg;

        if (!RegisterClassW(&wc))
                return 1;
        hwnd = CreateWindowExW(0, wc.lpszClassName, L"lanparty client", WS_OVERLAPPED, 0, 0, 0, 0, NULL, NULL,
                               wc.hInstance, NULL);
        if (!hwnd) {
                log_debug("Cannot create the hidden window, so WM_CLOSE will not stop us.");
                return 1;
        }
        while (GetMessageW(&msg, NULL, 0, 0) > 0)
                DispatchMessageW(&msg);
        return 0;
}

static const char *help_text(void) {
        return PROGRAM_NAME " [OPTIONS...] [INVITE-LINK | FILE.lanparty]\n\n"
               "Joins a LAN party through its relay: the TAP-Windows6 adapter becomes a port\n"
               "of the party's LAN. Without --cli a small window shows how it goes; without\n"
               "an invite it asks for one. Needs administrator rights.\n\n"
               "  -h --help                   Show this help\n"
               "     --version                Show the version\n"
               "     --cli                    Run in this console instead of a window\n"
               "     --list-tap-adapters      List the TAP-Windows6 adapters and exit\n"
               "     --restore                Undo what earlier runs left behind (the route to\n"
               "                              the relay, the adapter's settings) and exit;\n"
               "                              the uninstaller runs it\n"
               "     --tap-instance-id ID     Adapter to use, by GUID or connection name\n"
               "                              (needed only when there are several)\n"
               "  -n --name TEXT              Name the other players see (default: computer name)\n"
               "  -s --state-dir DIR          Keep the virtual MAC and the route state in DIR\n"
               "     --frame-device TYPE      tap (default) or null (no adapter, for tests)\n"
               "     --accept-party-gateway   Let the party's DHCP and router advertisements set\n"
               "                              this computer's default route and DNS servers;\n"
               "                              normally they are removed so your own internet\n"
               "                              keeps working\n"
               "  -v --verbose                Log debug messages\n\n"
               "In the console, status lines go to standard output and log messages to\n"
               "standard error; Ctrl-C leaves the room.\n";
}

/* Prints to the console when there is one, else shows a message box. */
static void print_or_show(bool error, const char *text) {
        if (console_setup(false)) {
                fputs(text, error ? stderr : stdout);
                fflush(error ? stderr : stdout);
        } else
                gui_message(NULL, MB_OK | (error ? MB_ICONERROR : MB_ICONINFORMATION), text);
}

static int list_adapters(void) {
        TapWinAdapter adapters[TAP_WIN_ADAPTERS_MAX];
        size_t n = 0;
        int r;

        console_setup(false);
        r = tap_win_adapters_list(adapters, ELEMENTSOF(adapters), &n);
        if (r < 0) {
                fprintf(stderr, "%s: Cannot list network adapters: %s.\n", PROGRAM_NAME, error_text(r));
                return EXIT_FAILURE;
        }
        if (n == 0) {
                fprintf(stderr, "%s: %s\n", PROGRAM_NAME, NO_TAP_MESSAGE);
                return EXIT_FAILURE;
        }
        printf("TAP-Windows6 adapters (use one with --tap-instance-id):\n");
        for (size_t i = 0; i < n; i++)
                printf("  %s  %s%s%s\n", adapters[i].instance_id, adapters[i].alias[0] ? "\"" : "",
                       adapters[i].alias[0] ? adapters[i].alias : "(no connection name)",
                       adapters[i].alias[0] ? "\"" : "");
        fflush(stdout);
        return EXIT_SUCCESS;
}

/* Reads the link from argv's invite: the link itself or a .lanparty file. */
static int invite_load(Client *c, const char *arg, char *error, size_t error_size) {
        wchar_t wpath[WIN_PATH_MAX];
        uint8_t data[CLIENT_WIN_INVITE_FILE_MAX + 1];
        int r, n;

        if (invite_source_classify(arg) == INVITE_SOURCE_LINK) {
                r = invite_text_clean(arg, c->link, sizeof(c->link));
                if (r < 0)
                        snprintf(error, error_size, "The invite link is too long.");
                return r;
        }
        r = utf8_to_wide(arg, wpath, ELEMENTSOF(wpath));
        n = r < 0 ? r : win_read_small_file(wpath, data, sizeof(data));
        if (n < 0) {
                snprintf(error, error_size, "Cannot read the invite file %s: %s.", arg,
                         n == -ENOENT ? "it does not exist" : error_text(n));
                return n;
        }
        r = invite_from_file_data(data, (size_t) n, c->link, sizeof(c->link));
        if (r < 0)
                snprintf(error, error_size, "The file %s does not hold a lanparty:// invite link%s.", arg,
                         r == -EFBIG ? " (it is far too big for one)" : "");
        return r;
}

static int run_cli(Client *c) {
        HANDLE thread;
        int r;

        console_stop_event = c->stop_event;
        console_done_event = c->done_event;
        /* A process may start with Ctrl-C ignored (inherited, or a new
         * process group); we want it. */
        SetConsoleCtrlHandler(NULL, FALSE);
        SetConsoleCtrlHandler(console_ctrl, TRUE);
        thread = CreateThread(NULL, 0, cli_window_thread, NULL, 0, NULL);
        if (thread)
                CloseHandle(thread);
        r = client_run(c);
        if (r != EXIT_SUCCESS && c->failure[0])
                fprintf(stderr, "%s: %s\n", PROGRAM_NAME, c->failure);
        fflush(stdout);
        fflush(stderr);
        return r;
}

/* ---- the window face ------------------------------------------------------------- */

static void gui_on_leave(void *userdata) {
        Client *c = userdata;

        SetEvent(c->stop_event);
}

static void gui_on_shutdown(void *userdata) {
        Client *c = userdata;

        SetEvent(c->stop_event);
        Sleep(10);
        SetEvent(c->stop_event);
        WaitForSingleObject(c->done_event, SHUTDOWN_WAIT_MS);
}

static DWORD WINAPI gui_worker(void *userdata) {
        Client *c = userdata;
        ClientLights l;
        int r;

        r = client_run(c);
        if (r != EXIT_SUCCESS) {
                /* Failed before the loop told the lights: say so there too. */
                if (!c->lights_posted) {
                        client_lights_decide(&(ClientDiagnostics) { .phase = CLIENT_PHASE_FAILED }, &l);
                        snprintf(l.light[CLIENT_LIGHT_RELAY].text, sizeof(l.light[CLIENT_LIGHT_RELAY].text),
                                 "Could not start: see the message below");
                        gui_post_lights(c->gui, &l);
                }
                say(c, "%s", c->failure);
        }
        gui_post_done(c->gui, r != EXIT_SUCCESS, r != EXIT_SUCCESS ? c->failure : NULL);
        return (DWORD) r;
}

static int run_gui(Client *c, HINSTANCE instance) {
        _cleanup_(gui_freep) Gui *g = NULL;
        GuiCallbacks cb = { .leave = gui_on_leave, .shutdown = gui_on_shutdown, .userdata = c };
        HANDLE thread;
        DWORD code = EXIT_FAILURE;
        int r;

        r = gui_new(&g, instance, c->invite.room, c->invite.host, &cb);
        if (r < 0) {
                gui_message(NULL, MB_OK | MB_ICONERROR, "Cannot open the lanparty window.");
                return EXIT_FAILURE;
        }
        c->gui = log_gui = g;
        log_set_backend(log_backend_gui);

        thread = CreateThread(NULL, 0, gui_worker, c, 0, NULL);
        if (!thread) {
                gui_message(g, MB_OK | MB_ICONERROR, "Cannot start the network thread.");
                return EXIT_FAILURE;
        }
        (void) gui_run(g);
        /* The window is gone: if the worker still runs (it cannot, unless
         * the window was destroyed from outside), make it leave. */
        SetEvent(c->stop_event);
        WaitForSingleObject(thread, INFINITE);
        GetExitCodeThread(thread, &code);
        CloseHandle(thread);
        log_set_backend(log_backend_stderr);
        log_gui = NULL;
        c->gui = NULL;
        return (int) code;
}

/* ---- main ---------------------------------------------------------------------------- */

/* --restore: what the uninstaller runs before it removes client.exe. */
static int run_restore(const ClientWinArgs *args) {
        console_setup(false);
        if (!is_elevated()) {
                print_or_show(true, PROGRAM_NAME ": " NOT_ADMIN_MESSAGE "\n");
                return EXIT_FAILURE;
        }
        /* What was undone, route by route. */
        if (log_get_max_level() < LOG_INFO)
                log_set_max_level(LOG_INFO);
        return restore_win_run(args->state_dir, stdout);
}

static int run(int argc, char **argv, HINSTANCE instance) {
        _cleanup_(client_freep) Client *c = NULL;
        char error[512] = "", hint[600];
        InviteError ie;
        const char *e;
        int r;

        log_set_max_level(LOG_NOTICE);
        e = getenv("LANPARTY_LOG_LEVEL");
        if (e && log_level_from_string(e) >= 0)
                log_set_max_level(log_level_from_string(e));

        r = client_new(&c);
        if (r < 0)
                return EXIT_FAILURE;

        if (client_win_args_parse(argc, argv, &c->args, error, sizeof(error)) < 0) {
                snprintf(hint, sizeof(hint), "%s: %s\n", PROGRAM_NAME, error);
                print_or_show(true, hint);
                return EXIT_USAGE;
        }
        if (c->args.verbose)
                log_set_max_level(LOG_DEBUG);

        switch (c->args.mode) {
        case CLIENT_WIN_MODE_HELP:
                print_or_show(false, help_text());
                return EXIT_SUCCESS;
        case CLIENT_WIN_MODE_VERSION:
                print_or_show(false, "lanparty client.exe " LANPARTY_VERSION "\n");
                return EXIT_SUCCESS;
        case CLIENT_WIN_MODE_LIST_ADAPTERS:
                return list_adapters();
        case CLIENT_WIN_MODE_RESTORE:
                return run_restore(&c->args);
        case CLIENT_WIN_MODE_CLI:
                console_setup(true);
                break;
        default:
                break;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (c->args.device_type == FRAME_DEVICE_TAP && !is_elevated()) {
                if (c->args.mode == CLIENT_WIN_MODE_CLI) {
                        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, NOT_ADMIN_MESSAGE);
                        console_pause();
                } else
                        gui_message(NULL, MB_OK | MB_ICONERROR, NOT_ADMIN_MESSAGE);
                return EXIT_FAILURE;
        }

        /* The link: from argv (a link or a .lanparty file), else asked for. */
        error[0] = '\0';
        if (c->args.invite && invite_load(c, c->args.invite, error, sizeof(error)) < 0 &&
            c->args.mode == CLIENT_WIN_MODE_CLI) {
                fprintf(stderr, "%s: %s\n", PROGRAM_NAME, error);
                console_pause();
                return EXIT_USAGE;
        }
        for (;;) {
                if (!error[0] && c->link[0]) {
                        if (invite_parse(c->link, &c->invite, &ie) >= 0)
                                break;
                        snprintf(error, sizeof(error), "This is not a valid invite link: %s.",
                                 invite_error_to_string(ie));
                }
                if (c->args.mode == CLIENT_WIN_MODE_CLI) {
                        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, error);
                        console_pause();
                        return EXIT_USAGE;
                }
                snprintf(hint, sizeof(hint), "%s%s", error, error[0] ? " Paste a fresh one." : "");
                r = gui_ask_invite(instance, hint[0] ? hint : NULL, c->link, sizeof(c->link));
                if (r <= 0)
                        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
                error[0] = '\0';
        }

        if (c->args.mode == CLIENT_WIN_MODE_CLI) {
                r = run_cli(c);
                if (r != EXIT_SUCCESS)
                        console_pause();
                return r;
        }
        return run_gui(c, instance);
}

/* mingw's CRT calls it with -municode; no header declares it. */
int wmain(int argc, wchar_t **wargv);
int wmain(int argc, wchar_t **wargv) {
        char **argv;
        WSADATA wsa;
        int r;

        /* The command line arrives in UTF-16; everything below is UTF-8. */
        argv = calloc((size_t) argc + 1, sizeof(char *));
        if (!argv)
                return EXIT_FAILURE;
        for (int i = 0; i < argc; i++) {
                size_t size = wcslen(wargv[i]) * 3 + 1;

                argv[i] = malloc(size);
                if (!argv[i] || wide_to_utf8(wargv[i], argv[i], size) < 0) {
                        print_or_show(true, PROGRAM_NAME ": the command line is not valid Unicode.\n");
                        return EXIT_USAGE;
                }
        }

        if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
                print_or_show(true, PROGRAM_NAME ": Windows networking (Winsock 2.2) is not available.\n");
                return EXIT_FAILURE;
        }
        /* A static GnuTLS runs no library constructor. */
        r = gnutls_global_init();
        if (r < 0) {
                print_or_show(true, PROGRAM_NAME ": Cannot initialise GnuTLS.\n");
                WSACleanup();
                return EXIT_FAILURE;
        }

        r = run(argc, argv, GetModuleHandleW(NULL));

        gnutls_global_deinit();
        WSACleanup();
        for (int i = 0; i < argc; i++)
                free(argv[i]);
        free(argv);
        return r;
}
