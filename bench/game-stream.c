/* SPDX-License-Identifier: MIT */
/* A game's traffic for the benchmark (bench/run.sh, "game stream during
 * bulk transfers"): `send` in the client's namespace sends small UDP
 * packets at a fixed rate (60 Hz, 64 bytes: a game's state updates) to
 * `echo` on the LAN host, which sends each one straight back, so both
 * directions of the tunnel carry the stream as a game's would.
 *
 * Every packet carries its sequence number and timestamps
 * (bench/game-packet.h): the client's send time, the LAN host's kernel
 * receive time and its send time. Both ends are namespaces of one kernel
 * and read the same CLOCK_REALTIME, so the one-way delay of each
 * direction is a difference of two timestamps, with no clock to
 * synchronise. Receive times are the kernel's (SO_TIMESTAMPNS): how late
 * this program itself wakes up on a busy machine is not counted against
 * the path. Send times are taken right before sendto().
 *
 * `send` writes one line per packet it sent (sequence number, send time
 * from the start, the echo's count of packets received, the one-way delays
 * up and down in ms, or "-" for a packet whose echo never came);
 * bench/report.py turns that into loss, delay and jitter. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "game-packet.h"
#include "macro.h"

#define NSEC_PER_SEC UINT64_C(1000000000)
#define MAX_PACKETS 1000000 /* rate x duration */

typedef struct Record {
        uint64_t sent_ns;      /* CLOCK_REALTIME */
        uint64_t echo_count;
        int64_t up_ns, down_ns;
        bool echoed;
} Record;

static struct {
        bool echo;
        struct sockaddr_in addr;
        double rate, duration, linger;
        size_t size;
        const char *out;
} arg = {
        .rate = 60,
        .duration = 10,
        .linger = 1,
        .size = 64,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        stop = 1;
}

static uint64_t clock_ns(clockid_t id) {
        struct timespec ts;

        clock_gettime(id, &ts);
        return (uint64_t) ts.tv_sec * NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

/* One datagram with the kernel's receive time (CLOCK_REALTIME), or our
 * own clock when the kernel gave none. Returns its length, or -errno. */
static ssize_t receive(int fd, uint8_t *buf, size_t size, struct sockaddr_in *from, uint64_t *ret_rx_ns) {
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct timespec))];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr msg = {
                .msg_name = from,
                .msg_namelen = from ? sizeof *from : 0,
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof control.buf,
        };
        ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

        if (n < 0)
                return -errno;
        *ret_rx_ns = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                        struct timespec ts;

                        memcpy(&ts, CMSG_DATA(c), sizeof ts);
                        *ret_rx_ns = (uint64_t) ts.tv_sec * NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
                }
        if (*ret_rx_ns == 0)
                *ret_rx_ns = clock_ns(CLOCK_REALTIME);
        return n;
}

static int open_socket(void) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int) { 1 }, sizeof(int)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* The LAN host's side: every packet of ours goes back where it came from,
 * stamped, until SIGINT or SIGTERM. The count of packets received starts
 * again with each new sender (address and port), so a run's counts are its
 * own however long the echo has been running. */
static int run_echo(void) {
        uint8_t buf[GAME_PACKET_MAX + 1];
        struct sockaddr_in sender = {};
        uint64_t count = 0, total = 0;
        int fd = open_socket();

        if (fd < 0)
                return fprintf(stderr, "game-stream: socket: %s\n", strerror(-fd)), 1;
        if (bind(fd, (struct sockaddr *) &arg.addr, sizeof arg.addr) < 0)
                return fprintf(stderr, "game-stream: bind: %m\n"), 1;
        fprintf(stderr, "game-stream: echoing\n");
        while (!stop) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                struct sockaddr_in from;
                GamePacket p;
                uint64_t rx_ns;
                ssize_t n;

                if (poll(&pfd, 1, 200) <= 0)
                        continue;
                n = receive(fd, buf, sizeof buf, &from, &rx_ns);
                if (n < 0 || n > GAME_PACKET_MAX || game_packet_decode(buf, (size_t) n, &p) < 0)
                        continue;
                if (from.sin_addr.s_addr != sender.sin_addr.s_addr || from.sin_port != sender.sin_port) {
                        sender = from;
                        count = 0;
                }
                p.echo_count = ++count;
                total++;
                p.echo_rx_ns = rx_ns;
                p.echo_tx_ns = clock_ns(CLOCK_REALTIME);
                if (game_packet_encode(&p, buf, sizeof buf, (size_t) n) == 0)
                        (void) sendto(fd, buf, (size_t) n, MSG_DONTWAIT, (struct sockaddr *) &from, sizeof from);
        }
        fprintf(stderr, "game-stream: echoed %" PRIu64 " packets\n", total);
        close(fd);
        return 0;
}

