/* SPDX-License-Identifier: MIT */
/* route.h on Linux: the RouteBackend of route-manager.h with rtnetlink
 * through libnl's socket and message layer, the state file, and the
 * routes that steer games' broadcasts and multicast onto the TAP. Requests are built by hand so the kernel's own
 * errno comes back (libnl's route objects translate errors into their
 * NLE_* codes). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "route-manager.h"
#include "route.h"

/* Marks our routes (`ip route show proto 76`). Deletions name it too, so
 * cleanup can never remove a route someone else added, even one identical
 * to ours. Not taken in iproute2's rt_protos. */
#define ROUTE_PROTOCOL_LANPARTY 76
#define ROUTE_TABLE RT_TABLE_MAIN
/* What the kernel gives IPv6 routes added without a metric; we say it
 * explicitly so the state file records the route exactly. */
#define ROUTE_METRIC_IPV4 0
#define ROUTE_METRIC_IPV6 1024

#define ROUTE_STATE_DIR_DEFAULT "/run/lanparty-client"
#define ROUTE_DUMP_TRIES 3

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cb *, nl_cb_put);

struct RouteBackend {
        struct nl_sock *nl;
        char state_path[PATH_MAX];
        int lock_fd;
        /* The routes that steer games' broadcasts and multicast onto the
         * TAP, added or relied on (route_manager_add_discovery_routes()). */
        Route steering[_ROUTE_STEER_MAX];
        RoutePlan steering_plan[_ROUTE_STEER_MAX];
};

const RouteBackendInfo route_backend_info = {
        .table = ROUTE_TABLE,
        .metric = { [ROUTE_FAMILY_IPV4] = ROUTE_METRIC_IPV4, [ROUTE_FAMILY_IPV6] = ROUTE_METRIC_IPV6 },
        .interface_field = "INTERFACE",
        .interface_word = "dev",
        .path_picker = "the kernel",
        /* route_backend_exists() dumps the prefix. */
        .pin_lookup = "list routes to",
        /* What the kernel answers when it cannot allocate the reply. */
        .enobufs_is_oom = true,
};

const char *route_backend_ifname(uint32_t ifindex, char buf[static ROUTE_IFNAME_MAX]) {
        char name[IF_NAMESIZE];

        if (ifindex > 0 && if_indextoname(ifindex, name))
                snprintf(buf, ROUTE_IFNAME_MAX, "%s", name);
        else
                snprintf(buf, ROUTE_IFNAME_MAX, "#%" PRIu32, ifindex);
        return buf;
}

static int nl_error_to_errno(int nlerr) {
        switch (nlerr < 0 ? -nlerr : nlerr) {
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_PERM:
                return -EPERM;
        case NLE_AGAIN:
                return -EAGAIN;
        case NLE_DUMP_INTR:
                return -EINTR;
        case NLE_OBJ_NOTFOUND:
                return -ESRCH;
        case NLE_EXIST:
                return -EEXIST;
        default:
                return -EIO;
        }
}

static int family_to_af(RouteFamily f) {
        return f == ROUTE_FAMILY_IPV4 ? AF_INET : AF_INET6;
}

static RouteType route_type_from_rtn(uint8_t t) {
        switch (t) {
        case RTN_UNICAST:
                return ROUTE_TYPE_UNICAST;
        case RTN_LOCAL:
                return ROUTE_TYPE_LOCAL;
        case RTN_UNREACHABLE:
        case RTN_BLACKHOLE:
        case RTN_PROHIBIT:
        case RTN_THROW:
                return ROUTE_TYPE_UNREACHABLE;
        default:
                return ROUTE_TYPE_OTHER;
        }
}

static int attr_u32(const struct nlattr *a, uint32_t *ret) {
        if (nla_len(a) != sizeof(uint32_t))
                return -EBADMSG;
        *ret = nla_get_u32((struct nlattr *) a);
        return 0;
}

/* One RTM_NEWROUTE from the kernel. Returns -EAFNOSUPPORT for families we
 * do not track, so dumps can skip them. */
