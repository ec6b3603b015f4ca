/* SPDX-License-Identifier: MIT */
/* The machine's state across processes, in $LANPARTY_WIN_MODEL_STATE, so
 * that a client killed half-way leaves its changes for the next process
 * to find, as on a real PC: interface settings (SetIpInterfaceEntry
 * persists them across reboots), routes made with CreateIpForwardEntry2
 * (the active store: kept while the machine runs, gone after
 * win_model_reboot()), the categories of remembered networks, and which
 * adapters are installed (their registry entries, NetworkAddress
 * included, live in the registry itself). What a killed process's handle
 * held is not kept: closing it disconnected the media (device.c:812),
 * which took the TAP's leases and learned routes along.
 *
 *   lanparty-win-model-state 1
 *   adapter {GUID}
 *   iface {GUID} 4|6 AUTO METRIC DDR NLMTU
 *   route {GUID} 4|6 DST/LEN NEXTHOP METRIC PROTOCOL
 *   profile aa:bb:cc:dd:ee:ff CATEGORY
 *
 * Records for interfaces this process has not (yet) set up are kept and
 * written back unchanged. Called with the model lock held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ws2tcpip.h>

#include "model.h"

#define RECORDS_MAX 96
#define LINE_MAX 160

static char records[RECORDS_MAX][LINE_MAX];
static size_t n_records;
static bool loaded;

static const char *path(void) {
        const char *p = getenv("LANPARTY_WIN_MODEL_STATE");

        return p && p[0] ? p : NULL;
}

static bool record_guid(const char *line, GUID *ret) {
        char kind[16], guid[40];

        return sscanf(line, "%15s %39s", kind, guid) == 2 && model_guid_parse(guid, ret) == 0;
}

void model_persist_load(void) {
        char line[LINE_MAX];
        FILE *f;

        n_records = 0;
        loaded = true;
        if (!path() || !(f = fopen(path(), "r")))
                return;
        if (!fgets(line, sizeof(line), f) || strncmp(line, "lanparty-win-model-state 1", 26) != 0) {
                fclose(f);
                model_log("state-ignored", "reason=bad-header");
                return;
        }
        while (fgets(line, sizeof(line), f) && n_records < RECORDS_MAX) {
                line[strcspn(line, "\r\n")] = '\0';
                if (line[0])
                        strcpy(records[n_records++], line);
        }
        fclose(f);
        model_log("state-loaded", "records=%zu", n_records);
        for (size_t k = 0; k < n_records; k++) {
                unsigned m[6];
                char cat[16];

                if (sscanf(records[k], "profile %x:%x:%x:%x:%x:%x %15s", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
                           cat) == 7)
                        model_net_profile_set((uint8_t[6]) { (uint8_t) m[0], (uint8_t) m[1], (uint8_t) m[2],
                                                             (uint8_t) m[3], (uint8_t) m[4], (uint8_t) m[5] },
                                              strcmp(cat, "private") == 0 ? WIN_NETWORK_CATEGORY_PRIVATE
                                                                          : WIN_NETWORK_CATEGORY_PUBLIC);
        }
        for (size_t k = 0; k < MODEL_IFS_MAX; k++)
                if (model.ifs[k].used) {
                        model_persist_apply_if(&model.ifs[k]);
                        model_persist_apply_routes(&model.ifs[k]);
                }
}

bool model_persist_knows_adapter(const char *guid) {
        GUID a, g;

        if (model_guid_parse(guid, &a) < 0)
                return false;
        for (size_t k = 0; k < n_records; k++)
                if (strncmp(records[k], "adapter ", 8) == 0 && record_guid(records[k], &g) && model_guid_equal(&a, &g))
                        return true;
        return false;
}

void model_persist_apply_if(ModelIf *i) {
        for (size_t k = 0; k < n_records; k++) {
                unsigned fam, automatic, ddr;
                unsigned long metric, mtu;
                GUID g;
                MIB_IPINTERFACE_ROW *r;

                if (strncmp(records[k], "iface ", 6) != 0 || !record_guid(records[k], &g) ||
                    !model_guid_equal(&g, &i->guid) ||
                    sscanf(records[k] + 6 + 39, "%u %u %lu %u %lu", &fam, &automatic, &metric, &ddr, &mtu) != 5)
                        continue;
                r = &i->row[fam == 4 ? 0 : 1];
                r->UseAutomaticMetric = automatic != 0;
                r->Metric = metric;
                r->DisableDefaultRoutes = ddr != 0;
                r->NlMtu = mtu;
        }
}

static int parse_addr(const char *s, ADDRESS_FAMILY f, uint8_t *ret) {
        return InetPtonA(f, s, ret) == 1 ? 0 : -1;
}

void model_persist_apply_routes(ModelIf *i) {
        for (size_t k = 0; k < n_records; k++) {
                char dst[64], nh[64];
                unsigned fam, plen, proto;
                unsigned long metric;
                uint8_t d[16] = {}, n[16] = {};
                static const uint8_t zero[16];
                ADDRESS_FAMILY f;
                GUID g;

                if (strncmp(records[k], "route ", 6) != 0 || !record_guid(records[k], &g) ||
                    !model_guid_equal(&g, &i->guid) ||
                    sscanf(records[k] + 6 + 39, "%u %63[^/]/%u %63s %lu %u", &fam, dst, &plen, nh, &metric, &proto) != 6)
                        continue;
                f = fam == 4 ? AF_INET : AF_INET6;
                if (parse_addr(dst, f, d) < 0 || parse_addr(nh, f, n) < 0 || plen > (fam == 4 ? 32u : 128u))
                        continue;
                model_route_add(i, f, d, (uint8_t) plen, memcmp(n, zero, 16) ? n : NULL, metric,
                                (NL_ROUTE_PROTOCOL) proto, MODEL_BY_CLIENT, false);
        }
}

static void write_if(FILE *f, const ModelIf *i, const char *g) {
        char a[64], b[64];

        for (int fam = 0; fam < 2; fam++) {
                const MIB_IPINTERFACE_ROW *r = &i->row[fam];

                fprintf(f, "iface %s %d %u %lu %u %lu\n", g, fam ? 6 : 4, r->UseAutomaticMetric, (unsigned long) r->Metric,
                        r->DisableDefaultRoutes, (unsigned long) r->NlMtu);
        }
        for (size_t k = 0; k < MODEL_ROUTES_MAX; k++) {
                const ModelRoute *r = &model.routes[k];
                ADDRESS_FAMILY fa = r->row.DestinationPrefix.Prefix.si_family;

                if (!r->used || r->who != MODEL_BY_CLIENT || r->row.InterfaceLuid.Value != i->luid.Value)
                        continue;
                fprintf(f, "route %s %d %s/%u %s %lu %u\n", g, fa == AF_INET ? 4 : 6,
                        model_addr_str(fa,
                                       fa == AF_INET ? (const uint8_t *) &r->row.DestinationPrefix.Prefix.Ipv4.sin_addr
                                                     : (const uint8_t *) &r->row.DestinationPrefix.Prefix.Ipv6.sin6_addr,
                                       a, sizeof(a)),
                        r->row.DestinationPrefix.PrefixLength,
                        model_addr_str(fa,
                                       fa == AF_INET ? (const uint8_t *) &r->row.NextHop.Ipv4.sin_addr
                                                     : (const uint8_t *) &r->row.NextHop.Ipv6.sin6_addr,
                                       b, sizeof(b)),
                        (unsigned long) r->row.Metric, (unsigned) r->row.Protocol);
        }
}

void model_persist_save(void) {
        char tmp[MAX_PATH], g[39], mac[18];
        uint8_t macs[8][6];
        WinNetworkCategory cats[8];
        size_t n;
        FILE *f;

        if (!path() || !loaded || snprintf(tmp, sizeof(tmp), "%s.tmp", path()) >= (int) sizeof(tmp) ||
            !(f = fopen(tmp, "w")))
                return;
        fprintf(f, "lanparty-win-model-state 1\n");
        for (size_t k = 0; k < WIN_MODEL_ADAPTERS_MAX; k++)
                if (model.adapters[k].used)
                        fprintf(f, "adapter %s\n", model.adapters[k].guid);
        for (size_t k = 0; k < MODEL_IFS_MAX; k++)
                if (model.ifs[k].used && model.ifs[k].type != IF_TYPE_SOFTWARE_LOOPBACK) {
                        model_guid_format(&model.ifs[k].guid, g);
                        write_if(f, &model.ifs[k], g);
                }
        /* Records of interfaces (and adapters) this process does not have. */
        for (size_t k = 0; k < n_records; k++) {
                GUID rg;

                if (record_guid(records[k], &rg) && !model_if_by_guid(&rg) && strncmp(records[k], "profile ", 8) != 0)
                        fprintf(f, "%s\n", records[k]);
        }
        n = model_net_profiles(macs, cats, ELEMENTSOF(cats));
        for (size_t k = 0; k < n; k++)
                fprintf(f, "profile %s %s\n", model_mac_str(macs[k], mac),
                        cats[k] == WIN_NETWORK_CATEGORY_PRIVATE ? "private" : "public");
        if (fclose(f) == 0)
                (void) MoveFileExA(tmp, path(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
}

void model_persist_forget(void) {
        n_records = 0;
        if (path())
                (void) DeleteFileA(path());
}
