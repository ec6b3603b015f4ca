/* SPDX-License-Identifier: MIT */
#pragma once

/* The replay window of one sender key (docs/PROTOCOL.md, "End-to-end
 * frames"): which counters were accepted, so a datagram the relay or the
 * network repeats is dropped, while datagrams that arrive out of order
 * within the window still pass. A bitmap of 64-bit blocks used as a ring
 * (RFC 6479's scheme, as WireGuard's counter check): moving the window
 * forward clears whole blocks, never shifts bits, so a check costs the same
 * however far the counter jumps.
 *
 * Two steps, because only an authentic datagram may move the window:
 * replay_window_check() before decrypting (cheap: drop repeats before
 * the AEAD), replay_window_accept() after the tag verified. */

#include <stdbool.h>
#include <stdint.h>

/* Bits in the ring. The window a receiver promises is one block less: the
 * block being filled shares the ring with the oldest. */
#define REPLAY_WINDOW_RING_BITS 2048
#define REPLAY_WINDOW_SIZE (REPLAY_WINDOW_RING_BITS - 64)

typedef struct ReplayWindow {
        bool any;     /* a counter was accepted */
        uint64_t top; /* the highest accepted counter */
        uint64_t ring[REPLAY_WINDOW_RING_BITS / 64];
} ReplayWindow;

typedef enum ReplayVerdict {
        REPLAY_FRESH,    /* not seen, within or ahead of the window */
        REPLAY_REPEATED, /* accepted before */
        REPLAY_TOO_OLD,  /* behind the window: cannot tell, so dropped */
} ReplayVerdict;

void replay_window_init(ReplayWindow *w);
ReplayVerdict replay_window_check(const ReplayWindow *w, uint64_t counter);
/* Records `counter`, which replay_window_check() found fresh and whose
 * datagram authenticated. */
void replay_window_accept(ReplayWindow *w, uint64_t counter);
const char *replay_verdict_to_string(ReplayVerdict v);
