/* SPDX-License-Identifier: MIT */
#pragma once

/* One direction of an emulated WAN path, as pure arithmetic on nanosecond
 * timestamps: random and burst loss, a bottleneck (a buffer of so many
 * bytes drained at a fixed bit rate, tail drop when full), then a delay
 * with jitter. bench/wan-emu.c feeds it the arrival time and size of every
 * frame and sends the frame when the link says; tests/test-wan-link.c
 * checks the model with a seeded generator. No I/O, no clock here. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WAN_NSEC_PER_SEC UINT64_C(1000000000)

/* xoshiro256**: fast, good enough for loss and jitter, and reproducible
 * from one 64-bit seed (SplitMix64 expands it). */
typedef struct WanRng {
        uint64_t s[4];
} WanRng;

void wan_rng_seed(WanRng *rng, uint64_t seed);
uint64_t wan_rng_next(WanRng *rng);
/* Uniform in [0, 1). */
double wan_rng_uniform(WanRng *rng);

typedef struct WanLinkConfig {
        uint64_t delay_ns;   /* fixed one-way delay, after the bottleneck */
        uint64_t jitter_ns;  /* extra delay per frame, uniform in [0, jitter] */
        bool reorder;        /* false: a frame never overtakes the one before it */
        double loss;         /* independent (Bernoulli) loss, 0..1 */
        /* Gilbert-Elliott burst loss, off while ge_p == 0: per frame the
         * good state turns bad with probability ge_p, the bad one good
         * with ge_r; a frame is lost with ge_loss_good in the good state
         * and ge_loss_bad in the bad one. With ge_loss_good 0 and
         * ge_loss_bad 1 bursts last 1/ge_r frames on average and the loss
         * rate is ge_p / (ge_p + ge_r). */
        double ge_p, ge_r, ge_loss_good, ge_loss_bad;
        uint64_t rate_bps;     /* bottleneck rate in bit/s; 0: none */
        uint64_t buffer_bytes; /* bottleneck buffer; 0: unbounded (needs a rate to mean anything) */
} WanLinkConfig;

typedef enum WanVerdict {
        WAN_PASS,
        WAN_DROP_LOSS,   /* independent random loss */
        WAN_DROP_BURST,  /* Gilbert-Elliott loss */
        WAN_DROP_BUFFER, /* the bottleneck buffer was full (tail drop) */
        _WAN_VERDICT_MAX,
} WanVerdict;

const char *wan_verdict_to_string(WanVerdict v);

typedef struct WanLink {
        WanLinkConfig config;
        WanRng rng;
        bool ge_bad;
        bool last_lost;              /* the last frame judged was lost (either kind): runs of
                                      * losses are counted where it turns true */
        uint64_t bottleneck_free_ns; /* when the bottleneck has sent everything admitted */
        uint64_t last_delivery_ns;   /* delivery time of the last frame passed */
} WanLink;

/* -EINVAL for a configuration that means nothing (probabilities outside
 * 0..1, a burst model that can never leave the bad state). */
int wan_link_init(WanLink *link, const WanLinkConfig *config, uint64_t seed);

/* Bytes waiting in the bottleneck at `now` (the one on the wire counts
 * with what is left of it). Without a rate, 0. */
uint64_t wan_link_backlog_bytes(const WanLink *link, uint64_t now_ns);

/* A frame of `size` bytes arrives at `now_ns` (times must not go
 * backwards): loss first (a lost frame takes no room in the bottleneck),
 * then the buffer (tail drop), then serialisation, leaving the bottleneck
 * at max(now, previous departure) + size / rate, then delay and jitter.
 * On WAN_PASS *ret_deliver_ns is when the frame leaves the emulator; not
 * before the previous frame's unless reordering is on. */
WanVerdict wan_link_admit(WanLink *link, uint64_t now_ns, size_t size, uint64_t *ret_deliver_ns);

/* Frames in flight, ordered by delivery time, then by arrival: a binary
 * heap of fixed capacity over slot numbers the caller owns. */
typedef struct WanQueueEntry {
        uint64_t deliver_ns;
        uint64_t seq;
        uint32_t slot;
} WanQueueEntry;

typedef struct WanQueue {
        WanQueueEntry *entries;
        size_t n, capacity;
        uint64_t next_seq;
} WanQueue;

int wan_queue_init(WanQueue *q, size_t capacity);
void wan_queue_done(WanQueue *q);
/* -ENOBUFS when full. */
int wan_queue_push(WanQueue *q, uint64_t deliver_ns, uint32_t slot);
/* NULL when empty. */
const WanQueueEntry *wan_queue_peek(const WanQueue *q);
bool wan_queue_pop(WanQueue *q, WanQueueEntry *ret);
