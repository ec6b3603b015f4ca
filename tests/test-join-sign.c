/* SPDX-License-Identifier: MIT */
/* Join proofs the relay can check but not make (join-sign.h): RFC 8032's
 * Ed25519 test vectors through our seed import, a member's proof checked
 * by the public key alone, and every way a proof must fail: another
 * connection, room, MAC or room key, a changed byte, a key that is no
 * point, and what a relay could make from auth_key. */
#include <errno.h>
#include <string.h>

#include "hex.h"
#include "join-sign.h"
#include "test-util.h"

static void unhex(const char *s, uint8_t *out, size_t size) {
        CHECK_EQ_INT(unhexmem_exact(s, strlen(s), HEX_CASE_LOWER, out, size), 0);
}

/* RFC 8032 §7.1, TEST 1 to 3: secret key, public key, message, signature. */
static const struct {
        const char *seed, *pub, *msg, *sig;
} rfc8032[] = {
        { "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
          "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
          "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
        { "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
          "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
          "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
        { "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
          "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
          "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
};

static void test_rfc8032(void) {
        for (size_t i = 0; i < sizeof(rfc8032) / sizeof(rfc8032[0]); i++) {
                uint8_t seed[32], pub[32], want_pub[32], msg[2], sig[64], want_sig[64];
                size_t n = strlen(rfc8032[i].msg) / 2;

                unhex(rfc8032[i].seed, seed, sizeof(seed));
                unhex(rfc8032[i].pub, want_pub, sizeof(want_pub));
                unhex(rfc8032[i].msg, msg, n);
                unhex(rfc8032[i].sig, want_sig, sizeof(want_sig));
                CHECK_EQ_INT(join_sign_public_key(seed, pub), 0);
                CHECK_MEM(pub, want_pub, 32);
                CHECK_EQ_INT(join_sign_raw(seed, msg, n, sig), 0);
                CHECK_MEM(sig, want_sig, 64);
        }
}

/* tests/e2e-vectors.py's output: room key 0x42 * 32, exporter 0xe1 * 32,
 * room "party", MAC 02:11:22:33:44:55. */
static const uint8_t kat_join_seed[] = {
        0x18, 0x06, 0x70, 0x23, 0xc7, 0xf1, 0xdf, 0x98, 0xcc, 0xb3, 0x1d, 0x99,
        0xdf, 0xc1, 0x2c, 0x01, 0x2a, 0x85, 0x73, 0x86, 0x67, 0x63, 0x8b, 0x6c,
        0x8f, 0xed, 0x00, 0xbd, 0xe9, 0xa1, 0xad, 0x43,
};
static const uint8_t kat_join_pub[] = {
        0x2e, 0x89, 0x64, 0x34, 0x6f, 0xfd, 0xf5, 0xa3, 0x3c, 0xf1, 0xfd, 0x64,
        0x47, 0x87, 0x8b, 0x3f, 0x2c, 0x99, 0x02, 0xac, 0xeb, 0x6e, 0x0d, 0x90,
        0xd1, 0xee, 0xf3, 0x71, 0xab, 0x00, 0x2d, 0x4c,
};
static const uint8_t kat_join_proof[] = {
        0x2b, 0xb3, 0x77, 0x08, 0x49, 0xdd, 0xe9, 0x3e, 0xfe, 0x27, 0x14, 0x64,
        0x32, 0x0e, 0x8e, 0xa2, 0x96, 0xfb, 0x07, 0xf8, 0x91, 0x07, 0x07, 0xdd,
        0xdf, 0xae, 0xb2, 0xb7, 0xbf, 0x00, 0x1b, 0xc1, 0x7c, 0x51, 0x5d, 0xdc,
        0x4b, 0x18, 0xb6, 0xf5, 0xb7, 0x02, 0x66, 0xc0, 0x4d, 0x2f, 0x5c, 0x19,
        0x54, 0x93, 0xeb, 0xc8, 0x8c, 0x3c, 0xe0, 0x87, 0x0b, 0x86, 0xe1, 0x24,
        0x4a, 0x93, 0xd2, 0x03,
};

typedef struct Member {
        uint8_t room_key[LP_ROOM_KEY_SIZE], seed[LP_JOIN_SEED_SIZE], pub[LP_JOIN_PUB_SIZE];
} Member;

static void member_make(Member *m, uint8_t fill) {
        memset(m->room_key, fill, sizeof(m->room_key));
        CHECK_EQ_INT(join_sign_seed(m->room_key, m->seed), 0);
        CHECK_EQ_INT(join_sign_public_key(m->seed, m->pub), 0);
}

static const MacAddr mac = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };

static void test_proof(void) {
        uint8_t exporter[LP_AUTH_EXPORTER_SIZE], other_exporter[LP_AUTH_EXPORTER_SIZE], proof[LP_JOIN_PROOF_SIZE],
                bad[LP_JOIN_PROOF_SIZE];
        MacAddr other_mac = mac;
        Member m, again, other;

        memset(exporter, 0xe1, sizeof(exporter));
        memset(other_exporter, 0xe2, sizeof(other_exporter));
        member_make(&m, 0x42);
        member_make(&again, 0x42);
        member_make(&other, 0x43);
        /* The same room key gives the same key pair, another one another. */
        CHECK_MEM(m.seed, again.seed, sizeof(m.seed));
        CHECK_MEM(m.pub, again.pub, sizeof(m.pub));
        CHECK(memcmp(m.pub, other.pub, sizeof(m.pub)) != 0);
        /* As an independent implementation derives them. */
        CHECK_MEM(m.seed, kat_join_seed, sizeof(m.seed));
        CHECK_MEM(m.pub, kat_join_pub, sizeof(m.pub));

        CHECK_EQ_INT(join_sign_proof(m.seed, exporter, "party", 5, &mac, proof), 0);
        CHECK_MEM(proof, kat_join_proof, sizeof(proof));
        CHECK(join_sign_verify(m.pub, exporter, "party", 5, &mac, proof));
        /* Another connection, room, MAC or room key. */
        CHECK(!join_sign_verify(m.pub, other_exporter, "party", 5, &mac, proof));
        CHECK(!join_sign_verify(m.pub, exporter, "partz", 5, &mac, proof));
        CHECK(!join_sign_verify(m.pub, exporter, "part", 4, &mac, proof));
        other_mac.bytes[5] ^= 1;
        CHECK(!join_sign_verify(m.pub, exporter, "party", 5, &other_mac, proof));
        CHECK(!join_sign_verify(other.pub, exporter, "party", 5, &mac, proof));
        /* Every single-bit change of the proof. */
        for (size_t i = 0; i < sizeof(proof) * 8; i++) {
                memcpy(bad, proof, sizeof(bad));
                bad[i / 8] ^= (uint8_t) (1 << (i % 8));
                CHECK(!join_sign_verify(m.pub, exporter, "party", 5, &mac, bad));
        }
        /* Invalid rooms are refused both ways. */
        CHECK_EQ_INT(join_sign_proof(m.seed, exporter, "", 0, &mac, proof), -EINVAL);
        CHECK_EQ_INT(join_sign_proof(m.seed, exporter, "bad room", 8, &mac, proof), -EINVAL);
        CHECK(!join_sign_verify(m.pub, exporter, "bad room", 8, &mac, proof));
        CHECK(!join_sign_verify(m.pub, exporter, "party", 5, NULL, proof));
}

/* What the relay holds (auth_key, join_pub) makes no proof that passes. */
static void test_relay_cannot_forge(void) {
        uint8_t exporter[LP_AUTH_EXPORTER_SIZE], auth_key[LP_AUTH_KEY_SIZE], e2e_key[LP_E2E_KEY_SIZE],
                proof[LP_JOIN_PROOF_SIZE];
        Member m;

        memset(exporter, 0x5a, sizeof(exporter));
        member_make(&m, 0x77);
        CHECK_EQ_INT(auth_derive_keys(m.room_key, NULL, "relay.example", auth_key, e2e_key), 0);
        /* Signing with auth_key, or with the public key, as if it were the seed. */
        CHECK_EQ_INT(join_sign_proof(auth_key, exporter, "party", 5, &mac, proof), 0);
        CHECK(!join_sign_verify(m.pub, exporter, "party", 5, &mac, proof));
        CHECK_EQ_INT(join_sign_proof(m.pub, exporter, "party", 5, &mac, proof), 0);
        CHECK(!join_sign_verify(m.pub, exporter, "party", 5, &mac, proof));
        /* Version 2's proof, an HMAC under auth_key, padded: no signature. */
        memset(proof, 0, sizeof(proof));
        CHECK_EQ_INT(auth_join_proof(auth_key, exporter, "party", 5, &mac, proof), 0);
        CHECK(!join_sign_verify(m.pub, exporter, "party", 5, &mac, proof));
        /* auth_key and e2e_key differ from the seed. */
        CHECK(memcmp(auth_key, m.seed, 32) != 0 && memcmp(e2e_key, m.seed, 32) != 0);
}

/* A public key that is not a point of the curve verifies nothing. */
static void test_bad_public_key(void) {
        uint8_t exporter[LP_AUTH_EXPORTER_SIZE] = { 0 }, proof[LP_JOIN_PROOF_SIZE], pub[LP_JOIN_PUB_SIZE];
        Member m;

        member_make(&m, 0x11);
        CHECK_EQ_INT(join_sign_proof(m.seed, exporter, "party", 5, &mac, proof), 0);
        memset(pub, 0xff, sizeof(pub));
        CHECK(!join_sign_verify(pub, exporter, "party", 5, &mac, proof));
        memset(pub, 0, sizeof(pub));
        CHECK(!join_sign_verify(pub, exporter, "party", 5, &mac, proof));
}

int main(void) {
        RUN(test_rfc8032);
        RUN(test_proof);
        RUN(test_relay_cannot_forge);
        RUN(test_bad_public_key);
        return 0;
}
