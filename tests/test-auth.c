/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "auth.h"
#include "macro.h"
#include "test-util.h"

/* Test vectors below come from independent implementations, not from the
 * code under test. The key schedule (protocol version 2) and the proof, with
 * Python's hmac and hashlib (RFC 5869 written out):
 *
 *   def hkdf(ikm, salt, info, n=32):
 *       prk = hmac.new(salt, ikm, hashlib.sha256).digest()
 *       okm, t, i = b"", b"", 1
 *       while len(okm) < n:
 *           t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
 *           okm, i = okm + t, i + 1
 *       return okm[:n]
 *   room = bytes(range(32)); salt = b"lanparty/2 room"
 *   hkdf(room, salt, b"lanparty/2 auth" + b"\x01" + pin_ec_p256)          # auth_key_pin_vector
 *   hkdf(room, salt, b"lanparty/2 auth" + b"\x02" + bytes([17]) + b"relay.example.org")
 *                                                                        # auth_key_host_vector
 *   hkdf(room, salt, b"lanparty/2 e2e")                                  # e2e_key_vector
 *   hmac.new(auth_key_pin_vector, b"lanparty/1 join" + bytes(range(0x40, 0x60)) + b"\x05party"
 *            + bytes([2, 0, 0x5e, 0x10, 0x20, 0x30]), hashlib.sha256).digest()   # proof_vector
 *
 * auth_key_pin_vector was also checked with the OpenSSL 3.0 command line:
 *   openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:<room key>
 *       -kdfopt "salt:lanparty/2 room" -kdfopt hexinfo:<"lanparty/2 auth" 01 pin> HKDF
 * and the pins with:
 *   openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary
 *
 * The certificates were made once with `openssl req -x509 -newkey ...
 * -subj /CN=relay.example.org`; their private keys were thrown away. */

