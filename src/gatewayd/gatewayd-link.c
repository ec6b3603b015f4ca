/* SPDX-License-Identifier: MIT */
#include "gatewayd-link.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/nl80211.h>
#include <linux/rtnetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "string-table.h"

_Static_assert(LINK_IFNAME_SIZE == IFNAMSIZ, "interface name size");

#define log_link_errno(ifname, level, error, ...) \
        log_fields_errno(level, error, LOG_FIELDS({"INTERFACE", (ifname)}), __VA_ARGS__)

/* Link notifications are small, but a burst (many VLANs, a bond coming up)
 * must not overrun the 32 KiB libnl asks for by default. */
#define LINK_MONITOR_RCVBUF (1024 * 1024)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put);

static const char *const link_check_table[_LINK_CHECK_MAX] = {
        [LINK_CHECK_OK] = "ok",
        [LINK_CHECK_MISSING] = "missing",
        [LINK_CHECK_NOT_ETHERNET] = "not-ethernet",
        [LINK_CHECK_WIRELESS] = "wireless",
        [LINK_CHECK_DOWN] = "down",
        [LINK_CHECK_NO_CARRIER] = "no-carrier",
        [LINK_CHECK_DORMANT] = "dormant",
};

static const char *const link_check_description_table[_LINK_CHECK_MAX] = {
        [LINK_CHECK_OK] = "is ready",
        [LINK_CHECK_MISSING] = "does not exist",
        [LINK_CHECK_NOT_ETHERNET] = "is not an Ethernet interface; the gateway needs a wired NIC",
        [LINK_CHECK_WIRELESS] = "is a wireless interface; the gateway needs a wired NIC",
        [LINK_CHECK_DOWN] = "is down",
        [LINK_CHECK_NO_CARRIER] = "has no carrier (cable unplugged?)",
        [LINK_CHECK_DORMANT] = "is dormant (waiting for 802.1X authentication?)",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(link_check, LinkCheck)

const char *link_check_describe(LinkCheck c) {
        if (c < 0 || c >= _LINK_CHECK_MAX)
                return NULL;
        return link_check_description_table[c];
}

LinkCheck link_state_check(const LinkState *s) {
        if (!s)
                return _LINK_CHECK_INVALID;
        if (!s->exists)
                return LINK_CHECK_MISSING;
        if (s->arptype != ARPHRD_ETHER)
                return LINK_CHECK_NOT_ETHERNET;
        if (s->wireless)
                return LINK_CHECK_WIRELESS;
        if (!(s->flags & IFF_UP))
                return LINK_CHECK_DOWN;
        if (!(s->flags & IFF_LOWER_UP))
                return LINK_CHECK_NO_CARRIER;

        /* Drivers that do not track operstate leave it UNKNOWN; the kernel
         * itself counts that as running. */
        switch (s->operstate) {
        case IF_OPER_UP:
        case IF_OPER_UNKNOWN:
                return LINK_CHECK_OK;
        case IF_OPER_DORMANT:
                return LINK_CHECK_DORMANT;
        default:
                return LINK_CHECK_NO_CARRIER;
        }
}

/* libnl has its own error space; we speak errno. */
static int errno_from_nlerr(int r) {
        switch (r < 0 ? -r : r) {
        case NLE_SUCCESS:
                return 0;
        case NLE_INTR:
                return -EINTR;
        case NLE_BAD_SOCK:
                return -EBADF;
        case NLE_AGAIN:
                return -EAGAIN;
        case NLE_NOMEM: /* also what ENOBUFS becomes */
                return -ENOBUFS;
        case NLE_EXIST:
                return -EEXIST;
        case NLE_INVAL:
                return -EINVAL;
        case NLE_RANGE:
                return -ERANGE;
        case NLE_OPNOTSUPP:
        case NLE_AF_NOSUPPORT:
                return -EOPNOTSUPP;
        case NLE_OBJ_NOTFOUND:
        case NLE_NODEV:
                return -ENODEV;
        case NLE_BUSY:
                return -EBUSY;
        case NLE_NOACCESS:
                return -EACCES;
        case NLE_PERM:
                return -EPERM;
        default:
                return -EIO;
        }
}

static bool nlerr_is_no_device(int r) {
        return r == -NLE_NODEV || r == -NLE_OBJ_NOTFOUND;
}

static int nl80211_on_reply(struct nl_msg *msg, void *userdata) {
        *(bool *) userdata = true;
        return NL_OK;
}

/* Asks nl80211 about the ifindex: it answers only for interfaces it
 * drives, and says ENODEV for all others. Returns 1 or 0, or -EOPNOTSUPP
 * when the kernel has no nl80211 at all (no cfg80211). */
static int wireless_from_nl80211(int ifindex) {
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        bool answered = false;
        int family, r;

        sock = nl_socket_alloc();
        if (!sock)
                return -ENOMEM;
        r = genl_connect(sock);
        if (r < 0)
                return errno_from_nlerr(r);

        family = genl_ctrl_resolve(sock, NL80211_GENL_NAME);
        if (family < 0)
                return nlerr_is_no_device(family) ? -EOPNOTSUPP : errno_from_nlerr(family);

        msg = nlmsg_alloc();
        if (!msg)
                return -ENOMEM;
        if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, NL80211_CMD_GET_INTERFACE, 0))
                return -ENOBUFS;
        r = nla_put_u32(msg, NL80211_ATTR_IFINDEX, (uint32_t) ifindex);
        if (r < 0)
                return errno_from_nlerr(r);

        r = nl_socket_modify_cb(sock, NL_CB_VALID, NL_CB_CUSTOM, nl80211_on_reply, &answered);
        if (r < 0)
                return errno_from_nlerr(r);
        r = nl_send_sync(sock, TAKE_PTR(msg)); /* frees msg */
        if (nlerr_is_no_device(r))
                return 0;
        if (r < 0)
                return errno_from_nlerr(r);
        return answered;
}

