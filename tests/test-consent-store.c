/* SPDX-License-Identifier: MIT */
/* The per-room consent (consent-store.c): hostile files first (every
 * one refused as a whole, so nothing is "allowed" from a file we did not
 * write), then round trips, the decision for the triple (room, relay,
 * pin), forgetting the oldest, and the dialog's text. On Linux and, in
 * the cross build, under wine. */
#include <errno.h>
#include <string.h>

#include "b64url.h"
#include "consent-store.h"
#include "macro.h"
#include "test-util.h"

static ConsentStore store, other;

static ConsentKey key(const char *room, const char *relay, int pin_byte) {
        uint8_t pin[LP_SPKI_PIN_SIZE];
        ConsentKey k;

        memset(pin, pin_byte, sizeof(pin));
        CHECK_EQ_INT(consent_key_make(room, relay, pin_byte >= 0, pin, &k), 0);
        return k;
}

static int parse(const char *text) {
        unsigned line = 0;
        int r = consent_store_parse(text, strlen(text), &store, &line);

        if (r < 0)
                CHECK_EQ_INT(store.n_entries, 0);
        return r;
}

#define PIN_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* 32 zero bytes */
#define HEADER "lanparty-consent 1\n"

static void test_hostile(void) {
        static const char *const bad[] = {
                "",
                "\n",
                "lanparty-consent 1",                     /* no newline */
                "lanparty-consent  1\n",
                "lanparty-consent 01\n",
                "lanparty-consent 1 \n",
                "lanparty-consent 1\r\n",
                "lanparty-consent +1\n",
                "lanparty-consent 99999999999999999999\n",
                "lanparty-consent 65536\n",
                "Lanparty-consent 1\n",
                "lanparty-consent\n",
                "lanparty-consent 1\n\n",                 /* blank line */
                HEADER "# comment\n",
                HEADER "allow lan relay.example " PIN_A,   /* last line without newline */
                HEADER "allow lan relay.example " PIN_A "\r\n",
                HEADER "allow lan relay.example " PIN_A " \n",
                HEADER "allow  lan relay.example " PIN_A "\n",
                HEADER "allow lan  relay.example " PIN_A "\n",
                HEADER "allow lan relay.example\n",
                HEADER "allow lan relay.example \n",
                HEADER "allow lan\n",
                HEADER "allow\n",
                HEADER "allow \n",
                HEADER "deny lan relay.example -\n",
                HEADER "allow lan relay.example - extra\n",
                HEADER "allow l@n relay.example -\n",       /* not a room name */
                HEADER "allow 123456789012345678901234567890123 relay.example -\n", /* 33 */
                HEADER "allow lan Relay.Example -\n",        /* we write lower case only */
                HEADER "allow lan relay\x7f.example -\n",
                HEADER "allow lan relay\xc3\xa9.example -\n",
                HEADER "allow lan relay.example --\n",
                HEADER "allow lan relay.example AAAA\n",     /* short pin */
                HEADER "allow lan relay.example " PIN_A "A\n",
                HEADER "allow lan relay.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB\n", /* stray low bits */
                HEADER "allow lan relay.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
                HEADER "allow lan relay.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+\n",
                /* the same room and relay twice, even with the same pin */
                HEADER "allow lan relay.example -\nallow lan relay.example -\n",
                HEADER "allow lan relay.example -\nallow lan relay.example " PIN_A "\n",
                HEADER HEADER,
        };
        unsigned line = 99;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (parse(bad[i]) != -EBADMSG) {
                        fprintf(stderr, "accepted: %s\n", bad[i]);
                        CHECK(false);
                }
        }

        /* Another version is told apart from damage. */
        CHECK_EQ_INT(parse("lanparty-consent 2\nwhatever comes in version 2\n"), -EPROTONOSUPPORT);
        CHECK_EQ_INT(parse("lanparty-consent 65535\n"), -EPROTONOSUPPORT);

        /* A NUL inside, anywhere. */
        CHECK_EQ_INT(consent_store_parse(HEADER "allow lan r\0x -\n", sizeof(HEADER "allow lan r\0x -\n") - 1, &store,
                                         &line),
                     -EBADMSG);
        CHECK_EQ_INT(consent_store_parse(HEADER "\0", sizeof(HEADER), &store, &line), -EBADMSG);

        /* The line named is the one at fault. */
        CHECK_EQ_INT(consent_store_parse(HEADER "allow a r -\nallow b r -\nallow c r x\n",
                                         strlen(HEADER "allow a r -\nallow b r -\nallow c r x\n"), &store, &line),
                     -EBADMSG);
        CHECK_EQ_INT(line, 4);
        CHECK_EQ_INT(store.n_entries, 0);

        CHECK_EQ_INT(consent_store_parse(NULL, 1, &store, NULL), -EINVAL);
        CHECK_EQ_INT(consent_store_parse(HEADER, strlen(HEADER), NULL, NULL), -EINVAL);
}