static const char cert_ec_p256_pem[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBrTCCAVOgAwIBAgIUPB0tzlpQaXvcFbMqmtv+vN00vhQwCgYIKoZIzj0EAwIw\n"
        "HDEaMBgGA1UEAwwRcmVsYXkuZXhhbXBsZS5vcmcwIBcNMjYxMTIyMDA1ODU3WhgP\n"
        "MjEyNjEwMjkwMDU4NTdaMBwxGjAYBgNVBAMMEXJlbGF5LmV4YW1wbGUub3JnMFkw\n"
        "EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEKuh43uY4CihCeeTLJZ2cB7rmdOycI2wd\n"
        "W6Keg1Ox1rSLWJEAUF3EegDUmxfNZ+m7eC5IB/1Mc5VlzZrf6n9eQKNxMG8wHQYD\n"
        "VR0OBBYEFGyJlNIMFZlgw3YFj4/f716lDSbrMB8GA1UdIwQYMBaAFGyJlNIMFZlg\n"
        "w3YFj4/f716lDSbrMA8GA1UdEwEB/wQFMAMBAf8wHAYDVR0RBBUwE4IRcmVsYXku\n"
        "ZXhhbXBsZS5vcmcwCgYIKoZIzj0EAwIDSAAwRQIhAPaDLP+BI7oZMd8DNvjctacF\n"
        "NKi0iobFZjcVxGbP6DnaAiBFJspkWgOw4m4W1YiBGUa6fZ0sdLT/JJtxTl3QaQUi\n"
        "mw==\n"
        "-----END CERTIFICATE-----\n"
        ;

static const char cert_rsa_2048_pem[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIDOTCCAiGgAwIBAgIUBtct3YZNop2Jp6rp03Za5jr02JUwDQYJKoZIhvcNAQEL\n"
        "BQAwHDEaMBgGA1UEAwwRcmVsYXkuZXhhbXBsZS5vcmcwIBcNMjYxMTIyMDA1ODU3\n"
        "WhgPMjEyNjEwMjkwMDU4NTdaMBwxGjAYBgNVBAMMEXJlbGF5LmV4YW1wbGUub3Jn\n"
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2U701eU/RFAyqSDLPo7T\n"
        "mgwEZnKKxQsLIoi7muWiK/aWkSXZ/6leCSJxmI8roHixuOKVuRTKvuoxKYRw5qPn\n"
        "DLq2pslbREnwygq2k6kjyXAR/ZlbVDh8OWZNulTHnaiPAydY2cSTIbWQd+WDNbhZ\n"
        "Ma4xKrD0JH762l3cW3G0Df7zbXTN8oZZD7gDhQrrR46l3Nw3UqhCXL23bEWS+gUA\n"
        "1sk4cLTJ7I9hdKdAKw3efDMufjUZFTqgNrNkHh7S3p4fQ5fmq422a9q3ylAxWV1u\n"
        "k011/Ps0Z8Alrwd7jfUJGlDOltoqKjR2ELRl7Y5GCsdE64CcLWn3pu8Xa+I5WFuZ\n"
        "yQIDAQABo3EwbzAdBgNVHQ4EFgQUcLQsp2A1JT+3giRLySc4hnP5nygwHwYDVR0j\n"
        "BBgwFoAUcLQsp2A1JT+3giRLySc4hnP5nygwDwYDVR0TAQH/BAUwAwEB/zAcBgNV\n"
        "HREEFTATghFyZWxheS5leGFtcGxlLm9yZzANBgkqhkiG9w0BAQsFAAOCAQEAMZdG\n"
        "lsFY0UGRvIqJLwDgXNRY+1TSnEBL4ZHrqk7WaIpcG5cWbXmAJZzuFVWPX+PaVuuo\n"
        "+4IhtKIx6JsiG9p7LZv1F+8/5YCddevwlJJW3pgoqO1CoajwWCyITluzwK+GjZjq\n"
        "+XHtqT2dfiQeiNytHmO+i7xkb9civkM64mlWHHFr6YeiToHS/PzS4ZR6cJ3L/B2Q\n"
        "FSaef1FNLoNjSptvTqu84JuqwR+qD/dF5FybMAqC6nYT7cl8NiqCw65enb0TqPlr\n"
        "1dpLq3vSdbwLbth+TqU4Wahb5pCMYIKi3XN4AOAQkk0bLMlVqLiRtJKyU37Mw2Uf\n"
        "CQnyO/vY5mBzBQOaBA==\n"
        "-----END CERTIFICATE-----\n"
        ;

static const char cert_ed25519_pem[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBbTCCAR+gAwIBAgIUJe8PGB5PWg9bayYjTQVWTV8BLS8wBQYDK2VwMBwxGjAY\n"
        "BgNVBAMMEXJlbGF5LmV4YW1wbGUub3JnMCAXDTI2MTEyMjAwNTg1N1oYDzIxMjYx\n"
        "MDI5MDA1ODU3WjAcMRowGAYDVQQDDBFyZWxheS5leGFtcGxlLm9yZzAqMAUGAytl\n"
        "cAMhAMucLKxayKOsU1yBSik9DYT48pfjs2r8xrPCVd7Boa9Zo3EwbzAdBgNVHQ4E\n"
        "FgQUWZ5OLP6gc8UB+r21KEE1GHjNThwwHwYDVR0jBBgwFoAUWZ5OLP6gc8UB+r21\n"
        "KEE1GHjNThwwDwYDVR0TAQH/BAUwAwEB/zAcBgNVHREEFTATghFyZWxheS5leGFt\n"
        "cGxlLm9yZzAFBgMrZXADQQBsc9IkJ+87kYNudD9K0idaJQ2QPL97pyM/wEidlRkw\n"
        "pAD/rX0qENnRwmnf/tDF9Er5DeJtejnRc8E3a7m8S6EP\n"
        "-----END CERTIFICATE-----\n"
        ;

static const uint8_t pin_ec_p256[LP_SPKI_PIN_SIZE] = {
        0xab, 0xa1, 0xff, 0x28, 0x4d, 0xee, 0xbe, 0x0d, 0x69, 0x32, 0xb0, 0x6d, 0x30, 0x77, 0x50, 0xed,
        0xca, 0x28, 0x5a, 0x30, 0x8c, 0x60, 0x65, 0x12, 0x0a, 0xe6, 0x2c, 0x9f, 0x51, 0x60, 0x00, 0x44,
};
static const uint8_t pin_rsa_2048[LP_SPKI_PIN_SIZE] = {
        0xa7, 0xf3, 0xdd, 0xa1, 0x05, 0x10, 0x71, 0x87, 0xdc, 0x20, 0x28, 0xa8, 0x26, 0xd1, 0x04, 0xe3,
        0xb8, 0xfe, 0x37, 0x78, 0x1e, 0xc6, 0x79, 0xe3, 0xfe, 0x74, 0x9f, 0xb8, 0x47, 0xda, 0x3e, 0xfb,
};
static const uint8_t pin_ed25519[LP_SPKI_PIN_SIZE] = {
        0x21, 0x0c, 0x9a, 0x8a, 0xe1, 0xae, 0xdb, 0xd7, 0x05, 0xbd, 0x30, 0xd2, 0x5f, 0x50, 0x68, 0x80,
        0xe3, 0xb6, 0x17, 0x8f, 0xa0, 0x87, 0x3a, 0x36, 0xcb, 0xc6, 0xb0, 0xa2, 0xf1, 0x31, 0x1d, 0x8b,
};

/* Room key 00 01 .. 1f and what Python derives from it, for the relay with
 * the pin pin_ec_p256 and for the relay named relay.example.org. */
static const uint8_t auth_key_pin_vector[LP_AUTH_KEY_SIZE] = {
        0x88, 0xf1, 0xd7, 0x4d, 0x07, 0x15, 0xb7, 0xf9, 0x17, 0xbc, 0x4f, 0x1a, 0x20, 0x53, 0x31, 0x99,
        0x87, 0x5e, 0x8c, 0x1b, 0x85, 0xec, 0x94, 0xc5, 0x20, 0xe0, 0xd7, 0x31, 0x0d, 0xbc, 0x5a, 0xa9,
};
static const uint8_t auth_key_host_vector[LP_AUTH_KEY_SIZE] = {
        0x33, 0x8f, 0xec, 0x11, 0x04, 0x1b, 0x36, 0x89, 0xfa, 0xc9, 0x54, 0xe2, 0x23, 0x27, 0x81, 0x49,
        0x97, 0x81, 0xce, 0x15, 0xd4, 0xcb, 0xe8, 0x2c, 0x5d, 0x5b, 0x66, 0x74, 0xd8, 0xf5, 0x72, 0x7e,
};
static const uint8_t e2e_key_vector[LP_E2E_KEY_SIZE] = {
        0x22, 0xa7, 0x65, 0x9f, 0x85, 0xc6, 0xf9, 0x09, 0xb8, 0xba, 0xc9, 0xf0, 0x9d, 0xdf, 0xf9, 0xe9,
        0xbb, 0x9b, 0xed, 0x97, 0xfd, 0xc3, 0x6c, 0xd4, 0xd6, 0x36, 0xa9, 0x08, 0x1f, 0x72, 0x80, 0x67,
};
/* auth_key_pin_vector, exporter 40 41 .. 5f, room "party", MAC 02:00:5e:10:20:30. */
static const uint8_t proof_vector[LP_AUTH_PROOF_SIZE] = {
        0x4e, 0xa0, 0x1a, 0x8c, 0xc1, 0xb1, 0xa6, 0xf1, 0x18, 0x37, 0xfd, 0xa7, 0x97, 0x01, 0x6d, 0xba,
        0x5d, 0x26, 0xe8, 0x29, 0xec, 0x26, 0x57, 0x6a, 0x73, 0xb9, 0xf9, 0x29, 0x28, 0x72, 0xe9, 0xce,
};

static const MacAddr mac_vector = {{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30}};

static void fill_counting(uint8_t *p, size_t n, uint8_t start) {
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t) (start + i);
}

/* PEM -> DER into a caller buffer; gnutls_pem_base64_decode2 would need gnutls_free. */
static size_t pem_to_der(const char *pem, uint8_t *der, size_t size) {
        gnutls_datum_t in = {.data = (unsigned char *) (uintptr_t) pem, .size = (unsigned) strlen(pem)};
        size_t n = size;
        CHECK_EQ_INT(gnutls_pem_base64_decode("CERTIFICATE", &in, der, &n), 0);
        return n;
}

static void test_join_proof_hostile(void) {
        uint8_t auth_key[LP_AUTH_KEY_SIZE], exporter[LP_AUTH_EXPORTER_SIZE], proof[LP_AUTH_PROOF_SIZE];

        fill_counting(auth_key, sizeof auth_key, 0);
        fill_counting(exporter, sizeof exporter, 0x40);

        /* Room names the HELLO parser would refuse never reach the HMAC:
         * empty, too long for the u8-prefixed 32-char field, bad chars. */
        CHECK_EQ_INT(auth_join_proof(auth_key, exporter, "", 0, &mac_vector, proof), -EINVAL);
        CHECK_EQ_INT(auth_join_proof(auth_key, exporter, NULL, 5, &mac_vector, proof), -EINVAL);
        CHECK_EQ_INT(auth_join_proof(auth_key, exporter, "123456789012345678901234567890123", 33,
                                     &mac_vector, proof),
                     -EINVAL);
        CHECK_EQ_INT(auth_join_proof(auth_key, exporter, "par ty", 6, &mac_vector, proof), -EINVAL);
        CHECK_EQ_INT(auth_join_proof(auth_key, exporter, "par\0ty", 6, &mac_vector, proof), -EINVAL);
        CHECK_EQ_INT(auth_join_proof(auth_key, exporter, "party", 5, NULL, proof), -EINVAL);
        /* A length that lies about the string: only `room_len` bytes count. */
        CHECK_EQ_INT(auth_join_proof(auth_key, exporter, "party/junk", 5, &mac_vector, proof), 0);

        /* Verify turns every failure into "no". */
        CHECK(!auth_join_proof_verify(auth_key, exporter, "", 0, &mac_vector, proof));
        CHECK(!auth_join_proof_verify(auth_key, exporter, "party", 5, NULL, proof));
        CHECK(!auth_join_proof_verify(auth_key, exporter, "party", 300, &mac_vector, proof));
}

static void test_spki_pin_hostile(void) {
        uint8_t der[2048], pin[LP_SPKI_PIN_SIZE];
        size_t n = pem_to_der(cert_ec_p256_pem, der, sizeof der);

        CHECK_EQ_INT(auth_spki_pin_from_der_cert(NULL, 0, pin), -EBADMSG);
        CHECK_EQ_INT(auth_spki_pin_from_der_cert(NULL, 100, pin), -EBADMSG);
        CHECK_EQ_INT(auth_spki_pin_from_der_cert(der, 0, pin), -EBADMSG);
        /* Every truncation of a real certificate. */
        for (size_t i = 1; i < n; i++)
                CHECK_EQ_INT(auth_spki_pin_from_der_cert(der, i, pin), -EBADMSG);
        /* Trailing bytes after the certificate. */
        uint8_t padded[2048 + 16] = {0};
        memcpy(padded, der, n);
        CHECK_EQ_INT(auth_spki_pin_from_der_cert(padded, n + 16, pin), -EBADMSG);
        CHECK_EQ_INT(auth_spki_pin_from_der_cert(padded, n, pin), 0);
        CHECK_MEM(pin, pin_ec_p256, sizeof pin);
        /* PEM text is not DER. */
        CHECK_EQ_INT(auth_spki_pin_from_der_cert((const uint8_t *) cert_ec_p256_pem, strlen(cert_ec_p256_pem),
                                                 pin),
                     -EBADMSG);
        /* Outer SEQUENCE length claiming more than there is. */
        uint8_t lying[2048];
        memcpy(lying, der, n);
        CHECK_EQ_INT(lying[0], 0x30);
        CHECK_EQ_INT(lying[1], 0x82);
        lying[3] = (uint8_t) (lying[3] + 1);
        CHECK_EQ_INT(auth_spki_pin_from_der_cert(lying, n, pin), -EBADMSG);
        /* Not ASN.1 at all. */
        memset(lying, 0xff, sizeof lying);
        CHECK_EQ_INT(auth_spki_pin_from_der_cert(lying, sizeof lying, pin), -EBADMSG);
        memset(lying, 0, sizeof lying);
        CHECK_EQ_INT(auth_spki_pin_from_der_cert(lying, sizeof lying, pin), -EBADMSG);
}

static void test_hkdf_rfc5869(void) {
        /* RFC 5869 A.1, test case 1. */
        uint8_t ikm[22], salt[13], info[10], okm[42];
        static const uint8_t expected[42] = {
                0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36,
                0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56,
                0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65,
        };

        memset(ikm, 0x0b, sizeof ikm);
        fill_counting(salt, sizeof salt, 0x00);
        fill_counting(info, sizeof info, 0xf0);
        CHECK_EQ_INT(auth_hkdf_sha256(ikm, sizeof ikm, salt, sizeof salt, info, sizeof info, okm, sizeof okm), 0);
        CHECK_MEM(okm, expected, sizeof expected);

        /* A prefix of the output is the shorter output (HKDF-Expand is a stream). */
        uint8_t okm32[32];
        CHECK_EQ_INT(auth_hkdf_sha256(ikm, sizeof ikm, salt, sizeof salt, info, sizeof info, okm32, 32), 0);
        CHECK_MEM(okm32, expected, 32);

        /* Output lengths RFC 5869 forbids. */
        static uint8_t big[255 * 32 + 1];
        CHECK_EQ_INT(auth_hkdf_sha256(ikm, sizeof ikm, salt, sizeof salt, info, sizeof info, big, 0), -EINVAL);
        CHECK_EQ_INT(auth_hkdf_sha256(ikm, sizeof ikm, salt, sizeof salt, info, sizeof info, big, sizeof big),
                     -EINVAL);
        CHECK_EQ_INT(auth_hkdf_sha256(ikm, sizeof ikm, salt, sizeof salt, info, sizeof info, big, sizeof big - 1),
                     0);
        CHECK_EQ_INT(auth_hkdf_sha256(NULL, 5, salt, sizeof salt, info, sizeof info, okm, sizeof okm), -EINVAL);
}

static void test_derive_keys(void) {
        uint8_t room_key[LP_ROOM_KEY_SIZE], auth_key[LP_AUTH_KEY_SIZE], e2e_key[LP_E2E_KEY_SIZE];
        uint8_t auth_key2[LP_AUTH_KEY_SIZE], e2e_key2[LP_E2E_KEY_SIZE];

        fill_counting(room_key, sizeof room_key, 0);
        CHECK_EQ_INT(auth_derive_keys(room_key, pin_ec_p256, NULL, auth_key, e2e_key), 0);
        CHECK_MEM(auth_key, auth_key_pin_vector, sizeof auth_key);
        CHECK_MEM(e2e_key, e2e_key_vector, sizeof e2e_key);
        CHECK(memcmp(auth_key, e2e_key, LP_AUTH_KEY_SIZE) != 0);

        /* With a pin the host name plays no part. */
        CHECK_EQ_INT(auth_derive_keys(room_key, pin_ec_p256, "relay.example.org", auth_key2, e2e_key2), 0);
        CHECK_MEM(auth_key2, auth_key_pin_vector, sizeof auth_key2);

        /* Without one, the name, in any ASCII case. */
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, "relay.example.org", auth_key2, e2e_key2), 0);
        CHECK_MEM(auth_key2, auth_key_host_vector, sizeof auth_key2);
        CHECK_MEM(e2e_key2, e2e_key_vector, sizeof e2e_key2);
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, "Relay.EXAMPLE.org", auth_key2, e2e_key2), 0);
        CHECK_MEM(auth_key2, auth_key_host_vector, sizeof auth_key2);

        /* Deterministic. */
        CHECK_EQ_INT(auth_derive_keys(room_key, pin_ec_p256, NULL, auth_key2, e2e_key2), 0);
        CHECK_MEM(auth_key2, auth_key, sizeof auth_key);
        CHECK_MEM(e2e_key2, e2e_key, sizeof e2e_key);

        /* One bit of room key changes both. */
        room_key[31] ^= 0x01;
        CHECK_EQ_INT(auth_derive_keys(room_key, pin_ec_p256, NULL, auth_key2, e2e_key2), 0);
        CHECK(memcmp(auth_key2, auth_key, sizeof auth_key) != 0);
        CHECK(memcmp(e2e_key2, e2e_key, sizeof e2e_key) != 0);
}

