/* SPDX-License-Identifier: MIT */
#pragma once

/* Whether the LAN interface can carry the party: it exists, is an Ethernet
 * NIC that is not Wi-Fi (an access point drops frames whose source MAC is
 * not its client's own, so a bridge over Wi-Fi silently loses every remote
 * peer), is up and has a cable in. Reading the state (rtnetlink, nl80211)
 * is kept apart from deciding about it, so the decision is testable
 * without any interface. */

#include <stdbool.h>
#include <stdint.h>

#include "mac.h"
#include "macro.h"

/* IFNAMSIZ, fixed by the kernel ABI; spelled out so this header does not
 * drag in <net/if.h>, which clashes with <linux/if.h>. */
#define LINK_IFNAME_SIZE 16

typedef enum LinkCheck {
        LINK_CHECK_OK,
        LINK_CHECK_MISSING,
        LINK_CHECK_NOT_ETHERNET,
        LINK_CHECK_WIRELESS,
        LINK_CHECK_DOWN,
        LINK_CHECK_NO_CARRIER,
        LINK_CHECK_DORMANT,
        _LINK_CHECK_MAX,
        _LINK_CHECK_INVALID = -EINVAL,
} LinkCheck;

/* Stable names for logs, counters and D-Bus: "ok", "missing", ... */
const char *link_check_to_string(LinkCheck c);
/* What to tell a human after "interface eth0 ": "does not exist", "is
 * down", "has no carrier (cable unplugged?)", ... */
const char *link_check_describe(LinkCheck c);

typedef struct LinkState {
        bool exists;
        int ifindex;
        char ifname[LINK_IFNAME_SIZE];
        unsigned flags;    /* IFF_*, including IFF_LOWER_UP */
        uint8_t operstate; /* IF_OPER_* (RFC 2863) */
        uint16_t arptype;  /* ARPHRD_* */
        bool wireless;
        uint32_t mtu;
        MacAddr mac;
} LinkState;

/* The verdict, most fundamental problem first: a Wi-Fi card that is also
 * down is reported as wireless, since bringing it up would not help. */
LinkCheck link_state_check(const LinkState *s);

/* Reads the interface named `ifname`, or with index `ifindex` when ifname
 * is NULL. A missing interface is not an error: it returns 0 with
 * ret->exists false. Returns negative errno (logged) when netlink fails. */
int link_state_read(const char *ifname, int ifindex, LinkState *ret);

/* Watches one interface by name through RTNLGRP_LINK and reports whenever
 * its verdict or its ifindex changes: carrier lost or back, taken down,
 * unplugged (a USB NIC), plugged back in under a new ifindex. The caller
 * polls link_monitor_get_fd() for input and then calls
 * link_monitor_process(); it never blocks. */
typedef struct LinkMonitor LinkMonitor;
typedef void (*LinkMonitorHandler)(LinkMonitor *m, LinkCheck check, const LinkState *state, void *userdata);

/* Reads the current state once (no report for it: see
 * link_monitor_get_state()). Returns 0 or negative errno (logged). */
int link_monitor_new(LinkMonitor **ret, const char *ifname, LinkMonitorHandler handler, void *userdata);
LinkMonitor *link_monitor_free(LinkMonitor *m);
int link_monitor_get_fd(LinkMonitor *m);
const LinkState *link_monitor_get_state(LinkMonitor *m);
LinkCheck link_monitor_get_check(LinkMonitor *m);
/* Reads every pending message and calls the handler for each change, in
 * the order they happened (a quick flap is reported as two changes: the
 * switch flushed its table for the port, so CAM refreshes are due again).
 * The handler must not free the monitor.
 * When the kernel dropped messages because we were slow (the socket
 * buffer overran), the state is read afresh. Returns 0 or negative errno
 * (logged). */
int link_monitor_process(LinkMonitor *m);

DEFINE_TRIVIAL_CLEANUP_FUNC(LinkMonitor *, link_monitor_free);
