/* SPDX-License-Identifier: MIT */
/* Load generator for the relay microbenchmark (bench/relay-micro.sh): N
 * peers in R rooms (one gateway and its clients in each; one room by
 * default), each a real Session (session.c on quic.c) on its own connected
 * UDP socket, all in this one process. Clients send small frames to their
 * gateway's MAC and, a given share of them, to the broadcast address; each
 * gateway sends to its clients in turn. Every peer counts what arrives.
 * Peers join a few at a time: the relay admits only so many unfinished
 * handshakes from one address (all of ours come from 127.0.0.1).
 *
 * After everyone has joined and a warm-up, it measures a window: frames
 * received by all peers (what the relay forwarded and delivered), the
 * relay's CPU time from /proc/PID/stat over the same window, the UDP
 * datagrams sent to and received from the relay in it, and its VmRSS and
 * VmHWM afterwards. One JSON object on stdout; progress on stderr. */
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

#include "b64url.h"
#include "ether.h"
#include "log.h"
#include "session.h"

#define RECV_BATCH 32
#define RECV_BUF 2048
/* Frames one peer offers per loop turn when flooding; a full QUIC queue
 * stops it earlier. They are queued and written together, so they share
 * QUIC packets as a burst read from a TAP or a NIC does in lanparty-client
 * and lanparty-gatewayd; at a fixed rate each frame goes out on its own,
 * as a frame trickling in would. */
#define FLOOD_BURST 8
/* How far a fixed-rate sender may fall behind before it gives up the lost
 * time instead of bursting to catch up. */
#define RATE_SLACK_NSEC (100 * UINT64_C(1000000))
#define JOIN_TIMEOUT_NSEC (30 * QUIC_NS_PER_SEC)
#define SOCKET_BUFFER (2 * 1024 * 1024)
#define BENCH_ETHERTYPE 0x88b5 /* IEEE local experimental */
/* Peers that handshake at once: under the relay's limit of unadmitted
 * connections per source address. */
#define JOIN_BATCH 8
#define MAX_PEERS 1000

typedef struct BenchPeer {
        unsigned index; /* 0: the gateway */
        Session *session;
        int fd;
        QuicAddr local;
        MacAddr mac;
        bool ended;
        uint64_t next_send;  /* fixed rate: when the next frame is due */
        unsigned next_target; /* gateway: the client of its room it sends to next, 1.. */
        uint64_t seq;

        uint64_t rx_frames;
        uint64_t tx_frames;      /* accepted by the session */
        uint64_t tx_blocked;     /* QUIC's queue was full; not sent */
        uint64_t tx_expected;    /* deliveries the accepted frames should cause */
        uint64_t send_errors;    /* send() failures (full socket buffer) */
        uint64_t tx_packets;     /* UDP datagrams to the relay */
        uint64_t rx_packets;     /* UDP datagrams from the relay */
} BenchPeer;

static struct {
        const char *relay;
        uint8_t pin[QUIC_TLS_PIN_SIZE];
        const char *token;
        unsigned n_peers;
        unsigned n_rooms; /* peers[0..n_rooms) are the gateways; peer i is in room i % n_rooms */
        double duration, warmup;
        unsigned frame_size;
        unsigned broadcast_percent;
        unsigned rate; /* frames/s per peer; 0: as fast as QUIC takes them */
        long relay_pid;
} arg = {
        .n_peers = 2,
        .n_rooms = 1,
        .duration = 5,
        .warmup = 1,
        .frame_size = 64,
        .broadcast_percent = 10,
};

static BenchPeer *peers;
static unsigned n_started; /* peers[0..n_started) have a session */
static bool leaving;      /* sessions are ending on purpose */
static QuicAddr relay_addr;
static uint8_t room_key[LP_ROOM_KEY_SIZE];
static uint8_t rx_bufs[RECV_BATCH][RECV_BUF];

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * QUIC_NS_PER_SEC + (uint64_t) ts.tv_nsec;
}

/* ---- the relay process ---------------------------------------------------- */

/* utime + stime of pid in seconds, from /proc/PID/stat; -1 if unreadable. */
static double proc_cpu_seconds(long pid) {
        char path[64], buf[1024], *p;
        unsigned long utime, stime;
        size_t n;
        FILE *f;

        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        /* The command name may contain spaces and parentheses: fields are
         * counted from the last ')'. utime and stime are fields 14 and 15. */
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
                return -1;
        return (double) (utime + stime) / (double) sysconf(_SC_CLK_TCK);
}

