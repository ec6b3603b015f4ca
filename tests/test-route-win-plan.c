/* SPDX-License-Identifier: MIT */
/* route-win.c's pure decisions and its interface state file. Runs on
 * Linux and, cross-built, under wine. Hostile inputs first. */
#include <errno.h>
#include <string.h>

#include "route-win-plan.h"
#include "test-util.h"

#define LUID_TAP UINT64_C(0x0006000000000007)

static int parse_str(const char *s, RouteWinIfaceState *ret) {
        return route_win_iface_state_parse(s, strlen(s), ret);
}

static void test_state_parse_hostile(void) {
        char big[ROUTE_WIN_IFACE_STATE_TEXT_MAX + 64];
        RouteWinIfaceState s;

        CHECK_EQ_INT(route_win_iface_state_parse(NULL, 0, &s), -EINVAL);
        CHECK_EQ_INT(route_win_iface_state_parse("", 0, NULL), -EINVAL);
        /* Empty, header only cut short, header without its newline. */
        CHECK_EQ_INT(parse_str("", &s), -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces", &s), -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1", &s), -EBADMSG);
        /* The routes file is not this file. */
        CHECK_EQ_INT(parse_str("lanparty-client-routes 1\n", &s), -EBADMSG);
        /* Another version: not damage, but nothing to undo either. */
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 2\n", &s), -EPROTONOSUPPORT);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 01\n", &s), -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces x\n", &s), -EBADMSG);
        /* A record cut anywhere, or its last newline missing. */
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 0", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007\n", &s), -EBADMSG);
        /* Fields out of shape. */
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 5 0006000000000007 auto 25 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 000600000000007 auto 25 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 00060000000000070 auto 25 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 000600000000000A auto 25 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0000000000000000 auto 25 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 manual 25 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto -1 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 025 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 4294967296 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 2\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 dr 0\n", &s),
                     -EBADMSG);
        /* The MTU: both tokens or none, a plain positive number. */
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 0 mtu\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 0 mtu 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 0 mtu 01500\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 0 mtx 1500\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 0 mtu -1\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(
                parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 0 mtu 1500 x\n", &s),
                -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 0 mtu 1500\n", &s),
                     0);
        CHECK(s.n_ifaces == 1 && s.ifaces[0].mtu == 1500);
        /* A record written before MTUs were recorded still parses. */
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 0\n", &s), 0);
        CHECK(s.n_ifaces == 1 && s.ifaces[0].mtu == 0 && s.ifaces[0].metric == 25);
        /* Spacing: doubled, leading, trailing, CRLF. */
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface  4 0006000000000007 auto 25 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\n iface 4 0006000000000007 auto 25 ddr 0\n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 25 ddr 0 \n", &s),
                     -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\r\n", &s), -EBADMSG);
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\n\n", &s), -EBADMSG);
        /* An embedded NUL. */
        CHECK_EQ_INT(route_win_iface_state_parse("lanparty-client-interfaces 1\niface 4 0006000000000007 auto 2\0 ddr 0\n",
                                                 63, &s),
                     -EBADMSG);
        /* The same interface twice. */
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\n"
                               "iface 4 0006000000000007 auto 25 ddr 0\n"
                               "iface 4 0006000000000007 fixed 5 ddr 1\n",
                               &s),
                     -EBADMSG);
        /* More records than can be tracked. */
        CHECK_EQ_INT(parse_str("lanparty-client-interfaces 1\n"
                               "iface 4 0000000000000001 auto 1 ddr 0\n"
                               "iface 4 0000000000000002 auto 1 ddr 0\n"
                               "iface 4 0000000000000003 auto 1 ddr 0\n"
                               "iface 4 0000000000000004 auto 1 ddr 0\n"
                               "iface 4 0000000000000005 auto 1 ddr 0\n",
                               &s),
                     -E2BIG);
        /* Longer than any file we write, even when well-formed inside. */
        memset(big, 'x', sizeof(big));
        CHECK_EQ_INT(route_win_iface_state_parse(big, sizeof(big), &s), -EBADMSG);
}

