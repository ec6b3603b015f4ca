/* SPDX-License-Identifier: MIT */
/* GetInterfaceInfo and IpRenewAddress (Microsoft Learn, iphlpapi.h), the
 * pair OpenVPN uses to renew a TAP's lease (tun.c get_interface_info,
 * dhcp_renew_by_adapter_index). GetInterfaceInfo lists the adapters
 * without loopback, named "\DEVICE\TCPIP_{GUID}" (wine's iphlpapi tests,
 * run against Windows). IpRenewAddress is synchronous, as "ipconfig
 * /renew" is: it returns once the lease is bound, or fails with
 * ERROR_SEM_TIMEOUT ("The semaphore timeout period has expired", what
 * ipconfig reports) after renew_timeout_ms; a caller that blocks its own
 * frame loop in it starves the very DHCP exchange it waits for, as it
 * would on Windows. The wait's length on Windows is not documented. */
#include <stddef.h>
#include <stdio.h>
#include <wchar.h>

#include "model.h"

static bool listed(const ModelIf *i) {
        return i->used && i->present && i->type != IF_TYPE_SOFTWARE_LOOPBACK;
}

static void device_name(const ModelIf *i, wchar_t *buf, size_t size) {
        char g[39];

        model_guid_format(&i->guid, g);
        swprintf(buf, size, L"\\DEVICE\\TCPIP_%hs", g);
}

DWORD WINAPI model_GetInterfaceInfo(PIP_INTERFACE_INFO table, PULONG size) {
        size_t n = 0, need;

        if (!size)
                return ERROR_INVALID_PARAMETER;
        model_lock();
        for (size_t k = 0; k < MODEL_IFS_MAX; k++)
                n += listed(&model.ifs[k]);
        need = offsetof(IP_INTERFACE_INFO, Adapter) + n * sizeof(IP_ADAPTER_INDEX_MAP);
        if (n == 0) {
                model_unlock();
                return ERROR_NO_DATA;
        }
        if (!table || *size < need) {
                *size = (ULONG) need;
                model_unlock();
                return ERROR_INSUFFICIENT_BUFFER;
        }
        table->NumAdapters = 0;
        for (size_t k = 0; k < MODEL_IFS_MAX; k++) {
                IP_ADAPTER_INDEX_MAP *m;

                if (!listed(&model.ifs[k]))
                        continue;
                m = &table->Adapter[table->NumAdapters++];
                m->Index = model.ifs[k].index;
                device_name(&model.ifs[k], m->Name, ELEMENTSOF(m->Name));
        }
        model_unlock();
        return NO_ERROR;
}

DWORD WINAPI model_IpRenewAddress(PIP_ADAPTER_INDEX_MAP map) {
        wchar_t name[MAX_ADAPTER_NAME];
        ModelIf *i;
        HANDLE bound;
        unsigned timeout;
        DWORD w;

        if (!map)
                return ERROR_INVALID_PARAMETER;
        model_lock();
        i = model_if_by_index(map->Index);
        if (!i || !listed(i)) {
                model_unlock();
                return ERROR_INVALID_PARAMETER;
        }
        device_name(i, name, ELEMENTSOF(name));
        if (_wcsicmp(name, map->Name) != 0)
                model_log("renew-name-mismatch", "if=%lu", (unsigned long) i->index);
        if (!model.settings.elevated) {
                model_unlock();
                return ERROR_ACCESS_DENIED;
        }
        if (!i->adapter) {
                /* The uplink's own DHCP server always answers. */
                model_log("renew", "if=%lu result=ok", (unsigned long) i->index);
                model_unlock();
                return NO_ERROR;
        }
        if (model_dhcp_renew(i) < 0) {
                model_log("renew", "if=%lu result=media-disconnected", (unsigned long) i->index);
                model_unlock();
                return ERROR_SEM_TIMEOUT;
        }
        bound = i->dhcp.bound_event;
        timeout = model.settings.renew_timeout_ms;
        model_unlock();

        w = WaitForSingleObject(bound, timeout);

        model_lock();
        model_log("renew-result", "if=%lu result=%s", (unsigned long) map->Index,
                  w == WAIT_OBJECT_0 ? "bound" : "timeout");
        model_unlock();
        return w == WAIT_OBJECT_0 ? NO_ERROR : ERROR_SEM_TIMEOUT;
}
