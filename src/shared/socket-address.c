/* SPDX-License-Identifier: MIT */
#include "socket-address.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"

/* The longest address part we accept: a bracketed IPv6 literal and a port. */
#define LISTEN_ADDRESS_MAX (INET6_ADDRSTRLEN + 2 + 1 + 5)

static int parse_port(const char *s, size_t len, uint16_t *ret) {
        uint32_t v = 0;

        /* Digits only: no sign, no spaces, no hex; at most 5 so v cannot
         * overflow before the range check. */
        if (len == 0 || len > 5)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (uint32_t) (s[i] - '0');
        }
        if (v < 1 || v > UINT16_MAX)
                return -EINVAL;
        *ret = (uint16_t) v;
        return 0;
}

static int listen_fail(const char **ret_reason, const char *reason) {
        if (ret_reason)
                *ret_reason = reason;
        return -EINVAL;
}

int socket_address_parse_listen(const char *s, SocketAddress *ret, const char **ret_reason) {
        static const char reason_syntax[] = "expected PORT, PORT/udp, IPv4:PORT or [IPv6]:PORT";
        static const char reason_port[] = "port must be an integer 1..65535";
        char buf[LISTEN_ADDRESS_MAX + 1];
        const char *slash;
        SocketAddress a = {};
        uint16_t port;
        size_t len;

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
        memcpy(buf, s, len);
        buf[len] = '\0';

        if (buf[0] == '[') {
                char *close = strchr(buf, ']');

                if (!close || close[1] != ':')
                        return listen_fail(ret_reason, reason_syntax);
                *close = '\0';
                if (strchr(buf + 1, '%'))
                        return listen_fail(ret_reason, "IPv6 zone indices (%) are not supported");
                if (parse_port(close + 2, strlen(close + 2), &port) < 0)
                        return listen_fail(ret_reason, reason_port);
                a.in6.sin6_family = AF_INET6;
                a.in6.sin6_port = htons(port);
                if (inet_pton(AF_INET6, buf + 1, &a.in6.sin6_addr) != 1)
                        return listen_fail(ret_reason, "invalid IPv6 address");
                a.size = sizeof(a.in6);
        } else if (strchr(buf, ':')) {
                char *colon = strchr(buf, ':');

                if (strchr(colon + 1, ':'))
                        return listen_fail(ret_reason, "IPv6 addresses must be in brackets, e.g. [::1]:443");
                *colon = '\0';
                if (parse_port(colon + 1, strlen(colon + 1), &port) < 0)
                        return listen_fail(ret_reason, reason_port);
                a.in.sin_family = AF_INET;
                a.in.sin_port = htons(port);
                if (inet_pton(AF_INET, buf, &a.in.sin_addr) != 1)
                        return listen_fail(ret_reason, "invalid IPv4 address (host names are not resolved)");
                a.size = sizeof(a.in);
        } else {
                if (parse_port(buf, len, &port) < 0)
                        return listen_fail(ret_reason, reason_port);
                a.in6.sin6_family = AF_INET6;
                a.in6.sin6_port = htons(port);
                a.in6.sin6_addr = in6addr_any;
                a.size = sizeof(a.in6);
        }

        *ret = a;
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
