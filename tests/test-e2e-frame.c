/* SPDX-License-Identifier: MIT */
/* End-to-end frames (e2e-frame.h): known answers from an independent
 * implementation (tests/e2e-vectors.py: Python's HKDF and the
 * `cryptography` package), GnuTLS's AEAD against RFC 8439's vector, round
 * trips in both suites, and everything a relay or the network could do to a
 * datagram: alter any byte, replay, reorder, bring back an older epoch,
 * send under another member's name or with only auth_key. */
#include <errno.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "e2e-frame.h"
#include "macro.h"
#include "replay-window.h"
#include "test-util.h"

/* tests/e2e-vectors.py's output. */
static const uint8_t kat_aes_key[] = {
        0xee, 0xc5, 0x64, 0x40, 0xad, 0x82, 0x11, 0x56, 0x70, 0x3a, 0x90, 0x95,
        0x55, 0x67, 0xb2, 0x15, 0x5a, 0x46, 0x57, 0xd3, 0xe2, 0x1a, 0x59, 0x98,
        0x8c, 0x5b, 0xff, 0xde, 0xfe, 0x38, 0x6c, 0xe0,
};
static const uint8_t kat_aes_sealed_first[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
        0x19, 0xaf, 0x23, 0x2b, 0x27, 0xba, 0xbc, 0xde, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x2b, 0x9d, 0xe0, 0x01, 0xd1, 0xd3, 0x0e, 0x59,
        0x73, 0xca, 0x8d, 0xdf, 0x20, 0xa4, 0xd8, 0xc0, 0x74, 0x59, 0x3c, 0xef,
        0xcb, 0xba, 0x17, 0xaa, 0x5d, 0x3f, 0xf7, 0x97, 0x91, 0xa0, 0xfc, 0x3f,
        0x93, 0x39, 0xfe, 0x88, 0x8b, 0x02, 0x4f, 0x62, 0xc7, 0x20, 0xbc, 0x84,
        0x38, 0x45,
};
static const uint8_t kat_aes_sealed[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
        0x19, 0xaf, 0x23, 0x2b, 0x27, 0xba, 0xbc, 0xde, 0x01, 0x00, 0x00, 0x01,
        0x02, 0x03, 0x04, 0x05, 0xf4, 0x5e, 0x55, 0xba, 0x6e, 0x9e, 0x78, 0xab,
        0x32, 0x43, 0xaf, 0x65, 0x87, 0x30, 0x14, 0x23, 0x74, 0x54, 0x55, 0xa7,
        0xa1, 0x56, 0x5c, 0x23, 0xc3, 0x93, 0x13, 0x06, 0x26, 0xb2, 0xc5, 0x7e,
        0x49, 0xaf, 0xfe, 0x2a, 0xe1, 0xbb, 0x1f, 0xb7, 0xc6, 0x81, 0x49, 0x4d,
        0xb0, 0xfe,
};
static const uint8_t kat_chacha_key[] = {
        0xd4, 0xd3, 0x48, 0x56, 0x92, 0x25, 0x93, 0x8a, 0xe9, 0x33, 0xc8, 0x47,
        0x99, 0xef, 0xa0, 0x41, 0x67, 0xd8, 0x50, 0x10, 0xf8, 0x5a, 0x13, 0xd2,
        0xad, 0x30, 0x45, 0xbd, 0x9a, 0x4f, 0x19, 0x32,
};
static const uint8_t kat_chacha_sealed_first[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
        0x19, 0xaf, 0x23, 0x2b, 0x27, 0xba, 0xbc, 0xde, 0x02, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x5f, 0xf8, 0xcd, 0x9b, 0x62, 0xaf, 0xeb, 0xf4,
        0x9e, 0x6b, 0x1e, 0xeb, 0x85, 0x23, 0x25, 0x27, 0x43, 0xab, 0x1b, 0x7a,
        0x40, 0x90, 0x38, 0x76, 0x4f, 0x63, 0x66, 0x6a, 0xec, 0xaa, 0xa5, 0x2e,
        0xce, 0xa8, 0x16, 0x82, 0x23, 0x5f, 0xbb, 0xc2, 0xda, 0x9b, 0x4b, 0x45,
        0xc4, 0x60,
};
static const uint8_t kat_chacha_sealed[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
        0x19, 0xaf, 0x23, 0x2b, 0x27, 0xba, 0xbc, 0xde, 0x02, 0x00, 0x00, 0x01,
        0x02, 0x03, 0x04, 0x05, 0x2e, 0x78, 0x51, 0xed, 0xe9, 0x34, 0xae, 0xad,
        0x35, 0xe7, 0x8b, 0x0a, 0x4b, 0xed, 0x37, 0xbe, 0x98, 0x2a, 0x59, 0x45,
        0x27, 0x2f, 0xa4, 0xdd, 0x91, 0xdf, 0xa4, 0x09, 0xea, 0x54, 0xf9, 0x7f,
        0x9c, 0x61, 0x89, 0x09, 0x56, 0xd3, 0x4f, 0x52, 0x7a, 0x0d, 0x05, 0x47,
        0x48, 0x8b,
};

