/* SPDX-License-Identifier: MIT */
#include <limits.h>

#include "reconnect.h"
#include "test-util.h"

#define MSEC UINT64_C(1000000)
#define SEC (1000 * MSEC)

/* A jitter source the test sets: every draw returns `value`. */
typedef struct FixedJitter {
        uint16_t value;
        unsigned draws;
} FixedJitter;

static uint16_t fixed_jitter(void *userdata) {
        FixedJitter *j = userdata;

        j->draws++;
        return j->value;
}

static Reconnect *reconnect_fixed(FixedJitter *j) {
        Reconnect *r = NULL;

        CHECK_EQ_INT(reconnect_new(&r, &(ReconnectConfig) { .jitter = fixed_jitter, .userdata = j }), 0);
        return r;
}

static void test_invalid(void) {
        CHECK_EQ_INT(reconnect_new(NULL, NULL), -EINVAL);
        CHECK(!reconnect_free(NULL));
        CHECK(!reconnect_state_to_string(_RECONNECT_STATE_MAX));
        CHECK(!reconnect_state_to_string(-1));
        for (int i = 0; i < _RECONNECT_STATE_MAX; i++)
                CHECK(reconnect_state_to_string(i));
}

/* The figures the clients' status lines and the gateway's log show. */
static void test_backoff_sequence(void) {
        static const uint64_t expect_ms[] = { 500, 1000, 2000, 4000, 8000, 15000, 15000, 15000 };

        for (unsigned i = 0; i < ELEMENTSOF(expect_ms); i++)
                CHECK_EQ_INT(reconnect_backoff_delay(i, 0), expect_ms[i] * MSEC);
        CHECK_EQ_INT(reconnect_backoff_delay(1000, 0), 15 * SEC);
        CHECK_EQ_INT(reconnect_backoff_delay(UINT_MAX, 0), 15 * SEC);
}

/* Jitter adds up to a quarter, never more, and keeps whole milliseconds
 * (the gateway's µs timer and the clients' "ms" lines rely on it). */
static void test_jitter_bounds(void) {
        for (unsigned step = 0; step < 7; step++) {
                uint64_t base = reconnect_backoff_delay(step, 0);

                /* Half the range: an eighth, in whole ms. */
                CHECK_EQ_INT(reconnect_backoff_delay(step, 32768), (base / MSEC + base / MSEC / 8) * MSEC);
                CHECK(reconnect_backoff_delay(step, 65535) < base + base / 4);
                CHECK(reconnect_backoff_delay(step, 65535) > base + base / 5);
                for (uint32_t jitter = 0; jitter <= 65535; jitter += 257) {
                        uint64_t d = reconnect_backoff_delay(step, (uint16_t) jitter);

                        CHECK(d >= base && d < base + base / 4);
                        CHECK_EQ_INT(d % MSEC, 0);
                }
        }
}

/* The object draws its jitter for every failure and waits what
 * reconnect_backoff_delay() says for the failures so far. */
static void test_failures_back_off(void) {
        FixedJitter j = { .value = 65535 };
        Reconnect *r = reconnect_fixed(&j);
        uint64_t now = 7 * SEC;

        CHECK(reconnect_get_state(r) == RECONNECT_IDLE);
        CHECK_EQ_INT(reconnect_get_retry_at(r), UINT64_MAX);
        CHECK(!reconnect_is_due(r, UINT64_MAX));
        for (unsigned i = 0; i < 8; i++) {
                uint64_t delay;

                CHECK_EQ_INT(reconnect_begin(r), 0);
                CHECK(reconnect_get_state(r) == RECONNECT_ATTEMPTING);
                CHECK_EQ_INT(reconnect_get_retry_at(r), UINT64_MAX);
                delay = reconnect_failed(r, now, RECONNECT_PACE_BACKOFF);
                CHECK_EQ_INT(delay, reconnect_backoff_delay(i, 65535));
                CHECK_EQ_INT(j.draws, i + 1);
                CHECK_EQ_INT(reconnect_get_attempt(r), i + 1);
                CHECK(reconnect_get_state(r) == RECONNECT_WAITING);
                CHECK_EQ_INT(reconnect_get_retry_at(r), now + delay);
                CHECK(!reconnect_is_due(r, now + delay - 1));
                CHECK(reconnect_is_due(r, now + delay));
                now += delay;
        }
        reconnect_free(r);
}

/* An end retrying will not fix waits the longest step from the start. */
static void test_slowest_pace(void) {
        FixedJitter j = { .value = 0 };
        Reconnect *r = reconnect_fixed(&j);

        CHECK_EQ_INT(reconnect_begin(r), 0);
        CHECK_EQ_INT(reconnect_failed(r, 0, RECONNECT_PACE_SLOWEST), 15 * SEC);
        CHECK_EQ_INT(reconnect_get_attempt(r), 1);
        /* It still counts: the next ordinary failure is the second step. */
        CHECK_EQ_INT(reconnect_begin(r), 0);
        CHECK_EQ_INT(reconnect_failed(r, 0, RECONNECT_PACE_BACKOFF), 1 * SEC);
        reconnect_free(r);
}

