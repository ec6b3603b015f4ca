/* SPDX-License-Identifier: MIT */
/* Drives the Linux client pieces for the network-namespace tests
 * (test-tap-linux.sh, test-client-route.sh): one command per line on
 * stdin, one answer per line on stdout, logs on stderr. A shell script
 * runs it as a coprocess inside a namespace, so it can check each step
 * with `ip` and kill -9 it to play a crash.
 *
 *   tap-open NAME MAC MTU      -> ok NAME IFINDEX
 *   tap-read                   -> frame LEN DST SRC TYPE | eagain
 *   tap-wait TYPE MS           -> frame ... [ipv4-dst A.B.C.D] | timeout
 *   tap-write DST TYPE LEN     -> ok
 *   tap-mtu N | tap-link up|down | tap-close
 *   route-new INSTANCE [DIR] | route-pin ADDR | route-discovery [IFINDEX]
 *   route-check | route-undo | route-free
 *   udp-broadcast PORT         -> ok (to 255.255.255.255, no interface chosen)
 *   udp-multicast PORT         -> ok (to 239.255.255.250, no interface chosen)
 *   pid | exit
 * Failures answer "error ENAME". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ether.h"
#include "frame-device.h"
#include "log.h"
#include "route.h"
#include "test-util.h"

static FrameDevice *tap;
static RouteManager *routes;

static void reply(const char *fmt, ...) _printf_(1, 2);
static void reply(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

static int reply_error(int r) {
        const char *name = strerrorname_np(r < 0 ? -r : r);

        reply("error %s", name ? name : "unknown");
        return 0;
}

static void reply_frame(const uint8_t *buf, int n) {
        char dst[LP_MAC_STR_MAX], src[LP_MAC_STR_MAX], extra[64] = "";
        EtherHeader h;

        if (ether_header_parse(buf, (size_t) n, &h) < 0) {
                reply("frame %d malformed", n);
                return;
        }
        /* IPv4 destination: shows where a broadcast was aimed. */
        if (h.inner_ethertype == LP_ETHERTYPE_IPV4 && h.payload_len >= 20) {
                const uint8_t *ip = buf + h.payload_offset + 16;
                snprintf(extra, sizeof(extra), " ipv4-dst %u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
        }
        reply("frame %d %s %s %04x%s", n, mac_to_string(&h.dst, dst), mac_to_string(&h.src, src), h.ethertype,
              extra);
}

static void cmd_tap_wait(unsigned type, unsigned timeout_ms) {
        uint64_t deadline = test_now_ms() + timeout_ms;
        uint8_t buf[LP_ETHER_FRAME_MAX];

        for (;;) {
                uint64_t now = test_now_ms();
                struct pollfd p = { .fd = frame_device_get_waitable(tap).fd, .events = POLLIN };
                EtherHeader h;
                int n;

                if (now >= deadline) {
                        reply("timeout");
                        return;
                }
                if (poll(&p, 1, (int) (deadline - now)) < 0) {
                        reply_error(errno);
                        return;
                }
                /* Drain: the waitable says "maybe", read says what is there. */
                while ((n = frame_device_read(tap, buf, sizeof(buf))) > 0) {
                        if (ether_header_parse(buf, (size_t) n, &h) == 0 && h.ethertype == type) {
                                reply_frame(buf, n);
                                return;
                        }
                }
                if (n != -EAGAIN) {
                        reply_error(n);
                        return;
                }
        }
}

/* One datagram to dst (host order), from an unbound socket as games send
 * it: the kernel picks the interface. */
