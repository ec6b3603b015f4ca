/* SPDX-License-Identifier: MIT */
#pragma once

/* Keeping the relay reachable once the TAP exists. The party's DHCP server
 * may hand the TAP a default route; if it wins, packets for the relay
 * would go into the tunnel they are meant to carry. So before the TAP
 * exists we look up how the relay is reached and pin a host route (/32 or
 * /128) along that path. Games that broadcast to 255.255.255.255 or send
 * to a multicast group without picking an interface would leave through
 * the default route, so the TAP also gets the routes that steer them
 * (Windows: the lowest interface metric).
 *
 * Every route we add is written to a small state file first, so a start
 * after a crash removes what the crashed run left. A route that already
 * existed is used and left alone.
 *
 * route.c holds the portable part: addresses, the decisions (pure, unit
 * tested, shared with route-win.c), descriptions and the state file
 * format. route-manager.c carries the decisions out through an OS
 * backend: route-linux.c (rtnetlink) or route-win.c (IP Helper). No OS
 * types in here. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef enum RouteFamily {
        ROUTE_FAMILY_IPV4,
        ROUTE_FAMILY_IPV6,
        _ROUTE_FAMILY_MAX,
        _ROUTE_FAMILY_INVALID = -EINVAL,
} RouteFamily;

typedef struct RouteAddress {
        RouteFamily family;
        uint8_t bytes[16]; /* network order; IPv4 uses the first 4, the rest stay zero */
} RouteAddress;

#define ROUTE_ADDRESS_STR_MAX 46 /* INET6_ADDRSTRLEN, with the NUL */

typedef enum RouteType {
        ROUTE_TYPE_UNICAST,     /* forwarded, via a gateway or on-link */
        ROUTE_TYPE_LOCAL,       /* the destination is this host */
        ROUTE_TYPE_UNREACHABLE, /* unreachable, blackhole, prohibit, throw */
        ROUTE_TYPE_OTHER,       /* broadcast, multicast, anycast, ...: not a way to the relay */
        _ROUTE_TYPE_MAX,
        _ROUTE_TYPE_INVALID = -EINVAL,
} RouteType;

typedef struct Route {
        RouteType type;
        RouteAddress dst;
        uint8_t prefixlen;
        bool has_gateway;
        RouteAddress gateway; /* same family as dst */
        uint32_t ifindex;     /* OS interface index; 0: none */
        uint32_t table;       /* Linux routing table; 0 where tables do not exist */
        uint32_t metric;
        bool multipath;       /* several next hops; gateway/ifindex then mean nothing */
} Route;

const char *route_family_to_string(RouteFamily f);
const char *route_type_to_string(RouteType t);

/* 4, 16, or 0 for an invalid family. */
size_t route_address_size(RouteFamily f);
bool route_address_equal(const RouteAddress *a, const RouteAddress *b);
/* Builds an address from `size` (4 or 16) network-order bytes. An
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket
 * reports) becomes the IPv4 address: that is the route the kernel uses. */
int route_address_from_bytes(const void *bytes, size_t size, RouteAddress *ret);
/* Dotted quad, or RFC 5952 text for IPv6 ("2001:db8::1"). Returns buf. */
const char *route_address_to_string(const RouteAddress *a, char buf[static ROUTE_ADDRESS_STR_MAX]);

/* Same way out: type, gateway (if any) and interface. Multipath routes
 * never match. */
bool route_same_next_hop(const Route *a, const Route *b);

/* "<dst>/<len>[ via <gw>] <dev> metric <n>", or "<dst>/<len> (multipath)".
 * `dev` names the interface the platform's way ("dev eth0", "if 7"), at
 * most ROUTE_DESCRIPTION_DEV_MAX - 1 characters. Returns buf. */
#define ROUTE_DESCRIPTION_DEV_MAX 48
#define ROUTE_DESCRIPTION_MAX (2 * ROUTE_ADDRESS_STR_MAX + ROUTE_DESCRIPTION_DEV_MAX + 48)
const char *route_describe(const Route *r, const char *dev, char buf[static ROUTE_DESCRIPTION_MAX]);

typedef enum RoutePlan {
        ROUTE_PLAN_ADD,      /* add it, record it, remove it on exit */
        ROUTE_PLAN_REUSE,    /* an equivalent route exists: rely on it, leave it alone */
        ROUTE_PLAN_NONE,     /* nothing to do: the relay is this host */
        ROUTE_PLAN_CONFLICT, /* someone else's different route holds the prefix: leave it, warn */
        _ROUTE_PLAN_MAX,
        _ROUTE_PLAN_INVALID = -EINVAL,
} RoutePlan;

