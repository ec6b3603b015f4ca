/* SPDX-License-Identifier: MIT */
/* The portable half of the relay route safety: the state file parser
 * (hostile inputs first), the pin/broadcast/check decisions, addresses. */
#include <arpa/inet.h>
#include <errno.h>

#include "route.h"
#include "test-util.h"

#define HEADER "lanparty-client-routes 1\n"

static int parse_str(const char *s, RouteState *ret) {
        return route_state_parse(s, strlen(s), ret);
}

static RouteAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
        return (RouteAddress) { .family = ROUTE_FAMILY_IPV4, .bytes = {a, b, c, d} };
}

static RouteAddress v6_last(uint8_t last) {
        RouteAddress x = { .family = ROUTE_FAMILY_IPV6, .bytes = {0x20, 0x01, 0x0d, 0xb8} };
        x.bytes[15] = last;
        return x;
}

static void test_state_parse_hostile(void) {
        static const char *const bad[] = {
                "",
                "\n",
                "lanparty-client-routes 1",                /* no newline: cut file */
                "lanparty-client-routes 1 \n",             /* trailing space */
                "lanparty-client-routes 1\r\n",            /* CRLF */
                " lanparty-client-routes 1\n",
                "lanparty-client-routes\n",
                "route 4 cb007107/32 c6336401 5 254 0\n", /* no header */
                HEADER "route 4 cb007107/32 c6336401 5 254 0",     /* last line cut */
                HEADER "\n",                                       /* empty line */
                HEADER "# comment\n",
                HEADER "route 4 cb007107/32 c6336401 5 254\n",     /* too few tokens */
                HEADER "route 4 cb007107/32 c6336401 5 254 0 0\n", /* too many */
                HEADER "route  4 cb007107/32 c6336401 5 254 0\n",  /* double space */
                HEADER " route 4 cb007107/32 c6336401 5 254 0\n",
                HEADER "route 4 cb007107/32 c6336401 5 254 0 \n",
                HEADER "route\t4 cb007107/32 c6336401 5 254 0\n",
                HEADER "Route 4 cb007107/32 c6336401 5 254 0\n",
                HEADER "route 5 cb007107/32 c6336401 5 254 0\n",
                HEADER "route 46 cb007107/32 c6336401 5 254 0\n",
                HEADER "route 4 CB007107/32 c6336401 5 254 0\n",   /* upper case */
                HEADER "route 4 cb00710/32 c6336401 5 254 0\n",    /* short hex */
                HEADER "route 4 cb0071070/32 c6336401 5 254 0\n",  /* odd, long */
                HEADER "route 4 cb00710700/32 c6336401 5 254 0\n", /* a byte too many */
                HEADER "route 4 cb0071g7/32 c6336401 5 254 0\n",
                HEADER "route 4 cb007107 c6336401 5 254 0\n",      /* no prefix length */
                HEADER "route 4 cb007107/ c6336401 5 254 0\n",
                HEADER "route 4 cb007107/33 c6336401 5 254 0\n",
                HEADER "route 4 cb007107/032 c6336401 5 254 0\n",  /* leading zero */
                HEADER "route 4 cb007107/3/2 c6336401 5 254 0\n",
                HEADER "route 4 cb007107/-1 c6336401 5 254 0\n",
                HEADER "route 4 cb007107/+3 c6336401 5 254 0\n",
                HEADER "route 6 20010db8000000000000000000000007/129 - 5 254 0\n",
                HEADER "route 6 cb007107/32 - 5 254 0\n",          /* v4 bytes, v6 family */
                HEADER "route 4 20010db8000000000000000000000007/32 - 5 254 0\n",
                HEADER "route 4 cb007107/32 c63364 5 254 0\n",     /* short gateway */
                HEADER "route 4 cb007107/32 -- 5 254 0\n",
                HEADER "route 4 cb007107/32  5 254 0\n",
                HEADER "route 4 cb007107/32 c6336401 0 254 0\n",   /* ifindex 0 */
                HEADER "route 4 cb007107/32 c6336401 05 254 0\n",
                HEADER "route 4 cb007107/32 c6336401 4294967296 254 0\n", /* > u32 */
                HEADER "route 4 cb007107/32 c6336401 99999999999 254 0\n",
                HEADER "route 4 cb007107/32 c6336401 5 -254 0\n",
                HEADER "route 4 cb007107/32 c6336401 5 254 0x10\n",
                HEADER "route 4 cb007107/32 c6336401 5 254 1e3\n",
                HEADER "route 4 cb007107/32 c6336401 5 254 0\nroute\n",
        };
        RouteState s;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = parse_str(bad[i], &s);
                if (r != -EBADMSG) {
                        fprintf(stderr, "accepted or wrong error %d: \"%s\"\n", r, bad[i]);
                        CHECK(false);
                }
        }

        /* Another version is not corruption, but we cannot read it either. */
        CHECK_EQ_INT(parse_str("lanparty-client-routes 2\n", &s), -EPROTONOSUPPORT);
        CHECK_EQ_INT(parse_str("lanparty-client-routes 10\nroute x\n", &s), -EPROTONOSUPPORT);

        /* An embedded NUL is just a bad byte; the length is what counts. */
        {
                static const char nul[] = HEADER "route 4 cb007107/32 c6336401 5 25\0004 0\n";
                CHECK_EQ_INT(route_state_parse(nul, sizeof(nul) - 1, &s), -EBADMSG);
        }

        /* More routes than we ever add. */
        {
                char text[ROUTE_STATE_TEXT_MAX];
                size_t o = (size_t) snprintf(text, sizeof(text), HEADER);
                for (int i = 0; i < ROUTE_STATE_MAX + 1; i++)
                        o += (size_t) snprintf(text + o, sizeof(text) - o, "route 4 cb0071%02x/32 - 5 254 0\n", i);
                CHECK_EQ_INT(route_state_parse(text, o, &s), -E2BIG);
        }

        /* Longer than any file we write, even if well-formed line by line. */
        {
                static char text[ROUTE_STATE_TEXT_MAX + 64];
                size_t o = (size_t) snprintf(text, sizeof(text), HEADER);
                memset(text + o, 'x', sizeof(text) - o);
                CHECK_EQ_INT(route_state_parse(text, sizeof(text), &s), -EBADMSG);
        }

        CHECK_EQ_INT(route_state_parse(NULL, 0, &s), -EINVAL);
        CHECK_EQ_INT(route_state_parse(HEADER, strlen(HEADER), NULL), -EINVAL);
}

