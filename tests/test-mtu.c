/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "mtu.h"
#include "test-util.h"

/* ---- hostile and edge inputs ---- */

static void test_below_floor(void) {
        static const uint64_t udp[] = {0, 1, 43, 44, 45, 600, LP_MTU_UDP_PAYLOAD_MIN - 1};
        for (size_t i = 0; i < sizeof(udp) / sizeof(udp[0]); i++) {
                CHECK_EQ_INT(mtu_datagram_from_udp_payload(udp[i]), -ERANGE);
                CHECK_EQ_INT(mtu_tap_from_udp_payload(udp[i]), -ERANGE);
        }

        static const uint64_t dgram[] = {0, 1, 3, 4, 17, 18, 19, 576, 593};
        for (size_t i = 0; i < sizeof(dgram) / sizeof(dgram[0]); i++) {
                CHECK_EQ_INT(mtu_frame_max_from_datagram(dgram[i]), -ERANGE);
                CHECK_EQ_INT(mtu_tap_from_datagram(dgram[i]), -ERANGE);
                for (uint64_t m = LP_MTU_MIN; m <= LP_MTU_MAX; m++)
                        CHECK(!mtu_datagram_fits_room(dgram[i], m));
        }
}

static void test_overflow(void) {
        /* Huge budgets are capped, never wrapped. */
        CHECK_EQ_INT(mtu_datagram_from_udp_payload(UINT64_MAX), LP_MTU_DATAGRAM_MAX);
        CHECK_EQ_INT(mtu_datagram_from_udp_payload((uint64_t) UINT32_MAX + 44), LP_MTU_DATAGRAM_MAX);
        CHECK_EQ_INT(mtu_datagram_from_udp_payload((uint64_t) UINT16_MAX + 44), LP_MTU_DATAGRAM_MAX);
        CHECK_EQ_INT(mtu_datagram_from_udp_payload((uint64_t) UINT16_MAX + 45), LP_MTU_DATAGRAM_MAX);
        CHECK_EQ_INT(mtu_datagram_from_udp_payload((uint64_t) UINT16_MAX + 43), UINT16_MAX - 1);
        CHECK_EQ_INT(mtu_frame_max_from_datagram(UINT64_MAX), LP_ETHER_FRAME_MAX);
        CHECK_EQ_INT(mtu_tap_from_datagram(UINT64_MAX), 1500);
        CHECK_EQ_INT(mtu_tap_from_udp_payload(UINT64_MAX), 1500);

        /* The room MTU side: an addition that would wrap must not admit. */
        CHECK(!mtu_datagram_fits_room(UINT64_MAX, UINT64_MAX));
        CHECK(!mtu_datagram_fits_room(UINT64_MAX, UINT64_MAX - 17));
        CHECK(!mtu_datagram_fits_room(10, UINT64_MAX - 10));
        CHECK(mtu_datagram_fits_room(UINT64_MAX, 1500));
}

static void test_invalid_room_mtu(void) {
        CHECK(!mtu_is_valid(0));
        CHECK(!mtu_is_valid(575));
        CHECK(mtu_is_valid(576));
        CHECK(mtu_is_valid(1280));
        CHECK(mtu_is_valid(1500));
        CHECK(!mtu_is_valid(1501));
        CHECK(!mtu_is_valid(9000));
        CHECK(!mtu_is_valid(UINT64_MAX));

        /* A bogus room admits nobody, however large the budget. */
        CHECK(!mtu_datagram_fits_room(65535, 0));
        CHECK(!mtu_datagram_fits_room(65535, 575));
        CHECK(!mtu_datagram_fits_room(65535, 1501));
}

/* ---- PROTOCOL.md's worked numbers ---- */

