/* SPDX-License-Identifier: MIT */
/* e2e_receiver_open() on arbitrary bytes and on what a relay could make of
 * real datagrams. The input is a script of records, run against one
 * receiver:
 *   op 0: u8 len, len bytes: opened as a datagram from alice or bob (the
 *         op byte's bit 7). Never accepted: nobody without e2e_key can make
 *         one that authenticates.
 *   op 1: u8 epoch, u8 size: a frame of 14 + 6 * size bytes (at most
 *         1518), from the input, sealed
 *         by alice or bob in that epoch (a new sender when the epoch
 *         changes, counter 0 again) and opened. An authentic datagram is
 *         accepted with its frame intact, or dropped only as stale, replayed
 *         or too old: never as forged.
 *   op 2: u8 index, u8 position, u8 mask: an earlier sealed datagram
 *         again, one byte xor mask. Never accepted: a copy is a replay
 *         (or stale), a change does not authenticate. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "e2e-frame.h"
#include "macro.h"
#include "../test-util.h"

#define HISTORY 16

typedef struct Sealed {
        uint8_t d[LP_E2E_FRAME_MAX + LP_E2E_OVERHEAD];
        size_t len;
        int who;
} Sealed;

typedef struct Script {
        const uint8_t *p;
        size_t left;
        E2eReceiver *receiver;
        E2eSender *sender[2];
        int sender_epoch[2];
        Sealed history[HISTORY];
        size_t n_history;
} Script;

static const uint8_t key[LP_E2E_KEY_SIZE] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static const MacAddr who_mac[2] = { { { 0x02, 0, 0, 0, 0, 0x0a } }, { { 0x02, 0, 0, 0, 0, 0x0b } } };

static bool take(Script *s, size_t n, const uint8_t **ret) {
        if (s->left < n)
                return false;
        *ret = s->p;
        s->p += n;
        s->left -= n;
        return true;
}

static void expect_refused(Script *s, int who, const uint8_t *d, size_t len) {
        uint8_t frame[LP_E2E_FRAME_MAX];
        E2eDrop why = _E2E_DROP_INVALID;

        CHECK(e2e_receiver_open(s->receiver, &who_mac[who], d, len, frame, sizeof(frame), &why) == -EBADMSG);
        CHECK(e2e_drop_to_string(why));
}

static void op_seal(Script *s, int who, const uint8_t *a) {
        uint8_t frame[LP_E2E_FRAME_MAX], back[LP_E2E_FRAME_MAX];
        size_t n = LP_E2E_FRAME_MIN + (size_t) a[1] * 6, avail;
        E2eDrop why = _E2E_DROP_INVALID;
        Sealed *h = &s->history[s->n_history % HISTORY];
        const uint8_t *body = NULL;
        int r;

        if (s->sender_epoch[who] != a[0]) {
                e2e_sender_free(s->sender[who]);
                s->sender[who] = NULL;
                CHECK(e2e_sender_new(key, "fuzz", 4, &who_mac[who], e2e_epoch_make(a[0], 0),
                                     who ? E2E_SUITE_CHACHA20_POLY1305 : E2E_SUITE_AES_256_GCM, &s->sender[who]) == 0);
                s->sender_epoch[who] = a[0];
        }
        if (n > LP_E2E_FRAME_MAX)
                n = LP_E2E_FRAME_MAX;
        avail = s->left < n ? s->left : n;
        memset(frame, 0, n);
        if (avail > 0 && take(s, avail, &body))
                memcpy(frame, body, avail);
        r = e2e_sender_seal(s->sender[who], frame, n, h->d, sizeof(h->d));
        CHECK(r == (int) (n + LP_E2E_OVERHEAD));
        h->len = (size_t) r;
        h->who = who;
        s->n_history++;

        r = e2e_receiver_open(s->receiver, &who_mac[who], h->d, h->len, back, sizeof(back), &why);
        if (r >= 0) {
                CHECK((size_t) r == n && memcmp(back, frame, n) == 0);
                return;
        }
        CHECK(r == -EBADMSG);
        CHECK(why == E2E_DROP_STALE_EPOCH || why == E2E_DROP_REPLAY || why == E2E_DROP_TOO_OLD);
}

static void op_again(Script *s, const uint8_t *a) {
        Sealed *h;
        uint8_t d[sizeof(h->d)];

        if (s->n_history == 0)
                return;
        h = &s->history[a[0] % (s->n_history < HISTORY ? s->n_history : HISTORY)];
        memcpy(d, h->d, h->len);
        d[a[1] % h->len] ^= a[2];
        expect_refused(s, h->who, d, h->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Script s = { .p = data, .left = size, .sender_epoch = { -1, -1 } };
        const uint8_t *op, *a;

        CHECK(e2e_receiver_new(key, "fuzz", 4, 2, &s.receiver) == 0);
        while (take(&s, 1, &op)) {
                int who = op[0] >> 7;

                switch (op[0] % 3) {
                case 0:
                        if (take(&s, 1, &a) && take(&s, a[0], &a))
                                expect_refused(&s, who, a, (size_t) (s.p - a));
                        break;
                case 1:
                        if (take(&s, 2, &a))
                                op_seal(&s, who, a);
                        break;
                default:
                        if (take(&s, 3, &a))
                                op_again(&s, a);
                        break;
                }
        }
        e2e_sender_free(s.sender[0]);
        e2e_sender_free(s.sender[1]);
        e2e_receiver_free(s.receiver);
        return 0;
}
