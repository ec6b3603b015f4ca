/* SPDX-License-Identifier: MIT */
#include "udp-win.h"

#include <errno.h>
#include <ws2tcpip.h>
#include <mswsock.h>

#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif

int errno_from_wsa(int e) {
        switch (e) {
        case WSAEWOULDBLOCK:
                return -EAGAIN;
        case WSAENETUNREACH:
                return -ENETUNREACH;
        case WSAEHOSTUNREACH:
                return -EHOSTUNREACH;
        case WSAECONNREFUSED:
                return -ECONNREFUSED;
        case WSAECONNRESET:
                return -ECONNRESET;
        case WSAEMSGSIZE:
                return -EMSGSIZE;
        case WSAENOBUFS:
                return -ENOBUFS;
        case WSAEADDRNOTAVAIL:
                return -EADDRNOTAVAIL;
        case WSAEAFNOSUPPORT:
                return -EAFNOSUPPORT;
        case WSAEACCES:
                return -EACCES;
        case WSAENETDOWN:
                return -ENETDOWN;
        case WSAETIMEDOUT:
                return -ETIMEDOUT;
        default:
                return -EIO;
        }
}

int udp_win_socket_open(int family, SOCKET *ret) {
        BOOL report_resets = FALSE;
        DWORD dont_fragment = 1, n = 0;
        SOCKET s;
        int r;

        if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;
        s = socket(family, SOCK_DGRAM, IPPROTO_UDP);
        if (s == INVALID_SOCKET)
                return errno_from_wsa(WSAGetLastError());
        /* Microsoft Learn, "IPPROTO_IP socket options" and "IPPROTO_IPV6
         * socket options": a DWORD, nonzero to set DF / not fragment. */
        if (setsockopt(s, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                       family == AF_INET ? IP_DONTFRAGMENT : IPV6_DONTFRAG, (const char *) &dont_fragment,
                       sizeof(dont_fragment)) == SOCKET_ERROR) {
                r = errno_from_wsa(WSAGetLastError());
                closesocket(s);
                return r;
        }
        /* Best effort: an old Winsock without it reports resets, which
         * process_udp() ignores. */
        (void) WSAIoctl(s, SIO_UDP_CONNRESET, &report_resets, sizeof(report_resets), NULL, 0, &n, NULL, NULL);
        *ret = s;
        return 0;
}

int udp_win_connect(const QuicAddr *remote, SOCKET *ret, QuicAddr *ret_local) {
        struct sockaddr_storage ss;
        int sl = sizeof(ss), r;
        SOCKET s;

        r = udp_win_socket_open(remote->sa.sa.sa_family, &s);
        if (r < 0)
                return r;
        if (connect(s, &remote->sa.sa, (int) remote->len) == SOCKET_ERROR ||
            getsockname(s, (struct sockaddr *) &ss, &sl) == SOCKET_ERROR) {
                r = errno_from_wsa(WSAGetLastError());
                closesocket(s);
                return r;
        }
        r = quic_addr_set(ret_local, (const ngtcp2_sockaddr *) &ss, (ngtcp2_socklen) sl);
        if (r < 0) {
                closesocket(s);
                return r;
        }
        *ret = s;
        return 0;
}
