/* SPDX-License-Identifier: MIT */
#include "service-pipe.h"

#include <stdio.h>
#include <string.h>

#include "control.h"
#include "length-prefix.h"
#include "macro.h"
#include "string-table.h"

_Static_assert(LP_SERVICE_PIPE_LENGTH_SIZE == LENGTH_PREFIX_SIZE, "the stream's framing is length-prefix.h's");

static const char *const service_pipe_type_table[_SERVICE_PIPE_TYPE_MAX] = {
        [SERVICE_PIPE_HELLO] = "hello",
        [SERVICE_PIPE_JOIN] = "join",
        [SERVICE_PIPE_LEAVE] = "leave",
        [SERVICE_PIPE_STATUS] = "status",
        [SERVICE_PIPE_CHECK] = "check",
        [SERVICE_PIPE_WELCOME] = "welcome",
        [SERVICE_PIPE_REFUSED] = "refused",
        [SERVICE_PIPE_ACCEPTED] = "accepted",
        [SERVICE_PIPE_SESSION] = "session",
        [SERVICE_PIPE_LINE] = "line",
        [SERVICE_PIPE_LIGHTS] = "lights",
        [SERVICE_PIPE_ENDED] = "ended",
};

static const char *const service_pipe_sender_table[_SERVICE_PIPE_SENDER_MAX] = {
        [SERVICE_PIPE_FROM_CLIENT] = "client",
        [SERVICE_PIPE_FROM_SERVICE] = "service",
};

static const char *const service_pipe_refusal_table[_SERVICE_PIPE_REFUSAL_MAX] = {
        [SERVICE_PIPE_REFUSAL_BAD_VERSION] = "bad_version",
        [SERVICE_PIPE_REFUSAL_MALFORMED] = "malformed",
        [SERVICE_PIPE_REFUSAL_HELLO_FIRST] = "hello_first",
        [SERVICE_PIPE_REFUSAL_UNKNOWN_REQUEST] = "unknown_request",
        [SERVICE_PIPE_REFUSAL_BAD_INVITE] = "bad_invite",
        [SERVICE_PIPE_REFUSAL_IN_ROOM] = "in_room",
        [SERVICE_PIPE_REFUSAL_NOT_IN_ROOM] = "not_in_room",
        [SERVICE_PIPE_REFUSAL_NOT_ALLOWED] = "not_allowed",
        [SERVICE_PIPE_REFUSAL_BUSY] = "busy",
        [SERVICE_PIPE_REFUSAL_INTERNAL] = "internal",
};

static const char *const service_pipe_error_table[_SERVICE_PIPE_ERROR_MAX] = {
        [SERVICE_PIPE_ERROR_BAD_LENGTH] = "bad_length",
        [SERVICE_PIPE_ERROR_TRUNCATED] = "truncated",
        [SERVICE_PIPE_ERROR_TRAILING_BYTES] = "trailing_bytes",
        [SERVICE_PIPE_ERROR_BAD_TYPE] = "bad_type",
        [SERVICE_PIPE_ERROR_WRONG_DIRECTION] = "wrong_direction",
        [SERVICE_PIPE_ERROR_BAD_MAGIC] = "bad_magic",
        [SERVICE_PIPE_ERROR_BAD_VERSION] = "bad_version",
        [SERVICE_PIPE_ERROR_BAD_LINK] = "bad_link",
        [SERVICE_PIPE_ERROR_BAD_TEXT] = "bad_text",
        [SERVICE_PIPE_ERROR_TEXT_TOO_LONG] = "text_too_long",
        [SERVICE_PIPE_ERROR_BAD_CODE] = "bad_code",
        [SERVICE_PIPE_ERROR_BAD_REQUEST] = "bad_request",
        [SERVICE_PIPE_ERROR_BAD_STATE] = "bad_state",
        [SERVICE_PIPE_ERROR_BAD_ROOM] = "bad_room",
        [SERVICE_PIPE_ERROR_BAD_RELAY] = "bad_relay",
        [SERVICE_PIPE_ERROR_BAD_COLOR] = "bad_color",
        [SERVICE_PIPE_ERROR_BAD_OUTCOME] = "bad_outcome",
};

