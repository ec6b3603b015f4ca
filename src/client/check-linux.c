/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "check-linux.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "party-check.h"

#define MS (QUIC_NS_PER_SEC / 1000)
/* Probes go out in four rounds, the first a little after CHECK_BEGIN (so
 * the gateway knows the nonce; the control stream and datagrams are not
 * ordered): the small ones, the full-size ladder, and both again in case
 * one was lost. Small and large apart in time, so QUIC does not pack a
 * small probe into one packet with a large one, which a path too small
 * for the large one would lose together. */
static const uint64_t probe_rounds[] = { 300 * MS, 450 * MS, 800 * MS, 950 * MS };
/* The gateway reports after LP_CHECK_REPORT_DELAY_USEC; beyond this the
 * check ends without a report. */
#define REPORT_TIMEOUT (6 * QUIC_NS_PER_SEC)
#define PROBE_PAYLOAD 64
/* Full-size probes: a ladder of this many sizes from LP_CONTROL_MTU_MIN up
 * to the room MTU, so the gateway's "largest" says where the path ends
 * (within (room MTU - 576) / 16 bytes, 48 for a room of 1344). */
#define PROBE_LADDER 16
#define DISCARD_PORT 9

struct PartyCheck {
        bool running;
        uint8_t nonce[LP_CHECK_NONCE_SIZE];
        int listen_fd;
        uint16_t port;
        uint64_t started;
        unsigned rounds_sent;
        bool report_in;
        ClientCheckFacts facts;
        uint32_t directed_broadcast; /* host order; 0: unknown */
};

int party_check_new(PartyCheck **ret) {
        PartyCheck *pc = calloc(1, sizeof(PartyCheck));

        if (!pc)
                return -ENOMEM;
        pc->listen_fd = -EBADF;
        *ret = pc;
        return 0;
}

static void party_check_stop(PartyCheck *pc) {
        if (pc->listen_fd >= 0)
                close(pc->listen_fd);
        pc->listen_fd = -EBADF;
        pc->running = false;
}

PartyCheck *party_check_free(PartyCheck *pc) {
        if (!pc)
                return NULL;
        party_check_stop(pc);
        free(pc);
        return NULL;
}

bool party_check_is_running(const PartyCheck *pc) {
        return pc->running;
}

int party_check_get_fd(const PartyCheck *pc) {
        return pc->running ? pc->listen_fd : -EBADF;
}

uint64_t party_check_get_deadline(const PartyCheck *pc) {
        if (!pc->running)
                return UINT64_MAX;
        if (pc->rounds_sent < ELEMENTSOF(probe_rounds))
                return pc->started + probe_rounds[pc->rounds_sent];
        if (pc->report_in)
                return 0;
        return pc->started + REPORT_TIMEOUT;
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
static void tap_address(PartyCheck *pc) {
        struct ifaddrs *ifa = NULL;

        pc->facts.tap_address = 0;
        pc->directed_broadcast = 0;
        if (getifaddrs(&ifa) < 0)
                return;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                uint32_t addr, mask;

                if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, pc->facts.tap_name) != 0)
                        continue;
                addr = ntohl(((struct sockaddr_in *) i->ifa_addr)->sin_addr.s_addr);
                mask = i->ifa_netmask ? ntohl(((struct sockaddr_in *) i->ifa_netmask)->sin_addr.s_addr) : UINT32_MAX;
                pc->facts.tap_address = addr;
                if (mask != UINT32_MAX && mask != UINT32_MAX - 1)
                        pc->directed_broadcast = addr | ~mask;
                break;
        }
        freeifaddrs(ifa);
}