static const uint8_t kat_e2e_key[LP_E2E_KEY_SIZE] = {
        0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
        0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
};
static const MacAddr kat_sender = { { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee } };
#define KAT_EPOCH ((UINT64_C(1765000000123) << 20) | 0xABCDE)
#define KAT_COUNTER UINT64_C(0x0102030405)

static const MacAddr alice = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a } };
static const MacAddr bob = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b } };

/* A frame from `src` to broadcast: ARP's EtherType and `n` payload bytes. */
static size_t frame_make(uint8_t *f, const MacAddr *src, size_t n) {
        memset(f, 0xff, 6);
        memcpy(f + 6, src->bytes, 6);
        f[12] = 0x08;
        f[13] = 0x06;
        for (size_t i = 0; i < n; i++)
                f[14 + i] = (uint8_t) (i * 13 + 5);
        return 14 + n;
}

static void kat_frame(uint8_t f[42]) {
        frame_make(f, &kat_sender, 0);
        for (size_t i = 0; i < 28; i++)
                f[14 + i] = (uint8_t) i;
}

/* GnuTLS's ChaCha20-Poly1305 on this platform gives RFC 8439 §2.8.2's
 * answer (the tag, and the ciphertext's first and last bytes). */
static void test_rfc8439_aead(void) {
        static const char plain[] = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
                                    "for the future, sunscreen would be it.";
        static const uint8_t nonce[12] = { 0x07, 0, 0, 0, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47 };
        static const uint8_t aad[12] = { 0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7 };
        static const uint8_t tag[16] = { 0x1a, 0xe1, 0x0b, 0x59, 0x4f, 0x09, 0xe2, 0x6a,
                                         0x7e, 0x90, 0x2e, 0xcb, 0xd0, 0x60, 0x06, 0x91 };
        uint8_t key[32], out[sizeof(plain) + 16];
        gnutls_datum_t d = { .data = key, .size = sizeof(key) };
        gnutls_aead_cipher_hd_t h;
        size_t n = sizeof(out);

        for (size_t i = 0; i < sizeof(key); i++)
                key[i] = (uint8_t) (0x80 + i);
        CHECK_EQ_INT(gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_CHACHA20_POLY1305, &d), 0);
        CHECK_EQ_INT(gnutls_aead_cipher_encrypt(h, nonce, 12, aad, 12, 16, plain, sizeof(plain) - 1, out, &n), 0);
        gnutls_aead_cipher_deinit(h);
        CHECK_EQ_INT(n, sizeof(plain) - 1 + 16);
        CHECK_EQ_INT(out[0], 0xd3);
        CHECK_EQ_INT(out[sizeof(plain) - 2], 0x16);
        CHECK_MEM(out + sizeof(plain) - 1, tag, 16);
}

