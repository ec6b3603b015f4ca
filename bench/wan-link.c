/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "wan-link.h"

static uint64_t splitmix64(uint64_t *x) {
        uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

void wan_rng_seed(WanRng *rng, uint64_t seed) {
        for (unsigned i = 0; i < 4; i++)
                rng->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) {
        return (x << k) | (x >> (64 - k));
}

uint64_t wan_rng_next(WanRng *rng) {
        uint64_t *s = rng->s;
        uint64_t result = rotl(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;

        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
}

double wan_rng_uniform(WanRng *rng) {
        return (double) (wan_rng_next(rng) >> 11) * 0x1.0p-53;
}

static const char *const verdict_table[_WAN_VERDICT_MAX] = {
        [WAN_PASS] = "pass",
        [WAN_DROP_LOSS] = "loss",
        [WAN_DROP_BURST] = "burst-loss",
        [WAN_DROP_BUFFER] = "buffer-full",
};

const char *wan_verdict_to_string(WanVerdict v) {
        return (unsigned) v < _WAN_VERDICT_MAX ? verdict_table[v] : NULL;
}

static bool probability_ok(double p) {
        return isfinite(p) && p >= 0 && p <= 1;
}

int wan_link_init(WanLink *link, const WanLinkConfig *config, uint64_t seed) {
        if (!probability_ok(config->loss) || !probability_ok(config->ge_p) || !probability_ok(config->ge_r) ||
            !probability_ok(config->ge_loss_good) || !probability_ok(config->ge_loss_bad))
                return -EINVAL;
        /* Once bad, never good again: everything after the first burst lost. */
        if (config->ge_p > 0 && config->ge_r == 0)
                return -EINVAL;
        *link = (WanLink) {
                .config = *config,
        };
        wan_rng_seed(&link->rng, seed);
        return 0;
}

/* Nanoseconds the bottleneck needs for `bytes`, rounded up. */
static uint64_t serialisation_ns(uint64_t rate_bps, uint64_t bytes) {
        unsigned __int128 bits_ns = (unsigned __int128) bytes * 8 * WAN_NSEC_PER_SEC;
        return (uint64_t) ((bits_ns + rate_bps - 1) / rate_bps);
}

uint64_t wan_link_backlog_bytes(const WanLink *link, uint64_t now_ns) {
        if (link->config.rate_bps == 0 || link->bottleneck_free_ns <= now_ns)
                return 0;
        /* What the bottleneck still has to send, in bytes, rounded up: a
         * frame partly on the wire still takes its room. */
        unsigned __int128 bits = (unsigned __int128) (link->bottleneck_free_ns - now_ns) * link->config.rate_bps;
        return (uint64_t) ((bits + 8 * WAN_NSEC_PER_SEC - 1) / (8 * WAN_NSEC_PER_SEC));
}

static bool lost(WanLink *link, WanVerdict *ret) {
        const WanLinkConfig *c = &link->config;

        if (c->ge_p > 0) {
                /* The state moves before the frame is judged, so a burst
                 * starts with the frame that finds the path bad. */
                if (link->ge_bad) {
                        if (wan_rng_uniform(&link->rng) < c->ge_r)
                                link->ge_bad = false;
                } else if (wan_rng_uniform(&link->rng) < c->ge_p)
                        link->ge_bad = true;
                double p = link->ge_bad ? c->ge_loss_bad : c->ge_loss_good;
                if (p > 0 && wan_rng_uniform(&link->rng) < p) {
                        *ret = WAN_DROP_BURST;
                        return true;
                }
        }
        if (c->loss > 0 && wan_rng_uniform(&link->rng) < c->loss) {
                *ret = WAN_DROP_LOSS;
                return true;
        }
        return false;
}

WanVerdict wan_link_admit(WanLink *link, uint64_t now_ns, size_t size, uint64_t *ret_deliver_ns) {
        const WanLinkConfig *c = &link->config;
        WanVerdict v;
        uint64_t departure, deliver;

        if (lost(link, &v)) {
                link->last_lost = true;
                return v;
        }
        link->last_lost = false;

        departure = now_ns;
        if (c->rate_bps > 0) {
                if (c->buffer_bytes > 0 && wan_link_backlog_bytes(link, now_ns) + size > c->buffer_bytes)
                        return WAN_DROP_BUFFER;
                if (link->bottleneck_free_ns > departure)
                        departure = link->bottleneck_free_ns;
                departure += serialisation_ns(c->rate_bps, size);
                link->bottleneck_free_ns = departure;
        }

        deliver = departure + c->delay_ns;
        if (c->jitter_ns > 0)
                deliver += (uint64_t) (wan_rng_uniform(&link->rng) * (double) (c->jitter_ns + 1));
        if (!c->reorder && deliver < link->last_delivery_ns)
                deliver = link->last_delivery_ns;
        if (deliver > link->last_delivery_ns)
                link->last_delivery_ns = deliver;
        *ret_deliver_ns = deliver;
        return WAN_PASS;
}

int wan_queue_init(WanQueue *q, size_t capacity) {
        *q = (WanQueue) {};
        if (capacity == 0)
                return -EINVAL;
        q->entries = calloc(capacity, sizeof(WanQueueEntry));
        if (!q->entries)
                return -ENOMEM;
        q->capacity = capacity;
        return 0;
}

void wan_queue_done(WanQueue *q) {
        free(q->entries);
        *q = (WanQueue) {};
}

static bool entry_before(const WanQueueEntry *a, const WanQueueEntry *b) {
        return a->deliver_ns < b->deliver_ns || (a->deliver_ns == b->deliver_ns && a->seq < b->seq);
}

int wan_queue_push(WanQueue *q, uint64_t deliver_ns, uint32_t slot) {
        size_t i;

        if (q->n >= q->capacity)
                return -ENOBUFS;
        WanQueueEntry e = {.deliver_ns = deliver_ns, .seq = q->next_seq++, .slot = slot};
        for (i = q->n++; i > 0; ) {
                size_t parent = (i - 1) / 2;
                if (!entry_before(&e, &q->entries[parent]))
                        break;
                q->entries[i] = q->entries[parent];
                i = parent;
        }
        q->entries[i] = e;
        return 0;
}

const WanQueueEntry *wan_queue_peek(const WanQueue *q) {
        return q->n > 0 ? &q->entries[0] : NULL;
}

bool wan_queue_pop(WanQueue *q, WanQueueEntry *ret) {
        size_t i = 0;

        if (q->n == 0)
                return false;
        *ret = q->entries[0];
        WanQueueEntry last = q->entries[--q->n];
        for (;;) {
                size_t child = 2 * i + 1;
                if (child >= q->n)
                        break;
                if (child + 1 < q->n && entry_before(&q->entries[child + 1], &q->entries[child]))
                        child++;
                if (!entry_before(&q->entries[child], &last))
                        break;
                q->entries[i] = q->entries[child];
                i = child;
        }
        if (q->n > 0)
                q->entries[i] = last;
        return true;
}