static void test_state_parse_valid(void) {
        RouteState s;

        CHECK_EQ_INT(parse_str(HEADER, &s), 0);
        CHECK_EQ_INT(s.n_routes, 0);

        CHECK_EQ_INT(parse_str(HEADER "route 4 cb007107/32 c6336401 5 254 0\n"
                                      "route 6 20010db8000000000000000000000007/128 - 4294967295 0 1024\n"
                                      "route 4 ffffffff/0 - 1 4294967295 4294967295\n",
                               &s),
                     0);
        CHECK_EQ_INT(s.n_routes, 3);

        CHECK_EQ_INT(s.routes[0].dst.family, ROUTE_FAMILY_IPV4);
        CHECK(route_address_equal(&s.routes[0].dst, &(RouteAddress) { ROUTE_FAMILY_IPV4, {203, 0, 113, 7} }));
        CHECK_EQ_INT(s.routes[0].prefixlen, 32);
        CHECK(s.routes[0].has_gateway);
        CHECK(route_address_equal(&s.routes[0].gateway, &(RouteAddress) { ROUTE_FAMILY_IPV4, {198, 51, 100, 1} }));
        CHECK_EQ_INT(s.routes[0].ifindex, 5);
        CHECK_EQ_INT(s.routes[0].table, 254);
        CHECK_EQ_INT(s.routes[0].metric, 0);
        CHECK_EQ_INT(s.routes[0].type, ROUTE_TYPE_UNICAST);

        {
                RouteAddress want = v6_last(7);
                CHECK(route_address_equal(&s.routes[1].dst, &want));
        }
        CHECK_EQ_INT(s.routes[1].prefixlen, 128);
        CHECK(!s.routes[1].has_gateway);
        CHECK_EQ_INT(s.routes[1].ifindex, UINT32_MAX);
        CHECK_EQ_INT(s.routes[1].metric, 1024);

        CHECK_EQ_INT(s.routes[2].prefixlen, 0);
        CHECK_EQ_INT(s.routes[2].table, UINT32_MAX);
        CHECK_EQ_INT(s.routes[2].metric, UINT32_MAX);

        /* Exactly ROUTE_STATE_MAX is fine. */
        {
                char text[ROUTE_STATE_TEXT_MAX];
                size_t o = (size_t) snprintf(text, sizeof(text), HEADER);
                for (int i = 0; i < ROUTE_STATE_MAX; i++)
                        o += (size_t) snprintf(text + o, sizeof(text) - o, "route 4 cb0071%02x/32 - 5 254 0\n", i);
                CHECK_EQ_INT(route_state_parse(text, o, &s), 0);
                CHECK_EQ_INT(s.n_routes, ROUTE_STATE_MAX);
        }
}

/* xorshift: deterministic, no libc RNG state shared with anyone. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return (uint32_t) (rng_state >> 16);
}

static Route random_route(void) {
        Route r = { .type = ROUTE_TYPE_UNICAST };
        size_t size;

        r.dst.family = rnd() % 2 ? ROUTE_FAMILY_IPV6 : ROUTE_FAMILY_IPV4;
        size = route_address_size(r.dst.family);
        for (size_t i = 0; i < size; i++)
                r.dst.bytes[i] = (uint8_t) rnd();
        r.prefixlen = (uint8_t) (rnd() % (size * 8 + 1));
        r.has_gateway = rnd() % 2;
        if (r.has_gateway) {
                r.gateway.family = r.dst.family;
                for (size_t i = 0; i < size; i++)
                        r.gateway.bytes[i] = (uint8_t) rnd();
        }
        r.ifindex = rnd() % 4 == 0 ? UINT32_MAX : 1 + rnd() % 1000;
        r.table = rnd() % 4 == 0 ? UINT32_MAX : rnd() % 256;
        r.metric = rnd() % 4 == 0 ? UINT32_MAX : rnd() % 2048;
        return r;
}

static bool route_equal_all(const Route *a, const Route *b) {
        return a->type == b->type && route_address_equal(&a->dst, &b->dst) && a->prefixlen == b->prefixlen &&
               a->has_gateway == b->has_gateway &&
               (!a->has_gateway || route_address_equal(&a->gateway, &b->gateway)) && a->ifindex == b->ifindex &&
               a->table == b->table && a->metric == b->metric && a->multipath == b->multipath;
}

static void test_state_roundtrip(void) {
        for (int round = 0; round < 2000; round++) {
                char text[ROUTE_STATE_TEXT_MAX], again[ROUTE_STATE_TEXT_MAX];
                RouteState s = {}, back;
                int n, m;

                s.n_routes = rnd() % (ROUTE_STATE_MAX + 1);
                for (size_t i = 0; i < s.n_routes; i++)
                        s.routes[i] = random_route();

                n = route_state_format(&s, text, sizeof(text));
                CHECK(n > 0);
                CHECK_EQ_INT(strlen(text), n);
                CHECK_EQ_INT(route_state_parse(text, (size_t) n, &back), 0);
                CHECK_EQ_INT(back.n_routes, s.n_routes);
                for (size_t i = 0; i < s.n_routes; i++)
                        CHECK(route_equal_all(&s.routes[i], &back.routes[i]));

                m = route_state_format(&back, again, sizeof(again));
                CHECK_EQ_INT(m, n);
                CHECK_MEM(text, again, (size_t) n);

                /* Every cut of a valid file is rejected or shorter: a torn file
                 * never yields a route that was not written. */
                {
                        size_t cut = rnd() % (size_t) n;
                        RouteState part;
                        int r = route_state_parse(text, cut, &part);
                        CHECK(r == -EBADMSG || (r == 0 && part.n_routes < s.n_routes) ||
                              (r == 0 && s.n_routes == 0));
                }
        }
}

