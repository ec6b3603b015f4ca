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

/* Connected, as the client's relay socket (udp_win_connect(), also what
 * the path check asks): the local address is the source Windows picked
 * for the route to the relay, with the port it bound. */
static void test_connect(void) {
        struct sockaddr_in relay = { .sin_family = AF_INET, .sin_port = htons(4433) };
        QuicAddr remote, local;
        SOCKET s = INVALID_SOCKET;

        relay.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK_EQ_INT(quic_addr_set(&remote, (const ngtcp2_sockaddr *) &relay, sizeof(relay)), 0);
        CHECK_EQ_INT(udp_win_connect(&remote, &s, &local), 0);
        CHECK(s != INVALID_SOCKET);
        CHECK_EQ_INT(local.sa.sa.sa_family, AF_INET);
        CHECK(local.sa.in.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
        CHECK(local.sa.in.sin_port != 0);
        CHECK_EQ_INT(sockopt_dword(s, IPPROTO_IP, IP_DONTFRAGMENT), 1);
        closesocket(s);
}

int main(void) {
        WSADATA wsa;

        CHECK(WSAStartup(MAKEWORD(2, 2), &wsa) == 0);
        RUN(test_hostile);
        RUN(test_dont_fragment);
        RUN(test_connect);
        WSACleanup();
        return 0;
}