/* A "Key:   N kB" line of /proc/PID/status in KiB; -1 if absent. */
static long proc_status_kib(long pid, const char *key) {
        char path[64], line[256];
        size_t klen = strlen(key);
        long v = -1;
        FILE *f;

        snprintf(path, sizeof path, "/proc/%ld/status", pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
                        v = strtol(line + klen + 1, NULL, 10);
                        break;
                }
        fclose(f);
        return v;
}

static double self_cpu_seconds(void) {
        struct rusage ru;

        if (getrusage(RUSAGE_SELF, &ru) < 0)
                return -1;
        return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
               (double) ru.ru_stime.tv_usec / 1e6;
}

/* ---- sessions ------------------------------------------------------------- */

static int on_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        BenchPeer *p = userdata;

        if (send(p->fd, data, len, MSG_DONTWAIT) >= 0) {
                p->tx_packets++;
                return 0;
        }
        p->send_errors++;
        return -errno;
}

static void on_frame(Session *s, uint16_t source_peer_id, const uint8_t *frame, size_t len, void *userdata) {
        BenchPeer *p = userdata;

        p->rx_frames++;
}

static void on_ended(Session *s, const SessionEnd *end, void *userdata) {
        BenchPeer *p = userdata;

        p->ended = true;
        if (!end->was_joined || end->kind != SESSION_END_LOCAL)
                fprintf(stderr, "relay-micro: peer %u ended: %s\n", p->index, end->message);
}

static bool is_gateway(unsigned index) {
        return index < arg.n_rooms;
}

static unsigned room_size(unsigned room) {
        return arg.n_peers / arg.n_rooms + (room < arg.n_peers % arg.n_rooms);
}

static void peer_mac(unsigned index, MacAddr *ret) {
        /* Gateways have vendor MACs like a LAN host's; clients have
         * locally administered ones, as the relay requires. */
        *ret = (MacAddr) { { is_gateway(index) ? 0x00 : 0x02, 0x11, 0x22, 0x33, (uint8_t) (index >> 8),
                             (uint8_t) index } };
}

static int peer_start(BenchPeer *p, unsigned index, uint64_t now) {
        struct sockaddr_in sin;
        socklen_t slen = sizeof sin;
        SessionConfig cfg;
        int r;

        p->index = index;
        peer_mac(index, &p->mac);
        p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (p->fd < 0)
                return -errno;
        (void) setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &(int) { SOCKET_BUFFER }, sizeof(int));
        (void) setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &(int) { SOCKET_BUFFER }, sizeof(int));
        (void) setsockopt(p->fd, IPPROTO_IP, IP_MTU_DISCOVER, &(int) { IP_PMTUDISC_DO }, sizeof(int));
        if (connect(p->fd, &relay_addr.sa.sa, relay_addr.len) < 0)
                return -errno;
        if (getsockname(p->fd, (struct sockaddr *) &sin, &slen) < 0)
                return -errno;
        r = quic_addr_set(&p->local, (const ngtcp2_sockaddr *) &sin, slen);
        if (r < 0)
                return r;

        cfg = (SessionConfig) {
                .role = is_gateway(index) ? PEER_ROLE_GATEWAY : PEER_ROLE_CLIENT,
                .mac = p->mac,
                .tls = { .hostname = "localhost", .pin = arg.pin },
                /* Small frames do not need path MTU discovery to finish. */
                .pmtu_wait = 1,
                .callbacks = { .send = on_send, .frame_received = on_frame, .ended = on_ended },
                .userdata = p,
                .send_userdata = p,
        };
        snprintf(cfg.room, sizeof cfg.room, "bench%u", index % arg.n_rooms);
        snprintf(cfg.name, sizeof cfg.name, "%s%u", is_gateway(index) ? "gw" : "c", index);
        memcpy(cfg.room_key, room_key, sizeof room_key);
        if (is_gateway(index)) {
                cfg.gateway_token_len = strlen(arg.token);
                memcpy(cfg.gateway_token, arg.token, cfg.gateway_token_len);
        }
        r = session_new(&p->session, &cfg, &p->local, &relay_addr, now);
        if (r < 0)
                return r;
        n_started++;
        (void) session_write(p->session, now);
        return 0;
}

