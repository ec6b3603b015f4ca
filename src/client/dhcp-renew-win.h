/* SPDX-License-Identifier: MIT */
#pragma once

/* Asking Windows' DHCP client to try again on the TAP. When the party's
 * DHCP server does not answer the first DISCOVER (the gateway joined
 * later, or a packet was lost) Windows gives the TAP an APIPA address
 * (169.254.x.x) and tries again only every 5 minutes; a player would sit
 * with no LAN address that long. So when the gateway appears while the
 * TAP has no address, or the TAP has an APIPA one, we renew at once with
 * IpRenewAddress(), as OpenVPN does for its adapter (tun.c, dhcp_renew()
 * through GetInterfaceInfo()'s adapter map). IpRenewAddress() waits for
 * the DHCP exchange, so it runs on a thread of its own and the loop never
 * blocks on it. Windows only. */

#include <stdbool.h>
#include <stdint.h>

#include "win-sys.h"

/* At most one renewal per this many ns, unless the gateway just came. */
#define DHCP_RENEW_INTERVAL (30ULL * 1000 * 1000 * 1000)
/* How long Windows' own DHCP exchange at media connect may take before
 * "no address" is a reason to ask again. */
#define DHCP_RENEW_GRACE (10ULL * 1000 * 1000 * 1000)

typedef struct DhcpRenewRun DhcpRenewRun;

typedef struct DhcpRenew {
        HANDLE thread;
        DhcpRenewRun *run; /* shared with the thread, which may outlive us */
        uint64_t last_start;
        bool started;
        unsigned n_started;
} DhcpRenew;

/* Whether a TAP with IPv4 address `ipv4` ("" when none) wants a renewal
 * now. Only while we are in the room (`joined_at`: when the media
 * connected; 0 when not joined) with the gateway there, and only for an
 * APIPA address, or no address once the gateway just came
 * (`gateway_new`) or Windows had DHCP_RENEW_GRACE to get one itself.
 * Then at most every DHCP_RENEW_INTERVAL, except right after the gateway
 * came. Pure; unit tested. */
bool dhcp_renew_wanted(const DhcpRenew *d, const char *ipv4, uint64_t joined_at, bool gateway_present,
                       bool gateway_new, uint64_t now);

/* Starts IpRenewAddress() for interface `ifindex` on a thread unless one
 * still runs. Returns 1 when started, 0 when one is still running, or a
 * negative errno. */
int dhcp_renew_start(DhcpRenew *d, uint32_t ifindex, uint64_t now);

/* Waits up to `timeout_ms` for a running renewal and frees the thread. */
void dhcp_renew_done(DhcpRenew *d, unsigned timeout_ms);
