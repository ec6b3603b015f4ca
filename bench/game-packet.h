/* SPDX-License-Identifier: MIT */
#pragma once

/* The packets of bench/game-stream: a small UDP "game" stream between the
 * benchmark's client and the LAN host, echoed back by the LAN host so both
 * directions of the tunnel carry it. Each packet carries its sequence
 * number and the timestamps that give its one-way delay each way; the
 * client and the LAN host are namespaces of one kernel, so they read the
 * same CLOCK_REALTIME and a one-way delay is a plain difference. Pure
 * codec: no I/O, no clock (tests/test-game-packet.c). */

#include <stddef.h>
#include <stdint.h>

#define GAME_PACKET_MAGIC UINT32_C(0x4c504753) /* "LPGS" */
/* magic, seq, sent, echo received, echo sent, echo's count of packets received */
#define GAME_PACKET_MIN 44
#define GAME_PACKET_MAX 1400

typedef struct GamePacket {
        uint64_t seq;
        uint64_t sent_ns;      /* CLOCK_REALTIME at the client's send */
        uint64_t echo_rx_ns;   /* the kernel's receive time at the LAN host; 0 on the way out */
        uint64_t echo_tx_ns;   /* CLOCK_REALTIME at the LAN host's send; 0 on the way out */
        uint64_t echo_count;   /* packets the LAN host had received from this sender, this one included */
} GamePacket;

/* Writes p into buf as `size` bytes (zero padding after the fields);
 * -EINVAL when size is outside GAME_PACKET_MIN..GAME_PACKET_MAX or larger
 * than buf_size. */
int game_packet_encode(const GamePacket *p, uint8_t *buf, size_t buf_size, size_t size);
/* Reads a packet; -EBADMSG when it is too short or not ours. */
int game_packet_decode(const uint8_t *buf, size_t len, GamePacket *ret);