static int route_from_nlmsg(struct nlmsghdr *h, Route *ret) {
        struct nlattr *tb[RTA_MAX + 1];
        const struct rtmsg *rtm;
        Route r = {};
        size_t size;

        if (h->nlmsg_type != RTM_NEWROUTE || !nlmsg_valid_hdr(h, sizeof(struct rtmsg)))
                return -EBADMSG;
        rtm = nlmsg_data(h);
        if (rtm->rtm_family == AF_INET)
                r.dst.family = ROUTE_FAMILY_IPV4;
        else if (rtm->rtm_family == AF_INET6)
                r.dst.family = ROUTE_FAMILY_IPV6;
        else
                return -EAFNOSUPPORT;
        size = route_address_size(r.dst.family);

        /* Validates attribute headers against the message length. */
        if (nlmsg_parse(h, sizeof(struct rtmsg), tb, RTA_MAX, NULL) < 0)
                return -EBADMSG;
        if (rtm->rtm_dst_len > size * 8)
                return -EBADMSG;

        r.type = route_type_from_rtn(rtm->rtm_type);
        r.prefixlen = rtm->rtm_dst_len;
        r.table = rtm->rtm_table;

        if (tb[RTA_DST]) {
                if ((size_t) nla_len(tb[RTA_DST]) != size)
                        return -EBADMSG;
                memcpy(r.dst.bytes, nla_data(tb[RTA_DST]), size);
        }
        if (tb[RTA_GATEWAY]) {
                if ((size_t) nla_len(tb[RTA_GATEWAY]) != size)
                        return -EBADMSG;
                r.has_gateway = true;
                r.gateway.family = r.dst.family;
                memcpy(r.gateway.bytes, nla_data(tb[RTA_GATEWAY]), size);
        }
        if (tb[RTA_VIA]) {
                /* IPv4 via an IPv6 next hop: struct rtvia, family then
                 * address. Recorded with its own family so plans refuse it. */
                const uint8_t *via = nla_data(tb[RTA_VIA]);
                size_t len = (size_t) nla_len(tb[RTA_VIA]);
                uint16_t af;

                if (len < sizeof(uint16_t))
                        return -EBADMSG;
                memcpy(&af, via, sizeof(af));
                if (af != AF_INET6 || len != sizeof(uint16_t) + 16)
                        return -EBADMSG;
                r.has_gateway = true;
                r.gateway.family = ROUTE_FAMILY_IPV6;
                memcpy(r.gateway.bytes, via + sizeof(uint16_t), 16);
        }
        if (tb[RTA_OIF] && attr_u32(tb[RTA_OIF], &r.ifindex) < 0)
                return -EBADMSG;
        if (tb[RTA_TABLE] && attr_u32(tb[RTA_TABLE], &r.table) < 0)
                return -EBADMSG;
        if (tb[RTA_PRIORITY] && attr_u32(tb[RTA_PRIORITY], &r.metric) < 0)
                return -EBADMSG;
        r.multipath = tb[RTA_MULTIPATH] != NULL;

        *ret = r;
        return 0;
}

/* What one request collects. A lookup takes the single answer; a dump
 * keeps the routes for one prefix in one table. */
typedef struct NetlinkCall {
        bool done;
        int error; /* the kernel's, negative errno */
        bool dump;
        RouteAddress filter_dst;
        uint8_t filter_prefixlen;
        uint32_t filter_table;
        Route *routes;
        size_t n_routes, max_routes;
} NetlinkCall;

static int on_valid(struct nl_msg *msg, void *userdata) {
        NetlinkCall *call = userdata;
        Route r;

        if (route_from_nlmsg(nlmsg_hdr(msg), &r) < 0)
                return NL_SKIP;
        if (call->dump && (r.table != call->filter_table || r.prefixlen != call->filter_prefixlen ||
                           !route_address_equal(&r.dst, &call->filter_dst)))
                return NL_SKIP;
        /* A host prefix in one table has a handful of routes at most; more
         * cannot change a decision, they are all "someone else's". */
        if (call->n_routes < call->max_routes)
                call->routes[call->n_routes++] = r;
        return NL_OK;
}

static int on_finish(struct nl_msg *msg, void *userdata) {
        ((NetlinkCall *) userdata)->done = true;
        return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *userdata) {
        NetlinkCall *call = userdata;

        call->error = err->error < 0 ? err->error : -err->error;
        call->done = true;
        return NL_STOP;
}

