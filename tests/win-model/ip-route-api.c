/* SPDX-License-Identifier: MIT */
/* The route table through IP Helper: GetIpForwardTable2, GetIpForwardEntry2,
 * CreateIpForwardEntry2, DeleteIpForwardEntry2 and GetBestRoute2, with
 * their documented argument checks and errors (Microsoft Learn, netioapi.h
 * pages), and the route selection Windows describes: the longest
 * matching prefix, then the lowest sum of route metric and interface
 * metric (MIB_IPFORWARD_ROW2, "Metric"), over interfaces that are up. */
#include <string.h>

#include "model.h"

static size_t addr_size(ADDRESS_FAMILY f) {
        return f == AF_INET ? 4 : 16;
}

static const uint8_t *sa_bytes(const SOCKADDR_INET *sa) {
        return sa->si_family == AF_INET ? (const uint8_t *) &sa->Ipv4.sin_addr : (const uint8_t *) &sa->Ipv6.sin6_addr;
}

static bool family_ok(ADDRESS_FAMILY f) {
        return f == AF_INET || f == AF_INET6;
}

static bool prefix_match(ADDRESS_FAMILY f, const uint8_t *prefix, uint8_t plen, const uint8_t *addr) {
        for (size_t k = 0; k < addr_size(f); k++) {
                int bits = (int) plen - (int) k * 8;
                uint8_t m = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t) (0xff << (8 - bits));

                if ((prefix[k] & m) != (addr[k] & m))
                        return false;
        }
        return true;
}

static ModelIf *row_if(const NET_LUID *luid, NET_IFINDEX index) {
        if (luid && luid->Value)
                return model_if_by_luid(luid);
        return index ? model_if_by_index(index) : NULL;
}

static void row_out(const ModelRoute *r, MIB_IPFORWARD_ROW2 *out) {
        *out = r->row;
        out->Age = (ULONG) ((model_now_ms() - r->created_ms) / 1000);
}

/* A route is keyed by interface, destination prefix and next hop. */
static ModelRoute *route_find(const MIB_IPFORWARD_ROW2 *key, const ModelIf *i) {
        ADDRESS_FAMILY f = key->DestinationPrefix.Prefix.si_family;
        static const uint8_t zero[16];
        const uint8_t *nh = key->NextHop.si_family == f ? sa_bytes(&key->NextHop) : zero;

        for (size_t k = 0; k < MODEL_ROUTES_MAX; k++) {
                ModelRoute *r = &model.routes[k];
                const MIB_IPFORWARD_ROW2 *row = &r->row;

                if (r->used && row->InterfaceLuid.Value == i->luid.Value && row->DestinationPrefix.Prefix.si_family == f &&
                    row->DestinationPrefix.PrefixLength == key->DestinationPrefix.PrefixLength &&
                    prefix_match(f, sa_bytes(&row->DestinationPrefix.Prefix), row->DestinationPrefix.PrefixLength,
                                 sa_bytes(&key->DestinationPrefix.Prefix)) &&
                    memcmp(sa_bytes(&row->NextHop), nh, addr_size(f)) == 0)
                        return r;
        }
        return NULL;
}

/* InitializeIpForwardEntry (Microsoft Learn): infinite lifetimes;
 * Loopback, AutoconfigureAddress, Publish and Immortal TRUE;
 * SitePrefixLength, Metric and Protocol "illegal" until the caller sets
 * them; the rest zero. */
#define ROW_UNSET 0xffffffffu

void WINAPI model_InitializeIpForwardEntry(PMIB_IPFORWARD_ROW2 row) {
        memset(row, 0, sizeof(*row));
        row->ValidLifetime = row->PreferredLifetime = 0xffffffff;
        row->Loopback = row->AutoconfigureAddress = row->Publish = row->Immortal = TRUE;
        row->SitePrefixLength = 255;
        row->Metric = ROW_UNSET;
        row->Protocol = (NL_ROUTE_PROTOCOL) ROW_UNSET;
}

DWORD WINAPI model_GetIpForwardTable2(ADDRESS_FAMILY family, PMIB_IPFORWARD_TABLE2 *ret) {
        MIB_IPFORWARD_TABLE2 *t;
        size_t n = 0;

        if (!ret || (family != AF_UNSPEC && !family_ok(family)))
                return ERROR_INVALID_PARAMETER;
        model_lock();
        t = model_table_alloc(sizeof(MIB_IPFORWARD_TABLE2) + MODEL_ROUTES_MAX * sizeof(MIB_IPFORWARD_ROW2));
        if (!t) {
                model_unlock();
                return ERROR_NOT_ENOUGH_MEMORY;
        }
        for (size_t k = 0; k < MODEL_ROUTES_MAX; k++) {
                const ModelRoute *r = &model.routes[k];

                if (r->used && (family == AF_UNSPEC || r->row.DestinationPrefix.Prefix.si_family == family))
                        row_out(r, &t->Table[n++]);
        }
        t->NumEntries = (ULONG) n;
        model_unlock();
        *ret = t;
        return NO_ERROR;
}

