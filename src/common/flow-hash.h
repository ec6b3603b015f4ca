/* SPDX-License-Identifier: MIT */
#pragma once

/* Which flow an overlay datagram belongs to, for the senders' fair queueing
 * (fair-queue.h): a hash of the Ethernet frame's MACs and EtherType, and for
 * IPv4/IPv6 of the addresses, the protocol and, for TCP and UDP, the ports.
 * Frames of one conversation hash alike; a download and a game's stream
 * (different ports, addresses or machines) most likely do not. The frame is
 * network input: every read is bounds-checked, and what cannot be parsed
 * hashes by what could (a runt or a truncated header is still a flow). */

#include <stddef.h>
#include <stdint.h>

/* `dgram` is a whole overlay datagram (datagram.h: 4-byte header, then the
 * frame); the header is not part of the flow. Never fails. */
uint32_t datagram_flow_hash(const uint8_t *dgram, size_t len);
