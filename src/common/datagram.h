/* SPDX-License-Identifier: MIT */
#pragma once

/* Overlay datagram v1: the payload of every QUIC DATAGRAM, a 4-byte header
 * followed by one whole Ethernet frame. See docs/PROTOCOL.md. This sits on
 * the data path of every frame, so decoding copies nothing and the relay can
 * stamp the source peer into a received datagram in place. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define LP_DATAGRAM_VERSION 1
#define LP_DATAGRAM_HEADER_SIZE 4
#define LP_DATAGRAM_FLAG_FROM_PEER 0x01

/* Frame bounds; the same numbers as ether.h's LP_ETHER_FRAME_MAX, kept under
 * our own names so this module stands alone. */
#define LP_DATAGRAM_FRAME_MIN 14   /* dst MAC, src MAC, EtherType */
#define LP_DATAGRAM_FRAME_MAX 1518 /* 1500 + 14 + 4 (one tag) */
#define LP_DATAGRAM_SIZE_MAX (LP_DATAGRAM_HEADER_SIZE + LP_DATAGRAM_FRAME_MAX)

/* The smallest datagram budget a peer may announce in HELLO: enough for a
 * frame carrying the 576-byte L3 MTU floor (LP_MTU_MIN, IPv4's minimum). */
#define LP_DATAGRAM_MIN_BUDGET (LP_DATAGRAM_HEADER_SIZE + LP_DATAGRAM_FRAME_MIN + 576)

typedef enum DatagramError {
        DATAGRAM_ERROR_TRUNCATED,      /* shorter than the header */
        DATAGRAM_ERROR_BAD_VERSION,
        DATAGRAM_ERROR_RESERVED_FLAGS,
        DATAGRAM_ERROR_STRAY_PEER_ID,  /* FROM_PEER clear, peer id set */
        DATAGRAM_ERROR_BAD_PEER_ID,    /* FROM_PEER set, peer id 0 */
        DATAGRAM_ERROR_RUNT,           /* frame < 14 bytes */
        DATAGRAM_ERROR_TOO_BIG,        /* frame > LP_DATAGRAM_FRAME_MAX */
        _DATAGRAM_ERROR_MAX,
        _DATAGRAM_ERROR_INVALID = -EINVAL,
} DatagramError;

/* A decoded datagram. `frame` points into the buffer that was decoded, so it
 * lives exactly as long as that buffer. */
typedef struct Datagram {
        uint8_t version;
        uint8_t flags;
        uint16_t source_peer_id; /* 0 unless flags has FROM_PEER */
        const uint8_t *frame;
        size_t frame_len;
} Datagram;

/* Stable names ("bad_version", "runt", ...) for logs, counters and D-Bus. */
const char *datagram_error_to_string(DatagramError e);

/* Returns 0, or -EBADMSG with the reason in *ret_error (may be NULL). The
 * relay must additionally drop datagrams with FROM_PEER set that arrive from
 * a peer: only the relay sets that flag. */
int datagram_decode(const uint8_t *buf, size_t len, Datagram *ret, DatagramError *ret_error);

/* Writes the 4-byte header for a datagram from `source_peer_id` (0: sent to
 * the relay, flag clear; nonzero: forwarded by the relay, FROM_PEER set).
 * For callers that place the frame behind the header themselves, e.g. reading
 * from the TAP straight into buf + LP_DATAGRAM_HEADER_SIZE. */
void datagram_header_write(uint8_t header[static LP_DATAGRAM_HEADER_SIZE], uint16_t source_peer_id);

/* Encodes header + frame into buf, which holds at least `budget` bytes; the
 * budget is the datagram size the destination connection can carry (callers
 * with a smaller buffer pass the smaller of the two). Returns the encoded
 * length, -EMSGSIZE when 4 + frame_len exceeds the budget, -EINVAL when the
 * frame is outside 14..LP_DATAGRAM_FRAME_MAX bytes. frame may overlap
 * buf + LP_DATAGRAM_HEADER_SIZE exactly (already in place). */
int datagram_encode(uint8_t *buf, size_t budget, uint16_t source_peer_id, const uint8_t *frame,
                    size_t frame_len);

/* Relay forwarding: turns a datagram a peer sent to the relay (version 1,
 * flags 0, peer id 0) into the forwarded form (FROM_PEER, source_peer_id) by
 * rewriting its header in place; the frame is not touched or copied. Call it
 * once per received datagram, then send the same bytes to every destination.
 * Returns 0, -EINVAL when source_peer_id is 0 or len < the header, -EBADMSG
 * when the header is not in the sent-to-relay form. */
int datagram_mark_forwarded(uint8_t *buf, size_t len, uint16_t source_peer_id);
