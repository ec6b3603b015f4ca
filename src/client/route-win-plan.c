/* SPDX-License-Identifier: MIT */
#include "route-win-plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>


static bool family_is_valid(RouteFamily f) {
        return route_address_size(f) > 0;
}

int route_win_plan_tap_interface(const RouteWinInterface *tap, const uint32_t *other_metrics, size_t n_other,
                                 bool keep_default_routes, RouteWinInterface *ret, bool *ret_contested) {
        uint32_t lowest = UINT32_MAX, target;
        RouteWinInterface want;

        if (!tap || !ret || !ret_contested || (n_other > 0 && !other_metrics) || !family_is_valid(tap->family))
                return -EINVAL;

        for (size_t i = 0; i < n_other; i++)
                lowest = other_metrics[i] < lowest ? other_metrics[i] : lowest;

        /* Someone may have set the TAP lower on purpose; keep that. */
        target = ROUTE_WIN_TAP_METRIC;
        if (!tap->automatic_metric && tap->metric >= 1 && tap->metric < target)
                target = tap->metric;
        /* Below everyone else, but never 0: Windows takes that as "automatic". */
        if (lowest <= target)
                target = lowest > 1 ? lowest - 1 : 1;

        want = *tap;
        want.automatic_metric = false;
        want.metric = target;
        if (!keep_default_routes)
                want.disable_default_routes = true;

        *ret = want;
        *ret_contested = lowest <= target;
        return tap->automatic_metric != want.automatic_metric || tap->metric != want.metric ||
               tap->disable_default_routes != want.disable_default_routes;
}

int route_win_route_from_row(RouteFamily family, const uint8_t *dst, uint8_t prefixlen, const uint8_t *next_hop,
                             uint32_t ifindex, uint32_t metric, bool local, Route *ret) {
        static const uint8_t zero[16];
        size_t size = route_address_size(family);
        Route r = {};

        if (size == 0 || !dst || !next_hop || !ret || prefixlen > size * 8)
                return -EINVAL;

        r.type = local ? ROUTE_TYPE_LOCAL : ROUTE_TYPE_UNICAST;
        r.dst.family = family;
        memcpy(r.dst.bytes, dst, size);
        r.prefixlen = prefixlen;
        if (memcmp(next_hop, zero, size) != 0) {
                r.has_gateway = true;
                r.gateway.family = family;
                memcpy(r.gateway.bytes, next_hop, size);
        }
        r.ifindex = ifindex;
        r.metric = metric;
        *ret = r;
        return 0;
}

bool route_win_is_tap_default(const Route *r, uint32_t tap_ifindex) {
        return r && tap_ifindex != 0 && r->ifindex == tap_ifindex && r->prefixlen == 0 &&
               family_is_valid(r->dst.family);
}

int route_win_iface_state_add(RouteWinIfaceState *s, const RouteWinInterface *i) {
        if (!s || !i || !family_is_valid(i->family))
                return -EINVAL;
        for (size_t k = 0; k < s->n_ifaces; k++)
                if (s->ifaces[k].family == i->family && s->ifaces[k].luid == i->luid)
                        return 0;
        if (s->n_ifaces >= ROUTE_WIN_IFACE_STATE_MAX)
                return -ENOSPC;
        s->ifaces[s->n_ifaces++] = *i;
        return 1;
}

int route_win_iface_state_remove(RouteWinIfaceState *s, RouteFamily family, uint64_t luid) {
        if (!s)
                return -EINVAL;
        for (size_t k = 0; k < s->n_ifaces; k++) {
                if (s->ifaces[k].family != family || s->ifaces[k].luid != luid)
                        continue;
                memmove(&s->ifaces[k], &s->ifaces[k + 1], (s->n_ifaces - k - 1) * sizeof(RouteWinInterface));
                s->n_ifaces--;
                return 1;
        }
        return 0;
}

/* Exactly 16 lower-case hex digits. */
static int parse_luid(const RouteToken *t, uint64_t *ret) {
        uint8_t b[8];

        if (route_text_parse_hex(t->p, t->n, b, sizeof(b)) < 0)
                return -EBADMSG;
        *ret = be64_load(b);
        return 0;
}

