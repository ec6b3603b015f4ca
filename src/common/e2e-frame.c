/* SPDX-License-Identifier: MIT */
#include "e2e-frame.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "macro.h"
#include "replay-window.h"
#include "room-name.h"

#define KEY_SALT "lanparty/3 frame"
#define KEY_INFO "lanparty/3 frame key"
#define NONCE_SIZE 12
#define EPOCH_RANDOM_MASK ((UINT64_C(1) << LP_E2E_EPOCH_RANDOM_BITS) - 1)
/* Offsets in the e2e header. */
#define OFF_EPOCH LP_E2E_MACS_SIZE
#define OFF_SUITE (OFF_EPOCH + LP_E2E_EPOCH_SIZE)
#define OFF_COUNTER (OFF_SUITE + 1)
#define ETHERTYPE_SIZE 2

struct E2eSender {
        gnutls_aead_cipher_hd_t cipher;
        E2eSuite suite;
        uint64_t epoch;
        uint64_t next_counter;
};

typedef struct E2eSlot {
        bool used;
        MacAddr sender;
        uint64_t epoch;
        E2eSuite suite;
        gnutls_aead_cipher_hd_t cipher;
        ReplayWindow window;
        uint64_t last_heard; /* the receiver's tick of its last authentic datagram */
} E2eSlot;

struct E2eReceiver {
        uint8_t key[LP_E2E_KEY_SIZE];
        char room[LP_ROOM_NAME_MAX + 1];
        size_t room_len;
        uint64_t tick;
        size_t n_slots;
        E2eSlot slot[];
};

static const char *const suite_names[_E2E_SUITE_MAX] = {
        [E2E_SUITE_AES_256_GCM] = "aes-256-gcm",
        [E2E_SUITE_CHACHA20_POLY1305] = "chacha20-poly1305",
};

static const char *const drop_names[_E2E_DROP_MAX] = {
        [E2E_DROP_TRUNCATED] = "truncated",     [E2E_DROP_TOO_BIG] = "too_big",
        [E2E_DROP_BAD_SUITE] = "bad_suite",     [E2E_DROP_STALE_EPOCH] = "stale_epoch",
        [E2E_DROP_REPLAY] = "replay",           [E2E_DROP_TOO_OLD] = "too_old",
        [E2E_DROP_BAD_TAG] = "bad_tag",
};

const char *e2e_suite_to_string(E2eSuite s) {
        return s > 0 && s < _E2E_SUITE_MAX ? suite_names[s] : NULL;
}

const char *e2e_drop_to_string(E2eDrop d) {
        return d >= 0 && d < _E2E_DROP_MAX ? drop_names[d] : NULL;
}

static bool suite_is_valid(E2eSuite s) {
        return s == E2E_SUITE_AES_256_GCM || s == E2E_SUITE_CHACHA20_POLY1305;
}

static gnutls_cipher_algorithm_t suite_cipher(E2eSuite s) {
        return s == E2E_SUITE_AES_256_GCM ? GNUTLS_CIPHER_AES_256_GCM : GNUTLS_CIPHER_CHACHA20_POLY1305;
}

static int errno_from_gnutls(int r) {
        return r == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EIO;
}

