/* SPDX-License-Identifier: MIT */
#pragma once

/* End-to-end encrypted frames (issue 17; docs/PROTOCOL.md, "End-to-end
 * frames", a draft until the protocol version that carries them): what a
 * sending peer makes of an Ethernet frame before the relay sees it, and
 * what a receiving peer accepts. The relay keeps routing by the MACs and
 * sees lengths and timing; it cannot read the rest, and cannot forge,
 * alter or replay a frame a peer accepts. GnuTLS's AEAD only.
 *
 * What follows the 4-byte overlay header (datagram.h) in an encrypted
 * datagram:
 *
 *   dst MAC (6) | src MAC (6) | epoch (8) | suite (1) | counter (7)   the
 *     e2e header, in clear, all of it the AEAD's additional data
 *   AEAD(EtherType || payload) | tag (16)
 *
 * - Keys: one per sender and epoch,
 *     HKDF-SHA256(ikm = e2e_key, salt = "lanparty/3 frame",
 *                 info = "lanparty/3 frame key" || suite || u8 len(room)
 *                        || room || sender's peer MAC || epoch)
 *   The sender's peer MAC is the one of its HELLO (a gateway's frames carry
 *   the MACs of the party's LAN hosts as source, so the frame's source MAC
 *   cannot name the key); receivers learn it from PEER_JOINED and the
 *   relay's source peer id. A relay that lies about either only makes
 *   datagrams fail to authenticate.
 * - Epoch: u44 milliseconds since the Unix epoch || u20 random, new at
 *   each start of a sender (each connection), so a counter that starts
 *   again at 0 never meets a key it met before. Receivers take a sender's
 *   new epoch only if it is later than the one they hold, so the relay
 *   cannot bring back an older one and replay it.
 * - Nonce: 12 bytes, five zero bytes then the 7-byte counter.
 * - Suite: 1 AES-256-GCM, 2 ChaCha20-Poly1305, the sender's choice by
 *   what its CPU does faster; every receiver takes both. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "mac.h"

#define LP_E2E_MACS_SIZE 12
#define LP_E2E_EPOCH_SIZE 8
#define LP_E2E_COUNTER_SIZE 7
#define LP_E2E_HEADER_SIZE (LP_E2E_MACS_SIZE + LP_E2E_EPOCH_SIZE + 1 + LP_E2E_COUNTER_SIZE) /* 28 */
#define LP_E2E_TAG_SIZE 16
/* What encryption adds to a frame: the epoch, suite and counter, the tag. */
#define LP_E2E_OVERHEAD (LP_E2E_HEADER_SIZE - LP_E2E_MACS_SIZE + LP_E2E_TAG_SIZE) /* 32 */
#define LP_E2E_COUNTER_MAX ((UINT64_C(1) << (8 * LP_E2E_COUNTER_SIZE)) - 1)
#define LP_E2E_EPOCH_RANDOM_BITS 20
/* Ethernet frame bounds, as datagram.h's. */
#define LP_E2E_FRAME_MIN 14
#define LP_E2E_FRAME_MAX 1518

typedef enum E2eSuite {
        E2E_SUITE_AES_256_GCM = 1,
        E2E_SUITE_CHACHA20_POLY1305 = 2,
        _E2E_SUITE_MAX,
        _E2E_SUITE_INVALID = -1,
} E2eSuite;

/* Why a receiver dropped an encrypted datagram: counters and D-Bus. */
typedef enum E2eDrop {
        E2E_DROP_TRUNCATED,   /* shorter than header + EtherType + tag */
        E2E_DROP_TOO_BIG,     /* the frame inside would exceed LP_E2E_FRAME_MAX */
        E2E_DROP_BAD_SUITE,   /* a suite this receiver does not know */
        E2E_DROP_STALE_EPOCH, /* older than the sender's epoch we hold */
        E2E_DROP_REPLAY,      /* counter accepted before */
        E2E_DROP_TOO_OLD,     /* counter behind the replay window */
        E2E_DROP_BAD_TAG,     /* did not authenticate: not from a member, or altered */
        _E2E_DROP_MAX,
        _E2E_DROP_INVALID = -1,
} E2eDrop;