static void kat_check(E2eSuite suite, const uint8_t *key, const uint8_t *first, const uint8_t *later,
                      size_t sealed_len) {
        uint8_t k[LP_E2E_KEY_SIZE], f[42], out[128], back[64];
        E2eSender *s = NULL;
        E2eReceiver *r = NULL;
        E2eDrop why;

        CHECK_EQ_INT(e2e_frame_key(kat_e2e_key, "party", 5, &kat_sender, KAT_EPOCH, suite, k), 0);
        CHECK_MEM(k, key, LP_E2E_KEY_SIZE);

        /* A sender's first datagram, byte for byte. */
        kat_frame(f);
        CHECK_EQ_INT(e2e_sender_new(kat_e2e_key, "party", 5, &kat_sender, KAT_EPOCH, suite, &s), 0);
        CHECK_EQ_INT(e2e_sender_seal(s, f, 42, out, sizeof(out)), (int) sealed_len);
        CHECK_MEM(out, first, sealed_len);
        e2e_sender_free(s);

        /* Both open, the later counter after the first. */
        CHECK_EQ_INT(e2e_receiver_new(kat_e2e_key, "party", 5, 4, &r), 0);
        CHECK_EQ_INT(e2e_receiver_open(r, &kat_sender, first, sealed_len, back, sizeof(back), &why), 42);
        CHECK_MEM(back, f, 42);
        memset(back, 0, sizeof(back));
        CHECK_EQ_INT(e2e_receiver_open(r, &kat_sender, later, sealed_len, back, sizeof(back), &why), 42);
        CHECK_MEM(back, f, 42);
        e2e_receiver_free(r);
}

static void test_known_answers(void) {
        CHECK_EQ_INT(sizeof(kat_aes_sealed), 42 + LP_E2E_OVERHEAD);
        kat_check(E2E_SUITE_AES_256_GCM, kat_aes_key, kat_aes_sealed_first, kat_aes_sealed, sizeof(kat_aes_sealed));
        kat_check(E2E_SUITE_CHACHA20_POLY1305, kat_chacha_key, kat_chacha_sealed_first, kat_chacha_sealed,
                  sizeof(kat_chacha_sealed));
}

static E2eSender *sender_new(const MacAddr *mac, uint64_t epoch, E2eSuite suite) {
        E2eSender *s = NULL;

        CHECK_EQ_INT(e2e_sender_new(kat_e2e_key, "party", 5, mac, epoch, suite, &s), 0);
        return s;
}

static E2eReceiver *receiver_new(size_t max_senders) {
        E2eReceiver *r = NULL;

        CHECK_EQ_INT(e2e_receiver_new(kat_e2e_key, "party", 5, max_senders, &r), 0);
        return r;
}

/* Opens and expects a drop for `why`. */
static void expect_drop(E2eReceiver *r, const MacAddr *sender, const uint8_t *d, size_t len, E2eDrop why) {
        uint8_t back[LP_E2E_FRAME_MAX];
        E2eDrop got = _E2E_DROP_INVALID;

        CHECK_EQ_INT(e2e_receiver_open(r, sender, d, len, back, sizeof(back), &got), -EBADMSG);
        if (got != why)
                fprintf(stderr, "dropped as %s, expected %s\n", e2e_drop_to_string(got), e2e_drop_to_string(why));
        CHECK_EQ_INT(got, why);
}

static void expect_open(E2eReceiver *r, const MacAddr *sender, const uint8_t *d, size_t len, const uint8_t *frame,
                        size_t frame_len) {
        uint8_t back[LP_E2E_FRAME_MAX];

        CHECK_EQ_INT(e2e_receiver_open(r, sender, d, len, back, sizeof(back), NULL), (int) frame_len);
        CHECK_MEM(back, frame, frame_len);
}

static void test_round_trip(void) {
        static const E2eSuite suites[] = { E2E_SUITE_AES_256_GCM, E2E_SUITE_CHACHA20_POLY1305 };
        static const size_t sizes[] = { 0, 1, 46, 1000, LP_E2E_FRAME_MAX - 14 };
        uint8_t f[LP_E2E_FRAME_MAX], d[LP_E2E_FRAME_MAX + LP_E2E_OVERHEAD];

        for (size_t i = 0; i < ELEMENTSOF(suites); i++) {
                E2eSender *s = sender_new(&alice, e2e_epoch_make(1000, 1), suites[i]);
                E2eReceiver *r = receiver_new(4);

                for (size_t j = 0; j < ELEMENTSOF(sizes); j++) {
                        size_t n = frame_make(f, &alice, sizes[j]);
                        int len = e2e_sender_seal(s, f, n, d, sizeof(d));

                        CHECK_EQ_INT(len, (int) (n + LP_E2E_OVERHEAD));
                        /* The MACs travel in clear, the rest does not. */
                        CHECK_MEM(d, f, LP_E2E_MACS_SIZE);
                        CHECK(n < 14 + 8 || memcmp(d + LP_E2E_HEADER_SIZE, f + LP_E2E_MACS_SIZE, 8) != 0);
                        expect_open(r, &alice, d, (size_t) len, f, n);
                }
                e2e_receiver_free(r);
                e2e_sender_free(s);
        }
}

