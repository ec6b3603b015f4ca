/* SPDX-License-Identifier: MIT */
/* route.h on Linux: rtnetlink through libnl's socket and message layer.
 * Requests are built by hand so the kernel's own errno comes back (libnl's
 * route objects translate errors into their NLE_* codes). */
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
#define ROUTE_INSTANCE_MAX 64
#define ROUTE_DUMP_MAX 16
#define ROUTE_DUMP_TRIES 3

#ifndef _cleanup_close_
static void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)
#endif

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cb *, nl_cb_put);

struct RouteManager {
        struct nl_sock *nl;
        char instance[ROUTE_INSTANCE_MAX + 1];
        char state_path[PATH_MAX];
        int lock_fd;
        RouteState state; /* routes we added: the state file's contents */

        bool have_relay;
        RouteAddress relay;
        RoutePlan relay_plan;
        Route relay_lookup; /* the path the relay took when pinned */
        Route relay_pin;    /* the route added or relied on */

        uint32_t tap_ifindex;
        bool have_broadcast;
        RoutePlan broadcast_plan;
        Route broadcast;
};

/* Up to "<address>/128 via <address> dev <name> table N metric N". */
#define ROUTE_DESCRIPTION_MAX (2 * ROUTE_ADDRESS_STR_MAX + IF_NAMESIZE + 64)

static const char *ifname_or_index(uint32_t ifindex, char buf[static IF_NAMESIZE + 12]) {
        char name[IF_NAMESIZE];

        if (ifindex > 0 && if_indextoname(ifindex, name))
                snprintf(buf, IF_NAMESIZE + 12, "%s", name);
        else
                snprintf(buf, IF_NAMESIZE + 12, "#%" PRIu32, ifindex);
        return buf;
}

static const char *route_describe(const Route *r, char buf[static ROUTE_DESCRIPTION_MAX]) {
        char dst[ROUTE_ADDRESS_STR_MAX], gw[ROUTE_ADDRESS_STR_MAX], dev[IF_NAMESIZE + 12];

        route_address_to_string(&r->dst, dst);
        if (r->multipath)
                snprintf(buf, ROUTE_DESCRIPTION_MAX, "%s/%u (multipath)", dst, r->prefixlen);
        else
                snprintf(buf, ROUTE_DESCRIPTION_MAX, "%s/%u%s%s dev %s metric %" PRIu32, dst, r->prefixlen,
                         r->has_gateway ? " via " : "", r->has_gateway ? route_address_to_string(&r->gateway, gw) : "",
                         ifname_or_index(r->ifindex, dev), r->metric);
        return buf;
}

#define log_route_errno(level, error, r, ...)                                                            \
        ({                                                                                               \
                char _dev[IF_NAMESIZE + 12];                                                             \
                log_fields_errno(level, error,                                                           \
                                 LOG_FIELDS({ "INTERFACE", ifname_or_index((r)->ifindex, _dev) }),       \
                                 __VA_ARGS__);                                                           \
        })

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