/* The route a Get or Delete row names (the model locked):
 * ERROR_FILE_NOT_FOUND without its interface, ERROR_NOT_FOUND without
 * the route. */
static DWORD route_lookup(const MIB_IPFORWARD_ROW2 *row, ModelRoute **ret) {
        ModelIf *i = row_if(&row->InterfaceLuid, row->InterfaceIndex);

        if (!i)
                return ERROR_FILE_NOT_FOUND;
        *ret = route_find(row, i);
        return *ret ? NO_ERROR : ERROR_NOT_FOUND;
}

DWORD WINAPI model_GetIpForwardEntry2(PMIB_IPFORWARD_ROW2 row) {
        ModelRoute *r;
        DWORD e;

        if (!row || !family_ok(row->DestinationPrefix.Prefix.si_family))
                return ERROR_INVALID_PARAMETER;
        model_lock();
        e = route_lookup(row, &r);
        if (e == NO_ERROR)
                row_out(r, row);
        model_unlock();
        return e;
}

DWORD WINAPI model_CreateIpForwardEntry2(const MIB_IPFORWARD_ROW2 *row) {
        ADDRESS_FAMILY f;
        ModelIf *i;
        DWORD e = NO_ERROR;

        if (!row)
                return ERROR_INVALID_PARAMETER;
        f = row->DestinationPrefix.Prefix.si_family;
        if (!family_ok(f) || row->NextHop.si_family != f || row->DestinationPrefix.PrefixLength > addr_size(f) * 8 ||
            (!row->InterfaceLuid.Value && !row->InterfaceIndex) || row->PreferredLifetime > row->ValidLifetime ||
            (row->SitePrefixLength != 255 && row->SitePrefixLength > row->DestinationPrefix.PrefixLength))
                return ERROR_INVALID_PARAMETER;
        model_lock();
        i = row_if(&row->InterfaceLuid, row->InterfaceIndex);
        if (!model.settings.elevated)
                e = ERROR_ACCESS_DENIED;
        else if (!i || !i->present)
                e = ERROR_NOT_FOUND;
        else if (route_find(row, i))
                e = ERROR_OBJECT_ALREADY_EXISTS;
        else {
                static const uint8_t zero[16];
                const uint8_t *nh = sa_bytes(&row->NextHop);
                ULONG metric = row->Metric;
                NL_ROUTE_PROTOCOL proto = row->Protocol;

                /* Left as InitializeIpForwardEntry made them: what Windows
                 * does then is not documented; the model takes 0 and
                 * NETMGMT and says so. */
                if (metric == ROW_UNSET || (ULONG) proto == ROW_UNSET) {
                        model_log("route-unset-fields", "metric=%d protocol=%d", metric == ROW_UNSET,
                                  (ULONG) proto == ROW_UNSET);
                        metric = metric == ROW_UNSET ? 0 : metric;
                        proto = (ULONG) proto == ROW_UNSET ? MIB_IPPROTO_NETMGMT : proto;
                }
                if (!model_route_add(i, f, sa_bytes(&row->DestinationPrefix.Prefix), row->DestinationPrefix.PrefixLength,
                                     memcmp(nh, zero, addr_size(f)) ? nh : NULL, metric, proto, MODEL_BY_CLIENT, false))
                        e = ERROR_NOT_ENOUGH_MEMORY;
                else
                        model_persist_save();
        }
        model_unlock();
        return e;
}

DWORD WINAPI model_DeleteIpForwardEntry2(const MIB_IPFORWARD_ROW2 *row) {
        ModelRoute *r;
        DWORD e;

        if (!row || !family_ok(row->DestinationPrefix.Prefix.si_family))
                return ERROR_INVALID_PARAMETER;
        model_lock();
        e = model.settings.elevated ? route_lookup(row, &r) : ERROR_ACCESS_DENIED;
        if (e == NO_ERROR) {
                bool persisted = r->who == MODEL_BY_CLIENT;

                model_route_remove(r, MODEL_BY_CLIENT);
                if (persisted)
                        model_persist_save();
        }
        model_unlock();
        return e;
}

/* The best route to `dst`: longest prefix, then lowest route + interface
 * metric, over interfaces that are up (and, with a source address, only
 * the interface holding it). Ties go to the lower interface index; the
 * model reports them through *ret_tie. */