static const char *const service_pipe_session_state_table[_SERVICE_PIPE_SESSION_STATE_MAX] = {
        [SERVICE_PIPE_SESSION_IDLE] = "idle",
        [SERVICE_PIPE_SESSION_IN_ROOM] = "in_room",
};

static const char *const service_pipe_light_color_table[_SERVICE_PIPE_LIGHT_COLOR_MAX] = {
        [SERVICE_PIPE_LIGHT_GREY] = "grey",
        [SERVICE_PIPE_LIGHT_GREEN] = "green",
        [SERVICE_PIPE_LIGHT_YELLOW] = "yellow",
        [SERVICE_PIPE_LIGHT_RED] = "red",
};

static const char *const service_pipe_outcome_table[_SERVICE_PIPE_OUTCOME_MAX] = {
        [SERVICE_PIPE_OUTCOME_LEFT] = "left",
        [SERVICE_PIPE_OUTCOME_FAILED] = "failed",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(service_pipe_type, ServicePipeType)
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(service_pipe_sender, ServicePipeSender)
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(service_pipe_error, ServicePipeError)
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(service_pipe_session_state, ServicePipeSessionState)
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(service_pipe_light_color, ServicePipeLightColor)
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(service_pipe_outcome, ServicePipeOutcome)

const char *service_pipe_refusal_to_string(ServicePipeRefusal r) {
        const char *s = string_table_lookup_to_string(service_pipe_refusal_table,
                                                      ELEMENTSOF(service_pipe_refusal_table), r);
        return s ? s : "unknown";
}

ServicePipeSender service_pipe_type_sender(uint8_t type) {
        if (type >= SERVICE_PIPE_REQUEST_FIRST && type <= SERVICE_PIPE_REQUEST_LAST)
                return SERVICE_PIPE_FROM_CLIENT;
        if (type >= SERVICE_PIPE_SERVICE_FIRST && type <= SERVICE_PIPE_SERVICE_LAST)
                return SERVICE_PIPE_FROM_SERVICE;
        return _SERVICE_PIPE_SENDER_INVALID;
}

/* ---- field rules, shared by both directions -------------------------------------- */

static bool byte_is_printable_ascii(uint8_t c) {
        return c > 0x20 && c < 0x7f;
}

/* JOIN's link and SESSION's relay: what invite_parse() accepts is made of
 * these bytes only, so nothing else needs to reach the service's parser
 * or the window's title. */
static bool printable_ascii_is_valid(const char *s, size_t len, size_t max) {
        if (len == 0 || len > max)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!byte_is_printable_ascii((uint8_t) s[i]))
                        return false;
        return true;
}

static bool light_color_is_valid(ServicePipeLightColor c) {
        return c >= 0 && c < _SERVICE_PIPE_LIGHT_COLOR_MAX;
}

static bool accepted_request_is_valid(ServicePipeType t) {
        return t == SERVICE_PIPE_JOIN || t == SERVICE_PIPE_LEAVE || t == SERVICE_PIPE_STATUS ||
               t == SERVICE_PIPE_CHECK;
}

/* REFUSED names a request byte, or 0 when not even a type could be read. */
static bool refused_request_is_valid(uint8_t request) {
        return request == 0 || service_pipe_type_sender(request) == SERVICE_PIPE_FROM_CLIENT;
}

/* Returns the byte length of the valid UTF-8 sequence at s[0..left), or 0. */
static size_t utf8_sequence_length(const char *s, size_t left) {
        uint8_t c = (uint8_t) s[0];
        size_t n = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 && c < 0xF5 ? 4 : 0;

        if (n == 0 || n > left || !utf8_is_valid(s, n))
                return 0;
        return n;
}

void service_pipe_text_make_valid(char *s, size_t len) {
        size_t i = 0;

        if (!s)
                return;
        while (i < len) {
                size_t n = utf8_sequence_length(s + i, len - i);

                if (n == 0 || (n == 1 && !control_text_is_valid(s + i, 1))) {
                        s[i++] = '?';
                        continue;
                }
                i += n;
        }
}

/* ---- decoding --------------------------------------------------------------------- */

/* What the decode helpers return when a field is fine. */
#define DECODE_OK _SERVICE_PIPE_ERROR_INVALID

typedef struct Cursor {
        const uint8_t *p;
        size_t left;
} Cursor;

