/* SPDX-License-Identifier: MIT */
/* The WAN emulator's model (bench/wan-link.c), with a seeded generator so
 * every figure is the same on every run: loss rates converge, burst
 * lengths match the Gilbert-Elliott parameters, the bottleneck's
 * departure times follow the serialisation model, a full buffer drops the
 * tail, jitter stays in its bounds and does not reorder unless asked. */
#include <math.h>

#include "macro.h"
#include "test-util.h"
#include "wan-link.h"

#define MS (UINT64_C(1000000))
#define US (UINT64_C(1000))

static void test_rng_reproducible(void) {
        WanRng a, b, c;
        wan_rng_seed(&a, 42);
        wan_rng_seed(&b, 42);
        wan_rng_seed(&c, 43);
        bool differs = false;
        for (int i = 0; i < 1000; i++) {
                uint64_t x = wan_rng_next(&a);
                CHECK(x == wan_rng_next(&b));
                differs |= x != wan_rng_next(&c);
        }
        CHECK(differs);
        /* Uniform: in [0, 1), mean 1/2. */
        double sum = 0;
        for (int i = 0; i < 100000; i++) {
                double u = wan_rng_uniform(&a);
                CHECK(u >= 0 && u < 1);
                sum += u;
        }
        CHECK(fabs(sum / 100000 - 0.5) < 0.005);
}

static void test_bad_config(void) {
        WanLink l;
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.loss = -0.1}, 1) == -EINVAL);
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.loss = 1.5}, 1) == -EINVAL);
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.loss = NAN}, 1) == -EINVAL);
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.ge_p = 0.1, .ge_r = 0}, 1) == -EINVAL);
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.ge_p = 0.1, .ge_r = 0.5, .ge_loss_bad = 2}, 1) == -EINVAL);
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.loss = 1}, 1) == 0);
        CHECK_EQ_STR(wan_verdict_to_string(WAN_DROP_BUFFER), "buffer-full");
        CHECK(wan_verdict_to_string(_WAN_VERDICT_MAX) == NULL);
}

static void test_no_impairment(void) {
        WanLink l;
        uint64_t t;
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.delay_ns = 7500 * US}, 7) == 0);
        for (uint64_t i = 0; i < 1000; i++) {
                CHECK(wan_link_admit(&l, i * 10 * US, 1514, &t) == WAN_PASS);
                CHECK(t == i * 10 * US + 7500 * US);
        }
}

/* Independent loss: the rate converges to the setting, and runs of losses
 * are as long as chance makes them (mean 1/(1-p)). */
static void test_random_loss_converges(void) {
        static const double rates[] = {0.001, 0.01, 0.05, 0.2};
        for (size_t k = 0; k < ELEMENTSOF(rates); k++) {
                WanLink l;
                uint64_t t, lost = 0, runs = 0, n = 1000000;
                CHECK(wan_link_init(&l, &(WanLinkConfig) {.loss = rates[k]}, 1234 + k) == 0);
                for (uint64_t i = 0; i < n; i++) {
                        bool prev = l.last_lost;
                        WanVerdict v = wan_link_admit(&l, i * US, 100, &t);
                        CHECK(v == WAN_PASS || v == WAN_DROP_LOSS);
                        if (v != WAN_PASS) {
                                lost++;
                                runs += !prev;
                        }
                }
                double measured = (double) lost / (double) n;
                /* 5 standard deviations of a binomial. */
                double sd = sqrt(rates[k] * (1 - rates[k]) / (double) n);
                fprintf(stderr, "   loss %.3f%%: measured %.4f%%, mean run %.3f\n", rates[k] * 100, measured * 100,
                        (double) lost / (double) runs);
                CHECK(fabs(measured - rates[k]) < 5 * sd);
                CHECK(fabs((double) lost / (double) runs - 1 / (1 - rates[k])) < 0.05);
        }
        /* 100 %: nothing gets through. */
        WanLink l;
        uint64_t t;
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.loss = 1}, 1) == 0);
        for (int i = 0; i < 1000; i++)
                CHECK(wan_link_admit(&l, (uint64_t) i, 100, &t) == WAN_DROP_LOSS);
}

/* Gilbert-Elliott with a loss-free good state and a lossy bad one: bursts
 * are geometric with mean 1/r, the loss rate p/(p+r). */