static int cmd_udp_send(uint32_t dst, unsigned port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        int one = 1, fd, r = 0;

        sa.sin_addr.s_addr = htonl(dst);
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
            sendto(fd, "lanparty", 8, 0, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                r = -errno;
        close(fd);
        return r;
}

static int parse_address(const char *s, RouteAddress *ret) {
        uint8_t b[16];

        if (inet_pton(AF_INET, s, b) == 1)
                return route_address_from_bytes(b, 4, ret);
        if (inet_pton(AF_INET6, s, b) == 1)
                return route_address_from_bytes(b, 16, ret);
        return -EINVAL;
}

static int handle(char *line) {
        char *argv[8];
        int argc = 0, r;

        for (char *tok = strtok(line, " \t\n"); tok && argc < (int) ELEMENTSOF(argv); tok = strtok(NULL, " \t\n"))
                argv[argc++] = tok;
        if (argc == 0)
                return 0;

        if (strcmp(argv[0], "pid") == 0)
                reply("ok %d", (int) getpid());
        else if (strcmp(argv[0], "tap-open") == 0 && argc == 4) {
                MacAddr mac;
                if (mac_from_string(argv[2], &mac) < 0)
                        return reply_error(EINVAL);
                r = frame_device_open(FRAME_DEVICE_TAP, argv[1], &mac, (uint32_t) strtoul(argv[3], NULL, 10), &tap);
                if (r < 0)
                        return reply_error(r);
                reply("ok %s %u", frame_device_get_name(tap), frame_device_get_index(tap));
        } else if (strcmp(argv[0], "tap-close") == 0) {
                tap = frame_device_close(tap);
                reply("ok");
        } else if (strcmp(argv[0], "tap-read") == 0) {
                uint8_t buf[LP_ETHER_FRAME_MAX];
                r = frame_device_read(tap, buf, sizeof(buf));
                if (r == -EAGAIN)
                        reply("eagain");
                else if (r < 0)
                        reply_error(r);
                else
                        reply_frame(buf, r);
        } else if (strcmp(argv[0], "tap-wait") == 0 && argc == 3)
                cmd_tap_wait((unsigned) strtoul(argv[1], NULL, 16), (unsigned) strtoul(argv[2], NULL, 10));
        else if (strcmp(argv[0], "tap-write") == 0 && argc == 4) {
                uint8_t frame[LP_ETHER_FRAME_MAX + 64] = {};
                size_t len = strtoul(argv[3], NULL, 10);
                MacAddr dst;
                if (mac_from_string(argv[1], &dst) < 0 || len > sizeof(frame))
                        return reply_error(EINVAL);
                memcpy(frame, dst.bytes, 6);
                if (tap)
                        memcpy(frame + 6, frame_device_get_mac(tap)->bytes, 6);
                be16_store(frame + 12, (uint16_t) strtoul(argv[2], NULL, 16));
                r = frame_device_write(tap, frame, len);
                if (r < 0)
                        return reply_error(r);
                reply("ok");
        } else if (strcmp(argv[0], "tap-mtu") == 0 && argc == 2) {
                r = frame_device_set_mtu(tap, (uint32_t) strtoul(argv[1], NULL, 10));
                if (r < 0)
                        return reply_error(r);
                reply("ok %d", r);
        } else if (strcmp(argv[0], "tap-link") == 0 && argc == 2) {
                r = frame_device_set_link(tap, strcmp(argv[1], "up") == 0);
                if (r < 0)
                        return reply_error(r);
                reply("ok");
        } else if (strcmp(argv[0], "route-new") == 0 && (argc == 2 || argc == 3)) {
                r = route_manager_new(argv[1], argc == 3 ? argv[2] : NULL, &routes);
                if (r < 0)
                        return reply_error(r);
                reply("ok");
        } else if (strcmp(argv[0], "route-pin") == 0 && argc == 2) {
                RouteAddress a;
                if (parse_address(argv[1], &a) < 0)
                        return reply_error(EINVAL);
                r = route_manager_pin_relay(routes, &a);
                if (r < 0)
                        return reply_error(r);
                reply("ok %s", route_plan_to_string(r));
        } else if (strcmp(argv[0], "route-discovery") == 0 && argc <= 2) {
                uint32_t idx = argc == 2 ? (uint32_t) strtoul(argv[1], NULL, 10) : frame_device_get_index(tap);
                r = route_manager_add_discovery_routes(routes, idx);
                if (r < 0)
                        return reply_error(r);
                reply("ok %s", route_plan_to_string(r));
        } else if (strcmp(argv[0], "route-check") == 0) {
                RouteCheck c;
                r = route_manager_check_relay(routes, &c);
                if (r < 0)
                        return reply_error(r);
                reply("ok %s", route_check_to_string(c));
        } else if (strcmp(argv[0], "route-undo") == 0) {
                r = route_manager_undo(routes);
                if (r < 0)
                        return reply_error(r);
                reply("ok");
        } else if (strcmp(argv[0], "route-free") == 0) {
                routes = route_manager_free(routes);
                reply("ok");
        } else if ((strcmp(argv[0], "udp-broadcast") == 0 || strcmp(argv[0], "udp-multicast") == 0) && argc == 2) {
                /* 239.255.255.250: SSDP's group, which games use too. */
                r = cmd_udp_send(argv[0][4] == 'b' ? INADDR_BROADCAST : 0xEFFFFFFAu,
                                 (unsigned) strtoul(argv[1], NULL, 10));
                if (r < 0)
                        return reply_error(r);
                reply("ok");
        } else
                reply("error unknown-command");
        return 0;
}

int main(void) {
        char line[512];

        log_set_max_level(LOG_DEBUG);
        while (fgets(line, sizeof(line), stdin)) {
                if (strncmp(line, "exit", 4) == 0)
                        break;
                handle(line);
        }
        /* EOF or exit: the orderly path, which undoes everything. */
        routes = route_manager_free(routes);
        tap = frame_device_close(tap);
        return 0;
}
