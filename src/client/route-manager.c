/* SPDX-License-Identifier: MIT */
/* The RouteManager's platform-neutral half (route-manager.h): what to do
 * with the relay's pin and what to say about it. Every OS call goes
 * through route_backend_*(). */
#include "route-manager.h"

#include <stdio.h>

const char *route_manager_describe(const Route *r, char buf[static ROUTE_DESCRIPTION_MAX]) {
        char name[ROUTE_IFNAME_MAX], dev[ROUTE_IFNAME_MAX + 16];

        snprintf(dev, sizeof(dev), "%s %s", route_backend_info.interface_word,
                 route_backend_ifname(r->ifindex, name));
        return route_describe(r, dev, buf);
}

/* Written down first: if we die between the two steps, the next start
 * tries to remove a route that may not exist, which is harmless. */
int route_manager_add_recorded(RouteManager *m, const Route *route) {
        char desc[ROUTE_DESCRIPTION_MAX];
        int r;

        r = route_state_add(&m->state, route);
        if (r < 0)
                return log_error_errno(r, "Too many routes to track in %s: %m", m->state_path);
        r = route_backend_state_save(m);
        if (r < 0) {
                route_state_remove(&m->state, route);
                return log_error_errno(r, "Failed to record route in %s, not adding it: %m", m->state_path);
        }

        r = route_backend_add(m, route);
        if (r < 0) {
                route_state_remove(&m->state, route);
                (void) route_backend_state_save(m);
                return log_route_errno(LOG_ERR, r, route, "Failed to add route %s: %m",
                                       route_manager_describe(route, desc));
        }
        log_route_errno(LOG_INFO, 0, route, "Added route %s.", route_manager_describe(route, desc));
        return 0;
}

int route_manager_remove_recorded(RouteManager *m, const Route *route) {
        char desc[ROUTE_DESCRIPTION_MAX];
        int r;

        r = route_backend_remove(m, route);
        if (r < 0 && r != -ENOENT)
                return log_route_errno(LOG_WARNING, r, route, "Failed to remove route %s, keeping it in %s: %m",
                                       route_manager_describe(route, desc), m->state_path);
        log_route_errno(LOG_INFO, 0, route, "%s route %s.", r < 0 ? "Already gone:" : "Removed",
                        route_manager_describe(route, desc));
        route_state_remove(&m->state, route);
        r = route_backend_state_save(m);
        if (r < 0)
                return log_warning_errno(r, "Failed to update %s: %m", m->state_path);
        return 0;
}

