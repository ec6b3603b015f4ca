/* SPDX-License-Identifier: MIT */
#include "socket-address.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "host-port.h"
#include "macro.h"

/* The longest address part we accept: a bracketed IPv6 literal and a port. */
#define LISTEN_ADDRESS_MAX (INET6_ADDRSTRLEN + 2 + 1 + 5)

static const char reason_syntax[] = "expected PORT, PORT/udp, IPv4:PORT or [IPv6]:PORT";
static const char reason_port[] = "port must be an integer 1..65535";
static const char reason_ipv4[] = "invalid IPv4 address (host names are not resolved)";

/* The daemons' wording for what the shared host:port parser refused. */
static const char *listen_reason(HostPortError e, const char *s, size_t n) {
        bool bracketed = s[0] == '[';

        switch (e) {
        case HOST_PORT_ERROR_BAD_PORT:
        case HOST_PORT_ERROR_PORT_OUT_OF_RANGE:
                return reason_port;
        case HOST_PORT_ERROR_IPV6_UNBRACKETED:
                return "IPv6 addresses must be in brackets, e.g. [::1]:443";
        case HOST_PORT_ERROR_BAD_BRACKETS:
        case HOST_PORT_ERROR_PORT_MISSING:
                return reason_syntax;
        case HOST_PORT_ERROR_BAD_IPV6:
                if (memchr(s, '%', n))
                        return "IPv6 zone indices (%) are not supported";
                return "invalid IPv6 address";
        default:
                return bracketed ? "invalid IPv6 address" : reason_ipv4;
        }
}

static int listen_fail(const char **ret_reason, const char *reason) {
        if (ret_reason)
                *ret_reason = reason;
        return -EINVAL;
}

/* "IPv4:PORT" or "[IPv6]:PORT", by the invite link's host:port rules
 * (except that ports may have leading zeros, as Listen= always allowed),
 * limited to addresses: a listen address is never looked up. */
static int listen_address_parse(const char *s, size_t n, SocketAddress *ret, const char **ret_reason) {
        SocketAddress a = {};
        HostPortError e;
        HostPort hp;

        if (host_port_parse(s, n, 0, HOST_PORT_PORT_LEADING_ZEROS, &hp, &e) < 0)
                return listen_fail(ret_reason, listen_reason(e, s, n));

        switch (hp.host_type) {
        case INVITE_HOST_IPV4:
                a.in.sin_family = AF_INET;
                a.in.sin_port = htons(hp.port);
                if (inet_pton(AF_INET, hp.host, &a.in.sin_addr) != 1)
                        return listen_fail(ret_reason, reason_ipv4);
                a.size = sizeof(a.in);
                break;
        case INVITE_HOST_IPV6:
                a.in6.sin6_family = AF_INET6;
                a.in6.sin6_port = htons(hp.port);
                if (inet_pton(AF_INET6, hp.host, &a.in6.sin6_addr) != 1)
                        return listen_fail(ret_reason, "invalid IPv6 address");
                a.size = sizeof(a.in6);
                break;
        default:
                return listen_fail(ret_reason, reason_ipv4);
        }
        *ret = a;
        return 0;
}

int socket_address_parse_listen(const char *s, SocketAddress *ret, const char **ret_reason) {
        const char *slash;
        HostPortError e;
        uint16_t port;
        size_t len;
        int r;

        if (!s || !ret)
                return -EINVAL;

        slash = strchr(s, '/');
        len = slash ? (size_t) (slash - s) : strlen(s);
        if (slash && strcmp(slash, "/udp") != 0)
                return listen_fail(ret_reason, "the only protocol is udp (PORT/udp)");
        if (len == 0)
                return listen_fail(ret_reason, reason_syntax);
        if (len > LISTEN_ADDRESS_MAX)
                return listen_fail(ret_reason, "address too long");

        if (s[0] == '[' || memchr(s, ':', len)) {
                r = listen_address_parse(s, len, ret, ret_reason);
                if (r < 0)
                        return r;
        } else {
                /* A bare port: [::], which the caller binds dual-stack. */
                if (port_parse(s, len, HOST_PORT_PORT_LEADING_ZEROS, &port, &e) < 0)
                        return listen_fail(ret_reason, reason_port);
                *ret = (SocketAddress) {
                        .in6.sin6_family = AF_INET6,
                        .in6.sin6_port = htons(port),
                        .in6.sin6_addr = in6addr_any,
                        .size = sizeof(struct sockaddr_in6),
                };
        }

        if (ret_reason)
                *ret_reason = NULL;
        return 0;
}

const char *socket_address_format(const struct sockaddr *sa, socklen_t size,
                                  char buf[static SOCKET_ADDRESS_STR_MAX]) {
        char host[INET6_ADDRSTRLEN];

        if (sa && sa->sa_family == AF_INET && size >= (socklen_t) sizeof(struct sockaddr_in)) {
                const struct sockaddr_in *in = (const struct sockaddr_in *) sa;

                if (inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host)))
                        snprintf(buf, SOCKET_ADDRESS_STR_MAX, "%s:%u", host, ntohs(in->sin_port));
                else
                        snprintf(buf, SOCKET_ADDRESS_STR_MAX, "(unknown)");
                return buf;
        }

        if (sa && sa->sa_family == AF_INET6 && size >= (socklen_t) sizeof(struct sockaddr_in6)) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;

                if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
                        if (inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], host, sizeof(host)))
                                snprintf(buf, SOCKET_ADDRESS_STR_MAX, "%s:%u", host, ntohs(in6->sin6_port));
                        else
                                snprintf(buf, SOCKET_ADDRESS_STR_MAX, "(unknown)");
                } else if (inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host)))
                        snprintf(buf, SOCKET_ADDRESS_STR_MAX, "[%s]:%u", host, ntohs(in6->sin6_port));
                else
                        snprintf(buf, SOCKET_ADDRESS_STR_MAX, "(unknown)");
                return buf;
        }

        snprintf(buf, SOCKET_ADDRESS_STR_MAX, "(unknown)");
        return buf;
}
