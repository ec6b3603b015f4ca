/* SPDX-License-Identifier: MIT */
/* The party check's OS half on Linux (check-os.h): plain sockets,
 * getifaddrs() for the TAP's address, a connected socket's source address
 * for the interface a broadcast leaves by, /proc/net/arp for ARP. */
#define _GNU_SOURCE
#include "check-os.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "party-check.h"

#define DISCARD_PORT 9

struct CheckListener {
        int fd;
};

struct CheckSender {
        int fd;
};

int check_os_listen(CheckListener **ret, uint16_t *ret_port) {
        struct sockaddr_in sa = { .sin_family = AF_INET };
        socklen_t len = sizeof(sa);
        CheckListener *l;
        int r;

        l = calloc(1, sizeof(CheckListener));
        if (!l)
                return -ENOMEM;
        l->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (l->fd < 0) {
                r = -errno;
                free(l);
                return r;
        }
        if (bind(l->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            getsockname(l->fd, (struct sockaddr *) &sa, &len) < 0) {
                r = -errno;
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
        close(l->fd);
        free(l);
        return NULL;
}

int check_os_listener_fd(const CheckListener *l) {
        return l ? l->fd : -EBADF;
}

int check_os_receive(CheckListener *l, uint8_t *buf, size_t size) {
        ssize_t n = recv(l->fd, buf, size, MSG_DONTWAIT);

        return n < 0 ? -errno : (int) n;
}

int check_os_sender_open(CheckSender **ret) {
        CheckSender *s;
        int one = 1, r;

        s = calloc(1, sizeof(CheckSender));
        if (!s)
                return -ENOMEM;
        s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s->fd < 0) {
                r = -errno;
                free(s);
                return r;
        }
        (void) setsockopt(s->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
        *ret = s;
        return 0;
}

CheckSender *check_os_sender_free(CheckSender *s) {
        if (!s)
                return NULL;
        close(s->fd);
        free(s);
        return NULL;
}

void check_os_sender_dont_fragment(CheckSender *s) {
        int df = IP_PMTUDISC_DO;

        /* IP_PMTUDISC_DO: the kernel neither fragments nor sends what it
         * knows does not fit (EMSGSIZE). */
        if (setsockopt(s->fd, IPPROTO_IP, IP_MTU_DISCOVER, &df, sizeof(df)) < 0)
                log_debug_errno(errno, "Party check: IP_MTU_DISCOVER failed, ignoring: %m");
}

int check_os_send(CheckSender *s, uint32_t dst, const uint8_t *buf, size_t len) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(LP_CHECK_PORT),
                                  .sin_addr.s_addr = htonl(dst) };

        if (sendto(s->fd, buf, len, 0, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return 0;
}

/* The name of the interface holding `addr` (network order), "" if none. */
static void ifname_of_address(struct in_addr addr, char *buf, size_t size) {
        struct ifaddrs *ifa = NULL;

        buf[0] = '\0';
        if (getifaddrs(&ifa) < 0)
                return;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
                if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
                    ((struct sockaddr_in *) i->ifa_addr)->sin_addr.s_addr == addr.s_addr) {
                        snprintf(buf, size, "%s", i->ifa_name);
                        break;
                }
        freeifaddrs(ifa);
}

/* Which interface the OS would send a datagram to `dst` through: the one
 * whose address a connected UDP socket gets as its source. */
static void route_ifname(uint32_t dst, char *buf, size_t size) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(LP_CHECK_PORT),
                                  .sin_addr.s_addr = htonl(dst) };
        socklen_t len = sizeof(sa);
        int fd, one = 1;

        buf[0] = '\0';
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        (void) setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) >= 0 &&
            getsockname(fd, (struct sockaddr *) &sa, &len) >= 0)
                ifname_of_address(sa.sin_addr, buf, size);
        close(fd);
}

/* The TAP's first IPv4 address and its network's broadcast address. */
static void tap_address(const char *tap_name, uint32_t *ret_address, uint32_t *ret_broadcast) {
        struct ifaddrs *ifa = NULL;

        *ret_address = 0;
        *ret_broadcast = 0;
        if (getifaddrs(&ifa) < 0)
                return;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                uint32_t addr, mask;

                if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, tap_name) != 0)
                        continue;
                addr = ntohl(((struct sockaddr_in *) i->ifa_addr)->sin_addr.s_addr);
                mask = i->ifa_netmask ? ntohl(((struct sockaddr_in *) i->ifa_netmask)->sin_addr.s_addr) : UINT32_MAX;
                *ret_address = addr;
                if (mask != UINT32_MAX && mask != UINT32_MAX - 1)
                        *ret_broadcast = addr | ~mask;
                break;
        }
        freeifaddrs(ifa);
}

void check_os_observe(const FrameDevice *device, ClientCheckFacts *f, uint32_t *ret_directed_broadcast) {
        tap_address(frame_device_get_name(device), &f->tap_address, ret_directed_broadcast);
        route_ifname(UINT32_MAX, f->broadcast_ifname, sizeof(f->broadcast_ifname));
        route_ifname(LP_CHECK_MULTICAST_ADDR, f->multicast_ifname, sizeof(f->multicast_ifname));
}

/* Makes the kernel resolve the LAN host: a datagram to its discard port. */
void check_os_arp_ask(const FrameDevice *device, uint32_t host) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(DISCARD_PORT),
                                  .sin_addr.s_addr = htonl(host) };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return;
        (void) sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *) &sa, sizeof(sa));
        close(fd);
}

/* Whether the kernel's ARP table holds a complete entry for host on the TAP. */
bool check_os_arp_answered(const FrameDevice *device, uint32_t host) {
        char want[INET_ADDRSTRLEN], line[256];
        struct in_addr a = { .s_addr = htonl(host) };
        const char *tap = frame_device_get_name(device);
        bool found = false;
        FILE *f;

        inet_ntop(AF_INET, &a, want, sizeof(want));
        f = fopen("/proc/net/arp", "re");
        if (!f)
                return false;
        while (!found && fgets(line, sizeof(line), f)) {
                char ip[64], hw[64], dev[64];
                unsigned type, flags;

                if (sscanf(line, "%63s 0x%x 0x%x %63s %*s %63s", ip, &type, &flags, hw, dev) == 5)
                        found = strcmp(ip, want) == 0 && strcmp(dev, tap) == 0 && (flags & 0x2);
        }
        fclose(f);
        return found;
}