static void put_be(uint8_t *p, uint64_t v, size_t n) {
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t) (v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, size_t n) {
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

uint64_t e2e_epoch_make(uint64_t unix_ms, uint32_t random) {
        return unix_ms << LP_E2E_EPOCH_RANDOM_BITS | (random & EPOCH_RANDOM_MASK);
}

uint64_t e2e_epoch_time_ms(uint64_t epoch) {
        return epoch >> LP_E2E_EPOCH_RANDOM_BITS;
}

int e2e_epoch_next(uint64_t unix_ms, uint64_t previous, uint64_t *ret) {
        uint32_t random;
        int r;

        if (!ret)
                return -EINVAL;
        if (previous != 0 && unix_ms <= e2e_epoch_time_ms(previous))
                unix_ms = e2e_epoch_time_ms(previous) + 1;
        /* 44 bits of milliseconds last until the year 2527. */
        if (unix_ms >> (64 - LP_E2E_EPOCH_RANDOM_BITS))
                return -ERANGE;
        r = gnutls_rnd(GNUTLS_RND_NONCE, &random, sizeof(random));
        if (r < 0)
                return errno_from_gnutls(r);
        *ret = e2e_epoch_make(unix_ms, random);
        return 0;
}

int e2e_frame_key(const uint8_t e2e_key[static LP_E2E_KEY_SIZE], const char *room, size_t room_len,
                  const MacAddr *sender, uint64_t epoch, E2eSuite suite, uint8_t ret[static LP_E2E_KEY_SIZE]) {
        uint8_t info[sizeof(KEY_INFO) - 1 + 1 + 1 + LP_ROOM_NAME_MAX + LP_MAC_LEN + LP_E2E_EPOCH_SIZE];
        size_t n = 0;

        if (!room || !sender || !suite_is_valid(suite) || !room_name_is_valid(room, room_len))
                return -EINVAL;
        memcpy(info, KEY_INFO, sizeof(KEY_INFO) - 1);
        n += sizeof(KEY_INFO) - 1;
        info[n++] = (uint8_t) suite;
        info[n++] = (uint8_t) room_len;
        memcpy(info + n, room, room_len);
        n += room_len;
        memcpy(info + n, sender->bytes, LP_MAC_LEN);
        n += LP_MAC_LEN;
        put_be(info + n, epoch, LP_E2E_EPOCH_SIZE);
        n += LP_E2E_EPOCH_SIZE;
        return auth_hkdf_sha256(e2e_key, LP_E2E_KEY_SIZE, KEY_SALT, sizeof(KEY_SALT) - 1, info, n, ret,
                                LP_E2E_KEY_SIZE);
}

static int cipher_open(const uint8_t e2e_key[static LP_E2E_KEY_SIZE], const char *room, size_t room_len,
                       const MacAddr *sender, uint64_t epoch, E2eSuite suite, gnutls_aead_cipher_hd_t *ret) {
        uint8_t key[LP_E2E_KEY_SIZE];
        gnutls_datum_t d = { .data = key, .size = sizeof(key) };
        int r;

        r = e2e_frame_key(e2e_key, room, room_len, sender, epoch, suite, key);
        if (r >= 0) {
                r = gnutls_aead_cipher_init(ret, suite_cipher(suite), &d);
                if (r < 0)
                        r = errno_from_gnutls(r);
        }
        gnutls_memset(key, 0, sizeof(key));
        return r;
}

static void nonce_make(uint64_t counter, uint8_t nonce[static NONCE_SIZE]) {
        memset(nonce, 0, NONCE_SIZE - LP_E2E_COUNTER_SIZE);
        put_be(nonce + NONCE_SIZE - LP_E2E_COUNTER_SIZE, counter, LP_E2E_COUNTER_SIZE);
}

/* How long sealing 4 x 64 KiB takes with `suite`: AES-GCM is faster where
 * the CPU has AES instructions (GnuTLS uses them by itself), ChaCha20-
 * Poly1305 where it has not. */
static uint64_t seal_ns(E2eSuite suite, uint64_t (*now_ns)(void)) {
        static uint8_t data[65536 + LP_E2E_TAG_SIZE];
        uint8_t key[LP_E2E_KEY_SIZE] = { 0 }, nonce[NONCE_SIZE] = { 0 };
        gnutls_datum_t d = { .data = key, .size = sizeof(key) };
        gnutls_aead_cipher_hd_t h;
        uint64_t start;
        size_t n;

        if (gnutls_aead_cipher_init(&h, suite_cipher(suite), &d) < 0)
                return UINT64_MAX;
        start = now_ns();
        for (int i = 0; i < 4; i++) {
                n = sizeof(data);
                nonce[NONCE_SIZE - 1] = (uint8_t) i;
                (void) gnutls_aead_cipher_encrypt(h, nonce, sizeof(nonce), NULL, 0, LP_E2E_TAG_SIZE, data,
                                                  sizeof(data) - LP_E2E_TAG_SIZE, data, &n);
        }
        start = now_ns() - start;
        gnutls_aead_cipher_deinit(h);
        return start;
}

E2eSuite e2e_suite_pick(uint64_t (*now_ns)(void)) {
        if (!now_ns)
                return E2E_SUITE_AES_256_GCM;
        /* Twice each, the first runs warm the caches. */
        (void) seal_ns(E2E_SUITE_AES_256_GCM, now_ns);
        (void) seal_ns(E2E_SUITE_CHACHA20_POLY1305, now_ns);
        return seal_ns(E2E_SUITE_AES_256_GCM, now_ns) <= seal_ns(E2E_SUITE_CHACHA20_POLY1305, now_ns)
                       ? E2E_SUITE_AES_256_GCM
                       : E2E_SUITE_CHACHA20_POLY1305;
}

int e2e_sender_new(const uint8_t e2e_key[static LP_E2E_KEY_SIZE], const char *room, size_t room_len,
                   const MacAddr *sender, uint64_t epoch, E2eSuite suite, E2eSender **ret) {
        E2eSender *s;
        int r;

        if (!ret)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        r = cipher_open(e2e_key, room, room_len, sender, epoch, suite, &s->cipher);
        if (r < 0) {
                free(s);
                return r;
        }
        s->suite = suite;
        s->epoch = epoch;
        *ret = s;
        return 0;
}

E2eSender *e2e_sender_free(E2eSender *s) {
        if (s) {
                gnutls_aead_cipher_deinit(s->cipher);
                free(s);
        }
        return NULL;
}

uint64_t e2e_sender_epoch(const E2eSender *s) {
        return s ? s->epoch : 0;
}

int e2e_sender_seal(E2eSender *s, const uint8_t *frame, size_t frame_len, uint8_t *out, size_t out_size) {
        uint8_t nonce[NONCE_SIZE];
        size_t sealed;
        int r;

        if (!s || !frame || !out || frame_len < LP_E2E_FRAME_MIN || frame_len > LP_E2E_FRAME_MAX)
                return -EINVAL;
        if (out_size < frame_len + LP_E2E_OVERHEAD)
                return -EMSGSIZE;
        if (s->next_counter > LP_E2E_COUNTER_MAX)
                return -ENOSPC;

        memcpy(out, frame, LP_E2E_MACS_SIZE);
        put_be(out + OFF_EPOCH, s->epoch, LP_E2E_EPOCH_SIZE);
        out[OFF_SUITE] = (uint8_t) s->suite;
        put_be(out + OFF_COUNTER, s->next_counter, LP_E2E_COUNTER_SIZE);
        nonce_make(s->next_counter, nonce);

        sealed = out_size - LP_E2E_HEADER_SIZE;
        r = gnutls_aead_cipher_encrypt(s->cipher, nonce, sizeof(nonce), out, LP_E2E_HEADER_SIZE, LP_E2E_TAG_SIZE,
                                       frame + LP_E2E_MACS_SIZE, frame_len - LP_E2E_MACS_SIZE,
                                       out + LP_E2E_HEADER_SIZE, &sealed);
        if (r < 0)
                return errno_from_gnutls(r);
        /* A counter is never used twice, even after a failed seal. */
        s->next_counter++;
        return (int) (LP_E2E_HEADER_SIZE + sealed);
}

int e2e_receiver_new(const uint8_t e2e_key[static LP_E2E_KEY_SIZE], const char *room, size_t room_len,
                     size_t max_senders, E2eReceiver **ret) {
        E2eReceiver *r;

        if (!ret || !room || !room_name_is_valid(room, room_len) || max_senders == 0 || max_senders > 65535)
                return -EINVAL;
        r = calloc(1, sizeof(*r) + max_senders * sizeof(E2eSlot));
        if (!r)
                return -ENOMEM;
        memcpy(r->key, e2e_key, LP_E2E_KEY_SIZE);
        memcpy(r->room, room, room_len);
        r->room_len = room_len;
        r->n_slots = max_senders;
        *ret = r;
        return 0;
}

static void slot_clear(E2eSlot *s) {
        if (s->used)
                gnutls_aead_cipher_deinit(s->cipher);
        memset(s, 0, sizeof(*s));
}

E2eReceiver *e2e_receiver_free(E2eReceiver *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_slots; i++)
                slot_clear(&r->slot[i]);
        gnutls_memset(r->key, 0, sizeof(r->key));
        free(r);
        return NULL;
}