const char *route_plan_to_string(RoutePlan p);

/* Decides the relay's host route. `lookup` is how the relay is reached now
 * (before the TAP has routes); `existing` are routes already present (any
 * table; those outside `table` or for other prefixes are ignored);
 * `tap_ifindex` is 0 until the TAP exists. The pin goes into `table` with
 * `metric`. *ret_pin is the route to add, or the existing route relied on.
 * Returns a RoutePlan, or -ENETUNREACH when the lookup found no usable
 * route, -ELOOP when it leads into the TAP, -EINVAL for bad arguments. */
int route_plan_relay_pin(const RouteAddress *relay, const Route *lookup, const Route *existing, size_t n_existing,
                         uint32_t tap_ifindex, uint32_t table, uint32_t metric, Route *ret_pin);

/* Decides a route that steers traffic games send without choosing an
 * interface onto the TAP: 255.255.255.255/32 (limited broadcasts) or
 * 224.0.0.0/4 (multicast, and the interface an IP_ADD_MEMBERSHIP for
 * INADDR_ANY joins on). Another interface already holding that prefix in
 * `table` is a CONFLICT: someone set it up on purpose. Returns a
 * RoutePlan or -EINVAL (IPv4 only). */
int route_plan_steer(uint32_t tap_ifindex, const RouteAddress *dst, uint8_t prefixlen, const Route *existing,
                     size_t n_existing, uint32_t table, uint32_t metric, Route *ret);

typedef enum RouteCheck {
        ROUTE_CHECK_OK,          /* the relay still goes the way it went when pinned */
        ROUTE_CHECK_PIN_MISSING, /* our pin is gone (uplink reconfigured?): pin again */
        ROUTE_CHECK_CHANGED,     /* the pin is there, but the relay goes elsewhere (policy routing?) */
        ROUTE_CHECK_VIA_TAP,     /* the relay goes into the TAP: the tunnel would carry itself */
        ROUTE_CHECK_UNREACHABLE, /* no route to the relay at all */
        _ROUTE_CHECK_MAX,
        _ROUTE_CHECK_INVALID = -EINVAL,
} RouteCheck;

const char *route_check_to_string(RouteCheck c);

/* `expected`: the lookup when the relay was pinned. `pin_present`: the
 * route we rely on (added or reused) still exists; pass true when the plan
 * was NONE or CONFLICT, as there is no pin of ours to lose. `now`: a fresh
 * lookup, NULL when it failed. */
RouteCheck route_check_decide(const Route *expected, bool pin_present, const Route *now, uint32_t tap_ifindex);

/* The state file: what this client added, so the next start can undo it. */
#define ROUTE_STATE_MAX 8
#define ROUTE_STATE_TEXT_MAX 2048

typedef struct RouteState {
        Route routes[ROUTE_STATE_MAX];
        size_t n_routes;
} RouteState;

/* Appends (returns 0) or -ENOSPC when full. */
int route_state_add(RouteState *s, const Route *r);
/* Removes the first route equal in prefix, next hop, table and metric.
 * Returns 1 when one was removed, 0 when none matched. */
int route_state_remove(RouteState *s, const Route *r);

/* The state files (this one, route-win-plan.c's) are versioned line files:
 * "<magic> <version>\n", then one record a line, every line ending in
 * '\n'. */
typedef struct RouteTextFormat {
        const char *magic;
        uint32_t version;
        size_t max; /* the longest text accepted */
        /* Adds one record line (without its '\n') to `records`; a
         * negative errno ends the parse and is returned. */
        int (*parse_line)(const char *line, size_t len, void *records);
        /* Writes record `i` of `records` as one line, '\n' included, the
         * way snprintf() does: returns the length it needed, or -EINVAL
         * for a record that cannot be written. */
        int (*format_line)(const void *records, size_t i, char *buf, size_t size);
} RouteTextFormat;

/* Parses `text` into `records`, the caller's empty record set, and copies
 * that (`size` bytes) to `ret` only when all of it parsed: a damaged file
 * must not leave half its records to be undone. Text over the maximum, a
 * missing header or a cut line is -EBADMSG; a well-formed header of
 * another version -EPROTONOSUPPORT: not damage, but nothing we can undo
 * either. */
int route_text_parse(const char *text, size_t len, const RouteTextFormat *format, void *records, void *ret,
                     size_t size);