static bool take_u8(Cursor *c, uint8_t *ret) {
        if (c->left < 1)
                return false;
        *ret = c->p[0];
        c->p++, c->left--;
        return true;
}

static bool take_u16(Cursor *c, uint16_t *ret) {
        if (c->left < 2)
                return false;
        *ret = be16_load(c->p);
        c->p += 2, c->left -= 2;
        return true;
}

/* Copies n bytes into dst[dst_size] and terminates it. The callers check
 * each field's bound first and say which; dst_size is the last line. */
static bool take_string(Cursor *c, size_t n, char *dst, size_t dst_size, size_t *ret_len) {
        if (c->left < n || n >= dst_size)
                return false;
        memcpy(dst, c->p, n);
        dst[n] = '\0';
        *ret_len = n;
        c->p += n, c->left -= n;
        return true;
}

/* A text that fills the rest of the body: 0..max bytes (min..max). */
static ServicePipeError take_rest_text(Cursor *c, size_t min, size_t max, char *dst, size_t dst_size,
                                       size_t *ret_len) {
        if (c->left > max)
                return SERVICE_PIPE_ERROR_TEXT_TOO_LONG;
        if (c->left < min)
                return SERVICE_PIPE_ERROR_TRUNCATED;
        if (!control_text_is_valid((const char *) c->p, c->left))
                return SERVICE_PIPE_ERROR_BAD_TEXT;
        if (!take_string(c, c->left, dst, dst_size, ret_len))
                return SERVICE_PIPE_ERROR_TEXT_TOO_LONG;
        return DECODE_OK;
}

static ServicePipeError decode_version(Cursor *c, ServicePipeVersion *v) {
        if (c->left < LP_SERVICE_PIPE_MAGIC_SIZE + 2)
                return SERVICE_PIPE_ERROR_TRUNCATED;
        if (memcmp(c->p, LP_SERVICE_PIPE_MAGIC, LP_SERVICE_PIPE_MAGIC_SIZE) != 0)
                return SERVICE_PIPE_ERROR_BAD_MAGIC;
        c->p += LP_SERVICE_PIPE_MAGIC_SIZE, c->left -= LP_SERVICE_PIPE_MAGIC_SIZE;
        (void) take_u16(c, &v->version);
        if (v->version == 0)
                return SERVICE_PIPE_ERROR_BAD_VERSION;
        return DECODE_OK;
}

static ServicePipeError decode_join(Cursor *c, ServicePipeJoin *j) {
        if (!printable_ascii_is_valid((const char *) c->p, c->left, LP_SERVICE_PIPE_LINK_MAX))
                return SERVICE_PIPE_ERROR_BAD_LINK;
        if (!take_string(c, c->left, j->link, sizeof(j->link), &j->link_len))
                return SERVICE_PIPE_ERROR_BAD_LINK;
        return DECODE_OK;
}

static ServicePipeError decode_refused(Cursor *c, ServicePipeRefused *r) {
        uint8_t code;

        if (!take_u8(c, &r->request) || !take_u8(c, &code) || !take_u16(c, &r->version))
                return SERVICE_PIPE_ERROR_TRUNCATED;
        if (!refused_request_is_valid(r->request))
                return SERVICE_PIPE_ERROR_BAD_REQUEST;
        if (code == 0)
                return SERVICE_PIPE_ERROR_BAD_CODE;
        r->code = (ServicePipeRefusal) code;
        if (r->version == 0)
                return SERVICE_PIPE_ERROR_BAD_VERSION;
        return take_rest_text(c, 0, LP_SERVICE_PIPE_REFUSED_TEXT_MAX, r->text, sizeof(r->text), &r->text_len);
}

static ServicePipeError decode_accepted(Cursor *c, ServicePipeAccepted *a) {
        uint8_t request;

        if (!take_u8(c, &request))
                return SERVICE_PIPE_ERROR_TRUNCATED;
        a->request = (ServicePipeType) request;
        if (!accepted_request_is_valid(a->request))
                return SERVICE_PIPE_ERROR_BAD_REQUEST;
        return DECODE_OK;
}

