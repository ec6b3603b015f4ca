/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "invite.h"
#include "macro.h"
#include "string-table.h"

/* Internal "no error" result of the parse helpers. */
#define INVITE_PARSE_OK _INVITE_ERROR_MAX

static const char *const invite_error_table[_INVITE_ERROR_MAX] = {
        [INVITE_ERROR_EMPTY] = "invite link is empty",
        [INVITE_ERROR_BAD_CHARACTER] = "invite link contains spaces, control or non-ASCII characters",
        [INVITE_ERROR_SCHEME] = "invite link must start with lanparty://",
        [INVITE_ERROR_PERCENT_ENCODING] = "invite link must not contain percent-encoding (%)",
        [INVITE_ERROR_FRAGMENT] = "invite link must not contain a fragment (#)",
        [INVITE_ERROR_USER_INFO] = "invite link must not contain user info (@)",
        [INVITE_ERROR_HOST_MISSING] = "invite link has no host",
        [INVITE_ERROR_HOST_TOO_LONG] = "host name is longer than 253 characters",
        [INVITE_ERROR_HOST_LABEL_TOO_LONG] = "host name has a label longer than 63 characters",
        [INVITE_ERROR_BAD_HOST] = "host name must be dot-separated labels of letters, digits and '-', "
                                  "not starting or ending with '-', without a trailing dot",
        [INVITE_ERROR_BAD_IPV4] = "invalid IPv4 address (a host ending in a number must be "
                                  "four decimal numbers 0-255 without leading zeros)",
        [INVITE_ERROR_BAD_IPV6] = "invalid IPv6 address",
        [INVITE_ERROR_IPV6_BRACKETS] = "IPv6 address must be written in brackets: [2001:db8::1] or "
                                       "[2001:db8::1]:443",
        [INVITE_ERROR_BAD_PORT] = "port must be a decimal number without sign or leading zeros",
        [INVITE_ERROR_PORT_OUT_OF_RANGE] = "port out of range (1-65535)",
        [INVITE_ERROR_ROOM_MISSING] = "invite link has no room name",
        [INVITE_ERROR_BAD_ROOM] = "room name must be 1-32 characters of A-Z, a-z, 0-9, '_' and '-'",
        [INVITE_ERROR_BAD_PARAMETER] = "malformed parameter, expected name=value separated by '&'",
        [INVITE_ERROR_UNKNOWN_PARAMETER] = "unknown parameter (only 'k' and 'pin' are allowed)",
        [INVITE_ERROR_DUPLICATE_KEY] = "duplicate parameter 'k'",
        [INVITE_ERROR_DUPLICATE_PIN] = "duplicate parameter 'pin'",
        [INVITE_ERROR_EMPTY_VALUE] = "parameter has an empty value",
        [INVITE_ERROR_KEY_MISSING] = "invite link has no room key (k=)",
        [INVITE_ERROR_BAD_KEY] = "room key must be 43 characters of base64url (32 bytes)",
        [INVITE_ERROR_BAD_PIN] = "pin must be 43 characters of base64url (32 bytes)",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(invite_error, InviteError)

/* Our own ctype: <ctype.h> depends on the locale and is undefined for
 * negative chars, and links are ASCII by definition. */
static bool char_is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char char_to_lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static const char *find_char(const char *s, const char *end, char c) {
        const char *p = memchr(s, c, (size_t) (end - s));
        return p ? p : end;
}

static InviteError invite_error_from_host_port(HostPortError e) {
        static const InviteError table[_HOST_PORT_ERROR_MAX] = {
                [HOST_PORT_ERROR_HOST_MISSING] = INVITE_ERROR_HOST_MISSING,
                [HOST_PORT_ERROR_HOST_TOO_LONG] = INVITE_ERROR_HOST_TOO_LONG,
                [HOST_PORT_ERROR_HOST_LABEL_TOO_LONG] = INVITE_ERROR_HOST_LABEL_TOO_LONG,
                [HOST_PORT_ERROR_BAD_HOST] = INVITE_ERROR_BAD_HOST,
                [HOST_PORT_ERROR_BAD_IPV4] = INVITE_ERROR_BAD_IPV4,
                [HOST_PORT_ERROR_BAD_IPV6] = INVITE_ERROR_BAD_IPV6,
                [HOST_PORT_ERROR_IPV6_UNBRACKETED] = INVITE_ERROR_IPV6_BRACKETS,
                [HOST_PORT_ERROR_BAD_BRACKETS] = INVITE_ERROR_IPV6_BRACKETS,
                [HOST_PORT_ERROR_PORT_MISSING] = INVITE_ERROR_BAD_PORT, /* links default to 443 */
                [HOST_PORT_ERROR_BAD_PORT] = INVITE_ERROR_BAD_PORT,
                [HOST_PORT_ERROR_PORT_OUT_OF_RANGE] = INVITE_ERROR_PORT_OUT_OF_RANGE,
        };

        return e >= 0 && e < _HOST_PORT_ERROR_MAX ? table[e] : INVITE_ERROR_BAD_HOST;
}

/* Exactly 43 characters for 32 bytes: b64url_decode() on its own would also
 * take 42 characters (31 bytes) into a 32-byte buffer. */
static bool key32_decode(const char *s, size_t n, uint8_t out[static LP_ROOM_KEY_SIZE]) {
        uint8_t buf[LP_ROOM_KEY_SIZE];
        size_t len;
        bool ok;

        if (n != B64URL_ENCODED_LEN(sizeof buf))
                return false;
        ok = b64url_decode(s, n, buf, sizeof buf, &len) >= 0 && len == sizeof buf;
        if (ok)
                memcpy(out, buf, sizeof buf);
        return ok;
}

static InviteError query_parse(const char *s, const char *end, Invite *inv) {
        bool has_key = false;

        if (s == end)
                return INVITE_ERROR_KEY_MISSING;

        for (;;) {
                const char *amp = find_char(s, end, '&');
                const char *eq = find_char(s, amp, '=');
                size_t name_len = (size_t) (eq - s), value_len;
                const char *value;

                if (amp == s || eq == amp || name_len == 0)
                        return INVITE_ERROR_BAD_PARAMETER;
                value = eq + 1;
                value_len = (size_t) (amp - value);

                if (name_len == 1 && s[0] == 'k') {
                        if (has_key)
                                return INVITE_ERROR_DUPLICATE_KEY;
                        if (value_len == 0)
                                return INVITE_ERROR_EMPTY_VALUE;
                        if (!key32_decode(value, value_len, inv->room_key))
                                return INVITE_ERROR_BAD_KEY;
                        has_key = true;
                } else if (name_len == 3 && memcmp(s, "pin", 3) == 0) {
                        if (inv->has_pin)
                                return INVITE_ERROR_DUPLICATE_PIN;
                        if (value_len == 0)
                                return INVITE_ERROR_EMPTY_VALUE;
                        if (!key32_decode(value, value_len, inv->pin))
                                return INVITE_ERROR_BAD_PIN;
                        inv->has_pin = true;
                } else
                        return INVITE_ERROR_UNKNOWN_PARAMETER;

                if (amp == end)
                        break;
                s = amp + 1;
        }

        if (!has_key)
                return INVITE_ERROR_KEY_MISSING;
        return INVITE_PARSE_OK;
}

/* The scheme, and the characters no valid link contains anywhere. */
static InviteError invite_check_text(const char *s, const char *end) {
        const size_t scheme_len = sizeof(LP_INVITE_SCHEME) - 1;

        if (s == end)
                return INVITE_ERROR_EMPTY;

        /* Scheme names are case-insensitive (RFC 3986 §3.1); "//" is not. */
        if ((size_t) (end - s) < scheme_len)
                return INVITE_ERROR_SCHEME;
        for (size_t i = 0; i < scheme_len; i++)
                if (char_to_lower(s[i]) != LP_INVITE_SCHEME[i])
                        return INVITE_ERROR_SCHEME;

        for (const char *p = s; p < end; p++)
                if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f)
                        return INVITE_ERROR_BAD_CHARACTER;
        /* Every valid field is made of unreserved characters, so a '%' can
         * only be an attempt to smuggle something past the checks below. */
        if (memchr(s, '%', (size_t) (end - s)))
                return INVITE_ERROR_PERCENT_ENCODING;
        if (memchr(s, '#', (size_t) (end - s)))
                return INVITE_ERROR_FRAGMENT;
        return INVITE_PARSE_OK;
}

