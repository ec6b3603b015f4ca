/* SPDX-License-Identifier: MIT */
#pragma once

/* The MTU budget of PROTOCOL.md: how much of a UDP payload is left for an
 * Ethernet frame once QUIC and the overlay header have taken their share,
 * and what L3 MTU a TAP can then use. Inputs are uint64_t because ngtcp2
 * hands out transport parameters that wide; nothing here can overflow. */

#include <stdbool.h>
#include <stdint.h>

#include "ether.h"

/* QUIC short-header packet carrying one DATAGRAM frame, at worst: flags (1),
 * DCID (20), packet number (4), AEAD tag (16), frame type (1), length
 * varint (2). */
#define LP_MTU_QUIC_OVERHEAD 44
/* The overlay datagram header. Must equal LP_DATAGRAM_HEADER_SIZE in
 * datagram.h; it has its own name here so this header stands alone. */
#define LP_MTU_OVERLAY_OVERHEAD 4
/* Everything between a TAP's L3 packet and the DATAGRAM payload. */
#define LP_MTU_FRAME_OVERHEAD (LP_MTU_OVERLAY_OVERHEAD + LP_ETHER_HEADER_LEN)

/* IPv4's minimum; below it a room is useless. IPv6 on the TAP needs 1280. */
#define LP_MTU_MIN 576
#define LP_MTU_IPV6_MIN 1280
#define LP_MTU_MAX LP_ETHER_PAYLOAD_MAX
/* The largest room MTU the relay hands out: what a path carries once
 * ngtcp2's first PMTUD probe (UDP payload 1406, D = 1362) is acknowledged,
 * so any room MTU fits every ordinary path, and still >= LP_MTU_IPV6_MIN. */
#define LP_ROOM_MTU_MAX 1344

/* The smallest DATAGRAM payload that still carries LP_MTU_MIN, and the UDP
 * payload that yields it. */
#define LP_MTU_DATAGRAM_MIN (LP_MTU_MIN + LP_MTU_FRAME_OVERHEAD)
#define LP_MTU_UDP_PAYLOAD_MIN (LP_MTU_DATAGRAM_MIN + LP_MTU_QUIC_OVERHEAD)
/* HELLO carries the datagram budget as a u16. */
#define LP_MTU_DATAGRAM_MAX UINT16_MAX

/* U → D = U - 44, capped at LP_MTU_DATAGRAM_MAX since HELLO cannot say more
 * and no frame needs more. Returns D, or -ERANGE when D could not carry
 * LP_MTU_MIN. */
int mtu_datagram_from_udp_payload(uint64_t udp_payload);

/* D → the largest Ethernet frame the connection takes: D - 4, capped at
 * LP_ETHER_FRAME_MAX because the overlay never carries more. Returns it, or
 * -ERANGE when D < LP_MTU_DATAGRAM_MIN. */
int mtu_frame_max_from_datagram(uint64_t datagram);

/* D → TAP MTU = min(D - 18, 1500). This is also how the relay fixes a
 * room's MTU from the gateway's budget. Returns it, or -ERANGE when it
 * would be below LP_MTU_MIN. */
int mtu_tap_from_datagram(uint64_t datagram);

/* U → TAP MTU, both steps above. */
int mtu_tap_from_udp_payload(uint64_t udp_payload);

/* A room MTU is one every TAP and the gateway can be set to. */
bool mtu_is_valid(uint64_t mtu);

/* Whether a peer announcing datagram budget D can carry every frame of a
 * room with this L3 MTU (D - 18 >= room MTU). False for an invalid room
 * MTU, so a bogus room never admits anyone; the relay rejects the peer with
 * `datagram_too_small`. */
bool mtu_datagram_fits_room(uint64_t datagram, uint64_t room_mtu);