/* Without cfg80211 there is no nl80211 to ask; sysfs still marks wireless
 * extensions and mac80211 PHYs. */
static bool wireless_from_sysfs(const char *ifname) {
        static const char *const names[] = {"wireless", "phy80211"};
        char path[sizeof("/sys/class/net//phy80211") + LINK_IFNAME_SIZE];

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, names[i]);
                if (access(path, F_OK) == 0)
                        return true;
        }
        return false;
}

static bool wireless_detect(int ifindex, const char *ifname) {
        int r = wireless_from_nl80211(ifindex);

        if (r >= 0)
                return r > 0;
        /* Not knowing must not keep a wired gateway from starting. */
        if (r != -EOPNOTSUPP)
                log_link_errno(ifname, LOG_WARNING, r, "Failed to ask nl80211 about %s, checking sysfs: %m", ifname);
        return wireless_from_sysfs(ifname);
}

static void link_state_from_rtnl(struct rtnl_link *link, LinkState *ret) {
        const char *name = rtnl_link_get_name(link);
        struct nl_addr *addr = rtnl_link_get_addr(link);
        LinkState s = {
                .exists = true,
                .ifindex = rtnl_link_get_ifindex(link),
                .flags = rtnl_link_get_flags(link),
                .operstate = rtnl_link_get_operstate(link),
                .arptype = (uint16_t) rtnl_link_get_arptype(link),
                .mtu = rtnl_link_get_mtu(link),
        };

        if (name)
                snprintf(s.ifname, sizeof(s.ifname), "%s", name);
        if (addr && nl_addr_get_len(addr) == LP_MAC_LEN)
                memcpy(s.mac.bytes, nl_addr_get_binary_addr(addr), LP_MAC_LEN);
        *ret = s;
}

static LinkState link_state_missing(const char *ifname) {
        LinkState s = {};
        if (ifname)
                snprintf(s.ifname, sizeof(s.ifname), "%s", ifname);
        return s;
}

