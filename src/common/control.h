/* SPDX-License-Identifier: MIT */
#pragma once

/* The control stream codec of docs/PROTOCOL.md: messages framed as
 * u16 length + u8 type + body on QUIC stream 0. Decoding validates every rule
 * of the contract, and encoding validates the same rules, so we never emit
 * what a peer running this code would reject. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"
#include "room-name.h"

/* HELLO's version. 2: auth_key is bound to the relay (PROTOCOL.md, "Key
 * schedule"); a version 1 peer's auth_key or proof could never match, so it
 * is refused with bad_version and told to update. */
#define LP_CONTROL_PROTOCOL_VERSION 2
#define LP_CONTROL_LENGTH_SIZE 2      /* the u16 length prefix */
#define LP_CONTROL_MAX 1024           /* largest value of the length field */
#define LP_CONTROL_MESSAGE_MAX (LP_CONTROL_LENGTH_SIZE + LP_CONTROL_MAX)
#define LP_CONTROL_NAME_MAX 64        /* HELLO / PEER_JOINED name, bytes */
#define LP_CONTROL_TEXT_MAX 200       /* REJECT / DISCONNECT text, bytes */
#define LP_CONTROL_AUTH_SIZE 32       /* join proof or auth_key */
#define LP_CONTROL_GATEWAY_TOKEN_MAX 128
#define LP_CONTROL_STATS_MIN 5        /* counters this version knows */
/* WELCOME's room MTU: min(1500, gateway budget - 18) with the budget at least
 * LP_DATAGRAM_MIN_BUDGET, so never below 576. */
#define LP_CONTROL_MTU_MIN 576
#define LP_CONTROL_MTU_MAX 1500
/* The party check (PROTOCOL.md, "Party check"). */
#define LP_CHECK_NONCE_SIZE 16
#define LP_CHECK_STEPS 4               /* CHECK_RESULT verdicts */

typedef enum ControlType {
        CONTROL_TYPE_HELLO = 1,
        CONTROL_TYPE_WELCOME = 2,
        CONTROL_TYPE_REJECT = 3,
        CONTROL_TYPE_PEER_JOINED = 4,
        CONTROL_TYPE_PEER_LEFT = 5,
        CONTROL_TYPE_STATS = 6,
        CONTROL_TYPE_DISCONNECT = 7,
        CONTROL_TYPE_CHECK_BEGIN = 8,
        CONTROL_TYPE_CHECK_REPORT = 9,
        CONTROL_TYPE_CHECK_RESULT = 10,
        _CONTROL_TYPE_MAX,
        _CONTROL_TYPE_INVALID = -EINVAL,
} ControlType;

typedef enum PeerRole {
        PEER_ROLE_CLIENT = 1,
        PEER_ROLE_GATEWAY = 2,
        _PEER_ROLE_MAX,
        _PEER_ROLE_INVALID = -EINVAL,
} PeerRole;

typedef enum RejectReason {
        REJECT_REASON_BAD_VERSION = 1,
        REJECT_REASON_BAD_ROOM = 2,
        REJECT_REASON_AUTH_FAILED = 3,
        REJECT_REASON_ROOM_FULL = 4,
        REJECT_REASON_DUPLICATE_MAC = 5,
        REJECT_REASON_GATEWAY_PRESENT = 6,
        REJECT_REASON_BAD_GATEWAY_TOKEN = 7,
        REJECT_REASON_TOO_MANY_ROOMS = 8,
        REJECT_REASON_DATAGRAM_TOO_SMALL = 9,
        REJECT_REASON_NO_SUCH_ROOM = 10,
        REJECT_REASON_MALFORMED = 11,
        REJECT_REASON_SERVER_ERROR = 12,
        _REJECT_REASON_MAX,
        _REJECT_REASON_INVALID = -EINVAL,
} RejectReason;

/* Any u8 is a valid leave reason on the wire: codes we do not know are
 * carried as they are and shown as "unspecified". */
typedef enum LeaveReason {
        LEAVE_REASON_UNSPECIFIED = 0,
        LEAVE_REASON_QUIT = 1,
        LEAVE_REASON_SHUTDOWN = 2,
        LEAVE_REASON_KICKED = 3,
        LEAVE_REASON_TIMEOUT = 4,
        LEAVE_REASON_MALFORMED = 5,
        LEAVE_REASON_ROOM_CLOSED = 6,
        LEAVE_REASON_REPLACED = 7,
        LEAVE_REASON_ERROR = 8,
        _LEAVE_REASON_MAX,
        _LEAVE_REASON_INVALID = -EINVAL,
} LeaveReason;

