/* SPDX-License-Identifier: MIT */
/* The game stream's packets (bench/game-packet.c): what is encoded comes
 * back, sizes outside the range are refused, and whatever arrives from the
 * network that is short, foreign or truncated is refused without reading
 * past its end. */
#include <errno.h>

#include "game-packet.h"
#include "test-util.h"

static void test_roundtrip(void) {
        GamePacket p = { .seq = UINT64_C(0x0102030405060708), .sent_ns = UINT64_C(1765000000123456789),
                         .echo_rx_ns = 2, .echo_tx_ns = UINT64_MAX, .echo_count = 77 }, q;
        uint8_t buf[GAME_PACKET_MAX];

        for (size_t size = GAME_PACKET_MIN; size <= GAME_PACKET_MAX; size += 37) {
                memset(buf, 0xaa, sizeof buf);
                CHECK_EQ_INT(game_packet_encode(&p, buf, sizeof buf, size), 0);
                /* Padding is zero, and nothing is written past size. */
                for (size_t i = GAME_PACKET_MIN; i < size; i++)
                        CHECK_EQ_INT(buf[i], 0);
                if (size < sizeof buf)
                        CHECK_EQ_INT(buf[size], 0xaa);
                CHECK_EQ_INT(game_packet_decode(buf, size, &q), 0);
                CHECK(q.seq == p.seq && q.sent_ns == p.sent_ns && q.echo_rx_ns == p.echo_rx_ns &&
                      q.echo_tx_ns == p.echo_tx_ns && q.echo_count == p.echo_count);
        }
        /* Network byte order, magic first. */
        CHECK_EQ_INT(game_packet_encode(&p, buf, sizeof buf, 64), 0);
        CHECK_MEM(buf, "LPGS\x01\x02\x03\x04\x05\x06\x07\x08", 12);
}

static void test_bad_sizes(void) {
        GamePacket p = { .seq = 1 };
        uint8_t buf[GAME_PACKET_MAX + 8];

        CHECK_EQ_INT(game_packet_encode(&p, buf, sizeof buf, GAME_PACKET_MIN - 1), -EINVAL);
        CHECK_EQ_INT(game_packet_encode(&p, buf, sizeof buf, GAME_PACKET_MAX + 1), -EINVAL);
        CHECK_EQ_INT(game_packet_encode(&p, buf, 63, 64), -EINVAL);
        CHECK_EQ_INT(game_packet_encode(&p, buf, 64, 64), 0);
}

static void test_hostile(void) {
        GamePacket p = { .seq = 5, .echo_count = 9 }, q = { .seq = 42 };
        uint8_t buf[64];

        CHECK_EQ_INT(game_packet_encode(&p, buf, sizeof buf, sizeof buf), 0);
        /* Every truncation below the fields is refused and leaves ret alone. */
        for (size_t len = 0; len < GAME_PACKET_MIN; len++) {
                /* A heap copy of exactly len bytes: ASan sees any read past it. */
                uint8_t *copy = malloc(len ? len : 1);
                CHECK(copy);
                memcpy(copy, buf, len);
                CHECK_EQ_INT(game_packet_decode(copy, len, &q), -EBADMSG);
                CHECK_EQ_INT(q.seq, 42);
                free(copy);
        }
        /* Not ours: any change to the magic. */
        for (size_t i = 0; i < 4; i++) {
                buf[i] ^= 0x20;
                CHECK_EQ_INT(game_packet_decode(buf, sizeof buf, &q), -EBADMSG);
                buf[i] ^= 0x20;
        }
        /* Random bytes with the magic decode to whatever they say, no more. */
        for (size_t i = 4; i < sizeof buf; i++)
                buf[i] = (uint8_t) (i * 97 + 13);
        CHECK_EQ_INT(game_packet_decode(buf, sizeof buf, &q), 0);
        CHECK_EQ_INT(game_packet_decode(buf, GAME_PACKET_MIN, &q), 0);
}

int main(void) {
        RUN(test_roundtrip);
        RUN(test_bad_sizes);
        RUN(test_hostile);
        return 0;
}
