/* SPDX-License-Identifier: MIT */
#pragma once

/* The codec of the lanparty service's pipe, docs/SERVICE-PIPE.md: what
 * client.exe (unelevated) and the lanparty service (LocalSystem) say to
 * each other over \\.\pipe\lanparty. Frames are u16 length + u8 type +
 * body, like the control stream; requests go one way, answers and the
 * status stream the other. Pure C11 without OS headers, so the service,
 * client.exe, the unit tests and the fuzz target share it.
 *
 * The pipe crosses a privilege boundary: the service decodes what any
 * interactive user's program sends. Decoding checks every rule of the
 * document and encoding checks the same rules, so we never send what the
 * other side would refuse. The invite link is only bounded here (length,
 * printable ASCII): the service parses it itself with invite_parse(). */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "room-name.h"

/* The version HELLO and WELCOME carry. The frame header and the bodies of
 * HELLO, WELCOME and REFUSED never change, so any two versions can tell
 * each other that they differ; every other change takes a new version. */
#define LP_SERVICE_PIPE_VERSION 1
#define LP_SERVICE_PIPE_MAGIC "lanparty"  /* HELLO and WELCOME start with it */
#define LP_SERVICE_PIPE_MAGIC_SIZE 8
#define LP_SERVICE_PIPE_LENGTH_SIZE 2     /* the u16 length prefix */
#define LP_SERVICE_PIPE_MAX 2048          /* largest value of the length field */
#define LP_SERVICE_PIPE_FRAME_MAX (LP_SERVICE_PIPE_LENGTH_SIZE + LP_SERVICE_PIPE_MAX)
/* JOIN's link: longer than any valid invite link (invite.h's
 * LP_INVITE_TEXT_MAX, 398 with its NUL; test-service-pipe checks). */
#define LP_SERVICE_PIPE_LINK_MAX 512
#define LP_SERVICE_PIPE_REFUSED_TEXT_MAX 200
#define LP_SERVICE_PIPE_TEXT_MAX 1024     /* LINE and ENDED */
#define LP_SERVICE_PIPE_LIGHTS 3          /* relay, gateway, LAN address */
#define LP_SERVICE_PIPE_LIGHT_TEXT_MAX 159 /* client-lights.h's CLIENT_LIGHT_TEXT_MAX - 1 */
#define LP_SERVICE_PIPE_RELAY_MAX 253     /* SESSION's relay host, host-port.h's LP_INVITE_HOST_MAX */

/* Requests (client to service) are 0x01-0x3f, the service's messages
 * 0x40-0x7f; 0x00 and 0x80-0xff are never sent. */
typedef enum ServicePipeType {
        SERVICE_PIPE_HELLO = 0x01,
        SERVICE_PIPE_JOIN = 0x02,
        SERVICE_PIPE_LEAVE = 0x03,
        SERVICE_PIPE_STATUS = 0x04,
        SERVICE_PIPE_CHECK = 0x05,
        SERVICE_PIPE_WELCOME = 0x40,
        SERVICE_PIPE_REFUSED = 0x41,
        SERVICE_PIPE_ACCEPTED = 0x42,
        SERVICE_PIPE_SESSION = 0x43,
        SERVICE_PIPE_LINE = 0x44,
        SERVICE_PIPE_LIGHTS = 0x45,
        SERVICE_PIPE_ENDED = 0x46,
        _SERVICE_PIPE_TYPE_MAX,
        _SERVICE_PIPE_TYPE_INVALID = -EINVAL,
} ServicePipeType;

#define SERVICE_PIPE_REQUEST_FIRST 0x01
#define SERVICE_PIPE_REQUEST_LAST 0x3f
#define SERVICE_PIPE_SERVICE_FIRST 0x40
#define SERVICE_PIPE_SERVICE_LAST 0x7f

/* Which end wrote the bytes being decoded. */
typedef enum ServicePipeSender {
        SERVICE_PIPE_FROM_CLIENT,
        SERVICE_PIPE_FROM_SERVICE,
        _SERVICE_PIPE_SENDER_MAX,
        _SERVICE_PIPE_SENDER_INVALID = -EINVAL,
} ServicePipeSender;

