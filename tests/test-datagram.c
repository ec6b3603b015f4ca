/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "datagram.h"
#include "macro.h"
#include "test-util.h"

_Static_assert(LP_DATAGRAM_MIN_BUDGET == 594, "PROTOCOL.md documents 594");
_Static_assert(LP_DATAGRAM_SIZE_MAX == 1522, "header + 1518");

static uint8_t buf[LP_DATAGRAM_SIZE_MAX + 64];

/* A datagram with the given header and a frame of `frame_len` patterned
 * bytes; returns its total length. */
static size_t make(uint8_t version, uint8_t flags, uint16_t peer, size_t frame_len) {
        buf[0] = version;
        buf[1] = flags;
        buf[2] = (uint8_t) (peer >> 8);
        buf[3] = (uint8_t) peer;
        for (size_t i = 0; i < frame_len; i++)
                buf[4 + i] = (uint8_t) (i * 7 + 1);
        return 4 + frame_len;
}

static void expect_error(size_t len, DatagramError expected) {
        Datagram d = { .frame_len = 12345 };
        DatagramError e = _DATAGRAM_ERROR_INVALID;

        CHECK_EQ_INT(datagram_decode(buf, len, &d, &e), -EBADMSG);
        CHECK_EQ_INT(e, expected);
        CHECK_EQ_INT(d.frame_len, 12345); /* untouched on failure */
        /* The reason is optional. */
        CHECK_EQ_INT(datagram_decode(buf, len, &d, NULL), -EBADMSG);
}

static void test_decode_truncated(void) {
        Datagram d;
        DatagramError e = _DATAGRAM_ERROR_INVALID;

        make(1, 0, 0, 20);
        for (size_t len = 0; len < LP_DATAGRAM_HEADER_SIZE; len++)
                expect_error(len, DATAGRAM_ERROR_TRUNCATED);
        CHECK_EQ_INT(datagram_decode(NULL, 0, &d, &e), -EBADMSG);
        CHECK_EQ_INT(e, DATAGRAM_ERROR_TRUNCATED);
        CHECK_EQ_INT(datagram_decode(NULL, 5, &d, &e), -EINVAL);
        CHECK_EQ_INT(datagram_decode(buf, 20, NULL, &e), -EINVAL);
}

static void test_decode_bad_version(void) {
        static const uint8_t versions[] = { 0, 2, 0x10, 0x81, 0xFF };
        for (size_t i = 0; i < ELEMENTSOF(versions); i++)
                expect_error(make(versions[i], 0, 0, 60), DATAGRAM_ERROR_BAD_VERSION);
        /* The version is judged before anything else. */
        expect_error(make(2, 0xFF, 0, 0), DATAGRAM_ERROR_BAD_VERSION);
}

static void test_decode_reserved_flags(void) {
        for (unsigned bit = 1; bit < 8; bit++) {
                expect_error(make(1, (uint8_t) (1u << bit), 0, 60), DATAGRAM_ERROR_RESERVED_FLAGS);
                expect_error(make(1, (uint8_t) (1u << bit) | LP_DATAGRAM_FLAG_FROM_PEER, 7, 60),
                             DATAGRAM_ERROR_RESERVED_FLAGS);
        }
        expect_error(make(1, 0xFF, 1, 60), DATAGRAM_ERROR_RESERVED_FLAGS);
}

static void test_decode_peer_id_rules(void) {
        expect_error(make(1, 0, 1, 60), DATAGRAM_ERROR_STRAY_PEER_ID);
        expect_error(make(1, 0, 0x0100, 60), DATAGRAM_ERROR_STRAY_PEER_ID);
        expect_error(make(1, 0, 0xFFFF, 60), DATAGRAM_ERROR_STRAY_PEER_ID);
        expect_error(make(1, LP_DATAGRAM_FLAG_FROM_PEER, 0, 60), DATAGRAM_ERROR_BAD_PEER_ID);
}

static void test_decode_frame_bounds(void) {
        for (size_t n = 0; n < LP_DATAGRAM_FRAME_MIN; n++) {
                expect_error(make(1, 0, 0, n), DATAGRAM_ERROR_RUNT);
                expect_error(make(1, LP_DATAGRAM_FLAG_FROM_PEER, 3, n), DATAGRAM_ERROR_RUNT);
        }
        expect_error(make(1, 0, 0, LP_DATAGRAM_FRAME_MAX + 1), DATAGRAM_ERROR_TOO_BIG);
        expect_error(make(1, 0, 0, LP_DATAGRAM_FRAME_MAX + 60), DATAGRAM_ERROR_TOO_BIG);
        /* A length that claims far more than any frame. */
        make(1, 0, 0, 20);
        {
                Datagram d;
                DatagramError e;
                CHECK_EQ_INT(datagram_decode(buf, SIZE_MAX, &d, &e), -EBADMSG);
                CHECK_EQ_INT(e, DATAGRAM_ERROR_TOO_BIG);
        }
}

