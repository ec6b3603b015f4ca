/* SPDX-License-Identifier: MIT */
/* IP interfaces through IP Helper: Get/SetIpInterfaceEntry,
 * GetIpInterfaceTable and the Convert* functions, with the documented
 * checks and errors. Unknown LUIDs and indexes are ERROR_FILE_NOT_FOUND,
 * as wine's iphlpapi tests (run against Windows) expect of the Convert
 * functions (dlls/iphlpapi/tests/iphlpapi.c). */
#include <string.h>
#include <wchar.h>

#include "model.h"

static int fam_index(ADDRESS_FAMILY f) {
        return f == AF_INET ? 0 : 1;
}

/* The present interface a row's key names, or NULL. */
static ModelIf *find(const MIB_IPINTERFACE_ROW *row) {
        ModelIf *i = row->InterfaceLuid.Value ? model_if_by_luid(&row->InterfaceLuid)
                                              : model_if_by_index(row->InterfaceIndex);

        return i && i->present ? i : NULL;
}

static bool row_key_ok(const MIB_IPINTERFACE_ROW *row) {
        return row && (row->Family == AF_INET || row->Family == AF_INET6) &&
               (row->InterfaceLuid.Value || row->InterfaceIndex);
}

static void row_out(const ModelIf *i, ADDRESS_FAMILY f, MIB_IPINTERFACE_ROW *out) {
        *out = i->row[fam_index(f)];
        out->InterfaceLuid = i->luid;
        out->InterfaceIndex = i->index;
        out->Connected = i->connected;
        out->Metric = model_if_metric(i, f);
        if (!out->NlMtu)
                out->NlMtu = f == AF_INET6 ? MAX(i->link_mtu, 1280u) : i->link_mtu;
}

DWORD WINAPI model_GetIpInterfaceEntry(PMIB_IPINTERFACE_ROW row) {
        ModelIf *i;

        if (!row_key_ok(row))
                return ERROR_INVALID_PARAMETER;
        model_lock();
        i = find(row);
        if (i)
                row_out(i, row->Family, row);
        model_unlock();
        return i ? NO_ERROR : ERROR_NOT_FOUND;
}

/* The settings SetIpInterfaceEntry takes from the row. Windows keeps
 * them across reboots (they live in the registry per interface), so the
 * model keeps them in its state file. An IPv4 row must carry
 * SitePrefixLength 0, although GetIpInterfaceEntry fills it in (Microsoft
 * Learn, SetIpInterfaceEntry, remarks; OpenVPN clears it before every
 * call, openvpnserv/interactive.c:3173-3176). */
DWORD WINAPI model_SetIpInterfaceEntry(PMIB_IPINTERFACE_ROW row) {
        MIB_IPINTERFACE_ROW *s;
        ModelIf *i;
        DWORD e = NO_ERROR;

        if (!row_key_ok(row))
                return ERROR_INVALID_PARAMETER;
        model_lock();
        i = find(row);
        if (!model.settings.elevated)
                e = ERROR_ACCESS_DENIED;
        else if (!i)
                e = ERROR_NOT_FOUND;
        else if (row->Family == AF_INET && row->SitePrefixLength != 0) {
                model_log("iface-set-refused", "if=%lu family=4 reason=site-prefix-length=%lu", (unsigned long) i->index,
                          (unsigned long) row->SitePrefixLength);
                e = ERROR_INVALID_PARAMETER;
        } else if (row->NlMtu < (row->Family == AF_INET6 ? 1280u : 576u)) {
                model_log("iface-set-refused", "if=%lu reason=mtu=%lu", (unsigned long) i->index,
                          (unsigned long) row->NlMtu);
                e = ERROR_INVALID_PARAMETER;
        } else {
                s = &i->row[fam_index(row->Family)];
                s->UseAutomaticMetric = row->UseAutomaticMetric;
                s->Metric = row->Metric;
                s->NlMtu = row->NlMtu;
                s->DisableDefaultRoutes = row->DisableDefaultRoutes;
                s->RouterDiscoveryBehavior = row->RouterDiscoveryBehavior;
                s->ForwardingEnabled = row->ForwardingEnabled;
                s->WeakHostSend = row->WeakHostSend;
                s->WeakHostReceive = row->WeakHostReceive;
                s->AdvertisingEnabled = row->AdvertisingEnabled;
                s->DadTransmits = row->DadTransmits;
                row->InterfaceLuid = i->luid;
                model_log("iface-set", "by=client if=%lu family=%d metric=%lu auto=%d ddr=%d mtu=%lu",
                          (unsigned long) i->index, row->Family == AF_INET ? 4 : 6, (unsigned long) s->Metric,
                          s->UseAutomaticMetric, s->DisableDefaultRoutes, (unsigned long) s->NlMtu);
                model_persist_save();
        }
        model_unlock();
        return e;
}