/* Why the service refused a request (REFUSED's code). Any nonzero u8 is
 * valid on the wire, so an older client still shows a newer service's
 * refusal (as "unknown", with its text). */
typedef enum ServicePipeRefusal {
        SERVICE_PIPE_REFUSAL_BAD_VERSION = 1,     /* HELLO's version is not the service's */
        SERVICE_PIPE_REFUSAL_MALFORMED = 2,       /* broke a rule of the document; the pipe is closed */
        SERVICE_PIPE_REFUSAL_HELLO_FIRST = 3,     /* a request before HELLO, or a second HELLO */
        SERVICE_PIPE_REFUSAL_UNKNOWN_REQUEST = 4, /* a request type the service does not know */
        SERVICE_PIPE_REFUSAL_BAD_INVITE = 5,      /* the link is no valid invite; the text says why */
        SERVICE_PIPE_REFUSAL_IN_ROOM = 6,         /* JOIN while in a room: LEAVE first */
        SERVICE_PIPE_REFUSAL_NOT_IN_ROOM = 7,     /* LEAVE or CHECK with no session */
        SERVICE_PIPE_REFUSAL_NOT_ALLOWED = 8,     /* the caller may not (not an interactive logon) */
        SERVICE_PIPE_REFUSAL_BUSY = 9,            /* starting, stopping, or too many clients */
        SERVICE_PIPE_REFUSAL_INTERNAL = 10,       /* the service failed; the text says how */
        _SERVICE_PIPE_REFUSAL_MAX,
        _SERVICE_PIPE_REFUSAL_INVALID = -EINVAL,
} ServicePipeRefusal;

/* Why bytes were not a message; stable names for logs. */
typedef enum ServicePipeError {
        SERVICE_PIPE_ERROR_BAD_LENGTH,      /* length field 0 or > LP_SERVICE_PIPE_MAX */
        SERVICE_PIPE_ERROR_TRUNCATED,       /* message or a field inside cut short */
        SERVICE_PIPE_ERROR_TRAILING_BYTES,
        SERVICE_PIPE_ERROR_BAD_TYPE,        /* 0x00 or 0x80-0xff */
        SERVICE_PIPE_ERROR_WRONG_DIRECTION, /* a request from the service or the other way round */
        SERVICE_PIPE_ERROR_BAD_MAGIC,
        SERVICE_PIPE_ERROR_BAD_VERSION,     /* version 0 */
        SERVICE_PIPE_ERROR_BAD_LINK,        /* empty, too long, or not printable ASCII */
        SERVICE_PIPE_ERROR_BAD_TEXT,        /* invalid UTF-8, NUL or control character */
        SERVICE_PIPE_ERROR_TEXT_TOO_LONG,
        SERVICE_PIPE_ERROR_BAD_CODE,        /* REFUSED code 0 */
        SERVICE_PIPE_ERROR_BAD_REQUEST,     /* REFUSED or ACCEPTED naming no request */
        SERVICE_PIPE_ERROR_BAD_STATE,       /* SESSION state or its fields */
        SERVICE_PIPE_ERROR_BAD_ROOM,
        SERVICE_PIPE_ERROR_BAD_RELAY,
        SERVICE_PIPE_ERROR_BAD_COLOR,
        SERVICE_PIPE_ERROR_BAD_OUTCOME,
        _SERVICE_PIPE_ERROR_MAX,
        _SERVICE_PIPE_ERROR_INVALID = -EINVAL,
} ServicePipeError;

typedef enum ServicePipeSessionState {
        SERVICE_PIPE_SESSION_IDLE = 0,    /* no room */
        SERVICE_PIPE_SESSION_IN_ROOM = 1, /* joining, in, or reconnecting to a room */
        _SERVICE_PIPE_SESSION_STATE_MAX,
        _SERVICE_PIPE_SESSION_STATE_INVALID = -EINVAL,
} ServicePipeSessionState;