static void test_state_format_bounds(void) {
        char big[ROUTE_STATE_TEXT_MAX];
        RouteState s = {};
        int n;

        for (size_t i = 0; i < ROUTE_STATE_MAX; i++) {
                s.routes[i] = random_route();
                s.routes[i].dst.family = ROUTE_FAMILY_IPV6;
                s.routes[i].has_gateway = true;
                s.routes[i].gateway.family = ROUTE_FAMILY_IPV6;
                s.routes[i].ifindex = s.routes[i].table = s.routes[i].metric = UINT32_MAX;
        }
        s.n_routes = ROUTE_STATE_MAX;

        /* The largest state fits the text limit the parser enforces. */
        n = route_state_format(&s, big, sizeof(big));
        CHECK(n > 0 && n <= ROUTE_STATE_TEXT_MAX);

        for (size_t size = 1; size <= (size_t) n; size++) {
                char buf[ROUTE_STATE_TEXT_MAX + 1];

                memset(buf, 0x5a, sizeof(buf));
                CHECK_EQ_INT(route_state_format(&s, buf, size), -ENOBUFS);
                CHECK_EQ_INT((unsigned char) buf[size], 0x5a);
        }

        /* Routes that could not be read back are refused. */
        s.n_routes = 1;
        s.routes[0].ifindex = 0;
        CHECK_EQ_INT(route_state_format(&s, big, sizeof(big)), -EINVAL);
        s.routes[0].ifindex = 1;
        s.routes[0].prefixlen = 129;
        CHECK_EQ_INT(route_state_format(&s, big, sizeof(big)), -EINVAL);
        s.routes[0].prefixlen = 128;
        s.routes[0].gateway.family = ROUTE_FAMILY_IPV4;
        CHECK_EQ_INT(route_state_format(&s, big, sizeof(big)), -EINVAL);
        s.routes[0].dst.family = _ROUTE_FAMILY_INVALID;
        CHECK_EQ_INT(route_state_format(&s, big, sizeof(big)), -EINVAL);
        s.n_routes = ROUTE_STATE_MAX + 1;
        CHECK_EQ_INT(route_state_format(&s, big, sizeof(big)), -EINVAL);
}

static void test_state_add_remove(void) {
        RouteState s = {};
        Route r[ROUTE_STATE_MAX + 1];

        for (size_t i = 0; i < ELEMENTSOF(r); i++) {
                r[i] = (Route) { .dst = v4(203, 0, 113, (uint8_t) i), .prefixlen = 32, .ifindex = 3, .table = 254 };
                CHECK_EQ_INT(route_state_add(&s, &r[i]), i < ROUTE_STATE_MAX ? 0 : -ENOSPC);
        }
        CHECK_EQ_INT(s.n_routes, ROUTE_STATE_MAX);

        /* Same prefix, other metric: a different route. */
        {
                Route other = r[3];
                other.metric = 1;
                CHECK_EQ_INT(route_state_remove(&s, &other), 0);
        }
        CHECK_EQ_INT(route_state_remove(&s, &r[3]), 1);
        CHECK_EQ_INT(route_state_remove(&s, &r[3]), 0);
        CHECK_EQ_INT(s.n_routes, ROUTE_STATE_MAX - 1);
        /* Order is kept: undo runs newest first. */
        CHECK_EQ_INT(s.routes[2].dst.bytes[3], 2);
        CHECK_EQ_INT(s.routes[3].dst.bytes[3], 4);
        CHECK_EQ_INT(s.routes[ROUTE_STATE_MAX - 2].dst.bytes[3], ROUTE_STATE_MAX - 1);

        CHECK_EQ_INT(route_state_add(NULL, &r[0]), -EINVAL);
        CHECK_EQ_INT(route_state_remove(&s, NULL), -EINVAL);
}

static void check_ntop(const uint8_t bytes[16]) {
        char want[INET6_ADDRSTRLEN], got[ROUTE_ADDRESS_STR_MAX];
        RouteAddress a = { .family = ROUTE_FAMILY_IPV6 };

        memcpy(a.bytes, bytes, 16);
        CHECK(inet_ntop(AF_INET6, bytes, want, sizeof(want)));
        route_address_to_string(&a, got);
        if (strcmp(want, got) != 0) {
                fprintf(stderr, "inet_ntop says %s, we say %s\n", want, got);
                CHECK(false);
        }
}

