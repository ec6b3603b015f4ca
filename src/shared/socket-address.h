/* SPDX-License-Identifier: MIT */
#pragma once

/* UDP socket addresses as the daemons show and accept them: "[::]:443",
 * "192.0.2.1:443". Linux only (src/shared is for the Linux daemons). */

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

/* "[" + IPv6 text + "]:" + port + NUL */
#define SOCKET_ADDRESS_STR_MAX (INET6_ADDRSTRLEN + 2 + 1 + 5 + 1)

typedef struct SocketAddress {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
                struct sockaddr_storage storage;
        };
        socklen_t size;
} SocketAddress;

/* Parses a listen address: "PORT", "PORT/udp", "IPv4:PORT" or "[IPv6]:PORT",
 * each optionally followed by "/udp". A bare port means [::], which the
 * caller binds dual-stack. No host names: nothing here touches DNS.
 * Returns 0, or -EINVAL with *ret_reason set to a static sentence fragment
 * ("port must be an integer 1..65535") for the caller's error message. */
int socket_address_parse_listen(const char *s, SocketAddress *ret, const char **ret_reason);

/* Formats "192.0.2.1:443" or "[2001:db8::1]:443"; IPv4-mapped IPv6
 * addresses (what a dual-stack socket reports for IPv4 peers) are shown as
 * IPv4. Returns buf; "(unknown)" for families other than AF_INET/AF_INET6
 * or a size too small for the family. */
const char *socket_address_format(const struct sockaddr *sa, socklen_t size,
                                  char buf[static SOCKET_ADDRESS_STR_MAX]);