int link_state_read(const char *ifname, int ifindex, LinkState *ret) {
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        const char *name = ifname ? ifname : "";
        LinkState s;
        int r;

        if (!ret || (ifname && (ifname[0] == '\0' || strlen(ifname) >= LINK_IFNAME_SIZE)) ||
            (!ifname && ifindex <= 0))
                return log_link_errno(name, LOG_ERR, EINVAL, "Invalid interface name or index.");

        sock = nl_socket_alloc();
        if (!sock)
                return log_oom();
        nl_socket_enable_msg_peek(sock);
        r = nl_connect(sock, NETLINK_ROUTE);
        if (r < 0)
                return log_link_errno(name, LOG_ERR, errno_from_nlerr(r), "Failed to connect to rtnetlink: %s",
                                      nl_geterror(r));

        r = rtnl_link_get_kernel(sock, ifname ? 0 : ifindex, ifname, &link);
        if (nlerr_is_no_device(r)) {
                *ret = link_state_missing(ifname);
                return 0;
        }
        if (r < 0)
                return log_link_errno(name, LOG_ERR, errno_from_nlerr(r), "Failed to read link %s: %s", name,
                                      nl_geterror(r));

        link_state_from_rtnl(link, &s);
        s.wireless = wireless_detect(s.ifindex, s.ifname);
        *ret = s;
        return 0;
}

struct LinkMonitor {
        struct nl_sock *sock;
        char ifname[LINK_IFNAME_SIZE];
        LinkState state;
        LinkCheck check;
        LinkMonitorHandler handler;
        void *userdata;
        bool lost; /* the kernel dropped notifications: read afresh once drained */
};

static void monitor_set(LinkMonitor *m, const LinkState *s) {
        LinkCheck check = link_state_check(s);
        bool changed = check != m->check || s->ifindex != m->state.ifindex;

        m->state = *s;
        m->check = check;
        if (!changed)
                return;

        log_link_errno(m->ifname, LOG_DEBUG, 0, "Interface %s %s.", m->ifname, link_check_describe(check));
        if (m->handler)
                m->handler(m, check, &m->state, m->userdata);
}

static void monitor_update(LinkMonitor *m, const LinkState *s, bool deleted) {
        bool by_name = strcmp(s->ifname, m->ifname) == 0;
        bool by_index = m->state.exists && s->ifindex == m->state.ifindex;
        LinkState next;

        if (!by_name && !by_index)
                return;

        if (deleted || !by_name)
                /* Gone, or renamed away: nothing carries our name now. */
                next = link_state_missing(m->ifname);
        else if (by_index) {
                /* Same interface: what it is (wireless) did not change. */
                next = *s;
                next.wireless = m->state.wireless;
        } else {
                /* A new interface took our name. The message says all but
                 * what kind it is. Reading the whole state afresh instead
                 * would jump ahead of messages still queued, which would
                 * then replay older states. */
                next = *s;
                next.wireless = wireless_detect(s->ifindex, s->ifname);
        }

        monitor_set(m, &next);
}

typedef struct MonitorMessage {
        LinkMonitor *m;
        bool deleted;
} MonitorMessage;

static void monitor_on_link(struct nl_object *obj, void *userdata) {
        MonitorMessage *mm = userdata;
        LinkState s;

        link_state_from_rtnl((struct rtnl_link *) obj, &s);
        monitor_update(mm->m, &s, mm->deleted);
}

static int monitor_on_message(struct nl_msg *msg, void *userdata) {
        struct nlmsghdr *h = nlmsg_hdr(msg);
        MonitorMessage mm = {.m = userdata, .deleted = h->nlmsg_type == RTM_DELLINK};
        int r;

        if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
                return NL_SKIP;

        /* A message libnl cannot parse says nothing we could act on. */
        r = nl_msg_parse(msg, monitor_on_link, &mm);
        if (r < 0)
                log_link_errno(mm.m->ifname, LOG_DEBUG, errno_from_nlerr(r),
                               "Failed to parse link message, ignoring: %s", nl_geterror(r));
        return NL_OK;
}