static int netlink_call(RouteManager *m, struct nl_msg *msg, NetlinkCall *call) {
        _cleanup_(nl_cb_putp) struct nl_cb *cb = NULL;
        int r;

        cb = nl_cb_alloc(NL_CB_DEFAULT);
        if (!cb)
                return -ENOMEM;
        nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, call);
        nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, call);
        nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_finish, call);
        nl_cb_err(cb, NL_CB_CUSTOM, on_error, call);

        r = nl_send_auto(m->backend->nl, msg);
        if (r < 0)
                return nl_error_to_errno(r);

        while (!call->done) {
                r = nl_recvmsgs(m->backend->nl, cb);
                if (call->error < 0)
                        return call->error;
                if (r < 0)
                        return nl_error_to_errno(r);
        }
        return call->error;
}

static int rtmsg_new(int type, int flags, const struct rtmsg *rtm, struct nl_msg **ret) {
        struct nl_msg *msg;

        msg = nlmsg_alloc_simple(type, flags);
        if (!msg)
                return -ENOMEM;
        if (nlmsg_append(msg, (void *) rtm, sizeof(*rtm), NLMSG_ALIGNTO) < 0) {
                nlmsg_free(msg);
                return -ENOMEM;
        }
        *ret = msg;
        return 0;
}

/* `ip route get`. */
int route_backend_lookup(RouteManager *m, const RouteAddress *dst, Route *ret) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        size_t size = route_address_size(dst->family);
        Route route;
        NetlinkCall call = { .routes = &route, .max_routes = 1 };
        int r;

        r = rtmsg_new(RTM_GETROUTE, 0,
                      &(struct rtmsg) { .rtm_family = (uint8_t) family_to_af(dst->family),
                                        .rtm_dst_len = (uint8_t) (size * 8) },
                      &msg);
        if (r < 0)
                return r;
        if (nla_put(msg, RTA_DST, (int) size, dst->bytes) < 0)
                return -ENOMEM;

        r = netlink_call(m, msg, &call);
        if (r < 0)
                return r;
        if (call.n_routes != 1)
                return -EBADMSG;
        *ret = route;
        return 0;
}

/* Every route for exactly dst/prefixlen in `table`. */
static int netlink_route_dump(RouteManager *m, const RouteAddress *dst, uint8_t prefixlen, uint32_t table,
                              Route *routes, size_t max, size_t *ret_n) {
        int r = -EINTR;

        /* A dump that raced a change says so; ask again. */
        for (unsigned try = 0; try < ROUTE_DUMP_TRIES && r == -EINTR; try++) {
                _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
                NetlinkCall call = {
                        .dump = true,
                        .filter_dst = *dst,
                        .filter_prefixlen = prefixlen,
                        .filter_table = table,
                        .routes = routes,
                        .max_routes = max,
                };

                r = rtmsg_new(RTM_GETROUTE, NLM_F_DUMP,
                              &(struct rtmsg) { .rtm_family = (uint8_t) family_to_af(dst->family) }, &msg);
                if (r < 0)
                        return r;
                r = netlink_call(m, msg, &call);
                *ret_n = call.n_routes;
        }
        return r;
}

static int route_message(int type, int flags, const Route *route, struct nl_msg **ret) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        size_t size = route_address_size(route->dst.family);
        int r;

        if (size == 0 || route->ifindex == 0 || (route->has_gateway && route->gateway.family != route->dst.family))
                return -EINVAL;

        r = rtmsg_new(type, flags,
                      &(struct rtmsg) {
                              .rtm_family = (uint8_t) family_to_af(route->dst.family),
                              .rtm_dst_len = route->prefixlen,
                              .rtm_table = route->table < 256 ? (uint8_t) route->table : RT_TABLE_UNSPEC,
                              .rtm_protocol = ROUTE_PROTOCOL_LANPARTY,
                              /* Deletion matches any scope; additions follow
                               * what `ip route add` picks. */
                              .rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE
                                           : route->has_gateway ? RT_SCOPE_UNIVERSE
                                                                : RT_SCOPE_LINK,
                              .rtm_type = RTN_UNICAST,
                      },
                      &msg);
        if (r < 0)
                return r;

        if (nla_put(msg, RTA_DST, (int) size, route->dst.bytes) < 0 || nla_put_u32(msg, RTA_OIF, route->ifindex) < 0 ||
            nla_put_u32(msg, RTA_TABLE, route->table) < 0)
                return -ENOMEM;
        if (route->has_gateway && nla_put(msg, RTA_GATEWAY, (int) size, route->gateway.bytes) < 0)
                return -ENOMEM;
        if (route->metric != 0 && nla_put_u32(msg, RTA_PRIORITY, route->metric) < 0)
                return -ENOMEM;

        *ret = TAKE_PTR(msg);
        return 0;
}

