/* SPDX-License-Identifier: MIT */
/* When client.exe asks Windows' DHCP client to try again on the TAP: the
 * pure decision. The renewal itself meets the IP stack model in
 * test-client-model (tests/wine/). */
#include <stdio.h>

#include "dhcp-renew-win.h"
#include "test-util.h"

#define SEC (1000ULL * 1000 * 1000)

static void test_wanted(void) {
        DhcpRenew d = {};
        const uint64_t joined = 100 * SEC;

        /* Hostile and "not now": not joined, no gateway, a real address. */
        CHECK(!dhcp_renew_wanted(NULL, "", joined, true, true, joined + 60 * SEC));
        CHECK(!dhcp_renew_wanted(&d, "", 0, true, true, joined));
        CHECK(!dhcp_renew_wanted(&d, "169.254.7.9", joined, false, true, joined + 60 * SEC));
        CHECK(!dhcp_renew_wanted(&d, "192.0.2.101", joined, true, true, joined + 60 * SEC));
        CHECK(!dhcp_renew_wanted(&d, "10.169.254.1", joined, true, false, joined + 60 * SEC));
        CHECK(!dhcp_renew_wanted(&d, "", joined, true, false, joined - 1));

        /* No address yet: Windows' own exchange at media connect gets its
         * time, unless the gateway just came (that DISCOVER found none). */
        CHECK(!dhcp_renew_wanted(&d, "", joined, true, false, joined + 1 * SEC));
        CHECK(!dhcp_renew_wanted(&d, NULL, joined, true, false, joined + DHCP_RENEW_GRACE - 1));
        CHECK(dhcp_renew_wanted(&d, "", joined, true, false, joined + DHCP_RENEW_GRACE));
        CHECK(dhcp_renew_wanted(&d, "", joined, true, true, joined + 1 * SEC));
        /* APIPA: Windows gave up and waits 5 minutes; we do not. */
        CHECK(dhcp_renew_wanted(&d, "169.254.7.9", joined, true, false, joined + 1 * SEC));

        /* After one renewal: the interval, unless the gateway came again. */
        d.started = true;
        d.last_start = joined + 20 * SEC;
        CHECK(!dhcp_renew_wanted(&d, "169.254.7.9", joined, true, false, joined + 21 * SEC));
        CHECK(!dhcp_renew_wanted(&d, "", joined, true, false, d.last_start + DHCP_RENEW_INTERVAL - 1));
        CHECK(dhcp_renew_wanted(&d, "169.254.7.9", joined, true, false, d.last_start + DHCP_RENEW_INTERVAL));
        CHECK(dhcp_renew_wanted(&d, "169.254.7.9", joined, true, true, joined + 21 * SEC));
}

int main(void) {
        RUN(test_wanted);
        return 0;
}
