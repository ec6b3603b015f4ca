/* SPDX-License-Identifier: MIT */
#include "dhcp-renew-win.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipv4-autoconf.h"
#include "log.h"
#include "platform-win.h"

bool dhcp_renew_wanted(const DhcpRenew *d, const char *ipv4, uint64_t joined_at, bool gateway_present,
                       bool gateway_new, uint64_t now) {
        bool none = !ipv4 || !ipv4[0];

        if (!d || joined_at == 0 || !gateway_present || now < joined_at)
                return false;
        if (!none && !ipv4_text_is_autoconf(ipv4))
                return false;
        if (gateway_new)
                return true;
        /* Windows' own DISCOVER at media connect may still be answered. */
        if (none && now - joined_at < DHCP_RENEW_GRACE)
                return false;
        return !d->started || now - d->last_start >= DHCP_RENEW_INTERVAL;
}

/* IpRenewAddress() names the adapter by GetInterfaceInfo()'s map entry
 * ("\DEVICE\TCPIP_{GUID}" and the index), not by index alone. */
static DWORD renew(uint32_t ifindex) {
        PIP_INTERFACE_INFO info = NULL;
        ULONG size = 0;
        DWORD e;

        for (unsigned tries = 0; tries < 3; tries++) {
                e = win_sys->GetInterfaceInfo(info, &size);
                if (e != ERROR_INSUFFICIENT_BUFFER)
                        break;
                free(info);
                info = malloc(size);
                if (!info)
                        return ERROR_NOT_ENOUGH_MEMORY;
        }
        if (e == NO_ERROR) {
                e = ERROR_NOT_FOUND;
                for (LONG i = 0; i < info->NumAdapters; i++)
                        if (info->Adapter[i].Index == ifindex) {
                                e = win_sys->IpRenewAddress(&info->Adapter[i]);
                                break;
                        }
        }
        free(info);
        return e;
}

/* One renewal: the thread and its starter each hold a reference, since
 * a thread stuck in IpRenewAddress() when we leave outlives the Client. */
struct DhcpRenewRun {
        volatile LONG refs;
        uint32_t ifindex;
        DWORD result;
};

static void run_unref(DhcpRenewRun *run) {
        if (run && InterlockedDecrement(&run->refs) == 0)
                free(run);
}

static DWORD WINAPI renew_thread(void *userdata) {
        DhcpRenewRun *run = userdata;

        run->result = renew(run->ifindex);
        run_unref(run);
        return 0;
}

static bool renew_running(DhcpRenew *d) {
        if (!d->thread)
                return false;
        if (WaitForSingleObject(d->thread, 0) != WAIT_OBJECT_0)
                return true;
        if (d->run->result != NO_ERROR)
                log_debug_errno(errno_from_win32(d->run->result), "Renewing the DHCP lease of interface %u failed: %m",
                                (unsigned) d->run->ifindex);
        CloseHandle(d->thread);
        d->thread = NULL;
        run_unref(d->run);
        d->run = NULL;
        return false;
}

int dhcp_renew_start(DhcpRenew *d, uint32_t ifindex, uint64_t now) {
        if (!d || ifindex == 0)
                return -EINVAL;
        if (renew_running(d))
                return 0;
        d->run = calloc(1, sizeof(DhcpRenewRun));
        if (!d->run)
                return -ENOMEM;
        *d->run = (DhcpRenewRun) { .refs = 2, .ifindex = ifindex, .result = ERROR_IO_PENDING };
        d->thread = CreateThread(NULL, 0, renew_thread, d->run, 0, NULL);
        if (!d->thread) {
                int r = errno_from_win32(GetLastError());

                free(d->run);
                d->run = NULL;
                return r;
        }
        d->started = true;
        d->last_start = now;
        d->n_started++;
        return 1;
}

void dhcp_renew_done(DhcpRenew *d, unsigned timeout_ms) {
        if (!d || !d->thread)
                return;
        if (WaitForSingleObject(d->thread, timeout_ms) == WAIT_OBJECT_0) {
                (void) renew_running(d);
                return;
        }
        /* IpRenewAddress() cannot be cancelled: let the thread finish on
         * its own (it frees the run), or end with the process. */
        CloseHandle(d->thread);
        d->thread = NULL;
        run_unref(d->run);
        d->run = NULL;
}
