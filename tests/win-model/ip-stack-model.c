/* SPDX-License-Identifier: MIT */
/* Windows' IP interfaces, their addresses and the route table, as the
 * IP Helper documentation describes them. The machine has loopback
 * (index 1), one wired uplink "Ethernet" (index 7: connected, automatic
 * metric, an address and a default route from its DHCP server) and one
 * interface per TAP adapter (index 11 on). Every interface has its own
 * 255.255.255.255/32, 224.0.0.0/4 and ff00::/8 routes, as "route print"
 * shows on Windows. Called with the model lock held. */
#include <stdio.h>
#include <string.h>

#include "model.h"

static const GUID loopback_guid = { 0x6c1b0e61, 0x5a1b, 0x4f4e, { 0x8e, 0x9b, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const GUID uplink_guid = { 0x6c1b0e61, 0x5a1b, 0x4f4e, { 0x8e, 0x9b, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07 } };
static const uint8_t uplink_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static size_t addr_size(ADDRESS_FAMILY f) {
        return f == AF_INET ? 4 : 16;
}

static int fam_index(ADDRESS_FAMILY f) {
        return f == AF_INET ? 0 : 1;
}

const char *model_addr_str(ADDRESS_FAMILY family, const uint8_t *b, char *buf, size_t size) {
        size_t o = 0, best = 8, best_len = 0;

        if (family == AF_INET) {
                snprintf(buf, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
                return buf;
        }
        /* RFC 5952: the longest run of zero groups becomes "::". */
        for (size_t k = 0; k < 8;) {
                size_t n = 0;

                while (k + n < 8 && b[2 * (k + n)] == 0 && b[2 * (k + n) + 1] == 0)
                        n++;
                if (n > best_len && n > 1)
                        best = k, best_len = n;
                k += n ? n : 1;
        }
        buf[0] = '\0';
        for (size_t k = 0; k < 8 && o < size; k++) {
                if (k == best) {
                        o += (size_t) snprintf(buf + o, size - o, "::");
                        k += best_len - 1;
                        continue;
                }
                o += (size_t) snprintf(buf + o, size - o, "%s%x", o && buf[o - 1] != ':' ? ":" : "",
                                       (unsigned) (b[2 * k] << 8 | b[2 * k + 1]));
        }
        return buf;
}

ModelIf *model_if_by_luid(const NET_LUID *luid) {
        for (size_t k = 0; k < MODEL_IFS_MAX; k++)
                if (model.ifs[k].used && model.ifs[k].luid.Value == luid->Value)
                        return &model.ifs[k];
        return NULL;
}

ModelIf *model_if_by_index(NET_IFINDEX index) {
        for (size_t k = 0; k < MODEL_IFS_MAX; k++)
                if (model.ifs[k].used && model.ifs[k].index == index)
                        return &model.ifs[k];
        return NULL;
}

ModelIf *model_if_by_guid(const GUID *g) {
        for (size_t k = 0; k < MODEL_IFS_MAX; k++)
                if (model.ifs[k].used && model_guid_equal(&model.ifs[k].guid, g))
                        return &model.ifs[k];
        return NULL;
}

/* "Automatic Metric" (Microsoft Learn, "An explanation of the Automatic
 * Metric feature for IPv4 routes"; unattend "Metric": 5 above 2 Gbit/s to
 * 50 below 500 kbit/s). Loopback has 75. */
static ULONG automatic_metric(const ModelIf *i) {
        static const struct {
                uint64_t above_bps;
                ULONG metric;
        } table[] = { { 2000000000ull, 5 }, { 200000000ull, 10 }, { 80000000ull, 20 },
                      { 20000000ull, 25 },   { 4000000ull, 30 },   { 500000ull, 40 } };

        if (i->type == IF_TYPE_SOFTWARE_LOOPBACK)
                return 75;
        for (size_t k = 0; k < ELEMENTSOF(table); k++)
                if (i->speed_bps >= table[k].above_bps)
                        return table[k].metric;
        return 50;
}

ULONG model_if_metric(const ModelIf *i, ADDRESS_FAMILY family) {
        const MIB_IPINTERFACE_ROW *r = &i->row[fam_index(family)];

        return r->UseAutomaticMetric ? automatic_metric(i) : r->Metric;
}

static void row_init(ModelIf *i, ADDRESS_FAMILY family) {
        MIB_IPINTERFACE_ROW *r = &i->row[fam_index(family)];

        *r = (MIB_IPINTERFACE_ROW) {
                .Family = family,
                .InterfaceLuid = i->luid,
                .InterfaceIndex = i->index,
                .MaxReassemblySize = 0xffff,
                .UseAutomaticMetric = TRUE,
                .UseNeighborUnreachabilityDetection = TRUE,
                .RouterDiscoveryBehavior = family == AF_INET ? RouterDiscoveryDhcp : RouterDiscoveryEnabled,
                .DadTransmits = family == AF_INET ? 3 : 1,
                .BaseReachableTime = 30000,
                .RetransmitTime = 1000,
                .PathMtuDiscoveryTimeout = 600000,
                .LinkLocalAddressBehavior = LinkLocalDelayed,
                .LinkLocalAddressTimeout = 5000,
                /* Windows fills 64 for IPv4 too, and then refuses to set
                 * the row back unless it is 0 (see SetIpInterfaceEntry). */
                .SitePrefixLength = 64,
                .SupportsNeighborDiscovery = TRUE,
                .SupportsRouterDiscovery = TRUE,
                .ReachableTime = 30000,
        };
        r->ZoneIndices[ScopeLevelInterface] = i->index;
        r->ZoneIndices[ScopeLevelLink] = i->index;
}

ModelIf *model_if_new(IFTYPE type, const GUID *guid, const wchar_t *alias) {
        static USHORT luid_index[2];
        ModelIf *i = NULL;

        for (size_t k = 0; k < MODEL_IFS_MAX && !i; k++)
                if (!model.ifs[k].used)
                        i = &model.ifs[k];
        if (!i)
                return NULL;
        *i = (ModelIf) { .used = true, .type = type, .guid = *guid, .link_mtu = 1500 };
        swprintf(i->alias, ELEMENTSOF(i->alias), L"%ls", alias);
        i->index = model.next_index++;
        i->luid.Info.IfType = type;
        i->luid.Info.NetLuidIndex = ++luid_index[type == IF_TYPE_PROP_VIRTUAL];
        row_init(i, AF_INET);
        row_init(i, AF_INET6);
        i->dhcp.bound_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        return i;
}

static void mask(ADDRESS_FAMILY f, uint8_t *b, uint8_t plen) {
        for (size_t k = 0; k < addr_size(f); k++) {
                int bits = (int) plen - (int) k * 8;

                b[k] &= bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t) (0xff << (8 - bits));
        }
}

static const char *who_str(ModelWho who) {
        return who == MODEL_BY_CLIENT ? "client" : who == MODEL_BY_STACK ? "stack" : "test";
}

ModelRoute *model_route_add(ModelIf *i, ADDRESS_FAMILY family, const uint8_t *dst, uint8_t plen,
                            const uint8_t *next_hop, ULONG metric, NL_ROUTE_PROTOCOL proto, ModelWho who,
                            bool system) {
        ModelRoute *r = NULL;
        MIB_IPFORWARD_ROW2 *row;
        uint8_t d[16] = {};
        char s1[64], s2[64];

        for (size_t k = 0; k < MODEL_ROUTES_MAX && !r; k++)
                if (!model.routes[k].used)
                        r = &model.routes[k];
        if (!r)
                return NULL;
        memcpy(d, dst, addr_size(family));
        mask(family, d, plen);
        *r = (ModelRoute) { .used = true, .system = system, .who = who, .created_ms = model_now_ms() };
        row = &r->row;
        row->InterfaceLuid = i->luid;
        row->InterfaceIndex = i->index;
        row->DestinationPrefix.Prefix.si_family = family;
        row->DestinationPrefix.PrefixLength = plen;
        row->NextHop.si_family = family;
        if (family == AF_INET) {
                memcpy(&row->DestinationPrefix.Prefix.Ipv4.sin_addr, d, 4);
                if (next_hop)
                        memcpy(&row->NextHop.Ipv4.sin_addr, next_hop, 4);
        } else {
                memcpy(&row->DestinationPrefix.Prefix.Ipv6.sin6_addr, d, 16);
                if (next_hop)
                        memcpy(&row->NextHop.Ipv6.sin6_addr, next_hop, 16);
        }
        row->SitePrefixLength = 0;
        row->ValidLifetime = row->PreferredLifetime = 0xffffffff;
        row->Metric = metric;
        row->Protocol = proto;
        row->Loopback = i->type == IF_TYPE_SOFTWARE_LOOPBACK;
        row->AutoconfigureAddress = TRUE;
        row->Immortal = system;
        row->Origin = system ? NlroWellKnown
                      : who == MODEL_BY_STACK ? (proto == MIB_IPPROTO_ICMP ? NlroRouterAdvertisement : NlroDHCP)
                                              : NlroManual;
        if (!system)
                model_log("route-add", "by=%s dst=%s/%u nh=%s if=%lu metric=%lu", who_str(who),
                          model_addr_str(family, d, s1, sizeof(s1)), plen,
                          next_hop ? model_addr_str(family, next_hop, s2, sizeof(s2)) : "on-link",
                          (unsigned long) i->index, (unsigned long) metric);
        model_notify_route(row, MibAddInstance);
        return r;
}

void model_route_remove(ModelRoute *r, ModelWho who) {
        const MIB_IPFORWARD_ROW2 *row = &r->row;
        ADDRESS_FAMILY f = row->DestinationPrefix.Prefix.si_family;
        const void *d = f == AF_INET ? (const void *) &row->DestinationPrefix.Prefix.Ipv4.sin_addr
                                     : (const void *) &row->DestinationPrefix.Prefix.Ipv6.sin6_addr;
        char s[64];

        if (!r->system)
                model_log("route-del", "by=%s dst=%s/%u if=%lu", who_str(who), model_addr_str(f, d, s, sizeof(s)),
                          row->DestinationPrefix.PrefixLength, (unsigned long) row->InterfaceIndex);
        model_notify_route(row, MibDeleteInstance);
        r->used = false;
}

void model_routes_remove_if(ModelIf *i, bool keep_client, ModelWho who) {
        for (size_t k = 0; k < MODEL_ROUTES_MAX; k++) {
                ModelRoute *r = &model.routes[k];

                if (!r->used || r->row.InterfaceLuid.Value != i->luid.Value)
                        continue;
                if (keep_client && r->who == MODEL_BY_CLIENT)
                        continue;
                model_route_remove(r, who);
        }
}

void model_routes_remove_learned(ModelIf *i, ADDRESS_FAMILY family, NL_ROUTE_PROTOCOL proto) {
        for (size_t k = 0; k < MODEL_ROUTES_MAX; k++) {
                ModelRoute *r = &model.routes[k];

                if (r->used && !r->system && r->who == MODEL_BY_STACK &&
                    r->row.InterfaceLuid.Value == i->luid.Value && r->row.DestinationPrefix.Prefix.si_family == family &&
                    r->row.Protocol == proto)
                        model_route_remove(r, MODEL_BY_STACK);
        }
}

static void system_route(ModelIf *i, ADDRESS_FAMILY f, const uint8_t *dst, uint8_t plen, const ModelAddr *owner) {
        ModelRoute *r = model_route_add(i, f, dst, plen, NULL, 256, MIB_IPPROTO_LOCAL, MODEL_BY_STACK, true);

        if (r && owner) {
                r->owned = true;
                memcpy(r->owner, owner->bytes, 16);
        }
}

/* Each address brings its on-link prefix, its host route and, for IPv4,
 * the subnet broadcast. */
int model_addr_add(ModelIf *i, const ModelAddr *a, ModelWho who) {
        uint8_t b[16];
        char s[64];

        if (i->n_addrs >= MODEL_ADDRS_MAX)
                return -1;
        i->addrs[i->n_addrs++] = *a;
        model_log("address-add", "by=%s if=%lu addr=%s/%u", who_str(who), (unsigned long) i->index,
                  model_addr_str(a->family, a->bytes, s, sizeof(s)), a->plen);
        model_notify_address(i, a, MibAddInstance);
        if (a->plen < (a->family == AF_INET ? 32 : 128))
                system_route(i, a->family, a->bytes, a->plen, a);
        system_route(i, a->family, a->bytes, a->family == AF_INET ? 32 : 128, a);
        if (a->family == AF_INET && a->plen < 31) {
                memcpy(b, a->bytes, 4);
                for (int k = a->plen; k < 32; k++)
                        b[k / 8] |= (uint8_t) (0x80 >> (k % 8));
                system_route(i, AF_INET, b, 32, a);
        }
        /* A DHCP lease identifies its network once its routes are in. */
        if (a->family == AF_INET && a->prefix_origin != IpPrefixOriginDhcp)
                model_net_update(i);
        return 0;
}

void model_addr_remove_origin(ModelIf *i, ADDRESS_FAMILY family, NL_PREFIX_ORIGIN origin, ModelWho who) {
        for (size_t k = 0; k < i->n_addrs;) {
                ModelAddr a = i->addrs[k];
                char s[64];

                if (a.family != family || (origin != IpPrefixOriginUnchanged && a.prefix_origin != origin)) {
                        k++;
                        continue;
                }
                memmove(&i->addrs[k], &i->addrs[k + 1], (i->n_addrs - k - 1) * sizeof(ModelAddr));
                i->n_addrs--;
                for (size_t r = 0; r < MODEL_ROUTES_MAX; r++)
                        if (model.routes[r].used && model.routes[r].owned &&
                            model.routes[r].row.InterfaceLuid.Value == i->luid.Value &&
                            memcmp(model.routes[r].owner, a.bytes, 16) == 0)
                                model_route_remove(&model.routes[r], who);
                model_log("address-del", "by=%s if=%lu addr=%s", who_str(who), (unsigned long) i->index,
                          model_addr_str(a.family, a.bytes, s, sizeof(s)));
                model_notify_address(i, &a, MibDeleteInstance);
        }
}

static void multicast_routes(ModelIf *i) {
        static const uint8_t mc4[4] = { 224 }, bc4[4] = { 255, 255, 255, 255 }, mc6[16] = { 0xff };

        system_route(i, AF_INET, mc4, 4, NULL);
        system_route(i, AF_INET, bc4, 32, NULL);
        system_route(i, AF_INET6, mc6, 8, NULL);
}

/* An adapter that stops (disabled, halted, removed) takes its interface's
 * addresses and active routes with it; one that starts gets the
 * multicast and broadcast routes back. */
void model_if_set_present(ModelIf *i, bool present) {
        if (i->present == present)
                return;
        i->present = present;
        model_log("interface", "if=%lu present=%d", (unsigned long) i->index, present);
        if (present)
                multicast_routes(i);
        else {
                model_addr_remove_origin(i, AF_INET, IpPrefixOriginUnchanged, MODEL_BY_STACK);
                model_addr_remove_origin(i, AF_INET6, IpPrefixOriginUnchanged, MODEL_BY_STACK);
                model_routes_remove_if(i, false, MODEL_BY_STACK);
        }
}

/* Media sense: what the link brings and takes away. */
void model_if_media(ModelIf *i, bool connected) {
        ModelAddr ll = { .family = AF_INET6, .plen = 64, .prefix_origin = IpPrefixOriginWellKnown,
                         .suffix_origin = IpSuffixOriginRandom, .lifetime = 0xffffffff };

        if (i->connected == connected || (connected && !i->present))
                return;
        i->connected = connected;
        model_log("link", "if=%lu state=%s", (unsigned long) i->index, connected ? "up" : "down");
        if (connected) {
                /* A link-local address with a random interface identifier
                 * (Windows' default), made from the MAC so it is stable. */
                ll.bytes[0] = 0xfe, ll.bytes[1] = 0x80;
                for (size_t k = 0; k < 8; k++)
                        ll.bytes[8 + k] = (uint8_t) (i->mac[k % 6] * 31 + k * 17 + i->index);
                model_addr_add(i, &ll, MODEL_BY_STACK);
                if (i->adapter) {
                        i->burst_ms = model_now_ms() + model.settings.connect_delay_ms;
                        model_dhcp_media(i, true);
                        model_wake_stack();
                }
                return;
        }
        i->burst_ms = 0;
        if (i->adapter)
                model_dhcp_media(i, false);
        model_addr_remove_origin(i, AF_INET, IpPrefixOriginUnchanged, MODEL_BY_STACK);
        model_addr_remove_origin(i, AF_INET6, IpPrefixOriginUnchanged, MODEL_BY_STACK);
        model_routes_remove_learned(i, AF_INET, MIB_IPPROTO_NETMGMT);
        model_routes_remove_learned(i, AF_INET6, MIB_IPPROTO_ICMP);
        model_routes_remove_learned(i, AF_INET6, MIB_IPPROTO_NETMGMT);
        i->n_dns4 = i->n_dns6 = 0;
        model_net_forget(i);
}

static void uplink_init(void) {
        ModelIf *i = model_if_new(IF_TYPE_ETHERNET_CSMACD, &uplink_guid, L"Ethernet");
        ModelAddr a = { .family = AF_INET, .prefix_origin = IpPrefixOriginDhcp, .suffix_origin = IpSuffixOriginDhcp,
                        .lifetime = 86400 };

        swprintf(i->description, ELEMENTSOF(i->description), L"Intel(R) Ethernet Connection");
        memcpy(i->mac, uplink_mac, 6);
        i->speed_bps = model.settings.uplink_speed_mbps * 1000000ull;
        if (model.settings.uplink_metric) {
                i->row[0].UseAutomaticMetric = i->row[1].UseAutomaticMetric = FALSE;
                i->row[0].Metric = i->row[1].Metric = model.settings.uplink_metric;
        }
        model_if_set_present(i, true);
        model_if_media(i, true);
        memcpy(a.bytes, model.settings.uplink_address, 4);
        a.plen = model.settings.uplink_plen;
        model_addr_add(i, &a, MODEL_BY_STACK);
        memcpy(i->dns4[0], model.settings.uplink_gateway, 4);
        i->n_dns4 = 1;
        {
                static const uint8_t any[4];

                model_route_add(i, AF_INET, any, 0, model.settings.uplink_gateway, 0, MIB_IPPROTO_NETMGMT,
                                MODEL_BY_STACK, false);
        }
        model_net_update(i);
}

void model_stack_init(void) {
        static const uint8_t lo4[4] = { 127, 0, 0, 1 }, lo6[16] = { [15] = 1 };
        ModelIf *lo;
        ModelAddr a = { .prefix_origin = IpPrefixOriginWellKnown, .suffix_origin = IpSuffixOriginWellKnown,
                        .lifetime = 0xffffffff };

        model.next_index = 1;
        lo = model_if_new(IF_TYPE_SOFTWARE_LOOPBACK, &loopback_guid, L"Loopback Pseudo-Interface 1");
        swprintf(lo->description, ELEMENTSOF(lo->description), L"Software Loopback Interface 1");
        lo->speed_bps = 1073741824ull;
        lo->link_mtu = 0xffffffff;
        model_if_set_present(lo, true);
        lo->connected = true;
        a.family = AF_INET, a.plen = 8;
        memcpy(a.bytes, lo4, 4);
        model_addr_add(lo, &a, MODEL_BY_STACK);
        a.family = AF_INET6, a.plen = 128;
        memcpy(a.bytes, lo6, 16);
        model_addr_add(lo, &a, MODEL_BY_STACK);

        model.next_index = 7;
        uplink_init();
        model.next_index = 11;
}
