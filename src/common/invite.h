/* SPDX-License-Identifier: MIT */
#pragma once

/* Invite links, docs/PROTOCOL.md "Invite link and join authentication":
 *
 *   lanparty://HOST[:PORT]/ROOM?k=ROOMKEY[&pin=PIN]
 *
 * Users paste these from chat, so the parser is strict and says precisely
 * what is wrong instead of guessing what was meant. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "b64url.h"
#include "host-port.h"
#include "room-name.h"

#define LP_INVITE_SCHEME "lanparty://"
#define LP_INVITE_DEFAULT_PORT 443

/* Longest text invite_format() can produce, NUL included:
 * scheme, host (a DNS name is the longest form), ":65535", "/ROOM",
 * "?k=KEY" and "&pin=PIN". */
#define LP_INVITE_TEXT_MAX                                                                      \
        (sizeof(LP_INVITE_SCHEME) - 1 + LP_INVITE_HOST_MAX + 6 + 1 + LP_ROOM_NAME_MAX + 3 +    \
         B64URL_ENCODED_LEN(LP_ROOM_KEY_SIZE) + 5 + B64URL_ENCODED_LEN(LP_SPKI_PIN_SIZE) + 1)

typedef struct Invite {
        char host[256]; /* as written in the link (IPv6 without brackets), NUL-terminated */
        InviteHostType host_type;
        uint16_t port;
        char room[LP_ROOM_NAME_MAX + 1];
        uint8_t room_key[LP_ROOM_KEY_SIZE];
        bool has_pin;
        uint8_t pin[LP_SPKI_PIN_SIZE]; /* only meaningful with has_pin */
} Invite;

/* Why a link was refused. The enum names are stable; the strings are for
 * people and may be reworded. */
typedef enum InviteError {
        INVITE_ERROR_EMPTY,
        INVITE_ERROR_BAD_CHARACTER,
        INVITE_ERROR_SCHEME,
        INVITE_ERROR_PERCENT_ENCODING,
        INVITE_ERROR_FRAGMENT,
        INVITE_ERROR_USER_INFO,
        INVITE_ERROR_HOST_MISSING,
        INVITE_ERROR_HOST_TOO_LONG,
        INVITE_ERROR_HOST_LABEL_TOO_LONG,
        INVITE_ERROR_BAD_HOST,
        INVITE_ERROR_BAD_IPV4,
        INVITE_ERROR_BAD_IPV6,
        INVITE_ERROR_IPV6_BRACKETS,
        INVITE_ERROR_BAD_PORT,
        INVITE_ERROR_PORT_OUT_OF_RANGE,
        INVITE_ERROR_ROOM_MISSING,
        INVITE_ERROR_BAD_ROOM,
        INVITE_ERROR_BAD_PARAMETER,
        INVITE_ERROR_UNKNOWN_PARAMETER,
        INVITE_ERROR_DUPLICATE_KEY,
        INVITE_ERROR_DUPLICATE_PIN,
        INVITE_ERROR_EMPTY_VALUE,
        INVITE_ERROR_KEY_MISSING,
        INVITE_ERROR_BAD_KEY,
        INVITE_ERROR_BAD_PIN,
        _INVITE_ERROR_MAX,
        _INVITE_ERROR_INVALID = -EINVAL,
} InviteError;

const char *invite_error_to_string(InviteError e);

/* Parses a NUL-terminated link; leading and trailing whitespace is ignored.
 * Returns 0 and fills *ret, or -EINVAL with the reason in *ret_error (may be
 * NULL) and *ret untouched. */
int invite_parse(const char *text, Invite *ret, InviteError *ret_error);

/* Writes the canonical text of *inv: lower-case scheme, IPv6 in brackets,
 * no ":443", k= before pin=. Returns 0, -EINVAL if *inv would not parse back
 * (bad host for its type, port 0, bad room), or -ENOBUFS when size is too
 * small (LP_INVITE_TEXT_MAX always suffices). */
int invite_format(const Invite *inv, char *buf, size_t size);
