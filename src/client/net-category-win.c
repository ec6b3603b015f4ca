/* SPDX-License-Identifier: MIT */
#include "net-category-win.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "platform-win.h"

/* A switch, not a string table: it falls back to "unknown" for whatever
 * category Windows reports that this build does not know. */
const char *win_network_category_to_string(WinNetworkCategory c) {
        switch (c) {
        case WIN_NETWORK_CATEGORY_PUBLIC:
                return "Public";
        case WIN_NETWORK_CATEGORY_PRIVATE:
                return "Private";
        case WIN_NETWORK_CATEGORY_DOMAIN_AUTHENTICATED:
                return "Domain";
        default:
                return "unknown";
        }
}

static int errno_from_hresult(HRESULT hr) {
        if (hr == HRESULT_FROM_WIN32(ERROR_NOT_FOUND))
                return -ENOENT;
        if (HRESULT_FACILITY(hr) == FACILITY_WIN32)
                return errno_from_win32(HRESULT_CODE(hr));
        if (hr == E_ACCESSDENIED)
                return -EACCES;
        if (hr == E_NOTIMPL)
                return -EOPNOTSUPP;
        return -EIO;
}

/* `changed` and `orig` stay: a network Windows remembers (one it could
 * identify, with --accept-party-gateway) comes back with the category we
 * gave it, and is still ours to put back when we leave. */
void net_category_link_down(NetCategory *nc) {
        nc->done = false;
        nc->ipv4[0] = '\0';
}

static int adapter_guid(NetCategory *nc, uint32_t ifindex) {
        NET_LUID luid;
        DWORD e;

        if (nc->have_adapter && nc->ifindex == ifindex)
                return 0;
        e = win_sys->ConvertInterfaceIndexToLuid(ifindex, &luid);
        if (e == NO_ERROR)
                e = win_sys->ConvertInterfaceLuidToGuid(&luid, &nc->adapter);
        if (e != NO_ERROR)
                return errno_from_win32(e);
        nc->ifindex = ifindex;
        nc->have_adapter = true;
        return 0;
}

/* Each failure once: the caller retries every few seconds. */
static int report(NetCategory *nc, int r) {
        if (r == nc->last_error)
                return 0;
        nc->last_error = r;
        return r;
}

int net_category_make_private(NetCategory *nc, uint32_t ifindex, const char *ipv4, WinNetworkCategory *ret_orig) {
        WinNetworkCategory now;
        HRESULT hr;
        int r;

        if (!nc || ifindex == 0 || !ipv4)
                return -EINVAL;
        /* A new address, a network Windows identifies anew: look again,
         * as after a link down (the old network is forgotten with its
         * category, so there is nothing of it to restore). */
        if (strcmp(nc->ipv4, ipv4) != 0) {
                net_category_link_down(nc);
                snprintf(nc->ipv4, sizeof(nc->ipv4), "%s", ipv4);
        }
        if (nc->done)
                return 0;
        r = adapter_guid(nc, ifindex);
        if (r < 0)
                return report(nc, r);

        hr = win_sys->network_category_get(&nc->adapter, &now);
        /* No network on the TAP yet: Windows identifies it a moment after
         * the TAP got an address. */
        if (hr == HRESULT_FROM_WIN32(ERROR_NOT_FOUND))
                return 0;
        if (FAILED(hr))
                return report(nc, errno_from_hresult(hr));
        if (now != WIN_NETWORK_CATEGORY_PUBLIC) {
                /* Private already, or a domain network, which is not ours
                 * to change. */
                nc->done = true;
                return 0;
        }
        hr = win_sys->network_category_set(&nc->adapter, WIN_NETWORK_CATEGORY_PRIVATE);
        if (hr == HRESULT_FROM_WIN32(ERROR_NOT_FOUND))
                return 0;
        if (FAILED(hr))
                return report(nc, errno_from_hresult(hr));
        nc->done = true;
        /* The first category we met is the one to put back. */
        if (!nc->changed)
                nc->orig = now;
        nc->changed = true;
        nc->last_error = 0;
        if (ret_orig)
                *ret_orig = now;
        return 1;
}

int net_category_restore(NetCategory *nc) {
        HRESULT hr;

        if (!nc || !nc->changed)
                return 0;
        nc->changed = false;
        nc->done = false;
        hr = win_sys->network_category_set(&nc->adapter, nc->orig);
        /* The network went with the media: nothing left to restore. */
        if (hr == HRESULT_FROM_WIN32(ERROR_NOT_FOUND))
                return 0;
        if (FAILED(hr))
                return errno_from_hresult(hr);
        return 1;
}