/* The header and `n` records. Returns the length written (without the
 * NUL), -ENOBUFS when it does not fit, or format_line's error. */
int route_text_format(const RouteTextFormat *format, const void *records, size_t n, char *buf, size_t size);

typedef struct RouteToken {
        const char *p;
        size_t n;
} RouteToken;

/* Splits a record line on single spaces into at most `max` tokens. Empty
 * tokens (doubled, leading or trailing spaces) or more tokens: -EBADMSG. */
int route_text_split(const char *line, size_t len, RouteToken *tokens, size_t max, size_t *ret_n);
bool route_token_is(const RouteToken *t, const char *s);
/* Decimal without sign or leading zeros, at most UINT32_MAX; else -EBADMSG. */
int route_text_parse_u32(const char *s, size_t n, uint32_t *ret);
/* Exactly 2 * size lower-case hex digits into `size` bytes; else -EBADMSG. */
int route_text_parse_hex(const char *s, size_t n, uint8_t *out, size_t size);

/* Text format, one route per line after a version line:
 *   lanparty-client-routes 1
 *   route 4 cb007107/32 c6336401 5 254 0
 *   route 6 20010db8...0007/128 - 9 254 1024
 * family, dst hex/prefix length, gateway hex or "-", ifindex, table,
 * metric. Hex is lower-case and fixed-width so parsing stays trivial and
 * needs no OS address functions. Strict: anything else is -EBADMSG,
 * more than ROUTE_STATE_MAX routes -E2BIG. `text` need not be
 * NUL-terminated. */
int route_state_parse(const char *text, size_t len, RouteState *ret);
/* Returns the length written (without the NUL) or -ENOBUFS. */
int route_state_format(const RouteState *s, char *buf, size_t size);

/* The platform part. One RouteManager per TAP. */
typedef struct RouteManager RouteManager;

/* A RouteManager instance name: it names the state and lock files. */
#define ROUTE_INSTANCE_MAX 64
bool route_instance_is_valid(const char *s);

/* `instance` names the state file (use the TAP name hint); it must be
 * 1-64 characters of [A-Za-z0-9_.%-]. The state directory is
 * `state_dir`, or when NULL $RUNTIME_DIRECTORY, else /run/lanparty-client.
 * Takes a lock so two clients cannot share an instance (-EBUSY), then
 * undoes what a crashed run of the same instance left behind. */
int route_manager_new(const char *instance, const char *state_dir, RouteManager **ret);
/* Undoes everything (as route_manager_undo()) and frees. NULL-safe. */
RouteManager *route_manager_free(RouteManager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(RouteManager *, route_manager_free);

/* Call before the TAP exists. Looks up the relay's path and pins it.
 * Calling it again for the same relay (after ROUTE_CHECK_PIN_MISSING, say)
 * first puts the same pin back, which works even when the TAP's default
 * route now wins the lookup; if that fails it looks up afresh. A new relay
 * address is pinned first and the old pin dropped only then, so a failure
 * keeps the old one. Returns the RoutePlan carried out or negative errno:
 * -ENETUNREACH (no usable route), -ELOOP (the path leads into the TAP),
 * or the kernel's error when adding the route. */
int route_manager_pin_relay(RouteManager *m, const RouteAddress *relay);
/* Tells the manager which interface is the TAP and steers onto it what
 * games send without choosing an interface: limited broadcasts and
 * multicast (Linux: routes for 255.255.255.255/32 and 224.0.0.0/4;
 * Windows: a low TAP interface metric). Returns the RoutePlan carried out:
 * CONFLICT when someone else's route or metric is in the way, ADD when
 * anything was added or changed, else REUSE. */
int route_manager_add_discovery_routes(RouteManager *m, uint32_t tap_ifindex);
/* The player asked to let the party's DHCP and RAs set the way to the
 * internet (--accept-party-gateway): default routes on the TAP are then
 * neither switched off nor removed. Call before
 * route_manager_add_discovery_routes(). Only Windows has anything to keep: on
 * Linux the manager never touches the TAP's default routes. */
void route_manager_keep_tap_default_routes(RouteManager *m);
/* Looks the relay up again and compares. Logs changes; does not repair. */
int route_manager_check_relay(RouteManager *m, RouteCheck *ret);
/* Removes every route we added, newest first. Routes already gone count as
 * removed; one that cannot be removed stays in the state file for the next
 * start. Returns 0 or the first error. */
int route_manager_undo(RouteManager *m);
