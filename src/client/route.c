/* SPDX-License-Identifier: MIT */
/* The portable half of route.h: no OS calls, so the decisions and the
 * state file format are unit tested here and shared with route-win.c. */
#include "route.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "string-table.h"

static const char *const route_family_table[_ROUTE_FAMILY_MAX] = {
        [ROUTE_FAMILY_IPV4] = "ipv4",
        [ROUTE_FAMILY_IPV6] = "ipv6",
};

static const char *const route_type_table[_ROUTE_TYPE_MAX] = {
        [ROUTE_TYPE_UNICAST] = "unicast",
        [ROUTE_TYPE_LOCAL] = "local",
        [ROUTE_TYPE_UNREACHABLE] = "unreachable",
        [ROUTE_TYPE_OTHER] = "other",
};

static const char *const route_plan_table[_ROUTE_PLAN_MAX] = {
        [ROUTE_PLAN_ADD] = "add",
        [ROUTE_PLAN_REUSE] = "reuse",
        [ROUTE_PLAN_NONE] = "none",
        [ROUTE_PLAN_CONFLICT] = "conflict",
};

static const char *const route_check_table[_ROUTE_CHECK_MAX] = {
        [ROUTE_CHECK_OK] = "ok",
        [ROUTE_CHECK_PIN_MISSING] = "pin-missing",
        [ROUTE_CHECK_CHANGED] = "changed",
        [ROUTE_CHECK_VIA_TAP] = "via-tap",
        [ROUTE_CHECK_UNREACHABLE] = "unreachable",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(route_family, RouteFamily)

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(route_type, RouteType)

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(route_plan, RoutePlan)

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(route_check, RouteCheck)

size_t route_address_size(RouteFamily f) {
        switch (f) {
        case ROUTE_FAMILY_IPV4:
                return 4;
        case ROUTE_FAMILY_IPV6:
                return 16;
        default:
                return 0;
        }
}

bool route_address_equal(const RouteAddress *a, const RouteAddress *b) {
        size_t n = route_address_size(a->family);

        return n > 0 && a->family == b->family && memcmp(a->bytes, b->bytes, n) == 0;
}

int route_address_from_bytes(const void *bytes, size_t size, RouteAddress *ret) {
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        RouteAddress a = {};

        if (!bytes || !ret)
                return -EINVAL;
        if (size == 4) {
                a.family = ROUTE_FAMILY_IPV4;
                memcpy(a.bytes, bytes, 4);
        } else if (size == 16 && memcmp(bytes, v4mapped, sizeof(v4mapped)) == 0) {
                a.family = ROUTE_FAMILY_IPV4;
                memcpy(a.bytes, (const uint8_t *) bytes + 12, 4);
        } else if (size == 16) {
                a.family = ROUTE_FAMILY_IPV6;
                memcpy(a.bytes, bytes, 16);
        } else
                return -EINVAL;

        *ret = a;
        return 0;
}

static size_t format_ipv4(const uint8_t *b, char *buf, size_t size) {
        int n = snprintf(buf, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);

        return n < 0 ? 0 : (size_t) n;
}

/* RFC 5952: lower case, no leading zeros, the longest run of two or more
 * zero groups (the first on a tie) as "::". Like glibc, an address whose
 * first 96 bits are ::ffff:0:0/96 or ::/96 shows its IPv4 tail dotted. */
static void format_ipv6(const uint8_t *b, char buf[static ROUTE_ADDRESS_STR_MAX]) {
        unsigned words[8];
        int best = -1, best_len = 0;
        size_t o = 0;

        for (int i = 0; i < 8; i++)
                words[i] = (unsigned) b[2 * i] << 8 | b[2 * i + 1];

        for (int i = 0; i < 8;) {
                int j = i;

                while (j < 8 && words[j] == 0)
                        j++;
                if (j - i > best_len) {
                        best = i;
                        best_len = j - i;
                }
                i = j > i ? j : i + 1;
        }
        if (best_len < 2)
                best = -1;

        for (int i = 0; i < 8; i++) {
                if (i == best) {
                        buf[o++] = ':';
                        if (i + best_len == 8)
                                buf[o++] = ':';
                        i += best_len - 1;
                        continue;
                }
                if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
                        buf[o++] = ':';
                        o += format_ipv4(b + 12, buf + o, ROUTE_ADDRESS_STR_MAX - o);
                        break;
                }
                if (i > 0)
                        buf[o++] = ':';
                o += (size_t) snprintf(buf + o, ROUTE_ADDRESS_STR_MAX - o, "%x", words[i]);
        }
        buf[o] = '\0';
}

