/* SPDX-License-Identifier: MIT */
/* invite_parse() on arbitrary text. Whatever parses must format to its
 * canonical text, and that text must parse back to the same invite and
 * format to itself. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invite.h"
#include "../test-util.h"

static bool invite_equal(const Invite *a, const Invite *b) {
        return strcmp(a->host, b->host) == 0 && a->host_type == b->host_type && a->port == b->port &&
               strcmp(a->room, b->room) == 0 && memcmp(a->room_key, b->room_key, sizeof a->room_key) == 0 &&
               a->has_pin == b->has_pin && (!a->has_pin || memcmp(a->pin, b->pin, sizeof a->pin) == 0);
}

/* The canonical text spelled out from the fields, independently of
 * invite_format(). */
static void canonical_text(const Invite *inv, char *buf, size_t size) {
        char key[B64URL_ENCODED_LEN(LP_ROOM_KEY_SIZE) + 1], pin[B64URL_ENCODED_LEN(LP_SPKI_PIN_SIZE) + 1] = "";
        char port[8] = "";
        int n;

        CHECK(b64url_encode(inv->room_key, sizeof inv->room_key, key, sizeof key) == 0);
        if (inv->has_pin)
                CHECK(b64url_encode(inv->pin, sizeof inv->pin, pin, sizeof pin) == 0);
        if (inv->port != 443)
                snprintf(port, sizeof port, ":%u", (unsigned) inv->port);

        if (inv->host_type == INVITE_HOST_IPV6)
                n = snprintf(buf, size, "lanparty://[%s]%s/%s?k=%s%s%s", inv->host, port, inv->room, key,
                             inv->has_pin ? "&pin=" : "", pin);
        else
                n = snprintf(buf, size, "lanparty://%s%s/%s?k=%s%s%s", inv->host, port, inv->room, key,
                             inv->has_pin ? "&pin=" : "", pin);
        CHECK(n > 0 && (size_t) n < size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static char text[8192];
        char formatted[LP_INVITE_TEXT_MAX], again[LP_INVITE_TEXT_MAX], expected[LP_INVITE_TEXT_MAX * 2];
        char decorated[LP_INVITE_TEXT_MAX + 8];
        InviteError e = _INVITE_ERROR_INVALID;
        Invite a, b;

        if (size >= sizeof text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        if (invite_parse(text, &a, &e) < 0) {
                CHECK(invite_error_to_string(e) != NULL);
                return 0;
        }

        CHECK(invite_host_type_to_string(a.host_type) != NULL);
        CHECK(a.port != 0);
        CHECK(strlen(a.host) <= LP_INVITE_HOST_MAX);

        CHECK(invite_format(&a, formatted, sizeof formatted) == 0);
        canonical_text(&a, expected, sizeof expected);
        CHECK(strcmp(formatted, expected) == 0);

        CHECK(invite_parse(formatted, &b, &e) == 0);
        CHECK(invite_equal(&a, &b));
        CHECK(invite_format(&b, again, sizeof again) == 0);
        CHECK(strcmp(formatted, again) == 0);

        /* What users do to a link must not change what it means. */
        snprintf(decorated, sizeof decorated, " \t%s\r\n", formatted);
        CHECK(invite_parse(decorated, &b, &e) == 0);
        CHECK(invite_equal(&a, &b));
        memcpy(decorated, formatted, sizeof formatted);
        memcpy(decorated, "LANPARTY", 8);
        CHECK(invite_parse(decorated, &b, &e) == 0);
        CHECK(invite_equal(&a, &b));

        return 0;
}