static int netlink_route_change(RouteManager *m, int type, const Route *route) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        NetlinkCall call = {};
        int r;

        /* EXCL: never shadow or merge with a route someone else owns. */
        r = route_message(type, type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0, route, &msg);
        if (r < 0)
                return r;
        return netlink_call(m, msg, &call);
}

int route_backend_dump(RouteManager *m, const RouteAddress *dst, uint8_t prefixlen, Route *routes, size_t max,
                       size_t *ret_n) {
        return netlink_route_dump(m, dst, prefixlen, ROUTE_TABLE, routes, max, ret_n);
}

/* Compares the table too. */
int route_backend_exists(RouteManager *m, const Route *route) {
        Route found[ROUTE_DUMP_MAX];
        size_t n = 0;
        int r;

        r = netlink_route_dump(m, &route->dst, route->prefixlen, route->table, found, ELEMENTSOF(found), &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (route_same_next_hop(&found[i], route) && found[i].metric == route->metric)
                        return 1;
        return 0;
}

int route_backend_state_save(RouteManager *m) {
        const char *path = m->backend->state_path;
        char text[ROUTE_STATE_TEXT_MAX], tmp[PATH_MAX];
        _cleanup_close_ int fd = -EBADF;
        size_t done = 0;
        int n;

        if (m->state.n_routes == 0) {
                if (unlink(path) < 0 && errno != ENOENT)
                        return -errno;
                return 0;
        }

        n = route_state_format(&m->state, text, sizeof(text));
        if (n < 0)
                return n;
        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp))
                return -ENAMETOOLONG;

        /* The lock keeps other instances away, so a fixed temporary name
         * is ours alone. */
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        while (done < (size_t) n) {
                ssize_t w = write(fd, text + done, (size_t) n - done);

                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                done += (size_t) w;
        }
        if (fsync(fd) < 0 || rename(tmp, path) < 0) {
                int e = -errno;
                (void) unlink(tmp);
                return e;
        }
        return 0;
}

int route_backend_add(RouteManager *m, const Route *route) {
        return netlink_route_change(m, RTM_NEWROUTE, route);
}

/* Gone already counts as removed: the interface may have vanished (a
 * TAP's routes die with it) or someone cleaned up by hand. */
static bool route_gone_error(int r) {
        return r == -ESRCH || r == -ENOENT || r == -ENODEV || r == -ENXIO;
}

int route_backend_remove(RouteManager *m, const Route *route) {
        int r;

        r = netlink_route_change(m, RTM_DELROUTE, route);
        return route_gone_error(r) ? -ENOENT : r;
}

/* Routes are all there is to undo here. */
int route_backend_undo(RouteManager *m) {
        return 0;
}

void route_backend_check_prepare(RouteManager *m) {
}

int route_backend_log_unpinnable(RouteManager *m, int error, const Route *lookup, const char *addr) {
        char dev[ROUTE_IFNAME_MAX];

        switch (error) {
        case ELOOP:
                return log_route_errno(LOG_ERR, ELOOP, lookup,
                                       "The route to relay %s leads into %s, the tunnel would carry itself. "
                                       "Remove the routes through %s (or its default route) and reconnect.",
                                       addr, route_backend_ifname(m->tap_ifindex, dev), dev);
        case EAFNOSUPPORT:
                return log_error_errno(EAFNOSUPPORT,
                                       "Relay %s is reached via an IPv6 next hop, which cannot be pinned.", addr);
        default:
                return log_error_errno(error, "Cannot pin route to relay %s: %m", addr);
        }
}

/* Loads what a previous run of this instance recorded, so route_manager_undo()
 * removes it. Only our lock holder gets here, so that run is over. */
static int state_load_stale(RouteManager *m) {
        _cleanup_close_ int fd = -EBADF;
        char text[ROUTE_STATE_TEXT_MAX + 1];
        size_t have = 0;
        RouteState s;
        int r;

        fd = open(m->state_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                return log_error_errno(errno, "Failed to open %s: %m", m->state_path);
        }
        while (have < sizeof(text)) {
                ssize_t n = read(fd, text + have, sizeof(text) - have);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(errno, "Failed to read %s: %m", m->state_path);
                }
                if (n == 0)
                        break;
                have += (size_t) n;
        }

        r = route_state_parse(text, have, &s);
        if (r < 0) {
                log_warning_errno(r,
                                  "Route state file %s is unreadable (%m), removing it; routes it listed can be "
                                  "found with 'ip route show proto %d' and removed by hand.",
                                  m->state_path, ROUTE_PROTOCOL_LANPARTY);
                if (unlink(m->state_path) < 0 && errno != ENOENT)
                        return log_error_errno(errno, "Failed to remove %s: %m", m->state_path);
                return 0;
        }

        m->state = s;
        if (s.n_routes > 0)
                log_notice("Removing %zu route(s) a previous run of %s left behind.", s.n_routes, m->instance);
        return (int) s.n_routes;
}

