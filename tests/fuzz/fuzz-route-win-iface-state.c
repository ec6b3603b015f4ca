/* SPDX-License-Identifier: MIT */
/* route_win_iface_state_parse() on arbitrary bytes: the interface settings
 * a crashed Windows client left behind, restored at the next start. The
 * format is canonical, so whatever parses formats back to exactly the
 * input and parses again to the same records; failures use only the
 * documented errors. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/client/route-win-plan.h"
#include "macro.h"
#include "../test-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char text[ROUTE_WIN_IFACE_STATE_TEXT_MAX + 1];
        RouteWinIfaceState s, again;
        int r, n;

        r = route_win_iface_state_parse((const char *) data, size, &s);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -E2BIG || r == -EPROTONOSUPPORT);
                return 0;
        }
        CHECK(s.n_ifaces <= ROUTE_WIN_IFACE_STATE_MAX);

        n = route_win_iface_state_format(&s, text, sizeof(text));
        CHECK(n >= 0);
        CHECK((size_t) n == size && memcmp(text, data, size) == 0);

        CHECK(route_win_iface_state_parse(text, (size_t) n, &again) == 0);
        CHECK(again.n_ifaces == s.n_ifaces);
        for (size_t i = 0; i < s.n_ifaces; i++) {
                const RouteWinInterface *a = &s.ifaces[i], *b = &again.ifaces[i];

                CHECK(a->family == b->family && a->luid == b->luid && a->automatic_metric == b->automatic_metric &&
                           a->metric == b->metric && a->disable_default_routes == b->disable_default_routes);
        }
        return 0;
}
