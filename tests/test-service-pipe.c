/* SPDX-License-Identifier: MIT */
/* The service pipe codec (src/common/service-pipe.c, docs/SERVICE-PIPE.md).
 * What any local program can write to \\.\pipe\lanparty first: frames that
 * lie about their length, types from the wrong side, a HELLO that is not
 * ours, links and texts with bytes the service must never see; then the
 * wire bytes of the document pinned, round trips of every message, the
 * stream reader, and the service's answer to HELLO. On Linux and under
 * wine. */
#include <errno.h>

#include "client-lights.h"
#include "client-status.h"
#include "control.h"
#include "host-port.h"
#include "invite.h"
#include "macro.h"
#include "service-pipe.h"
#include "test-util.h"

/* What the window shows must fit what the pipe carries, value for value. */
_Static_assert((int) SERVICE_PIPE_LIGHT_GREY == (int) CLIENT_LIGHT_GREY, "light colours differ");
_Static_assert((int) SERVICE_PIPE_LIGHT_GREEN == (int) CLIENT_LIGHT_GREEN, "light colours differ");
_Static_assert((int) SERVICE_PIPE_LIGHT_YELLOW == (int) CLIENT_LIGHT_YELLOW, "light colours differ");
_Static_assert((int) SERVICE_PIPE_LIGHT_RED == (int) CLIENT_LIGHT_RED, "light colours differ");
_Static_assert((int) _SERVICE_PIPE_LIGHT_COLOR_MAX == (int) _CLIENT_LIGHT_COLOR_MAX, "light colours differ");
_Static_assert(LP_SERVICE_PIPE_LIGHTS == _CLIENT_LIGHT_KIND_MAX, "number of lights differs");
_Static_assert(LP_SERVICE_PIPE_LIGHT_TEXT_MAX == CLIENT_LIGHT_TEXT_MAX - 1, "light text sizes differ");
_Static_assert(CLIENT_STATUS_LINE_MAX - 1 <= LP_SERVICE_PIPE_TEXT_MAX, "a status line does not fit LINE");
_Static_assert(LP_SERVICE_PIPE_RELAY_MAX == LP_INVITE_HOST_MAX, "relay host sizes differ");
_Static_assert(LP_INVITE_TEXT_MAX - 1 <= LP_SERVICE_PIPE_LINK_MAX, "an invite link does not fit JOIN");
/* The largest bodies (type byte included) fit the length field. */
_Static_assert(1 + LP_SERVICE_PIPE_TEXT_MAX + 1 <= LP_SERVICE_PIPE_MAX, "ENDED does not fit a frame");
_Static_assert(1 + LP_SERVICE_PIPE_LIGHTS * (2 + LP_SERVICE_PIPE_LIGHT_TEXT_MAX) <= LP_SERVICE_PIPE_MAX,
               "LIGHTS does not fit a frame");
_Static_assert(sizeof(LP_SERVICE_PIPE_MAGIC) - 1 == LP_SERVICE_PIPE_MAGIC_SIZE, "magic size");

/* ---- helpers ---- */

/* A frame with the right length field around `body`. */
static size_t frame(uint8_t *out, uint8_t type, const void *body, size_t n) {
        be16_store(out, (uint16_t) (n + 1));
        out[2] = type;
        if (n > 0)
                memcpy(out + 3, body, n);
        return n + 3;
}

static void expect_error(ServicePipeSender from, const uint8_t *buf, size_t len, ServicePipeError want) {
        ServicePipeMessage m;
        ServicePipeError e = _SERVICE_PIPE_ERROR_INVALID;
        int r = service_pipe_decode(from, buf, len, &m, &e);

        if (r != -EBADMSG || e != want)
                fprintf(stderr, "decode: %d %s, expected %s\n", r,
                        service_pipe_error_to_string(e) ? service_pipe_error_to_string(e) : "-",
                        service_pipe_error_to_string(want));
        CHECK_EQ_INT(r, -EBADMSG);
        CHECK_EQ_INT(e, want);
}

static void expect_body_error(ServicePipeSender from, uint8_t type, const void *body, size_t n,
                              ServicePipeError want) {
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX + 16];

        CHECK(n + 3 <= sizeof(buf));
        expect_error(from, buf, frame(buf, type, body, n), want);
}

static void msg_init(ServicePipeMessage *m, ServicePipeType type) {
        memset(m, 0, sizeof(*m));
        m->type = type;
}

static void set_text(char *dst, size_t *len, const char *s) {
        *len = strlen(s);
        memcpy(dst, s, *len + 1);
}

/* Encodes, decodes, compares; returns the wire length. */
static int round_trip(const ServicePipeMessage *m, uint8_t *buf) {
        ServicePipeMessage again;
        ServicePipeSender from = service_pipe_type_sender((uint8_t) m->type);
        int n = service_pipe_encode(m, buf, LP_SERVICE_PIPE_FRAME_MAX);

        CHECK(n > 0);
        CHECK_EQ_INT(be16_load(buf) + LP_SERVICE_PIPE_LENGTH_SIZE, n);
        CHECK_EQ_INT(service_pipe_decode(from, buf, (size_t) n, &again, NULL), 1);
        CHECK(memcmp(&again, m, sizeof(again)) == 0);
        /* The other side never sends it. */
        expect_error(from == SERVICE_PIPE_FROM_CLIENT ? SERVICE_PIPE_FROM_SERVICE : SERVICE_PIPE_FROM_CLIENT, buf,
                     (size_t) n, SERVICE_PIPE_ERROR_WRONG_DIRECTION);
        CHECK_EQ_INT(service_pipe_encode(m, buf, (size_t) n - 1), -ENOBUFS);
        return n;
}

static void lights_sample(ServicePipeMessage *m) {
        msg_init(m, SERVICE_PIPE_LIGHTS);
        m->lights.light[0].color = SERVICE_PIPE_LIGHT_GREEN;
        set_text(m->lights.light[0].text, &m->lights.light[0].text_len, "Relay: in the room (RTT 12 ms)");
        m->lights.light[1].color = SERVICE_PIPE_LIGHT_YELLOW;
        set_text(m->lights.light[1].text, &m->lights.light[1].text_len, "Gateway: waiting for the party's gateway");
        m->lights.light[2].color = SERVICE_PIPE_LIGHT_GREY;
        set_text(m->lights.light[2].text, &m->lights.light[2].text_len, "");
}

