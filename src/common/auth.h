/* SPDX-License-Identifier: MIT */
#pragma once

/* The key schedule and the join proof of docs/PROTOCOL.md ("Invite link and
 * join authentication"), on top of GnuTLS's HKDF, HMAC and RNG.
 *
 *   room key, relay --HKDF--> auth_key (the gateway hands it to the relay)
 *   room key        --HKDF--> e2e_key  (reserved, never leaves the room's peers)
 *   proof = HMAC(auth_key, "lanparty/1 join" || exporter || len(room) || room || MAC)
 *
 * The exporter binds a proof to one QUIC connection, so a proof seen once is
 * useless on another connection. The relay is an input of auth_key because
 * the relay learns auth_key: bound to it, what one relay learns lets nobody
 * into a room with the same room key on another relay. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"

#define LP_ROOM_KEY_SIZE 32
#define LP_AUTH_KEY_SIZE 32
#define LP_E2E_KEY_SIZE 32
#define LP_AUTH_EXPORTER_SIZE 32
#define LP_AUTH_PROOF_SIZE 32
/* SHA-256 of the relay certificate's SubjectPublicKeyInfo (DER). */
#define LP_SPKI_PIN_SIZE 32

/* TLS exporter label for the join proof; the context is empty. */
#define LP_AUTH_EXPORTER_LABEL "EXPORTER-lanparty-join"

/* Fills key with LP_ROOM_KEY_SIZE bytes from GnuTLS's key-grade RNG. */
int auth_generate_room_key(uint8_t key[static LP_ROOM_KEY_SIZE]);

/* HKDF-SHA256 (RFC 5869) extract-then-expand, out_len ≤ 255 * 32. Exposed so
 * tests can check it against the RFC vectors. */
int auth_hkdf_sha256(const void *ikm, size_t ikm_len, const void *salt, size_t salt_len,
                     const void *info, size_t info_len, uint8_t *out, size_t out_len);

/* Longest relay host name auth_derive_keys() takes (a DNS name's text form). */
#define LP_AUTH_RELAY_HOST_MAX 253

/* Derives auth_key and e2e_key from the room key. auth_key is bound to the
 * relay as the peers check its certificate: `relay_pin` (LP_SPKI_PIN_SIZE
 * bytes) when the invite has a pin, else `relay_host`, the host name of the
 * invite (ASCII case does not matter; 1..LP_AUTH_RELAY_HOST_MAX bytes, no
 * NUL or control characters). With a pin the host is not used. -EINVAL
 * without either. */
int auth_derive_keys(const uint8_t room_key[static LP_ROOM_KEY_SIZE], const uint8_t *relay_pin,
                     const char *relay_host, uint8_t auth_key[static LP_AUTH_KEY_SIZE],
                     uint8_t e2e_key[static LP_E2E_KEY_SIZE]);

/* What a join proof covers: `label` (no NUL) || exporter || u8 len(room) ||
 * room || MAC, written to msg; its length, or -EINVAL for an invalid room
 * (room_name_is_valid()) or a `size` too small. Version 2's HMAC and
 * version 3's signature (join-sign.h) cover the same, under their own
 * labels. */
int auth_join_message(const char *label, const uint8_t exporter[static LP_AUTH_EXPORTER_SIZE], const char *room,
                      size_t room_len, const MacAddr *mac, uint8_t *msg, size_t size);

/* Computes a client's join proof. `room` must be a valid room name (1–32
 * chars, room_name_is_valid()); -EINVAL otherwise. */
int auth_join_proof(const uint8_t auth_key[static LP_AUTH_KEY_SIZE],
                    const uint8_t exporter[static LP_AUTH_EXPORTER_SIZE],
                    const char *room, size_t room_len, const MacAddr *mac,
                    uint8_t proof[static LP_AUTH_PROOF_SIZE]);

/* Recomputes the proof and compares in constant time. False on mismatch and
 * on any failure (invalid room, crypto error). */
bool auth_join_proof_verify(const uint8_t auth_key[static LP_AUTH_KEY_SIZE],
                            const uint8_t exporter[static LP_AUTH_EXPORTER_SIZE],
                            const char *room, size_t room_len, const MacAddr *mac,
                            const uint8_t proof[static LP_AUTH_PROOF_SIZE]);

/* SHA-256 over the SubjectPublicKeyInfo of a DER certificate, the value an
 * invite's pin= carries. -EBADMSG when der is not a certificate GnuTLS can
 * read. */
int auth_spki_pin_from_der_cert(const uint8_t *der, size_t len, uint8_t pin[static LP_SPKI_PIN_SIZE]);