/* The same room key on two relays gives two auth_keys: what relay A learns
 * (its auth_key) makes no proof relay B accepts. e2e_key, which no relay
 * sees, stays the same. */
static void test_derive_keys_bound_to_relay(void) {
        uint8_t room_key[LP_ROOM_KEY_SIZE], exporter[LP_AUTH_EXPORTER_SIZE], proof[LP_AUTH_PROOF_SIZE];
        uint8_t auth_a[LP_AUTH_KEY_SIZE], auth_b[LP_AUTH_KEY_SIZE], auth_c[LP_AUTH_KEY_SIZE];
        uint8_t e2e_a[LP_E2E_KEY_SIZE], e2e_b[LP_E2E_KEY_SIZE];

        fill_counting(room_key, sizeof room_key, 0);
        fill_counting(exporter, sizeof exporter, 0x40);
        CHECK_EQ_INT(auth_derive_keys(room_key, pin_ec_p256, NULL, auth_a, e2e_a), 0);
        CHECK_EQ_INT(auth_derive_keys(room_key, pin_rsa_2048, NULL, auth_b, e2e_b), 0);
        CHECK(memcmp(auth_a, auth_b, sizeof auth_a) != 0);
        CHECK_MEM(e2e_a, e2e_b, sizeof e2e_a);

        CHECK_EQ_INT(auth_join_proof(auth_a, exporter, "party", 5, &mac_vector, proof), 0);
        CHECK(auth_join_proof_verify(auth_a, exporter, "party", 5, &mac_vector, proof));
        CHECK(!auth_join_proof_verify(auth_b, exporter, "party", 5, &mac_vector, proof));

        /* A name is not a pin: 0x01/0x02 keep them apart even when the
         * name's bytes would spell a pin's. */
        char host[LP_SPKI_PIN_SIZE + 1];
        fill_counting((uint8_t *) host, LP_SPKI_PIN_SIZE, '0');
        host[LP_SPKI_PIN_SIZE] = '\0';
        CHECK_EQ_INT(auth_derive_keys(room_key, (const uint8_t *) host, NULL, auth_a, e2e_a), 0);
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, host, auth_b, e2e_b), 0);
        CHECK(memcmp(auth_a, auth_b, sizeof auth_a) != 0);
        /* Two names. */
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, "relay-a.example.org", auth_a, e2e_a), 0);
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, "relay-b.example.org", auth_b, e2e_b), 0);
        CHECK(memcmp(auth_a, auth_b, sizeof auth_a) != 0);
        /* The length prefix: a name that is a prefix of another. */
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, "relay-a.example.or", auth_c, e2e_a), 0);
        CHECK(memcmp(auth_a, auth_c, sizeof auth_a) != 0);
}