static void peer_receive(BenchPeer *p, uint64_t now) {
        struct mmsghdr msgs[RECV_BATCH];
        struct iovec iovs[RECV_BATCH];

        for (;;) {
                int n;

                for (size_t i = 0; i < RECV_BATCH; i++) {
                        iovs[i] = (struct iovec) { .iov_base = rx_bufs[i], .iov_len = RECV_BUF };
                        msgs[i] = (struct mmsghdr) { .msg_hdr = { .msg_iov = &iovs[i], .msg_iovlen = 1 } };
                }
                n = recvmmsg(p->fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
                if (n <= 0)
                        return;
                p->rx_packets += (uint64_t) n;
                for (int i = 0; i < n; i++)
                        (void) session_read_packet(p->session, &relay_addr, rx_bufs[i], msgs[i].msg_len, now);
                if (n < RECV_BATCH)
                        return;
        }
}

/* One frame from p: clients to their gateway or, broadcast_percent of the
 * time, to everyone in the room; a gateway to its clients in turn (or
 * everyone). */
static int peer_send_one(BenchPeer *p, uint64_t now, bool queue) {
        uint8_t frame[LP_ETHER_FRAME_MAX];
        /* 37 is prime to 100: the broadcasts spread over each hundred. */
        bool broadcast = p->seq * 37 % 100 < arg.broadcast_percent;
        unsigned room = p->index % arg.n_rooms;
        MacAddr dst;
        int r;

        if (broadcast)
                memset(dst.bytes, 0xff, LP_MAC_LEN);
        else if (is_gateway(p->index)) {
                p->next_target = p->next_target % (room_size(room) - 1) + 1;
                dst = peers[room + p->next_target * arg.n_rooms].mac;
        } else
                dst = peers[room].mac;

        memset(frame, 0, arg.frame_size);
        memcpy(frame, dst.bytes, LP_MAC_LEN);
        memcpy(frame + LP_MAC_LEN, p->mac.bytes, LP_MAC_LEN);
        be16_store(frame + 12, BENCH_ETHERTYPE);
        memcpy(frame + 14, &p->seq, sizeof p->seq);

        r = queue ? session_queue_frame(p->session, frame, arg.frame_size, now)
                  : session_send_frame(p->session, frame, arg.frame_size, now);
        if (r < 0) {
                p->tx_blocked++;
                return r;
        }
        p->seq++;
        p->tx_frames++;
        p->tx_expected += broadcast ? room_size(room) - 1 : 1;
        return 0;
}

static void peer_send(BenchPeer *p, uint64_t now) {
        if (session_get_state(p->session) != SESSION_STATE_JOINED)
                return;

        if (arg.rate == 0) {
                for (unsigned i = 0; i < FLOOD_BURST; i++)
                        if (peer_send_one(p, now, true) < 0)
                                break;
                return;
        }

        if (p->next_send == 0 || now > p->next_send + RATE_SLACK_NSEC)
                p->next_send = now;
        while (p->next_send <= now) {
                p->next_send += QUIC_NS_PER_SEC / arg.rate;
                if (peer_send_one(p, now, false) < 0)
                        break;
        }
}

/* ---- the run ---------------------------------------------------------------- */

typedef struct Totals {
        uint64_t rx, tx, blocked, expected, send_errors, tx_packets, rx_packets;
} Totals;

static void totals_get(Totals *t) {
        *t = (Totals) {};
        for (unsigned i = 0; i < arg.n_peers; i++) {
                t->rx += peers[i].rx_frames;
                t->tx += peers[i].tx_frames;
                t->blocked += peers[i].tx_blocked;
                t->expected += peers[i].tx_expected;
                t->send_errors += peers[i].send_errors;
                t->tx_packets += peers[i].tx_packets;
                t->rx_packets += peers[i].rx_packets;
        }
}

/* Every peer started so far has joined; once all are started, every
 * gateway also knows all its clients (it sends to clients it has heard of). */
static bool all_joined(void) {
        for (unsigned i = 0; i < n_started; i++)
                if (session_get_state(peers[i].session) != SESSION_STATE_JOINED)
                        return false;
        if (n_started < arg.n_peers)
                return true;
        for (unsigned r = 0; r < arg.n_rooms; r++)
                if (session_get_n_peers(peers[r].session) < room_size(r) - 1)
                        return false;
        return true;
}

/* Runs the event loop until `until` (or, with until 0, until everyone
 * joined). Traffic flows when `traffic` is set. */
static int run_loop(int ep, uint64_t until, bool traffic) {
        struct epoll_event events[64];
        uint64_t deadline = until ? until : now_ns() + JOIN_TIMEOUT_NSEC;

        for (;;) {
                uint64_t now = now_ns();
                int n;

                if (now >= deadline)
                        return until ? 0 : -ETIMEDOUT;
                if (!until && all_joined())
                        return 0;

                n = epoll_wait(ep, events, (int) ELEMENTSOF(events), traffic && arg.rate == 0 ? 0 : 1);
                if (n < 0 && errno != EINTR)
                        return -errno;
                now = now_ns();
                for (int i = 0; i < n; i++)
                        peer_receive(events[i].data.ptr, now);

                for (unsigned i = 0; i < n_started; i++) {
                        BenchPeer *p = &peers[i];

                        if (p->ended)
                                continue;
                        if (session_get_expiry(p->session) <= now)
                                (void) session_handle_expiry(p->session, now);
                        if (traffic)
                                peer_send(p, now);
                        (void) session_write(p->session, now);
                }
                for (unsigned i = 0; i < n_started && !leaving; i++)
                        if (peers[i].ended)
                                return -ECONNRESET;
        }
}

static void usage(void) {
        fprintf(stderr,
                "relay-micro --relay IPv4:PORT --pin PIN --token TOKEN [--peers N] [--rooms R] [--duration S]\n"
                "            [--warmup S] [--frame-size BYTES] [--broadcast-percent P] [--rate FPS]\n"
                "            [--relay-pid PID]\n");
        exit(2);
}

static void parse_args(int argc, char **argv) {
        static const struct option options[] = {
                { "relay", required_argument, NULL, 'r' },
                { "pin", required_argument, NULL, 'p' },
                { "token", required_argument, NULL, 't' },
                { "peers", required_argument, NULL, 'n' },
                { "rooms", required_argument, NULL, 'm' },
                { "duration", required_argument, NULL, 'd' },
                { "warmup", required_argument, NULL, 'w' },
                { "frame-size", required_argument, NULL, 's' },
                { "broadcast-percent", required_argument, NULL, 'b' },
                { "rate", required_argument, NULL, 'R' },
                { "relay-pid", required_argument, NULL, 'P' },
                {}
        };
        size_t size;
        int o;

        while ((o = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (o) {
                case 'r':
                        arg.relay = optarg;
                        break;
                case 'p':
                        if (b64url_decode(optarg, strlen(optarg), arg.pin, sizeof arg.pin, &size) < 0 ||
                            size != sizeof arg.pin)
                                usage();
                        break;
                case 't':
                        arg.token = optarg;
                        break;
                case 'n':
                        arg.n_peers = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'm':
                        arg.n_rooms = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'd':
                        arg.duration = strtod(optarg, NULL);
                        break;
                case 'w':
                        arg.warmup = strtod(optarg, NULL);
                        break;
                case 's':
                        arg.frame_size = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'b':
                        arg.broadcast_percent = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'R':
                        arg.rate = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'P':
                        arg.relay_pid = strtol(optarg, NULL, 10);
                        break;
                default:
                        usage();
                }
        if (!arg.relay || !arg.token || arg.n_peers < 2 || arg.n_peers > MAX_PEERS ||
            arg.n_rooms < 1 || arg.n_peers < 2 * arg.n_rooms || arg.duration <= 0 ||
            arg.warmup < 0 || arg.frame_size < 22 || arg.frame_size > 1000 || arg.broadcast_percent > 100 ||
            strlen(arg.token) > LP_CONTROL_GATEWAY_TOKEN_MAX)
                usage();
}

/* One socket per peer: 1000 peers need more than the usual 1024 files. */
static void raise_fd_limit(void) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
}

/* Starts peers [from, to) and waits until they (and all before) joined. */
static int join_batch(int ep, unsigned from, unsigned to) {
        int r;

        for (unsigned i = from; i < to; i++) {
                r = peer_start(&peers[i], i, now_ns());
                if (r < 0) {
                        fprintf(stderr, "relay-micro: cannot start peer %u: %s\n", i, strerror(-r));
                        return r;
                }
                (void) epoll_ctl(ep, EPOLL_CTL_ADD, peers[i].fd,
                                 &(struct epoll_event) { .events = EPOLLIN, .data.ptr = &peers[i] });
        }
        r = run_loop(ep, 0, false);
        if (r < 0)
                fprintf(stderr, "relay-micro: peers %u..%u did not join: %s\n", from, to - 1, strerror(-r));
        return r;
}

/* The gateways first (clients are rejected until theirs opened the room),
 * then the clients, JOIN_BATCH at a time. */
static int join_all(int ep) {
        for (unsigned i = 0; i < arg.n_peers;) {
                unsigned to = i + JOIN_BATCH;
                int r;

                if (i < arg.n_rooms && to > arg.n_rooms)
                        to = arg.n_rooms;
                if (to > arg.n_peers)
                        to = arg.n_peers;
                r = join_batch(ep, i, to);
                if (r < 0)
                        return r;
                i = to;
        }
        return 0;
}

int main(int argc, char **argv) {
        struct sockaddr_in sin = { .sin_family = AF_INET };
        char host[64], *colon;
        double cpu0, cpu1, self0, self1, secs;
        uint64_t t0, t1, now;
        Totals a, b;
        int ep, r;

        parse_args(argc, argv);
        log_set_max_level(getenv("BENCH_DEBUG") ? LOG_DEBUG : LOG_WARNING);

        snprintf(host, sizeof host, "%s", arg.relay);
        colon = strrchr(host, ':');
        if (!colon)
                usage();
        *colon = 0;
        sin.sin_port = htons((uint16_t) atoi(colon + 1));
        if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
            quic_addr_set(&relay_addr, (const ngtcp2_sockaddr *) &sin, sizeof sin) < 0)
                usage();
        memset(room_key, 0x42, sizeof room_key);

        raise_fd_limit();
        peers = calloc(arg.n_peers, sizeof *peers);
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (!peers || ep < 0)
                return 1;

        r = join_all(ep);
        if (r < 0)
                return 1;
        fprintf(stderr, "relay-micro: %u peers joined, warming up\n", arg.n_peers);

        r = run_loop(ep, now_ns() + (uint64_t) (arg.warmup * 1e9), true);
        if (r < 0) {
                fprintf(stderr, "relay-micro: the warm-up failed: %s\n", strerror(-r));
                return 1;
        }

        totals_get(&a);
        cpu0 = arg.relay_pid > 0 ? proc_cpu_seconds(arg.relay_pid) : -1;
        self0 = self_cpu_seconds();
        t0 = now_ns();
        r = run_loop(ep, t0 + (uint64_t) (arg.duration * 1e9), true);
        t1 = now_ns();
        cpu1 = arg.relay_pid > 0 ? proc_cpu_seconds(arg.relay_pid) : -1;
        self1 = self_cpu_seconds();
        totals_get(&b);
        if (r < 0) {
                fprintf(stderr, "relay-micro: the run failed: %s\n", strerror(-r));
                return 1;
        }

        secs = (double) (t1 - t0) / 1e9;
        {
                uint64_t rx = b.rx - a.rx, tx = b.tx - a.tx, expected = b.expected - a.expected;
                double relay_cpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;

                printf("{\"peers\":%u,\"rooms\":%u,\"frame_size\":%u,\"broadcast_percent\":%u,\"rate\":%u,\"seconds\":%.3f,"
                       "\"sent\":%" PRIu64 ",\"blocked\":%" PRIu64 ",\"expected\":%" PRIu64 ",\"forwarded\":%" PRIu64
                       ",\"send_errors\":%" PRIu64 ",\"packets_to_relay\":%" PRIu64 ",\"packets_from_relay\":%" PRIu64 ",\"forwarded_per_sec\":%.0f,\"relay_cpu_seconds\":%.3f,"
                       "\"relay_cpu_share\":%.3f,\"frames_per_relay_cpu_sec\":%.0f,\"generator_cpu_share\":%.3f,"
                       "\"relay_vmrss_kib\":%ld,\"relay_vmhwm_kib\":%ld}\n",
                       arg.n_peers, arg.n_rooms, arg.frame_size, arg.broadcast_percent, arg.rate, secs, tx, b.blocked - a.blocked,
                       expected, rx, b.send_errors - a.send_errors, b.tx_packets - a.tx_packets, b.rx_packets - a.rx_packets,
                       (double) rx / secs, relay_cpu,
                       relay_cpu >= 0 ? relay_cpu / secs : -1, relay_cpu > 0 ? (double) rx / relay_cpu : -1,
                       (self1 - self0) / secs, arg.relay_pid > 0 ? proc_status_kib(arg.relay_pid, "VmRSS") : -1,
                       arg.relay_pid > 0 ? proc_status_kib(arg.relay_pid, "VmHWM") : -1);
                fflush(stdout);
        }

        /* Say goodbye so the relay does not wait for idle timeouts. */
        leaving = true;
        now = now_ns();
        for (unsigned i = 0; i < arg.n_peers; i++)
                (void) session_disconnect(peers[i].session, LEAVE_REASON_QUIT, "benchmark done", now);
        (void) run_loop(ep, now_ns() + 200 * 1000000, false);
        for (unsigned i = 0; i < arg.n_peers; i++) {
                session_free(peers[i].session);
                close(peers[i].fd);
        }
        free(peers);
        close(ep);
        return 0;
}
