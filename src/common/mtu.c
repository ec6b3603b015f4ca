/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "macro.h"
#include "mtu.h"

/* Every subtraction below happens only after a lower bound check, and all
 * results are capped before they are narrowed to int. */

int mtu_datagram_from_udp_payload(uint64_t udp_payload) {
        if (udp_payload < LP_MTU_UDP_PAYLOAD_MIN)
                return -ERANGE;
        return (int) MIN(udp_payload - LP_MTU_QUIC_OVERHEAD, (uint64_t) LP_MTU_DATAGRAM_MAX);
}

int mtu_frame_max_from_datagram(uint64_t datagram) {
        if (datagram < LP_MTU_DATAGRAM_MIN)
                return -ERANGE;
        return (int) MIN(datagram - LP_MTU_OVERLAY_OVERHEAD, (uint64_t) LP_ETHER_FRAME_MAX);
}

int mtu_tap_from_datagram(uint64_t datagram) {
        if (datagram < LP_MTU_DATAGRAM_MIN)
                return -ERANGE;
        return (int) MIN(datagram - LP_MTU_FRAME_OVERHEAD, (uint64_t) LP_MTU_MAX);
}

int mtu_tap_from_udp_payload(uint64_t udp_payload) {
        int d = mtu_datagram_from_udp_payload(udp_payload);
        if (d < 0)
                return d;
        return mtu_tap_from_datagram((uint64_t) d);
}

bool mtu_is_valid(uint64_t mtu) {
        return mtu >= LP_MTU_MIN && mtu <= LP_MTU_MAX;
}

bool mtu_datagram_fits_room(uint64_t datagram, uint64_t room_mtu) {
        if (!mtu_is_valid(room_mtu))
                return false;
        /* Written as an addition: datagram may be smaller than the overhead. */
        return datagram >= room_mtu + LP_MTU_FRAME_OVERHEAD;
}
