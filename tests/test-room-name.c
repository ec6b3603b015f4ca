/* SPDX-License-Identifier: MIT */
#include "room-name.h"
#include "test-util.h"

#define VALID(s) room_name_is_valid((s), strlen(s))

static void test_hostile(void) {
        CHECK(!room_name_is_valid(NULL, 0));
        CHECK(!room_name_is_valid(NULL, 5));
        CHECK(!VALID(""));
        CHECK(!VALID("has space"));
        CHECK(!VALID("slash/room"));
        CHECK(!VALID("dot.room"));
        CHECK(!VALID("ümlaut"));
        CHECK(!VALID("a\nb"));
        CHECK(!VALID("123456789012345678901234567890123")); /* 33 */
        /* An embedded NUL inside the claimed length is not a valid char. */
        CHECK(!room_name_is_valid("ab\0cd", 5));
}

static void test_valid(void) {
        CHECK(VALID("a"));
        CHECK(VALID("LAN-party_2026"));
        CHECK(VALID("12345678901234567890123456789012")); /* 32 */
        /* Only `len` bytes count. */
        CHECK(room_name_is_valid("room?junk", 4));
}

int main(void) {
        RUN(test_hostile);
        RUN(test_valid);
        return 0;
}