static int send_probe(int fd, uint32_t dst, const uint8_t *nonce, CheckProbeKind kind, size_t payload_len) {
        uint8_t payload[LP_CHECK_IPV4_UDP_HEADERS + LP_CONTROL_MTU_MAX];
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(LP_CHECK_PORT),
                                  .sin_addr.s_addr = htonl(dst) };
        int n;

        n = check_probe_payload(payload, sizeof(payload), payload_len, nonce, kind);
        if (n < 0)
                return n;
        if (sendto(fd, payload, (size_t) n, 0, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return 0;
}

static void send_small(PartyCheck *pc, int fd) {
        pc->facts.send_error_limited = send_probe(fd, UINT32_MAX, pc->nonce, CHECK_PROBE_KIND_LIMITED_BROADCAST,
                                                  PROBE_PAYLOAD);
        if (pc->directed_broadcast != 0)
                pc->facts.send_error_directed = send_probe(fd, pc->directed_broadcast, pc->nonce,
                                                           CHECK_PROBE_KIND_DIRECTED_BROADCAST, PROBE_PAYLOAD);
        else
                pc->facts.send_error_directed = -EADDRNOTAVAIL;
        pc->facts.send_error_multicast = send_probe(fd, LP_CHECK_MULTICAST_ADDR, pc->nonce,
                                                    CHECK_PROBE_KIND_MULTICAST, PROBE_PAYLOAD);
}

static void send_ladder(PartyCheck *pc, int fd) {
        int df = IP_PMTUDISC_DO, r;

        /* Full size with DF: IP_PMTUDISC_DO, so the OS neither fragments
         * it nor sends it when it knows it does not fit. Smaller sizes
         * first, so the gateway's "largest" says how far we get. */
        if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &df, sizeof(df)) < 0)
                log_debug_errno(errno, "Party check: IP_MTU_DISCOVER failed, ignoring: %m");
        for (unsigned i = 0; i < PROBE_LADDER; i++) {
                unsigned size = LP_CONTROL_MTU_MIN + i * (pc->facts.room_mtu - LP_CONTROL_MTU_MIN) / PROBE_LADDER;

                (void) send_probe(fd, UINT32_MAX, pc->nonce, CHECK_PROBE_KIND_FULL_SIZE,
                                  size - LP_CHECK_IPV4_UDP_HEADERS);
        }
        r = send_probe(fd, UINT32_MAX, pc->nonce, CHECK_PROBE_KIND_FULL_SIZE,
                       pc->facts.room_mtu - LP_CHECK_IPV4_UDP_HEADERS);
        if (pc->rounds_sent < 2 || r < 0)
                pc->facts.send_error_full_size = r;
}

/* One round of probes from a fresh unbound socket, like a game's. */
static void send_round(PartyCheck *pc) {
        int fd, one = 1;

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                log_warning_errno(errno, "Party check: cannot open a UDP socket: %m");
        else {
                (void) setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
                if (pc->rounds_sent % 2 == 0)
                        send_small(pc, fd);
                else
                        send_ladder(pc, fd);
                close(fd);
        }
        pc->rounds_sent++;
}

/* Makes the kernel resolve the LAN host: a datagram to its discard port. */
static void arp_trigger(uint32_t host) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(DISCARD_PORT),
                                  .sin_addr.s_addr = htonl(host) };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return;
        (void) sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *) &sa, sizeof(sa));
        close(fd);
}

