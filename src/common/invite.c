/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "invite.h"
#include "macro.h"

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

const char *invite_error_to_string(InviteError e) {
        if (e < 0 || e >= _INVITE_ERROR_MAX)
                return NULL;
        return invite_error_table[e];
}

static const char *const invite_host_type_table[_INVITE_HOST_TYPE_MAX] = {
        [INVITE_HOST_DNS] = "dns",
        [INVITE_HOST_IPV4] = "ipv4",
        [INVITE_HOST_IPV6] = "ipv6",
};

const char *invite_host_type_to_string(InviteHostType t) {
        if (t < 0 || t >= _INVITE_HOST_TYPE_MAX)
                return NULL;
        return invite_host_type_table[t];
}

/* Our own ctype: <ctype.h> depends on the locale and is undefined for
 * negative chars, and links are ASCII by definition. */
static bool char_is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool char_is_hex(char c) {
        return unhexchar(c) >= 0;
}

static bool char_is_alnum(char c) {
        return char_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

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

/* Dotted quad only: exactly four parts of 0–255 in decimal, no leading
 * zeros. inet_aton() also takes "10.1", "0x7f.1" and octal "010.0.0.1";
 * those spell different addresses on different systems, so we refuse them. */
static bool ipv4_is_valid(const char *s, size_t n) {
        size_t i = 0;

        for (unsigned part = 0; part < 4; part++) {
                unsigned v = 0;
                size_t start = i;

                if (part > 0) {
                        if (i >= n || s[i] != '.')
                                return false;
                        start = ++i;
                }
                while (i < n && char_is_digit(s[i]) && i - start < 3)
                        v = v * 10 + (unsigned) (s[i++] - '0');
                if (i == start || v > 255)
                        return false;
                if (s[start] == '0' && i - start > 1)
                        return false;
        }
        return i == n;
}

/* RFC 4291 §2.2 text forms: eight groups of 1–4 hex digits, at most one "::"
 * standing for one or more zero groups, optionally ending in a dotted quad
 * for the last 32 bits. No zone ids: they mean nothing to a remote relay. */
static bool ipv6_is_valid(const char *s, size_t n) {
        unsigned groups = 0;
        bool compressed = false;
        size_t i = 0;

        if (n < 2)
                return false;
        if (s[0] == ':') {
                if (s[1] != ':')
                        return false;
                compressed = true;
                i = 2;
        }

        while (i < n) {
                size_t end = i;
                bool dotted = false;

                while (end < n && s[end] != ':') {
                        if (s[end] == '.')
                                dotted = true;
                        end++;
                }

                if (dotted) {
                        /* The IPv4 tail fills the last two groups. */
                        if (end != n || groups > 6 || !ipv4_is_valid(s + i, end - i))
                                return false;
                        groups += 2;
                        i = end;
                        break;
                }

                if (end == i || end - i > 4 || groups >= 8)
                        return false;
                for (size_t j = i; j < end; j++)
                        if (!char_is_hex(s[j]))
                                return false;
                groups++;

                i = end;
                if (i == n)
                        break;
                i++; /* the ':' */
                if (i < n && s[i] == ':') {
                        if (compressed)
                                return false;
                        compressed = true;
                        i++;
                } else if (i == n)
                        return false; /* a single trailing ':' */
        }

        /* "::" must stand for at least one group. */
        return compressed ? groups < 8 : groups == 8;
}

/* WHATWG URL's "ends in a number": a last label of decimal digits or 0x-hex
 * is what resolvers treat as an IPv4 address. Such a host is only allowed as
 * a strict dotted quad; "1.2.3", "256.0.0.1" or "0x7f000001" are errors
 * instead of DNS names that getaddrinfo() would quietly turn into addresses. */
static bool host_ends_in_number(const char *s, size_t n) {
        size_t start = n;

        while (start > 0 && s[start - 1] != '.')
                start--;
        if (start == n)
                return false;

        const char *l = s + start;
        size_t len = n - start;

        if (len >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X')) {
                for (size_t i = 2; i < len; i++)
                        if (!char_is_hex(l[i]))
                                return false;
                return true;
        }
        for (size_t i = 0; i < len; i++)
                if (!char_is_digit(l[i]))
                        return false;
        return true;
}

/* RFC 1123 host names. The trailing dot of a fully qualified name is refused:
 * the host goes into TLS SNI and certificate matching, where "a.example."
 * and "a.example" are not the same string. */
static InviteError dns_name_check(const char *s, size_t n) {
        size_t label = 0;

        if (n > LP_INVITE_HOST_MAX)
                return INVITE_ERROR_HOST_TOO_LONG;

        for (size_t i = 0; i <= n; i++) {
                if (i == n || s[i] == '.') {
                        if (label == 0)
                                return INVITE_ERROR_BAD_HOST;
                        if (label > LP_INVITE_LABEL_MAX)
                                return INVITE_ERROR_HOST_LABEL_TOO_LONG;
                        if (s[i - 1] == '-' || s[i - label] == '-')
                                return INVITE_ERROR_BAD_HOST;
                        label = 0;
                        continue;
                }
                if (!char_is_alnum(s[i]) && s[i] != '-')
                        return INVITE_ERROR_BAD_HOST;
                label++;
        }
        return INVITE_PARSE_OK;
}

/* Returns the host's type, or _INVITE_HOST_TYPE_INVALID with *ret_error. */
static InviteHostType host_classify(const char *s, size_t n, bool bracketed, InviteError *ret_error) {
        if (n == 0) {
                *ret_error = INVITE_ERROR_HOST_MISSING;
                return _INVITE_HOST_TYPE_INVALID;
        }
        if (bracketed) {
                if (!ipv6_is_valid(s, n)) {
                        *ret_error = INVITE_ERROR_BAD_IPV6;
                        return _INVITE_HOST_TYPE_INVALID;
                }
                return INVITE_HOST_IPV6;
        }
        if (ipv4_is_valid(s, n))
                return INVITE_HOST_IPV4;
        if (host_ends_in_number(s, n)) {
                *ret_error = INVITE_ERROR_BAD_IPV4;
                return _INVITE_HOST_TYPE_INVALID;
        }
        InviteError e = dns_name_check(s, n);
        if (e != INVITE_PARSE_OK) {
                *ret_error = e;
                return _INVITE_HOST_TYPE_INVALID;
        }
        return INVITE_HOST_DNS;
}

static InviteError port_parse(const char *s, size_t n, uint16_t *ret) {
        uint32_t v = 0;

        if (n == 0)
                return INVITE_ERROR_BAD_PORT;
        for (size_t i = 0; i < n; i++)
                if (!char_is_digit(s[i]))
                        return INVITE_ERROR_BAD_PORT;
        /* "0443" would be read as 443 by some and refused by others. */
        if (s[0] == '0' && n > 1)
                return INVITE_ERROR_BAD_PORT;
        if (n > 5)
                return INVITE_ERROR_PORT_OUT_OF_RANGE;
        for (size_t i = 0; i < n; i++)
                v = v * 10 + (uint32_t) (s[i] - '0');
        if (v == 0 || v > UINT16_MAX)
                return INVITE_ERROR_PORT_OUT_OF_RANGE;
        *ret = (uint16_t) v;
        return INVITE_PARSE_OK;
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

/* Fills inv from [s, end), the link without surrounding whitespace. */
static InviteError invite_parse_trimmed(const char *s, const char *end, Invite *inv) {
        const size_t scheme_len = sizeof(LP_INVITE_SCHEME) - 1;
        const char *auth, *auth_end, *host, *host_end, *port = NULL, *room, *room_end;
        bool bracketed = false;
        InviteError e;

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

        auth = s + scheme_len;
        auth_end = auth;
        while (auth_end < end && *auth_end != '/' && *auth_end != '?')
                auth_end++;

        if (memchr(auth, '@', (size_t) (auth_end - auth)))
                return INVITE_ERROR_USER_INFO;
        if (auth == auth_end)
                return INVITE_ERROR_HOST_MISSING;

        if (*auth == '[') {
                const char *close = find_char(auth, auth_end, ']');
                if (close == auth_end)
                        return INVITE_ERROR_IPV6_BRACKETS;
                host = auth + 1;
                host_end = close;
                bracketed = true;
                if (close + 1 < auth_end) {
                        if (close[1] != ':')
                                return INVITE_ERROR_IPV6_BRACKETS;
                        port = close + 2;
                }
        } else {
                const char *colon = find_char(auth, auth_end, ':');
                if (find_char(auth, auth_end, '[') != auth_end || find_char(auth, auth_end, ']') != auth_end)
                        return INVITE_ERROR_IPV6_BRACKETS;
                /* More than one ':' is an IPv6 address someone forgot to bracket. */
                if (colon != auth_end && find_char(colon + 1, auth_end, ':') != auth_end)
                        return INVITE_ERROR_IPV6_BRACKETS;
                host = auth;
                host_end = colon;
                if (colon != auth_end)
                        port = colon + 1;
        }

        if (host_end == host)
                return INVITE_ERROR_HOST_MISSING;
        if ((size_t) (host_end - host) > LP_INVITE_HOST_MAX)
                return INVITE_ERROR_HOST_TOO_LONG;
        inv->host_type = host_classify(host, (size_t) (host_end - host), bracketed, &e);
        if (inv->host_type < 0)
                return e;
        memcpy(inv->host, host, (size_t) (host_end - host));
        inv->host[host_end - host] = '\0';

        inv->port = LP_INVITE_DEFAULT_PORT;
        if (port) {
                e = port_parse(port, (size_t) (auth_end - port), &inv->port);
                if (e != INVITE_PARSE_OK)
                        return e;
        }

        /* Exactly one path segment. A trailing '/' or deeper path is refused
         * as a bad room, since '/' is not a room name character. */
        if (auth_end == end || *auth_end != '/')
                return INVITE_ERROR_ROOM_MISSING;
        room = auth_end + 1;
        room_end = find_char(room, end, '?');
        if (room == room_end)
                return INVITE_ERROR_ROOM_MISSING;
        if (!room_name_is_valid(room, (size_t) (room_end - room)))
                return INVITE_ERROR_BAD_ROOM;
        memcpy(inv->room, room, (size_t) (room_end - room));
        inv->room[room_end - room] = '\0';

        if (room_end == end)
                return INVITE_ERROR_KEY_MISSING;
        return query_parse(room_end + 1, end, inv);
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
        InviteError e;
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
