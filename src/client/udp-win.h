/* SPDX-License-Identifier: MIT */
#pragma once

/* The UDP socket client.exe talks QUIC over. Windows only. */

#include <winsock2.h>

/* A UDP socket of `family` (AF_INET or AF_INET6) set up for QUIC:
 *  - don't fragment (IP_DONTFRAGMENT / IPV6_DONTFRAG): QUIC's path MTU
 *    probes must be lost when they are too big for the path, not
 *    "succeed" as fragments that paths dropping fragments then lose
 *    with every full-size frame (RFC 9000 14.1 requires DF for QUIC);
 *  - no WSAECONNRESET from recv() after an ICMP port unreachable
 *    (SIO_UDP_CONNRESET off): QUIC notices a dead relay by itself.
 * Returns 0 with *ret, or a negative errno (the socket is closed). */
int udp_win_socket_open(int family, SOCKET *ret);

/* A WSA error code as a negative errno. */
int errno_from_wsa(int e);
