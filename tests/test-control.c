/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "control.h"
#include "datagram.h"
#include "macro.h"
#include "test-util.h"

/* ---- helpers ---- */

static void set_text(char *dst, size_t *len, const char *s) {
        *len = strlen(s);
        memcpy(dst, s, *len + 1);
}

/* Builders zero the whole message first, so a decoded copy compares equal
 * with memcmp (control_decode zeroes its output the same way). */
static void msg_init(ControlMessage *m, ControlType type) {
        memset(m, 0, sizeof(*m));
        m->type = type;
}

static const MacAddr client_mac = { { 0x02, 0x00, 0x5E, 0x10, 0x20, 0x30 } };
static const MacAddr gateway_mac = { { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 } };

static void hello_client_min(ControlMessage *m) {
        msg_init(m, CONTROL_TYPE_HELLO);
        m->hello.version = LP_CONTROL_PROTOCOL_VERSION;
        m->hello.role = PEER_ROLE_CLIENT;
        set_text(m->hello.room, &m->hello.room_len, "r");
        m->hello.mac = client_mac;
        m->hello.max_datagram_size = LP_DATAGRAM_MIN_BUDGET;
        set_text(m->hello.name, &m->hello.name_len, "");
        m->hello.auth_len = LP_CONTROL_AUTH_SIZE; /* all zero bytes: binary is fine */
}

static void hello_gateway_max(ControlMessage *m) {
        msg_init(m, CONTROL_TYPE_HELLO);
        m->hello.version = LP_CONTROL_PROTOCOL_VERSION;
        m->hello.role = PEER_ROLE_GATEWAY;
        set_text(m->hello.room, &m->hello.room_len, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_0189");
        m->hello.mac = gateway_mac;
        m->hello.max_datagram_size = UINT16_MAX;
        /* 16 three-byte euro signs and 16 ASCII letters: 64 bytes. */
        set_text(m->hello.name, &m->hello.name_len,
                 "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC"
                 "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC"
                 "abcdefghijklmnop");
        for (size_t i = 0; i < LP_CONTROL_AUTH_SIZE; i++)
                m->hello.auth[i] = (uint8_t) (0xFF - i);
        m->hello.auth_len = LP_CONTROL_AUTH_SIZE;
        for (size_t i = 0; i < LP_CONTROL_GATEWAY_TOKEN_MAX; i++)
                m->hello.gateway_token[i] = (uint8_t) (i * 2); /* binary, NUL included */
        m->hello.gateway_token_len = LP_CONTROL_GATEWAY_TOKEN_MAX;
}

static void hello_gateway_min(ControlMessage *m) {
        hello_client_min(m);
        m->hello.role = PEER_ROLE_GATEWAY;
        m->hello.mac = gateway_mac;
        m->hello.gateway_token_len = 1;
}

static void welcome(ControlMessage *m, uint16_t peer, uint16_t mtu, bool gw) {
        msg_init(m, CONTROL_TYPE_WELCOME);
        m->welcome.peer_id = peer;
        m->welcome.room_mtu = mtu;
        m->welcome.gateway_present = gw;
}

static void reject(ControlMessage *m, RejectReason reason, const char *text) {
        msg_init(m, CONTROL_TYPE_REJECT);
        m->reject.reason = reason;
        set_text(m->reject.text, &m->reject.text_len, text);
}

static void peer_joined(ControlMessage *m, uint16_t peer, PeerRole role, const char *name) {
        msg_init(m, CONTROL_TYPE_PEER_JOINED);
        m->peer_joined.peer_id = peer;
        m->peer_joined.role = role;
        m->peer_joined.mac = role == PEER_ROLE_CLIENT ? client_mac : gateway_mac;
        set_text(m->peer_joined.name, &m->peer_joined.name_len, name);
}

static void peer_left(ControlMessage *m, uint16_t peer, PeerRole role, LeaveReason reason) {
        msg_init(m, CONTROL_TYPE_PEER_LEFT);
        m->peer_left.peer_id = peer;
        m->peer_left.role = role;
        m->peer_left.mac = role == PEER_ROLE_CLIENT ? client_mac : gateway_mac;
        m->peer_left.reason = reason;
}

static void stats(ControlMessage *m, uint64_t v) {
        msg_init(m, CONTROL_TYPE_STATS);
        m->stats = (ControlStats) { v, v ^ 1, v ^ 2, v ^ 3, v ^ 4 };
}

static void disconnect(ControlMessage *m, LeaveReason reason, const char *text) {
        msg_init(m, CONTROL_TYPE_DISCONNECT);
        m->disconnect.reason = reason;
        set_text(m->disconnect.text, &m->disconnect.text_len, text);
}

static void check_begin(ControlMessage *m, uint16_t peer, uint8_t nonce_byte, uint16_t port, uint16_t mtu) {
        msg_init(m, CONTROL_TYPE_CHECK_BEGIN);
        m->check_begin.peer_id = peer;
        memset(m->check_begin.nonce, nonce_byte, LP_CHECK_NONCE_SIZE);
        m->check_begin.udp_port = port;
        m->check_begin.room_mtu = mtu;
}

static void check_report(ControlMessage *m, uint16_t peer, uint8_t probes, uint16_t largest) {
        msg_init(m, CONTROL_TYPE_CHECK_REPORT);
        m->check_report.peer_id = peer;
        for (size_t i = 0; i < LP_CHECK_NONCE_SIZE; i++)
                m->check_report.nonce[i] = (uint8_t) i;
        m->check_report.probes = probes;
        m->check_report.largest_probe = largest;
}

static void check_result(ControlMessage *m, uint16_t peer, CheckVerdict a, CheckVerdict b, CheckVerdict c,
                         CheckVerdict d) {
        msg_init(m, CONTROL_TYPE_CHECK_RESULT);
        m->check_result.peer_id = peer;
        memset(m->check_result.nonce, 0xEE, LP_CHECK_NONCE_SIZE);
        m->check_result.verdicts[0] = a;
        m->check_result.verdicts[1] = b;
        m->check_result.verdicts[2] = c;
        m->check_result.verdicts[3] = d;
}

static char text_max[LP_CONTROL_TEXT_MAX + 1];  /* 50 x U+1D11E, 200 bytes */
static char name_max[LP_CONTROL_NAME_MAX + 1];  /* 64 x 'n' */

static void texts_init(void) {
        for (size_t i = 0; i < 50; i++)
                memcpy(text_max + 4 * i, "\xF0\x9D\x84\x9E", 4);
        text_max[LP_CONTROL_TEXT_MAX] = '\0';
        memset(name_max, 'n', LP_CONTROL_NAME_MAX);
        name_max[LP_CONTROL_NAME_MAX] = '\0';
}

/* Every type, each with its smallest and largest fields. */
static ControlMessage samples[24];
static size_t n_samples;

static void samples_build(void) {
        ControlMessage *s = samples;

        texts_init();
        hello_client_min(s++);
        hello_gateway_min(s++);
        hello_gateway_max(s++);
        welcome(s++, 1, LP_CONTROL_MTU_MIN, false);
        welcome(s++, UINT16_MAX, LP_CONTROL_MTU_MAX, true);
        reject(s++, REJECT_REASON_BAD_VERSION, "");
        reject(s++, REJECT_REASON_SERVER_ERROR, text_max);
        peer_joined(s++, 1, PEER_ROLE_CLIENT, "");
        peer_joined(s++, UINT16_MAX, PEER_ROLE_GATEWAY, name_max);
        peer_left(s++, 1, PEER_ROLE_CLIENT, LEAVE_REASON_UNSPECIFIED);
        peer_left(s++, UINT16_MAX, PEER_ROLE_GATEWAY, 255);
        stats(s++, 0);
        stats(s++, UINT64_MAX);
        disconnect(s++, LEAVE_REASON_UNSPECIFIED, "");
        disconnect(s++, 255, text_max);
        check_begin(s++, 0, 0, 1, LP_CONTROL_MTU_MIN);
        check_begin(s++, UINT16_MAX, 0xFF, UINT16_MAX, LP_CONTROL_MTU_MAX);
        check_report(s++, 0, 0, 0);
        check_report(s++, UINT16_MAX, _CHECK_PROBE_ALL, LP_CONTROL_MTU_MAX);
        check_result(s++, 0, CHECK_VERDICT_NOT_RUN, CHECK_VERDICT_NOT_RUN, CHECK_VERDICT_NOT_RUN,
                     CHECK_VERDICT_NOT_RUN);
        check_result(s++, 9, CHECK_VERDICT_PASS, CHECK_VERDICT_FAIL, CHECK_VERDICT_PASS, CHECK_VERDICT_FAIL);
        n_samples = (size_t) (s - samples);
        CHECK(n_samples <= ELEMENTSOF(samples));
}

static size_t encode_ok(const ControlMessage *m, uint8_t *buf, size_t size) {
        int n = control_encode(m, buf, size);
        CHECK(n > 0);
        return (size_t) n;
}

static void expect_decode_error(const uint8_t *buf, size_t len, ControlError expected) {
        ControlMessage m;
        ControlError e = _CONTROL_ERROR_INVALID;

        CHECK_EQ_INT(control_decode(buf, len, &m, &e), -EBADMSG);
        if (e != expected)
                fprintf(stderr, "got %s, expected %s\n", control_error_to_string(e),
                        control_error_to_string(expected));
        CHECK_EQ_INT(e, expected);
        CHECK_EQ_INT(control_decode(buf, len, &m, NULL), -EBADMSG);
}

/* Frames a hand-written body: u16 length, type, body. */
static size_t frame(uint8_t *out, uint8_t type, const uint8_t *body, size_t body_len) {
        out[0] = (uint8_t) ((body_len + 1) >> 8);
        out[1] = (uint8_t) (body_len + 1);
        out[2] = type;
        if (body_len > 0)
                memcpy(out + 3, body, body_len);
        return 3 + body_len;
}

#define FRAME(out, type, ...) \
        frame(out, type, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* Encodes m, lets `mutate` patch the wire form, and expects `expected`. */
static void expect_wire_error(const ControlMessage *m, size_t offset, uint8_t value, ControlError expected) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        size_t n = encode_ok(m, buf, sizeof(buf));

        CHECK(offset < n);
        buf[offset] = value;
        expect_decode_error(buf, n, expected);
}

/* ---- hostile inputs ---- */

static void test_bad_length(void) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX + 8] = { 0 };
        ControlReader r;
        ControlMessage m;

        /* length 0 */
        expect_decode_error((const uint8_t[]){ 0x00, 0x00 }, 2, CONTROL_ERROR_BAD_LENGTH);
        expect_decode_error((const uint8_t[]){ 0x00, 0x00, 0x02 }, 3, CONTROL_ERROR_BAD_LENGTH);
        /* length 1025 with all 1025 bytes present */
        buf[0] = 0x04;
        buf[1] = 0x01;
        buf[2] = CONTROL_TYPE_WELCOME;
        expect_decode_error(buf, 2 + 1025, CONTROL_ERROR_BAD_LENGTH);
        /* length 0xFFFF */
        buf[0] = buf[1] = 0xFF;
        expect_decode_error(buf, sizeof(buf), CONTROL_ERROR_BAD_LENGTH);

        /* The reader fails on the length alone, without waiting for a body. */
        control_reader_init(&r);
        CHECK_EQ_INT(control_reader_feed(&r, (const uint8_t[]){ 0x04 }, 1), 1);
        CHECK_EQ_INT(control_reader_next(&r, &m), 0);
        CHECK_EQ_INT(control_reader_feed(&r, (const uint8_t[]){ 0x01 }, 1), 1);
        CHECK_EQ_INT(control_reader_next(&r, &m), -EBADMSG);
        CHECK_EQ_INT(r.error, CONTROL_ERROR_BAD_LENGTH);

        control_reader_init(&r);
        CHECK_EQ_INT(control_reader_feed(&r, (const uint8_t[]){ 0x00, 0x00, 0x01 }, 3), 3);
        CHECK_EQ_INT(control_reader_next(&r, &m), -EBADMSG);
        CHECK(r.broken);
        CHECK_EQ_INT(r.error, CONTROL_ERROR_BAD_LENGTH);
        /* Sticky; everything fed later is swallowed. */
        CHECK_EQ_INT(control_reader_next(&r, &m), -EBADMSG);
        CHECK_EQ_INT(control_reader_feed(&r, buf, sizeof(buf)), sizeof(buf));
        CHECK_EQ_INT(control_reader_next(&r, &m), -EBADMSG);
        CHECK_EQ_INT(control_reader_pending(&r), 0);
}