static void test_decode_valid(void) {
        Datagram d;
        size_t len;

        len = make(1, 0, 0, LP_DATAGRAM_FRAME_MIN);
        CHECK_EQ_INT(datagram_decode(buf, len, &d, NULL), 0);
        CHECK_EQ_INT(d.version, 1);
        CHECK_EQ_INT(d.flags, 0);
        CHECK_EQ_INT(d.source_peer_id, 0);
        CHECK(d.frame == buf + 4); /* no copy */
        CHECK_EQ_INT(d.frame_len, LP_DATAGRAM_FRAME_MIN);

        len = make(1, LP_DATAGRAM_FLAG_FROM_PEER, 0xBEEF, LP_DATAGRAM_FRAME_MAX);
        CHECK_EQ_INT(datagram_decode(buf, len, &d, NULL), 0);
        CHECK_EQ_INT(d.flags, LP_DATAGRAM_FLAG_FROM_PEER);
        CHECK_EQ_INT(d.source_peer_id, 0xBEEF);
        CHECK(d.frame == buf + 4);
        CHECK_EQ_INT(d.frame_len, LP_DATAGRAM_FRAME_MAX);

        len = make(1, LP_DATAGRAM_FLAG_FROM_PEER, 1, 60);
        CHECK_EQ_INT(datagram_decode(buf, len, &d, NULL), 0);
        CHECK_EQ_INT(d.source_peer_id, 1);
        CHECK_EQ_INT(d.frame_len, 60);
}

static void test_error_names(void) {
        CHECK_EQ_STR(datagram_error_to_string(DATAGRAM_ERROR_TRUNCATED), "truncated");
        CHECK_EQ_STR(datagram_error_to_string(DATAGRAM_ERROR_BAD_VERSION), "bad_version");
        CHECK_EQ_STR(datagram_error_to_string(DATAGRAM_ERROR_RESERVED_FLAGS), "reserved_flags");
        CHECK_EQ_STR(datagram_error_to_string(DATAGRAM_ERROR_STRAY_PEER_ID), "stray_peer_id");
        CHECK_EQ_STR(datagram_error_to_string(DATAGRAM_ERROR_BAD_PEER_ID), "bad_peer_id");
        CHECK_EQ_STR(datagram_error_to_string(DATAGRAM_ERROR_RUNT), "runt");
        CHECK_EQ_STR(datagram_error_to_string(DATAGRAM_ERROR_TOO_BIG), "too_big");
        for (int i = 0; i < _DATAGRAM_ERROR_MAX; i++)
                CHECK(datagram_error_to_string(i));
        CHECK(!datagram_error_to_string(_DATAGRAM_ERROR_MAX));
        CHECK(!datagram_error_to_string(_DATAGRAM_ERROR_INVALID));
        CHECK(!datagram_error_to_string(-1));
}

static void test_encode_rejects(void) {
        uint8_t frame[LP_DATAGRAM_FRAME_MAX + 1] = { 0 };
        uint8_t out[LP_DATAGRAM_SIZE_MAX + 1];

        CHECK_EQ_INT(datagram_encode(out, sizeof(out), 0, frame, LP_DATAGRAM_FRAME_MIN - 1), -EINVAL);
        CHECK_EQ_INT(datagram_encode(out, sizeof(out), 0, frame, 0), -EINVAL);
        CHECK_EQ_INT(datagram_encode(out, sizeof(out), 0, frame, LP_DATAGRAM_FRAME_MAX + 1), -EINVAL);
        CHECK_EQ_INT(datagram_encode(out, sizeof(out), 0, NULL, 60), -EINVAL);
        CHECK_EQ_INT(datagram_encode(NULL, sizeof(out), 0, frame, 60), -EINVAL);

        /* Budget: one byte short fails explicitly, exact fits. */
        CHECK_EQ_INT(datagram_encode(out, 0, 0, frame, 60), -EMSGSIZE);
        CHECK_EQ_INT(datagram_encode(out, 63, 0, frame, 60), -EMSGSIZE);
        CHECK_EQ_INT(datagram_encode(out, 64, 0, frame, 60), 64);
        CHECK_EQ_INT(datagram_encode(out, LP_DATAGRAM_MIN_BUDGET, 5, frame, LP_DATAGRAM_FRAME_MAX),
                     -EMSGSIZE);
        CHECK_EQ_INT(datagram_encode(out, LP_DATAGRAM_MIN_BUDGET, 5, frame, LP_DATAGRAM_MIN_BUDGET - 4),
                     LP_DATAGRAM_MIN_BUDGET);
        CHECK_EQ_INT(datagram_encode(out, LP_DATAGRAM_MIN_BUDGET, 5, frame, LP_DATAGRAM_MIN_BUDGET - 3),
                     -EMSGSIZE);
}