/* ---- hostile frames ---- */

static void test_hostile_framing(void) {
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX + 16] = { 0 };
        ServicePipeMessage m;
        size_t n;

        expect_error(SERVICE_PIPE_FROM_CLIENT, buf, 0, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_error(SERVICE_PIPE_FROM_CLIENT, buf, 1, SERVICE_PIPE_ERROR_TRUNCATED);
        /* Length 0, one past the maximum, the largest u16. */
        expect_error(SERVICE_PIPE_FROM_CLIENT, (const uint8_t[]) { 0, 0, SERVICE_PIPE_LEAVE }, 3,
                     SERVICE_PIPE_ERROR_BAD_LENGTH);
        be16_store(buf, LP_SERVICE_PIPE_MAX + 1);
        buf[2] = SERVICE_PIPE_LINE;
        expect_error(SERVICE_PIPE_FROM_SERVICE, buf, LP_SERVICE_PIPE_FRAME_MAX + 1, SERVICE_PIPE_ERROR_BAD_LENGTH);
        expect_error(SERVICE_PIPE_FROM_SERVICE, (const uint8_t[]) { 0xff, 0xff, SERVICE_PIPE_LINE, 'x' }, 4,
                     SERVICE_PIPE_ERROR_BAD_LENGTH);
        /* The length says more, or less, than there is. */
        expect_error(SERVICE_PIPE_FROM_CLIENT, (const uint8_t[]) { 0, 2, SERVICE_PIPE_LEAVE }, 3,
                     SERVICE_PIPE_ERROR_TRUNCATED);
        expect_error(SERVICE_PIPE_FROM_CLIENT, (const uint8_t[]) { 0, 1, SERVICE_PIPE_LEAVE, 0 }, 4,
                     SERVICE_PIPE_ERROR_TRAILING_BYTES);
        /* A body where there is none. */
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_LEAVE, "x", 1, SERVICE_PIPE_ERROR_TRAILING_BYTES);
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_STATUS, "\0", 1, SERVICE_PIPE_ERROR_TRAILING_BYTES);
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_CHECK, "xy", 2, SERVICE_PIPE_ERROR_TRAILING_BYTES);

        /* Types nobody sends, whatever the side. */
        for (unsigned t = 0; t <= 0xff; t++) {
                if (t != 0 && t < 0x80)
                        continue;
                expect_body_error(SERVICE_PIPE_FROM_CLIENT, (uint8_t) t, NULL, 0, SERVICE_PIPE_ERROR_BAD_TYPE);
                expect_body_error(SERVICE_PIPE_FROM_SERVICE, (uint8_t) t, NULL, 0, SERVICE_PIPE_ERROR_BAD_TYPE);
        }
        /* A client sending the service's messages (a forged WELCOME, a
         * status line) and the other way round. */
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_WELCOME, "lanparty\0\1", 10,
                          SERVICE_PIPE_ERROR_WRONG_DIRECTION);
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_LINE, "hi", 2, SERVICE_PIPE_ERROR_WRONG_DIRECTION);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_JOIN, "lanparty://x/y?k=z", 18,
                          SERVICE_PIPE_ERROR_WRONG_DIRECTION);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, 0x3f, NULL, 0, SERVICE_PIPE_ERROR_WRONG_DIRECTION);

        /* Well-framed types of the right side this version does not know:
         * 0, and the type byte to name in the answer. */
        n = frame(buf, 0x3f, "future", 6);
        CHECK_EQ_INT(service_pipe_decode(SERVICE_PIPE_FROM_CLIENT, buf, n, &m, NULL), 0);
        CHECK_EQ_INT(m.type, 0x3f);
        n = frame(buf, 0x7f, NULL, 0);
        CHECK_EQ_INT(service_pipe_decode(SERVICE_PIPE_FROM_SERVICE, buf, n, &m, NULL), 0);
        CHECK_EQ_INT(m.type, 0x7f);

        /* Arguments. */
        CHECK_EQ_INT(service_pipe_decode(SERVICE_PIPE_FROM_CLIENT, buf, n, NULL, NULL), -EINVAL);
        CHECK_EQ_INT(service_pipe_decode(SERVICE_PIPE_FROM_CLIENT, NULL, 3, &m, NULL), -EINVAL);
        CHECK_EQ_INT(service_pipe_decode((ServicePipeSender) 2, buf, n, &m, NULL), -EINVAL);
        CHECK_EQ_INT(service_pipe_decode(_SERVICE_PIPE_SENDER_INVALID, buf, n, &m, NULL), -EINVAL);
}

static void test_hostile_hello(void) {
        ServicePipeMessage m;
        uint8_t buf[64];
        size_t n;

        /* Not ours: another program's greeting, case, a short magic. */
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_HELLO, "LANPARTY\0\1", 10, SERVICE_PIPE_ERROR_BAD_MAGIC);
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_HELLO, "openvpn\0\0\1", 10, SERVICE_PIPE_ERROR_BAD_MAGIC);
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_HELLO, "lanparty", 8, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_HELLO, "lanparty\0", 9, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_HELLO, NULL, 0, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_HELLO, "lanparty\0\0", 10, SERVICE_PIPE_ERROR_BAD_VERSION);
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_HELLO, "lanparty\0\1\0", 11,
                          SERVICE_PIPE_ERROR_TRAILING_BYTES);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_WELCOME, "lanpartx\0\1", 10,
                          SERVICE_PIPE_ERROR_BAD_MAGIC);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_WELCOME, "lanparty\0\0", 10,
                          SERVICE_PIPE_ERROR_BAD_VERSION);

        /* Any other version decodes: the answer says who must update. */
        n = frame(buf, SERVICE_PIPE_HELLO, "lanparty\xff\xff", 10);
        CHECK_EQ_INT(service_pipe_decode(SERVICE_PIPE_FROM_CLIENT, buf, n, &m, NULL), 1);
        CHECK_EQ_INT(m.hello.version, 0xffff);
}