/* Why a control message was refused; stable names for logs. */
typedef enum ControlError {
        CONTROL_ERROR_BAD_LENGTH,         /* length field 0 or > LP_CONTROL_MAX */
        CONTROL_ERROR_TRUNCATED,          /* message or a field inside cut short */
        CONTROL_ERROR_TRAILING_BYTES,
        CONTROL_ERROR_BAD_VERSION,        /* HELLO protocol version */
        CONTROL_ERROR_BAD_ROLE,
        CONTROL_ERROR_BAD_ROOM,
        CONTROL_ERROR_BAD_MAC,
        CONTROL_ERROR_BAD_TEXT,           /* invalid UTF-8, NUL or control char */
        CONTROL_ERROR_TEXT_TOO_LONG,
        CONTROL_ERROR_BAD_AUTH,
        CONTROL_ERROR_BAD_GATEWAY_TOKEN,
        CONTROL_ERROR_DATAGRAM_TOO_SMALL, /* HELLO max datagram size */
        CONTROL_ERROR_BAD_PEER_ID,
        CONTROL_ERROR_BAD_MTU,
        CONTROL_ERROR_BAD_FLAG,           /* WELCOME gateway present not 0/1 */
        CONTROL_ERROR_BAD_REASON,         /* REJECT code not in the table */
        CONTROL_ERROR_BAD_STATS_COUNT,
        CONTROL_ERROR_BAD_PORT,           /* CHECK_BEGIN UDP port 0 */
        CONTROL_ERROR_BAD_SIZE,           /* CHECK_REPORT probe size out of range */
        CONTROL_ERROR_BAD_VERDICT,        /* CHECK_RESULT verdict not in the table */
        _CONTROL_ERROR_MAX,
        _CONTROL_ERROR_INVALID = -EINVAL,
} ControlError;

typedef struct ControlHello {
        uint8_t version;
        PeerRole role;
        char room[LP_ROOM_NAME_MAX + 1];
        size_t room_len;
        MacAddr mac;
        uint16_t max_datagram_size;
        char name[LP_CONTROL_NAME_MAX + 1];
        size_t name_len;
        uint8_t auth[LP_CONTROL_AUTH_SIZE];
        size_t auth_len; /* always LP_CONTROL_AUTH_SIZE in a valid HELLO */
        uint8_t gateway_token[LP_CONTROL_GATEWAY_TOKEN_MAX];
        size_t gateway_token_len;
} ControlHello;

typedef struct ControlWelcome {
        uint16_t peer_id;
        uint16_t room_mtu;
        bool gateway_present;
} ControlWelcome;

typedef struct ControlReject {
        RejectReason reason;
        char text[LP_CONTROL_TEXT_MAX + 1];
        size_t text_len;
} ControlReject;

typedef struct ControlPeerJoined {
        uint16_t peer_id;
        PeerRole role;
        MacAddr mac;
        char name[LP_CONTROL_NAME_MAX + 1];
        size_t name_len;
} ControlPeerJoined;

typedef struct ControlPeerLeft {
        uint16_t peer_id;
        PeerRole role;
        MacAddr mac;
        LeaveReason reason; /* raw code, possibly one we do not know */
} ControlPeerLeft;

typedef struct ControlStats {
        uint64_t rx_frames;
        uint64_t rx_bytes;
        uint64_t tx_frames;
        uint64_t tx_bytes;
        uint64_t dropped_frames;
} ControlStats;

typedef struct ControlDisconnect {
        LeaveReason reason; /* raw code, possibly one we do not know */
        char text[LP_CONTROL_TEXT_MAX + 1];
        size_t text_len;
} ControlDisconnect;

/* The party check. `peer_id` is 0 from a client (the relay does not read
 * it: it writes the sender's id before passing CHECK_BEGIN and CHECK_RESULT
 * on to the gateway); in a gateway's CHECK_REPORT it names the client the
 * report is for, and the relay writes the gateway's id there before passing
 * it on. */
typedef struct ControlCheckBegin {
        uint16_t peer_id;
        uint8_t nonce[LP_CHECK_NONCE_SIZE];
        uint16_t udp_port; /* where the client listens for the gateway's probes, 1..65535 */
        uint16_t room_mtu; /* as the client's WELCOME said */
} ControlCheckBegin;

/* CHECK_REPORT probe flags: which of the client's probes the gateway saw,
 * and whether it sent its own. Other bits are malformed. */
enum {
        CHECK_PROBE_LIMITED_BROADCAST = 1 << 0,  /* to 255.255.255.255 */
        CHECK_PROBE_DIRECTED_BROADCAST = 1 << 1, /* to the LAN's x.y.z.255 (broadcast MAC, not limited) */
        CHECK_PROBE_MULTICAST = 1 << 2,          /* to 239.255.255.250 */
        CHECK_PROBE_GATEWAY_SENT = 1 << 3,       /* the gateway sent its probe and full-size answer */
        _CHECK_PROBE_ALL = (1 << 4) - 1,
};

typedef struct ControlCheckReport {
        uint16_t peer_id;
        uint8_t nonce[LP_CHECK_NONCE_SIZE];
        uint8_t probes;          /* CHECK_PROBE_* */
        uint16_t largest_probe;  /* IPv4 total length of the largest probe seen; 0 none, else 28..1500 */
} ControlCheckReport;