static int state_dir_pick(const char *state_dir, char *buf, size_t size) {
        const char *e;
        size_t len;

        if (state_dir) {
                len = strlen(state_dir);
        } else {
                /* systemd's RuntimeDirectory= may list several; the first is ours. */
                e = getenv("RUNTIME_DIRECTORY");
                if (e && e[0] == '/') {
                        state_dir = e;
                        len = strcspn(e, ":");
                } else {
                        state_dir = ROUTE_STATE_DIR_DEFAULT;
                        len = strlen(state_dir);
                }
        }
        if (state_dir[0] != '/')
                return -EINVAL;
        if (len >= size)
                return -ENAMETOOLONG;
        memcpy(buf, state_dir, len);
        buf[len] = '\0';
        return 0;
}

int route_manager_new(const char *instance, const char *state_dir, RouteManager **ret) {
        _cleanup_(route_manager_freep) RouteManager *m = NULL;
        char dir[PATH_MAX], lock_path[PATH_MAX];
        RouteBackend *b;
        int r;

        if (!instance || !ret)
                return -EINVAL;
        if (!route_instance_is_valid(instance))
                return log_error_errno(EINVAL, "Invalid route state name \"%.64s\".", instance);

        r = state_dir_pick(state_dir, dir, sizeof(dir));
        if (r < 0)
                return log_error_errno(r, "Invalid route state directory: %m");
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s: %m", dir);

        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->backend = b = calloc(1, sizeof(*b));
        if (!b)
                return log_oom();
        b->lock_fd = -EBADF;
        m->state_path = b->state_path;
        snprintf(m->instance, sizeof(m->instance), "%s", instance);
        if (snprintf(b->state_path, sizeof(b->state_path), "%s/routes-%s.state", dir, instance) >=
                    (int) sizeof(b->state_path) ||
            snprintf(lock_path, sizeof(lock_path), "%s/routes-%s.lock", dir, instance) >= (int) sizeof(lock_path))
                return log_error_errno(ENAMETOOLONG, "Route state directory %s: %m", dir);

        /* flock() dies with its holder, so a crashed run never blocks the
         * next one, while a live one does. */
        b->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (b->lock_fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", lock_path);
        if (flock(b->lock_fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno == EWOULDBLOCK)
                        return log_error_errno(EBUSY, "Another lanparty-client is running for %s (%s is locked).",
                                               instance, lock_path);
                return log_error_errno(errno, "Failed to lock %s: %m", lock_path);
        }

        b->nl = nl_socket_alloc();
        if (!b->nl)
                return log_oom();
        r = nl_connect(b->nl, NETLINK_ROUTE);
        if (r < 0)
                return log_error_errno(nl_error_to_errno(r), "Failed to open rtnetlink socket: %s", nl_geterror(r));

        r = state_load_stale(m);
        if (r < 0)
                return r;
        if (r > 0) {
                r = route_manager_undo(m);
                if (r < 0)
                        log_warning_errno(r, "Some leftover routes could not be removed, continuing: %m");
        }

        *ret = TAKE_PTR(m);
        return 0;
}

RouteManager *route_manager_free(RouteManager *m) {
        RouteBackend *b;

        if (!m)
                return NULL;
        b = m->backend;
        if (b && b->nl) {
                (void) route_manager_undo(m);
                nl_socket_free(b->nl);
        }
        /* The lock file stays: removing it would race with a new instance
         * taking the lock on a fresh file. */
        if (b && b->lock_fd >= 0)
                close(b->lock_fd);
        free(b);
        free(m);
        return NULL;
}

/* What each steering route is for, in the warning when someone else's
 * route holds its prefix. */
static const struct {
        RouteAddress dst;
        uint8_t prefixlen;
        const char *what;
} steering_routes[_ROUTE_STEER_MAX] = {
        [ROUTE_STEER_BROADCAST] = { { ROUTE_FAMILY_IPV4, {255, 255, 255, 255} }, 32, "broadcast to 255.255.255.255" },
        [ROUTE_STEER_MULTICAST] = { { ROUTE_FAMILY_IPV4, {224, 0, 0, 0} }, 4, "send to or join multicast groups" },
};

static int add_steering_route(RouteManager *m, RouteSteer which, uint32_t tap_ifindex) {
        Route existing[ROUTE_DUMP_MAX], route;
        char desc[ROUTE_DESCRIPTION_MAX], dev[ROUTE_IFNAME_MAX];
        size_t n = 0;
        int r, plan;

        r = netlink_route_dump(m, &steering_routes[which].dst, steering_routes[which].prefixlen, ROUTE_TABLE, existing,
                               ELEMENTSOF(existing), &n);
        if (r < 0)
                return log_error_errno(r, "Failed to list the routes games %s follow: %m", steering_routes[which].what);

        plan = route_plan_steer(tap_ifindex, &steering_routes[which].dst, steering_routes[which].prefixlen, existing,
                                n, ROUTE_TABLE, ROUTE_METRIC_IPV4, &route);
        switch (plan) {
        case ROUTE_PLAN_ADD:
                r = route_manager_add_recorded(m, &route);
                if (r < 0)
                        return r;
                break;
        case ROUTE_PLAN_REUSE:
                log_route_errno(LOG_INFO, 0, &route, "Route %s exists already; leaving it in place.",
                                route_manager_describe(&route, desc));
                break;
        case ROUTE_PLAN_CONFLICT:
                log_route_errno(LOG_WARNING, 0, &route,
                                "Route %s exists already; leaving it alone. Games that %s will not reach the party "
                                "through %s.",
                                route_manager_describe(&route, desc), steering_routes[which].what,
                                route_backend_ifname(tap_ifindex, dev));
                break;
        default:
                return log_error_errno(plan < 0 ? plan : EINVAL, "Cannot plan the route for games that %s: %m",
                                       steering_routes[which].what);
        }
        m->backend->steering[which] = route;
        m->backend->steering_plan[which] = plan;
        return plan;
}

/* The TAP gets 255.255.255.255/32 and 224.0.0.0/4, so what games send
 * without choosing an interface goes to the party, as it does on Windows,
 * where the TAP's low interface metric wins both. For the party's length
 * this takes the player's own multicast discovery (SSDP, say) from
 * programs that choose no interface, as on Windows; mDNS daemons and the
 * like pick their interfaces themselves. */
int route_manager_add_discovery_routes(RouteManager *m, uint32_t tap_ifindex) {
        int plans[_ROUTE_STEER_MAX];

        if (!m || tap_ifindex == 0)
                return -EINVAL;
        if (m->have_discovery_routes) {
                if (m->tap_ifindex == tap_ifindex)
                        return m->discovery_plan;
                for (RouteSteer i = 0; i < _ROUTE_STEER_MAX; i++)
                        if (m->backend->steering_plan[i] == ROUTE_PLAN_ADD)
                                (void) route_manager_remove_recorded(m, &m->backend->steering[i]);
                m->have_discovery_routes = false;
        }
        m->tap_ifindex = tap_ifindex;

        for (RouteSteer i = 0; i < _ROUTE_STEER_MAX; i++) {
                plans[i] = add_steering_route(m, i, tap_ifindex);
                if (plans[i] < 0) {
                        for (RouteSteer j = 0; j < i; j++)
                                if (plans[j] == ROUTE_PLAN_ADD)
                                        (void) route_manager_remove_recorded(m, &m->backend->steering[j]);
                        return plans[i];
                }
        }

        /* One plan for the caller: CONFLICT when any prefix is someone
         * else's (it warns), else ADD when we added any. */
        m->have_discovery_routes = true;
        m->discovery_plan = ROUTE_PLAN_REUSE;
        for (RouteSteer i = 0; i < _ROUTE_STEER_MAX; i++)
                if (plans[i] == ROUTE_PLAN_CONFLICT)
                        m->discovery_plan = ROUTE_PLAN_CONFLICT;
                else if (plans[i] == ROUTE_PLAN_ADD && m->discovery_plan == ROUTE_PLAN_REUSE)
                        m->discovery_plan = ROUTE_PLAN_ADD;
        return m->discovery_plan;
}