DWORD WINAPI model_GetIpInterfaceTable(ADDRESS_FAMILY family, PMIB_IPINTERFACE_TABLE *ret) {
        static const ADDRESS_FAMILY families[] = { AF_INET, AF_INET6 };
        MIB_IPINTERFACE_TABLE *t;
        size_t n = 0;

        if (!ret || (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
                return ERROR_INVALID_PARAMETER;
        model_lock();
        t = model_table_alloc(sizeof(MIB_IPINTERFACE_TABLE) + 2 * MODEL_IFS_MAX * sizeof(MIB_IPINTERFACE_ROW));
        if (!t) {
                model_unlock();
                return ERROR_NOT_ENOUGH_MEMORY;
        }
        for (size_t f = 0; f < ELEMENTSOF(families); f++)
                for (size_t k = 0; k < MODEL_IFS_MAX; k++)
                        if (model.ifs[k].used && model.ifs[k].present &&
                            (family == AF_UNSPEC || family == families[f]))
                                row_out(&model.ifs[k], families[f], &t->Table[n++]);
        t->NumEntries = (ULONG) n;
        model_unlock();
        *ret = t;
        return NO_ERROR;
}

/* The Convert functions know every installed adapter's interface, also
 * while it is disabled (netsh lists those too). */
DWORD WINAPI model_ConvertInterfaceGuidToLuid(const GUID *guid, PNET_LUID ret) {
        ModelIf *i;

        if (!guid || !ret)
                return ERROR_INVALID_PARAMETER;
        model_lock();
        i = model_if_by_guid(guid);
        if (i)
                *ret = i->luid;
        model_unlock();
        return i ? NO_ERROR : ERROR_FILE_NOT_FOUND;
}

DWORD WINAPI model_ConvertInterfaceLuidToIndex(const NET_LUID *luid, PNET_IFINDEX ret) {
        ModelIf *i;

        if (!luid || !ret)
                return ERROR_INVALID_PARAMETER;
        model_lock();
        i = model_if_by_luid(luid);
        *ret = i ? i->index : 0;
        model_unlock();
        return i ? NO_ERROR : ERROR_FILE_NOT_FOUND;
}

DWORD WINAPI model_ConvertInterfaceIndexToLuid(NET_IFINDEX index, PNET_LUID ret) {
        ModelIf *i;

        if (!ret)
                return ERROR_INVALID_PARAMETER;
        model_lock();
        i = model_if_by_index(index);
        ret->Value = i ? i->luid.Value : 0;
        model_unlock();
        return i ? NO_ERROR : ERROR_FILE_NOT_FOUND;
}

DWORD WINAPI model_ConvertInterfaceLuidToGuid(const NET_LUID *luid, GUID *ret) {
        ModelIf *i;

        if (!luid || !ret)
                return ERROR_INVALID_PARAMETER;
        model_lock();
        i = model_if_by_luid(luid);
        if (i)
                *ret = i->guid;
        else
                memset(ret, 0, sizeof(*ret));
        model_unlock();
        return i ? NO_ERROR : ERROR_FILE_NOT_FOUND;
}

DWORD WINAPI model_ConvertInterfaceLuidToAlias(const NET_LUID *luid, PWSTR alias, SIZE_T length) {
        ModelIf *i;
        DWORD e = NO_ERROR;

        if (!luid || !alias)
                return ERROR_INVALID_PARAMETER;
        model_lock();
        i = model_if_by_luid(luid);
        if (!i)
                e = ERROR_FILE_NOT_FOUND;
        else if (length < wcslen(i->alias) + 1)
                e = ERROR_NOT_ENOUGH_MEMORY;
        else
                wcscpy(alias, i->alias);
        model_unlock();
        return e;
}