static void test_hostile_join(void) {
        char link[LP_SERVICE_PIPE_LINK_MAX + 2];
        ServicePipeMessage m;
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        size_t n;

        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_JOIN, NULL, 0, SERVICE_PIPE_ERROR_BAD_LINK);
        /* Bytes no invite link has: NUL (a C string would end early and
         * hide the rest), white space, line breaks that would start a new
         * "option" in a log or a command line, controls, DEL, UTF-8. */
#define S(x) { x, sizeof(x) - 1 }
        static const struct {
                const char *s;
                size_t len;
        } bad[] = {
                S("lanparty://h/r?k=a\0/../../x"), S("lanparty://h/r?k=a b"), S("lanparty://h/r?k=a\n"),
                S("\tlanparty://h/r"), S("lanparty://h/r?k=a\x7f"), S("lanparty://h\xc3\xa9/r?k=a"),
                S("lanparty://h/r?k=a\r\n--frame-device=null"),
        };
#undef S
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_JOIN, bad[i].s, bad[i].len,
                                  SERVICE_PIPE_ERROR_BAD_LINK);

        /* The bound: 512 bytes pass, 513 do not. */
        memset(link, 'a', sizeof(link));
        n = frame(buf, SERVICE_PIPE_JOIN, link, LP_SERVICE_PIPE_LINK_MAX);
        CHECK_EQ_INT(service_pipe_decode(SERVICE_PIPE_FROM_CLIENT, buf, n, &m, NULL), 1);
        CHECK_EQ_INT(m.join.link_len, LP_SERVICE_PIPE_LINK_MAX);
        CHECK_EQ_INT(strlen(m.join.link), LP_SERVICE_PIPE_LINK_MAX);
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_JOIN, link, LP_SERVICE_PIPE_LINK_MAX + 1,
                          SERVICE_PIPE_ERROR_BAD_LINK);
        /* ... and a frame as long as any may be is still no JOIN. */
        expect_body_error(SERVICE_PIPE_FROM_CLIENT, SERVICE_PIPE_JOIN, buf, LP_SERVICE_PIPE_MAX - 1,
                          SERVICE_PIPE_ERROR_BAD_LINK);
}

/* The longest link invite_format() makes, with a pin, and the same with
 * the default port written out, fit JOIN and parse. */
static void test_longest_invite_fits(void) {
        Invite inv = { .host_type = INVITE_HOST_DNS, .port = 65535, .has_pin = true };
        char text[LP_INVITE_TEXT_MAX], longer[LP_INVITE_TEXT_MAX + 8];
        ServicePipeMessage m;
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];

        for (size_t i = 0; i < LP_INVITE_HOST_MAX; i++)
                inv.host[i] = (i + 1) % 64 == 0 ? '.' : 'h';
        memset(inv.room, 'r', LP_ROOM_NAME_MAX);
        memset(inv.room_key, 0xA5, sizeof(inv.room_key));
        memset(inv.pin, 0x5A, sizeof(inv.pin));
        CHECK_EQ_INT(invite_format(&inv, text, sizeof(text)), 0);
        CHECK_EQ_INT(strlen(text), LP_INVITE_TEXT_MAX - 1);
        CHECK(strlen(text) <= LP_SERVICE_PIPE_LINK_MAX);

        msg_init(&m, SERVICE_PIPE_JOIN);
        set_text(m.join.link, &m.join.link_len, text);
        (void) round_trip(&m, buf);
        CHECK_EQ_INT(invite_parse(m.join.link, NULL, NULL), 0);

        inv.port = LP_INVITE_DEFAULT_PORT;
        CHECK_EQ_INT(invite_format(&inv, text, sizeof(text)), 0);
        char *slash = strchr(text + strlen(LP_INVITE_SCHEME), '/');
        CHECK(slash);
        snprintf(longer, sizeof(longer), "%.*s:443%s", (int) (slash - text), text, slash);
        CHECK_EQ_INT(invite_parse(longer, NULL, NULL), 0);
        CHECK(strlen(longer) <= LP_SERVICE_PIPE_LINK_MAX);
}

static void test_hostile_texts(void) {
        uint8_t body[LP_SERVICE_PIPE_TEXT_MAX + 8];

        /* LINE: empty, one byte too long, invalid UTF-8, control bytes. */
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LINE, NULL, 0, SERVICE_PIPE_ERROR_TRUNCATED);
        memset(body, 'x', sizeof(body));
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LINE, body, LP_SERVICE_PIPE_TEXT_MAX + 1,
                          SERVICE_PIPE_ERROR_TEXT_TOO_LONG);
        static const char *const bad[] = {
                "\xc0\xaf",     /* overlong '/' */
                "\xed\xa0\x80", /* a surrogate */
                "ok \xe2\x82",  /* cut in the middle */
                "\xf4\x90\x80\x80", /* above U+10FFFF */
                "a\nb", "\x1b[31mred", "del\x7f", "\xff",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LINE, bad[i], strlen(bad[i]),
                                  SERVICE_PIPE_ERROR_BAD_TEXT);
                body[0] = SERVICE_PIPE_OUTCOME_FAILED;
                memcpy(body + 1, bad[i], strlen(bad[i]));
                expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_ENDED, body, 1 + strlen(bad[i]),
                                  SERVICE_PIPE_ERROR_BAD_TEXT);
        }
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LINE, "a\0b", 3, SERVICE_PIPE_ERROR_BAD_TEXT);

        /* ENDED. */
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_ENDED, NULL, 0, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_ENDED, "\2bye", 4, SERVICE_PIPE_ERROR_BAD_OUTCOME);
        memset(body, 'x', sizeof(body));
        body[0] = SERVICE_PIPE_OUTCOME_LEFT;
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_ENDED, body, LP_SERVICE_PIPE_TEXT_MAX + 2,
                          SERVICE_PIPE_ERROR_TEXT_TOO_LONG);
}

