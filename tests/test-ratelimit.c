/* SPDX-License-Identifier: MIT */
#include "ratelimit.h"
#include "test-util.h"

#define NSEC_PER_SEC UINT64_C(1000000000)
#define NSEC_PER_MSEC UINT64_C(1000000)
#define NSEC_PER_DAY (UINT64_C(86400) * NSEC_PER_SEC)
/* 10 Gbit/s in bytes. */
#define RATE_10G UINT64_C(1250000000)

/* Drains the bucket with cost-1 calls at `now` and returns how many passed. */
static uint64_t drain(RateLimit *rl, uint64_t now, uint64_t limit) {
        uint64_t n = 0;
        while (n < limit && ratelimit_consume(rl, now, 1))
                n++;
        return n;
}

static void test_cost_above_burst(void) {
        RateLimit rl;

        ratelimit_init(&rl, 1000, 10);
        CHECK(!ratelimit_consume(&rl, 1, 11));
        CHECK(!ratelimit_consume(&rl, 10 * NSEC_PER_DAY, 11));
        CHECK(!ratelimit_consume(&rl, UINT64_MAX, UINT64_MAX));
        /* Denied calls took nothing. */
        CHECK(ratelimit_consume(&rl, UINT64_MAX, 10));
}

static void test_backwards_time(void) {
        RateLimit rl;

        ratelimit_init(&rl, 1000, 10); /* 1 token per ms */
        CHECK(ratelimit_consume(&rl, 100 * NSEC_PER_MSEC, 10));
        CHECK(!ratelimit_consume(&rl, 100 * NSEC_PER_MSEC, 1));
        /* Going back refills nothing. */
        CHECK(!ratelimit_consume(&rl, 0, 1));
        CHECK(!ratelimit_consume(&rl, 50 * NSEC_PER_MSEC, 1));
        /* Coming forward again to the old time still refills nothing: the
         * interval was not credited twice. */
        CHECK(!ratelimit_consume(&rl, 100 * NSEC_PER_MSEC, 1));
        CHECK(ratelimit_consume(&rl, 101 * NSEC_PER_MSEC, 1));
        CHECK(!ratelimit_consume(&rl, 101 * NSEC_PER_MSEC, 1));
}

static void test_huge_values(void) {
        RateLimit rl;

        /* Everything at the u64 limit: no overflow, no wrap to a small count. */
        ratelimit_init(&rl, UINT64_MAX, UINT64_MAX);
        CHECK(ratelimit_consume(&rl, 1, UINT64_MAX));
        CHECK(!ratelimit_consume(&rl, 1, 1));
        CHECK(ratelimit_consume(&rl, UINT64_MAX, UINT64_MAX));

        /* 10 Gbit/s, 1 GB burst, gaps of days and of the whole clock range. */
        ratelimit_init(&rl, RATE_10G, UINT64_C(1000000000));
        CHECK(ratelimit_consume(&rl, 5, UINT64_C(1000000000)));
        CHECK(!ratelimit_consume(&rl, 5, 1));
        CHECK(ratelimit_consume(&rl, 5 + 365 * NSEC_PER_DAY, UINT64_C(1000000000)));
        CHECK(!ratelimit_consume(&rl, 5 + 365 * NSEC_PER_DAY, 1));
        CHECK(ratelimit_consume(&rl, UINT64_MAX, UINT64_C(1000000000)));
        CHECK(!ratelimit_consume(&rl, UINT64_MAX, 1));

        /* A huge burst refilled at 10 Gbit/s for exactly 3 days: the product
         * 3 days * rate (3.2e23) overflows 64 bits, the result must not. */
        ratelimit_init(&rl, RATE_10G, UINT64_MAX);
        CHECK(ratelimit_consume(&rl, 0, UINT64_MAX));
        CHECK(ratelimit_consume(&rl, 3 * NSEC_PER_DAY, RATE_10G * 86400 * 3));
        CHECK(!ratelimit_consume(&rl, 3 * NSEC_PER_DAY, 1));

        /* 2^32 tokens/s for 2^32 s: the product is exactly 2^64, which a
         * plain multiplication wraps to 0 tokens. */
        ratelimit_init(&rl, UINT64_C(1) << 32, 1000);
        CHECK(ratelimit_consume(&rl, 0, 1000));
        CHECK(ratelimit_consume(&rl, (UINT64_C(1) << 32) * NSEC_PER_SEC, 1000));

        /* A rate above 2^64 / 1e9 per second, over a sub-second gap. */
        ratelimit_init(&rl, UINT64_C(1) << 62, UINT64_MAX);
        CHECK(ratelimit_consume(&rl, 0, UINT64_MAX));
        CHECK(ratelimit_consume(&rl, NSEC_PER_SEC / 2, UINT64_C(1) << 61));
        CHECK(!ratelimit_consume(&rl, NSEC_PER_SEC / 2, 1));
}

static void test_unlimited(void) {
        RateLimit rl;

        ratelimit_init(&rl, 0, 0);
        for (int i = 0; i < 1000; i++)
                CHECK(ratelimit_consume(&rl, 0, UINT64_MAX));
        CHECK(ratelimit_consume(&rl, 0, 0));
}

static void test_zero_burst(void) {
        RateLimit rl;

        ratelimit_init(&rl, 1000, 0);
        CHECK(!ratelimit_consume(&rl, 0, 1));
        CHECK(!ratelimit_consume(&rl, NSEC_PER_DAY, 1));
        CHECK(ratelimit_consume(&rl, NSEC_PER_DAY, 0));
}