static void test_derive_keys_hostile(void) {
        uint8_t room_key[LP_ROOM_KEY_SIZE] = {0}, auth_key[LP_AUTH_KEY_SIZE], e2e_key[LP_E2E_KEY_SIZE];
        char host[LP_AUTH_RELAY_HOST_MAX + 2];

        /* No relay at all: nothing to bind to. */
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, NULL, auth_key, e2e_key), -EINVAL);
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, "", auth_key, e2e_key), -EINVAL);
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, "relay\texample", auth_key, e2e_key), -EINVAL);
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, "relay\x7f", auth_key, e2e_key), -EINVAL);
        memset(host, 'a', sizeof host - 1);
        host[LP_AUTH_RELAY_HOST_MAX + 1] = '\0';
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, host, auth_key, e2e_key), -EINVAL);
        host[LP_AUTH_RELAY_HOST_MAX] = '\0';
        CHECK_EQ_INT(auth_derive_keys(room_key, NULL, host, auth_key, e2e_key), 0);
}

static void test_generate_room_key(void) {
        uint8_t a[LP_ROOM_KEY_SIZE], b[LP_ROOM_KEY_SIZE], zero[LP_ROOM_KEY_SIZE] = {0};

        CHECK_EQ_INT(auth_generate_room_key(a), 0);
        CHECK_EQ_INT(auth_generate_room_key(b), 0);
        /* 2^-256 chance of a false failure. */
        CHECK(memcmp(a, b, sizeof a) != 0);
        CHECK(memcmp(a, zero, sizeof a) != 0);
}