static void test_state_roundtrip(void) {
        RouteWinIfaceState s = {}, back;
        char text[ROUTE_WIN_IFACE_STATE_TEXT_MAX];
        const RouteWinInterface v4 = { .family = ROUTE_FAMILY_IPV4, .luid = LUID_TAP, .automatic_metric = true,
                                       .metric = 25, .mtu = 1500 };
        const RouteWinInterface v6 = { .family = ROUTE_FAMILY_IPV6, .luid = UINT64_MAX, .metric = UINT32_MAX,
                                       .disable_default_routes = true };
        RouteWinInterface changed = v4;
        int n;

        n = route_win_iface_state_format(&s, text, sizeof(text));
        CHECK_EQ_INT(n, (int) strlen("lanparty-client-interfaces 1\n"));
        CHECK_EQ_INT(route_win_iface_state_parse(text, (size_t) n, &back), 0);
        CHECK_EQ_INT(back.n_ifaces, 0);

        CHECK_EQ_INT(route_win_iface_state_add(&s, &v4), 1);
        /* The first record holds the original values; later ones are ours. */
        changed.metric = 5;
        CHECK_EQ_INT(route_win_iface_state_add(&s, &changed), 0);
        CHECK_EQ_INT(route_win_iface_state_add(&s, &v6), 1);
        CHECK_EQ_INT(s.n_ifaces, 2);

        n = route_win_iface_state_format(&s, text, sizeof(text));
        CHECK(n > 0);
        CHECK_EQ_STR(text, "lanparty-client-interfaces 1\n"
                           "iface 4 0006000000000007 auto 25 ddr 0 mtu 1500\n"
                           "iface 6 ffffffffffffffff fixed 4294967295 ddr 1\n");
        CHECK_EQ_INT(route_win_iface_state_parse(text, (size_t) n, &back), 0);
        CHECK_EQ_INT(back.n_ifaces, 2);
        CHECK(back.ifaces[0].family == ROUTE_FAMILY_IPV4 && back.ifaces[0].luid == LUID_TAP &&
              back.ifaces[0].automatic_metric && back.ifaces[0].metric == 25 && !back.ifaces[0].disable_default_routes &&
              back.ifaces[0].mtu == 1500);
        CHECK(back.ifaces[1].family == ROUTE_FAMILY_IPV6 && back.ifaces[1].luid == UINT64_MAX &&
              !back.ifaces[1].automatic_metric && back.ifaces[1].metric == UINT32_MAX &&
              back.ifaces[1].disable_default_routes && back.ifaces[1].mtu == 0);

        /* A cut inside a line is refused; one at a line end is a shorter
         * file and says so by its count. */
        for (int cut = 0; cut < n; cut++) {
                if (cut > 0 && text[cut - 1] == '\n') {
                        CHECK_EQ_INT(route_win_iface_state_parse(text, (size_t) cut, &back), 0);
                        CHECK(back.n_ifaces < 2);
                } else
                        CHECK_EQ_INT(route_win_iface_state_parse(text, (size_t) cut, &back), -EBADMSG);
        }
        /* Too small a buffer, at every size. */
        for (int size = 0; size <= n; size++)
                CHECK_EQ_INT(route_win_iface_state_format(&s, text, (size_t) size), -ENOBUFS);

        CHECK_EQ_INT(route_win_iface_state_remove(&s, ROUTE_FAMILY_IPV6, LUID_TAP), 0);
        CHECK_EQ_INT(route_win_iface_state_remove(&s, ROUTE_FAMILY_IPV4, LUID_TAP), 1);
        CHECK_EQ_INT(s.n_ifaces, 1);
        CHECK(s.ifaces[0].family == ROUTE_FAMILY_IPV6);

        for (uint64_t l = 1; s.n_ifaces < ROUTE_WIN_IFACE_STATE_MAX; l++) {
                RouteWinInterface i = v4;

                i.luid = l;
                CHECK_EQ_INT(route_win_iface_state_add(&s, &i), 1);
        }
        CHECK_EQ_INT(route_win_iface_state_add(&s, &(RouteWinInterface) { .family = ROUTE_FAMILY_IPV4, .luid = 99 }),
                     -ENOSPC);
        /* Records that the parser would refuse are not written either. */
        s.ifaces[0].luid = 0;
        CHECK_EQ_INT(route_win_iface_state_format(&s, text, sizeof(text)), -EINVAL);
        s.ifaces[0].luid = 1;
        s.ifaces[0].family = _ROUTE_FAMILY_INVALID;
        CHECK_EQ_INT(route_win_iface_state_format(&s, text, sizeof(text)), -EINVAL);
        CHECK_EQ_INT(route_win_iface_state_add(&s, &(RouteWinInterface) { .family = _ROUTE_FAMILY_INVALID }), -EINVAL);
}