static void test_hostile_lights(void) {
        uint8_t body[3 * (2 + 255) + 4];
        size_t n;

        /* Colour 4, a text longer than the window's, a length past the end,
         * two lights only, a fourth byte after the third. */
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LIGHTS, "\4\0\0\0\0\0", 6, SERVICE_PIPE_ERROR_BAD_COLOR);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LIGHTS, "\0\0\0\0\377\0", 6,
                          SERVICE_PIPE_ERROR_BAD_COLOR);
        memset(body, 'x', sizeof(body));
        body[0] = SERVICE_PIPE_LIGHT_RED;
        body[1] = LP_SERVICE_PIPE_LIGHT_TEXT_MAX + 1;
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LIGHTS, body, 2 + body[1] + 4,
                          SERVICE_PIPE_ERROR_TEXT_TOO_LONG);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LIGHTS, "\1\5abc", 5, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LIGHTS, "\1\1a\2\1b", 6, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LIGHTS, "\1\1a\2\1b\3", 7,
                          SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LIGHTS, "\1\1a\2\1b\3\0\0", 9,
                          SERVICE_PIPE_ERROR_TRAILING_BYTES);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LIGHTS, "\1\1a\2\1\n\3\0", 8, SERVICE_PIPE_ERROR_BAD_TEXT);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_LIGHTS, "\1\1\xc3\2\0\3\0", 7,
                          SERVICE_PIPE_ERROR_BAD_TEXT);

        /* Three texts of the longest length pass. */
        n = 0;
        for (size_t i = 0; i < LP_SERVICE_PIPE_LIGHTS; i++) {
                body[n++] = SERVICE_PIPE_LIGHT_GREEN;
                body[n++] = LP_SERVICE_PIPE_LIGHT_TEXT_MAX;
                memset(body + n, 'L', LP_SERVICE_PIPE_LIGHT_TEXT_MAX);
                n += LP_SERVICE_PIPE_LIGHT_TEXT_MAX;
        }
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        ServicePipeMessage m;
        CHECK_EQ_INT(service_pipe_decode(SERVICE_PIPE_FROM_SERVICE, buf, frame(buf, SERVICE_PIPE_LIGHTS, body, n), &m,
                                         NULL),
                     1);
        CHECK_EQ_INT(m.lights.light[2].text_len, LP_SERVICE_PIPE_LIGHT_TEXT_MAX);
}

static void test_hostile_session(void) {
        uint8_t body[300];

        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, NULL, 0, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\0\0", 2, SERVICE_PIPE_ERROR_TRUNCATED);
        /* Idle with a room; a state from nowhere; in a room with none. */
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\0\1r\0", 4, SERVICE_PIPE_ERROR_BAD_STATE);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\0\0\1h", 4, SERVICE_PIPE_ERROR_BAD_STATE);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\2\1r\1h", 5, SERVICE_PIPE_ERROR_BAD_STATE);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\1\0\1h", 4, SERVICE_PIPE_ERROR_BAD_ROOM);
        /* Room names the relay would refuse; a room longer than any. */
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\1\3a b\1h", 7, SERVICE_PIPE_ERROR_BAD_ROOM);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\1\2..\1h", 6, SERVICE_PIPE_ERROR_BAD_ROOM);
        memset(body, 'r', sizeof(body));
        body[0] = SERVICE_PIPE_SESSION_IN_ROOM;
        body[1] = LP_ROOM_NAME_MAX + 1;
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, body, 2 + LP_ROOM_NAME_MAX + 1 + 2,
                          SERVICE_PIPE_ERROR_BAD_ROOM);
        /* Relay: missing, cut short, with a space, a control, too long. */
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\1\1r", 3, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\1\1r\5ab", 6, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\1\1r\0", 4, SERVICE_PIPE_ERROR_BAD_RELAY);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\1\1r\3a b", 7, SERVICE_PIPE_ERROR_BAD_RELAY);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\1\1r\2a\n", 6, SERVICE_PIPE_ERROR_BAD_RELAY);
        body[0] = SERVICE_PIPE_SESSION_IN_ROOM;
        body[1] = 1;
        body[3] = LP_SERVICE_PIPE_RELAY_MAX + 1;
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, body, 4 + LP_SERVICE_PIPE_RELAY_MAX + 1,
                          SERVICE_PIPE_ERROR_BAD_RELAY);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_SESSION, "\1\1r\1hx", 6,
                          SERVICE_PIPE_ERROR_TRAILING_BYTES);
}