static void test_address(void) {
        char buf[ROUTE_ADDRESS_STR_MAX];
        RouteAddress a;

        /* Hostile: sizes that are not an address. */
        CHECK_EQ_INT(route_address_from_bytes("\1\2\3", 3, &a), -EINVAL);
        CHECK_EQ_INT(route_address_from_bytes("\1\2\3\4\5", 5, &a), -EINVAL);
        CHECK_EQ_INT(route_address_from_bytes("0123456789abcdef0", 17, &a), -EINVAL);
        CHECK_EQ_INT(route_address_from_bytes(NULL, 4, &a), -EINVAL);
        CHECK_EQ_INT(route_address_from_bytes("\1\2\3\4", 4, NULL), -EINVAL);
        CHECK_EQ_INT(route_address_size(_ROUTE_FAMILY_INVALID), 0);
        CHECK_EQ_INT(route_address_size(_ROUTE_FAMILY_MAX), 0);

        CHECK_EQ_INT(route_address_from_bytes((const uint8_t[]) {203, 0, 113, 7}, 4, &a), 0);
        CHECK_EQ_INT(a.family, ROUTE_FAMILY_IPV4);
        CHECK_EQ_STR(route_address_to_string(&a, buf), "203.0.113.7");

        /* A dual-stack socket's view of an IPv4 peer is the IPv4 route. */
        CHECK_EQ_INT(route_address_from_bytes((const uint8_t[]) {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 7},
                                              16, &a),
                     0);
        CHECK_EQ_INT(a.family, ROUTE_FAMILY_IPV4);
        CHECK(route_address_equal(&a, &(RouteAddress) { ROUTE_FAMILY_IPV4, {203, 0, 113, 7} }));
        /* ...but not its neighbours. */
        CHECK_EQ_INT(route_address_from_bytes((const uint8_t[]) {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 203, 0, 113, 7},
                                              16, &a),
                     0);
        CHECK_EQ_INT(a.family, ROUTE_FAMILY_IPV6);

        {
                RouteAddress x = v4(1, 2, 3, 4), y = v4(1, 2, 3, 4), z = { .family = ROUTE_FAMILY_IPV6 };
                memcpy(z.bytes, x.bytes, 4);
                CHECK(route_address_equal(&x, &y));
                CHECK(!route_address_equal(&x, &z));
                /* Bytes past the family's size do not count. */
                y.bytes[4] = 9;
                CHECK(route_address_equal(&x, &y));
                x.family = y.family = _ROUTE_FAMILY_INVALID;
                CHECK(!route_address_equal(&x, &y));
                CHECK_EQ_STR(route_address_to_string(&x, buf), "(invalid)");
        }

        /* IPv6 text must match the C library, RFC 5952 corner cases first. */
        {
                static const uint8_t cases[][16] = {
                        {0},
                        {[15] = 1},
                        {[0] = 0x20, [1] = 0x01, [2] = 0x0d, [3] = 0xb8, [15] = 1},
                        {[0] = 0x20, [1] = 0x01, [2] = 0x0d, [3] = 0xb8, [5] = 1, [15] = 1}, /* 2001:db8:0:1:... */
                        {[1] = 1},                                                          /* 1:: */
                        {[0] = 0xfe, [1] = 0x80, [8] = 0x12, [9] = 0x34, [15] = 1},
                        {[10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1},
                        {[12] = 1, [13] = 2, [14] = 3, [15] = 4},        /* ::1.2.3.4 */
                        {[10] = 0xff, [11] = 0xff},                      /* ::ffff:0.0.0.0 */
                        {[1] = 1, [5] = 1, [9] = 1, [13] = 1},           /* 1:0:1:0:1:0:1:0 */
                        {[1] = 1, [11] = 1},                             /* 1:0:0:0:0:1:0:0 → 1::1:0:0 */
                        {[1] = 1, [7] = 1},                              /* 1:0:0:1:: with two runs of 2 and 4 */
                        {[3] = 1, [7] = 1, [13] = 1},                    /* 0:1:0:1:0:0:1:0 */
                        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                };
                for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                        check_ntop(cases[i]);
        }
        for (int i = 0; i < 20000; i++) {
                uint8_t b[16];
                /* Mostly zero groups, so every run layout shows up. */
                for (int w = 0; w < 8; w++) {
                        uint32_t k = rnd() % 4, v = k == 0 ? rnd() : k == 1 ? 1 : k == 2 ? 0xffff : 0;
                        if (k == 3 || rnd() % 2)
                                v = 0;
                        b[2 * w] = (uint8_t) (v >> 8);
                        b[2 * w + 1] = (uint8_t) v;
                }
                check_ntop(b);
        }
}

static const Route lookup_v4 = {
        .type = ROUTE_TYPE_UNICAST,
        .dst = { ROUTE_FAMILY_IPV4, {203, 0, 113, 7} },
        .prefixlen = 32,
        .has_gateway = true,
        .gateway = { ROUTE_FAMILY_IPV4, {198, 51, 100, 1} },
        .ifindex = 2,
        .table = 254,
};

static void test_plan_relay_hostile(void) {
        RouteAddress relay = v4(203, 0, 113, 7), bad = relay;
        Route pin, lookup = lookup_v4, existing = lookup_v4;

        CHECK_EQ_INT(route_plan_relay_pin(NULL, &lookup, NULL, 0, 0, 254, 0, &pin), -EINVAL);
        CHECK_EQ_INT(route_plan_relay_pin(&relay, NULL, NULL, 0, 0, 254, 0, &pin), -EINVAL);
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 254, 0, NULL), -EINVAL);
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 1, 0, 254, 0, &pin), -EINVAL);
        bad.family = _ROUTE_FAMILY_INVALID;
        CHECK_EQ_INT(route_plan_relay_pin(&bad, &lookup, NULL, 0, 0, 254, 0, &pin), -EINVAL);
        bad.family = (RouteFamily) 7;
        CHECK_EQ_INT(route_plan_relay_pin(&bad, &lookup, NULL, 0, 0, 254, 0, &pin), -EINVAL);

        lookup.type = ROUTE_TYPE_UNREACHABLE;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 254, 0, &pin), -ENETUNREACH);
        lookup.type = ROUTE_TYPE_OTHER;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 254, 0, &pin), -ENETUNREACH);
        lookup.type = (RouteType) 42;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 254, 0, &pin), -EINVAL);

        lookup = lookup_v4;
        lookup.multipath = true;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 254, 0, &pin), -ENETUNREACH);
        lookup = lookup_v4;
        lookup.ifindex = 0;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 254, 0, &pin), -ENETUNREACH);

        /* IPv4 via an IPv6 next hop. */
        lookup = lookup_v4;
        lookup.gateway = v6_last(1);
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 254, 0, &pin), -EAFNOSUPPORT);

        /* Already through the TAP: pinning would pin the loop. Even an
         * identical existing route does not make that acceptable. */
        lookup = lookup_v4;
        existing.ifindex = 9;
        lookup.ifindex = 9;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, &existing, 1, 9, 254, 0, &pin), -ELOOP);
        /* tap_ifindex 0 means "no TAP yet", not "interface 0". */
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 254, 0, &pin), ROUTE_PLAN_ADD);
}