const char *route_address_to_string(const RouteAddress *a, char buf[static ROUTE_ADDRESS_STR_MAX]) {
        if (!a)
                snprintf(buf, ROUTE_ADDRESS_STR_MAX, "(null)");
        else if (a->family == ROUTE_FAMILY_IPV4)
                format_ipv4(a->bytes, buf, ROUTE_ADDRESS_STR_MAX);
        else if (a->family == ROUTE_FAMILY_IPV6)
                format_ipv6(a->bytes, buf);
        else
                snprintf(buf, ROUTE_ADDRESS_STR_MAX, "(invalid)");
        return buf;
}

bool route_same_next_hop(const Route *a, const Route *b) {
        if (a->type != b->type || a->multipath || b->multipath)
                return false;
        if (a->ifindex != b->ifindex || a->has_gateway != b->has_gateway)
                return false;
        return !a->has_gateway || route_address_equal(&a->gateway, &b->gateway);
}

const char *route_describe(const Route *r, const char *dev, char buf[static ROUTE_DESCRIPTION_MAX]) {
        char dst[ROUTE_ADDRESS_STR_MAX], gw[ROUTE_ADDRESS_STR_MAX];

        route_address_to_string(&r->dst, dst);
        if (r->multipath)
                snprintf(buf, ROUTE_DESCRIPTION_MAX, "%s/%u (multipath)", dst, r->prefixlen);
        else
                snprintf(buf, ROUTE_DESCRIPTION_MAX, "%s/%u%s%s %s metric %" PRIu32, dst, r->prefixlen,
                         r->has_gateway ? " via " : "", r->has_gateway ? route_address_to_string(&r->gateway, gw) : "",
                         dev, r->metric);
        return buf;
}

static uint8_t host_prefixlen(RouteFamily f) {
        return (uint8_t) (route_address_size(f) * 8);
}

/* Whether `r` occupies exactly dst/prefixlen in `table`. */
static bool route_holds(const Route *r, const RouteAddress *dst, uint8_t prefixlen, uint32_t table) {
        return r->table == table && r->prefixlen == prefixlen && route_address_equal(&r->dst, dst);
}

int route_plan_relay_pin(const RouteAddress *relay, const Route *lookup, const Route *existing, size_t n_existing,
                         uint32_t tap_ifindex, uint32_t table, uint32_t metric, Route *ret_pin) {
        const Route *conflict = NULL;
        uint8_t prefixlen;

        if (!relay || !lookup || !ret_pin || (n_existing > 0 && !existing))
                return -EINVAL;
        if (route_address_size(relay->family) == 0)
                return -EINVAL;

        switch (lookup->type) {
        case ROUTE_TYPE_LOCAL:
                /* The local table answers before any route a TAP could get. */
                *ret_pin = *lookup;
                return ROUTE_PLAN_NONE;
        case ROUTE_TYPE_UNICAST:
                break;
        case ROUTE_TYPE_UNREACHABLE:
        case ROUTE_TYPE_OTHER:
                return -ENETUNREACH;
        default:
                return -EINVAL;
        }

        if (lookup->multipath || lookup->ifindex == 0)
                return -ENETUNREACH;
        /* An IPv4 route via an IPv6 gateway (RFC 5549) cannot be written as
         * a plain host route; rare enough to refuse plainly. */
        if (lookup->has_gateway && lookup->gateway.family != relay->family)
                return -EAFNOSUPPORT;
        if (tap_ifindex != 0 && lookup->ifindex == tap_ifindex)
                return -ELOOP;

        prefixlen = host_prefixlen(relay->family);
        for (size_t i = 0; i < n_existing; i++) {
                if (!route_holds(&existing[i], relay, prefixlen, table))
                        continue;
                if (route_same_next_hop(&existing[i], lookup)) {
                        *ret_pin = existing[i];
                        return ROUTE_PLAN_REUSE;
                }
                if (!conflict)
                        conflict = &existing[i];
        }
        if (conflict) {
                *ret_pin = *conflict;
                return ROUTE_PLAN_CONFLICT;
        }

        *ret_pin = (Route) {
                .type = ROUTE_TYPE_UNICAST,
                .dst = *relay,
                .prefixlen = prefixlen,
                .has_gateway = lookup->has_gateway,
                .gateway = lookup->has_gateway ? lookup->gateway : (RouteAddress) {},
                .ifindex = lookup->ifindex,
                .table = table,
                .metric = metric,
        };
        return ROUTE_PLAN_ADD;
}