/* More entries than allowed, and a file larger than allowed. */
static void test_limits(void) {
        static char big[CONSENT_FILE_MAX + 64];
        size_t len;
        int n;

        /* The most the format writes fits CONSENT_FILE_MAX. */
        consent_store_init(&store);
        for (size_t i = 0; i < CONSENT_ENTRIES_MAX; i++) {
                char room[LP_ROOM_NAME_MAX + 1], relay[LP_INVITE_HOST_MAX + 1];

                snprintf(room, sizeof(room), "%032u", (unsigned) i);
                memset(relay, 'r', LP_INVITE_HOST_MAX);
                relay[LP_INVITE_HOST_MAX] = '\0';
                store.entries[i] = key(room, relay, (int) (i & 0xff));
                store.n_entries++;
        }
        n = consent_store_format(&store, big, CONSENT_FILE_MAX);
        CHECK(n > 0 && (size_t) n <= CONSENT_FILE_MAX);
        CHECK_EQ_INT(consent_store_parse(big, (size_t) n, &other, NULL), 0);
        CHECK_EQ_INT(other.n_entries, CONSENT_ENTRIES_MAX);

        /* One entry more is refused, however it fits in bytes. */
        len = (size_t) n;
        memcpy(big + len, "allow x r -\n", 12);
        CHECK_EQ_INT(consent_store_parse(big, len + 12, &other, NULL), -EBADMSG);
        /* A file larger than CONSENT_FILE_MAX, before reading it. */
        memset(big, 'a', sizeof(big));
        CHECK_EQ_INT(consent_store_parse(big, CONSENT_FILE_MAX + 1, &other, NULL), -EBADMSG);
        /* The format refuses a buffer too small. */
        CHECK_EQ_INT(consent_store_format(&store, big, 100), -ENOBUFS);
}

static void test_round_trip(void) {
        char buf[1024];
        int n;

        consent_store_init(&store);
        CHECK_EQ_INT(consent_store_remember(&store, &(ConsentKey) { 0 }), -EINVAL);
        CHECK_EQ_INT(consent_store_format(&store, buf, sizeof(buf)), strlen(HEADER));
        CHECK_EQ_STR(buf, HEADER);
        CHECK_EQ_INT(parse(HEADER), 0);
        CHECK_EQ_INT(store.n_entries, 0);

        ConsentKey a = key("lan", "Relay.Example.ORG", 0), b = key("lan", "2001:db8::1", -1),
                   c = key("other_room-2", "relay.example.org", 7);
        CHECK_EQ_STR(a.relay, "relay.example.org"); /* lower case, as the key schedule */
        CHECK_EQ_INT(consent_store_remember(&store, &a), 0);
        CHECK_EQ_INT(consent_store_remember(&store, &b), 0);
        CHECK_EQ_INT(consent_store_remember(&store, &c), 0);
        n = consent_store_format(&store, buf, sizeof(buf));
        CHECK(n > 0);
        CHECK_EQ_STR(buf, HEADER "allow lan relay.example.org " PIN_A "\n"
                          "allow lan 2001:db8::1 -\n"
                          "allow other_room-2 relay.example.org BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc\n");
        CHECK_EQ_INT(consent_store_parse(buf, (size_t) n, &other, NULL), 0);
        CHECK_EQ_INT(other.n_entries, 3);
        CHECK_MEM(&other, &store, sizeof(store));

        /* Bad keys. */
        ConsentKey k;
        uint8_t pin[LP_SPKI_PIN_SIZE] = { 0 };
        CHECK_EQ_INT(consent_key_make("l a n", "relay", false, NULL, &k), -EINVAL);
        CHECK_EQ_INT(consent_key_make("", "relay", false, NULL, &k), -EINVAL);
        CHECK_EQ_INT(consent_key_make("lan", "", false, NULL, &k), -EINVAL);
        CHECK_EQ_INT(consent_key_make("lan", "re lay", false, NULL, &k), -EINVAL);
        CHECK_EQ_INT(consent_key_make("lan", "relay\n", false, NULL, &k), -EINVAL);
        CHECK_EQ_INT(consent_key_make("lan", "relay", true, NULL, &k), -EINVAL);
        CHECK_EQ_INT(consent_key_make("lan", "relay", true, pin, NULL), -EINVAL);
}