static void test_join_proof(void) {
        uint8_t exporter[LP_AUTH_EXPORTER_SIZE], proof[LP_AUTH_PROOF_SIZE], other[LP_AUTH_PROOF_SIZE];
        uint8_t key[LP_AUTH_KEY_SIZE], exp2[LP_AUTH_EXPORTER_SIZE];

        fill_counting(exporter, sizeof exporter, 0x40);
        CHECK_EQ_INT(auth_join_proof(auth_key_pin_vector, exporter, "party", 5, &mac_vector, proof), 0);
        CHECK_MEM(proof, proof_vector, sizeof proof);
        CHECK(auth_join_proof_verify(auth_key_pin_vector, exporter, "party", 5, &mac_vector, proof));

        /* Every input is bound: change one and the proof changes. */
        memcpy(exp2, exporter, sizeof exp2);
        exp2[17] ^= 0x80;
        CHECK_EQ_INT(auth_join_proof(auth_key_pin_vector, exp2, "party", 5, &mac_vector, other), 0);
        CHECK(memcmp(other, proof, sizeof proof) != 0);
        CHECK(!auth_join_proof_verify(auth_key_pin_vector, exp2, "party", 5, &mac_vector, proof));

        memcpy(key, auth_key_pin_vector, sizeof key);
        key[0] ^= 0x01;
        CHECK_EQ_INT(auth_join_proof(key, exporter, "party", 5, &mac_vector, other), 0);
        CHECK(memcmp(other, proof, sizeof proof) != 0);
        CHECK(!auth_join_proof_verify(key, exporter, "party", 5, &mac_vector, proof));

        CHECK_EQ_INT(auth_join_proof(auth_key_pin_vector, exporter, "partz", 5, &mac_vector, other), 0);
        CHECK(memcmp(other, proof, sizeof proof) != 0);
        CHECK(!auth_join_proof_verify(auth_key_pin_vector, exporter, "Party", 5, &mac_vector, proof));
        CHECK(!auth_join_proof_verify(auth_key_pin_vector, exporter, "part", 4, &mac_vector, proof));

        MacAddr mac = mac_vector;
        mac.bytes[5] ^= 0x01;
        CHECK_EQ_INT(auth_join_proof(auth_key_pin_vector, exporter, "party", 5, &mac, other), 0);
        CHECK(memcmp(other, proof, sizeof proof) != 0);
        CHECK(!auth_join_proof_verify(auth_key_pin_vector, exporter, "party", 5, &mac, proof));

        /* The length prefix keeps room and MAC apart: moving a byte between
         * them must not give the same proof. */
        MacAddr shifted = {{'y', 0x02, 0x00, 0x5e, 0x10, 0x20}};
        uint8_t a[LP_AUTH_PROOF_SIZE], b[LP_AUTH_PROOF_SIZE];
        CHECK_EQ_INT(auth_join_proof(auth_key_pin_vector, exporter, "party", 5, &mac_vector, a), 0);
        CHECK_EQ_INT(auth_join_proof(auth_key_pin_vector, exporter, "part", 4, &shifted, b), 0);
        CHECK(memcmp(a, b, sizeof a) != 0);

        /* Every single flipped bit of the proof is refused. */
        for (size_t i = 0; i < LP_AUTH_PROOF_SIZE * 8; i++) {
                memcpy(other, proof, sizeof other);
                other[i / 8] ^= (uint8_t) (1u << (i % 8));
                CHECK(!auth_join_proof_verify(auth_key_pin_vector, exporter, "party", 5, &mac_vector, other));
        }
        memset(other, 0, sizeof other);
        CHECK(!auth_join_proof_verify(auth_key_pin_vector, exporter, "party", 5, &mac_vector, other));

        /* Longest room name: the message buffer's worst case. */
        CHECK_EQ_INT(auth_join_proof(auth_key_pin_vector, exporter, "12345678901234567890123456789012", 32,
                                     &mac_vector, other),
                     0);
        CHECK(auth_join_proof_verify(auth_key_pin_vector, exporter, "12345678901234567890123456789012", 32,
                                     &mac_vector, other));
}

