/* SPDX-License-Identifier: MIT */
#pragma once

/* Completes TCP/UDP checksums the kernel left for "the device" to fill in.
 *
 * A frame that reaches AF_PACKET through a veth (a gateway in a container or
 * VM, or our test LAN) from a sender on the same host still carries only the
 * pseudo-header part of its checksum (CHECKSUM_PARTIAL; the kernel reports
 * TP_STATUS_CSUMNOTREADY). A bridge would finish it when forwarding to a
 * device without offload, and so must we: the remote TAP hands it to a
 * kernel that verifies, and DHCP offers and TCP segments would be dropped. */

#include <stddef.h>
#include <stdint.h>

/* Recomputes the whole TCP or UDP checksum of an untagged IPv4/IPv6 frame
 * in place. Returns 1 when written, 0 when the frame is not TCP/UDP over
 * IP or cannot be checksummed whole (fragments, cut short, extension
 * headers before the transport header), negative errno for bad arguments. */
int csum_complete_frame(uint8_t *frame, size_t len);

/* Finishes a checksum the way the device would have: the field at
 * csum_start + csum_offset holds the pseudo-header sum; sums from
 * csum_start to the end of the frame and stores the result there (a
 * computed 0 as 0xffff, as the kernel does). The kernel gives both offsets
 * with PACKET_VNET_HDR, which also covers what csum_complete_frame() leaves
 * alone (IPv6 extension headers). Returns 1 when written, 0 when the
 * offsets do not lie within the frame, -EINVAL for a NULL frame. */
int csum_complete_partial(uint8_t *frame, size_t len, size_t csum_start, size_t csum_offset);