static void test_decide(void) {
        ConsentKey a = key("lan", "relay.example.org", 1);
        ConsentKey k;

        consent_store_init(&store);
        CHECK_EQ_INT(consent_store_decide(&store, &a), CONSENT_ASK);
        CHECK_EQ_INT(consent_store_remember(&store, &a), 0);
        CHECK_EQ_INT(consent_store_decide(&store, &a), CONSENT_ALLOWED);
        /* The same in another spelling of the host. */
        k = key("lan", "RELAY.example.org", 1);
        CHECK_EQ_INT(consent_store_decide(&store, &k), CONSENT_ALLOWED);

        /* Each part of the triple on its own. */
        k = key("LAN", "relay.example.org", 1); /* room names are case-sensitive */
        CHECK_EQ_INT(consent_store_decide(&store, &k), CONSENT_ASK);
        k = key("lan", "relay.example.net", 1);
        CHECK_EQ_INT(consent_store_decide(&store, &k), CONSENT_ASK);
        k = key("lan", "relay.example.org", 2);
        CHECK_EQ_INT(consent_store_decide(&store, &k), CONSENT_ASK_PIN_CHANGED);
        k = key("lan", "relay.example.org", -1); /* the pin dropped from the link */
        CHECK_EQ_INT(consent_store_decide(&store, &k), CONSENT_ASK_PIN_CHANGED);

        /* Allowing the new pin replaces the old, no second entry. */
        k = key("lan", "relay.example.org", 2);
        CHECK_EQ_INT(consent_store_remember(&store, &k), 0);
        CHECK_EQ_INT(store.n_entries, 1);
        CHECK_EQ_INT(consent_store_decide(&store, &k), CONSENT_ALLOWED);
        CHECK_EQ_INT(consent_store_decide(&store, &a), CONSENT_ASK_PIN_CHANGED);

        /* Full: the oldest is forgotten, the rest kept in order. */
        consent_store_init(&store);
        for (int i = 0; i < CONSENT_ENTRIES_MAX; i++) {
                char room[16];

                snprintf(room, sizeof(room), "room%d", i);
                k = key(room, "relay", -1);
                CHECK_EQ_INT(consent_store_remember(&store, &k), 0);
        }
        CHECK_EQ_INT(store.n_entries, CONSENT_ENTRIES_MAX);
        k = key("newest", "relay", -1);
        CHECK_EQ_INT(consent_store_remember(&store, &k), 0);
        CHECK_EQ_INT(store.n_entries, CONSENT_ENTRIES_MAX);
        CHECK_EQ_STR(store.entries[0].room, "room1");
        CHECK_EQ_STR(store.entries[CONSENT_ENTRIES_MAX - 1].room, "newest");
        k = key("room0", "relay", -1);
        CHECK_EQ_INT(consent_store_decide(&store, &k), CONSENT_ASK);

        CHECK_EQ_INT(consent_store_decide(NULL, &k), _CONSENT_DECISION_INVALID);
        CHECK_EQ_INT(consent_store_decide(&store, NULL), _CONSENT_DECISION_INVALID);
        for (int d = 0; d < _CONSENT_DECISION_MAX; d++)
                CHECK(consent_decision_to_string(d));
}

static void test_dialog(void) {
        char buf[CONSENT_DIALOG_TEXT_MAX];
        ConsentKey k = key("lan", "relay.example.org", 0);
        int n;

        n = consent_dialog_text(&k, CONSENT_ASK, buf, sizeof(buf));
        CHECK(n > 0 && (size_t) n == strlen(buf));
        fprintf(stderr, "%s\n--\n", buf);
        CHECK(strncmp(buf, "Join room \"lan\" on relay relay.example.org?", 43) == 0);
        CHECK(strstr(buf, "The relay's pin (from the invite link): " PIN_A));
        CHECK(!strstr(buf, "another pin"));

        CHECK(consent_dialog_text(&k, CONSENT_ASK_PIN_CHANGED, buf, sizeof(buf)) > 0);
        fprintf(stderr, "%s\n--\n", buf);
        CHECK(strstr(buf, PIN_A));
        CHECK(strstr(buf, "allowed before with another pin"));

        k = key("lan", "relay.example.org", -1);
        CHECK(consent_dialog_text(&k, CONSENT_ASK, buf, sizeof(buf)) > 0);
        fprintf(stderr, "%s\n", buf);
        CHECK(strstr(buf, "no pin: the relay is trusted by its certificate for relay.example.org"));

        /* The longest names fit; nothing to ask about is not asked. */
        char room[LP_ROOM_NAME_MAX + 1], relay[LP_INVITE_HOST_MAX + 1];
        memset(room, 'r', LP_ROOM_NAME_MAX), room[LP_ROOM_NAME_MAX] = '\0';
        memset(relay, 'h', LP_INVITE_HOST_MAX), relay[LP_INVITE_HOST_MAX] = '\0';
        k = key(room, relay, -1);
        CHECK(consent_dialog_text(&k, CONSENT_ASK_PIN_CHANGED, buf, sizeof(buf)) > 0);
        CHECK_EQ_INT(consent_dialog_text(&k, CONSENT_ASK, buf, 10), -ENOBUFS);
        CHECK_EQ_INT(consent_dialog_text(&k, CONSENT_ALLOWED, buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(consent_dialog_text(&(ConsentKey) { 0 }, CONSENT_ASK, buf, sizeof(buf)), -EINVAL);
        CHECK(strlen(CONSENT_DIALOG_ALWAYS_LABEL) > 0);
}

int main(void) {
        RUN(test_hostile);
        RUN(test_limits);
        RUN(test_round_trip);
        RUN(test_decide);
        RUN(test_dialog);
        return 0;
}