static E2eSlot *slot_find(E2eReceiver *r, const MacAddr *sender) {
        for (size_t i = 0; i < r->n_slots; i++)
                if (r->slot[i].used && memcmp(r->slot[i].sender.bytes, sender->bytes, LP_MAC_LEN) == 0)
                        return &r->slot[i];
        return NULL;
}

/* A free slot, else the least recently heard sender's. */
static E2eSlot *slot_victim(E2eReceiver *r) {
        E2eSlot *v = &r->slot[0];

        for (size_t i = 0; i < r->n_slots; i++) {
                if (!r->slot[i].used)
                        return &r->slot[i];
                if (r->slot[i].last_heard < v->last_heard)
                        v = &r->slot[i];
        }
        return v;
}

static int drop(E2eDrop why, E2eDrop *ret_drop) {
        if (ret_drop)
                *ret_drop = why;
        return -EBADMSG;
}

/* Decrypts into frame + the MACs; the MACs are copied by the caller. 0, or
 * -EBADMSG when the tag does not verify (nothing unauthenticated is left in
 * `frame` then). */
static int aead_open(gnutls_aead_cipher_hd_t cipher, uint64_t counter, const uint8_t *body, size_t len,
                     uint8_t *frame, size_t frame_len) {
        uint8_t nonce[NONCE_SIZE];
        size_t n = frame_len - LP_E2E_MACS_SIZE;
        int r;

        nonce_make(counter, nonce);
        r = gnutls_aead_cipher_decrypt(cipher, nonce, sizeof(nonce), body, LP_E2E_HEADER_SIZE, LP_E2E_TAG_SIZE,
                                       body + LP_E2E_HEADER_SIZE, len - LP_E2E_HEADER_SIZE,
                                       frame + LP_E2E_MACS_SIZE, &n);
        if (r < 0 || n != frame_len - LP_E2E_MACS_SIZE) {
                gnutls_memset(frame, 0, frame_len);
                return r == GNUTLS_E_DECRYPTION_FAILED || r >= 0 ? -EBADMSG : errno_from_gnutls(r);
        }
        memcpy(frame, body, LP_E2E_MACS_SIZE);
        return 0;
}