static void take_echo(int fd, Record *records, uint64_t n_sent) {
        uint8_t buf[GAME_PACKET_MAX + 1];

        for (;;) {
                GamePacket p;
                uint64_t rx_ns;
                ssize_t n = receive(fd, buf, sizeof buf, NULL, &rx_ns);
                Record *r;

                if (n < 0)
                        return;
                if (n > GAME_PACKET_MAX || game_packet_decode(buf, (size_t) n, &p) < 0 || p.seq >= n_sent)
                        continue;
                r = &records[p.seq];
                /* A duplicate, or a packet that is not the one we sent. */
                if (r->echoed || p.sent_ns != r->sent_ns)
                        continue;
                r->echoed = true;
                r->echo_count = p.echo_count;
                r->up_ns = (int64_t) (p.echo_rx_ns - p.sent_ns);
                r->down_ns = (int64_t) (rx_ns - p.echo_tx_ns);
        }
}

static int write_records(const Record *records, uint64_t n_sent) {
        FILE *f = fopen(arg.out, "we");

        if (!f)
                return -errno;
        fprintf(f, "# game-stream rate=%g size=%zu duration=%g sent=%" PRIu64 "\n", arg.rate, arg.size, arg.duration,
                n_sent);
        fprintf(f, "# seq sent_ms echo_count up_ms down_ms\n");
        for (uint64_t i = 0; i < n_sent; i++) {
                const Record *r = &records[i];
                double t = (double) (r->sent_ns - records[0].sent_ns) / 1e6;

                if (r->echoed)
                        fprintf(f, "%" PRIu64 " %.3f %" PRIu64 " %.4f %.4f\n", i, t, r->echo_count,
                                (double) r->up_ns / 1e6, (double) r->down_ns / 1e6);
                else
                        fprintf(f, "%" PRIu64 " %.3f - - -\n", i, t);
        }
        if (fclose(f) != 0)
                return -errno;
        return 0;
}

/* The client's side: a packet every 1/rate s on an absolute schedule (a
 * late wake-up does not shift the ones after it), echoes taken in between. */
static int run_send(void) {
        uint64_t total = (uint64_t) llround(arg.rate * arg.duration), period = (uint64_t) llround(1e9 / arg.rate);
        uint64_t start, next, end, n_sent = 0, n_echoed = 0;
        uint8_t buf[GAME_PACKET_MAX];
        _cleanup_free_ Record *records = calloc(total ? total : 1, sizeof *records);
        int fd = open_socket(), r;

        if (!records)
                return fprintf(stderr, "game-stream: out of memory\n"), 1;
        if (fd < 0)
                return fprintf(stderr, "game-stream: socket: %s\n", strerror(-fd)), 1;
        if (connect(fd, (struct sockaddr *) &arg.addr, sizeof arg.addr) < 0)
                return fprintf(stderr, "game-stream: connect: %m\n"), 1;
        start = next = clock_ns(CLOCK_MONOTONIC);
        end = start + (uint64_t) llround((arg.duration + arg.linger) * 1e9);
        while (!stop) {
                uint64_t now = clock_ns(CLOCK_MONOTONIC), until = n_sent < total ? next : end;
                struct pollfd pfd = { .fd = fd, .events = POLLIN };

                if (n_sent < total && now >= next) {
                        Record *rec = &records[n_sent];
                        GamePacket p = { .seq = n_sent };

                        rec->sent_ns = p.sent_ns = clock_ns(CLOCK_REALTIME);
                        (void) game_packet_encode(&p, buf, sizeof buf, arg.size);
                        /* A full socket buffer is a lost packet, as it
                         * would be for a game; it is recorded unechoed. */
                        (void) send(fd, buf, arg.size, MSG_DONTWAIT);
                        n_sent++;
                        next += period;
                        continue;
                }
                if (n_sent == total && now >= end)
                        break;
                (void) ppoll(&pfd, 1, &(struct timespec) { .tv_sec = (time_t) ((until - now) / NSEC_PER_SEC),
                                                           .tv_nsec = (long) ((until - now) % NSEC_PER_SEC) },
                             NULL);
                if (pfd.revents & POLLIN)
                        take_echo(fd, records, n_sent);
        }
        close(fd);
        for (uint64_t i = 0; i < n_sent; i++)
                n_echoed += records[i].echoed;
        r = write_records(records, n_sent);
        if (r < 0)
                return fprintf(stderr, "game-stream: %s: %s\n", arg.out, strerror(-r)), 1;
        fprintf(stderr, "game-stream: sent %" PRIu64 ", echoed %" PRIu64 "\n", n_sent, n_echoed);
        return 0;
}