/* Every prefix of every sample is truncated, both as a buffer shorter than
 * its length field and with a length field that agrees with the cut body. */
static void test_truncation_every_length(void) {
        for (size_t i = 0; i < n_samples; i++) {
                uint8_t buf[LP_CONTROL_MESSAGE_MAX], cut[LP_CONTROL_MESSAGE_MAX];
                size_t n = encode_ok(&samples[i], buf, sizeof(buf));

                for (size_t len = 0; len < n; len++) {
                        ControlReader r;
                        ControlMessage m;

                        expect_decode_error(buf, len, CONTROL_ERROR_TRUNCATED);

                        control_reader_init(&r);
                        CHECK_EQ_INT(control_reader_feed(&r, buf, len), len);
                        CHECK_EQ_INT(control_reader_next(&r, &m), 0);
                        CHECK_EQ_INT(control_reader_pending(&r), len);
                }

                for (size_t body = 0; body + 3 < n; body++) {
                        size_t k = frame(cut, buf[2], buf + 3, body);
                        expect_decode_error(cut, k, CONTROL_ERROR_TRUNCATED);
                }
        }
}

static void test_lying_string_lengths(void) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        size_t n;

        /* REJECT text claims 5 bytes, 4 present. */
        n = FRAME(buf, CONTROL_TYPE_REJECT, 3, 5, 'a', 'b', 'c', 'd');
        expect_decode_error(buf, n, CONTROL_ERROR_TRUNCATED);
        /* DISCONNECT text claims 255, none present. */
        n = FRAME(buf, CONTROL_TYPE_DISCONNECT, 1, 255);
        expect_decode_error(buf, n, CONTROL_ERROR_TRUNCATED);
        /* PEER_JOINED name claims 1 byte past the end. */
        n = FRAME(buf, CONTROL_TYPE_PEER_JOINED, 0, 1, 1, 2, 0, 0, 0, 0, 1, 1);
        expect_decode_error(buf, n, CONTROL_ERROR_TRUNCATED);
        /* HELLO room claims 200 bytes. */
        n = FRAME(buf, CONTROL_TYPE_HELLO, LP_CONTROL_PROTOCOL_VERSION, 1, 200, 'a', 'b');
        expect_decode_error(buf, n, CONTROL_ERROR_TRUNCATED);

        /* Lengths that fit the message but exceed a field's cap. */
        {
                uint8_t body[2 + 255];
                body[0] = 1;
                body[1] = LP_CONTROL_TEXT_MAX + 1;
                memset(body + 2, 'x', LP_CONTROL_TEXT_MAX + 1);
                n = frame(buf, CONTROL_TYPE_REJECT, body, 2 + LP_CONTROL_TEXT_MAX + 1);
                expect_decode_error(buf, n, CONTROL_ERROR_TEXT_TOO_LONG);
                body[1] = 255;
                memset(body + 2, 'x', 255);
                n = frame(buf, CONTROL_TYPE_DISCONNECT, body, 2 + 255);
                expect_decode_error(buf, n, CONTROL_ERROR_TEXT_TOO_LONG);
        }
        {
                uint8_t body[10 + LP_CONTROL_NAME_MAX + 1] = { 0, 1, PEER_ROLE_CLIENT, 2, 0, 0, 0, 0, 1,
                                                                LP_CONTROL_NAME_MAX + 1 };
                memset(body + 10, 'x', LP_CONTROL_NAME_MAX + 1);
                n = frame(buf, CONTROL_TYPE_PEER_JOINED, body, sizeof(body));
                expect_decode_error(buf, n, CONTROL_ERROR_TEXT_TOO_LONG);
        }
}