int route_plan_steer(uint32_t tap_ifindex, const RouteAddress *dst, uint8_t prefixlen, const Route *existing,
                     size_t n_existing, uint32_t table, uint32_t metric, Route *ret) {
        const Route *conflict = NULL;
        Route want;

        if (tap_ifindex == 0 || !dst || dst->family != ROUTE_FAMILY_IPV4 || prefixlen > 32 || !ret ||
            (n_existing > 0 && !existing))
                return -EINVAL;

        want = (Route) {
                .type = ROUTE_TYPE_UNICAST,
                .dst = *dst,
                .prefixlen = prefixlen,
                .ifindex = tap_ifindex,
                .table = table,
                .metric = metric,
        };

        for (size_t i = 0; i < n_existing; i++) {
                if (!route_holds(&existing[i], &want.dst, want.prefixlen, table))
                        continue;
                if (route_same_next_hop(&existing[i], &want)) {
                        *ret = existing[i];
                        return ROUTE_PLAN_REUSE;
                }
                if (!conflict)
                        conflict = &existing[i];
        }
        if (conflict) {
                *ret = *conflict;
                return ROUTE_PLAN_CONFLICT;
        }

        *ret = want;
        return ROUTE_PLAN_ADD;
}

RouteCheck route_check_decide(const Route *expected, bool pin_present, const Route *now, uint32_t tap_ifindex) {
        if (!expected)
                return _ROUTE_CHECK_INVALID;
        if (!now || now->type == ROUTE_TYPE_UNREACHABLE || now->type == ROUTE_TYPE_OTHER)
                return ROUTE_CHECK_UNREACHABLE;
        /* Checked before the pin: when the pin vanished and the TAP's
         * default route took over, re-pinning by lookup would pin the loop. */
        if (tap_ifindex != 0 && now->type == ROUTE_TYPE_UNICAST && !now->multipath && now->ifindex == tap_ifindex)
                return ROUTE_CHECK_VIA_TAP;
        if (!pin_present)
                return ROUTE_CHECK_PIN_MISSING;
        if (route_same_next_hop(expected, now))
                return ROUTE_CHECK_OK;
        return ROUTE_CHECK_CHANGED;
}

static bool route_state_equal(const Route *a, const Route *b) {
        return route_address_equal(&a->dst, &b->dst) && a->prefixlen == b->prefixlen &&
               a->has_gateway == b->has_gateway && (!a->has_gateway || route_address_equal(&a->gateway, &b->gateway)) &&
               a->ifindex == b->ifindex && a->table == b->table && a->metric == b->metric;
}

int route_state_add(RouteState *s, const Route *r) {
        if (!s || !r)
                return -EINVAL;
        if (s->n_routes >= ROUTE_STATE_MAX)
                return -ENOSPC;
        s->routes[s->n_routes++] = *r;
        return 0;
}

