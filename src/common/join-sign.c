/* SPDX-License-Identifier: MIT */
#include "join-sign.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "macro.h"
#include "room-name.h"

#define SEED_SALT "lanparty/2 room"
#define SEED_INFO "lanparty/3 join"
#define PROOF_LABEL "lanparty/3 join"

/* RFC 8410's OneAsymmetricKey for Ed25519 without the optional public key:
 * SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING {
 * OCTET STRING (32) } }, the seed last. */
static const uint8_t pkcs8_ed25519_prefix[] = { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b,
                                                0x65, 0x70, 0x04, 0x22, 0x04, 0x20 };

DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_x509_privkey_t, gnutls_x509_privkey_deinit);
DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_privkey_t, gnutls_privkey_deinit);
DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_pubkey_t, gnutls_pubkey_deinit);

/* Frees what GnuTLS allocated for us. gnutls_free is declared dllimport on
 * Windows, which our static build cannot link (see b64url.h); GnuTLS's
 * deallocator is the C library's free() unless a program replaces it
 * (gnutls_global_set_mem_functions(), which we never call), and the
 * static build links one C library. */
static void gnutls_data_free(void *p) {
#ifdef _WIN32
        free(p);
#else
        gnutls_free(p);
#endif
}

static int errno_from_gnutls(int r) {
        return r == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EIO;
}

int join_sign_seed(const uint8_t room_key[static LP_ROOM_KEY_SIZE], uint8_t seed[static LP_JOIN_SEED_SIZE]) {
        return auth_hkdf_sha256(room_key, LP_ROOM_KEY_SIZE, SEED_SALT, sizeof(SEED_SALT) - 1, SEED_INFO,
                                sizeof(SEED_INFO) - 1, seed, LP_JOIN_SEED_SIZE);
}

/* GnuTLS 3.7 cannot take a bare Ed25519 seed (gnutls_privkey_import_ecc_raw
 * wants the public key too); from PKCS#8 it computes the public key. */
static int privkey_from_seed(const uint8_t seed[static LP_JOIN_SEED_SIZE], gnutls_privkey_t *ret) {
        _cleanup_(gnutls_x509_privkey_deinitp) gnutls_x509_privkey_t x = NULL;
        _cleanup_(gnutls_privkey_deinitp) gnutls_privkey_t p = NULL;
        uint8_t der[sizeof(pkcs8_ed25519_prefix) + LP_JOIN_SEED_SIZE];
        gnutls_datum_t d = { .data = der, .size = sizeof(der) };
        int r;

        memcpy(der, pkcs8_ed25519_prefix, sizeof(pkcs8_ed25519_prefix));
        memcpy(der + sizeof(pkcs8_ed25519_prefix), seed, LP_JOIN_SEED_SIZE);
        r = gnutls_x509_privkey_init(&x);
        if (r >= 0)
                r = gnutls_x509_privkey_import(x, &d, GNUTLS_X509_FMT_DER);
        gnutls_memset(der, 0, sizeof(der));
        if (r >= 0)
                r = gnutls_privkey_init(&p);
        /* Copies the key: x is freed on return. */
        if (r >= 0)
                r = gnutls_privkey_import_x509(p, x, GNUTLS_PRIVKEY_IMPORT_COPY);
        if (r < 0)
                return errno_from_gnutls(r);
        *ret = TAKE_PTR(p);
        return 0;
}

int join_sign_public_key(const uint8_t seed[static LP_JOIN_SEED_SIZE], uint8_t pub[static LP_JOIN_PUB_SIZE]) {
        _cleanup_(gnutls_privkey_deinitp) gnutls_privkey_t p = NULL;
        gnutls_datum_t x = { 0 };
        gnutls_ecc_curve_t curve;
        int r;

        r = privkey_from_seed(seed, &p);
        if (r < 0)
                return r;
        r = gnutls_privkey_export_ecc_raw2(p, &curve, &x, NULL, NULL, 0);
        if (r < 0)
                return errno_from_gnutls(r);
        r = curve == GNUTLS_ECC_CURVE_ED25519 && x.size == LP_JOIN_PUB_SIZE ? 0 : -EIO;
        if (r == 0)
                memcpy(pub, x.data, LP_JOIN_PUB_SIZE);
        gnutls_data_free(x.data);
        return r;
}

int join_sign_raw(const uint8_t seed[static LP_JOIN_SEED_SIZE], const void *msg, size_t len,
                  uint8_t sig[static LP_JOIN_PROOF_SIZE]) {
        _cleanup_(gnutls_privkey_deinitp) gnutls_privkey_t p = NULL;
        gnutls_datum_t m = { .data = (unsigned char *) (uintptr_t) msg, .size = (unsigned) len }, s = { 0 };
        int r;

        if ((!msg && len > 0) || len > UINT_MAX)
                return -EINVAL;
        r = privkey_from_seed(seed, &p);
        if (r < 0)
                return r;
        r = gnutls_privkey_sign_data2(p, GNUTLS_SIGN_EDDSA_ED25519, 0, &m, &s);
        if (r < 0)
                return errno_from_gnutls(r);
        r = s.size == LP_JOIN_PROOF_SIZE ? 0 : -EIO;
        if (r == 0)
                memcpy(sig, s.data, LP_JOIN_PROOF_SIZE);
        gnutls_data_free(s.data);
        return r;
}

#define PROOF_MESSAGE_MAX (sizeof(PROOF_LABEL) - 1 + LP_AUTH_EXPORTER_SIZE + 1 + LP_ROOM_NAME_MAX + LP_MAC_LEN)

int join_sign_proof(const uint8_t seed[static LP_JOIN_SEED_SIZE], const uint8_t exporter[static LP_AUTH_EXPORTER_SIZE],
                    const char *room, size_t room_len, const MacAddr *mac, uint8_t proof[static LP_JOIN_PROOF_SIZE]) {
        uint8_t msg[PROOF_MESSAGE_MAX];
        int n;

        n = auth_join_message(PROOF_LABEL, exporter, room, room_len, mac, msg, sizeof(msg));
        if (n < 0)
                return n;
        return join_sign_raw(seed, msg, (size_t) n, proof);
}

bool join_sign_verify(const uint8_t pub[static LP_JOIN_PUB_SIZE], const uint8_t exporter[static LP_AUTH_EXPORTER_SIZE],
                      const char *room, size_t room_len, const MacAddr *mac,
                      const uint8_t proof[static LP_JOIN_PROOF_SIZE]) {
        _cleanup_(gnutls_pubkey_deinitp) gnutls_pubkey_t key = NULL;
        uint8_t msg[PROOF_MESSAGE_MAX];
        gnutls_datum_t x = { .data = (unsigned char *) (uintptr_t) pub, .size = LP_JOIN_PUB_SIZE },
                       m = { .data = msg }, s = { .data = (unsigned char *) (uintptr_t) proof, .size = LP_JOIN_PROOF_SIZE };
        int n;

        n = auth_join_message(PROOF_LABEL, exporter, room, room_len, mac, msg, sizeof(msg));
        if (n < 0 || gnutls_pubkey_init(&key) < 0 ||
            gnutls_pubkey_import_ecc_raw(key, GNUTLS_ECC_CURVE_ED25519, &x, NULL) < 0)
                return false;
        m.size = (unsigned) n;
        return gnutls_pubkey_verify_data2(key, GNUTLS_SIGN_EDDSA_ED25519, 0, &m, &s) >= 0;
}
