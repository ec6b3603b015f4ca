/* SPDX-License-Identifier: MIT */
#include "control.h"

#include <string.h>

#include "datagram.h"
#include "length-prefix.h"
#include "macro.h"
#include "string-table.h"

_Static_assert(LP_CONTROL_LENGTH_SIZE == LENGTH_PREFIX_SIZE, "the stream's framing is length-prefix.h's");

static const char *const control_type_table[_CONTROL_TYPE_MAX] = {
        [CONTROL_TYPE_HELLO] = "hello",
        [CONTROL_TYPE_WELCOME] = "welcome",
        [CONTROL_TYPE_REJECT] = "reject",
        [CONTROL_TYPE_PEER_JOINED] = "peer_joined",
        [CONTROL_TYPE_PEER_LEFT] = "peer_left",
        [CONTROL_TYPE_STATS] = "stats",
        [CONTROL_TYPE_DISCONNECT] = "disconnect",
        [CONTROL_TYPE_CHECK_BEGIN] = "check_begin",
        [CONTROL_TYPE_CHECK_REPORT] = "check_report",
        [CONTROL_TYPE_CHECK_RESULT] = "check_result",
};

static const char *const peer_role_table[_PEER_ROLE_MAX] = {
        [PEER_ROLE_CLIENT] = "client",
        [PEER_ROLE_GATEWAY] = "gateway",
};

static const char *const reject_reason_table[_REJECT_REASON_MAX] = {
        [REJECT_REASON_BAD_VERSION] = "bad_version",
        [REJECT_REASON_BAD_ROOM] = "bad_room",
        [REJECT_REASON_AUTH_FAILED] = "auth_failed",
        [REJECT_REASON_ROOM_FULL] = "room_full",
        [REJECT_REASON_DUPLICATE_MAC] = "duplicate_mac",
        [REJECT_REASON_GATEWAY_PRESENT] = "gateway_present",
        [REJECT_REASON_BAD_GATEWAY_TOKEN] = "bad_gateway_token",
        [REJECT_REASON_TOO_MANY_ROOMS] = "too_many_rooms",
        [REJECT_REASON_DATAGRAM_TOO_SMALL] = "datagram_too_small",
        [REJECT_REASON_NO_SUCH_ROOM] = "no_such_room",
        [REJECT_REASON_MALFORMED] = "malformed",
        [REJECT_REASON_SERVER_ERROR] = "server_error",
};

static const char *const leave_reason_table[_LEAVE_REASON_MAX] = {
        [LEAVE_REASON_UNSPECIFIED] = "unspecified",
        [LEAVE_REASON_QUIT] = "quit",
        [LEAVE_REASON_SHUTDOWN] = "shutdown",
        [LEAVE_REASON_KICKED] = "kicked",
        [LEAVE_REASON_TIMEOUT] = "timeout",
        [LEAVE_REASON_MALFORMED] = "malformed",
        [LEAVE_REASON_ROOM_CLOSED] = "room_closed",
        [LEAVE_REASON_REPLACED] = "replaced",
        [LEAVE_REASON_ERROR] = "error",
};

static const char *const control_error_table[_CONTROL_ERROR_MAX] = {
        [CONTROL_ERROR_BAD_LENGTH] = "bad_length",
        [CONTROL_ERROR_TRUNCATED] = "truncated",
        [CONTROL_ERROR_TRAILING_BYTES] = "trailing_bytes",
        [CONTROL_ERROR_BAD_VERSION] = "bad_version",
        [CONTROL_ERROR_BAD_ROLE] = "bad_role",
        [CONTROL_ERROR_BAD_ROOM] = "bad_room",
        [CONTROL_ERROR_BAD_MAC] = "bad_mac",
        [CONTROL_ERROR_BAD_TEXT] = "bad_text",
        [CONTROL_ERROR_TEXT_TOO_LONG] = "text_too_long",
        [CONTROL_ERROR_BAD_AUTH] = "bad_auth",
        [CONTROL_ERROR_BAD_GATEWAY_TOKEN] = "bad_gateway_token",
        [CONTROL_ERROR_DATAGRAM_TOO_SMALL] = "datagram_too_small",
        [CONTROL_ERROR_BAD_PEER_ID] = "bad_peer_id",
        [CONTROL_ERROR_BAD_MTU] = "bad_mtu",
        [CONTROL_ERROR_BAD_FLAG] = "bad_flag",
        [CONTROL_ERROR_BAD_REASON] = "bad_reason",
        [CONTROL_ERROR_BAD_STATS_COUNT] = "bad_stats_count",
        [CONTROL_ERROR_BAD_PORT] = "bad_port",
        [CONTROL_ERROR_BAD_SIZE] = "bad_size",
        [CONTROL_ERROR_BAD_VERDICT] = "bad_verdict",
};

