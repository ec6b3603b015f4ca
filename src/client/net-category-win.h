/* SPDX-License-Identifier: MIT */
#pragma once

/* The Windows Firewall profile of the party network. Windows files a
 * network it cannot identify (no default gateway, which is what the party
 * network looks like once client-core.c removed the party's router) as
 * "Unidentified network", category Public, and many games' firewall rules
 * allow them in on Private networks only: their discovery answers would
 * be dropped. So once Windows shows a network on the TAP we make it
 * Private (INetwork::SetCategory, what Set-NetConnectionProfile does),
 * remember what it was, and put that back when we leave. Windows keeps no
 * profile for an unidentified network: it is a new one, Public again,
 * after every media disconnect, so a crash leaves nothing to undo and
 * every reconnect asks again. So does a new address on the TAP (the
 * party's lease replacing an APIPA address after a renewal): Windows
 * identifies the network anew. Windows only. */

#include <stdbool.h>
#include <stdint.h>

#include "win-sys.h"

typedef struct NetCategory {
        uint32_t ifindex;
        GUID adapter;
        bool have_adapter;
        char ipv4[16];   /* the TAP's IPv4 address (text) `done` is for */
        bool done;       /* Private on this link and address, by us or before us */
        bool changed;    /* we changed it: restore `orig` when leaving */
        WinNetworkCategory orig;
        int last_error;  /* the failure last reported, so it is said once */
} NetCategory;

/* The media went down: the next link is looked at anew (what we changed
 * is still remembered, to be put back). */
void net_category_link_down(NetCategory *nc);

/* Makes the network on interface `ifindex`, whose IPv4 address is now
 * `ipv4`, Private if it is not. Returns 1 when it changed it now
 * (*ret_orig says from what), 0 when there is nothing to do (done already
 * for this address, or Windows shows no network there yet), or a
 * negative errno that was not reported before (a repeat of the last
 * failure returns 0). */
int net_category_make_private(NetCategory *nc, uint32_t ifindex, const char *ipv4, WinNetworkCategory *ret_orig);

/* Puts back the category we changed, if the network is still there: call
 * it before the media goes down. Returns 1 when restored, 0 when there
 * was nothing to restore, or a negative errno. */
int net_category_restore(NetCategory *nc);

const char *win_network_category_to_string(WinNetworkCategory c);