static ServicePipeError decode_session(Cursor *c, ServicePipeSession *s) {
        uint8_t state, room_len, relay_len;

        if (!take_u8(c, &state) || !take_u8(c, &room_len))
                return SERVICE_PIPE_ERROR_TRUNCATED;
        if (room_len > LP_ROOM_NAME_MAX)
                return SERVICE_PIPE_ERROR_BAD_ROOM;
        if (!take_string(c, room_len, s->room, sizeof(s->room), &s->room_len) || !take_u8(c, &relay_len))
                return SERVICE_PIPE_ERROR_TRUNCATED;
        if (relay_len > LP_SERVICE_PIPE_RELAY_MAX)
                return SERVICE_PIPE_ERROR_BAD_RELAY;
        if (!take_string(c, relay_len, s->relay, sizeof(s->relay), &s->relay_len))
                return SERVICE_PIPE_ERROR_TRUNCATED;
        s->state = (ServicePipeSessionState) state;
        if (s->state == SERVICE_PIPE_SESSION_IDLE)
                return s->room_len == 0 && s->relay_len == 0 ? DECODE_OK : SERVICE_PIPE_ERROR_BAD_STATE;
        if (s->state != SERVICE_PIPE_SESSION_IN_ROOM)
                return SERVICE_PIPE_ERROR_BAD_STATE;
        if (!room_name_is_valid(s->room, s->room_len))
                return SERVICE_PIPE_ERROR_BAD_ROOM;
        if (!printable_ascii_is_valid(s->relay, s->relay_len, LP_SERVICE_PIPE_RELAY_MAX))
                return SERVICE_PIPE_ERROR_BAD_RELAY;
        return DECODE_OK;
}

static ServicePipeError decode_lights(Cursor *c, ServicePipeLights *l) {
        for (size_t i = 0; i < LP_SERVICE_PIPE_LIGHTS; i++) {
                ServicePipeLight *light = &l->light[i];
                uint8_t color, len;

                if (!take_u8(c, &color) || !take_u8(c, &len))
                        return SERVICE_PIPE_ERROR_TRUNCATED;
                light->color = (ServicePipeLightColor) color;
                if (!light_color_is_valid(light->color))
                        return SERVICE_PIPE_ERROR_BAD_COLOR;
                if (len > LP_SERVICE_PIPE_LIGHT_TEXT_MAX)
                        return SERVICE_PIPE_ERROR_TEXT_TOO_LONG;
                if (!take_string(c, len, light->text, sizeof(light->text), &light->text_len))
                        return SERVICE_PIPE_ERROR_TRUNCATED;
                if (!control_text_is_valid(light->text, light->text_len))
                        return SERVICE_PIPE_ERROR_BAD_TEXT;
        }
        return DECODE_OK;
}

static ServicePipeError decode_ended(Cursor *c, ServicePipeEnded *e) {
        uint8_t outcome;

        if (!take_u8(c, &outcome))
                return SERVICE_PIPE_ERROR_TRUNCATED;
        e->outcome = (ServicePipeOutcome) outcome;
        if (e->outcome != SERVICE_PIPE_OUTCOME_LEFT && e->outcome != SERVICE_PIPE_OUTCOME_FAILED)
                return SERVICE_PIPE_ERROR_BAD_OUTCOME;
        return take_rest_text(c, 0, LP_SERVICE_PIPE_TEXT_MAX, e->text, sizeof(e->text), &e->text_len);
}

/* The body of a known type; DECODE_OK or why not. */
static ServicePipeError decode_body(Cursor *c, ServicePipeMessage *m) {
        switch (m->type) {
        case SERVICE_PIPE_HELLO:
                return decode_version(c, &m->hello);
        case SERVICE_PIPE_WELCOME:
                return decode_version(c, &m->welcome);
        case SERVICE_PIPE_JOIN:
                return decode_join(c, &m->join);
        case SERVICE_PIPE_LEAVE:
        case SERVICE_PIPE_STATUS:
        case SERVICE_PIPE_CHECK:
                return DECODE_OK;
        case SERVICE_PIPE_REFUSED:
                return decode_refused(c, &m->refused);
        case SERVICE_PIPE_ACCEPTED:
                return decode_accepted(c, &m->accepted);
        case SERVICE_PIPE_SESSION:
                return decode_session(c, &m->session);
        case SERVICE_PIPE_LINE:
                return take_rest_text(c, 1, LP_SERVICE_PIPE_TEXT_MAX, m->line.text, sizeof(m->line.text),
                                      &m->line.text_len);
        case SERVICE_PIPE_LIGHTS:
                return decode_lights(c, &m->lights);
        case SERVICE_PIPE_ENDED:
                return decode_ended(c, &m->ended);
        default:
                return SERVICE_PIPE_ERROR_BAD_TYPE; /* not reached: the caller knows the type */
        }
}