static void test_plan_relay(void) {
        RouteAddress relay = v4(203, 0, 113, 7);
        Route pin, lookup = lookup_v4;

        /* Fresh: a host route along the looked-up path, in our table and metric. */
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 254, 0, &pin), ROUTE_PLAN_ADD);
        CHECK_EQ_INT(pin.type, ROUTE_TYPE_UNICAST);
        CHECK(route_address_equal(&pin.dst, &relay));
        CHECK_EQ_INT(pin.prefixlen, 32);
        CHECK(pin.has_gateway);
        CHECK(route_address_equal(&pin.gateway, &lookup.gateway));
        CHECK_EQ_INT(pin.ifindex, 2);
        CHECK_EQ_INT(pin.table, 254);
        CHECK_EQ_INT(pin.metric, 0);

        /* The TAP exists and the relay does not go through it. */
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 7, 100, 5, &pin), ROUTE_PLAN_ADD);
        CHECK_EQ_INT(pin.table, 100);
        CHECK_EQ_INT(pin.metric, 5);

        /* On-link relay: pinned without a gateway. */
        lookup.has_gateway = false;
        lookup.gateway = (RouteAddress) {};
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 254, 0, &pin), ROUTE_PLAN_ADD);
        CHECK(!pin.has_gateway);
        CHECK_EQ_INT(pin.ifindex, 2);

        /* IPv6: /128. */
        {
                RouteAddress r6 = v6_last(7);
                Route l6 = {
                        .type = ROUTE_TYPE_UNICAST,
                        .dst = r6,
                        .prefixlen = 128,
                        .has_gateway = true,
                        .gateway = { ROUTE_FAMILY_IPV6, {0xfe, 0x80, [15] = 1} },
                        .ifindex = 3,
                };
                CHECK_EQ_INT(route_plan_relay_pin(&r6, &l6, NULL, 0, 0, 254, 1024, &pin), ROUTE_PLAN_ADD);
                CHECK_EQ_INT(pin.prefixlen, 128);
                CHECK(route_address_equal(&pin.gateway, &l6.gateway));
                CHECK_EQ_INT(pin.metric, 1024);
        }

        /* The relay is this host: the local table wins anyway. */
        lookup = lookup_v4;
        lookup.type = ROUTE_TYPE_LOCAL;
        lookup.has_gateway = false;
        lookup.ifindex = 1;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 5, 254, 0, &pin), ROUTE_PLAN_NONE);
}

static void test_plan_relay_existing(void) {
        RouteAddress relay = v4(203, 0, 113, 7);
        Route pin, lookup = lookup_v4, ex[4];

        /* Identical next hop (any metric, any protocol): reuse, leave alone. */
        ex[0] = lookup_v4;
        ex[0].metric = 50;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, ex, 1, 0, 254, 0, &pin), ROUTE_PLAN_REUSE);
        CHECK_EQ_INT(pin.metric, 50);

        /* Same prefix in another table, or a wider prefix: not ours to care about. */
        ex[0] = lookup_v4;
        ex[0].table = 100;
        ex[1] = lookup_v4;
        ex[1].prefixlen = 24;
        ex[1].ifindex = 4;
        ex[2] = lookup_v4;
        ex[2].dst = v4(203, 0, 113, 8);
        ex[2].ifindex = 4;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, ex, 3, 0, 254, 0, &pin), ROUTE_PLAN_ADD);
        CHECK_EQ_INT(pin.table, 254);

        /* Someone's own host route with another next hop: theirs. */
        ex[0] = lookup_v4;
        ex[0].gateway = v4(198, 51, 100, 254);
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, ex, 1, 0, 254, 0, &pin), ROUTE_PLAN_CONFLICT);
        CHECK(route_address_equal(&pin.gateway, &ex[0].gateway));
        ex[0] = lookup_v4;
        ex[0].has_gateway = false;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, ex, 1, 0, 254, 0, &pin), ROUTE_PLAN_CONFLICT);
        ex[0] = lookup_v4;
        ex[0].type = ROUTE_TYPE_UNREACHABLE;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, ex, 1, 0, 254, 0, &pin), ROUTE_PLAN_CONFLICT);
        ex[0] = lookup_v4;
        ex[0].multipath = true;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, ex, 1, 0, 254, 0, &pin), ROUTE_PLAN_CONFLICT);

        /* A conflicting one listed first does not hide an identical one. */
        ex[0] = lookup_v4;
        ex[0].ifindex = 8;
        ex[1] = lookup_v4;
        ex[1].metric = 7;
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, ex, 2, 0, 254, 0, &pin), ROUTE_PLAN_REUSE);
        CHECK_EQ_INT(pin.metric, 7);
}