/* The authority [auth, auth_end): HOST[:PORT], no user info. */
static InviteError invite_parse_authority(const char *auth, const char *auth_end, Invite *inv) {
        HostPortError he;
        HostPort hp;

        if (memchr(auth, '@', (size_t) (auth_end - auth)))
                return INVITE_ERROR_USER_INFO;
        if (auth == auth_end)
                return INVITE_ERROR_HOST_MISSING;
        if (host_port_parse(auth, (size_t) (auth_end - auth), LP_INVITE_DEFAULT_PORT, 0, &hp, &he) < 0)
                return invite_error_from_host_port(he);

        memcpy(inv->host, hp.host, sizeof(hp.host));
        inv->host_type = hp.host_type;
        inv->port = hp.port;
        return INVITE_PARSE_OK;
}

/* Exactly one path segment: the room. A trailing '/' or deeper path is
 * refused as a bad room, since '/' is not a room name character. Sets
 * *ret_query to the text after '?', or NULL when there is none. */
static InviteError invite_parse_room(const char *path, const char *end, Invite *inv, const char **ret_query) {
        const char *room, *room_end;

        if (path == end || *path != '/')
                return INVITE_ERROR_ROOM_MISSING;
        room = path + 1;
        room_end = find_char(room, end, '?');
        if (room == room_end)
                return INVITE_ERROR_ROOM_MISSING;
        if (!room_name_is_valid(room, (size_t) (room_end - room)))
                return INVITE_ERROR_BAD_ROOM;
        memcpy(inv->room, room, (size_t) (room_end - room));
        inv->room[room_end - room] = '\0';

        *ret_query = room_end == end ? NULL : room_end + 1;
        return INVITE_PARSE_OK;
}