static void test_seal_bounds(void) {
        uint8_t f[LP_E2E_FRAME_MAX + 1], d[LP_E2E_FRAME_MAX + LP_E2E_OVERHEAD + 1];
        E2eSender *s = sender_new(&alice, e2e_epoch_make(1000, 1), E2E_SUITE_AES_256_GCM);
        size_t n = frame_make(f, &alice, 100);

        CHECK_EQ_INT(e2e_sender_seal(s, f, 13, d, sizeof(d)), -EINVAL);
        CHECK_EQ_INT(e2e_sender_seal(s, f, LP_E2E_FRAME_MAX + 1, d, sizeof(d)), -EINVAL);
        CHECK_EQ_INT(e2e_sender_seal(s, f, n, d, n + LP_E2E_OVERHEAD - 1), -EMSGSIZE);
        CHECK_EQ_INT(e2e_sender_seal(NULL, f, n, d, sizeof(d)), -EINVAL);
        CHECK_EQ_INT(e2e_sender_seal(s, f, n, d, n + LP_E2E_OVERHEAD), (int) (n + LP_E2E_OVERHEAD));
        e2e_sender_free(s);
        /* Bad arguments for the constructors. */
        CHECK_EQ_INT(e2e_sender_new(kat_e2e_key, "", 0, &alice, 1, E2E_SUITE_AES_256_GCM, &s), -EINVAL);
        CHECK_EQ_INT(e2e_sender_new(kat_e2e_key, "party", 5, &alice, 1, (E2eSuite) 3, &s), -EINVAL);
        CHECK_EQ_INT(e2e_receiver_new(kat_e2e_key, "party", 5, 0, NULL), -EINVAL);
}

/* Every single-bit change anywhere in a datagram makes it drop, and the
 * receiver still takes the original afterwards (a forgery changed
 * nothing). */
static void test_tampered(void) {
        /* One byte more than a datagram: the "one longer" case below. */
        uint8_t f[64], d[64 + LP_E2E_OVERHEAD + 1], t[sizeof(d)];
        E2eSender *s = sender_new(&alice, e2e_epoch_make(5000, 7), E2E_SUITE_CHACHA20_POLY1305);
        E2eReceiver *r = receiver_new(4);
        size_t n = frame_make(f, &alice, 50);
        int len = e2e_sender_seal(s, f, n, d, sizeof(d));

        for (size_t i = 0; i < (size_t) len; i++)
                for (int bit = 0; bit < 8; bit++) {
                        uint8_t back[LP_E2E_FRAME_MAX];

                        memcpy(t, d, (size_t) len);
                        t[i] ^= (uint8_t) (1 << bit);
                        CHECK_EQ_INT(e2e_receiver_open(r, &alice, t, (size_t) len, back, sizeof(back), NULL), -EBADMSG);
                }
        expect_open(r, &alice, d, (size_t) len, f, n);
        /* Cut short by one byte, or one longer. */
        expect_drop(r, &alice, d, (size_t) len - 1, E2E_DROP_REPLAY);
        e2e_receiver_free(r);
        r = receiver_new(4);
        expect_drop(r, &alice, d, (size_t) len - 1, E2E_DROP_BAD_TAG);
        d[len] = 0;
        expect_drop(r, &alice, d, (size_t) len + 1, E2E_DROP_BAD_TAG);
        expect_open(r, &alice, d, (size_t) len, f, n);
        e2e_receiver_free(r);
        e2e_sender_free(s);
}

