/* SPDX-License-Identifier: MIT */
#include "ratelimit.h"

#define NSEC_PER_SEC UINT64_C(1000000000)

/* Saturating: a refill that would overflow is certainly more than any
 * bucket holds, and the result is capped at the burst anyway. */
static uint64_t sat_add(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b) {
        if (a != 0 && b > UINT64_MAX / a)
                return UINT64_MAX;
        return a * b;
}

void ratelimit_init(RateLimit *rl, uint64_t rate_per_sec, uint64_t burst) {
        *rl = (RateLimit) {
                .rate = rate_per_sec,
                .burst = burst,
                .tokens = burst,
        };
}

static void ratelimit_refill(RateLimit *rl, uint64_t now_nsec) {
        uint64_t elapsed, secs, rem, sub, add;

        /* A clock that went backwards refills nothing, and keeping the later
         * timestamp means the same interval is never credited twice. */
        if (now_nsec <= rl->last_nsec)
                return;
        elapsed = now_nsec - rl->last_nsec;
        rl->last_nsec = now_nsec;

        /* elapsed * rate / 1e9 without a 128-bit product: split elapsed into
         * seconds and nanoseconds, and rate into multiples of 1e9 and the
         * rest. rem * (rate % 1e9) < 1e18 fits; the remainder of that
         * division is carried so many short intervals add up exactly. */
        secs = elapsed / NSEC_PER_SEC;
        rem = elapsed % NSEC_PER_SEC;
        sub = rem * (rl->rate % NSEC_PER_SEC) + rl->frac;
        add = sat_add(sat_mul(secs, rl->rate), sat_mul(rem, rl->rate / NSEC_PER_SEC));
        add = sat_add(add, sub / NSEC_PER_SEC);
        rl->frac = sub % NSEC_PER_SEC;

        rl->tokens = sat_add(rl->tokens, add);
        if (rl->tokens >= rl->burst) {
                rl->tokens = rl->burst;
                rl->frac = 0;
        }
}

bool ratelimit_consume(RateLimit *rl, uint64_t now_nsec, uint64_t cost) {
        if (rl->rate == 0)
                return true;

        ratelimit_refill(rl, now_nsec);
        if (rl->tokens < cost)
                return false;
        rl->tokens -= cost;
        return true;
}

void log_ratelimit_init(LogRateLimit *l, uint64_t per_sec, uint64_t burst) {
        *l = (LogRateLimit) {};
        ratelimit_init(&l->bucket, per_sec, burst);
}

bool log_ratelimit_allow(LogRateLimit *l, uint64_t now_nsec) {
        if (ratelimit_consume(&l->bucket, now_nsec, 1))
                return true;
        if (l->suppressed < UINT64_MAX)
                l->suppressed++;
        return false;
}

uint64_t log_ratelimit_take_suppressed(LogRateLimit *l) {
        uint64_t n = l->suppressed;

        l->suppressed = 0;
        return n;
}