static void test_plan_tap_interface(void) {
        RouteWinInterface tap = { .family = ROUTE_FAMILY_IPV4, .luid = LUID_TAP, .automatic_metric = true,
                                  .metric = 35 };
        RouteWinInterface want;
        bool contested = true;
        uint32_t others[3] = { 25, 50, 75 };

        CHECK_EQ_INT(route_win_plan_tap_interface(NULL, others, 3, false, &want, &contested), -EINVAL);
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, NULL, 3, false, &want, &contested), -EINVAL);
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, NULL, &contested), -EINVAL);
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, &want, NULL), -EINVAL);
        CHECK_EQ_INT(route_win_plan_tap_interface(&(RouteWinInterface) { .family = _ROUTE_FAMILY_INVALID }, others, 3,
                                                  false, &want, &contested),
                     -EINVAL);

        /* The common case: an automatic metric becomes a fixed low one. */
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, &want, &contested), 1);
        CHECK(!want.automatic_metric && want.metric == ROUTE_WIN_TAP_METRIC && want.disable_default_routes);
        CHECK(want.luid == LUID_TAP && want.family == ROUTE_FAMILY_IPV4);
        CHECK(!contested);
        /* No other interface at all. */
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, NULL, 0, false, &want, &contested), 1);
        CHECK_EQ_INT(want.metric, ROUTE_WIN_TAP_METRIC);

        /* Already as wanted: nothing to do. */
        tap = want;
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, &want, &contested), 0);

        /* Only the default routes to switch off. */
        tap.disable_default_routes = false;
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, &want, &contested), 1);
        CHECK(want.disable_default_routes && want.metric == ROUTE_WIN_TAP_METRIC);
        /* ... unless the player keeps the party's gateway
         * (--accept-party-gateway): then they stay as they are. */
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, true, &want, &contested), 0);
        CHECK(!want.disable_default_routes && want.metric == ROUTE_WIN_TAP_METRIC);
        tap.disable_default_routes = true;
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, true, &want, &contested), 0);
        CHECK(want.disable_default_routes);
        tap.disable_default_routes = false;

        /* Someone set it lower by hand: keep it. */
        tap = (RouteWinInterface) { .family = ROUTE_FAMILY_IPV6, .luid = LUID_TAP, .metric = 2 };
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, &want, &contested), 1);
        CHECK_EQ_INT(want.metric, 2);
        /* A fixed 0 means nothing to Windows; not "lower". */
        tap.metric = 0;
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, &want, &contested), 1);
        CHECK_EQ_INT(want.metric, ROUTE_WIN_TAP_METRIC);

        /* Another interface at or below 5: go just below it. */
        tap = (RouteWinInterface) { .family = ROUTE_FAMILY_IPV4, .luid = LUID_TAP, .automatic_metric = true,
                                    .metric = 5 };
        others[0] = 5;
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, &want, &contested), 1);
        CHECK_EQ_INT(want.metric, 4);
        CHECK(!contested);
        others[0] = 2;
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, &want, &contested), 1);
        CHECK_EQ_INT(want.metric, 1);
        CHECK(!contested);
        /* Nothing is below 1: a tie, and the caller warns. */
        others[1] = 1;
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, &want, &contested), 1);
        CHECK_EQ_INT(want.metric, 1);
        CHECK(contested);
        others[1] = 0;
        CHECK_EQ_INT(route_win_plan_tap_interface(&tap, others, 3, false, &want, &contested), 1);
        CHECK_EQ_INT(want.metric, 1);
        CHECK(contested);
}