static void test_hostile_answers(void) {
        uint8_t body[LP_SERVICE_PIPE_REFUSED_TEXT_MAX + 8];
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        ServicePipeMessage m;

        /* REFUSED: cut short, naming a service message, code 0, version 0,
         * a text too long or with a control character. */
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_REFUSED, "\2\5\0", 3, SERVICE_PIPE_ERROR_TRUNCATED);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_REFUSED, "\x40\5\0\1", 4,
                          SERVICE_PIPE_ERROR_BAD_REQUEST);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_REFUSED, "\x80\5\0\1", 4,
                          SERVICE_PIPE_ERROR_BAD_REQUEST);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_REFUSED, "\2\0\0\1", 4, SERVICE_PIPE_ERROR_BAD_CODE);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_REFUSED, "\2\5\0\0", 4, SERVICE_PIPE_ERROR_BAD_VERSION);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_REFUSED, "\2\5\0\1a\tb", 7, SERVICE_PIPE_ERROR_BAD_TEXT);
        memset(body, 'x', sizeof(body));
        memcpy(body, "\2\5\0\1", 4);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_REFUSED, body, 4 + LP_SERVICE_PIPE_REFUSED_TEXT_MAX + 1,
                          SERVICE_PIPE_ERROR_TEXT_TOO_LONG);

        /* A newer service's code is carried, shown as unknown. Request 0:
         * not even a type could be read. */
        CHECK_EQ_INT(service_pipe_decode(SERVICE_PIPE_FROM_SERVICE, buf,
                                         frame(buf, SERVICE_PIPE_REFUSED, "\0\xc8\0\7why", 7), &m, NULL),
                     1);
        CHECK_EQ_INT(m.refused.request, 0);
        CHECK_EQ_INT(m.refused.code, 200);
        CHECK_EQ_INT(m.refused.version, 7);
        CHECK_EQ_STR(m.refused.text, "why");
        CHECK_EQ_STR(service_pipe_refusal_to_string(m.refused.code), "unknown");
        CHECK_EQ_STR(service_pipe_refusal_to_string(SERVICE_PIPE_REFUSAL_BAD_INVITE), "bad_invite");

        /* ACCEPTED names JOIN, LEAVE, STATUS or CHECK, nothing else. */
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_ACCEPTED, NULL, 0, SERVICE_PIPE_ERROR_TRUNCATED);
        static const uint8_t not_accepted[] = { 0, SERVICE_PIPE_HELLO, 0x06, 0x3f, SERVICE_PIPE_WELCOME, 0xff };
        for (size_t i = 0; i < ELEMENTSOF(not_accepted); i++)
                expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_ACCEPTED, &not_accepted[i], 1,
                                  SERVICE_PIPE_ERROR_BAD_REQUEST);
        expect_body_error(SERVICE_PIPE_FROM_SERVICE, SERVICE_PIPE_ACCEPTED, "\2\2", 2, SERVICE_PIPE_ERROR_TRAILING_BYTES);
}

/* What the encoder refuses: the decoder's rules, and lengths that would
 * make it read past a field. */
static void test_encode_refuses(void) {
        ServicePipeMessage m;
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];

        msg_init(&m, (ServicePipeType) 0x3f);
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);
        msg_init(&m, _SERVICE_PIPE_TYPE_INVALID);
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(service_pipe_encode(NULL, buf, sizeof(buf)), -EINVAL);

        msg_init(&m, SERVICE_PIPE_HELLO);
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL); /* version 0 */
        m.hello.version = 1;
        CHECK_EQ_INT(service_pipe_encode(&m, NULL, 0), -ENOBUFS);
        CHECK_EQ_INT(service_pipe_encode(&m, buf, 12), -ENOBUFS);
        CHECK_EQ_INT(service_pipe_encode(&m, buf, 13), 13);

        msg_init(&m, SERVICE_PIPE_JOIN);
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);
        set_text(m.join.link, &m.join.link_len, "lanparty://h/r?k=a b");
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);
        set_text(m.join.link, &m.join.link_len, "lanparty://h/r?k=a");
        m.join.link_len = sizeof(m.join.link) + 100;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);

        msg_init(&m, SERVICE_PIPE_LINE);
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL); /* empty */
        set_text(m.line.text, &m.line.text_len, "x");
        m.line.text_len = 3; /* a NUL inside */
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.line.text_len = SIZE_MAX;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);

        lights_sample(&m);
        m.lights.light[1].color = _SERVICE_PIPE_LIGHT_COLOR_MAX;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);
        lights_sample(&m);
        m.lights.light[2].text_len = LP_SERVICE_PIPE_LIGHT_TEXT_MAX + 1;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);

        msg_init(&m, SERVICE_PIPE_SESSION);
        set_text(m.session.room, &m.session.room_len, "party");
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL); /* idle with a room */
        m.session.state = SERVICE_PIPE_SESSION_IN_ROOM;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL); /* no relay */
        set_text(m.session.relay, &m.session.relay_len, "relay.example.org");
        CHECK(service_pipe_encode(&m, buf, sizeof(buf)) > 0);
        m.session.room_len = 1000;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);

        msg_init(&m, SERVICE_PIPE_REFUSED);
        m.refused.code = SERVICE_PIPE_REFUSAL_BUSY;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL); /* version 0 */
        m.refused.version = 1;
        CHECK(service_pipe_encode(&m, buf, sizeof(buf)) > 0);
        m.refused.request = SERVICE_PIPE_LINE;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);
        m.refused.request = SERVICE_PIPE_JOIN;
        m.refused.code = 256;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);

        msg_init(&m, SERVICE_PIPE_ACCEPTED);
        m.accepted.request = SERVICE_PIPE_HELLO;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);

        msg_init(&m, SERVICE_PIPE_ENDED);
        m.ended.outcome = (ServicePipeOutcome) 2;
        CHECK_EQ_INT(service_pipe_encode(&m, buf, sizeof(buf)), -EINVAL);
}

/* ---- the document's bytes ---- */

static void expect_wire(const ServicePipeMessage *m, const uint8_t *want, size_t want_len) {
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        int n = round_trip(m, buf);

        CHECK_EQ_INT(n, want_len);
        CHECK_MEM(buf, want, want_len);
}