/* Offsets into the HELLO of hello_client_min(): version 0, role 1, room
 * length 2, room 3, MAC 4..9, max datagram size 10..11, name length 12,
 * auth length 13, auth 14..45, gateway token length 46. Add 3 for the
 * frame header. */
#define H 3

static void test_hello_hostile(void) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        ControlMessage m, good;
        size_t n;

        hello_client_min(&good);
        n = encode_ok(&good, buf, sizeof(buf));
        CHECK_EQ_INT(n, H + 47);
        CHECK_EQ_INT(buf[H + 13], LP_CONTROL_AUTH_SIZE);

        /* Another version is bad_version however the rest looks, even when
         * there is no rest. */
        expect_wire_error(&good, H + 0, 0, CONTROL_ERROR_BAD_VERSION);
        expect_wire_error(&good, H + 0, 1, CONTROL_ERROR_BAD_VERSION);
        expect_wire_error(&good, H + 0, 3, CONTROL_ERROR_BAD_VERSION);
        expect_wire_error(&good, H + 0, 255, CONTROL_ERROR_BAD_VERSION);
        n = FRAME(buf, CONTROL_TYPE_HELLO, 3);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_VERSION);
        n = FRAME(buf, CONTROL_TYPE_HELLO, 3, 0xFF, 0xFF, 0xFF);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_VERSION);
        /* A whole version 1 HELLO (before auth_key was bound to the relay):
         * refused, and the version it had is there to say "update". */
        {
                ControlReader r;
                ControlError e;

                n = encode_ok(&good, buf, sizeof(buf));
                buf[H + 0] = 1;
                CHECK_EQ_INT(control_decode(buf, n, &m, &e), -EBADMSG);
                CHECK_EQ_INT(e, CONTROL_ERROR_BAD_VERSION);
                CHECK_EQ_INT(m.type, CONTROL_TYPE_HELLO);
                CHECK_EQ_INT(m.hello.version, 1);
                control_reader_init(&r);
                CHECK_EQ_INT(control_reader_feed(&r, buf, n), n);
                CHECK_EQ_INT(control_reader_next(&r, &m), -EBADMSG);
                CHECK_EQ_INT(r.error, CONTROL_ERROR_BAD_VERSION);
                CHECK_EQ_INT(m.hello.version, 1);
        }

        expect_wire_error(&good, H + 1, 0, CONTROL_ERROR_BAD_ROLE);
        expect_wire_error(&good, H + 1, 3, CONTROL_ERROR_BAD_ROLE);
        expect_wire_error(&good, H + 1, 255, CONTROL_ERROR_BAD_ROLE);

        expect_wire_error(&good, H + 3, ' ', CONTROL_ERROR_BAD_ROOM);
        expect_wire_error(&good, H + 3, '/', CONTROL_ERROR_BAD_ROOM);
        expect_wire_error(&good, H + 3, 0, CONTROL_ERROR_BAD_ROOM);
        expect_wire_error(&good, H + 3, 0xC3, CONTROL_ERROR_BAD_ROOM);

        /* MAC: multicast, broadcast, zero, and for a client a global one. */
        expect_wire_error(&good, H + 4, 0x03, CONTROL_ERROR_BAD_MAC);
        expect_wire_error(&good, H + 4, 0x01, CONTROL_ERROR_BAD_MAC);
        expect_wire_error(&good, H + 4, 0x00, CONTROL_ERROR_BAD_MAC);
        m = good;
        memset(m.hello.mac.bytes, 0xFF, LP_MAC_LEN);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        memset(m.hello.mac.bytes, 0, LP_MAC_LEN);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);

        /* Budget: 593 is one short of LP_DATAGRAM_MIN_BUDGET (594 = 0x252). */
        expect_wire_error(&good, H + 11, 0x51, CONTROL_ERROR_DATAGRAM_TOO_SMALL);
        expect_wire_error(&good, H + 10, 0x00, CONTROL_ERROR_DATAGRAM_TOO_SMALL);

        /* Auth must be exactly 32 bytes: 31 is one short, and then the token
         * length lands inside it. */
        hello_client_min(&m);
        m.hello.auth_len = 31;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.hello.auth_len = 0;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.hello.auth_len = 33;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.hello.auth_len = SIZE_MAX;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        {
                uint8_t body[64] = { LP_CONTROL_PROTOCOL_VERSION, PEER_ROLE_CLIENT, 1, 'r', 2, 0, 0, 0, 0, 1, 0x05, 0x80, 0, 31 };
                /* 14 + 31 auth bytes + empty token */
                n = frame(buf, CONTROL_TYPE_HELLO, body, 14 + 31 + 1);
                expect_decode_error(buf, n, CONTROL_ERROR_BAD_AUTH);
                body[13] = 33;
                n = frame(buf, CONTROL_TYPE_HELLO, body, 14 + 33 + 1);
                expect_decode_error(buf, n, CONTROL_ERROR_BAD_AUTH);
                body[13] = 0;
                n = frame(buf, CONTROL_TYPE_HELLO, body, 14 + 1);
                expect_decode_error(buf, n, CONTROL_ERROR_BAD_AUTH);
        }

        /* Gateway token: a client must not send one, a gateway must. */
        {
                uint8_t wire[LP_CONTROL_MESSAGE_MAX];
                size_t k = encode_ok(&good, wire, sizeof(wire));
                /* Append a 1-byte token to the client HELLO by hand. */
                wire[H + 46] = 1;
                wire[k] = 'x';
                be16_store(wire, (uint16_t) (be16_load(wire) + 1));
                expect_decode_error(wire, k + 1, CONTROL_ERROR_BAD_GATEWAY_TOKEN);
        }
        m = good;
        m.hello.gateway_token_len = 1;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.hello.role = PEER_ROLE_GATEWAY;
        m.hello.gateway_token_len = 0;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.hello.gateway_token_len = LP_CONTROL_GATEWAY_TOKEN_MAX + 1;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        hello_gateway_min(&m);
        n = encode_ok(&m, buf, sizeof(buf));
        buf[H + 46] = 0; /* token length 0, one byte left over */
        expect_decode_error(buf, n, CONTROL_ERROR_TRAILING_BYTES);
        be16_store(buf, (uint16_t) (be16_load(buf) - 1));
        expect_decode_error(buf, n - 1, CONTROL_ERROR_BAD_GATEWAY_TOKEN);
        {
                uint8_t body[47 + 129] = { LP_CONTROL_PROTOCOL_VERSION, PEER_ROLE_GATEWAY, 1, 'r', 0, 1, 2, 3, 4, 5, 0x05, 0x80, 0, 32 };
                body[46] = 129;
                n = frame(buf, CONTROL_TYPE_HELLO, body, sizeof(body));
                expect_decode_error(buf, n, CONTROL_ERROR_BAD_GATEWAY_TOKEN);
        }

        /* Room: empty and 33 characters. */
        {
                uint8_t body[64] = { LP_CONTROL_PROTOCOL_VERSION, PEER_ROLE_CLIENT, 0, 2, 0, 0, 0, 0, 1, 0x05, 0x80, 0, 32 };
                n = frame(buf, CONTROL_TYPE_HELLO, body, 13 + 32 + 1);
                expect_decode_error(buf, n, CONTROL_ERROR_BAD_ROOM);
        }
        m = good;
        memset(m.hello.room, 'a', LP_ROOM_NAME_MAX + 1);
        m.hello.room_len = LP_ROOM_NAME_MAX + 1;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        {
                uint8_t body[128] = { LP_CONTROL_PROTOCOL_VERSION, PEER_ROLE_CLIENT, 33 };
                memset(body + 3, 'a', 33);
                memcpy(body + 36, (const uint8_t[]){ 2, 0, 0, 0, 0, 1, 0x05, 0x80, 0, 32 }, 10);
                n = frame(buf, CONTROL_TYPE_HELLO, body, 36 + 10 + 32 + 1);
                expect_decode_error(buf, n, CONTROL_ERROR_BAD_ROOM);
        }

        /* A name with a control character or broken UTF-8. */
        m = good;
        set_text(m.hello.name, &m.hello.name_len, "a\tb");
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.hello.name_len = LP_CONTROL_NAME_MAX + 1;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.hello.name_len = SIZE_MAX;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
}