const char *e2e_suite_to_string(E2eSuite s);
const char *e2e_drop_to_string(E2eDrop d);

/* An epoch from a time and random bits (the low LP_E2E_EPOCH_RANDOM_BITS
 * of `random` are used). */
uint64_t e2e_epoch_make(uint64_t unix_ms, uint32_t random);
uint64_t e2e_epoch_time_ms(uint64_t epoch);
/* A sender's next epoch: now, or 1 ms after `previous` (0: none) when the
 * clock has not moved past it, with fresh random bits from GnuTLS. */
int e2e_epoch_next(uint64_t unix_ms, uint64_t previous, uint64_t *ret);

/* The suite this CPU seals faster, measured once (a few milliseconds) with
 * the platform's monotonic clock in nanoseconds: the protocol core has no
 * clock of its own (C11's timespec_get() is missing from mingw's CRT).
 * NULL: AES-256-GCM. */
E2eSuite e2e_suite_pick(uint64_t (*now_ns)(void));

/* The key of one sender and epoch (exposed for the known-answer tests). */
int e2e_frame_key(const uint8_t e2e_key[static LP_E2E_KEY_SIZE], const char *room, size_t room_len,
                  const MacAddr *sender, uint64_t epoch, E2eSuite suite, uint8_t ret[static LP_E2E_KEY_SIZE]);

typedef struct E2eSender E2eSender;

/* A sender for the peer with HELLO MAC `sender` in `room`, from its first
 * counter (0) in `epoch`. */
int e2e_sender_new(const uint8_t e2e_key[static LP_E2E_KEY_SIZE], const char *room, size_t room_len,
                   const MacAddr *sender, uint64_t epoch, E2eSuite suite, E2eSender **ret);
E2eSender *e2e_sender_free(E2eSender *s);
uint64_t e2e_sender_epoch(const E2eSender *s);

/* Seals `frame` (a whole Ethernet frame, LP_E2E_FRAME_MIN..MAX bytes) into
 * `out`: the e2e header, the ciphertext, the tag; frame_len +
 * LP_E2E_OVERHEAD bytes, returned. -EMSGSIZE when out_size is smaller,
 * -EINVAL for a frame out of bounds, -ENOSPC when the epoch's counters are
 * used up (start a new sender). `frame` and `out` must not overlap. */
int e2e_sender_seal(E2eSender *s, const uint8_t *frame, size_t frame_len, uint8_t *out, size_t out_size);

typedef struct E2eReceiver E2eReceiver;

/* A receiver for `room`, holding keys and replay windows for up to
 * `max_senders` senders (the room's peers). A new sender's first datagram
 * takes the slot of the least recently heard one, and only once it
 * authenticated, so the relay cannot push members out with made-up
 * datagrams. A sender whose slot was taken loses its epoch floor: size the
 * table for the room. There is no "forget" for a peer that left: the relay
 * says who left, and it would then bring back an older epoch. */
int e2e_receiver_new(const uint8_t e2e_key[static LP_E2E_KEY_SIZE], const char *room, size_t room_len,
                     size_t max_senders, E2eReceiver **ret);
E2eReceiver *e2e_receiver_free(E2eReceiver *r);

/* Opens what follows the overlay header of a datagram from the peer with
 * HELLO MAC `sender`: writes the Ethernet frame to `frame` (len -
 * LP_E2E_OVERHEAD bytes, returned). -EBADMSG with the reason in
 * *ret_drop for a datagram to drop; -EMSGSIZE when frame_size is too
 * small; other negative errno values when GnuTLS fails. Only a datagram
 * that authenticates changes the receiver. */
int e2e_receiver_open(E2eReceiver *r, const MacAddr *sender, const uint8_t *body, size_t len, uint8_t *frame,
                      size_t frame_size, E2eDrop *ret_drop);
