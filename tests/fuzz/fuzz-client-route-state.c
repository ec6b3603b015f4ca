/* SPDX-License-Identifier: MIT */
/* route_state_parse() on arbitrary bytes: the file a crashed client left
 * in /run. The parser is strict, so the text form is canonical: whatever
 * parses must format back to exactly the input, and parse again to the
 * same routes. Whatever fails must fail with one of the documented
 * errors. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/client/route.h"
#include "macro.h"
#include "../test-util.h"

static bool same_route(const Route *a, const Route *b) {
        return a->type == b->type && route_address_equal(&a->dst, &b->dst) && a->prefixlen == b->prefixlen &&
               a->has_gateway == b->has_gateway &&
               (!a->has_gateway || route_address_equal(&a->gateway, &b->gateway)) && a->ifindex == b->ifindex &&
               a->table == b->table && a->metric == b->metric && !a->multipath && !b->multipath;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char text[ROUTE_STATE_TEXT_MAX];
        RouteState s, again;
        int r, n;

        r = route_state_parse((const char *) data, size, &s);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -E2BIG || r == -EPROTONOSUPPORT);
                return 0;
        }
        CHECK(s.n_routes <= ROUTE_STATE_MAX);

        n = route_state_format(&s, text, sizeof(text));
        CHECK(n > 0);
        CHECK((size_t) n == size);
        CHECK(memcmp(text, data, size) == 0);

        CHECK(route_state_parse(text, (size_t) n, &again) == 0);
        CHECK(again.n_routes == s.n_routes);
        for (size_t i = 0; i < s.n_routes; i++) {
                CHECK(same_route(&s.routes[i], &again.routes[i]));
                CHECK(s.routes[i].ifindex != 0);
                CHECK(s.routes[i].prefixlen <= route_address_size(s.routes[i].dst.family) * 8);
        }
        return 0;
}