static void test_other_types_hostile(void) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        ControlMessage m;
        size_t n;

        /* WELCOME: peer id 0, MTU out of range, gateway flag not 0/1. */
        n = FRAME(buf, CONTROL_TYPE_WELCOME, 0, 0, 0x05, 0x6E, 1);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_PEER_ID);
        n = FRAME(buf, CONTROL_TYPE_WELCOME, 0, 1, 0x02, 0x3F, 1); /* 575 */
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_MTU);
        n = FRAME(buf, CONTROL_TYPE_WELCOME, 0, 1, 0x05, 0xDD, 1); /* 1501 */
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_MTU);
        n = FRAME(buf, CONTROL_TYPE_WELCOME, 0, 1, 0x05, 0x6E, 2);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_FLAG);
        n = FRAME(buf, CONTROL_TYPE_WELCOME, 0, 1, 0x05, 0x6E, 0xFF);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_FLAG);
        welcome(&m, 0, 1390, false);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        welcome(&m, 1, 575, false);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        welcome(&m, 1, 1501, false);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);

        /* REJECT: codes outside the table. */
        n = FRAME(buf, CONTROL_TYPE_REJECT, 0, 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_REASON);
        n = FRAME(buf, CONTROL_TYPE_REJECT, 13, 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_REASON);
        n = FRAME(buf, CONTROL_TYPE_REJECT, 255, 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_REASON);
        reject(&m, 0, "");
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        reject(&m, _REJECT_REASON_MAX, "");
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        reject(&m, REJECT_REASON_ROOM_FULL, "");
        m.reject.text_len = LP_CONTROL_TEXT_MAX + 1;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);

        /* PEER_JOINED / PEER_LEFT: peer id 0, role, MAC. */
        n = FRAME(buf, CONTROL_TYPE_PEER_JOINED, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_PEER_ID);
        n = FRAME(buf, CONTROL_TYPE_PEER_JOINED, 0, 1, 3, 2, 0, 0, 0, 0, 1, 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_ROLE);
        n = FRAME(buf, CONTROL_TYPE_PEER_JOINED, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_MAC); /* client, global */
        n = FRAME(buf, CONTROL_TYPE_PEER_JOINED, 0, 1, 2, 0, 0, 0, 0, 0, 1, 0);
        CHECK_EQ_INT(control_decode(buf, n, &m, NULL), 1); /* gateway, global */
        n = FRAME(buf, CONTROL_TYPE_PEER_JOINED, 0, 1, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_MAC);
        n = FRAME(buf, CONTROL_TYPE_PEER_JOINED, 0, 1, 1, 2, 0, 0, 0, 0, 1, 1, 0x7F);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_TEXT);
        n = FRAME(buf, CONTROL_TYPE_PEER_LEFT, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_PEER_ID);
        n = FRAME(buf, CONTROL_TYPE_PEER_LEFT, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_ROLE);
        n = FRAME(buf, CONTROL_TYPE_PEER_LEFT, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_MAC);
        peer_left(&m, 1, PEER_ROLE_CLIENT, 256);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        peer_left(&m, 1, PEER_ROLE_CLIENT, -1);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        peer_joined(&m, 1, 0, "");
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);

        /* STATS: count below 5, count/body mismatch. */
        for (uint8_t count = 0; count < LP_CONTROL_STATS_MIN; count++) {
                uint8_t body[1 + 8 * 5] = { count };
                n = frame(buf, CONTROL_TYPE_STATS, body, 1 + 8 * (size_t) count);
                expect_decode_error(buf, n, CONTROL_ERROR_BAD_STATS_COUNT);
                n = frame(buf, CONTROL_TYPE_STATS, body, sizeof(body));
                expect_decode_error(buf, n, CONTROL_ERROR_BAD_STATS_COUNT);
        }
        {
                uint8_t body[1 + 8 * 127] = { 6 };
                n = frame(buf, CONTROL_TYPE_STATS, body, 1 + 8 * 5); /* says 6, has 5 */
                expect_decode_error(buf, n, CONTROL_ERROR_TRUNCATED);
                n = frame(buf, CONTROL_TYPE_STATS, body, 1 + 8 * 7); /* says 6, has 7 */
                expect_decode_error(buf, n, CONTROL_ERROR_TRAILING_BYTES);
                n = frame(buf, CONTROL_TYPE_STATS, body, 1 + 8 * 6 + 3);
                expect_decode_error(buf, n, CONTROL_ERROR_TRAILING_BYTES);
                body[0] = 255; /* cannot fit in LP_CONTROL_MAX at all */
                n = frame(buf, CONTROL_TYPE_STATS, body, sizeof(body));
                expect_decode_error(buf, n, CONTROL_ERROR_TRUNCATED);
        }

        /* DISCONNECT: bad text; reason beyond u8 refused by the encoder. */
        n = FRAME(buf, CONTROL_TYPE_DISCONNECT, 1, 2, 'a', 0);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_TEXT);
        n = FRAME(buf, CONTROL_TYPE_DISCONNECT, 1, 2, 0xC0, 0x80);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_TEXT);
        disconnect(&m, 1000, "");
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        disconnect(&m, 1, "x");
        m.disconnect.text_len = SIZE_MAX;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);

        /* Types we do not have a codec for cannot be encoded. */
        msg_init(&m, 0);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        msg_init(&m, _CONTROL_TYPE_MAX);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        msg_init(&m, _CONTROL_TYPE_INVALID);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);

        /* Bad arguments. */
        CHECK_EQ_INT(control_encode(NULL, buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(control_decode(NULL, 5, &m, NULL), -EINVAL);
        CHECK_EQ_INT(control_decode(buf, n, NULL, NULL), -EINVAL);
        expect_decode_error(NULL, 0, CONTROL_ERROR_TRUNCATED);
}

/* One byte appended inside the length field, for every type, and bytes past
 * the length field in a one-shot decode. */
static void test_trailing_bytes(void) {
        for (size_t i = 0; i < n_samples; i++) {
                uint8_t buf[LP_CONTROL_MESSAGE_MAX + 1];
                size_t n = encode_ok(&samples[i], buf, sizeof(buf));

                buf[n] = 0;
                expect_decode_error(buf, n + 1, CONTROL_ERROR_TRAILING_BYTES);
                be16_store(buf, (uint16_t) (be16_load(buf) + 1));
                expect_decode_error(buf, n + 1, CONTROL_ERROR_TRAILING_BYTES);
        }
}

static void test_utf8(void) {
        static const char *const bad[] = {
                "\x80",             /* stray continuation */
                "a\xBF",
                "\xC0\x80",         /* overlong NUL */
                "\xC1\xBF",         /* overlong 0x7F */
                "\xE0\x80\x80",     /* overlong */
                "\xE0\x9F\xBF",     /* overlong U+07FF */
                "\xED\xA0\x80",     /* U+D800 surrogate */
                "\xED\xBF\xBF",     /* U+DFFF surrogate */
                "\xF0\x80\x80\x80", /* overlong */
                "\xF0\x8F\xBF\xBF", /* overlong U+FFFF */
                "\xF4\x90\x80\x80", /* U+110000 */
                "\xF5\x80\x80\x80",
                "\xF8\x88\x80\x80\x80",
                "\xFE",
                "\xFF",
                "\xC3",             /* truncated at the end */
                "\xE2\x82",
                "\xF0\x9D\x84",
                "\xC3(",            /* bad continuation */
                "\xE2\x28\xA1",
                "\xE2\x82\x28",
                "\xF0\x9D\x28\x9E",
                "\xF0\x9D\x84\x28",
        };
        static const char *const good[] = {
                "",
                "plain ASCII",
                "\xC2\x80",         /* U+0080 */
                "\xC3\xA9",         /* e acute */
                "\xDF\xBF",         /* U+07FF */
                "\xE0\xA0\x80",     /* U+0800 */
                "\xE2\x82\xAC",     /* euro */
                "\xED\x9F\xBF",     /* U+D7FF */
                "\xEE\x80\x80",     /* U+E000 */
                "\xEF\xBF\xBF",     /* U+FFFF */
                "\xF0\x90\x80\x80", /* U+10000 */
                "\xF0\x9D\x84\x9E", /* G clef */
                "\xF4\x8F\xBF\xBF", /* U+10FFFF */
        };
        static const char *const controls[] = { "\t", "a\nb", "\r", "\x1F", "\x7F", "x\x01" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint8_t buf[LP_CONTROL_MESSAGE_MAX];
                ControlMessage m;
                size_t n;

                CHECK(!utf8_is_valid(bad[i], strlen(bad[i])));
                CHECK(!control_text_is_valid(bad[i], strlen(bad[i])));
                reject(&m, REJECT_REASON_MALFORMED, bad[i]);
                CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);

                n = frame(buf, CONTROL_TYPE_REJECT, (const uint8_t[]){ 1, (uint8_t) strlen(bad[i]) }, 2);
                memcpy(buf + n, bad[i], strlen(bad[i]));
                be16_store(buf, (uint16_t) (be16_load(buf) + strlen(bad[i])));
                expect_decode_error(buf, n + strlen(bad[i]), CONTROL_ERROR_BAD_TEXT);
        }
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                uint8_t buf[LP_CONTROL_MESSAGE_MAX];
                ControlMessage m, d;
                size_t n;

                CHECK(utf8_is_valid(good[i], strlen(good[i])));
                CHECK(control_text_is_valid(good[i], strlen(good[i])));
                disconnect(&m, LEAVE_REASON_QUIT, good[i]);
                n = encode_ok(&m, buf, sizeof(buf));
                CHECK_EQ_INT(control_decode(buf, n, &d, NULL), 1);
                CHECK_MEM(&d, &m, sizeof(m));
        }
        for (size_t i = 0; i < ELEMENTSOF(controls); i++) {
                CHECK(utf8_is_valid(controls[i], strlen(controls[i])));
                CHECK(!control_text_is_valid(controls[i], strlen(controls[i])));
        }
        /* NUL inside the length: valid UTF-8, not valid text. */
        CHECK(utf8_is_valid("a\0b", 3));
        CHECK(!control_text_is_valid("a\0b", 3));
        /* Only `len` bytes count: a valid prefix of a broken string. */
        CHECK(utf8_is_valid("ab\xFF", 2));
        CHECK(!utf8_is_valid("\xE2\x82\xAC", 2));
        CHECK(utf8_is_valid(NULL, 0));
        CHECK(!utf8_is_valid(NULL, 1));
}

