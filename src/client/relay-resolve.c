/* SPDX-License-Identifier: MIT */
/* getaddrinfo() is the same call in Winsock and libc; only its error
 * codes differ, hence the one #ifdef. */
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#define _GNU_SOURCE
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif
#include "relay-resolve.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* A failed lookup as a negative errno, and in words. */
static int lookup_error(int r, char *reason, size_t reason_size) {
#ifdef _WIN32
        /* Winsock's own texts for the two a player meets are obscure. */
        snprintf(reason, reason_size, "%s", r == EAI_NONAME ? "no such host name"
                                            : r == EAI_AGAIN ? "the name server did not answer"
                                                             : gai_strerror(r));
        return r == EAI_MEMORY ? -ENOMEM : -EHOSTUNREACH;
#else
        int e = r == EAI_SYSTEM ? errno : r == EAI_MEMORY ? ENOMEM : EHOSTUNREACH;

        snprintf(reason, reason_size, "%s", r == EAI_SYSTEM ? strerror(e) : gai_strerror(r));
        return -e;
#endif
}

int relay_resolve(const Invite *invite, QuicAddr *ret, char *reason, size_t reason_size) {
        struct addrinfo hints = {
                .ai_family = AF_UNSPEC,
                .ai_socktype = SOCK_DGRAM,
                .ai_protocol = IPPROTO_UDP,
                .ai_flags = AI_NUMERICSERV | (invite->host_type == INVITE_HOST_DNS ? 0 : AI_NUMERICHOST),
        };
        struct addrinfo *res = NULL;
        char port[8];
        int r;

        snprintf(port, sizeof(port), "%u", (unsigned) invite->port);
        r = getaddrinfo(invite->host, port, &hints, &res);
        if (r != 0) {
                r = lookup_error(r, reason, reason_size);
                log_warning("Cannot resolve relay %s: %s", invite->host, reason);
                return r;
        }
        /* Sorted by RFC 6724 (glibc, Windows): the first answer is the one to use. */
        r = -EAFNOSUPPORT;
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
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
