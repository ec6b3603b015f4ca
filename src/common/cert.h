/* SPDX-License-Identifier: MIT */
#pragma once

/* The relay's development certificate: an ECDSA P-256 key and a self-signed
 * certificate for one host name or IP literal, generated once into a state
 * directory and reused after that, so the SPKI pin printed into invite links
 * stays valid across restarts. Production relays load a real chain with
 * quic_tls_credentials_load() instead; cert_pin_from_pem_file() gives its
 * pin too.
 *
 * Uses stdio plus a few POSIX calls (open with 0600, rename, mkdir); they
 * also exist in mingw's CRT, so this builds for Windows, but only the Linux
 * relay calls it. */

#include <stdint.h>

#define CERT_PIN_SIZE 32
#define CERT_FILE_NAME "cert.pem"
#define KEY_FILE_NAME "key.pem"

/* Makes sure dir/cert.pem and dir/key.pem exist and returns the SPKI pin
 * (SHA-256 of the certificate's SubjectPublicKeyInfo) of dir/cert.pem.
 * dir is created (0700) when missing. An existing key is kept (the pin
 * depends on it only); a missing certificate is re-issued from it. The key
 * file is created with mode 0600. Returns 1 when something was generated,
 * 0 when both files were reused, negative errno on failure. */
int cert_ensure_self_signed(const char *dir, const char *hostname, uint8_t pin[static CERT_PIN_SIZE]);

/* SPKI pin of the first certificate in a PEM file (the leaf of a chain).
 * -ENOENT/-EACCES from opening, -EBADMSG when no certificate parses. */
int cert_pin_from_pem_file(const char *path, uint8_t pin[static CERT_PIN_SIZE]);