static void test_plan_steer(void) {
        Route r, ex[3];
        const RouteAddress bcast = v4(255, 255, 255, 255), mcast = v4(224, 0, 0, 0);

        CHECK_EQ_INT(route_plan_steer(0, &bcast, 32, NULL, 0, 254, 0, &r), -EINVAL);
        CHECK_EQ_INT(route_plan_steer(5, &bcast, 32, NULL, 0, 254, 0, NULL), -EINVAL);
        CHECK_EQ_INT(route_plan_steer(5, &bcast, 32, NULL, 2, 254, 0, &r), -EINVAL);

        CHECK_EQ_INT(route_plan_steer(5, &bcast, 32, NULL, 0, 254, 0, &r), ROUTE_PLAN_ADD);
        CHECK(route_address_equal(&r.dst, &bcast));
        CHECK_EQ_INT(r.prefixlen, 32);
        CHECK(!r.has_gateway);
        CHECK_EQ_INT(r.ifindex, 5);
        CHECK_EQ_INT(r.table, 254);
        CHECK_EQ_INT(r.type, ROUTE_TYPE_UNICAST);

        ex[0] = r;
        ex[0].metric = 3;
        CHECK_EQ_INT(route_plan_steer(5, &bcast, 32, ex, 1, 254, 0, &r), ROUTE_PLAN_REUSE);
        CHECK_EQ_INT(r.metric, 3);

        /* On another interface: someone wants broadcasts there. */
        ex[0].ifindex = 2;
        CHECK_EQ_INT(route_plan_steer(5, &bcast, 32, ex, 1, 254, 0, &r), ROUTE_PLAN_CONFLICT);
        CHECK_EQ_INT(r.ifindex, 2);
        /* On the TAP but via a gateway is not what we would add either. */
        ex[0].ifindex = 5;
        ex[0].has_gateway = true;
        ex[0].gateway = v4(192, 0, 2, 1);
        CHECK_EQ_INT(route_plan_steer(5, &bcast, 32, ex, 1, 254, 0, &r), ROUTE_PLAN_CONFLICT);

        /* Other tables, other prefixes and a stray IPv6 entry are ignored. */
        CHECK_EQ_INT(route_plan_steer(5, &bcast, 32, NULL, 0, 254, 0, &ex[0]), ROUTE_PLAN_ADD);
        ex[0].table = 100;
        ex[0].ifindex = 2;
        CHECK_EQ_INT(route_plan_steer(5, &bcast, 32, NULL, 0, 254, 0, &ex[1]), ROUTE_PLAN_ADD);
        ex[1].prefixlen = 31;
        ex[1].ifindex = 2;
        ex[2] = ex[1];
        ex[2].prefixlen = 32;
        ex[2].dst.family = ROUTE_FAMILY_IPV6;
        memset(ex[2].dst.bytes, 0xff, 16);
        CHECK_EQ_INT(route_plan_steer(5, &bcast, 32, ex, 3, 254, 0, &r), ROUTE_PLAN_ADD);

        /* 224.0.0.0/4: the same decisions; 255.255.255.255/32 on another
         * interface is no conflict for it, and IPv6 or a prefix longer than
         * 32 is refused. */
        ex[0] = r;
        ex[0].ifindex = 2;
        CHECK_EQ_INT(route_plan_steer(5, &mcast, 4, ex, 1, 254, 0, &r), ROUTE_PLAN_ADD);
        CHECK(route_address_equal(&r.dst, &mcast));
        CHECK_EQ_INT(r.prefixlen, 4);
        CHECK_EQ_INT(r.ifindex, 5);
        ex[1] = r;
        ex[1].ifindex = 2;
        CHECK_EQ_INT(route_plan_steer(5, &mcast, 4, ex, 2, 254, 0, &r), ROUTE_PLAN_CONFLICT);
        CHECK_EQ_INT(r.ifindex, 2);
        CHECK_EQ_INT(route_plan_steer(5, &ex[2].dst, 32, NULL, 0, 254, 0, &r), -EINVAL);
        CHECK_EQ_INT(route_plan_steer(5, &mcast, 33, NULL, 0, 254, 0, &r), -EINVAL);
        CHECK_EQ_INT(route_plan_steer(5, NULL, 4, NULL, 0, 254, 0, &r), -EINVAL);
}

static void test_check_decide(void) {
        Route expected = lookup_v4, now = lookup_v4;

        CHECK_EQ_INT(route_check_decide(NULL, true, &now, 9), _ROUTE_CHECK_INVALID);

        CHECK_EQ_INT(route_check_decide(&expected, true, &now, 9), ROUTE_CHECK_OK);
        CHECK_EQ_INT(route_check_decide(&expected, true, &now, 0), ROUTE_CHECK_OK);
        CHECK_EQ_INT(route_check_decide(&expected, true, NULL, 9), ROUTE_CHECK_UNREACHABLE);
        now.type = ROUTE_TYPE_UNREACHABLE;
        CHECK_EQ_INT(route_check_decide(&expected, true, &now, 9), ROUTE_CHECK_UNREACHABLE);
        now.type = ROUTE_TYPE_OTHER;
        CHECK_EQ_INT(route_check_decide(&expected, true, &now, 9), ROUTE_CHECK_UNREACHABLE);

        /* Into the TAP: reported as such whether or not the pin survived. */
        now = lookup_v4;
        now.ifindex = 9;
        now.gateway = v4(192, 0, 2, 1);
        CHECK_EQ_INT(route_check_decide(&expected, true, &now, 9), ROUTE_CHECK_VIA_TAP);
        CHECK_EQ_INT(route_check_decide(&expected, false, &now, 9), ROUTE_CHECK_VIA_TAP);
        /* Without a known TAP it is merely different. */
        CHECK_EQ_INT(route_check_decide(&expected, true, &now, 0), ROUTE_CHECK_CHANGED);

        now = lookup_v4;
        CHECK_EQ_INT(route_check_decide(&expected, false, &now, 9), ROUTE_CHECK_PIN_MISSING);
        now.gateway = v4(198, 51, 100, 254);
        CHECK_EQ_INT(route_check_decide(&expected, false, &now, 9), ROUTE_CHECK_PIN_MISSING);
        CHECK_EQ_INT(route_check_decide(&expected, true, &now, 9), ROUTE_CHECK_CHANGED);

        /* A local relay stays local. */
        expected.type = now.type = ROUTE_TYPE_LOCAL;
        expected.has_gateway = now.has_gateway = false;
        expected.ifindex = now.ifindex = 1;
        CHECK_EQ_INT(route_check_decide(&expected, true, &now, 9), ROUTE_CHECK_OK);
        now.type = ROUTE_TYPE_UNICAST;
        CHECK_EQ_INT(route_check_decide(&expected, true, &now, 9), ROUTE_CHECK_CHANGED);
}

