/* SPDX-License-Identifier: MIT */
/* GetAdaptersAddresses (Microsoft Learn, iphlpapi.h): one
 * IP_ADAPTER_ADDRESSES per interface that is up or down (not disabled),
 * loopback included, with the unicast addresses (OnLinkPrefixLength,
 * origins), DNS servers and, with GAA_FLAG_INCLUDE_GATEWAYS, the default
 * routes' next hops of the family asked for. The buffer contract: a NULL
 * size is ERROR_INVALID_PARAMETER; a buffer too small (or none) is
 * ERROR_BUFFER_OVERFLOW with the size needed; a larger size is left as
 * it was (wine's iphlpapi tests, run against Windows). FirstPrefix
 * (GAA_FLAG_INCLUDE_PREFIX) is not modelled and stays NULL. */
#include <string.h>
#include <wchar.h>

#include "model.h"

typedef struct Writer {
        uint8_t *base; /* NULL: only measure */
        size_t off;
} Writer;

static void *take(Writer *w, size_t size) {
        void *p;

        w->off = (w->off + 7) & ~(size_t) 7;
        p = w->base ? w->base + w->off : NULL;
        if (p)
                memset(p, 0, size);
        w->off += size;
        return p;
}

static SOCKADDR *sockaddr_put(Writer *w, const ModelIf *i, ADDRESS_FAMILY f, const uint8_t *bytes, INT *ret_len) {
        SOCKADDR_INET *sa = take(w, f == AF_INET ? sizeof(SOCKADDR_IN) : sizeof(SOCKADDR_IN6));

        *ret_len = f == AF_INET ? sizeof(SOCKADDR_IN) : sizeof(SOCKADDR_IN6);
        if (!sa)
                return NULL;
        sa->si_family = f;
        if (f == AF_INET)
                memcpy(&sa->Ipv4.sin_addr, bytes, 4);
        else {
                memcpy(&sa->Ipv6.sin6_addr, bytes, 16);
                if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80)
                        sa->Ipv6.sin6_scope_id = i->index;
        }
        return (SOCKADDR *) sa;
}

static wchar_t *wstr_put(Writer *w, const wchar_t *s) {
        wchar_t *p = take(w, (wcslen(s) + 1) * sizeof(wchar_t));

        if (p)
                wcscpy(p, s);
        return p;
}

static bool want(ULONG family, ADDRESS_FAMILY f) {
        return family == AF_UNSPEC || family == f;
}

static void unicast_put(Writer *w, const ModelIf *i, ULONG family, IP_ADAPTER_ADDRESSES *a) {
        IP_ADAPTER_UNICAST_ADDRESS **link = a ? &a->FirstUnicastAddress : NULL;

        for (size_t k = 0; k < i->n_addrs; k++) {
                const ModelAddr *m = &i->addrs[k];
                IP_ADAPTER_UNICAST_ADDRESS *u;
                INT len;
                SOCKADDR *sa;

                if (!want(family, m->family))
                        continue;
                u = take(w, sizeof(*u));
                sa = sockaddr_put(w, i, m->family, m->bytes, &len);
                if (!u)
                        continue;
                u->Length = sizeof(*u);
                if (!(m->family == AF_INET6 && m->bytes[0] == 0xfe) && i->type != IF_TYPE_SOFTWARE_LOOPBACK)
                        u->Flags = IP_ADAPTER_ADDRESS_DNS_ELIGIBLE;
                u->Address.lpSockaddr = sa;
                u->Address.iSockaddrLength = len;
                u->PrefixOrigin = m->prefix_origin;
                u->SuffixOrigin = m->suffix_origin;
                u->DadState = IpDadStatePreferred;
                u->ValidLifetime = u->PreferredLifetime = u->LeaseLifetime = m->lifetime;
                u->OnLinkPrefixLength = m->plen;
                *link = u;
                link = &u->Next;
        }
}

static void dns_put(Writer *w, const ModelIf *i, ULONG family, IP_ADAPTER_ADDRESSES *a) {
        IP_ADAPTER_DNS_SERVER_ADDRESS **link = a ? &a->FirstDnsServerAddress : NULL;

        for (size_t k = 0; k < i->n_dns4 + i->n_dns6; k++) {
                ADDRESS_FAMILY f = k < i->n_dns4 ? AF_INET : AF_INET6;
                IP_ADAPTER_DNS_SERVER_ADDRESS *d;
                INT len;
                SOCKADDR *sa;

                if (!want(family, f))
                        continue;
                d = take(w, sizeof(*d));
                sa = sockaddr_put(w, i, f, f == AF_INET ? i->dns4[k] : i->dns6[k - i->n_dns4], &len);
                if (!d)
                        continue;
                d->Length = sizeof(*d);
                d->Address.lpSockaddr = sa;
                d->Address.iSockaddrLength = len;
                *link = d;
                link = &d->Next;
        }
}