static const char *const check_verdict_table[_CHECK_VERDICT_MAX] = {
        [CHECK_VERDICT_NOT_RUN] = "not_run",
        [CHECK_VERDICT_PASS] = "pass",
        [CHECK_VERDICT_FAIL] = "fail",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(control_type, ControlType)

DEFINE_STRING_TABLE_LOOKUP(peer_role, PeerRole)

DEFINE_STRING_TABLE_LOOKUP(reject_reason, RejectReason)

/* Not the plain table lookup: a PEER_LEFT or DISCONNECT may carry any reason
 * code that fits a byte, one this build has no name for, and the log still
 * wants a word for it: "unspecified". */
const char *leave_reason_to_string(LeaveReason r) {
        const char *s = string_table_lookup_to_string(leave_reason_table, ELEMENTSOF(leave_reason_table), r);
        return s ? s : leave_reason_table[LEAVE_REASON_UNSPECIFIED];
}

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(control_error, ControlError)

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(check_verdict, CheckVerdict)

RejectReason control_error_to_reject_reason(ControlError e) {
        switch (e) {
        case CONTROL_ERROR_BAD_VERSION:
                return REJECT_REASON_BAD_VERSION;
        case CONTROL_ERROR_BAD_ROOM:
                return REJECT_REASON_BAD_ROOM;
        case CONTROL_ERROR_DATAGRAM_TOO_SMALL:
                return REJECT_REASON_DATAGRAM_TOO_SMALL;
        default:
                return REJECT_REASON_MALFORMED;
        }
}

/* ---- text ---- */

static bool utf8_is_continuation(uint8_t c) {
        return (c & 0xC0) == 0x80;
}

bool utf8_is_valid(const char *s, size_t len) {
        const uint8_t *p = (const uint8_t *) s;
        size_t i = 0;

        if (!s)
                return len == 0;

        while (i < len) {
                uint8_t c = p[i];
                /* Bounds of the second byte; they exclude overlong forms,
                 * surrogates and code points above U+10FFFF. */
                uint8_t lo = 0x80, hi = 0xBF;
                size_t n;

                if (c < 0x80) {
                        i++;
                        continue;
                }
                if (c < 0xC2) /* stray continuation, or overlong C0/C1 lead */
                        return false;
                if (c < 0xE0)
                        n = 2;
                else if (c < 0xF0) {
                        n = 3;
                        if (c == 0xE0)
                                lo = 0xA0;
                        else if (c == 0xED)
                                hi = 0x9F;
                } else if (c < 0xF5) {
                        n = 4;
                        if (c == 0xF0)
                                lo = 0x90;
                        else if (c == 0xF4)
                                hi = 0x8F;
                } else
                        return false;

                if (len - i < n)
                        return false;
                if (p[i + 1] < lo || p[i + 1] > hi)
                        return false;
                for (size_t k = 2; k < n; k++)
                        if (!utf8_is_continuation(p[i + k]))
                                return false;
                i += n;
        }
        return true;
}

bool control_text_is_valid(const char *s, size_t len) {
        if (!utf8_is_valid(s, len))
                return false;
        /* Bytes of multi-byte sequences are all >= 0x80, so a byte scan
         * finds exactly the ASCII controls. */
        for (size_t i = 0; i < len; i++) {
                uint8_t c = (uint8_t) s[i];
                if (c < 0x20 || c == 0x7F)
                        return false;
        }
        return true;
}

/* ---- validation shared by encoder and decoder ---- */

static int control_fail(ControlError e, ControlError *ret_error) {
        if (ret_error)
                *ret_error = e;
        return -EBADMSG;
}

static bool peer_role_is_valid(PeerRole r) {
        return r == PEER_ROLE_CLIENT || r == PEER_ROLE_GATEWAY;
}

/* Kept here rather than borrowed from ether.h so the codec stands alone. */
static bool mac_is_valid_for_role(const MacAddr *mac, PeerRole role) {
        static const uint8_t zero[LP_MAC_LEN];
        if (memcmp(mac->bytes, zero, LP_MAC_LEN) == 0)
                return false;
        if (mac->bytes[0] & 0x01) /* group bit: multicast or broadcast */
                return false;
        /* A client's virtual MAC is made up, so it must not pose as a vendor
         * address that could collide with real hardware on the LAN. */
        if (role == PEER_ROLE_CLIENT && !(mac->bytes[0] & 0x02))
                return false;
        return true;
}

static int text_validate(const char *s, size_t len, size_t cap, ControlError *ret_error) {
        if (len > cap)
                return control_fail(CONTROL_ERROR_TEXT_TOO_LONG, ret_error);
        if (!control_text_is_valid(s, len))
                return control_fail(CONTROL_ERROR_BAD_TEXT, ret_error);
        return 0;
}

static bool leave_reason_fits_wire(LeaveReason r) {
        return r >= 0 && r <= UINT8_MAX;
}

static bool gateway_token_is_valid(const ControlHello *h) {
        if (h->role == PEER_ROLE_GATEWAY)
                return h->gateway_token_len >= 1 && h->gateway_token_len <= LP_CONTROL_GATEWAY_TOKEN_MAX;
        return h->gateway_token_len == 0;
}

static int hello_validate(const ControlHello *h, ControlError *ret_error) {
        if (h->version != LP_CONTROL_PROTOCOL_VERSION)
                return control_fail(CONTROL_ERROR_BAD_VERSION, ret_error);
        if (!peer_role_is_valid(h->role))
                return control_fail(CONTROL_ERROR_BAD_ROLE, ret_error);
        if (h->room_len > LP_ROOM_NAME_MAX || !room_name_is_valid(h->room, h->room_len))
                return control_fail(CONTROL_ERROR_BAD_ROOM, ret_error);
        if (!mac_is_valid_for_role(&h->mac, h->role))
                return control_fail(CONTROL_ERROR_BAD_MAC, ret_error);
        if (h->max_datagram_size < LP_DATAGRAM_MIN_BUDGET)
                return control_fail(CONTROL_ERROR_DATAGRAM_TOO_SMALL, ret_error);
        if (text_validate(h->name, h->name_len, LP_CONTROL_NAME_MAX, ret_error) < 0)
                return -EBADMSG;
        if (h->auth_len != LP_CONTROL_AUTH_SIZE)
                return control_fail(CONTROL_ERROR_BAD_AUTH, ret_error);
        if (!gateway_token_is_valid(h))
                return control_fail(CONTROL_ERROR_BAD_GATEWAY_TOKEN, ret_error);
        return 0;
}

static int message_validate(const ControlMessage *m, ControlError *ret_error) {
        switch (m->type) {
        case CONTROL_TYPE_HELLO:
                return hello_validate(&m->hello, ret_error);

        case CONTROL_TYPE_WELCOME:
                if (m->welcome.peer_id == 0)
                        return control_fail(CONTROL_ERROR_BAD_PEER_ID, ret_error);
                if (m->welcome.room_mtu < LP_CONTROL_MTU_MIN || m->welcome.room_mtu > LP_CONTROL_MTU_MAX)
                        return control_fail(CONTROL_ERROR_BAD_MTU, ret_error);
                return 0;

        case CONTROL_TYPE_REJECT:
                if (!reject_reason_to_string(m->reject.reason))
                        return control_fail(CONTROL_ERROR_BAD_REASON, ret_error);
                return text_validate(m->reject.text, m->reject.text_len, LP_CONTROL_TEXT_MAX, ret_error);

        case CONTROL_TYPE_PEER_JOINED:
                if (m->peer_joined.peer_id == 0)
                        return control_fail(CONTROL_ERROR_BAD_PEER_ID, ret_error);
                if (!peer_role_is_valid(m->peer_joined.role))
                        return control_fail(CONTROL_ERROR_BAD_ROLE, ret_error);
                if (!mac_is_valid_for_role(&m->peer_joined.mac, m->peer_joined.role))
                        return control_fail(CONTROL_ERROR_BAD_MAC, ret_error);
                return text_validate(m->peer_joined.name, m->peer_joined.name_len, LP_CONTROL_NAME_MAX,
                                     ret_error);

        case CONTROL_TYPE_PEER_LEFT:
                if (m->peer_left.peer_id == 0)
                        return control_fail(CONTROL_ERROR_BAD_PEER_ID, ret_error);
                if (!peer_role_is_valid(m->peer_left.role))
                        return control_fail(CONTROL_ERROR_BAD_ROLE, ret_error);
                if (!mac_is_valid_for_role(&m->peer_left.mac, m->peer_left.role))
                        return control_fail(CONTROL_ERROR_BAD_MAC, ret_error);
                if (!leave_reason_fits_wire(m->peer_left.reason))
                        return control_fail(CONTROL_ERROR_BAD_REASON, ret_error);
                return 0;

        case CONTROL_TYPE_STATS:
                return 0;

        case CONTROL_TYPE_DISCONNECT:
                if (!leave_reason_fits_wire(m->disconnect.reason))
                        return control_fail(CONTROL_ERROR_BAD_REASON, ret_error);
                return text_validate(m->disconnect.text, m->disconnect.text_len, LP_CONTROL_TEXT_MAX,
                                     ret_error);

        case CONTROL_TYPE_CHECK_BEGIN:
                if (m->check_begin.udp_port == 0)
                        return control_fail(CONTROL_ERROR_BAD_PORT, ret_error);
                if (m->check_begin.room_mtu < LP_CONTROL_MTU_MIN || m->check_begin.room_mtu > LP_CONTROL_MTU_MAX)
                        return control_fail(CONTROL_ERROR_BAD_MTU, ret_error);
                return 0;

        case CONTROL_TYPE_CHECK_REPORT:
                if (m->check_report.probes & ~_CHECK_PROBE_ALL)
                        return control_fail(CONTROL_ERROR_BAD_FLAG, ret_error);
                /* 0: none seen; else at least an empty UDP datagram (IPv4 20 + UDP 8). */
                if (m->check_report.largest_probe != 0 &&
                    (m->check_report.largest_probe < 28 || m->check_report.largest_probe > LP_CONTROL_MTU_MAX))
                        return control_fail(CONTROL_ERROR_BAD_SIZE, ret_error);
                return 0;

        case CONTROL_TYPE_CHECK_RESULT:
                for (size_t i = 0; i < LP_CHECK_STEPS; i++)
                        if (!check_verdict_to_string(m->check_result.verdicts[i]))
                                return control_fail(CONTROL_ERROR_BAD_VERDICT, ret_error);
                return 0;

        default:
                return -EINVAL;
        }
}

/* ---- encoding ---- */

typedef struct Writer {
        uint8_t *buf;
        size_t size;
        size_t off;
        bool overflow;
} Writer;

static uint8_t *writer_reserve(Writer *w, size_t n) {
        uint8_t *p;

        if (w->overflow || w->size - w->off < n) {
                w->overflow = true;
                return NULL;
        }
        p = w->buf + w->off;
        w->off += n;
        return p;
}

static void writer_u8(Writer *w, uint8_t v) {
        uint8_t *p = writer_reserve(w, 1);
        if (p)
                *p = v;
}

static void writer_u16(Writer *w, uint16_t v) {
        uint8_t *p = writer_reserve(w, 2);
        if (p)
                be16_store(p, v);
}

static void writer_u64(Writer *w, uint64_t v) {
        uint8_t *p = writer_reserve(w, 8);
        if (p)
                be64_store(p, v);
}

static void writer_bytes(Writer *w, const void *data, size_t n) {
        uint8_t *p = writer_reserve(w, n);
        if (p && n > 0)
                memcpy(p, data, n);
}

/* Callers have validated len <= UINT8_MAX via the field caps. */
static void writer_string(Writer *w, const void *data, size_t len) {
        writer_u8(w, (uint8_t) len);
        writer_bytes(w, data, len);
}

static void hello_write(Writer *w, const ControlHello *h) {
        writer_u8(w, h->version);
        writer_u8(w, (uint8_t) h->role);
        writer_string(w, h->room, h->room_len);
        writer_bytes(w, h->mac.bytes, LP_MAC_LEN);
        writer_u16(w, h->max_datagram_size);
        writer_string(w, h->name, h->name_len);
        writer_string(w, h->auth, h->auth_len);
        writer_string(w, h->gateway_token, h->gateway_token_len);
}

int control_encode(const ControlMessage *m, uint8_t *buf, size_t size) {
        Writer w = { .buf = buf, .size = size };
        int r;

        if (!m || (!buf && size > 0))
                return -EINVAL;

        r = message_validate(m, NULL);
        if (r < 0)
                return -EINVAL;

        writer_reserve(&w, LP_CONTROL_LENGTH_SIZE); /* filled in below */
        writer_u8(&w, (uint8_t) m->type);

        switch (m->type) {
        case CONTROL_TYPE_HELLO:
                hello_write(&w, &m->hello);
                break;
        case CONTROL_TYPE_WELCOME:
                writer_u16(&w, m->welcome.peer_id);
                writer_u16(&w, m->welcome.room_mtu);
                writer_u8(&w, m->welcome.gateway_present ? 1 : 0);
                break;
        case CONTROL_TYPE_REJECT:
                writer_u8(&w, (uint8_t) m->reject.reason);
                writer_string(&w, m->reject.text, m->reject.text_len);
                break;
        case CONTROL_TYPE_PEER_JOINED:
                writer_u16(&w, m->peer_joined.peer_id);
                writer_u8(&w, (uint8_t) m->peer_joined.role);
                writer_bytes(&w, m->peer_joined.mac.bytes, LP_MAC_LEN);
                writer_string(&w, m->peer_joined.name, m->peer_joined.name_len);
                break;
        case CONTROL_TYPE_PEER_LEFT:
                writer_u16(&w, m->peer_left.peer_id);
                writer_u8(&w, (uint8_t) m->peer_left.role);
                writer_bytes(&w, m->peer_left.mac.bytes, LP_MAC_LEN);
                writer_u8(&w, (uint8_t) m->peer_left.reason);
                break;
        case CONTROL_TYPE_STATS:
                writer_u8(&w, LP_CONTROL_STATS_MIN);
                writer_u64(&w, m->stats.rx_frames);
                writer_u64(&w, m->stats.rx_bytes);
                writer_u64(&w, m->stats.tx_frames);
                writer_u64(&w, m->stats.tx_bytes);
                writer_u64(&w, m->stats.dropped_frames);
                break;
        case CONTROL_TYPE_DISCONNECT:
                writer_u8(&w, (uint8_t) m->disconnect.reason);
                writer_string(&w, m->disconnect.text, m->disconnect.text_len);
                break;
        case CONTROL_TYPE_CHECK_BEGIN:
                writer_u16(&w, m->check_begin.peer_id);
                writer_bytes(&w, m->check_begin.nonce, LP_CHECK_NONCE_SIZE);
                writer_u16(&w, m->check_begin.udp_port);
                writer_u16(&w, m->check_begin.room_mtu);
                break;
        case CONTROL_TYPE_CHECK_REPORT:
                writer_u16(&w, m->check_report.peer_id);
                writer_bytes(&w, m->check_report.nonce, LP_CHECK_NONCE_SIZE);
                writer_u8(&w, m->check_report.probes);
                writer_u16(&w, m->check_report.largest_probe);
                break;
        case CONTROL_TYPE_CHECK_RESULT:
                writer_u16(&w, m->check_result.peer_id);
                writer_bytes(&w, m->check_result.nonce, LP_CHECK_NONCE_SIZE);
                for (size_t i = 0; i < LP_CHECK_STEPS; i++)
                        writer_u8(&w, (uint8_t) m->check_result.verdicts[i]);
                break;
        default:
                return -EINVAL;
        }

        if (w.overflow)
                return -ENOBUFS;
        /* Every message we know is far below LP_CONTROL_MAX: the largest, a
         * HELLO with every field at its cap, has a length of 271. */
        be16_store(buf, (uint16_t) (w.off - LP_CONTROL_LENGTH_SIZE));
        return (int) w.off;
}

/* ---- decoding ---- */

typedef struct Cursor {
        const uint8_t *p;
        size_t left;
} Cursor;

static const uint8_t *cursor_take(Cursor *c, size_t n) {
        const uint8_t *p;

        if (c->left < n)
                return NULL;
        p = c->p;
        c->p += n;
        c->left -= n;
        return p;
}

static bool cursor_u8(Cursor *c, uint8_t *ret) {
        const uint8_t *p = cursor_take(c, 1);
        if (!p)
                return false;
        *ret = *p;
        return true;
}

static bool cursor_u16(Cursor *c, uint16_t *ret) {
        const uint8_t *p = cursor_take(c, 2);
        if (!p)
                return false;
        *ret = be16_load(p);
        return true;
}

static bool cursor_u64(Cursor *c, uint64_t *ret) {
        const uint8_t *p = cursor_take(c, 8);
        if (!p)
                return false;
        *ret = be64_load(p);
        return true;
}

static bool cursor_mac(Cursor *c, MacAddr *ret) {
        const uint8_t *p = cursor_take(c, LP_MAC_LEN);
        if (!p)
                return false;
        memcpy(ret->bytes, p, LP_MAC_LEN);
        return true;
}

static bool cursor_nonce(Cursor *c, uint8_t ret[static LP_CHECK_NONCE_SIZE]) {
        const uint8_t *p = cursor_take(c, LP_CHECK_NONCE_SIZE);
        if (!p)
                return false;
        memcpy(ret, p, LP_CHECK_NONCE_SIZE);
        return true;
}

/* Reads u8 length + bytes into dst, which has room for `cap` bytes plus,
 * for text (nul_terminate), a terminating NUL. A length beyond the end of
 * the message is `truncated`, one beyond `cap` is `too_long_error`. */
static int cursor_string(Cursor *c, void *dst, size_t cap, bool nul_terminate, size_t *ret_len,
                         ControlError too_long_error, ControlError *ret_error) {
        const uint8_t *p;
        uint8_t len;

        if (!cursor_u8(c, &len))
                return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
        p = cursor_take(c, len);
        if (!p)
                return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
        if (len > cap)
                return control_fail(too_long_error, ret_error);

        if (len > 0)
                memcpy(dst, p, len);
        if (nul_terminate)
                ((char *) dst)[len] = '\0';
        *ret_len = len;
        return 0;
}

static int hello_read(Cursor *c, ControlHello *h, ControlError *ret_error) {
        uint8_t role;

        /* Another version may lay out the rest differently: only the
         * version byte is read before answering bad_version. */
        if (!cursor_u8(c, &h->version))
                return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
        if (h->version != LP_CONTROL_PROTOCOL_VERSION)
                return control_fail(CONTROL_ERROR_BAD_VERSION, ret_error);

        if (!cursor_u8(c, &role))
                return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
        h->role = (PeerRole) role;
        if (cursor_string(c, h->room, LP_ROOM_NAME_MAX, true, &h->room_len, CONTROL_ERROR_BAD_ROOM,
                          ret_error) < 0)
                return -EBADMSG;
        if (!cursor_mac(c, &h->mac) || !cursor_u16(c, &h->max_datagram_size))
                return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
        if (cursor_string(c, h->name, LP_CONTROL_NAME_MAX, true, &h->name_len, CONTROL_ERROR_TEXT_TOO_LONG,
                          ret_error) < 0)
                return -EBADMSG;
        if (cursor_string(c, h->auth, LP_CONTROL_AUTH_SIZE, false, &h->auth_len, CONTROL_ERROR_BAD_AUTH,
                          ret_error) < 0)
                return -EBADMSG;
        if (cursor_string(c, h->gateway_token, LP_CONTROL_GATEWAY_TOKEN_MAX, false, &h->gateway_token_len,
                          CONTROL_ERROR_BAD_GATEWAY_TOKEN, ret_error) < 0)
                return -EBADMSG;
        return 0;
}

static int stats_read(Cursor *c, ControlStats *s, ControlError *ret_error) {
        uint8_t count;

        if (!cursor_u8(c, &count))
                return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
        if (count < LP_CONTROL_STATS_MIN)
                return control_fail(CONTROL_ERROR_BAD_STATS_COUNT, ret_error);
        if (c->left / 8 < count)
                return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);

        (void) cursor_u64(c, &s->rx_frames);
        (void) cursor_u64(c, &s->rx_bytes);
        (void) cursor_u64(c, &s->tx_frames);
        (void) cursor_u64(c, &s->tx_bytes);
        (void) cursor_u64(c, &s->dropped_frames);
        /* Counters a newer version appends are skipped, not interpreted. */
        (void) cursor_take(c, (size_t) (count - LP_CONTROL_STATS_MIN) * 8);
        return 0;
}

