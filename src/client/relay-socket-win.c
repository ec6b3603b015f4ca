/* SPDX-License-Identifier: MIT */
/* client.exe's UDP socket to the relay: looking the relay up, connecting,
 * sending and reading, and moving the connection when our address
 * towards the relay changes. One socket, connected, its reads signalled
 * through c->udp_event (WSAEventSelect) to the loop (loop-win.c). */
#include <winsock2.h>
#include <ws2tcpip.h>

#include "client-win.h"

#include <errno.h>

#include "adapter-addresses-win.h"
#include "log.h"
#include "platform-win.h"
#include "relay-resolve.h"
#include "udp-win.h"

#define UDP_BATCH 256

/* At start-up, where the player waits for it; why it failed is for
 * setup-win.c's message. */
int relay_lookup_first(void *userdata, QuicAddr *ret) {
        Client *c = userdata;

        client_say(c, "Looking up relay %s...", c->invite.host);
        return relay_resolve(&c->invite, ret, c->resolve_reason, sizeof(c->resolve_reason));
}

/* A new attempt needs no reason: the core reports why it failed. */
int relay_lookup_again(void *userdata, QuicAddr *ret) {
        Client *c = userdata;
        char reason[128];

        return relay_resolve(&c->invite, ret, reason, sizeof(reason));
}

int relay_on_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        Client *c = userdata;

        if (c->udp == INVALID_SOCKET)
                return -EBADF;
        if (len > INT32_MAX)
                return -EMSGSIZE;
        /* The socket is connected to the relay, from path->local: after a
         * migration (relay_path_check()) it is the new one. */
        if (send(c->udp, (const char *) data, (int) len, 0) == SOCKET_ERROR) {
                int r = errno_from_wsa(WSAGetLastError());

                /* Our source address may be gone: look at once (client_run_loop()). */
                if (client_send_error_path_gone(r))
                        c->send_refused = true;
                return r;
        }
        return 0;
}

void relay_socket_close(Client *c) {
        if (c->udp == INVALID_SOCKET)
                return;
        /* Also cancels the WSAEventSelect() association. */
        closesocket(c->udp);
        c->udp = INVALID_SOCKET;
        if (c->udp_event != WSA_INVALID_EVENT)
                WSAResetEvent(c->udp_event);
}

int relay_on_connect(ClientCore *core, QuicAddr *ret_local, QuicAddr *ret_remote, void *userdata) {
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
                log_warning("Cannot reach relay %s: %s", client_addr_to_text(&remote, text), client_error_text(r));
                return r;
        }
        if (WSAEventSelect(s, c->udp_event, FD_READ) == SOCKET_ERROR) {
                r = errno_from_wsa(WSAGetLastError());
                closesocket(s);
                return r;
        }

        relay_socket_close(c);
        c->udp = s;
        c->udp_local = local;
        *ret_local = local;
        *ret_remote = remote;
        client_loop_relay_connected(&c->loop, &remote, client_addr_to_text(&remote, text));
        return 0;
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
void relay_path_check(void *userdata, uint64_t now) {
        Client *c = userdata;
        char text[CLIENT_ADDRESS_TEXT_MAX];
        QuicAddr local, old_local;
        SOCKET s, old;
        int r;

        if (c->udp == INVALID_SOCKET || !c->loop.have_last || client_core_get_phase(c->setup.core) != CLIENT_PHASE_JOINED)
                return;
        c->path_checked_at = now;
        r = udp_win_connect(&c->loop.last, &s, &local);
        if (r < 0) {
                log_debug_errno(r, "No way to relay %s right now: %s", c->loop.last_text, client_error_text(r));
                return;
        }
        if (client_addr_same_host(&local, &c->udp_local) ||
            (client_device_is_tap(c) && adapter_has_address(frame_device_get_index(c->setup.device), &local))) {
                closesocket(s);
                return;
        }
        /* The old socket keeps its own association with the event until
         * it is closed; both may share it. */
        if (WSAEventSelect(s, c->udp_event, FD_READ) == SOCKET_ERROR) {
                r = errno_from_wsa(WSAGetLastError());
                closesocket(s);
                log_debug_errno(r, "WSAEventSelect() failed, not moving: %s", client_error_text(r));
                return;
        }

        /* Nothing is queued: on_send() hands each packet to send() at
         * once. What migrating writes (PATH_CHALLENGE) is for the new one. */
        old = c->udp;
        old_local = c->udp_local;
        c->udp = s;
        c->udp_local = local;
        r = client_core_migrate(c->setup.core, &local, now);
        if (r < 0) {
                c->udp = old;
                c->udp_local = old_local;
                closesocket(s);
                log_notice("Our address towards relay %s changed to %s, but the connection cannot move (%s); "
                           "it reconnects if the old address stopped working.",
                           c->loop.last_text, client_addr_to_text(&local, text), client_error_text(r));
                return;
        }
        closesocket(old);
        client_say(c, "Our address changed; the connection moved to %s.", client_addr_to_text(&local, text));
}

void relay_socket_process(Client *c, uint64_t now) {
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
                (void) client_core_read_packet(c->setup.core, &remote, c->udp_buffer, (size_t) n, now);
        }
        (void) client_core_write(c->setup.core, now);
}
