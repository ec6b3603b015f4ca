/* SPDX-License-Identifier: MIT */
#pragma once

/* Join proofs the relay can check but not make (issue 17, protocol version
 * 3, PROTOCOL.md "Join proof (version 3)"). Version 2's proof is an HMAC
 * under auth_key, which the relay holds: its operator can make a proof for
 * anyone. Here the room key gives an Ed25519 key pair; the gateway hands
 * the relay only the public key, the members sign with the private one:
 *
 *   seed     = HKDF-SHA256(ikm = room key, salt = "lanparty/2 room",
 *                          info = "lanparty/3 join", 32)
 *   join_pub = Ed25519 public key of seed (RFC 8032)
 *   proof    = Ed25519(seed, "lanparty/3 join" || exporter || u8 len(room)
 *                            || room || MAC)
 *
 * The exporter (LP_AUTH_EXPORTER_LABEL) binds a proof to one QUIC
 * connection, as in version 2. GnuTLS only: the seed goes in as an RFC
 * 8410 PKCS#8 key, from which GnuTLS computes the public key. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "mac.h"

#define LP_JOIN_SEED_SIZE 32
#define LP_JOIN_PUB_SIZE 32
#define LP_JOIN_PROOF_SIZE 64

/* The signing seed of a room key. */
int join_sign_seed(const uint8_t room_key[static LP_ROOM_KEY_SIZE], uint8_t seed[static LP_JOIN_SEED_SIZE]);

/* The public key of a seed (what the gateway sends the relay). */
int join_sign_public_key(const uint8_t seed[static LP_JOIN_SEED_SIZE], uint8_t pub[static LP_JOIN_PUB_SIZE]);

/* A member's proof for `room` and `mac` on the connection `exporter` comes
 * from. -EINVAL for an invalid room name. */
int join_sign_proof(const uint8_t seed[static LP_JOIN_SEED_SIZE], const uint8_t exporter[static LP_AUTH_EXPORTER_SIZE],
                    const char *room, size_t room_len, const MacAddr *mac, uint8_t proof[static LP_JOIN_PROOF_SIZE]);

/* The relay's check. False for a wrong proof, a public key that is no
 * Ed25519 point, an invalid room, and any failure. */
bool join_sign_verify(const uint8_t pub[static LP_JOIN_PUB_SIZE], const uint8_t exporter[static LP_AUTH_EXPORTER_SIZE],
                      const char *room, size_t room_len, const MacAddr *mac,
                      const uint8_t proof[static LP_JOIN_PROOF_SIZE]);

/* For the known-answer tests: an Ed25519 signature of `msg` by `seed` (RFC
 * 8032's "private key"). */
int join_sign_raw(const uint8_t seed[static LP_JOIN_SEED_SIZE], const void *msg, size_t len,
                  uint8_t sig[static LP_JOIN_PROOF_SIZE]);