int route_manager_undo(RouteManager *m) {
        int ret = 0, r;

        if (!m)
                return 0;

        for (size_t i = m->state.n_routes; i > 0; i--) {
                Route route = m->state.routes[i - 1];

                r = route_manager_remove_recorded(m, &route);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        r = route_backend_undo(m);
        if (r < 0 && ret == 0)
                ret = r;
        m->have_relay = false;
        m->have_discovery_routes = false;
        return ret;
}

static void relay_forget(RouteManager *m) {
        if (m->have_relay && m->relay_plan == ROUTE_PLAN_ADD)
                (void) route_manager_remove_recorded(m, &m->relay_pin);
        m->have_relay = false;
}

/* The pin of the same relay vanished: put the same route back. Works as
 * long as its interface and gateway are still usable, and avoids asking
 * the OS, which by now may answer "via the TAP". */
static int relay_readd(RouteManager *m) {
        char desc[ROUTE_DESCRIPTION_MAX];
        int r;

        r = route_backend_exists(m, &m->relay_pin);
        if (r != 0)
                return r; /* still there (1), or error */

        /* Still recorded in the state file from the first time. */
        r = route_backend_add(m, &m->relay_pin);
        if (r < 0) {
                log_route_errno(LOG_INFO, r, &m->relay_pin, "Cannot restore route %s (%m), looking the relay up again.",
                                route_manager_describe(&m->relay_pin, desc));
                route_state_remove(&m->state, &m->relay_pin);
                (void) route_backend_state_save(m);
                m->have_relay = false;
                return r;
        }
        log_route_errno(LOG_NOTICE, 0, &m->relay_pin, "Restored route %s.",
                        route_manager_describe(&m->relay_pin, desc));
        return 1;
}

void route_manager_keep_tap_default_routes(RouteManager *m) {
        if (m)
                m->keep_tap_default_routes = true;
}

/* The path to the relay now and the routes for exactly it: what pinning it
 * takes. Returns 0 and the plan (route_plan_relay_pin()'s, maybe an
 * error) in *ret_plan, or a negative errno, logged, when the OS cannot
 * tell. */
static int relay_plan(RouteManager *m, const RouteAddress *a, const char *addr, Route *ret_lookup, Route *ret_pin,
                      int *ret_plan) {
        const RouteBackendInfo *info = &route_backend_info;
        Route existing[ROUTE_DUMP_MAX];
        size_t n = 0;
        int r;

        r = route_backend_lookup(m, a, ret_lookup);
        if (r == -ENOMEM || (r == -ENOBUFS && info->enobufs_is_oom))
                return log_oom();
        if (r < 0) {
                /* "No route" comes in several errors (Linux: EINVAL for a
                 * blackhole, EACCES for prohibit, EHOSTUNREACH...). */
                log_error_errno(r, "No usable route to relay %s: %m", addr);
                return -ENETUNREACH;
        }
        r = route_backend_dump(m, a, (uint8_t) (route_address_size(a->family) * 8), existing, ELEMENTSOF(existing),
                               &n);
        if (r < 0)
                return log_error_errno(r, "Failed to list routes to relay %s: %m", addr);

        *ret_plan = route_plan_relay_pin(a, ret_lookup, existing, n, m->tap_ifindex, info->table,
                                         info->metric[a->family], ret_pin);
        return 0;
}

/* Carries the plan out. Returns the plan as it turned out (an ADD that
 * met someone else's route is a CONFLICT), or a negative errno, logged. */
static int relay_plan_apply(RouteManager *m, int plan, const char *addr, const Route *lookup, const Route *pin) {
        char desc[ROUTE_DESCRIPTION_MAX], desc2[ROUTE_DESCRIPTION_MAX];
        int r;

        switch (plan) {
        case -ELOOP:
        case -EAFNOSUPPORT:
                return route_backend_log_unpinnable(m, -plan, lookup, addr);
        case -ENETUNREACH:
                return log_error_errno(ENETUNREACH, "No usable route to relay %s (%s).", addr,
                                       route_type_to_string(lookup->type));
        case ROUTE_PLAN_ADD:
                r = route_manager_add_recorded(m, pin);
                if (r == -EEXIST) {
                        /* Appeared between our listing and our add. */
                        log_warning("A route to relay %s appeared meanwhile; leaving it alone.", addr);
                        return ROUTE_PLAN_CONFLICT;
                }
                return r < 0 ? r : plan;
        case ROUTE_PLAN_REUSE:
                log_route_errno(LOG_INFO, 0, pin, "Route %s exists already; using it and leaving it in place.",
                                route_manager_describe(pin, desc));
                return plan;
        case ROUTE_PLAN_NONE:
                log_info("Relay %s is this host; no route to pin.", addr);
                return plan;
        case ROUTE_PLAN_CONFLICT:
                log_route_errno(LOG_WARNING, 0, pin,
                                "Route %s exists and differs from the path %s picks (%s); leaving it alone.",
                                route_manager_describe(pin, desc), route_backend_info.path_picker,
                                route_manager_describe(lookup, desc2));
                return plan;
        default:
                return log_error_errno(plan < 0 ? plan : EINVAL, "Cannot pin route to relay %s: %m", addr);
        }
}

int route_manager_pin_relay(RouteManager *m, const RouteAddress *relay) {
        Route lookup, pin;
        char addr[ROUTE_ADDRESS_STR_MAX];
        RouteAddress a;
        bool same;
        int r, plan = _ROUTE_PLAN_INVALID; /* gcc cannot see relay_plan() set it */

        if (!m || !relay)
                return -EINVAL;
        if (route_address_from_bytes(relay->bytes, route_address_size(relay->family), &a) < 0)
                return -EINVAL;
        route_address_to_string(&a, addr);

        same = m->have_relay && route_address_equal(&m->relay, &a);
        if (same && m->relay_plan == ROUTE_PLAN_ADD) {
                r = relay_readd(m);
                if (r > 0)
                        return ROUTE_PLAN_ADD;
        }

        r = relay_plan(m, &a, addr, &lookup, &pin, &plan);
        if (r < 0)
                return r;
        plan = relay_plan_apply(m, plan, addr, &lookup, &pin);
        if (plan < 0)
                return plan;

        /* Only now: a relay we failed to pin must not cost the old pin. */
        if (m->have_relay && !same)
                relay_forget(m);

        m->have_relay = true;
        m->relay = a;
        m->relay_plan = plan;
        m->relay_lookup = lookup;
        m->relay_pin = pin;
        return plan;
}

int route_manager_check_relay(RouteManager *m, RouteCheck *ret) {
        char addr[ROUTE_ADDRESS_STR_MAX], desc[ROUTE_DESCRIPTION_MAX];
        bool pin_present = true;
        RouteCheck c;
        Route now;
        int r;

        if (!m || !ret)
                return -EINVAL;
        if (!m->have_relay)
                return -ENOENT;
        route_address_to_string(&m->relay, addr);

        route_backend_check_prepare(m);

        if (m->relay_plan == ROUTE_PLAN_ADD || m->relay_plan == ROUTE_PLAN_REUSE) {
                r = route_backend_exists(m, &m->relay_pin);
                if (r < 0)
                        return log_error_errno(r, "Failed to %s relay %s: %m", route_backend_info.pin_lookup, addr);
                pin_present = r > 0;
        }

        r = route_backend_lookup(m, &m->relay, &now);
        if (r < 0)
                log_debug_errno(r, "Looking up relay %s failed: %m", addr);
        c = route_check_decide(&m->relay_lookup, pin_present, r < 0 ? NULL : &now, m->tap_ifindex);

        switch (c) {
        case ROUTE_CHECK_OK:
                log_debug("Route to relay %s unchanged.", addr);
                break;
        case ROUTE_CHECK_VIA_TAP:
                log_route_errno(LOG_ERR, 0, &now, "Relay %s is now routed into the TAP (%s).", addr,
                                route_manager_describe(&now, desc));
                break;
        case ROUTE_CHECK_UNREACHABLE:
                log_warning("Relay %s is unreachable now.", addr);
                break;
        case ROUTE_CHECK_PIN_MISSING:
                log_route_errno(LOG_WARNING, 0, &m->relay_pin, "Route %s to the relay has disappeared.",
                                route_manager_describe(&m->relay_pin, desc));
                break;
        case ROUTE_CHECK_CHANGED:
                log_route_errno(LOG_WARNING, 0, &now, "Relay %s is now reached differently: %s.", addr,
                                route_manager_describe(&now, desc));
                break;
        default:
                return -EINVAL;
        }
        *ret = c;
        return 0;
}