static uint32_t route_metric_default(RouteFamily f) {
        return f == ROUTE_FAMILY_IPV4 ? ROUTE_METRIC_IPV4 : ROUTE_METRIC_IPV6;
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

        r = nl_send_auto(m->nl, msg);
        if (r < 0)
                return nl_error_to_errno(r);

        while (!call->done) {
                r = nl_recvmsgs(m->nl, cb);
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

/* `ip route get`: the path the kernel takes to `dst` right now. */
static int netlink_route_lookup(RouteManager *m, const RouteAddress *dst, Route *ret) {
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

/* Whether a route with this prefix, table, next hop and metric exists. */
static int route_exists(RouteManager *m, const Route *route) {
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

static int state_save(RouteManager *m) {
        char text[ROUTE_STATE_TEXT_MAX], tmp[PATH_MAX];
        _cleanup_close_ int fd = -EBADF;
        size_t done = 0;
        int n;

        if (m->state.n_routes == 0) {
                if (unlink(m->state_path) < 0 && errno != ENOENT)
                        return -errno;
                return 0;
        }

        n = route_state_format(&m->state, text, sizeof(text));
        if (n < 0)
                return n;
        if (snprintf(tmp, sizeof(tmp), "%s.tmp", m->state_path) >= (int) sizeof(tmp))
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
        if (fsync(fd) < 0 || rename(tmp, m->state_path) < 0) {
                int e = -errno;
                (void) unlink(tmp);
                return e;
        }
        return 0;
}

/* Written down first: if we die between the two steps, the next start
 * tries to remove a route that may not exist, which is harmless. */
static int route_add_recorded(RouteManager *m, const Route *route) {
        char desc[ROUTE_DESCRIPTION_MAX];
        int r;

        r = route_state_add(&m->state, route);
        if (r < 0)
                return log_error_errno(r, "Too many routes to track in %s: %m", m->state_path);
        r = state_save(m);
        if (r < 0) {
                route_state_remove(&m->state, route);
                return log_error_errno(r, "Failed to record route in %s, not adding it: %m", m->state_path);
        }

        r = netlink_route_change(m, RTM_NEWROUTE, route);
        if (r < 0) {
                route_state_remove(&m->state, route);
                (void) state_save(m);
                return log_route_errno(LOG_ERR, r, route, "Failed to add route %s: %m",
                                       route_describe(route, desc));
        }
        log_route_errno(LOG_INFO, 0, route, "Added route %s.", route_describe(route, desc));
        return 0;
}

/* Gone already counts as removed: the interface may have vanished (a
 * TAP's routes die with it) or someone cleaned up by hand. */
static bool route_gone_error(int r) {
        return r == -ESRCH || r == -ENOENT || r == -ENODEV || r == -ENXIO;
}

static int route_remove_recorded(RouteManager *m, const Route *route) {
        char desc[ROUTE_DESCRIPTION_MAX];
        int r;

        r = netlink_route_change(m, RTM_DELROUTE, route);
        if (r < 0 && !route_gone_error(r))
                return log_route_errno(LOG_WARNING, r, route, "Failed to remove route %s, keeping it in %s: %m",
                                       route_describe(route, desc), m->state_path);
        log_route_errno(LOG_INFO, 0, route, "%s route %s.", r < 0 ? "Already gone:" : "Removed",
                        route_describe(route, desc));
        route_state_remove(&m->state, route);
        r = state_save(m);
        if (r < 0)
                return log_warning_errno(r, "Failed to update %s: %m", m->state_path);
        return 0;
}

int route_manager_undo(RouteManager *m) {
        int ret = 0;

        if (!m)
                return 0;

        for (size_t i = m->state.n_routes; i > 0; i--) {
                Route route = m->state.routes[i - 1];
                int r = route_remove_recorded(m, &route);

                if (r < 0 && ret == 0)
                        ret = r;
        }
        m->have_relay = false;
        m->have_broadcast = false;
        return ret;
}

static bool instance_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > ROUTE_INSTANCE_MAX || s[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-' || c == '.' || c == '%'))
                        return false;
        }
        return true;
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
        int r;

        if (!instance || !ret)
                return -EINVAL;
        if (!instance_is_valid(instance))
                return log_error_errno(EINVAL, "Invalid route state name \"%.64s\".", instance);

        r = state_dir_pick(state_dir, dir, sizeof(dir));
        if (r < 0)
                return log_error_errno(r, "Invalid route state directory: %m");
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s: %m", dir);

        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->lock_fd = -EBADF;
        snprintf(m->instance, sizeof(m->instance), "%s", instance);
        if (snprintf(m->state_path, sizeof(m->state_path), "%s/routes-%s.state", dir, instance) >=
                    (int) sizeof(m->state_path) ||
            snprintf(lock_path, sizeof(lock_path), "%s/routes-%s.lock", dir, instance) >= (int) sizeof(lock_path))
                return log_error_errno(ENAMETOOLONG, "Route state directory %s: %m", dir);

        /* flock() dies with its holder, so a crashed run never blocks the
         * next one, while a live one does. */
        m->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (m->lock_fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", lock_path);
        if (flock(m->lock_fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno == EWOULDBLOCK)
                        return log_error_errno(EBUSY, "Another lanparty-client is running for %s (%s is locked).",
                                               instance, lock_path);
                return log_error_errno(errno, "Failed to lock %s: %m", lock_path);
        }

        m->nl = nl_socket_alloc();
        if (!m->nl)
                return log_oom();
        r = nl_connect(m->nl, NETLINK_ROUTE);
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
        if (!m)
                return NULL;
        if (m->nl) {
                (void) route_manager_undo(m);
                nl_socket_free(m->nl);
        }
        /* The lock file stays: removing it would race with a new instance
         * taking the lock on a fresh file. */
        if (m->lock_fd >= 0)
                close(m->lock_fd);
        free(m);
        return NULL;
}

static void relay_forget(RouteManager *m) {
        if (m->have_relay && m->relay_plan == ROUTE_PLAN_ADD)
                (void) route_remove_recorded(m, &m->relay_pin);
        m->have_relay = false;
}

/* The pin of the same relay vanished: put the same route back. Works as
 * long as its interface and gateway are still usable, and avoids asking
 * the kernel, which by now may answer "via the TAP". */
static int relay_readd(RouteManager *m) {
        char desc[ROUTE_DESCRIPTION_MAX];
        int r;

        r = route_exists(m, &m->relay_pin);
        if (r != 0)
                return r; /* still there (1), or error */

        /* Still recorded in the state file from the first time. */
        r = netlink_route_change(m, RTM_NEWROUTE, &m->relay_pin);
        if (r < 0) {
                log_route_errno(LOG_INFO, r, &m->relay_pin, "Cannot restore route %s (%m), looking the relay up again.",
                                route_describe(&m->relay_pin, desc));
                route_state_remove(&m->state, &m->relay_pin);
                (void) state_save(m);
                m->have_relay = false;
                return r;
        }
        log_route_errno(LOG_NOTICE, 0, &m->relay_pin, "Restored route %s.", route_describe(&m->relay_pin, desc));
        return 1;
}

int route_manager_pin_relay(RouteManager *m, const RouteAddress *relay) {
        Route lookup, pin, existing[ROUTE_DUMP_MAX];
        char addr[ROUTE_ADDRESS_STR_MAX], desc[ROUTE_DESCRIPTION_MAX], desc2[ROUTE_DESCRIPTION_MAX],
                dev[IF_NAMESIZE + 12];
        RouteAddress a;
        size_t n = 0;
        bool same;
        int r, plan;

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

        r = netlink_route_lookup(m, &a, &lookup);
        if (r == -ENOMEM || r == -ENOBUFS)
                return log_oom();
        if (r < 0) {
                /* The kernel answers "no route" in several ways: EINVAL
                 * for a blackhole, EACCES for prohibit, EHOSTUNREACH... */
                log_error_errno(r, "No usable route to relay %s: %m", addr);
                return -ENETUNREACH;
        }
        r = netlink_route_dump(m, &a, (uint8_t) (route_address_size(a.family) * 8), ROUTE_TABLE, existing,
                               ELEMENTSOF(existing), &n);
        if (r < 0)
                return log_error_errno(r, "Failed to list routes to relay %s: %m", addr);

        plan = route_plan_relay_pin(&a, &lookup, existing, n, m->tap_ifindex, ROUTE_TABLE,
                                    route_metric_default(a.family), &pin);
        switch (plan) {
        case -ELOOP:
                return log_route_errno(LOG_ERR, ELOOP, &lookup,
                                       "The route to relay %s leads into %s, the tunnel would carry itself. "
                                       "Remove the routes through %s (or its default route) and reconnect.",
                                       addr, ifname_or_index(m->tap_ifindex, dev), dev);
        case -ENETUNREACH:
                return log_error_errno(ENETUNREACH, "No usable route to relay %s (%s).", addr,
                                       route_type_to_string(lookup.type));
        case -EAFNOSUPPORT:
                return log_error_errno(EAFNOSUPPORT,
                                       "Relay %s is reached via an IPv6 next hop, which cannot be pinned.", addr);
        case ROUTE_PLAN_ADD:
                r = route_add_recorded(m, &pin);
                if (r == -EEXIST) {
                        /* Appeared between our listing and our add. */
                        log_warning("A route to relay %s appeared meanwhile; leaving it alone.", addr);
                        plan = ROUTE_PLAN_CONFLICT;
                } else if (r < 0)
                        return r;
                break;
        case ROUTE_PLAN_REUSE:
                log_route_errno(LOG_INFO, 0, &pin, "Route %s exists already; using it and leaving it in place.",
                                route_describe(&pin, desc));
                break;
        case ROUTE_PLAN_NONE:
                log_info("Relay %s is this host; no route to pin.", addr);
                break;
        case ROUTE_PLAN_CONFLICT:
                log_route_errno(LOG_WARNING, 0, &pin,
                                "Route %s exists and differs from the path the kernel picks (%s); "
                                "leaving it alone.",
                                route_describe(&pin, desc), route_describe(&lookup, desc2));
                break;
        default:
                return log_error_errno(plan < 0 ? plan : EINVAL, "Cannot pin route to relay %s: %m", addr);
        }

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

int route_manager_add_broadcast(RouteManager *m, uint32_t tap_ifindex) {
        static const RouteAddress limited_broadcast = { .family = ROUTE_FAMILY_IPV4, .bytes = {255, 255, 255, 255} };
        Route existing[ROUTE_DUMP_MAX], route;
        char desc[ROUTE_DESCRIPTION_MAX], dev[IF_NAMESIZE + 12];
        size_t n = 0;
        int r, plan;

        if (!m || tap_ifindex == 0)
                return -EINVAL;
        if (m->have_broadcast) {
                if (m->tap_ifindex == tap_ifindex)
                        return m->broadcast_plan;
                if (m->broadcast_plan == ROUTE_PLAN_ADD)
                        (void) route_remove_recorded(m, &m->broadcast);
                m->have_broadcast = false;
        }
        m->tap_ifindex = tap_ifindex;

        r = netlink_route_dump(m, &limited_broadcast, 32, ROUTE_TABLE, existing, ELEMENTSOF(existing), &n);
        if (r < 0)
                return log_error_errno(r, "Failed to list limited-broadcast routes: %m");

        plan = route_plan_broadcast(tap_ifindex, existing, n, ROUTE_TABLE, ROUTE_METRIC_IPV4, &route);
        switch (plan) {
        case ROUTE_PLAN_ADD:
                r = route_add_recorded(m, &route);
                if (r < 0)
                        return r;
                break;
        case ROUTE_PLAN_REUSE:
                log_route_errno(LOG_INFO, 0, &route, "Route %s exists already; leaving it in place.",
                                route_describe(&route, desc));
                break;
        case ROUTE_PLAN_CONFLICT:
                log_route_errno(LOG_WARNING, 0, &route,
                                "Route %s exists already; leaving it alone. Games that broadcast to "
                                "255.255.255.255 will not reach the party through %s.",
                                route_describe(&route, desc), ifname_or_index(tap_ifindex, dev));
                break;
        default:
                return log_error_errno(plan < 0 ? plan : EINVAL, "Cannot plan the limited-broadcast route: %m");
        }

        m->have_broadcast = true;
        m->broadcast_plan = plan;
        m->broadcast = route;
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

        if (m->relay_plan == ROUTE_PLAN_ADD || m->relay_plan == ROUTE_PLAN_REUSE) {
                r = route_exists(m, &m->relay_pin);
                if (r < 0)
                        return log_error_errno(r, "Failed to list routes to relay %s: %m", addr);
                pin_present = r > 0;
        }

        r = netlink_route_lookup(m, &m->relay, &now);
        if (r < 0)
                log_debug_errno(r, "Looking up relay %s failed: %m", addr);
        c = route_check_decide(&m->relay_lookup, pin_present, r < 0 ? NULL : &now, m->tap_ifindex);

        switch (c) {
        case ROUTE_CHECK_OK:
                log_debug("Route to relay %s unchanged.", addr);
                break;
        case ROUTE_CHECK_VIA_TAP:
                log_route_errno(LOG_ERR, 0, &now, "Relay %s is now routed into the TAP (%s).", addr,
                                route_describe(&now, desc));
                break;
        case ROUTE_CHECK_UNREACHABLE:
                log_warning("Relay %s is unreachable now.", addr);
                break;
        case ROUTE_CHECK_PIN_MISSING:
                log_route_errno(LOG_WARNING, 0, &m->relay_pin, "Route %s to the relay has disappeared.",
                                route_describe(&m->relay_pin, desc));
                break;
        case ROUTE_CHECK_CHANGED:
                log_route_errno(LOG_WARNING, 0, &now, "Relay %s is now reached differently: %s.", addr,
                                route_describe(&now, desc));
                break;
        default:
                return -EINVAL;
        }
        *ret = c;
        return 0;
}