/* client-lights.h's ClientLightColor, value for value (the test checks). */
typedef enum ServicePipeLightColor {
        SERVICE_PIPE_LIGHT_GREY = 0,
        SERVICE_PIPE_LIGHT_GREEN = 1,
        SERVICE_PIPE_LIGHT_YELLOW = 2,
        SERVICE_PIPE_LIGHT_RED = 3,
        _SERVICE_PIPE_LIGHT_COLOR_MAX,
        _SERVICE_PIPE_LIGHT_COLOR_INVALID = -EINVAL,
} ServicePipeLightColor;

typedef enum ServicePipeOutcome {
        SERVICE_PIPE_OUTCOME_LEFT = 0,   /* left as asked (LEAVE, the service stopping) */
        SERVICE_PIPE_OUTCOME_FAILED = 1, /* could not start or stay; the text says why */
        _SERVICE_PIPE_OUTCOME_MAX,
        _SERVICE_PIPE_OUTCOME_INVALID = -EINVAL,
} ServicePipeOutcome;

/* HELLO and WELCOME: the magic is checked and written by the codec. */
typedef struct ServicePipeVersion {
        uint16_t version; /* 1..65535 */
} ServicePipeVersion;

/* The room key is in the link: wipe the message once the link is used. */
typedef struct ServicePipeJoin {
        char link[LP_SERVICE_PIPE_LINK_MAX + 1];
        size_t link_len;
} ServicePipeJoin;

typedef struct ServicePipeRefused {
        uint8_t request;         /* the refused request's type byte, maybe one we do not know */
        ServicePipeRefusal code; /* raw code, maybe one we do not know */
        uint16_t version;        /* the service's LP_SERVICE_PIPE_VERSION */
        char text[LP_SERVICE_PIPE_REFUSED_TEXT_MAX + 1];
        size_t text_len;
} ServicePipeRefused;

typedef struct ServicePipeAccepted {
        ServicePipeType request; /* JOIN, LEAVE, STATUS or CHECK */
} ServicePipeAccepted;

typedef struct ServicePipeSession {
        ServicePipeSessionState state;
        char room[LP_ROOM_NAME_MAX + 1]; /* empty when idle */
        size_t room_len;
        char relay[LP_SERVICE_PIPE_RELAY_MAX + 1]; /* the invite's host; empty when idle */
        size_t relay_len;
} ServicePipeSession;

typedef struct ServicePipeText {
        char text[LP_SERVICE_PIPE_TEXT_MAX + 1];
        size_t text_len;
} ServicePipeText;

typedef struct ServicePipeLight {
        ServicePipeLightColor color;
        char text[LP_SERVICE_PIPE_LIGHT_TEXT_MAX + 1];
        size_t text_len;
} ServicePipeLight;

typedef struct ServicePipeLights {
        ServicePipeLight light[LP_SERVICE_PIPE_LIGHTS];
} ServicePipeLights;

typedef struct ServicePipeEnded {
        ServicePipeOutcome outcome;
        char text[LP_SERVICE_PIPE_TEXT_MAX + 1];
        size_t text_len;
} ServicePipeEnded;

/* Strings are NUL-terminated after decoding; encoding uses the *_len
 * fields and refuses a NUL inside, so len = strlen() is always right.
 * LEAVE, STATUS and CHECK have no body. For a type this version does not
 * know, `type` is its byte and the union is zero. */
typedef struct ServicePipeMessage {
        ServicePipeType type;
        union {
                ServicePipeVersion hello;
                ServicePipeJoin join;
                ServicePipeVersion welcome;
                ServicePipeRefused refused;
                ServicePipeAccepted accepted;
                ServicePipeSession session;
                ServicePipeText line;
                ServicePipeLights lights;
                ServicePipeEnded ended;
        };
} ServicePipeMessage;

const char *service_pipe_type_to_string(ServicePipeType t);
const char *service_pipe_sender_to_string(ServicePipeSender s);
/* Never NULL: codes outside the table are "unknown". */
const char *service_pipe_refusal_to_string(ServicePipeRefusal r);
const char *service_pipe_error_to_string(ServicePipeError e);
const char *service_pipe_session_state_to_string(ServicePipeSessionState s);
const char *service_pipe_light_color_to_string(ServicePipeLightColor c);
const char *service_pipe_outcome_to_string(ServicePipeOutcome o);