static ModelRoute *best_route(ADDRESS_FAMILY f, const uint8_t *dst, const ModelIf *only, bool *ret_tie) {
        ModelRoute *best = NULL;
        ULONG best_metric = 0;
        int best_plen = -1;
        bool tie = false;

        for (size_t k = 0; k < MODEL_ROUTES_MAX; k++) {
                ModelRoute *r = &model.routes[k];
                const MIB_IPFORWARD_ROW2 *row = &r->row;
                ModelIf *i;
                ULONG metric;
                int plen = row->DestinationPrefix.PrefixLength;

                if (!r->used || row->DestinationPrefix.Prefix.si_family != f ||
                    !prefix_match(f, sa_bytes(&row->DestinationPrefix.Prefix), (uint8_t) plen, dst))
                        continue;
                i = model_if_by_luid(&row->InterfaceLuid);
                if (!i || !i->present || !i->connected || (only && i != only))
                        continue;
                metric = row->Metric + model_if_metric(i, f);
                if (plen > best_plen || (plen == best_plen && metric < best_metric)) {
                        tie = false;
                        best = r, best_plen = plen, best_metric = metric;
                } else if (plen == best_plen && metric == best_metric) {
                        tie = tie || row->InterfaceIndex != best->row.InterfaceIndex;
                        if (row->InterfaceIndex < best->row.InterfaceIndex)
                                best = r;
                }
        }
        if (ret_tie)
                *ret_tie = tie;
        return best;
}

static bool pick_source(const ModelIf *i, ADDRESS_FAMILY f, const uint8_t *dst, uint8_t *ret) {
        bool want_ll = f == AF_INET6 && dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80;
        const ModelAddr *pick = NULL;

        for (size_t k = 0; k < i->n_addrs; k++) {
                const ModelAddr *a = &i->addrs[k];
                bool ll = f == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;

                if (a->family != f)
                        continue;
                if (!pick || (f == AF_INET6 && ll == want_ll) || (f == AF_INET && prefix_match(f, a->bytes, a->plen, dst)))
                        pick = a;
        }
        if (pick)
                memcpy(ret, pick->bytes, addr_size(f));
        return pick != NULL;
}

static ModelIf *if_with_address(ADDRESS_FAMILY f, const uint8_t *addr) {
        for (size_t k = 0; k < MODEL_IFS_MAX; k++) {
                ModelIf *i = &model.ifs[k];

                for (size_t a = 0; i->used && a < i->n_addrs; a++)
                        if (i->addrs[a].family == f && memcmp(i->addrs[a].bytes, addr, addr_size(f)) == 0)
                                return i;
        }
        return NULL;
}

DWORD WINAPI model_GetBestRoute2(NET_LUID *luid, NET_IFINDEX index, const SOCKADDR_INET *source,
                                 const SOCKADDR_INET *destination, ULONG options, PMIB_IPFORWARD_ROW2 ret_route,
                                 SOCKADDR_INET *ret_source) {
        static const uint8_t zero[16];
        ADDRESS_FAMILY f;
        const ModelIf *only = NULL;
        ModelRoute *r;
        ModelIf *i;
        DWORD e = NO_ERROR;

        (void) options;
        if (!destination || !ret_route || !ret_source || !family_ok(destination->si_family) ||
            (source && source->si_family != AF_UNSPEC && source->si_family != destination->si_family))
                return ERROR_INVALID_PARAMETER;
        f = destination->si_family;
        model_lock();
        if ((luid && luid->Value) || index) {
                only = row_if(luid, index);
                if (!only)
                        e = ERROR_FILE_NOT_FOUND;
        }
        if (!e && source && source->si_family == f && memcmp(sa_bytes(source), zero, addr_size(f)) != 0) {
                ModelIf *s = if_with_address(f, sa_bytes(source));

                if (!s || (only && s != only))
                        e = ERROR_INVALID_PARAMETER;
                only = s;
        }
        r = e ? NULL : best_route(f, sa_bytes(destination), only, NULL);
        if (!e && !r)
                e = ERROR_NETWORK_UNREACHABLE;
        if (!e) {
                row_out(r, ret_route);
                i = model_if_by_luid(&r->row.InterfaceLuid);
                memset(ret_source, 0, sizeof(*ret_source));
                ret_source->si_family = f;
                (void) pick_source(i, f, sa_bytes(destination),
                                   f == AF_INET ? (uint8_t *) &ret_source->Ipv4.sin_addr
                                                : (uint8_t *) &ret_source->Ipv6.sin6_addr);
        }
        model_unlock();
        return e;
}

int win_model_limited_broadcast_interface(NET_IFINDEX *ret, bool *ret_tie) {
        static const uint8_t bc[4] = { 255, 255, 255, 255 };
        ModelRoute *r;

        model_lock();
        r = best_route(AF_INET, bc, NULL, ret_tie);
        if (r)
                *ret = r->row.InterfaceIndex;
        model_unlock();
        return r ? 0 : -ENETUNREACH;
}