static int body_read(Cursor *c, ControlMessage *m, ControlError *ret_error) {
        uint8_t u8;

        switch (m->type) {
        case CONTROL_TYPE_HELLO:
                return hello_read(c, &m->hello, ret_error);

        case CONTROL_TYPE_WELCOME:
                if (!cursor_u16(c, &m->welcome.peer_id) || !cursor_u16(c, &m->welcome.room_mtu) ||
                    !cursor_u8(c, &u8))
                        return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
                if (u8 > 1)
                        return control_fail(CONTROL_ERROR_BAD_FLAG, ret_error);
                m->welcome.gateway_present = u8;
                return 0;

        case CONTROL_TYPE_REJECT:
                if (!cursor_u8(c, &u8))
                        return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
                m->reject.reason = (RejectReason) u8;
                return cursor_string(c, m->reject.text, LP_CONTROL_TEXT_MAX, true, &m->reject.text_len,
                                     CONTROL_ERROR_TEXT_TOO_LONG, ret_error);

        case CONTROL_TYPE_PEER_JOINED:
                if (!cursor_u16(c, &m->peer_joined.peer_id) || !cursor_u8(c, &u8) ||
                    !cursor_mac(c, &m->peer_joined.mac))
                        return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
                m->peer_joined.role = (PeerRole) u8;
                return cursor_string(c, m->peer_joined.name, LP_CONTROL_NAME_MAX, true,
                                     &m->peer_joined.name_len, CONTROL_ERROR_TEXT_TOO_LONG, ret_error);

        case CONTROL_TYPE_PEER_LEFT:
                if (!cursor_u16(c, &m->peer_left.peer_id) || !cursor_u8(c, &u8))
                        return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
                m->peer_left.role = (PeerRole) u8;
                if (!cursor_mac(c, &m->peer_left.mac) || !cursor_u8(c, &u8))
                        return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
                m->peer_left.reason = (LeaveReason) u8;
                return 0;

        case CONTROL_TYPE_STATS:
                return stats_read(c, &m->stats, ret_error);

        case CONTROL_TYPE_DISCONNECT:
                if (!cursor_u8(c, &u8))
                        return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
                m->disconnect.reason = (LeaveReason) u8;
                return cursor_string(c, m->disconnect.text, LP_CONTROL_TEXT_MAX, true,
                                     &m->disconnect.text_len, CONTROL_ERROR_TEXT_TOO_LONG, ret_error);

        case CONTROL_TYPE_CHECK_BEGIN:
                if (!cursor_u16(c, &m->check_begin.peer_id) ||
                    !cursor_nonce(c, m->check_begin.nonce) || !cursor_u16(c, &m->check_begin.udp_port) ||
                    !cursor_u16(c, &m->check_begin.room_mtu))
                        return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
                return 0;

        case CONTROL_TYPE_CHECK_REPORT:
                if (!cursor_u16(c, &m->check_report.peer_id) || !cursor_nonce(c, m->check_report.nonce) ||
                    !cursor_u8(c, &m->check_report.probes) || !cursor_u16(c, &m->check_report.largest_probe))
                        return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
                return 0;

        case CONTROL_TYPE_CHECK_RESULT:
                if (!cursor_u16(c, &m->check_result.peer_id) || !cursor_nonce(c, m->check_result.nonce))
                        return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
                for (size_t i = 0; i < LP_CHECK_STEPS; i++) {
                        if (!cursor_u8(c, &u8))
                                return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
                        m->check_result.verdicts[i] = (CheckVerdict) u8;
                }
                return 0;

        default:
                return -EINVAL;
        }
}