static void test_burst_loss(void) {
        static const struct {
                double p, r;
        } cases[] = {{0.01, 0.25}, {0.001, 0.5}, {0.02, 0.1}};
        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                WanLink l;
                uint64_t t, lost = 0, runs = 0, n = 2000000, longest = 0, run = 0;
                CHECK(wan_link_init(&l, &(WanLinkConfig) {.ge_p = cases[k].p, .ge_r = cases[k].r,
                                                          .ge_loss_good = 0, .ge_loss_bad = 1}, 99 + k) == 0);
                for (uint64_t i = 0; i < n; i++) {
                        WanVerdict v = wan_link_admit(&l, i * US, 100, &t);
                        CHECK(v == WAN_PASS || v == WAN_DROP_BURST);
                        if (v == WAN_PASS) {
                                run = 0;
                                continue;
                        }
                        lost++;
                        runs += run == 0;
                        run++;
                        longest = MAX(longest, run);
                }
                double rate = (double) lost / (double) n, expect = cases[k].p / (cases[k].p + cases[k].r);
                double burst = (double) lost / (double) runs;
                fprintf(stderr, "   GE p=%.3f r=%.2f: loss %.3f%% (expect %.3f%%), burst %.2f (expect %.2f), "
                        "longest %" PRIu64 "\n", cases[k].p, cases[k].r, rate * 100, expect * 100, burst,
                        1 / cases[k].r, longest);
                CHECK(fabs(rate - expect) / expect < 0.05);
                CHECK(fabs(burst - 1 / cases[k].r) / (1 / cases[k].r) < 0.05);
                CHECK(longest > (uint64_t) (2 / cases[k].r)); /* bursts, not just single losses */
        }
        /* Loss in the good state too (k < 1), part loss in the bad one (h > 0). */
        WanLink l;
        uint64_t t, lost = 0, n = 2000000;
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.ge_p = 0.01, .ge_r = 0.1, .ge_loss_good = 0.001,
                                                  .ge_loss_bad = 0.5}, 5) == 0);
        for (uint64_t i = 0; i < n; i++)
                lost += wan_link_admit(&l, i * US, 100, &t) != WAN_PASS;
        double pi_bad = 0.01 / 0.11, expect = pi_bad * 0.5 + (1 - pi_bad) * 0.001;
        CHECK(fabs((double) lost / (double) n - expect) / expect < 0.05);
}

/* 1500-byte frames at 12 Mbit/s take exactly 1 ms each. */
static void test_rate_departures(void) {
        WanLink l;
        uint64_t t;
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.rate_bps = 12000000, .delay_ns = 10 * MS}, 1) == 0);
        /* A burst of 5 at t=0: departures 1, 2, 3, 4, 5 ms, plus the delay. */
        for (uint64_t i = 0; i < 5; i++) {
                CHECK(wan_link_admit(&l, 0, 1500, &t) == WAN_PASS);
                CHECK(t == (i + 1) * MS + 10 * MS);
        }
        CHECK(wan_link_backlog_bytes(&l, 0) == 7500);
        CHECK(wan_link_backlog_bytes(&l, 2 * MS) == 4500);
        CHECK(wan_link_backlog_bytes(&l, 2500 * US) == 3750); /* half a frame on the wire */
        CHECK(wan_link_backlog_bytes(&l, 5 * MS) == 0);
        /* One arriving at 3.5 ms queues behind the burst: leaves at 6 ms. */
        CHECK(wan_link_admit(&l, 3500 * US, 1500, &t) == WAN_PASS);
        CHECK(t == 6 * MS + 10 * MS);
        /* After an idle gap the bottleneck starts from the arrival. */
        CHECK(wan_link_admit(&l, 20 * MS, 750, &t) == WAN_PASS);
        CHECK(t == 20 * MS + 500 * US + 10 * MS);
        /* Long run at twice the rate: the output rate is the bottleneck's. */
        WanLink m;
        uint64_t first = 0, last = 0;
        CHECK(wan_link_init(&m, &(WanLinkConfig) {.rate_bps = 200000000}, 1) == 0);
        for (uint64_t i = 0; i < 10000; i++) {
                CHECK(wan_link_admit(&m, i * 30280, 1514, &t) == WAN_PASS); /* 400 Mbit/s offered */
                if (i == 0)
                        first = t;
                last = t;
        }
        /* 1514 B at 200 Mbit/s: 60.56 µs apart. */
        CHECK(last - first == 9999 * UINT64_C(60560));
}

