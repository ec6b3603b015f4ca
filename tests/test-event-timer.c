/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "event-timer.h"
#include "test-util.h"

static unsigned fired;

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        EventTimer *t = userdata;

        event_timer_fired(t);
        fired++;
        return 0;
}

static uint64_t armed_time(EventTimer *t) {
        uint64_t usec = 0;
        int enabled = SD_EVENT_OFF;

        CHECK(sd_event_source_get_enabled(t->source, &enabled) >= 0);
        if (enabled == SD_EVENT_OFF)
                return UINT64_MAX;
        CHECK(sd_event_source_get_time(t->source, &usec) >= 0);
        return usec;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void test_arm_by(void) {
        sd_event *e = NULL;
        EventTimer t = {.armed_usec = UINT64_MAX};
        uint64_t base = now_usec() + 10 * 1000 * 1000; /* never reached in this test */

        CHECK(sd_event_new(&e) >= 0);
        CHECK(sd_event_add_time(e, &t.source, CLOCK_MONOTONIC, UINT64_MAX, 1, on_timer, &t) >= 0);
        CHECK(sd_event_source_set_enabled(t.source, SD_EVENT_OFF) >= 0);

        /* Not armed: "nothing due" keeps it off; a deadline arms it. */
        CHECK_EQ_INT(event_timer_arm_by(&t, UINT64_MAX), 0);
        CHECK(armed_time(&t) == UINT64_MAX);
        CHECK_EQ_INT(event_timer_arm_by(&t, base + 500), 0);
        CHECK(armed_time(&t) == base + 500);
        CHECK(t.armed_usec == base + 500);

        /* Later deadlines and "nothing due" leave it where it is. */
        CHECK_EQ_INT(event_timer_arm_by(&t, base + 900), 0);
        CHECK(armed_time(&t) == base + 500);
        CHECK_EQ_INT(event_timer_arm_by(&t, base + 500), 0);
        CHECK(armed_time(&t) == base + 500);
        CHECK_EQ_INT(event_timer_arm_by(&t, UINT64_MAX), 0);
        CHECK(armed_time(&t) == base + 500);

        /* Earlier ones move it. */
        CHECK_EQ_INT(event_timer_arm_by(&t, base + 100), 0);
        CHECK(armed_time(&t) == base + 100);

        /* Exactly: either way, and off. */
        CHECK_EQ_INT(event_timer_arm_exactly(&t, base + 800), 0);
        CHECK(armed_time(&t) == base + 800);
        CHECK_EQ_INT(event_timer_arm_exactly(&t, UINT64_MAX), 0);
        CHECK(armed_time(&t) == UINT64_MAX);
        CHECK(t.armed_usec == UINT64_MAX);
        CHECK_EQ_INT(event_timer_arm_by(&t, base + 900), 0);
        CHECK(armed_time(&t) == base + 900);

        CHECK_EQ_INT(event_timer_arm_by(NULL, 1), -EINVAL);
        CHECK_EQ_INT(event_timer_arm_exactly(NULL, 1), -EINVAL);
        event_timer_fired(NULL);

        sd_event_source_disable_unref(t.source);
        sd_event_unref(e);
}

/* After it fired, the next deadline arms it again, also a later one. */
static void test_fires_and_rearms(void) {
        sd_event *e = NULL;
        EventTimer t = {.armed_usec = UINT64_MAX};
        uint64_t now = now_usec();

        fired = 0;
        CHECK(sd_event_new(&e) >= 0);
        CHECK(sd_event_add_time(e, &t.source, CLOCK_MONOTONIC, UINT64_MAX, 1, on_timer, &t) >= 0);
        CHECK(sd_event_source_set_enabled(t.source, SD_EVENT_OFF) >= 0);

        CHECK_EQ_INT(event_timer_arm_by(&t, now + 1000), 0);
        for (int i = 0; i < 100 && fired == 0; i++)
                CHECK(sd_event_run(e, 100 * 1000) >= 0);
        CHECK_EQ_INT(fired, 1);
        CHECK(t.armed_usec == UINT64_MAX);

        CHECK_EQ_INT(event_timer_arm_by(&t, now_usec() + 2000), 0);
        CHECK(t.armed_usec != UINT64_MAX);
        for (int i = 0; i < 100 && fired == 1; i++)
                CHECK(sd_event_run(e, 100 * 1000) >= 0);
        CHECK_EQ_INT(fired, 2);

        sd_event_source_disable_unref(t.source);
        sd_event_unref(e);
}

int main(void) {
        RUN(test_arm_by);
        RUN(test_fires_and_rearms);
        return 0;
}