/* Fills inv from [s, end), the link without surrounding whitespace. */
static InviteError invite_parse_trimmed(const char *s, const char *end, Invite *inv) {
        const char *auth, *auth_end, *query;
        InviteError e;

        e = invite_check_text(s, end);
        if (e != INVITE_PARSE_OK)
                return e;

        auth = s + sizeof(LP_INVITE_SCHEME) - 1;
        auth_end = auth;
        while (auth_end < end && *auth_end != '/' && *auth_end != '?')
                auth_end++;
        e = invite_parse_authority(auth, auth_end, inv);
        if (e != INVITE_PARSE_OK)
                return e;

        e = invite_parse_room(auth_end, end, inv, &query);
        if (e != INVITE_PARSE_OK)
                return e;
        if (!query)
                return INVITE_ERROR_KEY_MISSING;
        return query_parse(query, end, inv);
}

int invite_parse(const char *text, Invite *ret, InviteError *ret_error) {
        const char *s, *end;
        Invite inv;
        InviteError e;

        if (!text)
                text = "";

        /* People paste links with a stray space or newline around them. */
        s = text;
        end = text + strlen(text);
        while (s < end && char_is_space(*s))
                s++;
        while (end > s && char_is_space(end[-1]))
                end--;

        memset(&inv, 0, sizeof inv);
        e = invite_parse_trimmed(s, end, &inv);
        if (e != INVITE_PARSE_OK) {
                if (ret_error)
                        *ret_error = e;
                return -EINVAL;
        }
        if (ret)
                *ret = inv;
        return 0;
}

/* strnlen() is POSIX, not C11. Returns size when there is no NUL. */
static size_t bounded_strlen(const char *s, size_t size) {
        const char *nul = memchr(s, '\0', size);
        return nul ? (size_t) (nul - s) : size;
}

int invite_format(const Invite *inv, char *buf, size_t size) {
        char key[B64URL_ENCODED_LEN(LP_ROOM_KEY_SIZE) + 1], pin[B64URL_ENCODED_LEN(LP_SPKI_PIN_SIZE) + 1] = "";
        char port[sizeof(":65535")] = "";
        size_t host_len, room_len;
        HostPortError e;
        int r, n;

        if (buf && size > 0)
                buf[0] = '\0';
        if (!inv)
                return -EINVAL;

        /* Only write what invite_parse() reads back to the same struct. */
        host_len = bounded_strlen(inv->host, sizeof inv->host);
        if (host_len > LP_INVITE_HOST_MAX)
                return -EINVAL;
        if (inv->host_type < 0 || inv->host_type >= _INVITE_HOST_TYPE_MAX ||
            host_classify(inv->host, host_len, inv->host_type == INVITE_HOST_IPV6, &e) != inv->host_type)
                return -EINVAL;
        if (inv->port == 0)
                return -EINVAL;
        room_len = bounded_strlen(inv->room, sizeof inv->room);
        if (!room_name_is_valid(inv->room, room_len))
                return -EINVAL;

        if (!buf)
                return -ENOBUFS;

        r = b64url_encode(inv->room_key, sizeof inv->room_key, key, sizeof key);
        if (r < 0)
                return r;
        if (inv->has_pin) {
                r = b64url_encode(inv->pin, sizeof inv->pin, pin, sizeof pin);
                if (r < 0)
                        return r;
        }
        if (inv->port != LP_INVITE_DEFAULT_PORT)
                (void) snprintf(port, sizeof port, ":%u", (unsigned) inv->port);

        n = snprintf(buf, size, LP_INVITE_SCHEME "%s%s%s%s/%s?k=%s%s%s",
                     inv->host_type == INVITE_HOST_IPV6 ? "[" : "", inv->host,
                     inv->host_type == INVITE_HOST_IPV6 ? "]" : "", port, inv->room, key,
                     inv->has_pin ? "&pin=" : "", pin);
        if (n < 0 || (size_t) n >= size) {
                if (size > 0)
                        buf[0] = '\0';
                return -ENOBUFS;
        }
        return 0;
}