static void test_protocol_examples(void) {
        CHECK_EQ_INT(LP_MTU_QUIC_OVERHEAD, 1 + 20 + 4 + 16 + 1 + 2);
        CHECK_EQ_INT(LP_MTU_OVERLAY_OVERHEAD, 4);
        CHECK_EQ_INT(LP_MTU_FRAME_OVERHEAD, 18);
        CHECK_EQ_INT(LP_MTU_MIN, 576);
        CHECK_EQ_INT(LP_MTU_DATAGRAM_MIN, 594);
        CHECK_EQ_INT(LP_MTU_UDP_PAYLOAD_MIN, 638);

        /* U = 1452, QUIC's default over an IPv6 path of MTU 1500. */
        CHECK_EQ_INT(mtu_datagram_from_udp_payload(1452), 1408);
        CHECK_EQ_INT(mtu_frame_max_from_datagram(1408), 1404);
        CHECK_EQ_INT(mtu_tap_from_datagram(1408), 1390);
        CHECK_EQ_INT(mtu_tap_from_udp_payload(1452), 1390);

        /* U = 1200, QUIC's guaranteed minimum. */
        CHECK_EQ_INT(mtu_datagram_from_udp_payload(1200), 1156);
        CHECK_EQ_INT(mtu_frame_max_from_datagram(1156), 1152);
        CHECK_EQ_INT(mtu_tap_from_datagram(1156), 1138);
        CHECK_EQ_INT(mtu_tap_from_udp_payload(1200), 1138);
        /* Too small for IPv6 on the TAP. */
        CHECK(mtu_tap_from_udp_payload(1200) < LP_MTU_IPV6_MIN);

        /* U = 65535: a loopback-sized path still gives an Ethernet MTU. */
        CHECK_EQ_INT(mtu_datagram_from_udp_payload(65535), 65491);
        CHECK_EQ_INT(mtu_frame_max_from_datagram(65491), 1518);
        CHECK_EQ_INT(mtu_tap_from_datagram(65491), 1500);
}

static void test_boundaries(void) {
        /* The floor, exactly. */
        CHECK_EQ_INT(mtu_datagram_from_udp_payload(638), 594);
        CHECK_EQ_INT(mtu_tap_from_datagram(594), 576);
        CHECK_EQ_INT(mtu_frame_max_from_datagram(594), 590);
        CHECK_EQ_INT(mtu_tap_from_udp_payload(638), 576);
        CHECK_EQ_INT(mtu_tap_from_udp_payload(637), -ERANGE);

        /* Where the TAP MTU reaches 1500 and stops. */
        CHECK_EQ_INT(mtu_tap_from_datagram(1517), 1499);
        CHECK_EQ_INT(mtu_tap_from_datagram(1518), 1500);
        CHECK_EQ_INT(mtu_tap_from_datagram(1519), 1500);
        CHECK_EQ_INT(mtu_frame_max_from_datagram(1521), 1517);
        CHECK_EQ_INT(mtu_frame_max_from_datagram(1522), 1518);
        CHECK_EQ_INT(mtu_frame_max_from_datagram(1523), 1518);
        CHECK_EQ_INT(mtu_tap_from_udp_payload(1562), 1500);
        CHECK_EQ_INT(mtu_tap_from_udp_payload(1561), 1499);

        /* Monotonic and consistent across the whole u16 range. */
        int prev = -ERANGE;
        for (uint64_t d = 0; d <= UINT16_MAX; d++) {
                int tap = mtu_tap_from_datagram(d);
                int frame = mtu_frame_max_from_datagram(d);
                if (d < 594) {
                        CHECK_EQ_INT(tap, -ERANGE);
                        CHECK_EQ_INT(frame, -ERANGE);
                        continue;
                }
                CHECK(tap >= LP_MTU_MIN && tap <= LP_MTU_MAX);
                CHECK(mtu_is_valid((uint64_t) tap));
                CHECK(tap >= prev);
                /* A TAP-sized packet always fits a frame of this connection. */
                CHECK(tap + LP_ETHER_HEADER_LEN <= frame);
                /* The room the relay derives from a gateway's D fits that D. */
                CHECK(mtu_datagram_fits_room(d, (uint64_t) tap));
                prev = tap;
        }
}

static void test_fits_room(void) {
        /* The client needs D - 18 >= room MTU. */
        CHECK(mtu_datagram_fits_room(1408, 1390));
        CHECK(!mtu_datagram_fits_room(1407, 1390));
        CHECK(mtu_datagram_fits_room(1156, 1138));
        CHECK(!mtu_datagram_fits_room(1156, 1139));
        CHECK(!mtu_datagram_fits_room(1156, 1390));
        CHECK(mtu_datagram_fits_room(1518, 1500));
        CHECK(!mtu_datagram_fits_room(1517, 1500));
        CHECK(mtu_datagram_fits_room(594, 576));
        CHECK(!mtu_datagram_fits_room(593, 576));
        CHECK(mtu_datagram_fits_room(65535, 576));
}

int main(void) {
        RUN(test_below_floor);
        RUN(test_overflow);
        RUN(test_invalid_room_mtu);
        RUN(test_protocol_examples);
        RUN(test_boundaries);
        RUN(test_fits_room);
        return 0;
}
