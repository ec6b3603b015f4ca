/* SPDX-License-Identifier: MIT */
/* identity_mac_parse() on arbitrary bytes: the client's MAC file. What
 * parses is a valid virtual MAC; formatting it yields the canonical file,
 * which parses to the same MAC. The parser reads only `size` bytes (ASan
 * sees to that: libFuzzer's buffer has no slack). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/client/identity.h"
#include "ether.h"
#include "macro.h"
#include "../test-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char text[IDENTITY_FILE_LEN + 1];
        MacAddr mac, again;
        int r;

        r = identity_mac_parse((const char *) data, size, &mac);
        if (r < 0) {
                CHECK(r == -EBADMSG);
                return 0;
        }
        CHECK(size == IDENTITY_FILE_LEN - 1 || size == IDENTITY_FILE_LEN);
        CHECK(mac_is_valid_virtual(&mac));

        identity_mac_format(&mac, text);
        CHECK(strlen(text) == IDENTITY_FILE_LEN);
        CHECK(identity_mac_parse(text, IDENTITY_FILE_LEN, &again) == 0);
        CHECK(mac_equal(&mac, &again));
        /* The canonical form is what we write; lower-case input with colons
         * and the newline must be exactly it. */
        if (size == IDENTITY_FILE_LEN && data[2] == ':' && memchr(data, 'A', size) == NULL &&
            memchr(data, 'B', size) == NULL && memchr(data, 'C', size) == NULL && memchr(data, 'D', size) == NULL &&
            memchr(data, 'E', size) == NULL && memchr(data, 'F', size) == NULL)
                CHECK(memcmp(text, data, size) == 0);
        return 0;
}
