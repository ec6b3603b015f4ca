/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "auth.h"
#include "macro.h"
#include "room-name.h"

/* The labels of PROTOCOL.md, without NUL terminators. Each names the
 * protocol version that introduced it: the join proof is unchanged since 1,
 * the key schedule is 2's (auth_key bound to the relay). */
#define KDF_SALT "lanparty/2 room"
#define KDF_INFO_AUTH "lanparty/2 auth"
#define KDF_INFO_E2E "lanparty/2 e2e"
#define JOIN_PROOF_LABEL "lanparty/1 join"
/* What follows KDF_INFO_AUTH: how the relay is named. */
#define KDF_RELAY_PIN 0x01
#define KDF_RELAY_HOST 0x02

#define SHA256_SIZE 32

/* Largest SubjectPublicKeyInfo we export: an RSA-16384 key is about 2.1 KiB,
 * anything larger is not a key a relay would use. */
#define SPKI_DER_MAX 4096

DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_x509_crt_t, gnutls_x509_crt_deinit);
DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_pubkey_t, gnutls_pubkey_deinit);

/* GnuTLS codes are negative but not errno values. Crypto primitives only fail
 * on allocation or a broken backend, which callers cannot do much about. */
static int errno_from_gnutls(int r) {
        return r == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EIO;
}

/* gnutls_datum_t wants a mutable pointer even where GnuTLS only reads. */
static gnutls_datum_t datum_const(const void *p, size_t n) {
        return (gnutls_datum_t){.data = (unsigned char *) (uintptr_t) p, .size = (unsigned) n};
}

int auth_generate_room_key(uint8_t key[static LP_ROOM_KEY_SIZE]) {
        int r = gnutls_rnd(GNUTLS_RND_KEY, key, LP_ROOM_KEY_SIZE);
        if (r < 0)
                return errno_from_gnutls(r);
        return 0;
}

int auth_hkdf_sha256(const void *ikm, size_t ikm_len, const void *salt, size_t salt_len,
                     const void *info, size_t info_len, uint8_t *out, size_t out_len) {
        uint8_t prk[SHA256_SIZE];
        int r;

        if ((!ikm && ikm_len > 0) || (!salt && salt_len > 0) || (!info && info_len > 0) || !out)
                return -EINVAL;
        if (out_len == 0 || out_len > 255 * SHA256_SIZE)
                return -EINVAL;
        if (ikm_len > UINT_MAX || salt_len > UINT_MAX || info_len > UINT_MAX)
                return -EINVAL;

        gnutls_datum_t ikm_d = datum_const(ikm, ikm_len), salt_d = datum_const(salt, salt_len),
                       info_d = datum_const(info, info_len), prk_d = datum_const(prk, sizeof prk);

        r = gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm_d, &salt_d, prk);
        if (r < 0)
                return errno_from_gnutls(r);
        r = gnutls_hkdf_expand(GNUTLS_MAC_SHA256, &prk_d, &info_d, out, out_len);
        gnutls_memset(prk, 0, sizeof prk);
        if (r < 0)
                return errno_from_gnutls(r);
        return 0;
}

/* The info of auth_key's HKDF-Expand: KDF_INFO_AUTH, then 0x01 and the pin,
 * or 0x02, u8 length and the host name in lower case. Returns its length. */