typedef enum CheckVerdict {
        CHECK_VERDICT_NOT_RUN = 0,
        CHECK_VERDICT_PASS = 1,
        CHECK_VERDICT_FAIL = 2,
        _CHECK_VERDICT_MAX,
        _CHECK_VERDICT_INVALID = -EINVAL,
} CheckVerdict;

typedef struct ControlCheckResult {
        uint16_t peer_id;
        uint8_t nonce[LP_CHECK_NONCE_SIZE];
        /* Steps 1-4 of the check: broadcasts out, broadcast in, full-size
         * round trip, LAN address and ARP. */
        CheckVerdict verdicts[LP_CHECK_STEPS];
} ControlCheckResult;

/* Strings are NUL-terminated after decoding; encoding uses the *_len fields
 * and refuses a string with a NUL inside, so len = strlen() is always right. */
typedef struct ControlMessage {
        ControlType type;
        union {
                ControlHello hello;
                ControlWelcome welcome;
                ControlReject reject;
                ControlPeerJoined peer_joined;
                ControlPeerLeft peer_left;
                ControlStats stats;
                ControlDisconnect disconnect;
                ControlCheckBegin check_begin;
                ControlCheckReport check_report;
                ControlCheckResult check_result;
        };
} ControlMessage;

const char *control_type_to_string(ControlType t);
const char *peer_role_to_string(PeerRole r);
PeerRole peer_role_from_string(const char *s);
const char *reject_reason_to_string(RejectReason r);
RejectReason reject_reason_from_string(const char *s);
/* Never NULL: codes outside the table are "unspecified". */
const char *leave_reason_to_string(LeaveReason r);
const char *control_error_to_string(ControlError e);
const char *check_verdict_to_string(CheckVerdict v);

/* What the relay answers a HELLO that failed to decode with: bad_version,
 * bad_room and datagram_too_small have their own codes, the rest is
 * malformed. */
RejectReason control_error_to_reject_reason(ControlError e);

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF,
 * no truncated sequence. */
bool utf8_is_valid(const char *s, size_t len);
/* A text field of the protocol: UTF-8 as above, and no NUL or ASCII control
 * character (0x00-0x1F, 0x7F), since these end up in logs, D-Bus and UIs. */
bool control_text_is_valid(const char *s, size_t len);

/* Encodes one message, length prefix included, into buf. Returns the number
 * of bytes written, -EINVAL when the message breaks a rule of the protocol,
 * -ENOBUFS when buf is too small (LP_CONTROL_MESSAGE_MAX always suffices). */
int control_encode(const ControlMessage *m, uint8_t *buf, size_t size);

/* Decodes exactly one message, length prefix included, that occupies all of
 * buf[0..len). Returns 1 with *ret filled (the whole struct is zeroed first,
 * so two decodes of equal messages compare equal with memcmp), 0 for a
 * well-formed message of a type we do not know (to be skipped), or -EBADMSG
 * with the reason in *ret_error (may be NULL). With CONTROL_ERROR_BAD_VERSION
 * ret->type is HELLO and ret->hello.version the version the peer sent, so
 * the answer can say who must update (the same from control_reader_next()). */
int control_decode(const uint8_t *buf, size_t len, ControlMessage *ret, ControlError *ret_error);

/* Reassembles messages from the stream. The buffer holds at most one message,
 * so feeding takes only what fits; the caller alternates:
 *
 *         while (size > 0) {
 *                 size_t n = control_reader_feed(&r, data, size);
 *                 data += n, size -= n;
 *                 while ((k = control_reader_next(&r, &msg)) > 0)
 *                         handle(&msg);
 *                 if (k < 0)
 *                         return close_connection(r.error);
 *         }
 *
 * When the buffer is full it always holds a whole message (or a bad length),
 * so this loop makes progress. */
typedef struct ControlReader {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        size_t len;
        uint64_t n_skipped;  /* messages of unknown types dropped */
        bool broken;         /* zero-initialised means healthy */
        ControlError error;  /* why, once broken */
} ControlReader;

void control_reader_init(ControlReader *r);
/* Copies up to `size` bytes in and returns how many it took. Once the stream
 * is broken everything is taken and dropped. */
size_t control_reader_feed(ControlReader *r, const uint8_t *data, size_t size);
/* Returns 1 with the next message in *ret, 0 when more bytes are needed, or
 * -EBADMSG when the stream is malformed (r->error says why); the error is
 * sticky, the stream cannot be resynchronised. Unknown types are skipped. */
int control_reader_next(ControlReader *r, ControlMessage *ret);
/* Bytes of an incomplete message buffered: nonzero at end of stream means the
 * peer closed mid-message. */
size_t control_reader_pending(const ControlReader *r);
