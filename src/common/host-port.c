/* SPDX-License-Identifier: MIT */
#include "host-port.h"

#include <string.h>

#include "hex.h"
#include "macro.h"
#include "string-table.h"

static const char *const host_port_error_table[_HOST_PORT_ERROR_MAX] = {
        [HOST_PORT_ERROR_HOST_MISSING] = "no host name or address",
        [HOST_PORT_ERROR_HOST_TOO_LONG] = "host name is longer than 253 characters",
        [HOST_PORT_ERROR_HOST_LABEL_TOO_LONG] = "host name has a label longer than 63 characters",
        [HOST_PORT_ERROR_BAD_HOST] = "host name must be dot-separated labels of letters, digits and '-', "
                                     "not starting or ending with '-', without a trailing dot",
        [HOST_PORT_ERROR_BAD_IPV4] = "invalid IPv4 address (a host ending in a number must be "
                                     "four decimal numbers 0-255 without leading zeros)",
        [HOST_PORT_ERROR_BAD_IPV6] = "invalid IPv6 address",
        [HOST_PORT_ERROR_IPV6_UNBRACKETED] = "IPv6 address must be written in brackets: [2001:db8::1] or "
                                             "[2001:db8::1]:443",
        [HOST_PORT_ERROR_BAD_BRACKETS] = "brackets must enclose exactly an IPv6 address, optionally followed "
                                         "by :PORT: [2001:db8::1] or [2001:db8::1]:443",
        [HOST_PORT_ERROR_PORT_MISSING] = "no port given (expected HOST:PORT)",
        [HOST_PORT_ERROR_BAD_PORT] = "port must be a decimal number without sign or leading zeros",
        [HOST_PORT_ERROR_PORT_OUT_OF_RANGE] = "port out of range (1-65535)",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(host_port_error, HostPortError)

static const char *const invite_host_type_table[_INVITE_HOST_TYPE_MAX] = {
        [INVITE_HOST_DNS] = "dns",
        [INVITE_HOST_IPV4] = "ipv4",
        [INVITE_HOST_IPV6] = "ipv6",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(invite_host_type, InviteHostType)

/* Our own ctype: <ctype.h> depends on the locale and is undefined for
 * negative chars, and hosts here are ASCII by definition. */
static bool char_is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool char_is_alnum(char c) {
        return char_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
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
                        if (unhexchar(s[j]) < 0)
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
                        if (unhexchar(l[i]) < 0)
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
 * and "a.example" are not the same string. Returns 0 or -EINVAL. */
static int dns_name_check(const char *s, size_t n, HostPortError *ret_error) {
        size_t label = 0;

        if (n > LP_INVITE_HOST_MAX) {
                *ret_error = HOST_PORT_ERROR_HOST_TOO_LONG;
                return -EINVAL;
        }
        for (size_t i = 0; i <= n; i++) {
                if (i == n || s[i] == '.') {
                        if (label > LP_INVITE_LABEL_MAX) {
                                *ret_error = HOST_PORT_ERROR_HOST_LABEL_TOO_LONG;
                                return -EINVAL;
                        }
                        if (label == 0 || s[i - 1] == '-' || s[i - label] == '-') {
                                *ret_error = HOST_PORT_ERROR_BAD_HOST;
                                return -EINVAL;
                        }
                        label = 0;
                        continue;
                }
                if (!char_is_alnum(s[i]) && s[i] != '-') {
                        *ret_error = HOST_PORT_ERROR_BAD_HOST;
                        return -EINVAL;
                }
                label++;
        }
        return 0;
}

InviteHostType host_classify(const char *s, size_t n, bool bracketed, HostPortError *ret_error) {
        if (n == 0) {
                *ret_error = HOST_PORT_ERROR_HOST_MISSING;
                return _INVITE_HOST_TYPE_INVALID;
        }
        if (bracketed) {
                if (!ipv6_is_valid(s, n)) {
                        *ret_error = HOST_PORT_ERROR_BAD_IPV6;
                        return _INVITE_HOST_TYPE_INVALID;
                }
                return INVITE_HOST_IPV6;
        }
        if (ipv4_is_valid(s, n))
                return INVITE_HOST_IPV4;
        if (host_ends_in_number(s, n)) {
                *ret_error = HOST_PORT_ERROR_BAD_IPV4;
                return _INVITE_HOST_TYPE_INVALID;
        }
        if (dns_name_check(s, n, ret_error) < 0)
                return _INVITE_HOST_TYPE_INVALID;
        return INVITE_HOST_DNS;
}

int port_parse(const char *s, size_t n, HostPortFlags flags, uint16_t *ret, HostPortError *ret_error) {
        uint32_t v = 0;

        if (n == 0)
                goto bad_port;
        for (size_t i = 0; i < n; i++)
                if (!char_is_digit(s[i]))
                        goto bad_port;
        /* "0443" would be read as 443 by some and refused by others. */
        if (s[0] == '0' && n > 1 && !(flags & HOST_PORT_PORT_LEADING_ZEROS))
                goto bad_port;
        /* At most 5 digits, so v cannot overflow before the range check. */
        if (n > 5) {
                *ret_error = HOST_PORT_ERROR_PORT_OUT_OF_RANGE;
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++)
                v = v * 10 + (uint32_t) (s[i] - '0');
        if (v == 0 || v > UINT16_MAX) {
                *ret_error = HOST_PORT_ERROR_PORT_OUT_OF_RANGE;
                return -EINVAL;
        }
        *ret = (uint16_t) v;
        return 0;

bad_port:
        *ret_error = HOST_PORT_ERROR_BAD_PORT;
        return -EINVAL;
}

/* Finds the host and the port text in [s, end) without judging either.
 * *ret_port is NULL when there is no ':'. */
static int host_port_split(const char *s, const char *end, const char **ret_host, const char **ret_host_end,
                           bool *ret_bracketed, const char **ret_port, HostPortError *ret_error) {
        *ret_port = NULL;
        *ret_bracketed = false;

        if (s < end && *s == '[') {
                const char *close = find_char(s, end, ']');

                if (close == end || (close + 1 < end && close[1] != ':')) {
                        *ret_error = HOST_PORT_ERROR_BAD_BRACKETS;
                        return -EINVAL;
                }
                if (close + 1 < end)
                        *ret_port = close + 2;
                *ret_host = s + 1;
                *ret_host_end = close;
                *ret_bracketed = true;
                return 0;
        }

        const char *colon = find_char(s, end, ':');

        /* A '[' or ']' inside, or more than one ':', is an IPv6 address
         * someone forgot to bracket. */
        if (find_char(s, end, '[') != end || find_char(s, end, ']') != end ||
            (colon != end && find_char(colon + 1, end, ':') != end)) {
                *ret_error = HOST_PORT_ERROR_IPV6_UNBRACKETED;
                return -EINVAL;
        }
        if (colon != end)
                *ret_port = colon + 1;
        *ret_host = s;
        *ret_host_end = colon;
        return 0;
}

int host_port_parse(const char *s, size_t n, uint16_t default_port, HostPortFlags flags, HostPort *ret,
                    HostPortError *ret_error) {
        const char *end = s + n, *host, *host_end, *port;
        HostPortError error_dummy;
        HostPort hp = { .port = default_port };
        bool bracketed;
        size_t host_len;

        if (!ret_error)
                ret_error = &error_dummy;
        if (!s || !ret) {
                *ret_error = HOST_PORT_ERROR_HOST_MISSING;
                return -EINVAL;
        }
        if (host_port_split(s, end, &host, &host_end, &bracketed, &port, ret_error) < 0)
                return -EINVAL;

        host_len = (size_t) (host_end - host);
        if (host_len == 0) {
                *ret_error = HOST_PORT_ERROR_HOST_MISSING;
                return -EINVAL;
        }
        if (host_len > LP_INVITE_HOST_MAX) {
                *ret_error = HOST_PORT_ERROR_HOST_TOO_LONG;
                return -EINVAL;
        }
        hp.host_type = host_classify(host, host_len, bracketed, ret_error);
        if (hp.host_type < 0)
                return -EINVAL;
        memcpy(hp.host, host, host_len);
        hp.host[host_len] = '\0';

        if (port) {
                if (port_parse(port, (size_t) (end - port), flags, &hp.port, ret_error) < 0)
                        return -EINVAL;
        } else if (hp.port == 0) {
                *ret_error = HOST_PORT_ERROR_PORT_MISSING;
                return -EINVAL;
        }

        *ret = hp;
        return 0;
}
