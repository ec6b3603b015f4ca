/* SPDX-License-Identifier: MIT */
/* A bounded flood of QUIC packets at a relay, for tests/test-relayd-flood.sh:
 * real client Initials (each from a fresh ngtcp2 client connection of
 * quic.c, so a fresh DCID and a real TLS ClientHello, 1200 bytes), or junk
 * (short-header packets with unknown CIDs, which draw stateless resets, and
 * long-header packets of an unknown version, which draw version
 * negotiation), or only the former (reset). The flooder never answers: to the relay it looks like a
 * spoofed source. It spreads the packets over --sources addresses counted
 * up from --source (loopback: 127.0.0.0/8 is all local), each with a pool of
 * sockets so that ports change from packet to packet, counts every byte the
 * relay sends back to those sockets, and prints one line:
 *
 *   sent=N sent_bytes=B received=M received_bytes=R
 *
 * Bounded: --count packets at --rate per second, then --drain-ms of
 * listening. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "log.h"
#include "quic.h"

#define SOCKETS_PER_SOURCE 16
#define SOURCES_MAX 250
#define JUNK_SHORT_LEN 80
#define JUNK_VERSION 0x1a2a3a4aU

typedef enum FloodMode {
        FLOOD_INITIAL,
        FLOOD_JUNK,
        FLOOD_RESET, /* only the short-header half of the junk */
} FloodMode;

static struct {
        struct sockaddr_in relay;
        struct in_addr source;
        unsigned n_sources;
        unsigned count;
        unsigned rate;
        unsigned drain_ms;
        FloodMode mode;
} arg = {
        .n_sources = 1,
        .count = 1000,
        .rate = 1000,
        .drain_ms = 1000,
        .mode = FLOOD_INITIAL,
};

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * QUIC_NS_PER_SEC + (uint64_t) ts.tv_nsec;
}

static void usage(void) {
        fprintf(stderr, "quic-flood --relay IPv4:PORT --source IPv4 [--sources N] [--count N] [--rate PPS]\n"
                        "           [--drain-ms MS] [--mode initial|junk|reset]\n");
        exit(2);
}

static unsigned parse_uint(const char *s, unsigned min, unsigned max) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                usage();
        return (unsigned) v;
}