static void test_spki_pin_vectors(void) {
        static const struct {
                const char *pem;
                const uint8_t *pin;
        } certs[] = {
                {cert_ec_p256_pem, pin_ec_p256},
                {cert_rsa_2048_pem, pin_rsa_2048},
                {cert_ed25519_pem, pin_ed25519},
        };

        for (size_t i = 0; i < ELEMENTSOF(certs); i++) {
                uint8_t der[2048], pin[LP_SPKI_PIN_SIZE];
                size_t n = pem_to_der(certs[i].pem, der, sizeof der);

                CHECK_EQ_INT(auth_spki_pin_from_der_cert(der, n, pin), 0);
                CHECK_MEM(pin, certs[i].pin, LP_SPKI_PIN_SIZE);
        }
}

/* A fresh key and certificate made here, so the pin is not only right for
 * the three stored ones. The reference is GnuTLS's own SHA-256 key id,
 * documented as a hash of the SubjectPublicKeyInfo. */
static void test_spki_pin_generated(void) {
        gnutls_x509_privkey_t key = NULL;
        gnutls_x509_crt_t crt = NULL;
        uint8_t der[4096], pin[LP_SPKI_PIN_SIZE], id[LP_SPKI_PIN_SIZE];
        size_t der_len = sizeof der, id_len = sizeof id;

        CHECK_EQ_INT(gnutls_x509_privkey_init(&key), 0);
        CHECK_EQ_INT(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                                  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
                     0);
        CHECK_EQ_INT(gnutls_x509_crt_init(&crt), 0);
        CHECK_EQ_INT(gnutls_x509_crt_set_version(crt, 3), 0);
        CHECK_EQ_INT(gnutls_x509_crt_set_serial(crt, "\x01", 1), 0);
        CHECK_EQ_INT(gnutls_x509_crt_set_activation_time(crt, 1700000000), 0);
        CHECK_EQ_INT(gnutls_x509_crt_set_expiration_time(crt, 1900000000), 0);
        CHECK_EQ_INT(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "test", 4), 0);
        CHECK_EQ_INT(gnutls_x509_crt_set_key(crt, key), 0);
        CHECK_EQ_INT(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), 0);
        CHECK_EQ_INT(gnutls_x509_crt_export(crt, GNUTLS_X509_FMT_DER, der, &der_len), 0);
        CHECK_EQ_INT(gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id, &id_len), 0);
        CHECK_EQ_INT(id_len, LP_SPKI_PIN_SIZE);

        CHECK_EQ_INT(auth_spki_pin_from_der_cert(der, der_len, pin), 0);
        CHECK_MEM(pin, id, sizeof pin);

        gnutls_x509_crt_deinit(crt);
        gnutls_x509_privkey_deinit(key);
}

int main(void) {
        RUN(test_join_proof_hostile);
        RUN(test_spki_pin_hostile);
        RUN(test_hkdf_rfc5869);
        RUN(test_derive_keys);
        RUN(test_derive_keys_bound_to_relay);
        RUN(test_derive_keys_hostile);
        RUN(test_generate_room_key);
        RUN(test_join_proof);
        RUN(test_spki_pin_vectors);
        RUN(test_spki_pin_generated);
        return 0;
}