static void test_bad_shapes(void) {
        uint8_t d[LP_E2E_FRAME_MAX + LP_E2E_OVERHEAD + 2] = { 0 }, small[8];
        E2eReceiver *r = receiver_new(4);
        E2eDrop why;

        for (size_t len = 0; len < LP_E2E_HEADER_SIZE + 2 + LP_E2E_TAG_SIZE; len++)
                expect_drop(r, &alice, d, len, E2E_DROP_TRUNCATED);
        expect_drop(r, &alice, d, LP_E2E_FRAME_MAX + LP_E2E_OVERHEAD + 1, E2E_DROP_TOO_BIG);
        for (int suite = 0; suite < 256; suite++) {
                if (suite == E2E_SUITE_AES_256_GCM || suite == E2E_SUITE_CHACHA20_POLY1305)
                        continue;
                d[LP_E2E_MACS_SIZE + LP_E2E_EPOCH_SIZE] = (uint8_t) suite;
                expect_drop(r, &alice, d, 100, E2E_DROP_BAD_SUITE);
        }
        /* All zeros in a known suite: no member made it. */
        d[LP_E2E_MACS_SIZE + LP_E2E_EPOCH_SIZE] = E2E_SUITE_AES_256_GCM;
        expect_drop(r, &alice, d, 100, E2E_DROP_BAD_TAG);
        CHECK_EQ_INT(e2e_receiver_open(r, &alice, d, 100, small, sizeof(small), &why), -EMSGSIZE);
        CHECK_EQ_INT(e2e_receiver_open(NULL, &alice, d, 100, small, sizeof(small), &why), -EINVAL);
        e2e_receiver_free(r);
}

#define N_REORDER 300

static void test_replay_and_reorder(void) {
        static uint8_t d[N_REORDER][100 + LP_E2E_OVERHEAD];
        uint8_t f[100];
        E2eSender *s = sender_new(&alice, e2e_epoch_make(7000, 3), E2E_SUITE_AES_256_GCM);
        E2eReceiver *r = receiver_new(4);
        size_t n = frame_make(f, &alice, 60);
        int len = 0;

        for (size_t i = 0; i < N_REORDER; i++)
                len = e2e_sender_seal(s, f, n, d[i], sizeof(d[i]));
        /* The last first, then the others backwards: all within the window. */
        for (size_t i = N_REORDER; i-- > 0;)
                expect_open(r, &alice, d[i], (size_t) len, f, n);
        /* Each of them again: repeated. */
        for (size_t i = 0; i < N_REORDER; i++)
                expect_drop(r, &alice, d[i], (size_t) len, E2E_DROP_REPLAY);
        e2e_receiver_free(r);

        /* A counter that fell behind the window cannot be told from a
         * replay: dropped. */
        r = receiver_new(4);
        for (size_t i = 0; i < REPLAY_WINDOW_SIZE + 10; i++)
                len = e2e_sender_seal(s, f, n, d[0], sizeof(d[0]));
        expect_open(r, &alice, d[0], (size_t) len, f, n);
        expect_drop(r, &alice, d[1], (size_t) len, E2E_DROP_TOO_OLD);
        expect_drop(r, &alice, d[N_REORDER - 1], (size_t) len, E2E_DROP_TOO_OLD);
        e2e_receiver_free(r);
        e2e_sender_free(s);
}

/* A sender that reconnects starts a later epoch at counter 0 again. The
 * receiver follows it, and the relay cannot bring the earlier one back. */
static void test_epochs(void) {
        uint8_t f[80], old_d[80 + LP_E2E_OVERHEAD], old2_d[sizeof(old_d)], new_d[sizeof(old_d)];
        E2eSender *old = sender_new(&alice, e2e_epoch_make(10000, 1), E2E_SUITE_AES_256_GCM);
        E2eSender *new = sender_new(&alice, e2e_epoch_make(10001, 2), E2E_SUITE_CHACHA20_POLY1305);
        E2eReceiver *r = receiver_new(4);
        size_t n = frame_make(f, &alice, 40);
        int len;

        len = e2e_sender_seal(old, f, n, old_d, sizeof(old_d));
        CHECK_EQ_INT(e2e_sender_seal(old, f, n, old2_d, sizeof(old2_d)), len);
        CHECK_EQ_INT(e2e_sender_seal(new, f, n, new_d, sizeof(new_d)), len);
        /* The same counter (0) in both epochs, different keys: both open. */
        expect_open(r, &alice, old_d, (size_t) len, f, n);
        expect_open(r, &alice, new_d, (size_t) len, f, n);
        /* Now the earlier epoch, even a counter never seen, is stale. */
        expect_drop(r, &alice, old2_d, (size_t) len, E2E_DROP_STALE_EPOCH);
        expect_drop(r, &alice, new_d, (size_t) len, E2E_DROP_REPLAY);
        e2e_receiver_free(r);

        /* Seen in the other order, the later epoch first. */
        r = receiver_new(4);
        expect_open(r, &alice, new_d, (size_t) len, f, n);
        expect_drop(r, &alice, old_d, (size_t) len, E2E_DROP_STALE_EPOCH);
        e2e_receiver_free(r);
        e2e_sender_free(old);
        e2e_sender_free(new);
}