int control_decode(const uint8_t *buf, size_t len, ControlMessage *ret, ControlError *ret_error) {
        Cursor c;
        uint16_t length;
        uint8_t type;
        int r;

        if (!ret || (!buf && len > 0))
                return -EINVAL;

        /* Zero everything, padding included, so decoded messages can be
         * compared with memcmp. */
        memset(ret, 0, sizeof(*ret));
        ret->type = _CONTROL_TYPE_INVALID;

        if (len < LP_CONTROL_LENGTH_SIZE)
                return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
        length = be16_load(buf);
        if (length == 0 || length > LP_CONTROL_MAX)
                return control_fail(CONTROL_ERROR_BAD_LENGTH, ret_error);
        if (len - LP_CONTROL_LENGTH_SIZE < length)
                return control_fail(CONTROL_ERROR_TRUNCATED, ret_error);
        if (len - LP_CONTROL_LENGTH_SIZE > length)
                return control_fail(CONTROL_ERROR_TRAILING_BYTES, ret_error);

        type = buf[LP_CONTROL_LENGTH_SIZE];
        if (type == 0 || type >= _CONTROL_TYPE_MAX)
                return 0; /* a newer peer's message: skipped via its length */

        ret->type = (ControlType) type;
        c = (Cursor) { .p = buf + LP_CONTROL_LENGTH_SIZE + 1, .left = length - 1u };

        r = body_read(&c, ret, ret_error);
        if (r < 0)
                return r;
        if (c.left > 0)
                return control_fail(CONTROL_ERROR_TRAILING_BYTES, ret_error);
        r = message_validate(ret, ret_error);
        if (r < 0)
                return r;
        return 1;
}

