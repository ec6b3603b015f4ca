/* SPDX-License-Identifier: MIT */
#pragma once

/* The RouteManager both platforms share: pinning and re-pinning the relay,
 * checking its path, and recording every route we add before adding it.
 * route-manager.c does that once; route-linux.c (rtnetlink) and
 * route-win.c (IP Helper) each supply the RouteBackend below, the way
 * wireguard-tools links one ipc backend. Kept apart from route.c because
 * it logs and calls the OS half, while route.c stays pure and links alone
 * into its unit test and fuzzers. Not a public header: route.h is. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "route.h"

/* How many routes for one prefix a dump keeps: a host prefix in one table
 * has a handful at most; more cannot change a decision, they are all
 * "someone else's". */
#define ROUTE_DUMP_MAX 16

/* The routes Linux needs where Windows has the TAP's interface metric. */
typedef enum RouteSteer {
        ROUTE_STEER_BROADCAST, /* 255.255.255.255/32 */
        ROUTE_STEER_MULTICAST, /* 224.0.0.0/4 */
        _ROUTE_STEER_MAX,
} RouteSteer;

/* The platform's own state: the rtnetlink socket, the lock, the paths. */
typedef struct RouteBackend RouteBackend;

struct RouteManager {
        RouteBackend *backend;
        char instance[ROUTE_INSTANCE_MAX + 1];
        const char *state_path; /* the route state file as messages name it; owned by the backend */
        RouteState state;       /* routes we added: the state file's contents */

        bool have_relay;
        RouteAddress relay;
        RoutePlan relay_plan;
        Route relay_lookup; /* the path the relay took when pinned */
        Route relay_pin;    /* the route added or relied on */

        uint32_t tap_ifindex;
        bool keep_tap_default_routes;
        bool have_discovery_routes;
        RoutePlan discovery_plan;
};

/* Words and numbers in which the platforms differ, not logic. */
typedef struct RouteBackendInfo {
        uint32_t table;                      /* where the relay's pin goes; 0 where tables do not exist */
        uint32_t metric[_ROUTE_FAMILY_MAX];  /* the metric the pin gets */
        const char *interface_field;         /* the log field naming a route's interface */
        const char *interface_word;          /* how descriptions name it: "dev eth0", "if 7" */
        const char *path_picker;             /* who picks the relay's path: "the kernel" */
        const char *pin_lookup;              /* how a pin is found: "list routes to" (relay %s) */
        bool enobufs_is_oom;                 /* rtnetlink's ENOBUFS is the kernel out of memory */
} RouteBackendInfo;

extern const RouteBackendInfo route_backend_info;

/* An interface's name for descriptions and log fields, at most
 * ROUTE_IFNAME_MAX - 1 characters. Returns buf. */
#define ROUTE_IFNAME_MAX 32
const char *route_backend_ifname(uint32_t ifindex, char buf[static ROUTE_IFNAME_MAX]);

/* The path the OS takes to `dst` right now. */
int route_backend_lookup(RouteManager *m, const RouteAddress *dst, Route *ret);
/* Every route for exactly dst/prefixlen, in route_backend_info.table. */
int route_backend_dump(RouteManager *m, const RouteAddress *dst, uint8_t prefixlen, Route *routes, size_t max,
                       size_t *ret_n);
/* 1 when a route with this prefix, next hop and metric exists, else 0. */
int route_backend_exists(RouteManager *m, const Route *route);
/* -EEXIST when someone else's route is in the way. */
int route_backend_add(RouteManager *m, const Route *route);
/* -ENOENT when the route is gone already, whichever way the OS says so. */
int route_backend_remove(RouteManager *m, const Route *route);
/* Writes m->state; an empty one removes the file. */
int route_backend_state_save(RouteManager *m);
/* Logs why the relay cannot be pinned for the plan errors whose advice
 * is the platform's own (-ELOOP, -EAFNOSUPPORT); returns -error. */
int route_backend_log_unpinnable(RouteManager *m, int error, const Route *lookup, const char *addr);
/* Runs before every check of the relay's path. */
void route_backend_check_prepare(RouteManager *m);
/* Undoes what the backend changed besides routes, after them. Returns 0
 * or the first error. */
int route_backend_undo(RouteManager *m);

/* route_describe() with the platform's interface name. */
const char *route_manager_describe(const Route *r, char buf[static ROUTE_DESCRIPTION_MAX]);

#define log_route_errno(level, error, r, ...)                                                            \
        ({                                                                                               \
                char _ifname[ROUTE_IFNAME_MAX];                                                          \
                log_fields_errno(level, error,                                                           \
                                 LOG_FIELDS({ route_backend_info.interface_field,                        \
                                              route_backend_ifname((r)->ifindex, _ifname) }),            \
                                 __VA_ARGS__);                                                           \
        })

/* Removes a route recorded in the state file, and its record. A route
 * already gone counts as removed; one that cannot be removed stays
 * recorded for the next start. */
int route_manager_remove_recorded(RouteManager *m, const Route *route);
/* Records a route in the state file, then adds it; un-records it when the
 * add fails. */
int route_manager_add_recorded(RouteManager *m, const Route *route);
