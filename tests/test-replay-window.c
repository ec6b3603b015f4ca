/* SPDX-License-Identifier: MIT */
#include "replay-window.h"

#include "test-util.h"

static void test_first_and_repeat(void) {
        ReplayWindow w;

        replay_window_init(&w);
        CHECK_EQ_INT(replay_window_check(&w, 0), REPLAY_FRESH);
        CHECK_EQ_INT(replay_window_check(&w, 12345), REPLAY_FRESH);
        replay_window_accept(&w, 5);
        CHECK_EQ_INT(replay_window_check(&w, 5), REPLAY_REPEATED);
        CHECK_EQ_INT(replay_window_check(&w, 4), REPLAY_FRESH);
        CHECK_EQ_INT(replay_window_check(&w, 6), REPLAY_FRESH);
        CHECK_EQ_INT(replay_window_check(&w, 0), REPLAY_FRESH);
}

/* The window's edge: REPLAY_WINDOW_SIZE counters below the top are told
 * apart, one more is too old. */
static void test_edge(void) {
        ReplayWindow w;
        uint64_t top = 100000;

        replay_window_init(&w);
        replay_window_accept(&w, top);
        CHECK_EQ_INT(replay_window_check(&w, top - (REPLAY_WINDOW_SIZE - 1)), REPLAY_FRESH);
        CHECK_EQ_INT(replay_window_check(&w, top - REPLAY_WINDOW_SIZE), REPLAY_TOO_OLD);
        replay_window_accept(&w, top - (REPLAY_WINDOW_SIZE - 1));
        CHECK_EQ_INT(replay_window_check(&w, top - (REPLAY_WINDOW_SIZE - 1)), REPLAY_REPEATED);
}

/* Every counter of a long run, each accepted once and in order, is a
 * repeat afterwards while it is in the window; bits of a ring ago never
 * make a fresh counter look repeated. */
static void test_sequence(void) {
        ReplayWindow w;

        replay_window_init(&w);
        for (uint64_t c = 0; c < 20000; c++) {
                CHECK_EQ_INT(replay_window_check(&w, c), REPLAY_FRESH);
                replay_window_accept(&w, c);
                CHECK_EQ_INT(replay_window_check(&w, c), REPLAY_REPEATED);
                if (c >= 1000)
                        CHECK_EQ_INT(replay_window_check(&w, c - 1000), REPLAY_REPEATED);
        }
        /* Every other counter of the next stretch: the skipped ones stay fresh. */
        for (uint64_t c = 20000; c < 30000; c += 2)
                replay_window_accept(&w, c);
        for (uint64_t c = 30000 - REPLAY_WINDOW_SIZE + 1; c < 30000; c++)
                CHECK_EQ_INT(replay_window_check(&w, c), c % 2 ? REPLAY_FRESH : REPLAY_REPEATED);
}

/* Jumps by less than, exactly and more than the ring clear what they must. */
static void test_jumps(void) {
        static const uint64_t jumps[] = { 1, 63, 64, 65, 1000, REPLAY_WINDOW_SIZE, REPLAY_WINDOW_RING_BITS - 1,
                                          REPLAY_WINDOW_RING_BITS, REPLAY_WINDOW_RING_BITS + 1, 1000000 };

        for (size_t i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
                ReplayWindow w;
                uint64_t base = 777, to = base + jumps[i];

                replay_window_init(&w);
                for (uint64_t c = base - 700; c <= base; c++)
                        replay_window_accept(&w, c);
                replay_window_accept(&w, to);
                CHECK_EQ_INT(replay_window_check(&w, to), REPLAY_REPEATED);
                /* Nothing between the old top and the new one was seen. */
                for (uint64_t c = base + 1; c < to; c++)
                        if (to - c < REPLAY_WINDOW_SIZE)
                                CHECK_EQ_INT(replay_window_check(&w, c), REPLAY_FRESH);
                /* The old ones are repeats while in the window, else too old. */
                for (uint64_t c = base - 700; c <= base; c++)
                        CHECK_EQ_INT(replay_window_check(&w, c),
                                     to - c < REPLAY_WINDOW_SIZE ? REPLAY_REPEATED : REPLAY_TOO_OLD);
        }
}

static void test_names(void) {
        CHECK_EQ_STR(replay_verdict_to_string(REPLAY_FRESH), "fresh");
        CHECK_EQ_STR(replay_verdict_to_string(REPLAY_REPEATED), "replay");
        CHECK_EQ_STR(replay_verdict_to_string(REPLAY_TOO_OLD), "too_old");
        CHECK(!replay_verdict_to_string((ReplayVerdict) 3));
}

int main(void) {
        RUN(test_first_and_repeat);
        RUN(test_edge);
        RUN(test_sequence);
        RUN(test_jumps);
        RUN(test_names);
        return 0;
}