static int relay_info(const uint8_t *relay_pin, const char *relay_host, uint8_t *info, size_t size) {
        size_t n = sizeof(KDF_INFO_AUTH) - 1, host_len;

        if (size < n + 2 + MAX(LP_SPKI_PIN_SIZE, LP_AUTH_RELAY_HOST_MAX))
                return -ENOBUFS;
        memcpy(info, KDF_INFO_AUTH, n);
        if (relay_pin) {
                info[n++] = KDF_RELAY_PIN;
                memcpy(info + n, relay_pin, LP_SPKI_PIN_SIZE);
                return (int) (n + LP_SPKI_PIN_SIZE);
        }
        if (!relay_host)
                return -EINVAL;
        host_len = strlen(relay_host);
        if (host_len == 0 || host_len > LP_AUTH_RELAY_HOST_MAX)
                return -EINVAL;
        info[n++] = KDF_RELAY_HOST;
        info[n++] = (uint8_t) host_len;
        for (size_t i = 0; i < host_len; i++) {
                char ch = relay_host[i];

                if ((unsigned char) ch < 0x20 || ch == 0x7f)
                        return -EINVAL;
                /* DNS names are case-insensitive; so are IPv6 hex digits. */
                info[n++] = (uint8_t) (ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        }
        return (int) n;
}

int auth_derive_keys(const uint8_t room_key[static LP_ROOM_KEY_SIZE], const uint8_t *relay_pin,
                     const char *relay_host, uint8_t auth_key[static LP_AUTH_KEY_SIZE],
                     uint8_t e2e_key[static LP_E2E_KEY_SIZE]) {
        uint8_t info[sizeof(KDF_INFO_AUTH) - 1 + 2 + MAX(LP_SPKI_PIN_SIZE, LP_AUTH_RELAY_HOST_MAX)];
        int info_len, r;

        info_len = relay_info(relay_pin, relay_host, info, sizeof info);
        if (info_len < 0)
                return info_len;

        /* Two extracts of the same PRK instead of keeping it between calls:
         * this runs once per session and keeps the HKDF wrapper one-shot. */
        r = auth_hkdf_sha256(room_key, LP_ROOM_KEY_SIZE, KDF_SALT, strlen(KDF_SALT), info, (size_t) info_len,
                             auth_key, LP_AUTH_KEY_SIZE);
        if (r < 0)
                return r;
        r = auth_hkdf_sha256(room_key, LP_ROOM_KEY_SIZE, KDF_SALT, strlen(KDF_SALT), KDF_INFO_E2E,
                             strlen(KDF_INFO_E2E), e2e_key, LP_E2E_KEY_SIZE);
        if (r < 0) {
                gnutls_memset(auth_key, 0, LP_AUTH_KEY_SIZE);
                return r;
        }
        return 0;
}

int auth_join_message(const char *label, const uint8_t exporter[static LP_AUTH_EXPORTER_SIZE], const char *room,
                      size_t room_len, const MacAddr *mac, uint8_t *msg, size_t size) {
        size_t n = 0, label_len = label ? strlen(label) : 0;

        /* Also what keeps the u8 length prefix honest and msg in bounds. */
        if (!label || !msg || !room || !room_name_is_valid(room, room_len) || !mac ||
            size < label_len + LP_AUTH_EXPORTER_SIZE + 1 + room_len + LP_MAC_LEN || size > INT_MAX)
                return -EINVAL;
        memcpy(msg + n, label, label_len);
        n += label_len;
        memcpy(msg + n, exporter, LP_AUTH_EXPORTER_SIZE);
        n += LP_AUTH_EXPORTER_SIZE;
        msg[n++] = (uint8_t) room_len;
        memcpy(msg + n, room, room_len);
        n += room_len;
        memcpy(msg + n, mac->bytes, LP_MAC_LEN);
        return (int) (n + LP_MAC_LEN);
}

int auth_join_proof(const uint8_t auth_key[static LP_AUTH_KEY_SIZE],
                    const uint8_t exporter[static LP_AUTH_EXPORTER_SIZE],
                    const char *room, size_t room_len, const MacAddr *mac,
                    uint8_t proof[static LP_AUTH_PROOF_SIZE]) {
        uint8_t msg[sizeof(JOIN_PROOF_LABEL) - 1 + LP_AUTH_EXPORTER_SIZE + 1 + LP_ROOM_NAME_MAX + LP_MAC_LEN];
        int n, r;

        n = auth_join_message(JOIN_PROOF_LABEL, exporter, room, room_len, mac, msg, sizeof msg);
        if (n < 0)
                return n;
        r = gnutls_hmac_fast(GNUTLS_MAC_SHA256, auth_key, LP_AUTH_KEY_SIZE, msg, (size_t) n, proof);
        gnutls_memset(msg, 0, sizeof msg);
        if (r < 0)
                return errno_from_gnutls(r);
        return 0;
}

bool auth_join_proof_verify(const uint8_t auth_key[static LP_AUTH_KEY_SIZE],
                            const uint8_t exporter[static LP_AUTH_EXPORTER_SIZE],
                            const char *room, size_t room_len, const MacAddr *mac,
                            const uint8_t proof[static LP_AUTH_PROOF_SIZE]) {
        uint8_t expected[LP_AUTH_PROOF_SIZE];
        bool ok;

        if (auth_join_proof(auth_key, exporter, room, room_len, mac, expected) < 0)
                return false;
        /* memcmp would stop at the first wrong byte and tell a timing
         * attacker how much of a forged proof is right. */
        ok = gnutls_memcmp(expected, proof, LP_AUTH_PROOF_SIZE) == 0;
        gnutls_memset(expected, 0, sizeof expected);
        return ok;
}

int auth_spki_pin_from_der_cert(const uint8_t *der, size_t len, uint8_t pin[static LP_SPKI_PIN_SIZE]) {
        _cleanup_(gnutls_x509_crt_deinitp) gnutls_x509_crt_t crt = NULL;
        _cleanup_(gnutls_pubkey_deinitp) gnutls_pubkey_t pubkey = NULL;
        uint8_t spki[SPKI_DER_MAX];
        size_t spki_len = sizeof spki;
        int r;

        if (!der || len == 0 || len > UINT_MAX)
                return -EBADMSG;

        r = gnutls_x509_crt_init(&crt);
        if (r < 0)
                return errno_from_gnutls(r);
        gnutls_datum_t der_d = datum_const(der, len);
        r = gnutls_x509_crt_import(crt, &der_d, GNUTLS_X509_FMT_DER);
        if (r < 0)
                return r == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EBADMSG;

        r = gnutls_pubkey_init(&pubkey);
        if (r < 0)
                return errno_from_gnutls(r);
        r = gnutls_pubkey_import_x509(pubkey, crt, 0);
        if (r < 0) /* e.g. a key algorithm GnuTLS does not know */
                return r == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EBADMSG;

        /* Into our buffer: gnutls_pubkey_export2 would hand back memory that
         * only gnutls_free can release. */
        r = gnutls_pubkey_export(pubkey, GNUTLS_X509_FMT_DER, spki, &spki_len);
        if (r == GNUTLS_E_SHORT_MEMORY_BUFFER)
                return -ENOBUFS;
        if (r < 0)
                return errno_from_gnutls(r);

        r = gnutls_hash_fast(GNUTLS_DIG_SHA256, spki, spki_len, pin);
        if (r < 0)
                return errno_from_gnutls(r);
        return 0;
}
