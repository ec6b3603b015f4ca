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
         * migration (client_loop_path_check()) it is the new one. */
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
        *ret_local = local;
        *ret_remote = remote;
        client_loop_relay_connected(&c->loop, &remote, &local, client_addr_to_text(&remote, text));
        return 0;
}

/* ---- the path check (client_loop_path_check()) --------------------------------- */

int relay_path_open(void *userdata, const QuicAddr *relay, QuicAddr *ret_local) {
        Client *c = userdata;

        if (c->udp == INVALID_SOCKET)
                return -EBADF;
        return udp_win_connect(relay, &c->candidate, ret_local);
}

bool relay_path_on_device(void *userdata, const QuicAddr *local) {
        Client *c = userdata;

        return client_device_is_tap(c) && adapter_has_address(frame_device_get_index(c->setup.device), local);
}

/* The old socket keeps its own association with the event until it is
 * closed; both may share it. */
int relay_path_prepare(void *userdata) {
        Client *c = userdata;
        int r;

        if (WSAEventSelect(c->candidate, c->udp_event, FD_READ) == SOCKET_ERROR) {
                r = errno_from_wsa(WSAGetLastError());
                log_debug_errno(r, "WSAEventSelect() failed, not moving: %s", client_error_text(r));
                return r;
        }
        return 0;
}

/* Nothing is queued: relay_on_send() hands each packet to send() at once. */
void relay_path_swap(void *userdata) {
        Client *c = userdata;
        SOCKET s = c->udp;

        c->udp = c->candidate;
        c->candidate = s;
}

void relay_path_drop(void *userdata) {
        Client *c = userdata;

        if (c->candidate != INVALID_SOCKET)
                closesocket(c->candidate);
        c->candidate = INVALID_SOCKET;
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