static int decode_fail(ServicePipeError e, ServicePipeError *ret_error) {
        if (ret_error)
                *ret_error = e;
        return -EBADMSG;
}

int service_pipe_decode(ServicePipeSender from, const uint8_t *buf, size_t len, ServicePipeMessage *ret,
                        ServicePipeError *ret_error) {
        ServicePipeMessage m;
        ServicePipeError e;
        ServicePipeSender owner;
        uint16_t length;
        Cursor c;

        if (!ret || (!buf && len > 0) || (from != SERVICE_PIPE_FROM_CLIENT && from != SERVICE_PIPE_FROM_SERVICE))
                return -EINVAL;
        if (len < LP_SERVICE_PIPE_LENGTH_SIZE)
                return decode_fail(SERVICE_PIPE_ERROR_TRUNCATED, ret_error);
        length = be16_load(buf);
        if (length == 0 || length > LP_SERVICE_PIPE_MAX)
                return decode_fail(SERVICE_PIPE_ERROR_BAD_LENGTH, ret_error);
        if (len < LP_SERVICE_PIPE_LENGTH_SIZE + (size_t) length)
                return decode_fail(SERVICE_PIPE_ERROR_TRUNCATED, ret_error);
        if (len > LP_SERVICE_PIPE_LENGTH_SIZE + (size_t) length)
                return decode_fail(SERVICE_PIPE_ERROR_TRAILING_BYTES, ret_error);

        memset(&m, 0, sizeof(m));
        m.type = (ServicePipeType) buf[LP_SERVICE_PIPE_LENGTH_SIZE];
        owner = service_pipe_type_sender(buf[LP_SERVICE_PIPE_LENGTH_SIZE]);
        if (owner < 0)
                return decode_fail(SERVICE_PIPE_ERROR_BAD_TYPE, ret_error);
        if (owner != from)
                return decode_fail(SERVICE_PIPE_ERROR_WRONG_DIRECTION, ret_error);
        if (!service_pipe_type_to_string(m.type)) {
                *ret = m; /* the type byte only: the answer names it */
                return 0;
        }

        c = (Cursor) { .p = buf + LP_SERVICE_PIPE_LENGTH_SIZE + 1, .left = (size_t) length - 1 };
        e = decode_body(&c, &m);
        if (e != DECODE_OK)
                return decode_fail(e, ret_error);
        if (c.left > 0)
                return decode_fail(SERVICE_PIPE_ERROR_TRAILING_BYTES, ret_error);
        *ret = m;
        return 1;
}

/* ---- encoding --------------------------------------------------------------------- */

typedef struct Writer {
        uint8_t *buf;
        size_t size, len;
} Writer;

/* Appends n bytes, or counts them only once the buffer is full, so the
 * caller learns the size either way and reports -ENOBUFS at the end. */
static void put(Writer *w, const void *data, size_t n) {
        if (w->len <= w->size && n <= w->size - w->len)
                memcpy(w->buf + w->len, data, n);
        w->len += n;
}

static void put_u8(Writer *w, uint8_t v) {
        put(w, &v, 1);
}

static void put_u16(Writer *w, uint16_t v) {
        uint8_t b[2];

        be16_store(b, v);
        put(w, b, 2);
}

static bool text_fits(const char *s, size_t len, size_t min, size_t max) {
        return len >= min && len <= max && control_text_is_valid(s, len);
}

static int encode_session(const ServicePipeSession *s, Writer *w) {
        if (s->state == SERVICE_PIPE_SESSION_IDLE) {
                if (s->room_len != 0 || s->relay_len != 0)
                        return -EINVAL;
        } else if (s->state != SERVICE_PIPE_SESSION_IN_ROOM || s->room_len > LP_ROOM_NAME_MAX ||
                   !room_name_is_valid(s->room, s->room_len) ||
                   !printable_ascii_is_valid(s->relay, s->relay_len, LP_SERVICE_PIPE_RELAY_MAX))
                return -EINVAL;
        put_u8(w, (uint8_t) s->state);
        put_u8(w, (uint8_t) s->room_len);
        put(w, s->room, s->room_len);
        put_u8(w, (uint8_t) s->relay_len);
        put(w, s->relay, s->relay_len);
        return 0;
}

