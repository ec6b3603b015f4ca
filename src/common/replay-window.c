/* SPDX-License-Identifier: MIT */
#include "replay-window.h"

#include <string.h>

#define BLOCK_BITS 64
#define RING_BLOCKS (REPLAY_WINDOW_RING_BITS / BLOCK_BITS)

static uint64_t block_of(uint64_t counter) {
        return counter / BLOCK_BITS;
}

static uint64_t *slot_of(uint64_t *ring, uint64_t counter) {
        return &ring[block_of(counter) % RING_BLOCKS];
}

static uint64_t bit_of(uint64_t counter) {
        return UINT64_C(1) << (counter % BLOCK_BITS);
}

void replay_window_init(ReplayWindow *w) {
        memset(w, 0, sizeof(*w));
}

ReplayVerdict replay_window_check(const ReplayWindow *w, uint64_t counter) {
        if (!w->any || counter > w->top)
                return REPLAY_FRESH;
        if (w->top - counter >= REPLAY_WINDOW_SIZE)
                return REPLAY_TOO_OLD;
        return (w->ring[block_of(counter) % RING_BLOCKS] & bit_of(counter)) ? REPLAY_REPEATED : REPLAY_FRESH;
}

void replay_window_accept(ReplayWindow *w, uint64_t counter) {
        if (!w->any) {
                memset(w->ring, 0, sizeof(w->ring));
                w->any = true;
                w->top = counter;
        } else if (counter > w->top) {
                /* The blocks the window moves onto held counters a ring
                 * ago: clear them, at most the whole ring. */
                uint64_t gap = block_of(counter) - block_of(w->top);

                if (gap > RING_BLOCKS)
                        gap = RING_BLOCKS;
                for (uint64_t i = 1; i <= gap; i++)
                        *slot_of(w->ring, (block_of(w->top) + i) * BLOCK_BITS) = 0;
                w->top = counter;
        }
        *slot_of(w->ring, counter) |= bit_of(counter);
}

const char *replay_verdict_to_string(ReplayVerdict v) {
        switch (v) {
        case REPLAY_FRESH:
                return "fresh";
        case REPLAY_REPEATED:
                return "replay";
        case REPLAY_TOO_OLD:
                return "too_old";
        default:
                return NULL;
        }
}