static void test_encode_round_trip(void) {
        static const uint16_t peers[] = { 0, 1, 0x1234, 0xFFFF };
        static const size_t lens[] = { LP_DATAGRAM_FRAME_MIN, 60, 1404, LP_DATAGRAM_FRAME_MAX };
        uint8_t frame[LP_DATAGRAM_FRAME_MAX];
        uint8_t out[LP_DATAGRAM_SIZE_MAX];

        for (size_t i = 0; i < sizeof(frame); i++)
                frame[i] = (uint8_t) (i ^ 0x5A);

        for (size_t p = 0; p < ELEMENTSOF(peers); p++)
                for (size_t l = 0; l < ELEMENTSOF(lens); l++) {
                        Datagram d;
                        int n = datagram_encode(out, sizeof(out), peers[p], frame, lens[l]);

                        CHECK_EQ_INT(n, 4 + lens[l]);
                        CHECK_EQ_INT(out[0], 1);
                        CHECK_EQ_INT(out[1], peers[p] ? LP_DATAGRAM_FLAG_FROM_PEER : 0);
                        CHECK_EQ_INT(out[2], peers[p] >> 8);
                        CHECK_EQ_INT(out[3], peers[p] & 0xFF);
                        CHECK_EQ_INT(datagram_decode(out, (size_t) n, &d, NULL), 0);
                        CHECK_EQ_INT(d.source_peer_id, peers[p]);
                        CHECK_EQ_INT(d.frame_len, lens[l]);
                        CHECK_MEM(d.frame, frame, lens[l]);
                }
}

static void test_encode_in_place(void) {
        uint8_t out[4 + 100];

        for (size_t i = 0; i < 100; i++)
                out[4 + i] = (uint8_t) i;
        CHECK_EQ_INT(datagram_encode(out, sizeof(out), 0, out + 4, 100), 104);
        CHECK_EQ_INT(out[0], 1);
        CHECK_EQ_INT(out[1], 0);
        for (size_t i = 0; i < 100; i++)
                CHECK_EQ_INT(out[4 + i], i);
}

static void test_header_write(void) {
        uint8_t h[LP_DATAGRAM_HEADER_SIZE];

        datagram_header_write(h, 0);
        CHECK_MEM(h, ((const uint8_t[]){ 1, 0, 0, 0 }), 4);
        datagram_header_write(h, 0xA1B2);
        CHECK_MEM(h, ((const uint8_t[]){ 1, 1, 0xA1, 0xB2 }), 4);
}

static void test_mark_forwarded(void) {
        uint8_t copy[LP_DATAGRAM_SIZE_MAX];
        Datagram d;
        size_t len;

        /* Hostile and misuse first. */
        len = make(1, 0, 0, 60);
        CHECK_EQ_INT(datagram_mark_forwarded(buf, len, 0), -EINVAL);
        CHECK_EQ_INT(datagram_mark_forwarded(buf, 3, 9), -EINVAL);
        CHECK_EQ_INT(datagram_mark_forwarded(NULL, len, 9), -EINVAL);
        len = make(2, 0, 0, 60);
        CHECK_EQ_INT(datagram_mark_forwarded(buf, len, 9), -EBADMSG);
        len = make(1, LP_DATAGRAM_FLAG_FROM_PEER, 4, 60); /* a peer posing as the relay */
        CHECK_EQ_INT(datagram_mark_forwarded(buf, len, 9), -EBADMSG);
        CHECK_EQ_INT(buf[3], 4);
        len = make(1, 0, 4, 60);
        CHECK_EQ_INT(datagram_mark_forwarded(buf, len, 9), -EBADMSG);
        len = make(1, 0x80, 0, 60);
        CHECK_EQ_INT(datagram_mark_forwarded(buf, len, 9), -EBADMSG);

        len = make(1, 0, 0, 200);
        memcpy(copy, buf, len);
        CHECK_EQ_INT(datagram_mark_forwarded(buf, len, 0x0102), 0);
        CHECK_EQ_INT(datagram_decode(buf, len, &d, NULL), 0);
        CHECK_EQ_INT(d.flags, LP_DATAGRAM_FLAG_FROM_PEER);
        CHECK_EQ_INT(d.source_peer_id, 0x0102);
        CHECK(d.frame == buf + 4);
        CHECK_MEM(buf + 4, copy + 4, 200); /* frame untouched */
        /* Once is enough; a second stamp is refused. */
        CHECK_EQ_INT(datagram_mark_forwarded(buf, len, 0x0102), -EBADMSG);
}

int main(void) {
        RUN(test_decode_truncated);
        RUN(test_decode_bad_version);
        RUN(test_decode_reserved_flags);
        RUN(test_decode_peer_id_rules);
        RUN(test_decode_frame_bounds);
        RUN(test_encode_rejects);
        RUN(test_decode_valid);
        RUN(test_error_names);
        RUN(test_encode_round_trip);
        RUN(test_encode_in_place);
        RUN(test_header_write);
        RUN(test_mark_forwarded);
        return 0;
}
