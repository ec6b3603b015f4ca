/* SPDX-License-Identifier: MIT */
/* A WAN path between two interfaces, in user space: this kernel has no
 * netem. Every Ethernet frame that arrives on one interface (AF_PACKET,
 * read in batches with recvmmsg) is judged by the model of its direction
 * (bench/wan-link.c: loss, burst loss, a rate-limited bottleneck buffer,
 * delay and jitter) and sent out of the other interface when the model
 * says, by one thread per direction sleeping on an absolute CLOCK_MONOTONIC
 * timerfd. Arrival times are the kernel's receive timestamps, so the time
 * the thread takes to wake up for a frame does not add to its delay.
 *
 * Checksum state passes through (PACKET_VNET_HDR on both sockets), so the
 * neighbours may keep checksum offload; segmentation offload they must
 * turn off (ethtool -K IF tso off gso off gro off tx-udp-segmentation off):
 * a 64 KiB GSO frame is not a packet on a WAN. Such frames are dropped and counted.
 *
 * Counters go to stdout on SIGUSR1 and at exit (SIGINT, SIGTERM), one line
 * per direction of key=value pairs. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "wan-link.h"
#include "wan-parse.h"

#define BATCH 64
#define DEFAULT_MAX_FRAMES 8192
#define MAX_MAX_FRAMES 262144
#define SOCKET_BUFFER (8 * 1024 * 1024)
#define VNET_HDR_LEN sizeof(struct virtio_net_hdr)
/* The timer wakes the thread this much late on average (measured, a
 * moving average): it is set that much before a frame's time, and the
 * thread waits out the rest awake, at most SPIN_MAX_NS. */
#define WAKE_EARLY_MAX_NS (500 * UINT64_C(1000))
#define SPIN_MAX_NS (WAKE_EARLY_MAX_NS + 100 * UINT64_C(1000))
/* Dispatch lateness histogram: 1 µs buckets up to this, then "more". */
#define LATE_BUCKETS 2000

typedef struct Counters {
        _Atomic uint64_t received, received_bytes;
        _Atomic uint64_t sent, sent_bytes;
        _Atomic uint64_t drop[_WAN_VERDICT_MAX]; /* [WAN_PASS] unused */
        _Atomic uint64_t loss_runs;              /* runs of consecutive lost frames */
        _Atomic uint64_t drop_pool;              /* no free frame slot (--max-frames) */
        _Atomic uint64_t drop_gso;               /* GSO or truncated: offloads left on */
        _Atomic uint64_t send_errors;
        _Atomic uint64_t kernel_drops;           /* the receive socket's buffer overflowed */
        _Atomic uint64_t in_flight;              /* frames held, waiting for their time */
        _Atomic uint64_t late_sum_ns, late_max_ns;
        _Atomic uint64_t late_hist[LATE_BUCKETS + 1];
} Counters;

typedef struct Direction {
        const char *name; /* "a->b" */
        const char *in_if, *out_if;
        int in_ifindex, out_ifindex;
        WanLinkConfig config;
        WanLink link;
        WanQueue queue;

        int rx_fd, tx_fd, timer_fd, stop_fd;
        uint8_t *pool; /* max_frames slots of slot_size bytes: length, vnet header, frame */
        size_t slot_size;
        uint32_t *free_slots;
        size_t n_free;
        uint64_t armed_ns;    /* when the timer is set to fire; 0: not set */
        uint64_t wake_early_ns; /* how long before a frame's time the timer is set */

        pthread_t thread;
        bool started;
        int error; /* negative errno when the thread gave up */
        Counters counters;
} Direction;

typedef struct Slot {
        uint32_t len; /* vnet header + frame */
        uint8_t data[];
} Slot;

static struct {
        size_t max_frames;
        uint64_t seed;
        bool seed_set;
        int realtime; /* SCHED_FIFO priority of the direction threads; 0: normal */
} arg = {
        .max_frames = DEFAULT_MAX_FRAMES,
};