/* Keys are bound to the sender's HELLO MAC, the room and e2e_key: a
 * member's datagram presented as another member's, one from another room,
 * and one made by a relay that knows auth_key (but never e2e_key) all fail. */
static void test_identity(void) {
        uint8_t f[80], d[80 + LP_E2E_OVERHEAD], auth_key[LP_AUTH_KEY_SIZE], e2e_key[LP_E2E_KEY_SIZE],
                room_key[LP_ROOM_KEY_SIZE];
        E2eSender *s = sender_new(&alice, e2e_epoch_make(20000, 9), E2E_SUITE_AES_256_GCM);
        E2eReceiver *r = receiver_new(4), *other_room = NULL, *relay_made = NULL;
        size_t n = frame_make(f, &alice, 40);
        int len = e2e_sender_seal(s, f, n, d, sizeof(d));

        expect_drop(r, &bob, d, (size_t) len, E2E_DROP_BAD_TAG);
        CHECK_EQ_INT(e2e_receiver_new(kat_e2e_key, "party2", 6, 4, &other_room), 0);
        expect_drop(other_room, &alice, d, (size_t) len, E2E_DROP_BAD_TAG);
        e2e_sender_free(s);

        /* The relay's forgery: sealed under auth_key of the same room key. */
        memset(room_key, 0x33, sizeof(room_key));
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, "relay.example", auth_key, e2e_key), 0);
        CHECK_EQ_INT(e2e_sender_new(auth_key, "party", 5, &alice, e2e_epoch_make(20001, 9), E2E_SUITE_AES_256_GCM,
                                    &s), 0);
        len = e2e_sender_seal(s, f, n, d, sizeof(d));
        CHECK_EQ_INT(e2e_receiver_new(e2e_key, "party", 5, 4, &relay_made), 0);
        expect_drop(relay_made, &alice, d, (size_t) len, E2E_DROP_BAD_TAG);
        e2e_sender_free(s);
        /* What a member seals under e2e_key opens there. */
        CHECK_EQ_INT(e2e_sender_new(e2e_key, "party", 5, &alice, e2e_epoch_make(20002, 9), E2E_SUITE_AES_256_GCM,
                                    &s), 0);
        len = e2e_sender_seal(s, f, n, d, sizeof(d));
        expect_open(relay_made, &alice, d, (size_t) len, f, n);
        e2e_sender_free(s);
        e2e_receiver_free(relay_made);
        e2e_receiver_free(other_room);
        e2e_receiver_free(r);
}

/* A full table makes way for a new sender only once it authenticated, and
 * then the least recently heard one goes. */
