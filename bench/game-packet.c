/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "game-packet.h"
#include "macro.h"

int game_packet_encode(const GamePacket *p, uint8_t *buf, size_t buf_size, size_t size) {
        if (size < GAME_PACKET_MIN || size > GAME_PACKET_MAX || size > buf_size)
                return -EINVAL;
        memset(buf, 0, size);
        be32_store(buf, GAME_PACKET_MAGIC);
        be64_store(buf + 4, p->seq);
        be64_store(buf + 12, p->sent_ns);
        be64_store(buf + 20, p->echo_rx_ns);
        be64_store(buf + 28, p->echo_tx_ns);
        be64_store(buf + 36, p->echo_count);
        return 0;
}

int game_packet_decode(const uint8_t *buf, size_t len, GamePacket *ret) {
        if (len < GAME_PACKET_MIN || be32_load(buf) != GAME_PACKET_MAGIC)
                return -EBADMSG;
        *ret = (GamePacket) {
                .seq = be64_load(buf + 4),
                .sent_ns = be64_load(buf + 12),
                .echo_rx_ns = be64_load(buf + 20),
                .echo_tx_ns = be64_load(buf + 28),
                .echo_count = be64_load(buf + 36),
        };
        return 0;
}