int route_state_remove(RouteState *s, const Route *r) {
        if (!s || !r)
                return -EINVAL;
        for (size_t i = 0; i < s->n_routes; i++) {
                if (!route_state_equal(&s->routes[i], r))
                        continue;
                memmove(&s->routes[i], &s->routes[i + 1], (s->n_routes - i - 1) * sizeof(Route));
                s->n_routes--;
                return 1;
        }
        return 0;
}

int route_text_parse_u32(const char *s, size_t n, uint32_t *ret) {
        uint64_t v = 0;

        if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (v > UINT32_MAX)
                return -EBADMSG;
        *ret = (uint32_t) v;
        return 0;
}

int route_text_parse_hex(const char *s, size_t n, uint8_t *out, size_t size) {
        return unhexmem_exact(s, n, HEX_CASE_LOWER, out, size);
}

int route_text_split(const char *line, size_t len, RouteToken *tokens, size_t max, size_t *ret_n) {
        size_t n = 0, start = 0;

        for (size_t i = 0; i <= len; i++) {
                if (i < len && line[i] != ' ')
                        continue;
                if (i == start || n >= max)
                        return -EBADMSG;
                tokens[n++] = (RouteToken) { line + start, i - start };
                start = i + 1;
        }
        *ret_n = n;
        return 0;
}

bool route_token_is(const RouteToken *t, const char *s) {
        return t->n == strlen(s) && memcmp(t->p, s, t->n) == 0;
}

static int parse_route_line(const char *line, size_t len, void *records) {
        RouteState *s = records;
        RouteToken t[7];
        const char *slash;
        uint32_t prefixlen;
        size_t n_tokens, size;
        Route r = { .type = ROUTE_TYPE_UNICAST };

        if (route_text_split(line, len, t, ELEMENTSOF(t), &n_tokens) < 0 || n_tokens != ELEMENTSOF(t))
                return -EBADMSG;
        if (!route_token_is(&t[0], "route"))
                return -EBADMSG;

        if (route_token_is(&t[1], "4"))
                r.dst.family = ROUTE_FAMILY_IPV4;
        else if (route_token_is(&t[1], "6"))
                r.dst.family = ROUTE_FAMILY_IPV6;
        else
                return -EBADMSG;
        size = route_address_size(r.dst.family);

        slash = memchr(t[2].p, '/', t[2].n);
        if (!slash)
                return -EBADMSG;
        if (route_text_parse_hex(t[2].p, (size_t) (slash - t[2].p), r.dst.bytes, size) < 0)
                return -EBADMSG;
        if (route_text_parse_u32(slash + 1, t[2].n - (size_t) (slash - t[2].p) - 1, &prefixlen) < 0 ||
            prefixlen > size * 8)
                return -EBADMSG;
        r.prefixlen = (uint8_t) prefixlen;

        if (!route_token_is(&t[3], "-")) {
                r.has_gateway = true;
                r.gateway.family = r.dst.family;
                if (route_text_parse_hex(t[3].p, t[3].n, r.gateway.bytes, size) < 0)
                        return -EBADMSG;
        }

        /* Every route we add names its interface. */
        if (route_text_parse_u32(t[4].p, t[4].n, &r.ifindex) < 0 || r.ifindex == 0)
                return -EBADMSG;
        if (route_text_parse_u32(t[5].p, t[5].n, &r.table) < 0)
                return -EBADMSG;
        if (route_text_parse_u32(t[6].p, t[6].n, &r.metric) < 0)
                return -EBADMSG;

        if (s->n_routes >= ROUTE_STATE_MAX)
                return -E2BIG;
        s->routes[s->n_routes++] = r;
        return 0;
}

/* A header line: 1 when it is ours, -EPROTONOSUPPORT for another
 * version, -EBADMSG for anything else. */
static int text_header_check(const char *line, size_t len, const char *magic, uint32_t version) {
        size_t m = strlen(magic);
        uint32_t v;

        if (len <= m + 1 || memcmp(line, magic, m) != 0 || line[m] != ' ')
                return -EBADMSG;
        if (route_text_parse_u32(line + m + 1, len - m - 1, &v) < 0)
                return -EBADMSG;
        return v == version ? 1 : -EPROTONOSUPPORT;
}