static void test_same_next_hop(void) {
        Route a = lookup_v4, b = lookup_v4;

        CHECK(route_same_next_hop(&a, &b));
        b.metric = 9;
        b.table = 1;
        b.dst = v4(1, 1, 1, 1);
        CHECK(route_same_next_hop(&a, &b)); /* only the way out counts */
        b = a;
        b.multipath = true;
        CHECK(!route_same_next_hop(&a, &b));
        CHECK(!route_same_next_hop(&b, &b));
        b = a;
        b.has_gateway = false;
        CHECK(!route_same_next_hop(&a, &b));
        b = a;
        b.gateway.bytes[3]++;
        CHECK(!route_same_next_hop(&a, &b));
        b = a;
        b.type = ROUTE_TYPE_LOCAL;
        CHECK(!route_same_next_hop(&a, &b));
        /* Without a gateway, leftover gateway bytes do not matter. */
        a.has_gateway = b.has_gateway = false;
        b.type = a.type;
        b.gateway.bytes[0] = 1;
        CHECK(route_same_next_hop(&a, &b));
}

static void test_to_string(void) {
        for (int i = 0; i < _ROUTE_FAMILY_MAX; i++)
                CHECK(route_family_to_string(i));
        for (int i = 0; i < _ROUTE_TYPE_MAX; i++)
                CHECK(route_type_to_string(i));
        for (int i = 0; i < _ROUTE_PLAN_MAX; i++)
                CHECK(route_plan_to_string(i));
        for (int i = 0; i < _ROUTE_CHECK_MAX; i++)
                CHECK(route_check_to_string(i));
        CHECK(!route_family_to_string(_ROUTE_FAMILY_MAX));
        CHECK(!route_type_to_string(_ROUTE_TYPE_INVALID));
        CHECK(!route_plan_to_string(_ROUTE_PLAN_MAX));
        CHECK(!route_check_to_string(_ROUTE_CHECK_INVALID));
        CHECK_EQ_STR(route_check_to_string(ROUTE_CHECK_VIA_TAP), "via-tap");
}

/* The exact texts both platforms' logs carry. */
static void test_describe(void) {
        char buf[ROUTE_DESCRIPTION_MAX];
        Route r = {
                .type = ROUTE_TYPE_UNICAST,
                .dst = v4(203, 0, 113, 7),
                .prefixlen = 32,
                .has_gateway = true,
                .gateway = v4(198, 51, 100, 1),
                .ifindex = 5,
                .metric = 0,
        };

        CHECK_EQ_STR(route_describe(&r, "dev eth0", buf), "203.0.113.7/32 via 198.51.100.1 dev eth0 metric 0");
        r.has_gateway = false;
        r.metric = 25;
        CHECK_EQ_STR(route_describe(&r, "if 5", buf), "203.0.113.7/32 if 5 metric 25");
        r.dst = v6_last(7);
        r.prefixlen = 128;
        r.has_gateway = true;
        r.gateway = v6_last(1);
        r.metric = 1024;
        CHECK_EQ_STR(route_describe(&r, "dev #9", buf), "2001:db8::7/128 via 2001:db8::1 dev #9 metric 1024");
        r.multipath = true;
        CHECK_EQ_STR(route_describe(&r, "dev eth0", buf), "2001:db8::7/128 (multipath)");
}

static void test_instance_is_valid(void) {
        char longest[ROUTE_INSTANCE_MAX + 2];

        CHECK(!route_instance_is_valid(NULL));
        CHECK(!route_instance_is_valid(""));
        CHECK(!route_instance_is_valid("."));
        CHECK(!route_instance_is_valid(".hidden"));
        CHECK(!route_instance_is_valid("../evil"));
        CHECK(!route_instance_is_valid("a/b"));
        CHECK(!route_instance_is_valid("a\\b"));
        CHECK(!route_instance_is_valid("a b"));
        CHECK(!route_instance_is_valid("tap:0"));
        CHECK(route_instance_is_valid("lanparty0"));
        CHECK(route_instance_is_valid("Lan_Party-0.1%2"));

        memset(longest, 'x', ROUTE_INSTANCE_MAX);
        longest[ROUTE_INSTANCE_MAX] = '\0';
        CHECK(route_instance_is_valid(longest));
        longest[ROUTE_INSTANCE_MAX] = 'x';
        longest[ROUTE_INSTANCE_MAX + 1] = '\0';
        CHECK(!route_instance_is_valid(longest));
}

static void test_text_tokens(void) {
        RouteToken t[3];
        uint8_t b[4];
        uint32_t u;
        size_t n;

        CHECK_EQ_INT(route_text_split("a bc d", 6, t, ELEMENTSOF(t), &n), 0);
        CHECK_EQ_INT(n, 3);
        CHECK(route_token_is(&t[1], "bc"));
        CHECK(!route_token_is(&t[1], "b"));
        CHECK(!route_token_is(&t[1], "bcd"));
        CHECK_EQ_INT(route_text_split("a b c d", 7, t, ELEMENTSOF(t), &n), -EBADMSG);
        CHECK_EQ_INT(route_text_split("a  b", 4, t, ELEMENTSOF(t), &n), -EBADMSG);
        CHECK_EQ_INT(route_text_split(" a", 2, t, ELEMENTSOF(t), &n), -EBADMSG);
        CHECK_EQ_INT(route_text_split("a ", 2, t, ELEMENTSOF(t), &n), -EBADMSG);
        CHECK_EQ_INT(route_text_split("", 0, t, ELEMENTSOF(t), &n), -EBADMSG);

        CHECK_EQ_INT(route_text_parse_u32("0", 1, &u), 0);
        CHECK_EQ_INT(u, 0);
        CHECK_EQ_INT(route_text_parse_u32("4294967295", 10, &u), 0);
        CHECK_EQ_INT(u, UINT32_MAX);
        CHECK_EQ_INT(route_text_parse_u32("4294967296", 10, &u), -EBADMSG);
        CHECK_EQ_INT(route_text_parse_u32("01", 2, &u), -EBADMSG);
        CHECK_EQ_INT(route_text_parse_u32("-1", 2, &u), -EBADMSG);
        CHECK_EQ_INT(route_text_parse_u32("+1", 2, &u), -EBADMSG);
        CHECK_EQ_INT(route_text_parse_u32("", 0, &u), -EBADMSG);
        CHECK_EQ_INT(route_text_parse_u32("12", 1, &u), 0); /* only n characters count */
        CHECK_EQ_INT(u, 1);

        CHECK_EQ_INT(route_text_parse_hex("c0a8ff01", 8, b, 4), 0);
        CHECK_MEM(b, ((const uint8_t[]) {0xc0, 0xa8, 0xff, 0x01}), 4);
        CHECK_EQ_INT(route_text_parse_hex("C0a8ff01", 8, b, 4), -EBADMSG);
        CHECK_EQ_INT(route_text_parse_hex("c0a8ff0", 7, b, 4), -EBADMSG);
        CHECK_EQ_INT(route_text_parse_hex("c0a8ff0g", 8, b, 4), -EBADMSG);
}