static void test_encode_buffer_too_small(void) {
        for (size_t i = 0; i < n_samples; i++) {
                uint8_t buf[LP_CONTROL_MESSAGE_MAX];
                size_t n = encode_ok(&samples[i], buf, sizeof(buf));

                for (size_t size = 0; size < n; size++) {
                        uint8_t small[LP_CONTROL_MESSAGE_MAX];
                        CHECK_EQ_INT(control_encode(&samples[i], small, size), -ENOBUFS);
                }
                CHECK_EQ_INT(control_encode(&samples[i], NULL, 0), -ENOBUFS);
                CHECK_EQ_INT(control_encode(&samples[i], buf, n), n);
        }
}

/* ---- well-formed input ---- */

static void test_round_trip_all(void) {
        for (size_t i = 0; i < n_samples; i++) {
                uint8_t buf[LP_CONTROL_MESSAGE_MAX], again[LP_CONTROL_MESSAGE_MAX];
                ControlMessage d;
                ControlError e = _CONTROL_ERROR_INVALID;
                size_t n = encode_ok(&samples[i], buf, sizeof(buf));

                CHECK_EQ_INT(be16_load(buf), n - 2);
                CHECK_EQ_INT(buf[2], samples[i].type);
                CHECK_EQ_INT(control_decode(buf, n, &d, &e), 1);
                CHECK_EQ_INT(e, _CONTROL_ERROR_INVALID); /* untouched on success */
                CHECK_MEM(&d, &samples[i], sizeof(d));
                /* Canonical: re-encoding gives the same bytes. */
                CHECK_EQ_INT(control_encode(&d, again, sizeof(again)), n);
                CHECK_MEM(again, buf, n);
        }

        /* Max HELLO: length field 271 (type + 270 bytes of body), every
         * field at its cap. */
        {
                uint8_t buf[LP_CONTROL_MESSAGE_MAX];
                ControlMessage m;
                hello_gateway_max(&m);
                CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), 2 + 271);
        }
}

static void test_golden_bytes(void) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        ControlMessage m, d;
        size_t n;

        /* HELLO as PROTOCOL.md lays it out. */
        msg_init(&m, CONTROL_TYPE_HELLO);
        m.hello.version = 2;
        m.hello.role = PEER_ROLE_CLIENT;
        set_text(m.hello.room, &m.hello.room_len, "lan");
        m.hello.mac = (MacAddr) { { 0x02, 0, 0, 0, 0, 0x01 } };
        m.hello.max_datagram_size = 1408;
        set_text(m.hello.name, &m.hello.name_len, "bob");
        for (size_t i = 0; i < 32; i++)
                m.hello.auth[i] = (uint8_t) (0xA0 + i);
        m.hello.auth_len = 32;
        {
                uint8_t expected[2 + 53] = {
                        0x00, 0x35, 0x01, 0x02, 0x01, 0x03, 'l', 'a', 'n', 0x02, 0x00, 0x00, 0x00, 0x00,
                        0x01, 0x05, 0x80, 0x03, 'b', 'o', 'b', 0x20,
                };
                for (size_t i = 0; i < 32; i++)
                        expected[22 + i] = (uint8_t) (0xA0 + i);
                expected[54] = 0x00;
                n = encode_ok(&m, buf, sizeof(buf));
                CHECK_EQ_INT(n, sizeof(expected));
                CHECK_MEM(buf, expected, n);
                CHECK_EQ_INT(control_decode(expected, sizeof(expected), &d, NULL), 1);
                CHECK_MEM(&d, &m, sizeof(m));
                CHECK_EQ_STR(d.hello.room, "lan");
                CHECK_EQ_STR(d.hello.name, "bob");
        }

        welcome(&m, 0x0102, 1390, true);
        n = encode_ok(&m, buf, sizeof(buf));
        CHECK_EQ_INT(n, 8);
        CHECK_MEM(buf, ((const uint8_t[]){ 0x00, 0x06, 0x02, 0x01, 0x02, 0x05, 0x6E, 0x01 }), n);

        reject(&m, REJECT_REASON_AUTH_FAILED, "no");
        n = encode_ok(&m, buf, sizeof(buf));
        CHECK_EQ_INT(n, 7);
        CHECK_MEM(buf, ((const uint8_t[]){ 0x00, 0x05, 0x03, 0x03, 0x02, 'n', 'o' }), n);

        peer_joined(&m, 7, PEER_ROLE_GATEWAY, "");
        n = encode_ok(&m, buf, sizeof(buf));
        CHECK_EQ_INT(n, 13);
        CHECK_MEM(buf, ((const uint8_t[]){ 0x00, 0x0B, 0x04, 0x00, 0x07, 0x02, 0x00, 0x11, 0x22, 0x33, 0x44,
                                           0x55, 0x00 }),
                  n);

        peer_left(&m, 7, PEER_ROLE_CLIENT, LEAVE_REASON_TIMEOUT);
        n = encode_ok(&m, buf, sizeof(buf));
        CHECK_EQ_INT(n, 13);
        CHECK_MEM(buf, ((const uint8_t[]){ 0x00, 0x0B, 0x05, 0x00, 0x07, 0x01, 0x02, 0x00, 0x5E, 0x10, 0x20,
                                           0x30, 0x04 }),
                  n);

        msg_init(&m, CONTROL_TYPE_STATS);
        m.stats = (ControlStats) { 1, 2, 3, 4, UINT64_C(0x0102030405060708) };
        n = encode_ok(&m, buf, sizeof(buf));
        CHECK_EQ_INT(n, 2 + 42);
        CHECK_MEM(buf, ((const uint8_t[]){ 0x00, 0x2A, 0x06, 0x05, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                           2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4, 5,
                                           6, 7, 8 }),
                  n);

        disconnect(&m, LEAVE_REASON_QUIT, "bye");
        n = encode_ok(&m, buf, sizeof(buf));
        CHECK_EQ_INT(n, 8);
        CHECK_MEM(buf, ((const uint8_t[]){ 0x00, 0x06, 0x07, 0x01, 0x03, 'b', 'y', 'e' }), n);

        check_begin(&m, 0x0102, 0xAB, 47474, 1344);
        n = encode_ok(&m, buf, sizeof(buf));
        CHECK_EQ_INT(n, 3 + 22);
        CHECK_MEM(buf, ((const uint8_t[]){ 0x00, 0x17, 0x08, 0x01, 0x02, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB,
                                           0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xB9, 0x72, 0x05,
                                           0x40 }),
                  n);

        check_report(&m, 3, CHECK_PROBE_LIMITED_BROADCAST | CHECK_PROBE_GATEWAY_SENT, 1344);
        n = encode_ok(&m, buf, sizeof(buf));
        CHECK_EQ_INT(n, 3 + 21);
        CHECK_MEM(buf, ((const uint8_t[]){ 0x00, 0x16, 0x09, 0x00, 0x03, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                           12, 13, 14, 15, 0x09, 0x05, 0x40 }),
                  n);

        check_result(&m, 0, CHECK_VERDICT_PASS, CHECK_VERDICT_FAIL, CHECK_VERDICT_NOT_RUN, CHECK_VERDICT_PASS);
        n = encode_ok(&m, buf, sizeof(buf));
        CHECK_EQ_INT(n, 3 + 22);
        CHECK_MEM(buf + 21, ((const uint8_t[]){ 1, 2, 0, 1 }), 4);
        CHECK_MEM(buf, ((const uint8_t[]){ 0x00, 0x17, 0x0A, 0x00, 0x00 }), 5);
}