static void parse_args(int argc, char **argv) {
        static const struct option options[] = {
                { "relay", required_argument, NULL, 'r' },  { "source", required_argument, NULL, 's' },
                { "sources", required_argument, NULL, 'n' }, { "count", required_argument, NULL, 'c' },
                { "rate", required_argument, NULL, 'R' },    { "drain-ms", required_argument, NULL, 'd' },
                { "mode", required_argument, NULL, 'm' },    {}
        };
        bool have_relay = false, have_source = false;
        int o;

        while ((o = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (o) {
                case 'r': {
                        char host[64], *colon;

                        snprintf(host, sizeof host, "%s", optarg);
                        colon = strrchr(host, ':');
                        if (!colon)
                                usage();
                        *colon = 0;
                        arg.relay.sin_family = AF_INET;
                        arg.relay.sin_port = htons((uint16_t) parse_uint(colon + 1, 1, 65535));
                        if (inet_pton(AF_INET, host, &arg.relay.sin_addr) != 1)
                                usage();
                        have_relay = true;
                        break;
                }
                case 's':
                        if (inet_pton(AF_INET, optarg, &arg.source) != 1)
                                usage();
                        have_source = true;
                        break;
                case 'n':
                        arg.n_sources = parse_uint(optarg, 1, SOURCES_MAX);
                        break;
                case 'c':
                        arg.count = parse_uint(optarg, 1, 1000000);
                        break;
                case 'R':
                        arg.rate = parse_uint(optarg, 1, 1000000);
                        break;
                case 'd':
                        arg.drain_ms = parse_uint(optarg, 0, 60000);
                        break;
                case 'm':
                        if (strcmp(optarg, "initial") == 0)
                                arg.mode = FLOOD_INITIAL;
                        else if (strcmp(optarg, "junk") == 0)
                                arg.mode = FLOOD_JUNK;
                        else if (strcmp(optarg, "reset") == 0)
                                arg.mode = FLOOD_RESET;
                        else
                                usage();
                        break;
                default:
                        usage();
                }
        if (!have_relay || !have_source || optind != argc)
                usage();
}

/* ---- packets ---------------------------------------------------------------- */

typedef struct Capture {
        uint8_t data[QUIC_MAX_UDP_PAYLOAD];
        size_t len;
} Capture;

static int capture_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        Capture *c = userdata;

        if (c->len == 0 && len <= sizeof c->data) {
                memcpy(c->data, data, len);
                c->len = len;
        }
        return 0;
}

/* The first packet of a new client connection: a padded Initial with a
 * ClientHello, as a real client sends it. */
static size_t make_initial(const QuicAddr *local, const QuicAddr *remote, uint8_t *out) {
        static const uint8_t pin[QUIC_TLS_PIN_SIZE] = { 0 };
        _cleanup_(quic_conn_freep) QuicConn *c = NULL;
        Capture cap = { .len = 0 };
        QuicClientConfig cfg = {
                .tls = { .pin = pin },
                .callbacks = { .send = capture_send },
                .send_userdata = &cap,
        };

        if (quic_conn_new_client(&c, &cfg, local, remote, now_ns()) < 0)
                abort();
        (void) quic_conn_write(c, now_ns());
        if (cap.len == 0)
                abort();
        memcpy(out, cap.data, cap.len);
        return cap.len;
}

/* Alternately a short-header packet to a CID nobody issued and a padded
 * long-header packet of a version nobody speaks. */
static size_t make_junk(unsigned i, uint8_t *out) {
        size_t len;

        if (i % 2 == 0) {
                len = JUNK_SHORT_LEN;
                if (gnutls_rnd(GNUTLS_RND_NONCE, out, len) < 0)
                        abort();
                out[0] = (uint8_t) ((out[0] & 0x3f) | 0x40); /* short header, fixed bit */
                return len;
        }
        len = 1200;
        memset(out, 0, len);
        out[0] = 0xc0;
        out[1] = (uint8_t) (JUNK_VERSION >> 24);
        out[2] = (uint8_t) (JUNK_VERSION >> 16);
        out[3] = (uint8_t) (JUNK_VERSION >> 8);
        out[4] = (uint8_t) JUNK_VERSION;
        out[5] = 8; /* DCID length */
        if (gnutls_rnd(GNUTLS_RND_NONCE, out + 6, 8) < 0)
                abort();
        out[14] = 8; /* SCID length */
        if (gnutls_rnd(GNUTLS_RND_NONCE, out + 15, 8) < 0)
                abort();
        return len;
}

/* ---- main ------------------------------------------------------------------- */

static uint64_t received, received_bytes;

static void drain(int epfd, int timeout_ms) {
        struct epoll_event ev[64];
        uint8_t buf[2048];
        int n;

        n = epoll_wait(epfd, ev, 64, timeout_ms);
        for (int i = 0; i < n; i++)
                for (;;) {
                        ssize_t k = recv(ev[i].data.fd, buf, sizeof buf, MSG_DONTWAIT);
                        if (k < 0)
                                break;
                        received++;
                        received_bytes += (uint64_t) k;
                }
}

int main(int argc, char **argv) {
        unsigned n_socks, sent = 0;
        uint64_t sent_bytes = 0, start, deadline;
        struct rlimit rl;
        QuicAddr remote;
        int *socks, epfd;

        parse_args(argc, argv);
        log_set_max_level(LOG_WARNING);

        n_socks = arg.n_sources * SOCKETS_PER_SOURCE;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n_socks + 64) {
                rl.rlim_cur = MIN(rl.rlim_max, (rlim_t) n_socks + 64);
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        if (quic_addr_set(&remote, (const ngtcp2_sockaddr *) &arg.relay, sizeof arg.relay) < 0)
                abort();

        epfd = epoll_create1(EPOLL_CLOEXEC);
        socks = calloc(n_socks, sizeof *socks);
        if (epfd < 0 || !socks)
                abort();
        for (unsigned i = 0; i < n_socks; i++) {
                struct sockaddr_in sin = {
                        .sin_family = AF_INET,
                        .sin_addr.s_addr = htonl(ntohl(arg.source.s_addr) + i / SOCKETS_PER_SOURCE),
                };

                socks[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (socks[i] < 0 || bind(socks[i], (struct sockaddr *) &sin, sizeof sin) < 0) {
                        perror("quic-flood: socket");
                        return 1;
                }
                if (epoll_ctl(epfd, EPOLL_CTL_ADD, socks[i],
                              &(struct epoll_event) { .events = EPOLLIN, .data.fd = socks[i] }) < 0)
                        abort();
        }

        start = now_ns();
        while (sent < arg.count) {
                /* Where the rate says we should be by now. */
                uint64_t due = MIN((uint64_t) arg.count, (now_ns() - start) * arg.rate / QUIC_NS_PER_SEC + 1);

                while (sent < due) {
                        /* Round robin over sources, then over each source's sockets. */
                        unsigned src = sent % arg.n_sources, slot = (sent / arg.n_sources) % SOCKETS_PER_SOURCE;
                        int fd = socks[src * SOCKETS_PER_SOURCE + slot];
                        struct sockaddr_in sin;
                        socklen_t slen = sizeof sin;
                        uint8_t pkt[QUIC_MAX_UDP_PAYLOAD];
                        QuicAddr local;
                        size_t len;

                        if (arg.mode == FLOOD_INITIAL) {
                                if (getsockname(fd, (struct sockaddr *) &sin, &slen) < 0 ||
                                    quic_addr_set(&local, (const ngtcp2_sockaddr *) &sin, slen) < 0)
                                        abort();
                                len = make_initial(&local, &remote, pkt);
                        } else
                                len = make_junk(arg.mode == FLOOD_RESET ? 0 : sent, pkt);
                        if (sendto(fd, pkt, len, 0, (struct sockaddr *) &arg.relay, sizeof arg.relay) == (ssize_t) len)
                                sent_bytes += len;
                        sent++;
                }
                drain(epfd, 0);
                {
                        uint64_t next = start + (uint64_t) sent * QUIC_NS_PER_SEC / arg.rate, now = now_ns();
                        if (next > now)
                                drain(epfd, (int) ((next - now) / 1000000));
                }
        }

        deadline = now_ns() + (uint64_t) arg.drain_ms * 1000000;
        for (uint64_t now; (now = now_ns()) < deadline;)
                drain(epfd, (int) MAX((deadline - now) / 1000000, (uint64_t) 1));

        printf("sent=%u sent_bytes=%" PRIu64 " received=%" PRIu64 " received_bytes=%" PRIu64 " seconds=%.2f\n", sent,
               sent_bytes, received, received_bytes, (double) (now_ns() - start) / 1e9);
        for (unsigned i = 0; i < n_socks; i++)
                close(socks[i]);
        free(socks);
        close(epfd);
        return 0;
}
