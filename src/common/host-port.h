/* SPDX-License-Identifier: MIT */
#pragma once

/* "HOST[:PORT]": the authority part of an invite link, the gateway's
 * --relay/Relay= and the relay's Listen= address. One parser, so a host a
 * player's link accepts is a host the gateway accepts, and the other way
 * round. The rules are the link's (docs/PROTOCOL.md "Invite link"), hence
 * the INVITE_ names: a DNS name (RFC 1123 labels, no trailing dot), a
 * strict dotted quad, or an IPv6 address in brackets without zone; a
 * decimal port 1-65535. Pure C11, no OS headers: it also builds for
 * Windows and is fuzzed. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 1035 limit for the text form of a DNS name without trailing dot. */
#define LP_INVITE_HOST_MAX 253
#define LP_INVITE_LABEL_MAX 63

typedef enum InviteHostType {
        INVITE_HOST_DNS,
        INVITE_HOST_IPV4,
        INVITE_HOST_IPV6, /* host holds the address without the brackets */
        _INVITE_HOST_TYPE_MAX,
        _INVITE_HOST_TYPE_INVALID = -EINVAL,
} InviteHostType;

typedef struct HostPort {
        char host[LP_INVITE_HOST_MAX + 1]; /* NUL-terminated, IPv6 without brackets */
        InviteHostType host_type;
        uint16_t port;
} HostPort;

/* Why a HOST[:PORT] was refused. The strings are for people. */
typedef enum HostPortError {
        HOST_PORT_ERROR_HOST_MISSING,
        HOST_PORT_ERROR_HOST_TOO_LONG,
        HOST_PORT_ERROR_HOST_LABEL_TOO_LONG,
        HOST_PORT_ERROR_BAD_HOST,
        HOST_PORT_ERROR_BAD_IPV4,
        HOST_PORT_ERROR_BAD_IPV6,
        HOST_PORT_ERROR_IPV6_UNBRACKETED, /* "::1", "a:b:c", or a stray '[' or ']' */
        HOST_PORT_ERROR_BAD_BRACKETS,     /* "[::1", "[::1]x", "[::1]]" */
        HOST_PORT_ERROR_PORT_MISSING,     /* only when there is no default port */
        HOST_PORT_ERROR_BAD_PORT,
        HOST_PORT_ERROR_PORT_OUT_OF_RANGE,
        _HOST_PORT_ERROR_MAX,
        _HOST_PORT_ERROR_INVALID = -EINVAL,
} HostPortError;

const char *host_port_error_to_string(HostPortError e);
const char *invite_host_type_to_string(InviteHostType t);

typedef enum HostPortFlags {
        /* Also take "0443" as 443. Links and --relay refuse it (some read
         * it as octal); Listen= has always taken it. */
        HOST_PORT_PORT_LEADING_ZEROS = 1 << 0,
} HostPortFlags;

/* Parses [s, s + n) as HOST[:PORT]; s need not be NUL-terminated and a
 * NUL inside is just a bad character. Without ":PORT" the port is
 * default_port, or HOST_PORT_ERROR_PORT_MISSING when that is 0.
 * Returns 0 and fills *ret, or -EINVAL with *ret_error (may be NULL) set
 * and *ret untouched. */
int host_port_parse(const char *s, size_t n, uint16_t default_port, HostPortFlags flags, HostPort *ret,
                    HostPortError *ret_error);

/* A decimal port 1-65535 on its own, by the same rules. Returns 0 or
 * -EINVAL with *ret_error set. */
int port_parse(const char *s, size_t n, HostPortFlags flags, uint16_t *ret, HostPortError *ret_error);

/* The host's type by the rules above (bracketed: must be IPv6), or
 * _INVITE_HOST_TYPE_INVALID with *ret_error set. */
InviteHostType host_classify(const char *s, size_t n, bool bracketed, HostPortError *ret_error);
