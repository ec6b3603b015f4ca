/* SPDX-License-Identifier: MIT */
/* NotifyRouteChange2, NotifyUnicastIpAddressChange, CancelMibChangeNotify2
 * (Microsoft Learn, netioapi.h): callbacks run on a thread of their own,
 * one at a time; InitialNotification brings one MibInitialNotification
 * with no row right after registering; every change the model makes, the
 * client's or its own, is delivered. The row carries the entry's key
 * only (interface, and the address or the route's prefix and next hop):
 * documented so for address changes, assumed for routes, and the safe
 * side for callers either way. CancelMibChangeNotify2 waits for a
 * running callback of that registration to return, so calling it from
 * that callback deadlocks on Windows (its remarks); the model aborts
 * with a message there instead of hanging the test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define REGS_MAX 16
#define QUEUE_MAX 512

typedef struct Reg {
        bool used;
        unsigned gen;
        bool routes; /* else addresses */
        ADDRESS_FAMILY family;
        PIPFORWARD_CHANGE_CALLBACK route_cb;
        PUNICAST_IPADDRESS_CHANGE_CALLBACK addr_cb;
        void *ctx;
} Reg;

typedef struct Note {
        size_t reg;
        unsigned gen;
        MIB_NOTIFICATION_TYPE type;
        bool has_row;
        MIB_IPFORWARD_ROW2 route;
        MIB_UNICASTIPADDRESS_ROW addr;
} Note;

static Reg regs[REGS_MAX];
static Note queue[QUEUE_MAX];
static size_t q_head, q_count;
static CONDITION_VARIABLE pending = CONDITION_VARIABLE_INIT, idle = CONDITION_VARIABLE_INIT;
static DWORD thread_id;
static Reg *running; /* the registration whose callback runs now */

static DWORD WINAPI notify_thread(void *arg) {
        (void) arg;
        model_lock();
        for (;;) {
                Note n;
                Reg *r;

                while (q_count == 0)
                        SleepConditionVariableCS(&pending, &model.lock, INFINITE);
                n = queue[q_head];
                q_head = (q_head + 1) % QUEUE_MAX;
                q_count--;
                r = &regs[n.reg];
                if (!r->used || r->gen != n.gen)
                        continue;
                running = r;
                model_unlock();
                if (r->routes)
                        r->route_cb(r->ctx, n.has_row ? &n.route : NULL, n.type);
                else
                        r->addr_cb(r->ctx, n.has_row ? &n.addr : NULL, n.type);
                model_lock();
                running = NULL;
                WakeAllConditionVariable(&idle);
        }
        return 0;
}

static void push(size_t reg, const Note *n) {
        if (q_count >= QUEUE_MAX) {
                model_violation("notification queue full: callbacks too slow");
                return;
        }
        queue[(q_head + q_count) % QUEUE_MAX] = *n;
        queue[(q_head + q_count) % QUEUE_MAX].reg = reg;
        queue[(q_head + q_count) % QUEUE_MAX].gen = regs[reg].gen;
        q_count++;
        WakeAllConditionVariable(&pending);
}

void model_notify_route(const MIB_IPFORWARD_ROW2 *row, MIB_NOTIFICATION_TYPE type) {
        Note n = { .type = type, .has_row = true };

        n.route.InterfaceLuid = row->InterfaceLuid;
        n.route.InterfaceIndex = row->InterfaceIndex;
        n.route.DestinationPrefix = row->DestinationPrefix;
        n.route.NextHop = row->NextHop;
        for (size_t k = 0; k < REGS_MAX; k++)
                if (regs[k].used && regs[k].routes &&
                    (regs[k].family == AF_UNSPEC || regs[k].family == row->DestinationPrefix.Prefix.si_family))
                        push(k, &n);
}

void model_notify_address(const ModelIf *i, const ModelAddr *a, MIB_NOTIFICATION_TYPE type) {
        Note n = { .type = type, .has_row = true };

        n.addr.InterfaceLuid = i->luid;
        n.addr.InterfaceIndex = i->index;
        n.addr.Address.si_family = a->family;
        if (a->family == AF_INET)
                memcpy(&n.addr.Address.Ipv4.sin_addr, a->bytes, 4);
        else
                memcpy(&n.addr.Address.Ipv6.sin6_addr, a->bytes, 16);
        for (size_t k = 0; k < REGS_MAX; k++)
                if (regs[k].used && !regs[k].routes && (regs[k].family == AF_UNSPEC || regs[k].family == a->family))
                        push(k, &n);
}

void model_notify_reset(void) {
        q_count = 0;
}

static DWORD reg_new(bool routes, ADDRESS_FAMILY family, void *cb, void *ctx, BOOLEAN initial, HANDLE *ret) {
        Reg *r = NULL;

        if (!cb || !ret || (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
                return ERROR_INVALID_PARAMETER;
        model_lock();
        if (!thread_id) {
                HANDLE t = CreateThread(NULL, 0, notify_thread, NULL, 0, &thread_id);

                if (t)
                        CloseHandle(t);
        }
        for (size_t k = 0; k < REGS_MAX && !r; k++)
                if (!regs[k].used)
                        r = &regs[k];
        if (!r) {
                model_unlock();
                return ERROR_NOT_ENOUGH_MEMORY;
        }
        r->used = true;
        r->gen++;
        r->routes = routes;
        r->family = family;
        r->route_cb = routes ? (PIPFORWARD_CHANGE_CALLBACK) cb : NULL;
        r->addr_cb = routes ? NULL : (PUNICAST_IPADDRESS_CHANGE_CALLBACK) cb;
        r->ctx = ctx;
        if (initial)
                push((size_t) (r - regs), &(Note) { .type = MibInitialNotification });
        model_log("notify-register", "kind=%s family=%d", routes ? "route" : "address", family);
        model_unlock();
        *ret = (HANDLE) r;
        return NO_ERROR;
}

DWORD WINAPI model_NotifyRouteChange2(ADDRESS_FAMILY family, PIPFORWARD_CHANGE_CALLBACK cb, PVOID ctx,
                                      BOOLEAN initial, HANDLE *ret) {
        return reg_new(true, family, (void *) cb, ctx, initial, ret);
}

DWORD WINAPI model_NotifyUnicastIpAddressChange(ADDRESS_FAMILY family, PUNICAST_IPADDRESS_CHANGE_CALLBACK cb,
                                                PVOID ctx, BOOLEAN initial, HANDLE *ret) {
        return reg_new(false, family, (void *) cb, ctx, initial, ret);
}

DWORD WINAPI model_CancelMibChangeNotify2(HANDLE handle) {
        Reg *r = (Reg *) handle;

        if (!handle)
                return ERROR_INVALID_PARAMETER;
        if (r < regs || r >= regs + REGS_MAX)
                return CancelMibChangeNotify2(handle);
        model_lock();
        if (running == r && GetCurrentThreadId() == thread_id) {
                model_violation("CancelMibChangeNotify2 from its own callback");
                fprintf(stderr, "win-model: CancelMibChangeNotify2 called from the callback it cancels; "
                                "Windows deadlocks here (CancelMibChangeNotify2, remarks)\n");
                abort();
        }
        while (running == r)
                SleepConditionVariableCS(&idle, &model.lock, INFINITE);
        r->used = false;
        model_log("notify-cancel", "kind=%s", r->routes ? "route" : "address");
        model_unlock();
        return NO_ERROR;
}