/* A session that got into the room starts the backoff over. */
static void test_reset_after_success(void) {
        FixedJitter j = { .value = 0 };
        Reconnect *r = reconnect_fixed(&j);

        for (int i = 0; i < 4; i++) {
                CHECK_EQ_INT(reconnect_begin(r), 0);
                (void) reconnect_failed(r, 0, RECONNECT_PACE_BACKOFF);
        }
        CHECK_EQ_INT(reconnect_get_attempt(r), 4);
        CHECK_EQ_INT(reconnect_begin(r), 0);
        /* Not yet: an attempt that runs has not succeeded. */
        CHECK_EQ_INT(reconnect_get_attempt(r), 4);
        reconnect_succeeded(r);
        CHECK_EQ_INT(reconnect_get_attempt(r), 0);
        CHECK(reconnect_get_state(r) == RECONNECT_ATTEMPTING);
        /* The joined session ends later: the shortest step again. */
        CHECK_EQ_INT(reconnect_failed(r, 100 * SEC, RECONNECT_PACE_BACKOFF), 500 * MSEC);
        CHECK_EQ_INT(reconnect_get_retry_at(r), 100 * SEC + 500 * MSEC);
        reconnect_free(r);
}

/* One session at a time: a second attempt is refused while one runs, and
 * nothing is due meanwhile, however late it gets. */
static void test_one_attempt_at_a_time(void) {
        FixedJitter j = { .value = 0 };
        Reconnect *r = reconnect_fixed(&j);

        CHECK_EQ_INT(reconnect_begin(r), 0);
        CHECK_EQ_INT(reconnect_begin(r), -EBUSY);
        CHECK(reconnect_get_state(r) == RECONNECT_ATTEMPTING);
        CHECK(!reconnect_is_due(r, UINT64_MAX));
        (void) reconnect_failed(r, 0, RECONNECT_PACE_BACKOFF);
        /* Waiting: the owner may start early (the gateway's µs timer). */
        CHECK_EQ_INT(reconnect_begin(r), 0);
        CHECK_EQ_INT(reconnect_begin(r), -EBUSY);
        CHECK_EQ_INT(reconnect_get_retry_at(r), UINT64_MAX);
        reconnect_free(r);
}

/* The owner stops while a retry is pending: nothing stays scheduled, and
 * freeing then is clean (ASan/valgrind see the rest). */
static void test_cancel_pending_retry(void) {
        FixedJitter j = { .value = 1000 };
        Reconnect *r = reconnect_fixed(&j);
        uint64_t delay;

        CHECK_EQ_INT(reconnect_begin(r), 0);
        delay = reconnect_failed(r, SEC, RECONNECT_PACE_BACKOFF);
        CHECK(reconnect_get_state(r) == RECONNECT_WAITING);
        reconnect_cancel(r);
        CHECK(reconnect_get_state(r) == RECONNECT_IDLE);
        CHECK_EQ_INT(reconnect_get_retry_at(r), UINT64_MAX);
        CHECK(!reconnect_is_due(r, SEC + delay));
        CHECK(!reconnect_is_due(r, UINT64_MAX));
        /* The count stays for the owner to show. */
        CHECK_EQ_INT(reconnect_get_attempt(r), 1);
        /* Cancelling a running attempt leaves nothing running. */
        CHECK_EQ_INT(reconnect_begin(r), 0);
        reconnect_cancel(r);
        CHECK(reconnect_get_state(r) == RECONNECT_IDLE);
        CHECK_EQ_INT(reconnect_begin(r), 0);
        (void) reconnect_failed(r, 2 * SEC, RECONNECT_PACE_BACKOFF);
        CHECK(!reconnect_free(r));
}

/* A retry time past the end of the clock stays at the end. */
static void test_retry_at_saturates(void) {
        FixedJitter j = { .value = 0 };
        Reconnect *r = reconnect_fixed(&j);

        CHECK_EQ_INT(reconnect_begin(r), 0);
        (void) reconnect_failed(r, UINT64_MAX - 1, RECONNECT_PACE_BACKOFF);
        CHECK_EQ_INT(reconnect_get_retry_at(r), UINT64_MAX);
        CHECK(reconnect_is_due(r, UINT64_MAX));
        reconnect_free(r);
}

/* The default jitter source (GnuTLS): within bounds, and not the same
 * value every time. */
static void test_default_jitter(void) {
        _cleanup_(reconnect_freep) Reconnect *r = NULL;
        uint64_t first = 0;
        bool varied = false;

        CHECK_EQ_INT(reconnect_new(&r, NULL), 0);
        for (int i = 0; i < 64; i++) {
                uint64_t d;

                CHECK_EQ_INT(reconnect_begin(r), 0);
                d = reconnect_failed(r, 0, RECONNECT_PACE_SLOWEST);
                CHECK(d >= 15 * SEC && d < 15 * SEC + 15 * SEC / 4);
                if (i == 0)
                        first = d;
                else if (d != first)
                        varied = true;
        }
        CHECK(varied);
}

int main(void) {
        RUN(test_invalid);
        RUN(test_backoff_sequence);
        RUN(test_jitter_bounds);
        RUN(test_failures_back_off);
        RUN(test_slowest_pace);
        RUN(test_reset_after_success);
        RUN(test_one_attempt_at_a_time);
        RUN(test_cancel_pending_retry);
        RUN(test_retry_at_saturates);
        RUN(test_default_jitter);
        return 0;
}
