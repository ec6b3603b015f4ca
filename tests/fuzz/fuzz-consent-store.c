/* SPDX-License-Identifier: MIT */
/* consent_store_parse() on arbitrary bytes: client.exe's file of rooms
 * allowed without asking (%LOCALAPPDATA%\lanparty\consent). The format
 * has exactly one spelling for every store, so what parses must format
 * back to the very same bytes, and every room in it must be allowed.
 * What fails leaves the store empty: nothing is allowed from a file we
 * did not write. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/client/consent-store.h"
#include "../test-util.h"

static ConsentStore store;
static char text[CONSENT_FILE_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        unsigned line = 0;
        int r, n;

        r = consent_store_parse((const char *) data, size, &store, &line);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -EPROTONOSUPPORT);
                CHECK(store.n_entries == 0);
                return 0;
        }
        CHECK(store.n_entries <= CONSENT_ENTRIES_MAX);
        for (size_t i = 0; i < store.n_entries; i++)
                CHECK(consent_store_decide(&store, &store.entries[i]) == CONSENT_ALLOWED);

        n = consent_store_format(&store, text, sizeof(text));
        CHECK(n >= 0);
        CHECK((size_t) n == size);
        CHECK(memcmp(text, data, size) == 0);
        return 0;
}