int route_text_parse(const char *text, size_t len, const RouteTextFormat *format, void *records, void *ret,
                     size_t size) {
        bool header = false;
        size_t pos = 0;
        int r;

        if (!text || !format || !records || !ret)
                return -EINVAL;
        if (len > format->max)
                return -EBADMSG;

        while (pos < len) {
                const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
                size_t line_len;

                /* Every line ends in '\n'; a missing one means a cut file. */
                if (!nl)
                        return -EBADMSG;
                line_len = (size_t) (nl - line);
                pos += line_len + 1;

                if (!header) {
                        r = text_header_check(line, line_len, format->magic, format->version);
                        if (r < 0)
                                return r;
                        header = true;
                        continue;
                }

                r = format->parse_line(line, line_len, records);
                if (r < 0)
                        return r;
        }
        if (!header)
                return -EBADMSG;

        memcpy(ret, records, size);
        return 0;
}

static size_t format_hex(const uint8_t *b, size_t n, char *out) {
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < n; i++) {
                out[2 * i] = digits[b[i] >> 4];
                out[2 * i + 1] = digits[b[i] & 0x0f];
        }
        out[2 * n] = '\0';
        return 2 * n;
}

int route_text_format(const RouteTextFormat *format, const void *records, size_t n, char *buf, size_t size) {
        size_t o;
        int k;

        if (!format || !records || !buf)
                return -EINVAL;

        k = snprintf(buf, size, "%s %" PRIu32 "\n", format->magic, format->version);
        if (k < 0 || (size_t) k >= size)
                return -ENOBUFS;
        o = (size_t) k;

        for (size_t i = 0; i < n; i++) {
                k = format->format_line(records, i, buf + o, size - o);
                if (k < 0)
                        return k;
                if ((size_t) k >= size - o)
                        return -ENOBUFS;
                o += (size_t) k;
        }
        if (o > INT32_MAX)
                return -ENOBUFS;
        return (int) o;
}

static int format_route_line(const void *records, size_t i, char *buf, size_t size) {
        const Route *r = &((const RouteState *) records)->routes[i];
        char dst[33], gw[33];
        size_t asize = route_address_size(r->dst.family);
        int n;

        if (asize == 0 || r->prefixlen > asize * 8 || r->ifindex == 0 ||
            (r->has_gateway && r->gateway.family != r->dst.family))
                return -EINVAL;
        format_hex(r->dst.bytes, asize, dst);
        if (r->has_gateway)
                format_hex(r->gateway.bytes, asize, gw);
        else
                memcpy(gw, "-", 2);

        n = snprintf(buf, size, "route %c %s/%u %s %" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
                     r->dst.family == ROUTE_FAMILY_IPV4 ? '4' : '6', dst, r->prefixlen, gw, r->ifindex, r->table,
                     r->metric);
        return n < 0 ? -ENOBUFS : n;
}

static const RouteTextFormat state_text = {
        .magic = "lanparty-client-routes",
        .version = 1,
        .max = ROUTE_STATE_TEXT_MAX,
        .parse_line = parse_route_line,
        .format_line = format_route_line,
};

int route_state_parse(const char *text, size_t len, RouteState *ret) {
        RouteState s = {};

        return route_text_parse(text, len, &state_text, &s, ret, sizeof(s));
}

int route_state_format(const RouteState *s, char *buf, size_t size) {
        if (!s || !buf || s->n_routes > ROUTE_STATE_MAX)
                return -EINVAL;
        return route_text_format(&state_text, s, s->n_routes, buf, size);
}

bool route_instance_is_valid(const char *s) {
        size_t n;

        if (!s)
                return false;
        /* A name, never a path: no separators, no leading dot. */
        n = strlen(s);
        if (n == 0 || n > ROUTE_INSTANCE_MAX || s[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-' || c == '.' || c == '%'))
                        return false;
        }
        return true;
}