static int encode_lights(const ServicePipeLights *l, Writer *w) {
        for (size_t i = 0; i < LP_SERVICE_PIPE_LIGHTS; i++) {
                const ServicePipeLight *light = &l->light[i];

                if (!light_color_is_valid(light->color) ||
                    !text_fits(light->text, light->text_len, 0, LP_SERVICE_PIPE_LIGHT_TEXT_MAX))
                        return -EINVAL;
                put_u8(w, (uint8_t) light->color);
                put_u8(w, (uint8_t) light->text_len);
                put(w, light->text, light->text_len);
        }
        return 0;
}

static int encode_version(const ServicePipeVersion *v, Writer *w) {
        if (v->version == 0)
                return -EINVAL;
        put(w, LP_SERVICE_PIPE_MAGIC, LP_SERVICE_PIPE_MAGIC_SIZE);
        put_u16(w, v->version);
        return 0;
}

static int encode_refused(const ServicePipeRefused *r, Writer *w) {
        if (!refused_request_is_valid(r->request) || r->code <= 0 || r->code > UINT8_MAX || r->version == 0 ||
            !text_fits(r->text, r->text_len, 0, LP_SERVICE_PIPE_REFUSED_TEXT_MAX))
                return -EINVAL;
        put_u8(w, r->request);
        put_u8(w, (uint8_t) r->code);
        put_u16(w, r->version);
        put(w, r->text, r->text_len);
        return 0;
}

static int encode_body(const ServicePipeMessage *m, Writer *w) {
        switch (m->type) {
        case SERVICE_PIPE_HELLO:
                return encode_version(&m->hello, w);
        case SERVICE_PIPE_WELCOME:
                return encode_version(&m->welcome, w);
        case SERVICE_PIPE_JOIN:
                if (!printable_ascii_is_valid(m->join.link, m->join.link_len, LP_SERVICE_PIPE_LINK_MAX))
                        return -EINVAL;
                put(w, m->join.link, m->join.link_len);
                return 0;
        case SERVICE_PIPE_LEAVE:
        case SERVICE_PIPE_STATUS:
        case SERVICE_PIPE_CHECK:
                return 0;
        case SERVICE_PIPE_REFUSED:
                return encode_refused(&m->refused, w);
        case SERVICE_PIPE_ACCEPTED:
                if (!accepted_request_is_valid(m->accepted.request))
                        return -EINVAL;
                put_u8(w, (uint8_t) m->accepted.request);
                return 0;
        case SERVICE_PIPE_SESSION:
                return encode_session(&m->session, w);
        case SERVICE_PIPE_LINE:
                if (!text_fits(m->line.text, m->line.text_len, 1, LP_SERVICE_PIPE_TEXT_MAX))
                        return -EINVAL;
                put(w, m->line.text, m->line.text_len);
                return 0;
        case SERVICE_PIPE_LIGHTS:
                return encode_lights(&m->lights, w);
        case SERVICE_PIPE_ENDED:
                if ((m->ended.outcome != SERVICE_PIPE_OUTCOME_LEFT && m->ended.outcome != SERVICE_PIPE_OUTCOME_FAILED) ||
                    !text_fits(m->ended.text, m->ended.text_len, 0, LP_SERVICE_PIPE_TEXT_MAX))
                        return -EINVAL;
                put_u8(w, (uint8_t) m->ended.outcome);
                put(w, m->ended.text, m->ended.text_len);
                return 0;
        default:
                return -EINVAL;
        }
}