int link_monitor_new(LinkMonitor **ret, const char *ifname, LinkMonitorHandler handler, void *userdata) {
        _cleanup_(link_monitor_freep) LinkMonitor *m = NULL;
        int r;

        if (!ret || !ifname || ifname[0] == '\0' || strlen(ifname) >= LINK_IFNAME_SIZE)
                return log_error_errno(EINVAL, "Invalid interface name.");

        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        snprintf(m->ifname, sizeof(m->ifname), "%s", ifname);
        m->handler = handler;
        m->userdata = userdata;

        m->sock = nl_socket_alloc();
        if (!m->sock)
                return log_oom();
        /* Notifications carry sequence number 0. */
        nl_socket_disable_seq_check(m->sock);
        nl_socket_enable_msg_peek(m->sock);
        r = nl_socket_modify_cb(m->sock, NL_CB_VALID, NL_CB_CUSTOM, monitor_on_message, m);
        if (r < 0)
                return log_link_errno(ifname, LOG_ERR, errno_from_nlerr(r), "Failed to set netlink callback: %s",
                                      nl_geterror(r));
        r = nl_connect(m->sock, NETLINK_ROUTE);
        if (r < 0)
                return log_link_errno(ifname, LOG_ERR, errno_from_nlerr(r), "Failed to connect to rtnetlink: %s",
                                      nl_geterror(r));
        r = nl_socket_set_buffer_size(m->sock, LINK_MONITOR_RCVBUF, 0);
        if (r < 0)
                log_link_errno(ifname, LOG_WARNING, errno_from_nlerr(r),
                               "Failed to enlarge netlink buffer, ignoring: %s", nl_geterror(r));
        r = nl_socket_add_membership(m->sock, RTNLGRP_LINK);
        if (r < 0)
                return log_link_errno(ifname, LOG_ERR, errno_from_nlerr(r), "Failed to join RTNLGRP_LINK: %s",
                                      nl_geterror(r));
        r = nl_socket_set_nonblocking(m->sock);
        if (r < 0)
                return log_link_errno(ifname, LOG_ERR, errno_from_nlerr(r),
                                      "Failed to make netlink socket non-blocking: %s", nl_geterror(r));

        /* Subscribed first, read second: a change in between is never lost;
         * at worst a queued message repeats a state from just before. */
        r = link_state_read(ifname, 0, &m->state);
        if (r < 0)
                return r;
        m->check = link_state_check(&m->state);

        *ret = TAKE_PTR(m);
        return 0;
}

LinkMonitor *link_monitor_free(LinkMonitor *m) {
        if (!m)
                return NULL;
        nl_socket_free(m->sock);
        free(m);
        return NULL;
}

int link_monitor_get_fd(LinkMonitor *m) {
        return m && m->sock ? nl_socket_get_fd(m->sock) : -EBADF;
}

const LinkState *link_monitor_get_state(LinkMonitor *m) {
        return m ? &m->state : NULL;
}

LinkCheck link_monitor_get_check(LinkMonitor *m) {
        return m ? m->check : _LINK_CHECK_INVALID;
}

static int monitor_resync(LinkMonitor *m) {
        LinkState s;
        int r;

        log_link_errno(m->ifname, LOG_DEBUG, 0, "Link notifications for %s were lost, reading state afresh.",
                       m->ifname);
        r = link_state_read(m->ifname, 0, &s);
        if (r < 0)
                return r;
        monitor_set(m, &s);
        return 0;
}

int link_monitor_process(LinkMonitor *m) {
        if (!m)
                return -EINVAL;

        for (;;) {
                int r = nl_recvmsgs_default(m->sock);

                if (r == -NLE_INTR)
                        continue;
                if (r == -NLE_NOMEM) {
                        /* ENOBUFS: the newest notifications were dropped, the
                         * older ones are still queued. Read afresh only after
                         * those, or they would overwrite the fresh state. */
                        m->lost = true;
                        continue;
                }
                if (r == -NLE_AGAIN) {
                        if (!m->lost)
                                return 0;
                        m->lost = false;
                        return monitor_resync(m);
                }
                if (r < 0)
                        return log_link_errno(m->ifname, LOG_ERR, errno_from_nlerr(r),
                                              "Failed to receive link notifications: %s", nl_geterror(r));
        }
}
