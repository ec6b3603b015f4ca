/* SPDX-License-Identifier: MIT */
#include "datagram.h"

#include <string.h>

#include "macro.h"
#include "string-table.h"

static const char *const datagram_error_table[_DATAGRAM_ERROR_MAX] = {
        [DATAGRAM_ERROR_TRUNCATED] = "truncated",
        [DATAGRAM_ERROR_BAD_VERSION] = "bad_version",
        [DATAGRAM_ERROR_RESERVED_FLAGS] = "reserved_flags",
        [DATAGRAM_ERROR_STRAY_PEER_ID] = "stray_peer_id",
        [DATAGRAM_ERROR_BAD_PEER_ID] = "bad_peer_id",
        [DATAGRAM_ERROR_RUNT] = "runt",
        [DATAGRAM_ERROR_TOO_BIG] = "too_big",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(datagram_error, DatagramError)

static int datagram_fail(DatagramError e, DatagramError *ret_error) {
        if (ret_error)
                *ret_error = e;
        return -EBADMSG;
}

int datagram_decode(const uint8_t *buf, size_t len, Datagram *ret, DatagramError *ret_error) {
        uint8_t flags;
        uint16_t peer_id;
        size_t frame_len;

        if (!ret || (!buf && len > 0))
                return -EINVAL;

        if (len < LP_DATAGRAM_HEADER_SIZE)
                return datagram_fail(DATAGRAM_ERROR_TRUNCATED, ret_error);
        if (buf[0] != LP_DATAGRAM_VERSION)
                return datagram_fail(DATAGRAM_ERROR_BAD_VERSION, ret_error);

        flags = buf[1];
        if (flags & ~LP_DATAGRAM_FLAG_FROM_PEER)
                return datagram_fail(DATAGRAM_ERROR_RESERVED_FLAGS, ret_error);

        peer_id = be16_load(buf + 2);
        if (!(flags & LP_DATAGRAM_FLAG_FROM_PEER) && peer_id != 0)
                return datagram_fail(DATAGRAM_ERROR_STRAY_PEER_ID, ret_error);
        if ((flags & LP_DATAGRAM_FLAG_FROM_PEER) && peer_id == 0)
                return datagram_fail(DATAGRAM_ERROR_BAD_PEER_ID, ret_error);

        frame_len = len - LP_DATAGRAM_HEADER_SIZE;
        if (frame_len < LP_DATAGRAM_FRAME_MIN)
                return datagram_fail(DATAGRAM_ERROR_RUNT, ret_error);
        if (frame_len > LP_DATAGRAM_FRAME_MAX)
                return datagram_fail(DATAGRAM_ERROR_TOO_BIG, ret_error);

        *ret = (Datagram) {
                .version = buf[0],
                .flags = flags,
                .source_peer_id = peer_id,
                .frame = buf + LP_DATAGRAM_HEADER_SIZE,
                .frame_len = frame_len,
        };
        return 0;
}

void datagram_header_write(uint8_t header[static LP_DATAGRAM_HEADER_SIZE], uint16_t source_peer_id) {
        header[0] = LP_DATAGRAM_VERSION;
        header[1] = source_peer_id != 0 ? LP_DATAGRAM_FLAG_FROM_PEER : 0;
        be16_store(header + 2, source_peer_id);
}

int datagram_encode(uint8_t *buf, size_t budget, uint16_t source_peer_id, const uint8_t *frame,
                    size_t frame_len) {
        if (!buf || !frame)
                return -EINVAL;
        if (frame_len < LP_DATAGRAM_FRAME_MIN || frame_len > LP_DATAGRAM_FRAME_MAX)
                return -EINVAL;
        /* frame_len is bounded above, so the sum cannot wrap. */
        if (LP_DATAGRAM_HEADER_SIZE + frame_len > budget)
                return -EMSGSIZE;

        /* memmove: the frame may already sit right behind the header. */
        memmove(buf + LP_DATAGRAM_HEADER_SIZE, frame, frame_len);
        datagram_header_write(buf, source_peer_id);
        return (int) (LP_DATAGRAM_HEADER_SIZE + frame_len);
}

int datagram_mark_forwarded(uint8_t *buf, size_t len, uint16_t source_peer_id) {
        if (!buf || len < LP_DATAGRAM_HEADER_SIZE || source_peer_id == 0)
                return -EINVAL;
        /* Refusing anything but the sent-to-relay form keeps a peer from
         * choosing the flags or id the others will see. */
        if (buf[0] != LP_DATAGRAM_VERSION || buf[1] != 0 || be16_load(buf + 2) != 0)
                return -EBADMSG;

        datagram_header_write(buf, source_peer_id);
        return 0;
}