/* A format of letters, one a line, to test the line file machinery
 * apart from routes. */
typedef struct Letters {
        char c[3];
        size_t n;
} Letters;

static int letters_parse(const char *line, size_t len, void *records) {
        Letters *l = records;

        if (len != 1 || line[0] == '!')
                return -EBADMSG;
        if (line[0] == '?')
                return -ENOTUNIQ; /* passed through unchanged */
        if (l->n >= ELEMENTSOF(l->c))
                return -E2BIG;
        l->c[l->n++] = line[0];
        return 0;
}

static int letters_format(const void *records, size_t i, char *buf, size_t size) {
        const Letters *l = records;

        if (l->c[i] == '!')
                return -EINVAL;
        return snprintf(buf, size, "%c\n", l->c[i]);
}

static const RouteTextFormat letters_text = {
        .magic = "letters",
        .version = 2,
        .max = 24,
        .parse_line = letters_parse,
        .format_line = letters_format,
};

static int letters_parse_str(const char *s, Letters *ret) {
        Letters scratch = {};

        return route_text_parse(s, strlen(s), &letters_text, &scratch, ret, sizeof(*ret));
}

static void test_text_parse_format(void) {
        static const char *const bad[] = {
                "", "letters 2", "letters 2\na", "letters\n", "letters \n", "letters 02\n", "letters 2 \n",
                "letters x\n", "lettersx 2\n", "a\nletters 2\n", "letters 2\n\n", "letters 2\n!\n",
                "letters 2\nab\n",
                "letters 2\na\na\na\na\na\na\na\na\n", /* over max, before E2BIG */
        };
        Letters l = { .c = {'z'}, .n = 9 }, scratch = {};
        char buf[32];

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                fprintf(stderr, "  bad[%zu]\n", i);
                CHECK_EQ_INT(letters_parse_str(bad[i], &l), -EBADMSG);
        }
        /* A failed parse leaves *ret alone. */
        CHECK_EQ_INT(l.n, 9);
        CHECK_EQ_INT(l.c[0], 'z');

        CHECK_EQ_INT(letters_parse_str("letters 1\n", &l), -EPROTONOSUPPORT);
        CHECK_EQ_INT(letters_parse_str("letters 4294967295\n", &l), -EPROTONOSUPPORT);
        CHECK_EQ_INT(letters_parse_str("letters 2\n?\n", &l), -ENOTUNIQ);
        CHECK_EQ_INT(letters_parse_str("letters 2\na\nb\nc\nd\n", &l), -E2BIG);
        CHECK_EQ_INT(l.n, 9);
        CHECK_EQ_INT(route_text_parse(NULL, 0, &letters_text, &scratch, &l, sizeof(l)), -EINVAL);
        CHECK_EQ_INT(route_text_parse("", 0, &letters_text, &scratch, NULL, sizeof(l)), -EINVAL);

        CHECK_EQ_INT(letters_parse_str("letters 2\n", &l), 0);
        CHECK_EQ_INT(l.n, 0);
        CHECK_EQ_INT(letters_parse_str("letters 2\na\nb\n", &l), 0);
        CHECK_EQ_INT(l.n, 2);
        CHECK_EQ_INT(l.c[0], 'a');
        CHECK_EQ_INT(l.c[1], 'b');

        CHECK_EQ_INT(route_text_format(&letters_text, &l, l.n, buf, sizeof(buf)), 14);
        CHECK_EQ_STR(buf, "letters 2\na\nb\n");
        /* Exactly full, and one byte short at the header and at a line. */
        CHECK_EQ_INT(route_text_format(&letters_text, &l, l.n, buf, 15), 14);
        CHECK_EQ_INT(route_text_format(&letters_text, &l, l.n, buf, 14), -ENOBUFS);
        CHECK_EQ_INT(route_text_format(&letters_text, &l, l.n, buf, 10), -ENOBUFS);
        CHECK_EQ_INT(route_text_format(&letters_text, &l, 0, buf, 11), 10);
        CHECK_EQ_STR(buf, "letters 2\n");
        l.c[1] = '!';
        CHECK_EQ_INT(route_text_format(&letters_text, &l, l.n, buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(route_text_format(&letters_text, &l, 1, buf, sizeof(buf)), 12);
        CHECK_EQ_INT(route_text_format(NULL, &l, 1, buf, sizeof(buf)), -EINVAL);
}

int main(void) {
        RUN(test_state_parse_hostile);
        RUN(test_state_parse_valid);
        RUN(test_state_roundtrip);
        RUN(test_state_format_bounds);
        RUN(test_state_add_remove);
        RUN(test_address);
        RUN(test_plan_relay_hostile);
        RUN(test_plan_relay);
        RUN(test_plan_relay_existing);
        RUN(test_plan_steer);
        RUN(test_check_decide);
        RUN(test_same_next_hop);
        RUN(test_to_string);
        RUN(test_describe);
        RUN(test_instance_is_valid);
        RUN(test_text_tokens);
        RUN(test_text_parse_format);
        return 0;
}