/* Whether the kernel's ARP table holds a complete entry for host on the TAP. */
static bool arp_answered(uint32_t host, const char *tap) {
        char want[INET_ADDRSTRLEN], line[256];
        struct in_addr a = { .s_addr = htonl(host) };
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

int party_check_start(PartyCheck *pc, ClientCore *core, const char *tap_name, uint64_t now) {
        struct sockaddr_in sa = { .sin_family = AF_INET };
        socklen_t len = sizeof(sa);
        ClientDiagnostics d;
        ControlMessage begin = { .type = CONTROL_TYPE_CHECK_BEGIN };
        int r;

        client_core_get_diagnostics(core, now, &d);
        if (d.phase != CLIENT_PHASE_JOINED || d.room_mtu == 0)
                return -ENOTCONN;

        party_check_stop(pc);
        *pc = (PartyCheck) { .listen_fd = -EBADF, .started = now };
        snprintf(pc->facts.tap_name, sizeof(pc->facts.tap_name), "%s", tap_name);
        pc->facts.room_mtu = d.room_mtu;
        if (gnutls_rnd(GNUTLS_RND_NONCE, pc->nonce, sizeof(pc->nonce)) < 0)
                return log_error_errno(-EIO, "Party check: no random nonce.");

        /* The gateway's probe comes to this port: listening before asking. */
        pc->listen_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (pc->listen_fd < 0)
                return log_error_errno(errno, "Party check: cannot open a UDP socket: %m");
        if (bind(pc->listen_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            getsockname(pc->listen_fd, (struct sockaddr *) &sa, &len) < 0) {
                r = -errno;
                party_check_stop(pc);
                return log_error_errno(r, "Party check: cannot bind a UDP socket: %m");
        }
        pc->port = ntohs(sa.sin_port);

        tap_address(pc);
        route_ifname(UINT32_MAX, pc->facts.broadcast_ifname, sizeof(pc->facts.broadcast_ifname));
        route_ifname(LP_CHECK_MULTICAST_ADDR, pc->facts.multicast_ifname, sizeof(pc->facts.multicast_ifname));
        pc->facts.lan_host = client_core_get_lan_host(core);
        if (pc->facts.lan_host != 0)
                arp_trigger(pc->facts.lan_host);

        memcpy(begin.check_begin.nonce, pc->nonce, sizeof(pc->nonce));
        begin.check_begin.udp_port = pc->port;
        begin.check_begin.room_mtu = d.room_mtu;
        r = client_core_send_check(core, &begin);
        if (r < 0) {
                party_check_stop(pc);
                return log_error_errno(r, "Party check: cannot send CHECK_BEGIN: %m");
        }
        (void) client_core_write(core, now);
        pc->running = true;
        return 0;
}

void party_check_process(PartyCheck *pc) {
        uint8_t buf[LP_CONTROL_MTU_MAX], nonce[LP_CHECK_NONCE_SIZE], kind;

        for (unsigned i = 0; i < 64 && pc->running; i++) {
                ssize_t n = recv(pc->listen_fd, buf, sizeof(buf), MSG_DONTWAIT);

                if (n < 0)
                        return;
                if (!check_probe_payload_parse(buf, (size_t) n, nonce, &kind) ||
                    memcmp(nonce, pc->nonce, sizeof(nonce)) != 0)
                        continue;
                if (kind == CHECK_PROBE_KIND_GATEWAY)
                        pc->facts.got_gateway_probe = true;
                else if (kind == CHECK_PROBE_KIND_GATEWAY_FULL_SIZE &&
                         (size_t) n + LP_CHECK_IPV4_UDP_HEADERS == pc->facts.room_mtu)
                        pc->facts.got_full_size_answer = true;
        }
}

void party_check_on_report(PartyCheck *pc, const ControlCheckReport *report) {
        if (!pc->running || memcmp(report->nonce, pc->nonce, sizeof(pc->nonce)) != 0)
                return;
        pc->facts.have_report = true;
        pc->facts.report = *report;
        pc->report_in = true;
}

int party_check_tick(PartyCheck *pc, ClientCore *core, uint64_t now, ClientCheckOutcome *ret) {
        ControlMessage result = { .type = CONTROL_TYPE_CHECK_RESULT };

        if (!pc->running || now < party_check_get_deadline(pc))
                return 0;
        if (pc->rounds_sent < ELEMENTSOF(probe_rounds)) {
                send_round(pc);
                return 0;
        }

        party_check_process(pc);
        pc->facts.frame_budget = client_core_get_frame_budget(core);
        if (pc->facts.lan_host != 0)
                pc->facts.arp_answered = arp_answered(pc->facts.lan_host, pc->facts.tap_name);
        client_check_judge(&pc->facts, ret);

        if (pc->facts.have_report) {
                memcpy(result.check_result.nonce, pc->nonce, sizeof(pc->nonce));
                memcpy(result.check_result.verdicts, ret->verdicts, sizeof(ret->verdicts));
                if (client_core_send_check(core, &result) >= 0)
                        (void) client_core_write(core, now);
        }
        party_check_stop(pc);
        return 1;
}
