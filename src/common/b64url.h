/* SPDX-License-Identifier: MIT */
#pragma once

/* base64url (RFC 4648 §5) without padding, as used for the room key and the
 * certificate pin in invite links.
 *
 * Why our own: GnuTLS's base64 helpers (gnutls_base64_encode2/decode2)
 * return buffers allocated with gnutls_malloc that the caller must release
 * with gnutls_free, which cannot be called from our static Windows build, and
 * they speak standard base64 with '+', '/' and '=' padding, not base64url. */

#include <stddef.h>
#include <stdint.h>

/* Characters needed for `n` bytes, without the terminating NUL. */
#define B64URL_ENCODED_LEN(n) (((n) / 3) * 4 + ((n) % 3 == 0 ? 0 : (n) % 3 + 1))
/* Bytes encoded by `n` characters, for lengths b64url_decode() accepts. */
#define B64URL_DECODED_LEN(n) (((n) / 4) * 3 + ((n) % 4 == 0 ? 0 : (n) % 4 - 1))

/* Writes B64URL_ENCODED_LEN(len) characters and a NUL to buf.
 * Returns 0, or -ENOBUFS when size is too small (buf is then left empty). */
int b64url_encode(const void *data, size_t len, char *buf, size_t size);

/* Strict decoding of exactly `len` characters: only [A-Za-z0-9_-]; no '=',
 * no '+' or '/', no whitespace, no length ≡ 1 (mod 4), and the unused low
 * bits of the last character must be zero, so every byte string has exactly
 * one accepted text. Returns 0 and the byte count in *ret_size, -EINVAL for
 * malformed text, -ENOBUFS when the result does not fit in `size`. On failure
 * the contents of buf are unspecified: decode into scratch space and copy. */
int b64url_decode(const char *text, size_t len, uint8_t *buf, size_t size, size_t *ret_size);