static void test_table(void) {
        static const MacAddr carol = { { 0x02, 0, 0, 0, 0, 0x0c } };
        uint8_t f[80], da[2][80 + LP_E2E_OVERHEAD], db[2][sizeof(da[0])], dc[sizeof(da[0])], junk[sizeof(da[0])];
        E2eSender *a = sender_new(&alice, e2e_epoch_make(30000, 1), E2E_SUITE_AES_256_GCM);
        E2eSender *b = sender_new(&bob, e2e_epoch_make(30000, 2), E2E_SUITE_AES_256_GCM);
        E2eSender *c = sender_new(&carol, e2e_epoch_make(30000, 3), E2E_SUITE_AES_256_GCM);
        E2eReceiver *r = receiver_new(2);
        size_t n = frame_make(f, &alice, 40);
        int len = 0;

        for (int i = 0; i < 2; i++) {
                len = e2e_sender_seal(a, f, n, da[i], sizeof(da[i]));
                CHECK_EQ_INT(e2e_sender_seal(b, f, n, db[i], sizeof(db[i])), len);
        }
        CHECK_EQ_INT(e2e_sender_seal(c, f, n, dc, sizeof(dc)), len);
        expect_open(r, &alice, da[0], (size_t) len, f, n);
        expect_open(r, &bob, db[0], (size_t) len, f, n);
        /* Junk under carol's name evicts nobody: alice's replay still counts. */
        memcpy(junk, dc, sizeof(junk));
        junk[len - 1] ^= 1;
        expect_drop(r, &carol, junk, (size_t) len, E2E_DROP_BAD_TAG);
        expect_drop(r, &alice, da[0], (size_t) len, E2E_DROP_REPLAY);
        expect_drop(r, &bob, db[0], (size_t) len, E2E_DROP_REPLAY);
        /* Carol for real: alice, heard least recently... */
        expect_open(r, &bob, db[1], (size_t) len, f, n);
        expect_open(r, &carol, dc, (size_t) len, f, n);
        /* ...lost her slot and her window; bob kept his. */
        expect_open(r, &alice, da[0], (size_t) len, f, n);
        expect_drop(r, &carol, dc, (size_t) len, E2E_DROP_REPLAY);
        e2e_receiver_free(r);
        e2e_sender_free(a);
        e2e_sender_free(b);
        e2e_sender_free(c);
}

static void test_epoch_next(void) {
        uint64_t e, e2;

        CHECK_EQ_INT(e2e_epoch_next(5000, 0, &e), 0);
        CHECK_EQ_INT(e2e_epoch_time_ms(e), 5000);
        /* The same millisecond, or a clock that went back: still later. */
        CHECK_EQ_INT(e2e_epoch_next(5000, e, &e2), 0);
        CHECK_EQ_INT(e2e_epoch_time_ms(e2), 5001);
        CHECK_EQ_INT(e2e_epoch_next(10, e2, &e), 0);
        CHECK_EQ_INT(e2e_epoch_time_ms(e), 5002);
        CHECK_EQ_INT(e2e_epoch_next(UINT64_C(1) << 44, 0, &e), -ERANGE);
        CHECK_EQ_INT(e2e_epoch_next(1, 0, NULL), -EINVAL);
        CHECK_EQ_INT(e2e_epoch_make(1, 0xFFFFFFFF), (1 << 20) | 0xFFFFF);
}

/* Coarse, but everywhere (the test also runs under wine): the pick only
 * has to be one of the two. */
static uint64_t monotonic_ns(void) {
        return (uint64_t) clock() * (UINT64_C(1000000000) / CLOCKS_PER_SEC);
}

static void test_names(void) {
        E2eSuite picked;

        CHECK_EQ_STR(e2e_suite_to_string(E2E_SUITE_AES_256_GCM), "aes-256-gcm");
        CHECK_EQ_STR(e2e_suite_to_string(E2E_SUITE_CHACHA20_POLY1305), "chacha20-poly1305");
        CHECK(!e2e_suite_to_string((E2eSuite) 0));
        CHECK(!e2e_suite_to_string(_E2E_SUITE_MAX));
        for (int d = 0; d < _E2E_DROP_MAX; d++)
                CHECK(e2e_drop_to_string((E2eDrop) d));
        CHECK(!e2e_drop_to_string(_E2E_DROP_MAX));
        CHECK_EQ_STR(e2e_drop_to_string(E2E_DROP_STALE_EPOCH), "stale_epoch");
        /* One call: two may measure differently and pick differently. */
        picked = e2e_suite_pick(monotonic_ns);
        CHECK(picked == E2E_SUITE_AES_256_GCM || picked == E2E_SUITE_CHACHA20_POLY1305);
        CHECK_EQ_INT(e2e_suite_pick(NULL), E2E_SUITE_AES_256_GCM);
}

int main(void) {
        RUN(test_rfc8439_aead);
        RUN(test_known_answers);
        RUN(test_round_trip);
        RUN(test_seal_bounds);
        RUN(test_tampered);
        RUN(test_bad_shapes);
        RUN(test_replay_and_reorder);
        RUN(test_epochs);
        RUN(test_identity);
        RUN(test_table);
        RUN(test_epoch_next);
        RUN(test_names);
        return 0;
}