static void test_wire_bytes(void) {
        ServicePipeMessage m;

        msg_init(&m, SERVICE_PIPE_HELLO);
        m.hello.version = 1;
        expect_wire(&m, (const uint8_t *) "\0\x0b\x01lanparty\0\1", 13);
        msg_init(&m, SERVICE_PIPE_WELCOME);
        m.welcome.version = 1;
        expect_wire(&m, (const uint8_t *) "\0\x0b\x40lanparty\0\1", 13);
        msg_init(&m, SERVICE_PIPE_JOIN);
        set_text(m.join.link, &m.join.link_len, "lanparty://h/r?k=a");
        expect_wire(&m, (const uint8_t *) "\0\x13\x02lanparty://h/r?k=a", 21);
        msg_init(&m, SERVICE_PIPE_LEAVE);
        expect_wire(&m, (const uint8_t *) "\0\1\3", 3);
        msg_init(&m, SERVICE_PIPE_STATUS);
        expect_wire(&m, (const uint8_t *) "\0\1\4", 3);
        msg_init(&m, SERVICE_PIPE_CHECK);
        expect_wire(&m, (const uint8_t *) "\0\1\5", 3);
        msg_init(&m, SERVICE_PIPE_REFUSED);
        m.refused.request = SERVICE_PIPE_JOIN;
        m.refused.code = SERVICE_PIPE_REFUSAL_IN_ROOM;
        m.refused.version = 1;
        set_text(m.refused.text, &m.refused.text_len, "in room x");
        expect_wire(&m, (const uint8_t *) "\0\x0e\x41\x02\x06\0\1in room x", 16);
        msg_init(&m, SERVICE_PIPE_ACCEPTED);
        m.accepted.request = SERVICE_PIPE_STATUS;
        expect_wire(&m, (const uint8_t *) "\0\2\x42\x04", 4);
        msg_init(&m, SERVICE_PIPE_SESSION);
        expect_wire(&m, (const uint8_t *) "\0\4\x43\0\0\0", 6);
        m.session.state = SERVICE_PIPE_SESSION_IN_ROOM;
        set_text(m.session.room, &m.session.room_len, "lan");
        set_text(m.session.relay, &m.session.relay_len, "::1");
        expect_wire(&m, (const uint8_t *) "\0\x0a\x43\1\3lan\3::1", 12);
        msg_init(&m, SERVICE_PIPE_LINE);
        set_text(m.line.text, &m.line.text_len, "Joined \xc3\xa9");
        expect_wire(&m, (const uint8_t *) "\0\x0a\x44Joined \xc3\xa9", 12);
        msg_init(&m, SERVICE_PIPE_LIGHTS);
        m.lights.light[0].color = SERVICE_PIPE_LIGHT_GREEN;
        set_text(m.lights.light[0].text, &m.lights.light[0].text_len, "R");
        m.lights.light[2].color = SERVICE_PIPE_LIGHT_RED;
        set_text(m.lights.light[2].text, &m.lights.light[2].text_len, "AB");
        expect_wire(&m, (const uint8_t *) "\0\x0a\x45\1\1R\0\0\3\2AB", 12);
        msg_init(&m, SERVICE_PIPE_ENDED);
        m.ended.outcome = SERVICE_PIPE_OUTCOME_FAILED;
        set_text(m.ended.text, &m.ended.text_len, "no TAP");
        expect_wire(&m, (const uint8_t *) "\0\x08\x46\1no TAP", 10);
        msg_init(&m, SERVICE_PIPE_ENDED);
        expect_wire(&m, (const uint8_t *) "\0\2\x46\0", 4);
}

/* The largest body of each text field round trips. */
static void test_round_trip_max(void) {
        ServicePipeMessage m;
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];

        msg_init(&m, SERVICE_PIPE_LINE);
        memset(m.line.text, 'y', LP_SERVICE_PIPE_TEXT_MAX);
        m.line.text_len = LP_SERVICE_PIPE_TEXT_MAX;
        CHECK_EQ_INT(round_trip(&m, buf), 3 + LP_SERVICE_PIPE_TEXT_MAX);
        msg_init(&m, SERVICE_PIPE_ENDED);
        memset(m.ended.text, 'y', LP_SERVICE_PIPE_TEXT_MAX);
        m.ended.text_len = LP_SERVICE_PIPE_TEXT_MAX;
        CHECK_EQ_INT(round_trip(&m, buf), 4 + LP_SERVICE_PIPE_TEXT_MAX);
        msg_init(&m, SERVICE_PIPE_REFUSED);
        m.refused.request = 0x3f;
        m.refused.code = 255;
        m.refused.version = 0xffff;
        memset(m.refused.text, 'y', LP_SERVICE_PIPE_REFUSED_TEXT_MAX);
        m.refused.text_len = LP_SERVICE_PIPE_REFUSED_TEXT_MAX;
        (void) round_trip(&m, buf);
        msg_init(&m, SERVICE_PIPE_SESSION);
        m.session.state = SERVICE_PIPE_SESSION_IN_ROOM;
        memset(m.session.room, 'r', LP_ROOM_NAME_MAX);
        m.session.room_len = LP_ROOM_NAME_MAX;
        memset(m.session.relay, 'h', LP_SERVICE_PIPE_RELAY_MAX);
        m.session.relay_len = LP_SERVICE_PIPE_RELAY_MAX;
        (void) round_trip(&m, buf);
}

/* ---- the stream ---- */

static size_t append(uint8_t *stream, size_t len, const ServicePipeMessage *m) {
        int n = service_pipe_encode(m, stream + len, LP_SERVICE_PIPE_FRAME_MAX);

        CHECK(n > 0);
        return len + (size_t) n;
}