/* A datagram in an epoch the receiver does not hold for this sender: later
 * than the one it holds (or none held) and authentic, it becomes the
 * sender's epoch, with a fresh replay window. */
static int open_new_epoch(E2eReceiver *r, E2eSlot *slot, const MacAddr *sender, uint64_t epoch, E2eSuite suite,
                          uint64_t counter, const uint8_t *body, size_t len, uint8_t *frame, size_t frame_len,
                          E2eDrop *ret_drop) {
        gnutls_aead_cipher_hd_t cipher;
        int k;

        if (slot && e2e_epoch_time_ms(epoch) <= e2e_epoch_time_ms(slot->epoch))
                return drop(E2E_DROP_STALE_EPOCH, ret_drop);
        k = cipher_open(r->key, r->room, r->room_len, sender, epoch, suite, &cipher);
        if (k < 0)
                return k;
        k = aead_open(cipher, counter, body, len, frame, frame_len);
        if (k < 0) {
                gnutls_aead_cipher_deinit(cipher);
                return k == -EBADMSG ? drop(E2E_DROP_BAD_TAG, ret_drop) : k;
        }
        if (!slot)
                slot = slot_victim(r);
        slot_clear(slot);
        *slot = (E2eSlot) { .used = true, .sender = *sender, .epoch = epoch, .suite = suite, .cipher = cipher };
        replay_window_init(&slot->window);
        replay_window_accept(&slot->window, counter);
        slot->last_heard = ++r->tick;
        return (int) frame_len;
}

int e2e_receiver_open(E2eReceiver *r, const MacAddr *sender, const uint8_t *body, size_t len, uint8_t *frame,
                      size_t frame_size, E2eDrop *ret_drop) {
        uint64_t epoch, counter;
        size_t frame_len;
        E2eSuite suite;
        E2eSlot *slot;
        int k;

        if (!r || !sender || !body || !frame)
                return -EINVAL;
        if (len < LP_E2E_HEADER_SIZE + ETHERTYPE_SIZE + LP_E2E_TAG_SIZE)
                return drop(E2E_DROP_TRUNCATED, ret_drop);
        frame_len = len - LP_E2E_OVERHEAD;
        if (frame_len > LP_E2E_FRAME_MAX)
                return drop(E2E_DROP_TOO_BIG, ret_drop);
        if (frame_size < frame_len)
                return -EMSGSIZE;
        epoch = get_be(body + OFF_EPOCH, LP_E2E_EPOCH_SIZE);
        suite = (E2eSuite) body[OFF_SUITE];
        counter = get_be(body + OFF_COUNTER, LP_E2E_COUNTER_SIZE);
        if (!suite_is_valid(suite))
                return drop(E2E_DROP_BAD_SUITE, ret_drop);

        slot = slot_find(r, sender);
        if (!slot || slot->epoch != epoch || slot->suite != suite)
                return open_new_epoch(r, slot, sender, epoch, suite, counter, body, len, frame, frame_len, ret_drop);

        switch (replay_window_check(&slot->window, counter)) {
        case REPLAY_REPEATED:
                return drop(E2E_DROP_REPLAY, ret_drop);
        case REPLAY_TOO_OLD:
                return drop(E2E_DROP_TOO_OLD, ret_drop);
        default:
                break;
        }
        k = aead_open(slot->cipher, counter, body, len, frame, frame_len);
        if (k < 0)
                return k == -EBADMSG ? drop(E2E_DROP_BAD_TAG, ret_drop) : k;
        replay_window_accept(&slot->window, counter);
        slot->last_heard = ++r->tick;
        return (int) frame_len;
}
