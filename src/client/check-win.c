/* SPDX-License-Identifier: MIT */
/* The party check's OS half on Windows (check-os.h): Winsock sockets as a
 * game opens them (SO_BROADCAST; IP_DONTFRAGMENT for the full-size
 * ladder), and through win_sys what Windows' IP stack says: the interface
 * GetBestRoute2() picks for 255.255.255.255 and 239.255.255.250 (Windows
 * sends a limited broadcast through the interface of the best
 * 255.255.255.255/32 route, every interface having one, the lowest metric
 * winning: see route-win.c), the interface metrics, the TAP's address
 * (GetAdaptersAddresses), the category of the network on it (Windows
 * Firewall's profile) and its neighbour entry for a LAN host
 * (GetIpNetEntry2). */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include "check-os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter-addresses-win.h"
#include "log.h"
#include "macro.h"
#include "party-check.h"
#include "platform-win.h"
#include "udp-win.h"
#include "win-sys.h"

#define DISCARD_PORT 9

struct CheckListener {
        SOCKET socket;
};

struct CheckSender {
        SOCKET socket;
};

static int last_wsa_error(void) {
        return errno_from_wsa(WSAGetLastError());
}

int check_os_listen(CheckListener **ret, uint16_t *ret_port) {
        struct sockaddr_in sa = { .sin_family = AF_INET };
        int len = sizeof(sa), r;
        u_long nonblocking = 1;
        CheckListener *l;

        l = calloc(1, sizeof(CheckListener));
        if (!l)
                return -ENOMEM;
        l->socket = win_sys->socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        if (l->socket == INVALID_SOCKET) {
                r = last_wsa_error();
                free(l);
                return r;
        }
        if (win_sys->ioctlsocket(l->socket, FIONBIO, &nonblocking) == SOCKET_ERROR ||
            win_sys->bind(l->socket, (struct sockaddr *) &sa, sizeof(sa)) == SOCKET_ERROR ||
            win_sys->getsockname(l->socket, (struct sockaddr *) &sa, &len) == SOCKET_ERROR) {
                r = last_wsa_error();
                check_os_listener_free(l);
                return r;
        }
        *ret_port = ntohs(sa.sin_port);
        *ret = l;
        return 0;
}

CheckListener *check_os_listener_free(CheckListener *l) {
        if (!l)
                return NULL;
        win_sys->closesocket(l->socket);
        free(l);
        return NULL;
}

int check_os_listener_fd(const CheckListener *l) {
        return -EBADF;
}

int check_os_receive(CheckListener *l, uint8_t *buf, size_t size) {
        int n = win_sys->recv(l->socket, (char *) buf, (int) MIN(size, (size_t) INT32_MAX), 0);

        /* A datagram larger than buf is WSAEMSGSIZE: not a probe of ours,
         * and it is gone; the next one may be. */
        if (n == SOCKET_ERROR)
                return WSAGetLastError() == WSAEMSGSIZE ? 0 : last_wsa_error();
        return n;
}

int check_os_sender_open(CheckSender **ret) {
        CheckSender *s;
        BOOL on = TRUE;
        int r;

        s = calloc(1, sizeof(CheckSender));
        if (!s)
                return -ENOMEM;
        s->socket = win_sys->socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        if (s->socket == INVALID_SOCKET) {
                r = last_wsa_error();
                free(s);
                return r;
        }
        (void) win_sys->setsockopt(s->socket, SOL_SOCKET, SO_BROADCAST, (const char *) &on, sizeof(on));
        *ret = s;
        return 0;
}

CheckSender *check_os_sender_free(CheckSender *s) {
        if (!s)
                return NULL;
        win_sys->closesocket(s->socket);
        free(s);
        return NULL;
}

void check_os_sender_dont_fragment(CheckSender *s) {
        DWORD on = 1;

        /* IP_DONTFRAGMENT: DF set; a datagram larger than the interface
         * MTU fails with WSAEMSGSIZE instead of going out in fragments. */
        if (win_sys->setsockopt(s->socket, IPPROTO_IP, IP_DONTFRAGMENT, (const char *) &on, sizeof(on)) == SOCKET_ERROR)
                log_debug_errno(last_wsa_error(), "Party check: IP_DONTFRAGMENT failed, ignoring: %m");
}

int check_os_send(CheckSender *s, uint32_t dst, const uint8_t *buf, size_t len) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(LP_CHECK_PORT),
                                  .sin_addr.s_addr = htonl(dst) };

        if (win_sys->sendto(s->socket, (const char *) buf, (int) len, 0, (struct sockaddr *) &sa, sizeof(sa)) == SOCKET_ERROR)
                return last_wsa_error();
        return 0;
}

/* The alias ("Ethernet 2") and IPv4 metric of an interface. */
static void interface_describe(const NET_LUID *luid, char *name, size_t size, uint32_t *ret_metric) {
        MIB_IPINTERFACE_ROW row = { .Family = AF_INET, .InterfaceLuid = *luid };
        wchar_t alias[NDIS_IF_MAX_STRING_SIZE + 1];

        if (name) {
                name[0] = '\0';
                if (win_sys->ConvertInterfaceLuidToAlias(luid, alias, ELEMENTSOF(alias)) != NO_ERROR ||
                    wide_to_utf8(alias, name, size) < 0)
                        name[0] = '\0';
        }
        *ret_metric = win_sys->GetIpInterfaceEntry(&row) == NO_ERROR ? row.Metric : 0;
}