static void test_buffer_tail_drop(void) {
        WanLink l;
        uint64_t t;
        unsigned passed = 0;
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.rate_bps = 12000000, .buffer_bytes = 4500}, 1) == 0);
        /* 10 at once: 3 fit (0, 1500, 3000 waiting ahead), the rest fall off the tail. */
        for (int i = 0; i < 10; i++) {
                WanVerdict v = wan_link_admit(&l, 0, 1500, &t);
                CHECK(v == (i < 3 ? WAN_PASS : WAN_DROP_BUFFER));
                passed += v == WAN_PASS;
        }
        CHECK(passed == 3);
        CHECK(!l.last_lost); /* a tail drop is not a loss run */
        /* 1 ms later one frame has left: room for exactly one more. */
        CHECK(wan_link_admit(&l, MS, 1500, &t) == WAN_PASS);
        CHECK(t == 4 * MS);
        CHECK(wan_link_admit(&l, MS, 1500, &t) == WAN_DROP_BUFFER);
        /* A small frame fits where a big one does not. */
        CHECK(wan_link_admit(&l, 1500 * US, 1500, &t) == WAN_DROP_BUFFER); /* 3750 + 1500 > 4500 */
        CHECK(wan_link_admit(&l, 1500 * US, 700, &t) == WAN_PASS);
        /* Sustained overload: the queueing delay stays at buffer / rate. */
        WanLink m;
        uint64_t worst = 0;
        CHECK(wan_link_init(&m, &(WanLinkConfig) {.rate_bps = 10000000, .buffer_bytes = 62500}, 1) == 0);
        for (uint64_t i = 0; i < 100000; i++) {
                uint64_t now = i * 600 * US / 1000; /* 1500 B every 0.6 ms: 20 Mbit/s offered */
                if (wan_link_admit(&m, now, 1500, &t) == WAN_PASS)
                        worst = MAX(worst, t - now);
        }
        /* 62.5 kB at 10 Mbit/s is 50 ms. */
        CHECK(worst <= 50 * MS + 1200 * US);
        CHECK(worst >= 48 * MS);
}

static void test_jitter(void) {
        for (int reorder = 0; reorder <= 1; reorder++) {
                WanLink l;
                uint64_t t, prev = 0, min = UINT64_MAX, max = 0;
                unsigned overtaken = 0;
                CHECK(wan_link_init(&l, &(WanLinkConfig) {.delay_ns = 30 * MS, .jitter_ns = 5 * MS,
                                                          .reorder = reorder}, 77) == 0);
                for (uint64_t i = 0; i < 100000; i++) {
                        uint64_t now = i * 100 * US; /* dense: 10 per ms */
                        CHECK(wan_link_admit(&l, now, 100, &t) == WAN_PASS);
                        CHECK(t >= now + 30 * MS && t <= now + 35 * MS);
                        overtaken += t < prev;
                        if (t >= prev)
                                prev = t;
                        min = MIN(min, t - now);
                        max = MAX(max, t - now);
                }
                fprintf(stderr, "   jitter, reorder=%d: delay %.3f..%.3f ms, %u overtaken\n", reorder,
                        (double) min / 1e6, (double) max / 1e6, overtaken);
                if (reorder)
                        CHECK(overtaken > 1000);
                else
                        CHECK(overtaken == 0);
                /* With reordering the whole range is used; without, a
                 * dense stream waits for the slowest frame ahead of it,
                 * so its delays crowd towards the top of the range. */
                if (reorder)
                        CHECK(min < 30 * MS + 100 * US && max > 35 * MS - 100 * US);
                else
                        CHECK(min > 31 * MS && max > 35 * MS - 100 * US);
        }
        /* Sparse frames (a ping every 10 ms) see the jitter undisturbed by
         * the no-reordering rule: the mean extra delay is half of it. */
        WanLink l;
        uint64_t t;
        double sum = 0;
        CHECK(wan_link_init(&l, &(WanLinkConfig) {.delay_ns = 30 * MS, .jitter_ns = 5 * MS}, 3) == 0);
        for (uint64_t i = 0; i < 10000; i++) {
                CHECK(wan_link_admit(&l, i * 10 * MS, 100, &t) == WAN_PASS);
                sum += (double) (t - i * 10 * MS - 30 * MS);
        }
        CHECK(fabs(sum / 10000 - 2.5e6) < 0.05e6);
}

static void test_queue(void) {
        WanQueue q;
        WanQueueEntry e;
        CHECK(wan_queue_init(&q, 0) == -EINVAL);
        CHECK(wan_queue_init(&q, 1000) == 0);
        CHECK(wan_queue_peek(&q) == NULL);
        CHECK(!wan_queue_pop(&q, &e));
        /* Out of order in, in order out; equal times in arrival order. */
        WanRng rng;
        wan_rng_seed(&rng, 5);
        for (uint32_t i = 0; i < 1000; i++)
                CHECK(wan_queue_push(&q, wan_rng_next(&rng) % 50, i) == 0);
        CHECK(wan_queue_push(&q, 1, 1000) == -ENOBUFS);
        uint64_t last_t = 0, last_seq = 0;
        for (unsigned i = 0; i < 1000; i++) {
                CHECK(wan_queue_pop(&q, &e));
                CHECK(e.deliver_ns >= last_t);
                if (i > 0 && e.deliver_ns == last_t)
                        CHECK(e.seq > last_seq);
                last_t = e.deliver_ns;
                last_seq = e.seq;
        }
        CHECK(!wan_queue_pop(&q, &e));
        wan_queue_done(&q);
}

int main(void) {
        RUN(test_rng_reproducible);
        RUN(test_bad_config);
        RUN(test_no_impairment);
        RUN(test_random_loss_converges);
        RUN(test_burst_loss);
        RUN(test_rate_departures);
        RUN(test_buffer_tail_drop);
        RUN(test_jitter);
        RUN(test_queue);
        return 0;
}