static void test_reader(void) {
        static uint8_t stream[8 * LP_SERVICE_PIPE_FRAME_MAX];
        ServicePipeMessage sent[6], got;
        ServicePipeReader r;
        size_t len = 0, k = 0;
        int x;

        msg_init(&sent[0], SERVICE_PIPE_WELCOME);
        sent[0].welcome.version = 1;
        msg_init(&sent[1], SERVICE_PIPE_SESSION);
        msg_init(&sent[2], SERVICE_PIPE_ACCEPTED);
        sent[2].accepted.request = SERVICE_PIPE_STATUS;
        lights_sample(&sent[3]);
        msg_init(&sent[4], SERVICE_PIPE_LINE);
        memset(sent[4].line.text, 'z', LP_SERVICE_PIPE_TEXT_MAX);
        sent[4].line.text_len = LP_SERVICE_PIPE_TEXT_MAX;
        msg_init(&sent[5], SERVICE_PIPE_ENDED);
        for (size_t i = 0; i < ELEMENTSOF(sent); i++)
                len = append(stream, len, &sent[i]);
        /* A type of a later version in between: named, skipped, no harm. */
        len += frame(stream + len, 0x7e, "later", 5);

        /* Byte by byte: each message once it is whole, nothing before. */
        service_pipe_reader_init(&r, SERVICE_PIPE_FROM_SERVICE);
        for (size_t i = 0; i < len; i++) {
                CHECK_EQ_INT(service_pipe_reader_feed(&r, stream + i, 1), 1);
                while ((x = service_pipe_reader_next(&r, &got)) > 0) {
                        if (k < ELEMENTSOF(sent)) {
                                CHECK_EQ_INT(x, 1);
                                CHECK(memcmp(&got, &sent[k], sizeof(got)) == 0);
                        } else {
                                CHECK_EQ_INT(x, 2);
                                CHECK_EQ_INT(got.type, 0x7e);
                        }
                        k++;
                }
                CHECK_EQ_INT(x, 0);
        }
        CHECK_EQ_INT(k, ELEMENTSOF(sent) + 1);
        CHECK_EQ_INT(service_pipe_reader_pending(&r), 0);

        /* All at once: the buffer takes one frame's worth at a time. */
        service_pipe_reader_init(&r, SERVICE_PIPE_FROM_SERVICE);
        k = 0;
        for (size_t off = 0; off < len;) {
                size_t used = service_pipe_reader_feed(&r, stream + off, len - off);
                CHECK(used > 0 || service_pipe_reader_pending(&r) == LP_SERVICE_PIPE_FRAME_MAX);
                off += used;
                while ((x = service_pipe_reader_next(&r, &got)) > 0)
                        k++;
                CHECK_EQ_INT(x, 0);
        }
        CHECK_EQ_INT(k, ELEMENTSOF(sent) + 1);

        /* The same bytes read by the service: the first frame comes from
         * the wrong side, and that is the end of the pipe. */
        service_pipe_reader_init(&r, SERVICE_PIPE_FROM_CLIENT);
        CHECK(service_pipe_reader_feed(&r, stream, len) > 0);
        CHECK_EQ_INT(service_pipe_reader_next(&r, &got), -EBADMSG);
        CHECK_EQ_INT(r.error, SERVICE_PIPE_ERROR_WRONG_DIRECTION);
        CHECK_EQ_INT(service_pipe_reader_next(&r, &got), -EBADMSG);
        CHECK_EQ_INT(service_pipe_reader_feed(&r, stream, len), len);
        CHECK_EQ_INT(service_pipe_reader_pending(&r), 0);
}

static void test_reader_hostile(void) {
        ServicePipeReader r;
        ServicePipeMessage m;
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        static const uint8_t zeros[LP_SERVICE_PIPE_FRAME_MAX];
        size_t n;

        /* A length past the maximum fails as soon as its two bytes are in,
         * instead of waiting for 64 KiB that never fit. */
        service_pipe_reader_init(&r, SERVICE_PIPE_FROM_CLIENT);
        CHECK_EQ_INT(service_pipe_reader_feed(&r, (const uint8_t *) "\xff", 1), 1);
        CHECK_EQ_INT(service_pipe_reader_next(&r, &m), 0);
        CHECK_EQ_INT(service_pipe_reader_feed(&r, (const uint8_t *) "\xff", 1), 1);
        CHECK_EQ_INT(service_pipe_reader_next(&r, &m), -EBADMSG);
        CHECK_EQ_INT(r.error, SERVICE_PIPE_ERROR_BAD_LENGTH);

        service_pipe_reader_init(&r, SERVICE_PIPE_FROM_CLIENT);
        CHECK_EQ_INT(service_pipe_reader_feed(&r, (const uint8_t *) "\0\0", 2), 2);
        CHECK_EQ_INT(service_pipe_reader_next(&r, &m), -EBADMSG);
        CHECK_EQ_INT(r.error, SERVICE_PIPE_ERROR_BAD_LENGTH);

        /* A JOIN, then a frame cut short: the JOIN comes out and its bytes
         * (the room key) are gone from the buffer; the rest waits. */
        service_pipe_reader_init(&r, SERVICE_PIPE_FROM_CLIENT);
        n = frame(buf, SERVICE_PIPE_JOIN, "lanparty://h/r?k=SECRET", 23);
        n += frame(buf + n, SERVICE_PIPE_HELLO, "lanparty\0", 9);
        n -= 1;
        CHECK_EQ_INT(service_pipe_reader_feed(&r, buf, n), n);
        CHECK_EQ_INT(service_pipe_reader_next(&r, &m), 1);
        CHECK_EQ_STR(m.join.link, "lanparty://h/r?k=SECRET");
        CHECK_EQ_INT(service_pipe_reader_next(&r, &m), 0);
        CHECK_EQ_INT(service_pipe_reader_pending(&r), 11);
        CHECK_MEM(r.buf + 11, zeros, sizeof(r.buf) - 11);

        /* A well-framed body that breaks a rule: the error is the body's. */
        service_pipe_reader_init(&r, SERVICE_PIPE_FROM_CLIENT);
        n = frame(buf, SERVICE_PIPE_HELLO, "lanparty\0\1", 10);
        n += frame(buf + n, SERVICE_PIPE_JOIN, "a b", 3);
        CHECK_EQ_INT(service_pipe_reader_feed(&r, buf, n), n);
        CHECK_EQ_INT(service_pipe_reader_next(&r, &m), 1);
        CHECK_EQ_INT(m.type, SERVICE_PIPE_HELLO);
        CHECK_EQ_INT(service_pipe_reader_next(&r, &m), -EBADMSG);
        CHECK_EQ_INT(r.error, SERVICE_PIPE_ERROR_BAD_LINK);
        CHECK_MEM(r.buf, zeros, sizeof(r.buf));

        CHECK_EQ_INT(service_pipe_reader_next(NULL, &m), -EINVAL);
        CHECK_EQ_INT(service_pipe_reader_feed(NULL, buf, 1), 0);
        CHECK_EQ_INT(service_pipe_reader_pending(NULL), 0);
}

/* ---- what the service answers ---- */