/* Which interface Windows sends a datagram to `dst` through, and its
 * metric: GetBestRoute2()'s pick. */
static void route_interface(uint32_t dst, char *name, size_t size, uint32_t *ret_metric) {
        SOCKADDR_INET to = { .Ipv4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(dst) } }, source;
        MIB_IPFORWARD_ROW2 route;
        DWORD e;

        name[0] = '\0';
        *ret_metric = 0;
        e = win_sys->GetBestRoute2(NULL, 0, NULL, &to, 0, &route, &source);
        if (e != NO_ERROR) {
                log_debug_errno(errno_from_win32(e), "Party check: GetBestRoute2() failed, ignoring: %m");
                return;
        }
        interface_describe(&route.InterfaceLuid, name, size, ret_metric);
}

/* The TAP's first IPv4 address and its network's broadcast address. */
static void tap_address(uint32_t ifindex, uint32_t *ret_address, uint32_t *ret_broadcast) {
        _cleanup_free_ IP_ADAPTER_ADDRESSES *list = NULL;

        *ret_address = 0;
        *ret_broadcast = 0;
        if (adapter_addresses_get(AF_INET, &list) < 0)
                return;
        for (IP_ADAPTER_ADDRESSES *a = list; a; a = a->Next) {
                if (a->IfIndex != ifindex)
                        continue;
                for (IP_ADAPTER_UNICAST_ADDRESS *u = a->FirstUnicastAddress; u; u = u->Next) {
                        uint32_t addr, mask;

                        if (!u->Address.lpSockaddr || u->Address.lpSockaddr->sa_family != AF_INET)
                                continue;
                        addr = ntohl(((struct sockaddr_in *) u->Address.lpSockaddr)->sin_addr.s_addr);
                        mask = u->OnLinkPrefixLength == 0 || u->OnLinkPrefixLength > 32
                                       ? UINT32_MAX
                                       : UINT32_MAX << (32 - u->OnLinkPrefixLength);
                        *ret_address = addr;
                        if (mask != UINT32_MAX && mask != UINT32_MAX - 1)
                                *ret_broadcast = addr | ~mask;
                        return;
                }
                return;
        }
}

/* Whether Windows files the network on the TAP as Public (Windows
 * Firewall's public profile); false when it shows none there or the
 * Network List cannot say. */
static bool tap_network_public(const NET_LUID *luid) {
        WinNetworkCategory category;
        GUID guid;

        if (win_sys->ConvertInterfaceLuidToGuid(luid, &guid) != NO_ERROR)
                return false;
        return win_sys->network_category_get(&guid, &category) == S_OK && category == WIN_NETWORK_CATEGORY_PUBLIC;
}

void check_os_observe(const FrameDevice *device, ClientCheckFacts *f, uint32_t *ret_directed_broadcast) {
        uint32_t ifindex = frame_device_get_index(device), multicast_metric;
        char alias[CLIENT_CHECK_IFNAME_MAX];
        NET_LUID luid;

        f->platform = CLIENT_CHECK_PLATFORM_WINDOWS;
        tap_address(ifindex, &f->tap_address, ret_directed_broadcast);
        if (win_sys->ConvertInterfaceIndexToLuid(ifindex, &luid) == NO_ERROR) {
                /* The same alias the route's interface gets, to compare. */
                interface_describe(&luid, alias, sizeof(alias), &f->tap_metric);
                if (alias[0])
                        snprintf(f->tap_name, sizeof(f->tap_name), "%s", alias);
                f->tap_network_public = tap_network_public(&luid);
        }
        route_interface(UINT32_MAX, f->broadcast_ifname, sizeof(f->broadcast_ifname), &f->broadcast_metric);
        route_interface(LP_CHECK_MULTICAST_ADDR, f->multicast_ifname, sizeof(f->multicast_ifname), &multicast_metric);
}

/* Makes Windows resolve the LAN host: a datagram to its discard port. */
void check_os_arp_ask(const FrameDevice *device, uint32_t host) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(DISCARD_PORT),
                                  .sin_addr.s_addr = htonl(host) };
        SOCKET s = win_sys->socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        u_long nonblocking = 1;

        if (s == INVALID_SOCKET)
                return;
        (void) win_sys->ioctlsocket(s, FIONBIO, &nonblocking);
        (void) win_sys->sendto(s, "", 0, 0, (struct sockaddr *) &sa, sizeof(sa));
        win_sys->closesocket(s);
}

/* Whether Windows' neighbour table holds the host's MAC on the TAP:
 * GetIpNetEntry2() looks the entry up without resolving anything. */
bool check_os_arp_answered(const FrameDevice *device, uint32_t host) {
        MIB_IPNET_ROW2 row = { .InterfaceIndex = frame_device_get_index(device) };

        row.Address.Ipv4.sin_family = AF_INET;
        row.Address.Ipv4.sin_addr.s_addr = htonl(host);
        if (win_sys->GetIpNetEntry2(&row) != NO_ERROR)
                return false;
        /* Unreachable and Incomplete have no MAC; the others (Probe,
         * Delay, Stale, Reachable, Permanent) have one, as complete
         * entries of Linux's ARP table do. */
        return row.State != NlnsUnreachable && row.State != NlnsIncomplete && row.PhysicalAddressLength > 0;
}
