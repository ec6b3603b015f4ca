/* SPDX-License-Identifier: MIT */
#pragma once

/* The UDP socket client.exe talks QUIC over. Windows only. */

#include <winsock2.h>

#include "quic.h"

/* A UDP socket of `family` (AF_INET or AF_INET6) set up for QUIC:
 *  - don't fragment (IP_DONTFRAGMENT / IPV6_DONTFRAG): QUIC's path MTU
 *    probes must be lost when they are too big for the path, not
 *    "succeed" as fragments that paths dropping fragments then lose
 *    with every full-size frame (RFC 9000 14.1 requires DF for QUIC);
 *  - no WSAECONNRESET from recv() after an ICMP port unreachable
 *    (SIO_UDP_CONNRESET off): QUIC notices a dead relay by itself.
 * Returns 0 with *ret, or a negative errno (the socket is closed). */
int udp_win_socket_open(int family, SOCKET *ret);

/* A socket as udp_win_socket_open() makes it, connected to `remote`, and
 * the local address Windows chose for it: the source of the current
 * route's preferred address. Connected, so Windows picks that source for
 * us. Errors are returned, not logged (a path check asks every second).
 * Returns 0 with *ret and *ret_local, or a negative errno. */
int udp_win_connect(const QuicAddr *remote, SOCKET *ret, QuicAddr *ret_local);

/* A WSA error code as a negative errno. */
int errno_from_wsa(int e);
