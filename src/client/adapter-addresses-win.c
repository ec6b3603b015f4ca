/* SPDX-License-Identifier: MIT */
#include "adapter-addresses-win.h"

#include <errno.h>
#include <stdlib.h>

#include "client-loop.h"
#include "log.h"
#include "macro.h"
#include "platform-win.h"
#include "win-sys.h"

int adapter_addresses_get(ULONG family, IP_ADAPTER_ADDRESSES **ret) {
        _cleanup_free_ IP_ADAPTER_ADDRESSES *list = NULL;
        ULONG size = 16384, flags = GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER;
        ULONG e = ERROR_BUFFER_OVERFLOW;

        /* Adapters may come between the two calls: a few tries. */
        for (unsigned tries = 0; tries < 3 && e == ERROR_BUFFER_OVERFLOW; tries++) {
                free(list);
                list = malloc(size);
                if (!list)
                        return -ENOMEM;
                e = win_sys->GetAdaptersAddresses(family, flags, NULL, list, &size);
        }
        if (e != NO_ERROR)
                return errno_from_win32(e);
        *ret = TAKE_PTR(list);
        return 0;
}

bool adapter_has_address(uint32_t ifindex, const QuicAddr *a) {
        _cleanup_free_ IP_ADAPTER_ADDRESSES *list = NULL;
        int r;

        r = adapter_addresses_get(a->sa.sa.sa_family, &list);
        if (r < 0) {
                log_debug_errno(r, "GetAdaptersAddresses() failed, ignoring: %m");
                return false;
        }
        for (IP_ADAPTER_ADDRESSES *ad = list; ad; ad = ad->Next) {
                if (ad->IfIndex != ifindex && ad->Ipv6IfIndex != ifindex)
                        continue;
                for (IP_ADAPTER_UNICAST_ADDRESS *u = ad->FirstUnicastAddress; u; u = u->Next) {
                        QuicAddr ua;

                        if (u->Address.lpSockaddr &&
                            quic_addr_set(&ua, (const ngtcp2_sockaddr *) u->Address.lpSockaddr,
                                          (ngtcp2_socklen) u->Address.iSockaddrLength) == 0 &&
                            client_addr_same_host(&ua, a))
                                return true;
                }
        }
        return false;
}
