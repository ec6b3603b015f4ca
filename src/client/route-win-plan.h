/* SPDX-License-Identifier: MIT */
#pragma once

/* The pure part of route-win.c, beside route.c's shared decisions:
 * turning IP Helper rows into Routes, the TAP interface's metric, which
 * default routes on the TAP to remove, and the state file for interface
 * settings. Windows keeps SetIpInterfaceEntry() changes across reboots,
 * so unlike routes they must be put back even after a crash and a reboot;
 * they are recorded by interface LUID, which survives both, unlike the
 * interface index. Plain C11, no OS types; unit tested on Linux too. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "route.h"

/* Windows gives fast wired links metrics of 5..25 on its own; 5 puts the
 * TAP level with the best of them, and the plan below goes lower only when
 * another interface already sits there. Limited broadcasts
 * (255.255.255.255) and multicast leave through the interface with the
 * lowest metric, and that is how LAN games find each other. */
#define ROUTE_WIN_TAP_METRIC 5

/* The interface settings we change on the TAP, per address family. */
typedef struct RouteWinInterface {
        RouteFamily family;
        uint64_t luid;
        bool automatic_metric;
        uint32_t metric;
        bool disable_default_routes;
        uint32_t mtu; /* NlMtu; 0: not recorded (a record from before MTUs were) */
} RouteWinInterface;

/* Decides the TAP's settings: a fixed low metric and no default routes
 * (unless `keep_default_routes`: then DisableDefaultRoutes stays as it
 * is). `tap` is what it has now, `other_metrics` the metrics of the other
 * connected interfaces of the same family. *ret is what to set. Returns 1
 * when *ret differs from `tap`, 0 when nothing is to do, -EINVAL.
 * *ret_contested is set when another interface keeps a metric as low as
 * the TAP's, so broadcasts may still leave elsewhere. */
int route_win_plan_tap_interface(const RouteWinInterface *tap, const uint32_t *other_metrics, size_t n_other,
                                 bool keep_default_routes, RouteWinInterface *ret, bool *ret_contested);

/* An IP Helper route (MIB_IPFORWARD_ROW2, or GetBestRoute2's answer) as a
 * Route. `next_hop` is all zeros for an on-link route. `local` marks an
 * answer whose best source address is the destination itself. Returns
 * -EINVAL for a prefix length beyond the family. */
int route_win_route_from_row(RouteFamily family, const uint8_t *dst, uint8_t prefixlen, const uint8_t *next_hop,
                             uint32_t ifindex, uint32_t metric, bool local, Route *ret);

/* Whether `r` is a default route (0.0.0.0/0 or ::/0) through the TAP:
 * what the party's DHCP server or router advertisement puts there, and
 * what would pull all of the player's traffic into the tunnel. */
bool route_win_is_tap_default(const Route *r, uint32_t tap_ifindex);

#define ROUTE_WIN_IFACE_STATE_MAX 4

typedef struct RouteWinIfaceState {
        RouteWinInterface ifaces[ROUTE_WIN_IFACE_STATE_MAX];
        size_t n_ifaces;
} RouteWinIfaceState;

/* The settings an interface had before we changed them; one record per
 * family and LUID, the first one wins (it holds the original values).
 * Returns 1 when added, 0 when already recorded, -ENOSPC when full. */
int route_win_iface_state_add(RouteWinIfaceState *s, const RouteWinInterface *i);
/* Returns 1 when removed, 0 when not recorded. */
int route_win_iface_state_remove(RouteWinIfaceState *s, RouteFamily family, uint64_t luid);

/* Text format, one interface per line after a version line:
 *   lanparty-client-interfaces 1
 *   iface 4 0006000000000000 auto 25 ddr 0 mtu 1500
 *   iface 6 0006000000000000 fixed 5 ddr 1
 * family, LUID as 16 lower-case hex digits, "auto" or "fixed", metric,
 * DisableDefaultRoutes, and the MTU when recorded (files written before
 * MTUs were recorded have none; they still parse, so an upgrade after a
 * crash still puts the metric back). Strict like route_state_parse():
 * anything else is -EBADMSG, another version -EPROTONOSUPPORT, more
 * records -E2BIG. `text` need not be NUL-terminated. */
#define ROUTE_WIN_IFACE_STATE_TEXT_MAX 512
int route_win_iface_state_parse(const char *text, size_t len, RouteWinIfaceState *ret);
/* Returns the length written (without the NUL) or -ENOBUFS/-EINVAL. */
int route_win_iface_state_format(const RouteWinIfaceState *s, char *buf, size_t size);
