/* SPDX-License-Identifier: MIT */
/* Smoke test for the static Windows dependency prefix, built and run under
 * wine by tools/build-windows-deps.sh before it marks a prefix complete: each
 * check reaches one of the four libraries through the paths lanparty uses. */

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <stdio.h>
#include <string.h>

#define FAIL(what, r)                                                                   \
        do {                                                                            \
                fprintf(stderr, "smoke: %s failed: %d (%s)\n", what, (int) (r),         \
                        (r) < 0 ? gnutls_strerror((int) (r)) : "unexpected result");    \
                return 1;                                                               \
        } while (0)

/* RSA key generation is all gmp (mpz with assembly); ECDSA is nettle's own
 * curve code. verify_params recomputes the key's consistency. */
static int check_keygen(gnutls_pk_algorithm_t algo, unsigned bits) {
        gnutls_x509_privkey_t key;
        unsigned char id[64];
        size_t id_size = sizeof(id);
        int r;

        r = gnutls_x509_privkey_init(&key);
        if (r < 0)
                FAIL("gnutls_x509_privkey_init", r);
        r = gnutls_x509_privkey_generate(key, algo, bits, 0);
        if (r >= 0)
                r = gnutls_x509_privkey_verify_params(key);
        if (r >= 0)
                r = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, id, &id_size);
        gnutls_x509_privkey_deinit(key);
        if (r < 0)
                FAIL(gnutls_pk_algorithm_get_name(algo), r);
        if (id_size != 32)
                FAIL("key id size", 0);
        return 0;
}

int main(void) {
        static const unsigned char sha256_abc[32] = {
                0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
        };
        unsigned char digest[32], random[32] = { 0 }, zero[32] = { 0 };
        const ngtcp2_info *info;
        gnutls_session_t session;
        int r;

        /* A static GnuTLS runs no library constructor: initialise by hand. */
        r = gnutls_global_init();
        if (r < 0)
                FAIL("gnutls_global_init", r);

        r = gnutls_hash_fast(GNUTLS_DIG_SHA256, "abc", 3, digest);
        if (r < 0)
                FAIL("gnutls_hash_fast", r);
        if (memcmp(digest, sha256_abc, sizeof(digest)) != 0)
                FAIL("SHA-256 known answer", 0);

        /* Windows' system RNG (BCryptGenRandom) behind gnutls_rnd. */
        r = gnutls_rnd(GNUTLS_RND_RANDOM, random, sizeof(random));
        if (r < 0)
                FAIL("gnutls_rnd", r);
        if (memcmp(random, zero, sizeof(random)) == 0)
                FAIL("gnutls_rnd output", 0);

        if (check_keygen(GNUTLS_PK_RSA, 2048) != 0 ||
            check_keygen(GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1)) != 0)
                return 1;

        info = ngtcp2_version(0);
        if (!info || strcmp(info->version_str, "0.12.1") != 0)
                FAIL("ngtcp2_version", 0);

        r = gnutls_init(&session, GNUTLS_CLIENT);
        if (r < 0)
                FAIL("gnutls_init", r);
        r = ngtcp2_crypto_gnutls_configure_client_session(session);
        gnutls_deinit(session);
        if (r != 0)
                FAIL("ngtcp2_crypto_gnutls_configure_client_session", r);

        printf("smoke: GnuTLS %s, ngtcp2 %s: ok\n", gnutls_check_version(NULL), info->version_str);
        gnutls_global_deinit();
        return 0;
}
