/* SPDX-License-Identifier: MIT */
#pragma once

/* TCP MSS clamping for frames crossing the tunnel. A LAN host and a remote
 * client negotiate their MSS from their own 1500-byte links, but the tunnel
 * carries at most the room MTU, and ICMP "fragmentation needed" rarely
 * survives the trip back. Lowering the MSS option in SYN and SYN-ACK keeps
 * TCP segments small enough from the first packet on. */

#include <stddef.h>
#include <stdint.h>

/* MSS = MTU minus the fixed IP header and a TCP header without options. */
#define MSS_IPV4_OVERHEAD 40 /* 20 IPv4 + 20 TCP */
#define MSS_IPV6_OVERHEAD 60 /* 40 IPv6 + 20 TCP */

/* `frame` is one untagged Ethernet frame of `len` bytes. When it carries a
 * TCP SYN (or SYN-ACK) over IPv4 or IPv6 whose MSS option exceeds what
 * `room_mtu` allows, the option is lowered in place and the TCP checksum is
 * updated incrementally. Anything else (other protocols, fragments, frames
 * cut short, options that do not parse, ESP/AH) is left untouched.
 *
 * Returns 1 when the frame was changed, 0 when not, and -EINVAL only for
 * caller errors: NULL frame, or room_mtu outside LP_MTU_MIN..LP_MTU_MAX. */
int mss_clamp_frame(uint8_t *frame, size_t len, uint16_t room_mtu);