static void test_newer_peer_extensions(void) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        ControlMessage m;
        size_t n;

        /* STATS with counters we do not know: the first five are kept. */
        {
                uint8_t body[1 + 8 * 127] = { 127 };
                for (size_t i = 0; i < 127; i++)
                        body[1 + 8 * i + 7] = (uint8_t) (i + 1);
                n = frame(buf, CONTROL_TYPE_STATS, body, sizeof(body));
                CHECK_EQ_INT(n, 3 + 1 + 8 * 127);
                CHECK_EQ_INT(control_decode(buf, n, &m, NULL), 1);
                CHECK_EQ_INT(m.stats.rx_frames, 1);
                CHECK_EQ_INT(m.stats.dropped_frames, 5);
        }

        /* Leave reasons we do not know are carried and shown as unspecified. */
        n = FRAME(buf, CONTROL_TYPE_DISCONNECT, 200, 0);
        CHECK_EQ_INT(control_decode(buf, n, &m, NULL), 1);
        CHECK_EQ_INT(m.disconnect.reason, 200);
        CHECK_EQ_STR(leave_reason_to_string(m.disconnect.reason), "unspecified");

        /* Unknown types are well-formed and skippable, whatever the body. */
        n = FRAME(buf, 0, 0xFF);
        CHECK_EQ_INT(control_decode(buf, n, &m, NULL), 0);
        CHECK_EQ_INT(m.type, _CONTROL_TYPE_INVALID);
        n = frame(buf, _CONTROL_TYPE_MAX, NULL, 0);
        CHECK_EQ_INT(control_decode(buf, n, &m, NULL), 0);
        n = FRAME(buf, 255, 1, 2, 3);
        CHECK_EQ_INT(control_decode(buf, n, &m, NULL), 0);
        /* ... but still framed: a bad length or a short buffer is not. */
        expect_decode_error(buf, n - 1, CONTROL_ERROR_TRUNCATED);
}

static void test_check_hostile(void) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        uint8_t body[32] = {};
        ControlMessage m;
        size_t n;

        /* CHECK_BEGIN: peer id, nonce, port, MTU; port 0 and MTUs out of range. */
        memcpy(body + 18, (const uint8_t[]){ 0x00, 0x00, 0x05, 0x40 }, 4);
        n = frame(buf, CONTROL_TYPE_CHECK_BEGIN, body, 22);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_PORT);
        memcpy(body + 18, (const uint8_t[]){ 0xB9, 0x72, 0x02, 0x3F }, 4); /* MTU 575 */
        n = frame(buf, CONTROL_TYPE_CHECK_BEGIN, body, 22);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_MTU);
        memcpy(body + 18, (const uint8_t[]){ 0xB9, 0x72, 0x05, 0xDD }, 4); /* MTU 1501 */
        n = frame(buf, CONTROL_TYPE_CHECK_BEGIN, body, 22);
        expect_decode_error(buf, n, CONTROL_ERROR_BAD_MTU);
        memcpy(body + 18, (const uint8_t[]){ 0xB9, 0x72, 0x05, 0x40 }, 4);
        n = frame(buf, CONTROL_TYPE_CHECK_BEGIN, body, 22);
        CHECK_EQ_INT(control_decode(buf, n, &m, NULL), 1);
        CHECK_EQ_INT(m.check_begin.udp_port, 0xB972);
        /* Oversize: a byte more is trailing, not ignored. */
        n = frame(buf, CONTROL_TYPE_CHECK_BEGIN, body, 23);
        expect_decode_error(buf, n, CONTROL_ERROR_TRAILING_BYTES);
        for (size_t len = 0; len < 22; len++) {
                n = frame(buf, CONTROL_TYPE_CHECK_BEGIN, body, len);
                expect_decode_error(buf, n, CONTROL_ERROR_TRUNCATED);
        }
        check_begin(&m, 1, 1, 0, 1344);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        check_begin(&m, 1, 1, 9, 575);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);

        /* CHECK_REPORT: unknown flag bits, probe sizes outside 0 or 28..1500. */
        check_report(&m, 1, 0, 0);
        expect_wire_error(&m, 3 + 18, 0x10, CONTROL_ERROR_BAD_FLAG);
        expect_wire_error(&m, 3 + 18, 0x80, CONTROL_ERROR_BAD_FLAG);
        expect_wire_error(&m, 3 + 20, 27, CONTROL_ERROR_BAD_SIZE);
        expect_wire_error(&m, 3 + 19, 0x06, CONTROL_ERROR_BAD_SIZE); /* 1536 */
        check_report(&m, 1, 0, 1500);
        expect_wire_error(&m, 3 + 20, 0xDD, CONTROL_ERROR_BAD_SIZE); /* 1501 */
        expect_wire_error(&m, 3 + 19, 0xFF, CONTROL_ERROR_BAD_SIZE);
        check_report(&m, 1, 0x10, 0);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        check_report(&m, 1, 0, 27);
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        check_report(&m, 1, 0, 28);
        CHECK(encode_ok(&m, buf, sizeof(buf)) == 3 + 21);

        /* CHECK_RESULT: verdicts outside the table, in every position. */
        check_result(&m, 1, CHECK_VERDICT_PASS, CHECK_VERDICT_PASS, CHECK_VERDICT_PASS, CHECK_VERDICT_PASS);
        for (size_t i = 0; i < LP_CHECK_STEPS; i++) {
                expect_wire_error(&m, 3 + 18 + i, 3, CONTROL_ERROR_BAD_VERDICT);
                expect_wire_error(&m, 3 + 18 + i, 0xFF, CONTROL_ERROR_BAD_VERDICT);
        }
        m.check_result.verdicts[2] = _CHECK_VERDICT_MAX;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.check_result.verdicts[2] = -1;
        CHECK_EQ_INT(control_encode(&m, buf, sizeof(buf)), -EINVAL);
}