int service_pipe_encode(const ServicePipeMessage *m, uint8_t *buf, size_t size) {
        Writer w = { .buf = buf, .size = buf ? size : 0, .len = LP_SERVICE_PIPE_LENGTH_SIZE + 1 };
        size_t length;
        int r;

        if (!m || !service_pipe_type_to_string(m->type))
                return -EINVAL;
        r = encode_body(m, &w);
        if (r < 0)
                return r;
        length = w.len - LP_SERVICE_PIPE_LENGTH_SIZE;
        /* Every body above fits by its field limits; this guards the sum. */
        if (length > LP_SERVICE_PIPE_MAX)
                return -EINVAL;
        if (w.len > w.size)
                return -ENOBUFS;
        be16_store(buf, (uint16_t) length);
        buf[LP_SERVICE_PIPE_LENGTH_SIZE] = (uint8_t) m->type;
        return (int) w.len;
}

/* ---- the service's answers -------------------------------------------------------- */

static void text_set(char *dst, size_t max, size_t *ret_len, const char *text) {
        size_t n = text ? strlen(text) : 0;

        n = MIN(n, max);
        memcpy(dst, text ? text : "", n);
        dst[n] = '\0';
        service_pipe_text_make_valid(dst, n);
        *ret_len = n;
}

void service_pipe_refuse(uint8_t request, ServicePipeRefusal code, const char *text, ServicePipeMessage *ret) {
        memset(ret, 0, sizeof(*ret));
        ret->type = SERVICE_PIPE_REFUSED;
        /* Field by field: a compound literal may leave padding that a
         * memcmp() against a decoded copy would trip over. */
        ret->refused.request = refused_request_is_valid(request) ? request : 0;
        ret->refused.code = code;
        ret->refused.version = LP_SERVICE_PIPE_VERSION;
        text_set(ret->refused.text, LP_SERVICE_PIPE_REFUSED_TEXT_MAX, &ret->refused.text_len, text);
}

bool service_pipe_answer_hello(const ServicePipeVersion *hello, ServicePipeMessage *ret) {
        char text[LP_SERVICE_PIPE_REFUSED_TEXT_MAX + 1];

        if (hello->version == LP_SERVICE_PIPE_VERSION) {
                memset(ret, 0, sizeof(*ret));
                ret->type = SERVICE_PIPE_WELCOME;
                ret->welcome.version = LP_SERVICE_PIPE_VERSION;
                return true;
        }
        /* Client and service come from one installer: a difference means
         * one of them still runs from before an update. */
        (void) snprintf(text, sizeof(text),
                        "the lanparty service speaks version %u of the pipe protocol, this program %u: %s",
                        (unsigned) LP_SERVICE_PIPE_VERSION, (unsigned) hello->version,
                        hello->version < LP_SERVICE_PIPE_VERSION ? "restart lanparty" : "restart the lanparty service");
        service_pipe_refuse(SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_BAD_VERSION, text, ret);
        return false;
}

/* ---- the stream ------------------------------------------------------------------- */

void service_pipe_reader_init(ServicePipeReader *r, ServicePipeSender from) {
        memset(r, 0, sizeof(*r));
        r->from = from;
        r->error = _SERVICE_PIPE_ERROR_INVALID;
}

size_t service_pipe_reader_feed(ServicePipeReader *r, const uint8_t *data, size_t size) {
        if (!r || !data)
                return 0;
        return length_prefix_feed(r->buf, sizeof(r->buf), &r->len, r->broken, data, size);
}

static int reader_fail(ServicePipeReader *r, ServicePipeError e) {
        r->broken = true;
        r->error = e;
        memset(r->buf, 0, sizeof(r->buf));
        r->len = 0;
        return -EBADMSG;
}

int service_pipe_reader_next(ServicePipeReader *r, ServicePipeMessage *ret) {
        ServicePipeError e = _SERVICE_PIPE_ERROR_INVALID;
        size_t total;
        int k;

        if (!r || !ret)
                return -EINVAL;
        if (r->broken)
                return -EBADMSG;
        k = length_prefix_frame(r->buf, r->len, LP_SERVICE_PIPE_MAX, &total);
        if (k < 0)
                return reader_fail(r, SERVICE_PIPE_ERROR_BAD_LENGTH);
        if (k == 0)
                return 0;

        k = service_pipe_decode(r->from, r->buf, total, ret, &e);
        if (k < 0)
                return reader_fail(r, e);
        length_prefix_consume(r->buf, &r->len, total, true);
        return k > 0 ? 1 : 2;
}

size_t service_pipe_reader_pending(const ServicePipeReader *r) {
        return r ? r->len : 0;
}
