/* SPDX-License-Identifier: MIT */
#pragma once

/* A token bucket for per-peer frame and byte budgets. Time is passed in
 * (monotonic nanoseconds), so the bucket makes no syscalls and tests drive
 * it with made-up clocks. Arithmetic is exact integer math that saturates
 * instead of overflowing: any u64 rate, burst or time gap is safe. */

#include <stdbool.h>
#include <stdint.h>

typedef struct RateLimit {
        uint64_t rate;      /* tokens per second; 0 = unlimited */
        uint64_t burst;     /* bucket size */
        uint64_t tokens;
        uint64_t frac;      /* sub-token refill carried over, in 1e-9 tokens */
        uint64_t last_nsec; /* time of the latest refill */
} RateLimit;

/* The bucket starts full. rate_per_sec 0 means unlimited: every consume
 * succeeds. With a rate but burst 0 nothing of nonzero cost ever passes. */
void ratelimit_init(RateLimit *rl, uint64_t rate_per_sec, uint64_t burst);

/* Refills for the time since the last call (none if now_nsec went
 * backwards), then takes `cost` tokens if that many are there. Returns
 * whether it did; a denied call takes nothing, and a cost above the burst is
 * always denied. */
bool ratelimit_consume(RateLimit *rl, uint64_t now_nsec, uint64_t cost);

/* A budget of log lines for events anyone on the network can cause (a
 * rejected HELLO, a refused handshake): `burst` lines at once, `per_sec`
 * a second after that, so a flood cannot become a journal flood. What it
 * holds back is counted, for a summary line ("N more not logged"). */
typedef struct LogRateLimit {
        RateLimit bucket;
        uint64_t suppressed; /* lines held back since the last summary */
} LogRateLimit;

void log_ratelimit_init(LogRateLimit *l, uint64_t per_sec, uint64_t burst);
/* Whether a line may be logged now; counts it as suppressed if not. */
bool log_ratelimit_allow(LogRateLimit *l, uint64_t now_nsec);
/* The count of lines suppressed since the last call; resets it. */
uint64_t log_ratelimit_take_suppressed(LogRateLimit *l);