/* ---- stream reassembly ---- */

void control_reader_init(ControlReader *r) {
        *r = (ControlReader) { .error = _CONTROL_ERROR_INVALID };
}

size_t control_reader_feed(ControlReader *r, const uint8_t *data, size_t size) {
        if (!r || !data)
                return 0;
        return length_prefix_feed(r->buf, sizeof(r->buf), &r->len, r->broken, data, size);
}

static int control_reader_fail(ControlReader *r, ControlError e) {
        r->broken = true;
        r->error = e;
        r->len = 0;
        return -EBADMSG;
}

int control_reader_next(ControlReader *r, ControlMessage *ret) {
        if (!r || !ret)
                return -EINVAL;

        for (;;) {
                ControlError e = _CONTROL_ERROR_INVALID;
                size_t total;
                int k;

                if (r->broken)
                        return -EBADMSG;
                k = length_prefix_frame(r->buf, r->len, LP_CONTROL_MAX, &total);
                if (k < 0)
                        return control_reader_fail(r, CONTROL_ERROR_BAD_LENGTH);
                if (k == 0)
                        return 0;

                k = control_decode(r->buf, total, ret, &e);
                if (k < 0)
                        return control_reader_fail(r, e);
                length_prefix_consume(r->buf, &r->len, total, false);

                if (k > 0)
                        return 1;
                r->n_skipped++;
        }
}

size_t control_reader_pending(const ControlReader *r) {
        return r ? r->len : 0;
}