static void test_route_from_row(void) {
        static const uint8_t zero[16], relay4[4] = { 203, 0, 113, 7 }, gw4[4] = { 192, 168, 1, 1 };
        static const uint8_t gw6[16] = { 0xfe, 0x80, [15] = 1 };
        Route r;

        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, relay4, 33, zero, 3, 0, false, &r), -EINVAL);
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV6, zero, 129, zero, 3, 0, false, &r), -EINVAL);
        CHECK_EQ_INT(route_win_route_from_row(_ROUTE_FAMILY_INVALID, zero, 0, zero, 3, 0, false, &r), -EINVAL);
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, NULL, 0, zero, 3, 0, false, &r), -EINVAL);
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, zero, 0, NULL, 3, 0, false, &r), -EINVAL);
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, zero, 0, zero, 3, 0, false, NULL), -EINVAL);

        /* A default route via a gateway: what GetBestRoute2 usually says. */
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, zero, 0, gw4, 12, 25, false, &r), 0);
        CHECK(r.type == ROUTE_TYPE_UNICAST && r.prefixlen == 0 && r.has_gateway && r.ifindex == 12 &&
              r.metric == 25 && r.table == 0 && !r.multipath);
        CHECK_MEM(r.gateway.bytes, gw4, 4);
        CHECK(r.gateway.family == ROUTE_FAMILY_IPV4);

        /* On-link: no gateway. */
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, relay4, 32, zero, 12, 0, false, &r), 0);
        CHECK(!r.has_gateway);
        CHECK_MEM(r.dst.bytes, relay4, 4);

        /* The relay is this host. */
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, relay4, 32, zero, 1, 0, true, &r), 0);
        CHECK(r.type == ROUTE_TYPE_LOCAL);

        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV6, zero, 0, gw6, 9, 256, false, &r), 0);
        CHECK(r.has_gateway && r.gateway.family == ROUTE_FAMILY_IPV6);
        CHECK_MEM(r.gateway.bytes, gw6, 16);
}

/* The Windows rows feed route.c's shared plan exactly as Linux's do. */
static void test_rows_into_shared_plan(void) {
        static const uint8_t zero[16], relay4[4] = { 203, 0, 113, 7 }, gw4[4] = { 192, 168, 1, 1 };
        RouteAddress relay;
        Route lookup, existing[1], pin;

        CHECK_EQ_INT(route_address_from_bytes(relay4, 4, &relay), 0);
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, zero, 0, gw4, 12, 25, false, &lookup), 0);
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 0, 0, &pin), ROUTE_PLAN_ADD);
        CHECK(pin.prefixlen == 32 && pin.has_gateway && pin.ifindex == 12 && pin.table == 0 && pin.metric == 0);

        /* An identical pin already there (someone's, or ours from before). */
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, relay4, 32, gw4, 12, 0, false, &existing[0]), 0);
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, existing, 1, 0, 0, 0, &pin), ROUTE_PLAN_REUSE);

        /* The TAP's default route won the lookup: refuse to pin the loop. */
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, zero, 0, gw4, 40, 5, false, &lookup), 0);
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 40, 0, 0, &pin), -ELOOP);

        /* Local relay. */
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, relay4, 32, zero, 1, 0, true, &lookup), 0);
        CHECK_EQ_INT(route_plan_relay_pin(&relay, &lookup, NULL, 0, 0, 0, 0, &pin), ROUTE_PLAN_NONE);
}

static void test_tap_default(void) {
        static const uint8_t zero[16], gw4[4] = { 10, 0, 0, 1 }, net[4] = { 10, 0, 0, 0 };
        Route r;

        CHECK(!route_win_is_tap_default(NULL, 40));
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, zero, 0, gw4, 40, 0, false, &r), 0);
        CHECK(!route_win_is_tap_default(&r, 0));
        CHECK(!route_win_is_tap_default(&r, 41));
        CHECK(route_win_is_tap_default(&r, 40));
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV6, zero, 0, zero, 40, 0, false, &r), 0);
        CHECK(route_win_is_tap_default(&r, 40));
        /* The party's subnet stays. */
        CHECK_EQ_INT(route_win_route_from_row(ROUTE_FAMILY_IPV4, net, 24, zero, 40, 0, false, &r), 0);
        CHECK(!route_win_is_tap_default(&r, 40));
}

int main(void) {
        RUN(test_state_parse_hostile);
        RUN(test_state_roundtrip);
        RUN(test_plan_tap_interface);
        RUN(test_route_from_row);
        RUN(test_rows_into_shared_plan);
        RUN(test_tap_default);
        return 0;
}