static void test_answer_hello(void) {
        ServicePipeMessage m;
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];

        CHECK(service_pipe_answer_hello(&(ServicePipeVersion) { LP_SERVICE_PIPE_VERSION }, &m));
        CHECK_EQ_INT(m.type, SERVICE_PIPE_WELCOME);
        CHECK_EQ_INT(m.welcome.version, LP_SERVICE_PIPE_VERSION);
        (void) round_trip(&m, buf);

        CHECK(!service_pipe_answer_hello(&(ServicePipeVersion) { LP_SERVICE_PIPE_VERSION + 1 }, &m));
        CHECK_EQ_INT(m.type, SERVICE_PIPE_REFUSED);
        CHECK_EQ_INT(m.refused.request, SERVICE_PIPE_HELLO);
        CHECK_EQ_INT(m.refused.code, SERVICE_PIPE_REFUSAL_BAD_VERSION);
        CHECK_EQ_INT(m.refused.version, LP_SERVICE_PIPE_VERSION);
        CHECK(strstr(m.refused.text, "restart the lanparty service"));
        (void) round_trip(&m, buf);

        CHECK(!service_pipe_answer_hello(&(ServicePipeVersion) { 0xffff }, &m));
        (void) round_trip(&m, buf);
}

static void test_refuse(void) {
        char text[600];
        ServicePipeMessage m;
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];

        /* A text from invite_error_to_string() goes through as it is. */
        service_pipe_refuse(SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BAD_INVITE,
                            invite_error_to_string(INVITE_ERROR_KEY_MISSING), &m);
        CHECK_EQ_STR(m.refused.text, invite_error_to_string(INVITE_ERROR_KEY_MISSING));
        (void) round_trip(&m, buf);

        /* Too long, with a control character and UTF-8 cut at the end:
         * cut to the field and made valid, so it always encodes. */
        memset(text, 'x', sizeof(text));
        text[3] = '\n';
        memcpy(text + LP_SERVICE_PIPE_REFUSED_TEXT_MAX - 1, "\xc3\xa9", 2);
        text[sizeof(text) - 1] = '\0';
        service_pipe_refuse(0x3e, SERVICE_PIPE_REFUSAL_UNKNOWN_REQUEST, text, &m);
        CHECK_EQ_INT(m.refused.text_len, LP_SERVICE_PIPE_REFUSED_TEXT_MAX);
        CHECK_EQ_INT(m.refused.text[3], '?');
        CHECK_EQ_INT(m.refused.text[LP_SERVICE_PIPE_REFUSED_TEXT_MAX - 1], '?');
        CHECK_EQ_INT(m.refused.request, 0x3e);
        (void) round_trip(&m, buf);

        /* Not a request byte: 0, "none could be read". No text. */
        service_pipe_refuse(SERVICE_PIPE_LIGHTS, SERVICE_PIPE_REFUSAL_MALFORMED, NULL, &m);
        CHECK_EQ_INT(m.refused.request, 0);
        CHECK_EQ_INT(m.refused.text_len, 0);
        (void) round_trip(&m, buf);
}

static void expect_made_valid(const char *in, size_t len, const char *want) {
        char s[64];

        memcpy(s, in, len);
        service_pipe_text_make_valid(s, len);
        CHECK_MEM(s, want, len);
        CHECK(control_text_is_valid(s, len));
}

static void test_text_make_valid(void) {
        expect_made_valid("plain", 5, "plain");
        expect_made_valid("caf\xc3\xa9 \xf0\x9f\x8e\xae", 10, "caf\xc3\xa9 \xf0\x9f\x8e\xae");
        expect_made_valid("a\tb\nc\rd\x7f", 8, "a?b?c?d?");
        expect_made_valid("n\0l", 3, "n?l");
        /* A sequence cut by snprintf(), a stray continuation, a surrogate,
         * overlong forms, bytes that never occur. */
        expect_made_valid("cut \xe2\x82", 6, "cut ??");
        expect_made_valid("\x80x", 2, "?x");
        expect_made_valid("\xed\xa0\x80", 3, "???");
        expect_made_valid("\xc0\xaf\xe0\x80\xaf", 5, "?????");
        expect_made_valid("\xf5\xfe\xff", 3, "???");
        service_pipe_text_make_valid(NULL, 3);
}

static void test_strings(void) {
        for (unsigned t = 0; t <= 0xff; t++) {
                ServicePipeSender s = service_pipe_type_sender((uint8_t) t);
                if (service_pipe_type_to_string((ServicePipeType) t))
                        CHECK(s >= 0);
                CHECK_EQ_INT(s, t == 0 || t >= 0x80 ? _SERVICE_PIPE_SENDER_INVALID
                                : t < 0x40          ? SERVICE_PIPE_FROM_CLIENT
                                                    : SERVICE_PIPE_FROM_SERVICE);
        }
        for (int e = 0; e < _SERVICE_PIPE_ERROR_MAX; e++)
                CHECK(service_pipe_error_to_string(e));
        for (int r = 1; r < _SERVICE_PIPE_REFUSAL_MAX; r++)
                CHECK(strcmp(service_pipe_refusal_to_string(r), "unknown") != 0);
        CHECK_EQ_STR(service_pipe_refusal_to_string(0), "unknown");
        CHECK_EQ_STR(service_pipe_type_to_string(SERVICE_PIPE_JOIN), "join");
        CHECK_EQ_STR(service_pipe_sender_to_string(SERVICE_PIPE_FROM_SERVICE), "service");
        CHECK_EQ_STR(service_pipe_session_state_to_string(SERVICE_PIPE_SESSION_IN_ROOM), "in_room");
        CHECK_EQ_STR(service_pipe_light_color_to_string(SERVICE_PIPE_LIGHT_YELLOW), "yellow");
        CHECK_EQ_STR(service_pipe_outcome_to_string(SERVICE_PIPE_OUTCOME_FAILED), "failed");
}

int main(void) {
        RUN(test_hostile_framing);
        RUN(test_hostile_hello);
        RUN(test_hostile_join);
        RUN(test_longest_invite_fits);
        RUN(test_hostile_texts);
        RUN(test_hostile_lights);
        RUN(test_hostile_session);
        RUN(test_hostile_answers);
        RUN(test_encode_refuses);
        RUN(test_wire_bytes);
        RUN(test_round_trip_max);
        RUN(test_reader);
        RUN(test_reader_hostile);
        RUN(test_answer_hello);
        RUN(test_refuse);
        RUN(test_text_make_valid);
        RUN(test_strings);
        return 0;
}
