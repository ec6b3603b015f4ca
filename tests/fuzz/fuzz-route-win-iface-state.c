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

#define FUZZ_CHECK(expr)                                                                   \
        do {                                                                               \
                if (!(expr)) {                                                             \
                        fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #expr); \
                        abort();                                                           \
                }                                                                          \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char text[ROUTE_WIN_IFACE_STATE_TEXT_MAX + 1];
        RouteWinIfaceState s, again;
        int r, n;

        r = route_win_iface_state_parse((const char *) data, size, &s);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG || r == -E2BIG || r == -EPROTONOSUPPORT);
                return 0;
        }
        FUZZ_CHECK(s.n_ifaces <= ROUTE_WIN_IFACE_STATE_MAX);

        n = route_win_iface_state_format(&s, text, sizeof(text));
        FUZZ_CHECK(n >= 0);
        FUZZ_CHECK((size_t) n == size && memcmp(text, data, size) == 0);

        FUZZ_CHECK(route_win_iface_state_parse(text, (size_t) n, &again) == 0);
        FUZZ_CHECK(again.n_ifaces == s.n_ifaces);
        for (size_t i = 0; i < s.n_ifaces; i++) {
                const RouteWinInterface *a = &s.ifaces[i], *b = &again.ifaces[i];

                FUZZ_CHECK(a->family == b->family && a->luid == b->luid && a->automatic_metric == b->automatic_metric &&
                           a->metric == b->metric && a->disable_default_routes == b->disable_default_routes);
        }
        return 0;
}