/* ---- stream reader ---- */

/* Feeds `data` in chunks of `chunk` bytes the documented way and checks the
 * messages that come out against `expected`. Returns the reader's verdict. */
static int read_stream(const uint8_t *data, size_t size, size_t chunk, const ControlMessage *expected,
                       size_t n_expected, ControlReader *r) {
        size_t got = 0;
        int k = 0;

        control_reader_init(r);
        while (size > 0) {
                size_t take = MIN(chunk, size);
                while (take > 0) {
                        ControlMessage m;
                        size_t used = control_reader_feed(r, data, take);

                        data += used, size -= used, take -= used;
                        while ((k = control_reader_next(r, &m)) > 0) {
                                CHECK(got < n_expected);
                                CHECK_MEM(&m, &expected[got], sizeof(m));
                                got++;
                        }
                        if (k < 0)
                                return k;
                }
        }
        CHECK_EQ_INT(got, n_expected);
        return 0;
}

static size_t stream_build(uint8_t *out, size_t size, const ControlMessage *msgs, size_t n) {
        size_t off = 0;
        for (size_t i = 0; i < n; i++)
                off += encode_ok(&msgs[i], out + off, size - off);
        return off;
}

static void test_reader_unknown_between_known(void) {
        static uint8_t stream[4 * LP_CONTROL_MESSAGE_MAX];
        ControlMessage expected[2];
        ControlReader r;
        size_t off = 0;

        welcome(&expected[0], 9, 1390, true);
        peer_left(&expected[1], 3, PEER_ROLE_CLIENT, LEAVE_REASON_KICKED);

        off += encode_ok(&expected[0], stream + off, sizeof(stream) - off);
        off += FRAME(stream + off, 0, 1, 2);
        off += frame(stream + off, _CONTROL_TYPE_MAX, NULL, 0);
        /* The largest message there can be, of a type from the future whose
         * body looks like a HELLO length field, to make sure nothing in it is
         * interpreted. */
        stream[off] = 0x04;
        stream[off + 1] = 0x00;
        stream[off + 2] = 200;
        memset(stream + off + 3, 0xFF, LP_CONTROL_MAX - 1);
        off += LP_CONTROL_MESSAGE_MAX;
        off += encode_ok(&expected[1], stream + off, sizeof(stream) - off);

        static const size_t chunks[] = { 1, 2, 3, 7, 64, 1025, 1026, 1027, SIZE_MAX };
        for (size_t c = 0; c < ELEMENTSOF(chunks); c++) {
                CHECK_EQ_INT(read_stream(stream, off, chunks[c], expected, 2, &r), 0);
                CHECK_EQ_INT(r.n_skipped, 3);
                CHECK_EQ_INT(control_reader_pending(&r), 0);
        }
}

/* Skipping is not "need more": what follows in the buffer comes out in the
 * same call. */
static void test_reader_skip_then_known_in_one_feed(void) {
        uint8_t stream[64];
        ControlReader r;
        ControlMessage m, w;
        size_t off = 0;

        welcome(&w, 2, 1280, true);
        off += FRAME(stream + off, 0x80, 1, 2, 3);
        off += frame(stream + off, 0, NULL, 0);
        off += encode_ok(&w, stream + off, sizeof(stream) - off);
        off += FRAME(stream + off, 0x81);

        control_reader_init(&r);
        CHECK_EQ_INT(control_reader_feed(&r, stream, off), off);
        CHECK_EQ_INT(control_reader_next(&r, &m), 1);
        CHECK_MEM(&m, &w, sizeof(m));
        CHECK_EQ_INT(r.n_skipped, 2);
        CHECK_EQ_INT(control_reader_next(&r, &m), 0);
        CHECK_EQ_INT(r.n_skipped, 3);
        CHECK_EQ_INT(control_reader_pending(&r), 0);
}

static void test_reader_one_byte_at_a_time(void) {
        static uint8_t stream[32 * LP_CONTROL_MESSAGE_MAX];
        ControlReader r;
        ControlMessage m;
        size_t n = stream_build(stream, sizeof(stream), samples, n_samples), got = 0;

        control_reader_init(&r);
        for (size_t i = 0; i < n; i++) {
                int k;
                CHECK_EQ_INT(control_reader_feed(&r, stream + i, 1), 1);
                while ((k = control_reader_next(&r, &m)) > 0) {
                        CHECK(got < n_samples);
                        CHECK_MEM(&m, &samples[got], sizeof(m));
                        got++;
                }
                CHECK_EQ_INT(k, 0);
        }
        CHECK_EQ_INT(got, n_samples);
        CHECK_EQ_INT(control_reader_pending(&r), 0);
        CHECK_EQ_INT(control_reader_next(&r, &m), 0);
}

static void test_reader_many_in_one_chunk(void) {
        static ControlMessage many[300];
        static uint8_t stream[300 * LP_CONTROL_MESSAGE_MAX];
        ControlReader r;
        size_t n;

        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                memcpy(&many[i], &samples[i % n_samples], sizeof(many[i]));
        n = stream_build(stream, sizeof(stream), many, ELEMENTSOF(many));
        CHECK(n > 10 * LP_CONTROL_MESSAGE_MAX);

        CHECK_EQ_INT(read_stream(stream, n, SIZE_MAX, many, ELEMENTSOF(many), &r), 0);
        CHECK_EQ_INT(read_stream(stream, n, 5000, many, ELEMENTSOF(many), &r), 0);
        CHECK_EQ_INT(read_stream(stream, n, 13, many, ELEMENTSOF(many), &r), 0);
        CHECK_EQ_INT(r.n_skipped, 0);
}

static void test_reader_error_mid_stream(void) {
        static uint8_t stream[4 * LP_CONTROL_MESSAGE_MAX];
        ControlMessage expected[2];
        ControlReader r;
        size_t off = 0;

        welcome(&expected[0], 1, 1500, false);
        stats(&expected[1], 42);
        off += encode_ok(&expected[0], stream + off, sizeof(stream) - off);
        off += encode_ok(&expected[1], stream + off, sizeof(stream) - off);
        /* A known type with a malformed body, then a good message that must
         * never come out. */
        off += FRAME(stream + off, CONTROL_TYPE_WELCOME, 0, 0, 0x05, 0x6E, 0);
        off += encode_ok(&expected[0], stream + off, sizeof(stream) - off);

        static const size_t chunks[] = { 1, 5, 1000, SIZE_MAX };
        for (size_t c = 0; c < ELEMENTSOF(chunks); c++) {
                ControlMessage m;
                CHECK_EQ_INT(read_stream(stream, off, chunks[c], expected, 2, &r), -EBADMSG);
                CHECK_EQ_INT(r.error, CONTROL_ERROR_BAD_PEER_ID);
                CHECK_EQ_INT(control_reader_next(&r, &m), -EBADMSG);
        }

        /* A length that lies about a known type inside the stream. */
        off = encode_ok(&expected[0], stream, sizeof(stream));
        off += FRAME(stream + off, CONTROL_TYPE_WELCOME, 0, 1, 0x05, 0x6E, 0, 0);
        CHECK_EQ_INT(read_stream(stream, off, 3, expected, 1, &r), -EBADMSG);
        CHECK_EQ_INT(r.error, CONTROL_ERROR_TRAILING_BYTES);
}