static void test_burst_then_deny(void) {
        RateLimit rl;

        ratelimit_init(&rl, 100, 20);
        CHECK_EQ_INT(drain(&rl, 1000, 1000), 20);
        CHECK(!ratelimit_consume(&rl, 1000, 1));

        /* Byte costs: a 1500-byte burst lets one full frame through. */
        ratelimit_init(&rl, 1000000, 1500);
        CHECK(ratelimit_consume(&rl, 0, 1500));
        CHECK(!ratelimit_consume(&rl, 0, 60));
}

static void test_refill_exact(void) {
        RateLimit rl;
        uint64_t t = 7 * NSEC_PER_SEC;

        ratelimit_init(&rl, 1000, 1000);
        CHECK(ratelimit_consume(&rl, t, 1000));

        /* 1 token per ms: just short of 1 ms gives nothing, 1 ms gives one. */
        CHECK(!ratelimit_consume(&rl, t + NSEC_PER_MSEC - 1, 1));
        CHECK(ratelimit_consume(&rl, t + NSEC_PER_MSEC, 1));
        CHECK(!ratelimit_consume(&rl, t + NSEC_PER_MSEC, 1));

        /* Fractions carry over: 4 steps of 0.25 ms add up to one token. */
        t += NSEC_PER_MSEC;
        for (int i = 1; i <= 3; i++)
                CHECK(!ratelimit_consume(&rl, t + (uint64_t) i * 250000, 1));
        CHECK(ratelimit_consume(&rl, t + 4 * 250000, 1));
        t += NSEC_PER_MSEC;

        /* 123.4567 ms refill exactly 123 tokens. */
        t += 123456700;
        CHECK_EQ_INT(drain(&rl, t, 1000), 123);

        /* A rate that does not divide 1e9: 3 per second, many 1 ns-ish steps
         * must still add up to exactly floor(elapsed * 3 / 1e9). */
        ratelimit_init(&rl, 3, 100);
        CHECK(ratelimit_consume(&rl, 0, 100));
        uint64_t got = 0, now = 0;
        for (int i = 0; i < 10000; i++) {
                now += 333333; /* irregular relative to 1/3 s */
                got += drain(&rl, now, 100);
        }
        /* 10000 * 333333 ns = 3.33333 s -> 9 tokens (9.99999). */
        CHECK_EQ_INT(got, 9);

        /* 10 Gbit/s: one 1500-byte frame needs exactly 1200 ns. */
        ratelimit_init(&rl, RATE_10G, 1500);
        CHECK(ratelimit_consume(&rl, 1000, 1500));
        CHECK(!ratelimit_consume(&rl, 1000 + 1199, 1500));
        CHECK(ratelimit_consume(&rl, 1000 + 1200, 1500));
}

static void test_long_gap_capped(void) {
        RateLimit rl;

        ratelimit_init(&rl, 1000, 50);
        CHECK_EQ_INT(drain(&rl, 1, 1000), 50);
        /* Hours, days, a year: never more than the burst. */
        CHECK_EQ_INT(drain(&rl, 3600 * NSEC_PER_SEC, 1000), 50);
        CHECK_EQ_INT(drain(&rl, 3 * NSEC_PER_DAY, 1000), 50);
        CHECK_EQ_INT(drain(&rl, 400 * NSEC_PER_DAY, 1000), 50);
        /* Reaching the cap drops the fraction: 10 s + 0.9 ms refill far
         * past the burst, and the 0.9 token must not linger to make the
         * next half token a whole one. */
        uint64_t t = 400 * NSEC_PER_DAY + 10 * NSEC_PER_SEC + 900000;
        CHECK(ratelimit_consume(&rl, t, 0));
        CHECK_EQ_INT(drain(&rl, t, 1000), 50);
        CHECK(!ratelimit_consume(&rl, t + 500000, 1));
        CHECK(ratelimit_consume(&rl, t + 1000000, 1));
}

/* A flood of loggable events: the burst, then one line per second, and
 * every line held back counted exactly once. */
static void test_log_ratelimit(void) {
        LogRateLimit l;
        uint64_t t = 5 * NSEC_PER_SEC, logged = 0, suppressed = 0;

        log_ratelimit_init(&l, 1, 10);
        CHECK_EQ_INT(log_ratelimit_take_suppressed(&l), 0);
        /* 1000 events in 3 s: 10 + 3 lines. */
        for (int i = 0; i < 1000; i++) {
                if (log_ratelimit_allow(&l, t + (uint64_t) i * 3000000))
                        logged++;
                if (i == 499)
                        suppressed += log_ratelimit_take_suppressed(&l);
        }
        suppressed += log_ratelimit_take_suppressed(&l);
        CHECK_EQ_INT(logged, 12);
        CHECK_EQ_INT(logged + suppressed, 1000);
        CHECK_EQ_INT(log_ratelimit_take_suppressed(&l), 0);
        /* Quiet for a minute: the burst is back, no more. */
        t += 60 * NSEC_PER_SEC;
        logged = 0;
        for (int i = 0; i < 20; i++)
                logged += log_ratelimit_allow(&l, t);
        CHECK_EQ_INT(logged, 10);
        CHECK_EQ_INT(log_ratelimit_take_suppressed(&l), 10);
}

int main(void) {
        RUN(test_cost_above_burst);
        RUN(test_backwards_time);
        RUN(test_huge_values);
        RUN(test_unlimited);
        RUN(test_zero_burst);
        RUN(test_burst_then_deny);
        RUN(test_refill_exact);
        RUN(test_long_gap_capped);
        RUN(test_log_ratelimit);
        return 0;
}