static inline void counter_add(_Atomic uint64_t *c, uint64_t n) {
        /* One writer per counter (its direction's thread): no lock needed,
         * only a tear-free value for the reader. */
        atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

static inline uint64_t counter_get(_Atomic uint64_t *c) {
        return atomic_load_explicit(c, memory_order_relaxed);
}

static uint64_t now_ns(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * WAN_NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

static Slot *slot_at(Direction *d, uint32_t i) {
        return (Slot *) (d->pool + (size_t) i * d->slot_size);
}

static void close_fdp(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

static int interface_mtu(const char *ifname, unsigned *ret) {
        _cleanup_(close_fdp) int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {};

        if (fd < 0)
                return -errno;
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
        if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
                return -errno;
        *ret = (unsigned) ifr.ifr_mtu;
        return 0;
}

static int setsockopt_int(int fd, int level, int name, int value) {
        return setsockopt(fd, level, name, &value, sizeof(value)) < 0 ? -errno : 0;
}

static int open_rx(Direction *d) {
        struct sockaddr_ll sll = {
                .sll_family = AF_PACKET,
                .sll_protocol = htons(ETH_P_ALL),
                .sll_ifindex = d->in_ifindex,
        };
        struct packet_mreq mreq = {.mr_ifindex = d->in_ifindex, .mr_type = PACKET_MR_PROMISC};
        char drain[64];
        int r;

        /* Protocol 0 until bound: nothing from other interfaces queues up. */
        d->rx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (d->rx_fd < 0)
                return log_error_errno(errno, "Failed to open a packet socket: %m");
        if ((r = setsockopt_int(d->rx_fd, SOL_PACKET, PACKET_VNET_HDR, 1)) < 0 ||
            (r = setsockopt_int(d->rx_fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)) < 0 ||
            (r = setsockopt_int(d->rx_fd, SOL_SOCKET, SO_TIMESTAMPNS, 1)) < 0)
                return log_error_errno(r, "Failed to set up the packet socket on %s: %m", d->in_if);
        if (setsockopt_int(d->rx_fd, SOL_SOCKET, SO_RCVBUFFORCE, SOCKET_BUFFER) < 0)
                (void) setsockopt_int(d->rx_fd, SOL_SOCKET, SO_RCVBUF, SOCKET_BUFFER);
        if (bind(d->rx_fd, (struct sockaddr *) &sll, sizeof(sll)) < 0)
                return log_error_errno(errno, "Failed to bind to %s: %m", d->in_if);
        if (setsockopt(d->rx_fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
                return log_error_errno(errno, "Failed to make %s promiscuous: %m", d->in_if);
        while (recv(d->rx_fd, drain, sizeof(drain), MSG_DONTWAIT) >= 0)
                ;
        return 0;
}

static int open_tx(Direction *d) {
        struct sockaddr_ll sll = {
                .sll_family = AF_PACKET,
                .sll_protocol = 0, /* send only */
                .sll_ifindex = d->out_ifindex,
        };
        int r;

        d->tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (d->tx_fd < 0)
                return log_error_errno(errno, "Failed to open a packet socket: %m");
        if ((r = setsockopt_int(d->tx_fd, SOL_PACKET, PACKET_VNET_HDR, 1)) < 0)
                return log_error_errno(r, "Failed to set up the packet socket on %s: %m", d->out_if);
        /* The emulator is the queue: no qdisc behind it. */
        (void) setsockopt_int(d->tx_fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1);
        if (setsockopt_int(d->tx_fd, SOL_SOCKET, SO_SNDBUFFORCE, SOCKET_BUFFER) < 0)
                (void) setsockopt_int(d->tx_fd, SOL_SOCKET, SO_SNDBUF, SOCKET_BUFFER);
        if (bind(d->tx_fd, (struct sockaddr *) &sll, sizeof(sll)) < 0)
                return log_error_errno(errno, "Failed to bind to %s: %m", d->out_if);
        return 0;
}

static int direction_setup(Direction *d, size_t frame_max, uint64_t seed) {
        int r;

        r = wan_link_init(&d->link, &d->config, seed);
        if (r < 0)
                return log_error_errno(r, "%s: invalid link settings", d->name);
        r = wan_queue_init(&d->queue, arg.max_frames);
        if (r < 0)
                return log_oom();
        d->slot_size = (sizeof(Slot) + VNET_HDR_LEN + frame_max + 63) & ~(size_t) 63;
        d->pool = mmap(NULL, d->slot_size * arg.max_frames, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        if (d->pool == MAP_FAILED) {
                d->pool = NULL;
                return log_error_errno(errno, "Failed to allocate %zu frame slots: %m", arg.max_frames);
        }
        d->free_slots = calloc(arg.max_frames, sizeof(uint32_t));
        if (!d->free_slots)
                return log_oom();
        for (size_t i = 0; i < arg.max_frames; i++)
                d->free_slots[i] = (uint32_t) (arg.max_frames - 1 - i);
        d->n_free = arg.max_frames;

        d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (d->timer_fd < 0 || d->stop_fd < 0)
                return log_error_errno(errno, "Failed to make a timer: %m");
        r = open_rx(d);
        if (r < 0)
                return r;
        return open_tx(d);
}

static void direction_done(Direction *d) {
        close_fdp(&d->rx_fd);
        close_fdp(&d->tx_fd);
        close_fdp(&d->timer_fd);
        close_fdp(&d->stop_fd);
        if (d->pool)
                munmap(d->pool, d->slot_size * arg.max_frames);
        free(d->free_slots);
        wan_queue_done(&d->queue);
}

static void record_late(Counters *c, uint64_t late_ns) {
        uint64_t us = late_ns / 1000;

        counter_add(&c->late_sum_ns, late_ns);
        if (late_ns > counter_get(&c->late_max_ns))
                atomic_store_explicit(&c->late_max_ns, late_ns, memory_order_relaxed);
        counter_add(&c->late_hist[us < LATE_BUCKETS ? us : LATE_BUCKETS], 1);
}

/* Sends every frame due by now, in batches. */
static void send_due(Direction *d) {
        struct mmsghdr msgs[BATCH];
        struct iovec iov[BATCH];
        uint32_t slots[BATCH];
        uint64_t due[BATCH];

        for (;;) {
                uint64_t now = now_ns(CLOCK_MONOTONIC);
                const WanQueueEntry *top;
                WanQueueEntry e;
                unsigned n = 0;
                int sent;

                while (n < BATCH && (top = wan_queue_peek(&d->queue)) && top->deliver_ns <= now) {
                        wan_queue_pop(&d->queue, &e);
                        Slot *s = slot_at(d, e.slot);
                        iov[n] = (struct iovec) {.iov_base = s->data, .iov_len = s->len};
                        msgs[n] = (struct mmsghdr) {.msg_hdr = {.msg_iov = &iov[n], .msg_iovlen = 1}};
                        slots[n] = e.slot;
                        due[n] = e.deliver_ns;
                        n++;
                }
                if (n == 0)
                        return;
                /* A frame the kernel refuses (ENOBUFS, the peer gone) is
                 * counted and given up; the rest of the batch still goes. */
                for (unsigned done = 0; done < n;) {
                        /* Lateness is taken as the frames are handed to the
                         * kernel: on a veth the call itself goes on to run the
                         * receiver's stack, which is the path's, not ours. */
                        now = now_ns(CLOCK_MONOTONIC);
                        sent = sendmmsg(d->tx_fd, msgs + done, n - done, 0);
                        if (sent <= 0) {
                                counter_add(&d->counters.send_errors, 1);
                                done++;
                                continue;
                        }
                        for (unsigned i = done; i < done + (unsigned) sent; i++) {
                                counter_add(&d->counters.sent, 1);
                                counter_add(&d->counters.sent_bytes, iov[i].iov_len - VNET_HDR_LEN);
                                record_late(&d->counters, now > due[i] ? now - due[i] : 0);
                        }
                        done += (unsigned) sent;
                }
                for (unsigned i = 0; i < n; i++)
                        d->free_slots[d->n_free++] = slots[i];
        }
}

static uint64_t cmsg_rx_time(struct msghdr *mh, uint64_t realtime_to_mono, uint64_t fallback) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                        struct timespec ts;
                        memcpy(&ts, CMSG_DATA(c), sizeof(ts));
                        uint64_t rt = (uint64_t) ts.tv_sec * WAN_NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
                        uint64_t mono = rt - realtime_to_mono;
                        /* A timestamp from the future (clock stepped) is no use. */
                        return mono <= fallback ? mono : fallback;
                }
        return fallback;
}

/* Reads what is queued, up to a few batches, and schedules each frame. */
static int receive_some(Direction *d) {
        static _Thread_local uint8_t scratch[VNET_HDR_LEN + 65536];
        struct mmsghdr msgs[BATCH];
        struct iovec iov[BATCH];
        uint32_t slots[BATCH];
        char control[BATCH][CMSG_SPACE(sizeof(struct timespec))];
        size_t frame_room = d->slot_size - sizeof(Slot);

        for (unsigned round = 0; round < 4; round++) {
                /* With no slot free the frames are still read, into
                 * scratch space (one at a time), and dropped: the kernel
                 * must not queue them behind our back. */
                bool to_scratch = d->n_free == 0;
                unsigned want = to_scratch ? 1 : (unsigned) MIN((size_t) BATCH, d->n_free);
                int n;

                for (unsigned i = 0; i < want; i++) {
                        if (to_scratch)
                                iov[i] = (struct iovec) {.iov_base = scratch, .iov_len = sizeof(scratch)};
                        else {
                                slots[i] = d->free_slots[--d->n_free];
                                iov[i] = (struct iovec) {.iov_base = slot_at(d, slots[i])->data,
                                                         .iov_len = frame_room};
                        }
                        msgs[i] = (struct mmsghdr) {.msg_hdr = {
                                .msg_iov = &iov[i], .msg_iovlen = 1,
                                .msg_control = control[i], .msg_controllen = sizeof(control[i]),
                        }};
                }
                n = recvmmsg(d->rx_fd, msgs, want, MSG_DONTWAIT | MSG_TRUNC, NULL);
                if (n < 0) {
                        int e = errno;
                        if (!to_scratch)
                                for (unsigned i = want; i > 0; i--)
                                        d->free_slots[d->n_free++] = slots[i - 1];
                        if (e == EAGAIN || e == EINTR)
                                return 0;
                        /* The interface went away (ENETDOWN): nothing to emulate. */
                        return log_error_errno(e, "%s: failed to receive on %s: %m", d->name, d->in_if);
                }
                uint64_t mono = now_ns(CLOCK_MONOTONIC);
                uint64_t offset = now_ns(CLOCK_REALTIME) - mono;
                for (unsigned i = 0; i < want; i++) {
                        size_t len = i < (unsigned) n ? msgs[i].msg_len : 0;
                        const struct virtio_net_hdr *vh = iov[i].iov_base;
                        uint64_t arrival, deliver;
                        bool keep = false;

                        if (i < (unsigned) n && len >= VNET_HDR_LEN + ETH_HLEN) {
                                counter_add(&d->counters.received, 1);
                                counter_add(&d->counters.received_bytes, len - VNET_HDR_LEN);
                                if (to_scratch)
                                        counter_add(&d->counters.drop_pool, 1);
                                else if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) || len > frame_room ||
                                         vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
                                        if (counter_get(&d->counters.drop_gso) == 0)
                                                log_warning("%s: a %zu-byte frame (GSO/GRO) from %s, dropped; "
                                                            "turn off offloads (ethtool -K PEER tso off gso "
                                                            "off gro off tx-udp-segmentation off)",
                                                            d->name, len - VNET_HDR_LEN, d->in_if);
                                        counter_add(&d->counters.drop_gso, 1);
                                } else {
                                        arrival = cmsg_rx_time(&msgs[i].msg_hdr, offset, mono);
                                        bool was_lost = d->link.last_lost;
                                        WanVerdict v = wan_link_admit(&d->link, arrival, len - VNET_HDR_LEN,
                                                                      &deliver);
                                        if (v == WAN_PASS) {
                                                slot_at(d, slots[i])->len = (uint32_t) len;
                                                /* Cannot fail: the queue holds as many as the pool. */
                                                keep = wan_queue_push(&d->queue, deliver, slots[i]) >= 0;
                                        } else {
                                                counter_add(&d->counters.drop[v], 1);
                                                if (d->link.last_lost && !was_lost)
                                                        counter_add(&d->counters.loss_runs, 1);
                                        }
                                }
                        }
                        if (!keep && !to_scratch)
                                d->free_slots[d->n_free++] = slots[i];
                }
                if (n < (int) want)
                        return 0;
        }
        return 0;
}

static int arm_timer(Direction *d) {
        const WanQueueEntry *top = wan_queue_peek(&d->queue);
        uint64_t when = top ? top->deliver_ns - MIN(top->deliver_ns - 1, d->wake_early_ns) : 0;
        struct itimerspec its = {};

        if (when == d->armed_ns)
                return 0;
        its.it_value = (struct timespec) {.tv_sec = (time_t) (when / WAN_NSEC_PER_SEC),
                                          .tv_nsec = (long) (when % WAN_NSEC_PER_SEC)};
        if (timerfd_settime(d->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
                return log_error_errno(errno, "%s: failed to arm the timer: %m", d->name);
        d->armed_ns = when;
        return 0;
}

/* The timer fired: learn how late it woke us, and wait out the time to the
 * next frame awake when it is short, instead of sleeping past it. */
static void timer_fired(Direction *d) {
        uint64_t now = now_ns(CLOCK_MONOTONIC), late = now > d->armed_ns ? now - d->armed_ns : 0;
        const WanQueueEntry *top;

        /* Moving average over ~16 wake-ups of the timer's own latency
         * (how late after the time it was set for). */
        uint64_t target = MIN(late, WAKE_EARLY_MAX_NS);
        d->wake_early_ns = d->wake_early_ns - d->wake_early_ns / 16 + target / 16;
        d->armed_ns = 0; /* re-arm even for the same time */
        top = wan_queue_peek(&d->queue);
        if (top && top->deliver_ns > now && top->deliver_ns - now <= SPIN_MAX_NS)
                while (now_ns(CLOCK_MONOTONIC) < top->deliver_ns)
                        ;
}

static void *direction_run(void *userdata) {
        Direction *d = userdata;
        struct pollfd pfd[3] = {
                {.fd = d->rx_fd, .events = POLLIN},
                {.fd = d->timer_fd, .events = POLLIN},
                {.fd = d->stop_fd, .events = POLLIN},
        };
        int r = 0;

        /* Timer wake-ups to the nanosecond, not the default 50 µs slack. */
        (void) prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
        for (;;) {
                uint64_t expirations;

                send_due(d);
                atomic_store_explicit(&d->counters.in_flight, arg.max_frames - d->n_free, memory_order_relaxed);
                r = arm_timer(d);
                if (r < 0)
                        break;
                if (poll(pfd, ELEMENTSOF(pfd), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = log_error_errno(errno, "%s: poll failed: %m", d->name);
                        break;
                }
                if (pfd[2].revents)
                        break;
                if (pfd[1].revents && read(d->timer_fd, &expirations, sizeof(expirations)) > 0)
                        timer_fired(d);
                if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
                        r = log_error_errno(ENETDOWN, "%s: %s is gone", d->name, d->in_if);
                        break;
                }
                if (pfd[0].revents) {
                        r = receive_some(d);
                        if (r < 0)
                                break;
                }
        }
        d->error = r;
        if (r < 0)
                kill(getpid(), SIGUSR2); /* tells main to stop */
        return NULL;
}

static uint64_t late_percentile_us(Counters *c, uint64_t total, double q) {
        uint64_t want = (uint64_t) ((double) total * q), seen = 0;

        for (unsigned i = 0; i <= LATE_BUCKETS; i++) {
                seen += counter_get(&c->late_hist[i]);
                if (seen > want)
                        return i;
        }
        return LATE_BUCKETS;
}

static void print_counters(Direction *dirs, size_t n, const char *when) {
        for (size_t i = 0; i < n; i++) {
                Direction *d = &dirs[i];
                Counters *c = &d->counters;
                struct tpacket_stats st = {};
                socklen_t sl = sizeof(st);
                uint64_t sent = counter_get(&c->sent);

                /* Reading PACKET_STATISTICS resets it: add it up here. */
                if (getsockopt(d->rx_fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0)
                        atomic_fetch_add(&c->kernel_drops, st.tp_drops);
                printf("wan-emu %s %s: in=%s out=%s received=%" PRIu64 " received_bytes=%" PRIu64
                       " sent=%" PRIu64 " sent_bytes=%" PRIu64 " drop_loss=%" PRIu64 " drop_burst=%" PRIu64
                       " loss_runs=%" PRIu64 " drop_buffer=%" PRIu64 " drop_pool=%" PRIu64 " drop_gso=%" PRIu64
                       " send_errors=%" PRIu64 " kernel_drops=%" PRIu64 " in_flight=%" PRIu64
                       " late_us_avg=%.1f late_us_p50=%" PRIu64 " late_us_p99=%" PRIu64 " late_us_max=%.1f\n",
                       when, d->name, d->in_if, d->out_if, counter_get(&c->received),
                       counter_get(&c->received_bytes), sent, counter_get(&c->sent_bytes),
                       counter_get(&c->drop[WAN_DROP_LOSS]), counter_get(&c->drop[WAN_DROP_BURST]),
                       counter_get(&c->loss_runs), counter_get(&c->drop[WAN_DROP_BUFFER]),
                       counter_get(&c->drop_pool), counter_get(&c->drop_gso), counter_get(&c->send_errors),
                       counter_get(&c->kernel_drops), counter_get(&c->in_flight),
                       sent ? (double) counter_get(&c->late_sum_ns) / (double) sent / 1e3 : 0.0,
                       sent ? late_percentile_us(c, sent, 0.5) : 0, sent ? late_percentile_us(c, sent, 0.99) : 0,
                       (double) counter_get(&c->late_max_ns) / 1e3);
        }
        fflush(stdout);
}

static void help(void) {
        printf("Usage: wan-emu [OPTIONS] IFACE_A IFACE_B\n"
               "\n"
               "Emulates a WAN path between two interfaces (e.g. two veths in a namespace of\n"
               "their own): frames arriving on IFACE_A leave on IFACE_B and the other way\n"
               "round, after loss, a rate-limited bottleneck and delay (a lost frame takes no\n"
               "room in the bottleneck). Each direction has its own settings: a value \"X\"\n"
               "applies to both, \"X/Y\" means X from A to B and Y from B to A. Per frame,\n"
               "in this order:\n"
               "\n"
               "  --burst-loss P,R[,G[,B]]\n"
               "                        Gilbert-Elliott loss, percentages: per frame the good\n"
               "                        state turns bad with P, the bad turns good with R;\n"
               "                        loss G in the good state (default 0), B in the bad\n"
               "                        one (default 100). Bursts last 100/R frames on\n"
               "                        average; the loss rate is P/(P+R) with the defaults\n"
               "  --loss PERCENT        independent random loss (e.g. 0.1 or 0.1%%)\n"
               "  --rate RATE           bottleneck rate in bit/s (k, M, G: powers of 1000;\n"
               "                        \"20M\", \"1.5Gbit\"); a frame leaves the bottleneck at\n"
               "                        max(arrival, previous departure) + size / RATE, size\n"
               "                        being the Ethernet frame without FCS. 0: no limit\n"
               "                        (default)\n"
               "  --buffer SIZE         bottleneck buffer in bytes (k, M; Ki, Mi): a frame\n"
               "                        that does not fit behind the bytes still waiting is\n"
               "                        dropped (tail drop). Needs --rate. Default: unbounded\n"
               "                        but for --max-frames\n"
               "  --delay TIME          one-way delay after the bottleneck (ns, us, ms, s; a\n"
               "                        bare number is ms; at most 10 s). Default 0\n"
               "  --jitter TIME         extra delay per frame, uniform in [0, TIME]. A frame\n"
               "                        never overtakes the one before it (it waits for it)\n"
               "  --reorder             let jitter reorder frames (real paths rarely do)\n"
               "\n"
               "  --max-frames N        frames held per direction at most (default %d, at\n"
               "                        most %d); more are dropped and counted (drop_pool).\n"
               "                        Memory: N x (MTU + 100) bytes per direction\n"
               "  --seed N              seed of the random generator (default: from the\n"
               "                        clock; printed at start, to repeat a run)\n"
               "  --realtime PRIO       run the two threads SCHED_FIFO at PRIO (1..99): on a\n"
               "                        busy machine they then wake on time (they sleep\n"
               "                        between frames and never spin)\n"
               "  -h, --help            this text\n"
               "\n"
               "Both interfaces must be up; the neighbours must not send GSO frames (ethtool\n"
               "-K IF tso off gso off gro off tx-udp-segmentation off), which are dropped and\n"
               "counted (drop_gso).\n"
               "Frames that arrive are timestamped by the kernel; a thread per direction\n"
               "sends each at its time, woken by a CLOCK_MONOTONIC timer. How late it was\n"
               "is counted (late_us_*). Needs CAP_NET_RAW (root).\n"
               "\n"
               "Counters, one line per direction of key=value pairs, go to stdout on SIGUSR1\n"
               "and at exit (SIGINT, SIGTERM): frames received and sent, drops by reason\n"
               "(drop_loss, drop_burst, drop_buffer, drop_pool, drop_gso; kernel_drops: the\n"
               "receive buffer overflowed), loss_runs (runs of consecutive lost frames),\n"
               "and how late frames were handed to the kernel: late_us_avg, _p50, _p99\n"
               "(2000: 2 ms or more), _max. \"running\" on stderr means both directions are\n"
               "set up. Exit status: 0 after a signal, 1 on a failure, 2 bad usage.\n",
               DEFAULT_MAX_FRAMES, MAX_MAX_FRAMES);
}

enum {
        ARG_LOSS = 0x100,
        ARG_BURST_LOSS,
        ARG_RATE,
        ARG_BUFFER,
        ARG_DELAY,
        ARG_JITTER,
        ARG_REORDER,
        ARG_MAX_FRAMES,
        ARG_SEED,
        ARG_REALTIME,
};

/* Applies one per-direction option to both directions' settings. */
static int parse_directional(int opt, const char *name, const char *value, WanLinkConfig cfg[2]) {
        char side[2][128];
        int r;

        if (wan_split_directions(value, side[0], side[1], sizeof(side[0])) < 0) {
                log_error("--%s: expected VALUE or A_TO_B/B_TO_A, got '%s'", name, value);
                return -EINVAL;
        }
        for (unsigned i = 0; i < 2; i++) {
                double ge[4];
                switch (opt) {
                case ARG_LOSS:
                        r = wan_parse_percent(side[i], &cfg[i].loss);
                        break;
                case ARG_BURST_LOSS:
                        r = wan_parse_burst(side[i], ge);
                        if (r >= 0 && ge[0] > 0 && ge[1] == 0)
                                r = -EDOM;
                        if (r >= 0) {
                                cfg[i].ge_p = ge[0];
                                cfg[i].ge_r = ge[1];
                                cfg[i].ge_loss_good = ge[2];
                                cfg[i].ge_loss_bad = ge[3];
                        }
                        break;
                case ARG_RATE:
                        r = wan_parse_rate(side[i], &cfg[i].rate_bps);
                        break;
                case ARG_BUFFER:
                        r = wan_parse_size(side[i], &cfg[i].buffer_bytes);
                        break;
                case ARG_DELAY:
                        r = wan_parse_duration(side[i], &cfg[i].delay_ns);
                        break;
                case ARG_JITTER:
                        r = wan_parse_duration(side[i], &cfg[i].jitter_ns);
                        break;
                default:
                        r = -EINVAL;
                }
                if (r < 0) {
                        static const char *const what[] = {
                                [ARG_LOSS - ARG_LOSS] = "a percentage 0..100",
                                [ARG_BURST_LOSS - ARG_LOSS] = "P,R[,G[,B]] in percent, R > 0 when P > 0",
                                [ARG_RATE - ARG_LOSS] = "a rate like 20M, 1.5G or 0 (at most 100G)",
                                [ARG_BUFFER - ARG_LOSS] = "a size like 64k, 1.5M or 100000 (at most 1 GiB)",
                                [ARG_DELAY - ARG_LOSS] = "a time like 7.5ms, 200us (at most 10 s)",
                                [ARG_JITTER - ARG_LOSS] = "a time like 5ms, 200us (at most 10 s)",
                        };
                        log_error("--%s: '%s' is not %s", name, side[i], what[opt - ARG_LOSS]);
                        return -EINVAL;
                }
        }
        return 0;
}

static int parse_argv(int argc, char *argv[], WanLinkConfig cfg[2], const char **ret_a, const char **ret_b) {
        static const struct option options[] = {
                {"loss", required_argument, NULL, ARG_LOSS},
                {"burst-loss", required_argument, NULL, ARG_BURST_LOSS},
                {"rate", required_argument, NULL, ARG_RATE},
                {"buffer", required_argument, NULL, ARG_BUFFER},
                {"delay", required_argument, NULL, ARG_DELAY},
                {"jitter", required_argument, NULL, ARG_JITTER},
                {"reorder", no_argument, NULL, ARG_REORDER},
                {"max-frames", required_argument, NULL, ARG_MAX_FRAMES},
                {"seed", required_argument, NULL, ARG_SEED},
                {"realtime", required_argument, NULL, ARG_REALTIME},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c, index, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, &index)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        exit(0);
                case ARG_REORDER:
                        cfg[0].reorder = cfg[1].reorder = true;
                        break;
                case ARG_MAX_FRAMES:
                case ARG_REALTIME:
                case ARG_SEED: {
                        char *end;
                        unsigned long long v;
                        errno = 0;
                        v = strtoull(optarg, &end, 10);
                        if (errno || end == optarg || *end || optarg[0] == '-' ||
                            (c == ARG_MAX_FRAMES && (v < 16 || v > MAX_MAX_FRAMES)) ||
                            (c == ARG_REALTIME && (v < 1 || v > 99))) {
                                if (c == ARG_REALTIME)
                                        log_error("--realtime: '%s' is not a priority 1..99", optarg);
                                else if (c == ARG_MAX_FRAMES)
                                        log_error("--max-frames: '%s' is not a number 16..%d", optarg,
                                                  MAX_MAX_FRAMES);
                                else
                                        log_error("--seed: '%s' is not a number 0..2^64-1", optarg);
                                return -EINVAL;
                        }
                        if (c == ARG_REALTIME)
                                arg.realtime = (int) v;
                        else if (c == ARG_MAX_FRAMES)
                                arg.max_frames = (size_t) v;
                        else {
                                arg.seed = v;
                                arg.seed_set = true;
                        }
                        break;
                }
                case ':':
                        log_error("%s needs a value", argv[optind - 1]);
                        return -EINVAL;
                case '?':
                        log_error("unknown option '%s'", argv[optind - 1]);
                        return -EINVAL;
                default:
                        r = parse_directional(c, options[index].name, optarg, cfg);
                        if (r < 0)
                                return r;
                }
        }
        if (argc - optind != 2) {
                log_error("expected two interfaces, IFACE_A IFACE_B (see --help)");
                return -EINVAL;
        }
        for (unsigned i = 0; i < 2; i++) {
                if (cfg[i].buffer_bytes > 0 && cfg[i].rate_bps == 0) {
                        log_error("--buffer needs --rate in the same direction (%s)", i == 0 ? "A to B" : "B to A");
                        return -EINVAL;
                }
                if (cfg[i].delay_ns + cfg[i].jitter_ns > WAN_MAX_DELAY_NS) {
                        log_error("--delay plus --jitter is more than 10 s");
                        return -EINVAL;
                }
        }
        *ret_a = argv[optind];
        *ret_b = argv[optind + 1];
        if (strcmp(*ret_a, *ret_b) == 0) {
                log_error("IFACE_A and IFACE_B are the same interface");
                return -EINVAL;
        }
        return 0;
}

static void describe(const Direction *d) {
        const WanLinkConfig *c = &d->config;
        char buffer[32] = "unbounded";

        if (c->buffer_bytes)
                snprintf(buffer, sizeof(buffer), "%" PRIu64 " B", c->buffer_bytes);
        log_info("%s (%s -> %s): delay %.3f ms, jitter 0..%.3f ms%s, loss %.4g%%, burst loss %s%.4g%%/%.4g%% "
                 "(loss %.4g%%/%.4g%%), rate %s%.6g Mbit/s, buffer %s",
                 d->name, d->in_if, d->out_if, (double) c->delay_ns / 1e6, (double) c->jitter_ns / 1e6,
                 c->reorder ? " (reordering)" : "", c->loss * 100, c->ge_p > 0 ? "" : "off ", c->ge_p * 100,
                 c->ge_r * 100, c->ge_loss_good * 100, c->ge_loss_bad * 100, c->rate_bps ? "" : "unlimited ",
                 (double) c->rate_bps / 1e6, buffer);
}

int main(int argc, char *argv[]) {
        WanLinkConfig cfg[2] = {};
        Direction dirs[2] = {};
        const char *if_a, *if_b;
        unsigned mtu_a, mtu_b;
        sigset_t mask;
        int r, sig, ret = 0;

        log_set_max_level(LOG_INFO);
        if (parse_argv(argc, argv, cfg, &if_a, &if_b) < 0)
                return 2;

        int idx_a = (int) if_nametoindex(if_a), idx_b = (int) if_nametoindex(if_b);
        if (idx_a == 0 || idx_b == 0) {
                log_error("no interface '%s'", idx_a == 0 ? if_a : if_b);
                return 1;
        }
        if (interface_mtu(if_a, &mtu_a) < 0 || interface_mtu(if_b, &mtu_b) < 0) {
                log_error_errno(errno, "Failed to read the MTU of %s and %s: %m", if_a, if_b);
                return 1;
        }
        if (!arg.seed_set)
                arg.seed = now_ns(CLOCK_REALTIME) ^ ((uint64_t) getpid() << 32);
        log_info("seed %" PRIu64, arg.seed);

        /* Signals are taken by sigwait below, never by the threads. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGUSR2);
        sigaddset(&mask, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &mask, NULL);

        dirs[0] = (Direction) {.name = "a->b", .in_if = if_a, .out_if = if_b, .in_ifindex = idx_a,
                               .out_ifindex = idx_b, .config = cfg[0],
                               .rx_fd = -EBADF, .tx_fd = -EBADF, .timer_fd = -EBADF, .stop_fd = -EBADF};
        dirs[1] = (Direction) {.name = "b->a", .in_if = if_b, .out_if = if_a, .in_ifindex = idx_b,
                               .out_ifindex = idx_a, .config = cfg[1],
                               .rx_fd = -EBADF, .tx_fd = -EBADF, .timer_fd = -EBADF, .stop_fd = -EBADF};
        /* Frames up to the larger MTU plus an Ethernet and a VLAN header. */
        size_t frame_max = MAX(mtu_a, mtu_b) + ETH_HLEN + 4;
        for (unsigned i = 0; i < 2; i++) {
                r = direction_setup(&dirs[i], frame_max, arg.seed + i);
                if (r < 0) {
                        ret = 1;
                        goto finish;
                }
                describe(&dirs[i]);
        }
        for (unsigned i = 0; i < 2; i++) {
                pthread_attr_t attr;
                pthread_attr_init(&attr);
                if (arg.realtime > 0) {
                        struct sched_param sp = {.sched_priority = arg.realtime};
                        pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
                        pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
                        pthread_attr_setschedparam(&attr, &sp);
                }
                r = pthread_create(&dirs[i].thread, &attr, direction_run, &dirs[i]);
                pthread_attr_destroy(&attr);
                if (r != 0) {
                        log_error_errno(r, "Failed to start a thread%s: %m",
                                        arg.realtime > 0 ? " with SCHED_FIFO (--realtime)" : "");
                        ret = 1;
                        goto finish;
                }
                dirs[i].started = true;
        }
        log_info("running");

        for (;;) {
                if (sigwait(&mask, &sig) != 0)
                        continue;
                if (sig == SIGUSR1) {
                        print_counters(dirs, 2, "now");
                        continue;
                }
                if (sig == SIGUSR2)
                        ret = 1; /* a thread failed; it said why */
                break;
        }

finish:
        for (unsigned i = 0; i < 2; i++)
                if (dirs[i].started) {
                        uint64_t one = 1;
                        (void) !write(dirs[i].stop_fd, &one, sizeof(one));
                        pthread_join(dirs[i].thread, NULL);
                        if (dirs[i].error < 0)
                                ret = 1;
                }
        if (dirs[0].started)
                print_counters(dirs, 2, "exit");
        for (unsigned i = 0; i < 2; i++)
                direction_done(&dirs[i]);
        return ret;
}