static void gateways_put(Writer *w, const ModelIf *i, ULONG family, IP_ADAPTER_ADDRESSES *a) {
        IP_ADAPTER_GATEWAY_ADDRESS_LH **link = a ? &a->FirstGatewayAddress : NULL;

        for (size_t k = 0; k < MODEL_ROUTES_MAX; k++) {
                const MIB_IPFORWARD_ROW2 *row = &model.routes[k].row;
                ADDRESS_FAMILY f = row->DestinationPrefix.Prefix.si_family;
                IP_ADAPTER_GATEWAY_ADDRESS_LH *g;
                INT len;
                SOCKADDR *sa;

                if (!model.routes[k].used || row->InterfaceLuid.Value != i->luid.Value ||
                    row->DestinationPrefix.PrefixLength != 0 || !want(family, f))
                        continue;
                g = take(w, sizeof(*g));
                sa = sockaddr_put(w, i, f,
                                  f == AF_INET ? (const uint8_t *) &row->NextHop.Ipv4.sin_addr
                                               : (const uint8_t *) &row->NextHop.Ipv6.sin6_addr,
                                  &len);
                if (!g)
                        continue;
                g->Length = sizeof(*g);
                g->Address.lpSockaddr = sa;
                g->Address.iSockaddrLength = len;
                *link = g;
                link = &g->Next;
        }
}

static IP_ADAPTER_ADDRESSES *adapter_put(Writer *w, const ModelIf *i, ULONG family, ULONG flags) {
        IP_ADAPTER_ADDRESSES *a = take(w, sizeof(*a));
        char *name = take(w, 39);
        wchar_t *descr = wstr_put(w, i->description), *alias = wstr_put(w, i->alias), *suffix = wstr_put(w, L"");

        if (a) {
                model_guid_format(&i->guid, name);
                a->Length = sizeof(*a);
                a->IfIndex = i->index;
                a->AdapterName = name;
                a->Description = descr;
                a->FriendlyName = alias;
                a->DnsSuffix = suffix;
                if (i->type != IF_TYPE_SOFTWARE_LOOPBACK) {
                        memcpy(a->PhysicalAddress, i->mac, 6);
                        a->PhysicalAddressLength = 6;
                        a->Flags = IP_ADAPTER_DHCP_ENABLED;
                }
                a->Flags |= IP_ADAPTER_IPV4_ENABLED | IP_ADAPTER_IPV6_ENABLED;
                a->Mtu = i->row[0].NlMtu ? i->row[0].NlMtu : i->link_mtu;
                a->IfType = i->type;
                a->OperStatus = i->connected ? IfOperStatusUp : IfOperStatusDown;
                a->Ipv6IfIndex = i->index;
                a->ZoneIndices[ScopeLevelLink] = i->index;
                a->TransmitLinkSpeed = a->ReceiveLinkSpeed = i->speed_bps;
                a->Ipv4Metric = model_if_metric(i, AF_INET);
                a->Ipv6Metric = model_if_metric(i, AF_INET6);
                a->Luid = i->luid;
                a->CompartmentId = 1;
                a->ConnectionType = NET_IF_CONNECTION_DEDICATED;
                a->TunnelType = TUNNEL_TYPE_NONE;
        }
        if (!(flags & GAA_FLAG_SKIP_UNICAST))
                unicast_put(w, i, family, a);
        if (!(flags & GAA_FLAG_SKIP_DNS_SERVER))
                dns_put(w, i, family, a);
        if (flags & GAA_FLAG_INCLUDE_GATEWAYS)
                gateways_put(w, i, family, a);
        if (a && i->dhcp.state == MODEL_DHCP_BOUND) {
                INT len;

                a->Dhcpv4Server.lpSockaddr = sockaddr_put(w, i, AF_INET, i->dhcp.server, &len);
                a->Dhcpv4Server.iSockaddrLength = len;
        } else if (!a)
                take(w, sizeof(SOCKADDR_IN));
        return a;
}

static size_t layout(uint8_t *base, ULONG family, ULONG flags, size_t *ret_n) {
        Writer w = { .base = base };
        IP_ADAPTER_ADDRESSES *prev = NULL;
        size_t n = 0;

        for (size_t k = 0; k < MODEL_IFS_MAX; k++) {
                const ModelIf *i = &model.ifs[k];
                IP_ADAPTER_ADDRESSES *a;

                if (!i->used || !i->present)
                        continue;
                a = adapter_put(&w, i, family, flags);
                if (prev)
                        prev->Next = a;
                prev = a;
                n++;
        }
        *ret_n = n;
        return w.off;
}

ULONG WINAPI model_GetAdaptersAddresses(ULONG family, ULONG flags, PVOID reserved, PIP_ADAPTER_ADDRESSES out,
                                        PULONG size) {
        size_t need, n;

        if (!size || reserved || (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
                return ERROR_INVALID_PARAMETER;
        model_lock();
        need = layout(NULL, family, flags, &n);
        if (n == 0) {
                model_unlock();
                return ERROR_NO_DATA;
        }
        if (!out || *size < need) {
                *size = (ULONG) need;
                model_unlock();
                return ERROR_BUFFER_OVERFLOW;
        }
        layout((uint8_t *) out, family, flags, &n);
        model_unlock();
        return NO_ERROR;
}
