/* SPDX-License-Identifier: MIT */
/* Router Advertisements arriving on a TAP (RFC 4861 6.1.2 validity,
 * 6.3.4 processing; RFC 8106 RDNSS; RFC 4191 route information), as
 * Windows applies them while RouterDiscoveryBehavior allows: a default
 * route ::/0 via the router for a nonzero router lifetime (none while the
 * interface's DisableDefaultRoutes is set), an address and an on-link
 * route per prefix, the MTU option as the interface's IPv6 MTU, RDNSS as
 * DNS servers. Called with the model lock held. */
#include <string.h>

#include "model.h"

#define RA_METRIC 256

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static ModelRoute *learned(ModelIf *i, const uint8_t *dst, uint8_t plen, const uint8_t *nh) {
        static const uint8_t zero[16];

        for (size_t k = 0; k < MODEL_ROUTES_MAX; k++) {
                ModelRoute *r = &model.routes[k];
                const MIB_IPFORWARD_ROW2 *row = &r->row;

                if (r->used && !r->system && row->InterfaceLuid.Value == i->luid.Value &&
                    row->DestinationPrefix.Prefix.si_family == AF_INET6 && row->DestinationPrefix.PrefixLength == plen &&
                    memcmp(&row->DestinationPrefix.Prefix.Ipv6.sin6_addr, dst, 16) == 0 &&
                    memcmp(&row->NextHop.Ipv6.sin6_addr, nh ? nh : zero, 16) == 0)
                        return r;
        }
        return NULL;
}

static void route_learn(ModelIf *i, const uint8_t *dst, uint8_t plen, const uint8_t *nh, uint32_t lifetime) {
        ModelRoute *r = learned(i, dst, plen, nh);

        if (lifetime == 0) {
                if (r)
                        model_route_remove(r, MODEL_BY_STACK);
                return;
        }
        if (plen == 0 && i->row[1].DisableDefaultRoutes) {
                model_log("default-route-ignored", "if=%lu family=6 reason=disable-default-routes",
                          (unsigned long) i->index);
                return;
        }
        if (!r)
                model_route_add(i, AF_INET6, dst, plen, nh, RA_METRIC, MIB_IPPROTO_ICMP, MODEL_BY_STACK, false);
}

static void prefix_info(ModelIf *i, const uint8_t *o) {
        uint8_t plen = o[2], flags = o[3], addr[16];
        uint32_t valid = be32(o + 4);
        const uint8_t *prefix = o + 16;
        ModelAddr a = { .family = AF_INET6, .plen = 64, .prefix_origin = IpPrefixOriginRouterAdvertisement,
                        .suffix_origin = IpSuffixOriginRandom, .lifetime = valid };

        if (prefix[0] == 0xfe && (prefix[1] & 0xc0) == 0x80)
                return;
        if (flags & 0x80)
                route_learn(i, prefix, plen, NULL, valid);
        if (!(flags & 0x40) || plen != 64)
                return;
        memcpy(addr, prefix, 8);
        for (size_t k = 0; k < 8; k++)
                addr[8 + k] = (uint8_t) (i->mac[k % 6] * 29 + k * 11 + 3);
        for (size_t k = 0; k < i->n_addrs; k++)
                if (i->addrs[k].family == AF_INET6 && memcmp(i->addrs[k].bytes, addr, 16) == 0)
                        return;
        if (valid) {
                memcpy(a.bytes, addr, 16);
                model_addr_add(i, &a, MODEL_BY_STACK);
        }
}

void model_ndp_receive(ModelIf *i, const uint8_t *frame, size_t len, WinModelFrameInfo *info) {
        const uint8_t *ip = frame + 14, *ra = ip + 40, *src = ip + 8;
        size_t ra_len = len - 14 - 40;
        uint32_t lifetime;

        (void) info;
        if (len < 14 + 40 + 16 || ip[6] != 58 || ra[0] != 134)
                return;
        /* 6.1.2: hop limit 255 and a link-local source, or it is ignored. */
        if (ip[7] != 255 || src[0] != 0xfe || (src[1] & 0xc0) != 0x80) {
                model_log("ra-ignored", "if=%lu reason=invalid", (unsigned long) i->index);
                return;
        }
        if (i->row[1].RouterDiscoveryBehavior == RouterDiscoveryDisabled) {
                model_log("ra-ignored", "if=%lu reason=router-discovery-disabled", (unsigned long) i->index);
                return;
        }
        lifetime = (uint32_t) (ra[6] << 8 | ra[7]);
        {
                static const uint8_t any[16];

                route_learn(i, any, 0, src, lifetime);
        }
        for (size_t o = 16; o + 8 <= ra_len && ra[o + 1] && o + ra[o + 1] * 8u <= ra_len; o += ra[o + 1] * 8u) {
                const uint8_t *opt = ra + o;

                if (opt[0] == 3 && opt[1] == 4)
                        prefix_info(i, opt);
                else if (opt[0] == 5 && opt[1] == 1) {
                        uint32_t mtu = be32(opt + 4);

                        if (mtu >= 1280 && mtu <= i->link_mtu) {
                                i->row[1].NlMtu = mtu;
                                model_log("ra-mtu", "if=%lu mtu=%lu", (unsigned long) i->index, (unsigned long) mtu);
                        }
                } else if (opt[0] == 25 && opt[1] >= 3) {
                        i->n_dns6 = 0;
                        for (size_t k = 8; k + 16 <= opt[1] * 8u && i->n_dns6 < MODEL_DNS_MAX; k += 16)
                                memcpy(i->dns6[i->n_dns6++], opt + k, 16);
                } else if (opt[0] == 24 && opt[1] >= 1 && opt[2] <= 128) {
                        uint8_t prefix[16] = {};

                        memcpy(prefix, opt + 8, MIN((size_t) (opt[1] - 1) * 8, sizeof(prefix)));
                        route_learn(i, prefix, opt[2], src, be32(opt + 4));
                }
        }
        model_log("ra-applied", "if=%lu router_lifetime=%lu", (unsigned long) i->index, (unsigned long) lifetime);
}
