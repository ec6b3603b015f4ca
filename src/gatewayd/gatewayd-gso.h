/* SPDX-License-Identifier: MIT */
#pragma once

/* Cutting GSO/GRO super-frames back into frames the wire can carry.
 *
 * A NIC that merges received TCP segments (GRO/LRO that cannot be turned
 * off), or a veth/virtio NIC whose sender on the same host hands it 64 KiB
 * TSO/GSO frames (a gateway in a container or VM: the offloads live on the
 * peer, out of our reach), gives AF_PACKET one frame of up to 64 KiB with
 * the kernel's description of how to cut it (PACKET_VNET_HDR). No tunnel
 * carries such a frame, so the gateway segments it as the NIC would have:
 * the headers copied, IP lengths, IPv4 ids and header checksum, TCP
 * sequence numbers and flags (FIN/PSH on the last segment only, CWR on the
 * first only) and every TCP/UDP checksum computed whole. Pure: no OS
 * headers; gatewayd-packet.c translates the kernel's header. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum GsoType {
        GSO_NONE,       /* an ordinary frame */
        GSO_TCPV4,      /* TSO/GRO of TCP over IPv4 */
        GSO_TCPV6,      /* TSO/GRO of TCP over IPv6 */
        GSO_UDP_L4,     /* UDP segmentation (USO, UDP GRO) over IPv4 or IPv6 */
        GSO_UNSUPPORTED, /* anything else the kernel reports (UFO, unknown) */
        _GSO_TYPE_MAX,
        _GSO_TYPE_INVALID = -EINVAL,
} GsoType;

/* "none", "tcpv4", "tcpv6", "udp_l4", "unsupported"; NULL out of range. */
const char *gso_type_to_string(GsoType t);

/* What the kernel said about one received frame. */
typedef struct GsoInfo {
        GsoType type;
        uint16_t size;       /* payload bytes per segment (the sender's MSS) */
        /* The TCP/UDP checksum field holds only the pseudo-header sum:
         * the device was to sum from csum_start (an offset into the
         * frame) to the end and store the result at csum_start +
         * csum_offset. */
        bool needs_csum;
        uint16_t csum_start;
        uint16_t csum_offset;
} GsoInfo;

/* Called for each segment, in order. `segment` is the caller's `out`
 * buffer, writable, valid until the callback returns. */
typedef void (*GsoSegmentFunc)(uint8_t *segment, size_t len, void *userdata);

/* Cuts the untagged Ethernet frame `frame` of `len` bytes as `gso` says,
 * building each segment in `out` (`out_size` bytes, the largest frame the
 * caller can use) and handing it to `emit`. Returns the number of segments
 * (1 or more), or, without emitting anything:
 *   -EPROTONOSUPPORT  a GSO type we do not segment (UFO, tunnels)
 *   -EBADMSG          headers cut short or inconsistent with the type
 *                     (not IP, IP fragment, wrong protocol, bad lengths)
 *   -EOPNOTSUPP       IPv6 extension headers before the transport header
 *   -EMSGSIZE         a segment would not fit in `out_size`
 *   -EINVAL           bad arguments (NULL pointers, GSO_NONE) */
int gso_segment(const uint8_t *frame, size_t len, const GsoInfo *gso, uint8_t *out, size_t out_size,
                GsoSegmentFunc emit, void *userdata);

/* Why gso_segment() refused, for logs and counters: "unsupported_type",
 * "malformed", "extension_headers", "segment_too_big", "invalid"; and
 * "above_64k" for -E2BIG, a super-frame larger than the gateway reads
 * (BIG TCP), which gso_segment() never sees. */
const char *gso_error_to_string(int error);
