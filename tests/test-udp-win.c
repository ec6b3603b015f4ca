/* SPDX-License-Identifier: MIT */
/* client.exe's UDP socket: don't-fragment set for both families, so
 * QUIC's path MTU probes cannot pass as fragments. Runs under wine or
 * Windows. */
#include <errno.h>
#include <stdio.h>
#include <winsock2.h>
#include <ws2tcpip.h>

#include "test-util.h"
#include "udp-win.h"

static DWORD sockopt_dword(SOCKET s, int level, int name) {
        DWORD v = 0xdead;
        int len = sizeof(v);

        CHECK(getsockopt(s, level, name, (char *) &v, &len) == 0);
        return v;
}

static void test_dont_fragment(void) {
        SOCKET s = INVALID_SOCKET;

        CHECK_EQ_INT(udp_win_socket_open(AF_INET, &s), 0);
        CHECK(s != INVALID_SOCKET);
        CHECK_EQ_INT(sockopt_dword(s, IPPROTO_IP, IP_DONTFRAGMENT), 1);
        closesocket(s);

        s = INVALID_SOCKET;
        CHECK_EQ_INT(udp_win_socket_open(AF_INET6, &s), 0);
        CHECK(s != INVALID_SOCKET);
        CHECK_EQ_INT(sockopt_dword(s, IPPROTO_IPV6, IPV6_DONTFRAG), 1);
        closesocket(s);
}

static void test_hostile(void) {
        SOCKET s = INVALID_SOCKET;

        CHECK_EQ_INT(udp_win_socket_open(AF_UNIX, &s), -EAFNOSUPPORT);
        CHECK_EQ_INT(udp_win_socket_open(0, &s), -EAFNOSUPPORT);
        CHECK(s == INVALID_SOCKET);
        CHECK_EQ_INT(errno_from_wsa(WSAEMSGSIZE), -EMSGSIZE);
        CHECK_EQ_INT(errno_from_wsa(WSAEWOULDBLOCK), -EAGAIN);
        CHECK_EQ_INT(errno_from_wsa(123456), -EIO);
}

int main(void) {
        WSADATA wsa;

        CHECK(WSAStartup(MAKEWORD(2, 2), &wsa) == 0);
        RUN(test_hostile);
        RUN(test_dont_fragment);
        WSACleanup();
        return 0;
}