/* Who may send a type byte: SERVICE_PIPE_FROM_CLIENT for 0x01-0x3f,
 * SERVICE_PIPE_FROM_SERVICE for 0x40-0x7f, _SERVICE_PIPE_SENDER_INVALID
 * for the rest. */
ServicePipeSender service_pipe_type_sender(uint8_t type);

/* Makes text from elsewhere (status lines cut at a byte count by
 * snprintf(), names players chose) fit a text field: every byte that is
 * not part of a valid UTF-8 sequence, and every control character,
 * becomes '?', in place. The length stays; cutting to a field's maximum
 * is the caller's (a sequence cut in two becomes '?'s here). */
void service_pipe_text_make_valid(char *s, size_t len);

/* Fills *ret with the service's answer to `hello`: WELCOME with our
 * version when it is LP_SERVICE_PIPE_VERSION, else REFUSED bad_version
 * naming both versions. Returns true for WELCOME. */
bool service_pipe_answer_hello(const ServicePipeVersion *hello, ServicePipeMessage *ret);

/* Fills *ret with REFUSED for the request type byte `request`, with our
 * version and `text` (may be NULL; cut to the field, made valid). */
void service_pipe_refuse(uint8_t request, ServicePipeRefusal code, const char *text, ServicePipeMessage *ret);

/* Encodes one message, length prefix included. Returns the number of
 * bytes written, -EINVAL when the message breaks a rule (an unknown type
 * among them), -ENOBUFS when buf is too small (LP_SERVICE_PIPE_FRAME_MAX
 * always suffices). */
int service_pipe_encode(const ServicePipeMessage *m, uint8_t *buf, size_t size);

/* Decodes exactly one message, length prefix included, occupying all of
 * buf[0..len), as written by `from`. Returns 1 with *ret filled (zeroed
 * first, so equal messages compare equal with memcmp), 0 for a
 * well-formed frame of a type `from` may send that this version does not
 * know (ret->type is its byte), or -EBADMSG with the reason in *ret_error
 * (may be NULL); -EINVAL for a NULL ret or a sender that is neither. */
int service_pipe_decode(ServicePipeSender from, const uint8_t *buf, size_t len, ServicePipeMessage *ret,
                        ServicePipeError *ret_error);

/* Reassembles messages from the pipe's bytes. The buffer holds at most
 * one frame, so feeding takes only what fits; the caller alternates
 * service_pipe_reader_feed() and service_pipe_reader_next() as with
 * ControlReader (control.h). Bytes of a frame are zeroed once it is
 * taken out, so a JOIN's room key does not linger in the buffer. */
typedef struct ServicePipeReader {
        ServicePipeSender from;
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        size_t len;
        bool broken;            /* zero-initialised means healthy */
        ServicePipeError error; /* why, once broken */
} ServicePipeReader;

/* `from`: whose bytes this reader takes (the service reads the client's). */
void service_pipe_reader_init(ServicePipeReader *r, ServicePipeSender from);
/* Copies up to `size` bytes in and returns how many it took. Once the
 * stream is broken everything is taken and dropped. */
size_t service_pipe_reader_feed(ServicePipeReader *r, const uint8_t *data, size_t size);
/* Returns 1 with the next message in *ret, 2 with a well-formed frame of
 * a type this version does not know (ret->type is its byte: the service
 * refuses it with unknown_request and goes on), 0 when more bytes are
 * needed, or -EBADMSG when the stream is malformed (r->error says why);
 * the error is sticky: there is no resynchronising, close the pipe. */
int service_pipe_reader_next(ServicePipeReader *r, ServicePipeMessage *ret);
/* Bytes of an incomplete frame buffered: nonzero at the end of the stream
 * means the other side closed mid-message. */
size_t service_pipe_reader_pending(const ServicePipeReader *r);