static void usage(FILE *f) {
        fprintf(f, "game-stream echo --listen IPv4:PORT\n"
                   "game-stream send --to IPv4:PORT --out FILE [--rate HZ] [--size BYTES]\n"
                   "                 [--duration S] [--linger S]\n"
                   "  --rate HZ      packets per second (default 60)\n"
                   "  --size BYTES   UDP payload, %d..%d (default 64)\n"
                   "  --duration S   how long to send (default 10)\n"
                   "  --linger S     how long to wait for the last echoes (default 1)\n",
                GAME_PACKET_MIN, GAME_PACKET_MAX);
}

static bool parse_addr(const char *s, struct sockaddr_in *ret) {
        char host[INET_ADDRSTRLEN];
        const char *colon = strrchr(s, ':');
        char *end;
        unsigned long port;

        if (!colon || (size_t) (colon - s) >= sizeof host)
                return false;
        memcpy(host, s, (size_t) (colon - s));
        host[colon - s] = 0;
        errno = 0;
        port = strtoul(colon + 1, &end, 10);
        if (errno || *end || end == colon + 1 || port == 0 || port > 65535)
                return false;
        *ret = (struct sockaddr_in) { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        return inet_pton(AF_INET, host, &ret->sin_addr) == 1;
}

static bool parse_double(const char *s, double min, double max, double *ret) {
        char *end;

        errno = 0;
        *ret = strtod(s, &end);
        return !errno && *s && !*end && *ret >= min && *ret <= max;
}

static int parse_args(int argc, char **argv) {
        static const struct option options[] = {
                { "listen", required_argument, NULL, 'l' }, { "to", required_argument, NULL, 't' },
                { "out", required_argument, NULL, 'o' },    { "rate", required_argument, NULL, 'r' },
                { "size", required_argument, NULL, 's' },   { "duration", required_argument, NULL, 'd' },
                { "linger", required_argument, NULL, 'L' }, { "help", no_argument, NULL, 'h' },
                {}
        };
        bool have_addr = false;
        double size;
        int o, idx = 0;

        if (argc < 2 || (strcmp(argv[1], "echo") != 0 && strcmp(argv[1], "send") != 0)) {
                usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
                return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : -EINVAL;
        }
        arg.echo = strcmp(argv[1], "echo") == 0;
        optind = 2;
        while ((o = getopt_long(argc, argv, "", options, &idx)) >= 0) {
                bool ok = true;

                switch (o) {
                case 'l':
                case 't':
                        ok = (o == 'l') == arg.echo && parse_addr(optarg, &arg.addr);
                        have_addr = true;
                        break;
                case 'o':
                        arg.out = optarg;
                        break;
                case 'r':
                        ok = parse_double(optarg, 1, 100000, &arg.rate);
                        break;
                case 's':
                        ok = parse_double(optarg, GAME_PACKET_MIN, GAME_PACKET_MAX, &size) && size == floor(size);
                        arg.size = (size_t) size;
                        break;
                case 'd':
                        ok = parse_double(optarg, 0.1, 3600, &arg.duration);
                        break;
                case 'L':
                        ok = parse_double(optarg, 0, 60, &arg.linger);
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        ok = false;
                }
                if (!ok) {
                        fprintf(stderr, "game-stream: bad option or value: %s\n", argv[optind - 1]);
                        return -EINVAL;
                }
        }
        if (optind != argc || !have_addr || (!arg.echo && !arg.out) ||
            arg.rate * arg.duration > MAX_PACKETS) {
                usage(stderr);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char **argv) {
        int r = parse_args(argc, argv);

        if (r <= 0)
                return r < 0 ? 2 : 0;
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        return arg.echo ? run_echo() : run_send();
}