static int parse_iface_line(const char *line, size_t len, void *records) {
        RouteWinIfaceState *s = records;
        RouteWinInterface i = {};
        RouteToken t[9];
        size_t n;

        if (route_text_split(line, len, t, ELEMENTSOF(t), &n) < 0 || (n != 7 && n != 9))
                return -EBADMSG;
        if (!route_token_is(&t[0], "iface") || !route_token_is(&t[5], "ddr"))
                return -EBADMSG;
        if (route_token_is(&t[1], "4"))
                i.family = ROUTE_FAMILY_IPV4;
        else if (route_token_is(&t[1], "6"))
                i.family = ROUTE_FAMILY_IPV6;
        else
                return -EBADMSG;
        if (parse_luid(&t[2], &i.luid) < 0 || i.luid == 0)
                return -EBADMSG;
        if (route_token_is(&t[3], "auto"))
                i.automatic_metric = true;
        else if (!route_token_is(&t[3], "fixed"))
                return -EBADMSG;
        if (route_text_parse_u32(t[4].p, t[4].n, &i.metric) < 0)
                return -EBADMSG;
        if (route_token_is(&t[6], "1"))
                i.disable_default_routes = true;
        else if (!route_token_is(&t[6], "0"))
                return -EBADMSG;
        if (n == 9 && (!route_token_is(&t[7], "mtu") || route_text_parse_u32(t[8].p, t[8].n, &i.mtu) < 0 ||
                       i.mtu == 0))
                return -EBADMSG;

        if (s->n_ifaces >= ROUTE_WIN_IFACE_STATE_MAX)
                return -E2BIG;
        /* A duplicate would restore twice, the second time from values
         * that may be ours. */
        for (size_t k = 0; k < s->n_ifaces; k++)
                if (s->ifaces[k].family == i.family && s->ifaces[k].luid == i.luid)
                        return -EBADMSG;
        s->ifaces[s->n_ifaces++] = i;
        return 0;
}

static int format_iface_line(const void *records, size_t k, char *buf, size_t size) {
        const RouteWinInterface *i = &((const RouteWinIfaceState *) records)->ifaces[k];
        int n;

        if (!family_is_valid(i->family) || i->luid == 0)
                return -EINVAL;
        if (i->mtu > 0)
                n = snprintf(buf, size, "iface %c %016" PRIx64 " %s %" PRIu32 " ddr %c mtu %" PRIu32 "\n",
                             i->family == ROUTE_FAMILY_IPV4 ? '4' : '6', i->luid,
                             i->automatic_metric ? "auto" : "fixed", i->metric, i->disable_default_routes ? '1' : '0',
                             i->mtu);
        else
                n = snprintf(buf, size, "iface %c %016" PRIx64 " %s %" PRIu32 " ddr %c\n",
                             i->family == ROUTE_FAMILY_IPV4 ? '4' : '6', i->luid,
                             i->automatic_metric ? "auto" : "fixed", i->metric, i->disable_default_routes ? '1' : '0');
        return n < 0 ? -ENOBUFS : n;
}

static const RouteTextFormat iface_state_text = {
        .magic = "lanparty-client-interfaces",
        .version = 1,
        .max = ROUTE_WIN_IFACE_STATE_TEXT_MAX,
        .parse_line = parse_iface_line,
        .format_line = format_iface_line,
};

int route_win_iface_state_parse(const char *text, size_t len, RouteWinIfaceState *ret) {
        RouteWinIfaceState s = {};

        return route_text_parse(text, len, &iface_state_text, &s, ret, sizeof(s));
}

int route_win_iface_state_format(const RouteWinIfaceState *s, char *buf, size_t size) {
        if (!s || !buf || s->n_ifaces > ROUTE_WIN_IFACE_STATE_MAX)
                return -EINVAL;
        return route_text_format(&iface_state_text, s, s->n_ifaces, buf, size);
}