static void test_reader_pending_and_args(void) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        ControlReader r;
        ControlMessage m;
        size_t n;

        control_reader_init(&r);
        CHECK(!r.broken);
        CHECK_EQ_INT(control_reader_pending(&r), 0);
        CHECK_EQ_INT(control_reader_next(&r, &m), 0);
        CHECK_EQ_INT(control_reader_feed(&r, NULL, 5), 0);
        CHECK_EQ_INT(control_reader_feed(NULL, buf, 5), 0);
        CHECK_EQ_INT(control_reader_next(NULL, &m), -EINVAL);
        CHECK_EQ_INT(control_reader_next(&r, NULL), -EINVAL);
        CHECK_EQ_INT(control_reader_pending(NULL), 0);

        /* The buffer takes at most one maximal message. */
        memset(buf, 0, sizeof(buf));
        buf[0] = 0x04;
        buf[2] = 99;
        {
                static uint8_t big[3 * LP_CONTROL_MESSAGE_MAX];
                memcpy(big, buf, sizeof(buf));
                CHECK_EQ_INT(control_reader_feed(&r, big, sizeof(big)), LP_CONTROL_MESSAGE_MAX);
                CHECK_EQ_INT(control_reader_feed(&r, big, sizeof(big)), 0);
                CHECK_EQ_INT(control_reader_next(&r, &m), 0); /* skipped, then need more */
                CHECK_EQ_INT(r.n_skipped, 1);
                CHECK_EQ_INT(control_reader_pending(&r), 0);
        }

        welcome(&m, 5, 1400, false);
        n = encode_ok(&m, buf, sizeof(buf));
        CHECK_EQ_INT(control_reader_feed(&r, buf, n - 1), n - 1);
        CHECK_EQ_INT(control_reader_pending(&r), n - 1);
        CHECK_EQ_INT(control_reader_next(&r, &m), 0);
        CHECK_EQ_INT(control_reader_feed(&r, buf + n - 1, 1), 1);
        CHECK_EQ_INT(control_reader_next(&r, &m), 1);
        CHECK_EQ_INT(m.welcome.peer_id, 5);
        CHECK_EQ_INT(control_reader_pending(&r), 0);

        /* A zeroed reader works without control_reader_init(). */
        {
                ControlReader z = { 0 };
                CHECK_EQ_INT(control_reader_feed(&z, buf, n), n);
                CHECK_EQ_INT(control_reader_next(&z, &m), 1);
                CHECK_EQ_INT(m.welcome.peer_id, 5);
        }
}

/* ---- names ---- */

static void test_names(void) {
        CHECK_EQ_STR(control_type_to_string(CONTROL_TYPE_HELLO), "hello");
        CHECK_EQ_STR(control_type_to_string(CONTROL_TYPE_PEER_JOINED), "peer_joined");
        CHECK_EQ_STR(control_type_to_string(CONTROL_TYPE_DISCONNECT), "disconnect");
        CHECK(!control_type_to_string(0));
        CHECK(!control_type_to_string(_CONTROL_TYPE_MAX));
        CHECK(!control_type_to_string(_CONTROL_TYPE_INVALID));
        for (int t = 1; t < _CONTROL_TYPE_MAX; t++)
                CHECK(control_type_to_string(t));

        CHECK_EQ_STR(peer_role_to_string(PEER_ROLE_CLIENT), "client");
        CHECK_EQ_STR(peer_role_to_string(PEER_ROLE_GATEWAY), "gateway");
        CHECK(!peer_role_to_string(0));
        CHECK(!peer_role_to_string(3));
        CHECK_EQ_INT(peer_role_from_string("gateway"), PEER_ROLE_GATEWAY);
        CHECK_EQ_INT(peer_role_from_string("Gateway"), _PEER_ROLE_INVALID);
        CHECK_EQ_INT(peer_role_from_string(NULL), _PEER_ROLE_INVALID);

        static const char *const reject_names[] = {
                NULL, "bad_version", "bad_room", "auth_failed", "room_full", "duplicate_mac",
                "gateway_present", "bad_gateway_token", "too_many_rooms", "datagram_too_small",
                "no_such_room", "malformed", "server_error",
        };
        CHECK_EQ_INT(ELEMENTSOF(reject_names), _REJECT_REASON_MAX);
        for (int i = 1; i < _REJECT_REASON_MAX; i++) {
                CHECK_EQ_STR(reject_reason_to_string(i), reject_names[i]);
                CHECK_EQ_INT(reject_reason_from_string(reject_names[i]), i);
        }
        CHECK(!reject_reason_to_string(0));
        CHECK(!reject_reason_to_string(13));
        CHECK(!reject_reason_to_string(-1));
        CHECK_EQ_INT(reject_reason_from_string(""), _REJECT_REASON_INVALID);
        CHECK_EQ_INT(reject_reason_from_string("quit"), _REJECT_REASON_INVALID);

        static const char *const leave_names[] = {
                "unspecified", "quit", "shutdown", "kicked", "timeout",
                "malformed", "room_closed", "replaced", "error",
        };
        CHECK_EQ_INT(ELEMENTSOF(leave_names), _LEAVE_REASON_MAX);
        for (int i = 0; i < _LEAVE_REASON_MAX; i++)
                CHECK_EQ_STR(leave_reason_to_string(i), leave_names[i]);
        CHECK_EQ_STR(leave_reason_to_string(9), "unspecified");
        CHECK_EQ_STR(leave_reason_to_string(255), "unspecified");
        CHECK_EQ_STR(leave_reason_to_string(-1), "unspecified");
        CHECK_EQ_STR(leave_reason_to_string(_LEAVE_REASON_INVALID), "unspecified");

        for (int i = 0; i < _CONTROL_ERROR_MAX; i++)
                CHECK(control_error_to_string(i));
        CHECK_EQ_STR(control_error_to_string(CONTROL_ERROR_BAD_LENGTH), "bad_length");
        CHECK_EQ_STR(control_error_to_string(CONTROL_ERROR_BAD_STATS_COUNT), "bad_stats_count");
        CHECK(!control_error_to_string(_CONTROL_ERROR_MAX));
        CHECK(!control_error_to_string(_CONTROL_ERROR_INVALID));

        CHECK_EQ_INT(control_error_to_reject_reason(CONTROL_ERROR_BAD_VERSION), REJECT_REASON_BAD_VERSION);
        CHECK_EQ_INT(control_error_to_reject_reason(CONTROL_ERROR_BAD_ROOM), REJECT_REASON_BAD_ROOM);
        CHECK_EQ_INT(control_error_to_reject_reason(CONTROL_ERROR_DATAGRAM_TOO_SMALL),
                     REJECT_REASON_DATAGRAM_TOO_SMALL);
        CHECK_EQ_INT(control_error_to_reject_reason(CONTROL_ERROR_TRUNCATED), REJECT_REASON_MALFORMED);
        CHECK_EQ_INT(control_error_to_reject_reason(CONTROL_ERROR_BAD_AUTH), REJECT_REASON_MALFORMED);
        CHECK_EQ_INT(control_error_to_reject_reason(_CONTROL_ERROR_INVALID), REJECT_REASON_MALFORMED);
}

int main(void) {
        samples_build();

        RUN(test_bad_length);
        RUN(test_truncation_every_length);
        RUN(test_lying_string_lengths);
        RUN(test_hello_hostile);
        RUN(test_other_types_hostile);
        RUN(test_check_hostile);
        RUN(test_trailing_bytes);
        RUN(test_utf8);
        RUN(test_encode_buffer_too_small);
        RUN(test_reader_error_mid_stream);
        RUN(test_round_trip_all);
        RUN(test_golden_bytes);
        RUN(test_newer_peer_extensions);
        RUN(test_reader_unknown_between_known);
        RUN(test_reader_skip_then_known_in_one_feed);
        RUN(test_reader_one_byte_at_a_time);
        RUN(test_reader_many_in_one_chunk);
        RUN(test_reader_pending_and_args);
        RUN(test_names);
        return 0;
}
