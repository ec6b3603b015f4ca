/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "invite.h"
#include "macro.h"
#include "test-util.h"

/* Room key 00 01 .. 1f and pin e0 e1 .. ff; the pin uses both '-' and '_'. */
#define K "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define P "4OHi4-Tl5ufo6err7O3u7_Dx8vP09fb3-Pn6-_z9_v8"
#define L "lanparty://"

static bool invite_equal(const Invite *a, const Invite *b) {
        return strcmp(a->host, b->host) == 0 && a->host_type == b->host_type && a->port == b->port &&
               strcmp(a->room, b->room) == 0 && memcmp(a->room_key, b->room_key, sizeof a->room_key) == 0 &&
               a->has_pin == b->has_pin && (!a->has_pin || memcmp(a->pin, b->pin, sizeof a->pin) == 0);
}

/* Parsing must fail with exactly `expected` and leave *ret alone. */
static void expect_error_at(int line, const char *text, InviteError expected) {
        Invite inv, untouched;
        InviteError e = _INVITE_ERROR_INVALID;
        int r;

        memset(&inv, 0xaa, sizeof inv);
        memcpy(&untouched, &inv, sizeof inv);
        r = invite_parse(text, &inv, &e);
        if (r != -EINVAL || e != expected) {
                fprintf(stderr, "line %d: \"%s\": expected -EINVAL \"%s\", got %d \"%s\"\n", line,
                        text ? text : "(null)", invite_error_to_string(expected), r,
                        r < 0 ? invite_error_to_string(e) : "parsed");
                abort();
        }
        CHECK(memcmp(&inv, &untouched, sizeof inv) == 0);
        /* NULL ret_error is allowed. */
        CHECK_EQ_INT(invite_parse(text, NULL, NULL), -EINVAL);
}
#define EXPECT_ERROR(text, expected) expect_error_at(__LINE__, (text), (expected))

static Invite parse_ok_at(int line, const char *text) {
        Invite inv;
        InviteError e = _INVITE_ERROR_INVALID;
        int r = invite_parse(text, &inv, &e);
        if (r != 0) {
                fprintf(stderr, "line %d: \"%s\": expected success, got %d \"%s\"\n", line, text, r,
                        invite_error_to_string(e));
                abort();
        }
        return inv;
}
#define PARSE_OK(text) parse_ok_at(__LINE__, (text))

/* parse → format gives `canonical`, and the canonical text parses to the
 * same invite and formats to itself. */
static void expect_canonical_at(int line, const char *text, const char *canonical) {
        Invite a = parse_ok_at(line, text), b;
        char buf[LP_INVITE_TEXT_MAX];

        CHECK_EQ_INT(invite_format(&a, buf, sizeof buf), 0);
        if (strcmp(buf, canonical) != 0) {
                fprintf(stderr, "line %d: \"%s\" formatted as \"%s\", expected \"%s\"\n", line, text, buf,
                        canonical);
                abort();
        }
        b = parse_ok_at(line, buf);
        CHECK(invite_equal(&a, &b));
}
#define EXPECT_CANONICAL(text, canonical) expect_canonical_at(__LINE__, (text), (canonical))

static char *repeat(char *p, char c, size_t n) {
        memset(p, c, n);
        return p + n;
}

/* "lanparty://" + host + "/room?k=K" */
static void link_with_host(char *buf, size_t size, const char *host) {
        int n = snprintf(buf, size, L "%s/room?k=" K, host);
        CHECK(n > 0 && (size_t) n < size);
}

static void test_hostile_structure(void) {
        EXPECT_ERROR(NULL, INVITE_ERROR_EMPTY);
        EXPECT_ERROR("", INVITE_ERROR_EMPTY);
        EXPECT_ERROR("   ", INVITE_ERROR_EMPTY);
        EXPECT_ERROR("\r\n\t \v\f", INVITE_ERROR_EMPTY);

        EXPECT_ERROR("https://relay/room?k=" K, INVITE_ERROR_SCHEME);
        EXPECT_ERROR("lanparty:/relay/room?k=" K, INVITE_ERROR_SCHEME);
        EXPECT_ERROR("lanparty:relay/room?k=" K, INVITE_ERROR_SCHEME);
        EXPECT_ERROR("lanparty:\\\\relay/room?k=" K, INVITE_ERROR_SCHEME);
        EXPECT_ERROR("lanpart://relay/room?k=" K, INVITE_ERROR_SCHEME);
        EXPECT_ERROR("xlanparty://relay/room?k=" K, INVITE_ERROR_SCHEME);
        EXPECT_ERROR("lanparty ://relay/room?k=" K, INVITE_ERROR_SCHEME);
        EXPECT_ERROR("lanparty", INVITE_ERROR_SCHEME);
        EXPECT_ERROR("lanparty:/", INVITE_ERROR_SCHEME);
        EXPECT_ERROR("relay/room?k=" K, INVITE_ERROR_SCHEME);
        EXPECT_ERROR("\xefl\xbb\xbflanparty://relay/room?k=" K, INVITE_ERROR_SCHEME); /* mangled BOM */

        /* Whitespace is only forgiven around the link. */
        EXPECT_ERROR(L "relay/ro om?k=" K, INVITE_ERROR_BAD_CHARACTER);
        EXPECT_ERROR(L "relay/room?k=" K " &pin=" P, INVITE_ERROR_BAD_CHARACTER);
        EXPECT_ERROR(L "relay/room?k=" K "\x01", INVITE_ERROR_BAD_CHARACTER);
        EXPECT_ERROR(L "relay/room?k=" K "\x7f", INVITE_ERROR_BAD_CHARACTER);
        EXPECT_ERROR(L "relay/room\t?k=" K, INVITE_ERROR_BAD_CHARACTER);
        EXPECT_ERROR(L "r\xc3\xa9lay/room?k=" K, INVITE_ERROR_BAD_CHARACTER);
        EXPECT_ERROR(L "relay/room?k=" K "\xff", INVITE_ERROR_BAD_CHARACTER);
        EXPECT_ERROR(L "relay/room?k=" K " garbage", INVITE_ERROR_BAD_CHARACTER);

        EXPECT_ERROR(L "relay/r%6fom?k=" K, INVITE_ERROR_PERCENT_ENCODING);
        EXPECT_ERROR(L "[fe80::1%25eth0]/room?k=" K, INVITE_ERROR_PERCENT_ENCODING);
        EXPECT_ERROR(L "[fe80::1%eth0]/room?k=" K, INVITE_ERROR_PERCENT_ENCODING);
        EXPECT_ERROR(L "relay/room?k=" K "%", INVITE_ERROR_PERCENT_ENCODING);
        EXPECT_ERROR(L "relay/room?%6b=" K, INVITE_ERROR_PERCENT_ENCODING);

        EXPECT_ERROR(L "relay/room?k=" K "#frag", INVITE_ERROR_FRAGMENT);
        EXPECT_ERROR(L "relay/room?k=" K "#", INVITE_ERROR_FRAGMENT);
        EXPECT_ERROR(L "relay/room#?k=" K, INVITE_ERROR_FRAGMENT);
        EXPECT_ERROR(L "relay#/room?k=" K, INVITE_ERROR_FRAGMENT);

        EXPECT_ERROR(L "user@relay/room?k=" K, INVITE_ERROR_USER_INFO);
        EXPECT_ERROR(L "user:pw@relay:443/room?k=" K, INVITE_ERROR_USER_INFO);
        EXPECT_ERROR(L "@relay/room?k=" K, INVITE_ERROR_USER_INFO);
        EXPECT_ERROR(L "relay@/room?k=" K, INVITE_ERROR_USER_INFO);
        EXPECT_ERROR(L "[::1]@evil/room?k=" K, INVITE_ERROR_USER_INFO);
        /* '@' after the authority is not user info, just a bad room/value. */
        EXPECT_ERROR(L "relay/ro@om?k=" K, INVITE_ERROR_BAD_ROOM);

        EXPECT_ERROR(L, INVITE_ERROR_HOST_MISSING);
        EXPECT_ERROR(L "/room?k=" K, INVITE_ERROR_HOST_MISSING);
        EXPECT_ERROR(L ":443/room?k=" K, INVITE_ERROR_HOST_MISSING);
        EXPECT_ERROR(L "?k=" K, INVITE_ERROR_HOST_MISSING);
        EXPECT_ERROR(L "[]/room?k=" K, INVITE_ERROR_HOST_MISSING);
        EXPECT_ERROR(L "[]:443/room?k=" K, INVITE_ERROR_HOST_MISSING);

        EXPECT_ERROR(L "relay?k=" K, INVITE_ERROR_ROOM_MISSING);
        EXPECT_ERROR(L "relay/?k=" K, INVITE_ERROR_ROOM_MISSING);
        EXPECT_ERROR(L "relay", INVITE_ERROR_ROOM_MISSING);
        EXPECT_ERROR(L "relay/", INVITE_ERROR_ROOM_MISSING);
        EXPECT_ERROR(L "relay:8443", INVITE_ERROR_ROOM_MISSING);

        /* Trailing slash and deeper paths. */
        EXPECT_ERROR(L "relay/room/?k=" K, INVITE_ERROR_BAD_ROOM);
        EXPECT_ERROR(L "relay/room/", INVITE_ERROR_BAD_ROOM);
        EXPECT_ERROR(L "relay/a/b?k=" K, INVITE_ERROR_BAD_ROOM);
        EXPECT_ERROR(L "relay//room?k=" K, INVITE_ERROR_BAD_ROOM);
        EXPECT_ERROR(L "relay/room.x?k=" K, INVITE_ERROR_BAD_ROOM);
        EXPECT_ERROR(L "relay/ro~om?k=" K, INVITE_ERROR_BAD_ROOM);
        EXPECT_ERROR(L "relay/room:1?k=" K, INVITE_ERROR_BAD_ROOM);
        EXPECT_ERROR(L "relay/room;x?k=" K, INVITE_ERROR_BAD_ROOM);
        EXPECT_ERROR(L "relay/123456789012345678901234567890123?k=" K, INVITE_ERROR_BAD_ROOM); /* 33 */

        EXPECT_ERROR(L "relay/room", INVITE_ERROR_KEY_MISSING);
        EXPECT_ERROR(L "relay/room?", INVITE_ERROR_KEY_MISSING);
        EXPECT_ERROR(L "relay/room?pin=" P, INVITE_ERROR_KEY_MISSING);
}

static void test_hostile_host(void) {
        char host[600], link[800];
        char *p;

        EXPECT_ERROR(L "::1/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "2001:db8::1/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "relay:443:1/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "[::1/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "[::1", INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "::1]/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "[::1]]/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "[::1]x/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "[::1]443/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "[::1][::2]/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "relay]/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "re[lay]/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);
        EXPECT_ERROR(L "relay:[443]/room?k=" K, INVITE_ERROR_IPV6_BRACKETS);

        EXPECT_ERROR(L "[1.2.3.4]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[relay]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[:]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[:::]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1:::2]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[::1::]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1::2::3]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[:1]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1:]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[::1:]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1::2:]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1:2:3:4:5:6:7:8:]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[:1:2:3:4:5:6:7:8]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[::g]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[12345::]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1:2:3:4:5:6:7]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1:2:3:4:5:6:7:8:9]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1:2:3:4:5:6:7:8::]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[::1:2:3:4:5:6:7:8]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1:2:3:4::5:6:7:8]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[::1.2.3]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[::1.2.3.256]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[::01.2.3.4]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[::1.2.3.4.5]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1.2.3.4::]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[::1.2.3.4:1]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1:2:3:4:5:6:7:1.2.3.4]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[1:2:3:4:5:6::1.2.3.4]/room?k=" K, INVITE_ERROR_BAD_IPV6); /* "::" for nothing */
        EXPECT_ERROR(L "[::ffff:1.2.3.4.]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[ ::1]/room?k=" K, INVITE_ERROR_BAD_CHARACTER);
        EXPECT_ERROR(L "[0x1::]/room?k=" K, INVITE_ERROR_BAD_IPV6);
        EXPECT_ERROR(L "[+1::]/room?k=" K, INVITE_ERROR_BAD_IPV6);

        EXPECT_ERROR(L "256.1.1.1/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "1.2.3.256/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "1.2.3/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "1.2.3.4.5/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "01.2.3.4/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "1.2.3.04/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "1.2.3.00/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "1.2.3.0004/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "1..2.3/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "0x7f.0.0.1/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "0x7f000001/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "0X7F000001/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "2130706433/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "example.123/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "example.0x/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "1.2.3.0x1/room?k=" K, INVITE_ERROR_BAD_IPV4);
        EXPECT_ERROR(L "99999999999999999999.1/room?k=" K, INVITE_ERROR_BAD_IPV4);

        EXPECT_ERROR(L "-relay/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "relay-/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "relay.-x/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "x-.relay/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "-/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "re_lay/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "relay./room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "relay.example.org./room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "1.2.3.4./room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "./room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L ".relay/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "a..b/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "relay!/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "rel*ay/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "rel'ay/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "rel\\ay/room?k=" K, INVITE_ERROR_BAD_HOST);
        EXPECT_ERROR(L "relay.exa~mple/room?k=" K, INVITE_ERROR_BAD_HOST);

        /* Label of 64. */
        p = repeat(host, 'a', 64);
        strcpy(p, ".example");
        link_with_host(link, sizeof link, host);
        EXPECT_ERROR(link, INVITE_ERROR_HOST_LABEL_TOO_LONG);
        /* Last label of 64 and a single label of 64. */
        p = repeat(host, 'a', 63);
        *p++ = '.';
        p = repeat(p, 'b', 64);
        *p = '\0';
        link_with_host(link, sizeof link, host);
        EXPECT_ERROR(link, INVITE_ERROR_HOST_LABEL_TOO_LONG);
        *repeat(host, 'a', 64) = '\0';
        link_with_host(link, sizeof link, host);
        EXPECT_ERROR(link, INVITE_ERROR_HOST_LABEL_TOO_LONG);

        /* 254 characters: 63.63.63.62 */
        p = host;
        for (int i = 0; i < 3; i++) {
                p = repeat(p, 'a', 63);
                *p++ = '.';
        }
        *repeat(p, 'a', 62) = '\0';
        CHECK_EQ_INT(strlen(host), 254);
        link_with_host(link, sizeof link, host);
        EXPECT_ERROR(link, INVITE_ERROR_HOST_TOO_LONG);
        /* Far too long, with a port and brackets. */
        *repeat(host, 'a', 500) = '\0';
        link_with_host(link, sizeof link, host);
        EXPECT_ERROR(link, INVITE_ERROR_HOST_TOO_LONG);
        snprintf(link, sizeof link, L "%s:443/room?k=" K, host);
        EXPECT_ERROR(link, INVITE_ERROR_HOST_TOO_LONG);
        snprintf(link, sizeof link, L "[%s]/room?k=" K, host);
        EXPECT_ERROR(link, INVITE_ERROR_HOST_TOO_LONG);
        /* A 300-char IPv6-looking text cannot be valid. */
        p = host;
        for (int i = 0; i < 60; i++)
                p += sprintf(p, "ffff:");
        strcpy(p, ":1");
        snprintf(link, sizeof link, L "[%s]/room?k=" K, host);
        EXPECT_ERROR(link, INVITE_ERROR_HOST_TOO_LONG);
        snprintf(link, sizeof link, L "[%.48s]/room?k=" K, host);
        EXPECT_ERROR(link, INVITE_ERROR_BAD_IPV6);
}

static void test_hostile_port(void) {
        EXPECT_ERROR(L "relay:/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:abc/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:+443/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:-1/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:00443/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:0443/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:00/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:443x/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:0x1bb/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:4.4/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "[::1]:/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "[::1]:x/room?k=" K, INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:", INVITE_ERROR_BAD_PORT);
        EXPECT_ERROR(L "relay:4 43/room?k=" K, INVITE_ERROR_BAD_CHARACTER);

        EXPECT_ERROR(L "relay:0/room?k=" K, INVITE_ERROR_PORT_OUT_OF_RANGE);
        EXPECT_ERROR(L "relay:65536/room?k=" K, INVITE_ERROR_PORT_OUT_OF_RANGE);
        EXPECT_ERROR(L "relay:99999/room?k=" K, INVITE_ERROR_PORT_OUT_OF_RANGE);
        EXPECT_ERROR(L "relay:100000/room?k=" K, INVITE_ERROR_PORT_OUT_OF_RANGE);
        EXPECT_ERROR(L "[::1]:65536/room?k=" K, INVITE_ERROR_PORT_OUT_OF_RANGE);
        /* Values that wrap a 32- or 64-bit accumulator to something valid. */
        EXPECT_ERROR(L "relay:4294967739/room?k=" K, INVITE_ERROR_PORT_OUT_OF_RANGE);
        EXPECT_ERROR(L "relay:18446744073709552059/room?k=" K, INVITE_ERROR_PORT_OUT_OF_RANGE);
}

static void test_hostile_query(void) {
        EXPECT_ERROR(L "relay/room?&k=" K, INVITE_ERROR_BAD_PARAMETER);
        EXPECT_ERROR(L "relay/room?k=" K "&", INVITE_ERROR_BAD_PARAMETER);
        EXPECT_ERROR(L "relay/room?k=" K "&&pin=" P, INVITE_ERROR_BAD_PARAMETER);
        EXPECT_ERROR(L "relay/room?k", INVITE_ERROR_BAD_PARAMETER);
        EXPECT_ERROR(L "relay/room?k=" K "&pin", INVITE_ERROR_BAD_PARAMETER);
        EXPECT_ERROR(L "relay/room?=" K, INVITE_ERROR_BAD_PARAMETER);
        EXPECT_ERROR(L "relay/room?&", INVITE_ERROR_BAD_PARAMETER);
        EXPECT_ERROR(L "relay/room?=", INVITE_ERROR_BAD_PARAMETER);

        EXPECT_ERROR(L "relay/room?k=" K "&x=1", INVITE_ERROR_UNKNOWN_PARAMETER);
        EXPECT_ERROR(L "relay/room?x=1&k=" K, INVITE_ERROR_UNKNOWN_PARAMETER);
        EXPECT_ERROR(L "relay/room?K=" K, INVITE_ERROR_UNKNOWN_PARAMETER);
        EXPECT_ERROR(L "relay/room?key=" K, INVITE_ERROR_UNKNOWN_PARAMETER);
        EXPECT_ERROR(L "relay/room?k=" K "&Pin=" P, INVITE_ERROR_UNKNOWN_PARAMETER);
        EXPECT_ERROR(L "relay/room?k=" K "&pin=" P "&v=2", INVITE_ERROR_UNKNOWN_PARAMETER);
        EXPECT_ERROR(L "relay/room?k=" K "&x=", INVITE_ERROR_UNKNOWN_PARAMETER);
        EXPECT_ERROR(L "relay/room?k=" K ";x=1", INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room?k=" K "?k=" K, INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room??k=" K, INVITE_ERROR_UNKNOWN_PARAMETER);

        EXPECT_ERROR(L "relay/room?k=" K "&k=" K, INVITE_ERROR_DUPLICATE_KEY);
        EXPECT_ERROR(L "relay/room?k=" K "&pin=" P "&k=" P, INVITE_ERROR_DUPLICATE_KEY);
        EXPECT_ERROR(L "relay/room?k=" K "&k=", INVITE_ERROR_DUPLICATE_KEY);
        EXPECT_ERROR(L "relay/room?k=" K "&pin=" P "&pin=" P, INVITE_ERROR_DUPLICATE_PIN);
        EXPECT_ERROR(L "relay/room?pin=" P "&pin=" K "&k=" K, INVITE_ERROR_DUPLICATE_PIN);

        EXPECT_ERROR(L "relay/room?k=", INVITE_ERROR_EMPTY_VALUE);
        EXPECT_ERROR(L "relay/room?k=&pin=" P, INVITE_ERROR_EMPTY_VALUE);
        EXPECT_ERROR(L "relay/room?k=" K "&pin=", INVITE_ERROR_EMPTY_VALUE);

        /* 42 and 44 characters, padding, standard alphabet, junk, nonzero
         * trailing bits ('8' is ...111100, '9' ...111101). */
        EXPECT_ERROR(L "relay/room?k=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg", INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room?k=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room?k=" K "=", INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room?k==" K, INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room?k=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9", INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room?k=4OHi4+Tl5ufo6err7O3u7/Dx8vP09fb3+Pn6+/z9/v8", INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room?k=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH.8", INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room?k=" K K, INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room?k=x", INVITE_ERROR_BAD_KEY);
        EXPECT_ERROR(L "relay/room?k=" K "x", INVITE_ERROR_BAD_KEY);

        EXPECT_ERROR(L "relay/room?k=" K "&pin=4OHi4-Tl5ufo6err7O3u7_Dx8vP09fb3-Pn6-_z9_v", INVITE_ERROR_BAD_PIN);
        EXPECT_ERROR(L "relay/room?k=" K "&pin=" P "A", INVITE_ERROR_BAD_PIN);
        EXPECT_ERROR(L "relay/room?k=" K "&pin=" P "=", INVITE_ERROR_BAD_PIN);
        EXPECT_ERROR(L "relay/room?k=" K "&pin=4OHi4+Tl5ufo6err7O3u7/Dx8vP09fb3+Pn6+/z9/v8", INVITE_ERROR_BAD_PIN);
        EXPECT_ERROR(L "relay/room?k=" K "&pin=4OHi4-Tl5ufo6err7O3u7_Dx8vP09fb3-Pn6-_z9_v9", INVITE_ERROR_BAD_PIN);
        EXPECT_ERROR(L "relay/room?pin=x&k=" K, INVITE_ERROR_BAD_PIN);
}

static void test_parse_fields(void) {
        uint8_t key[32], pin[32];
        Invite inv;

        for (size_t i = 0; i < 32; i++) {
                key[i] = (uint8_t) i;
                pin[i] = (uint8_t) (0xe0 + i);
        }

        inv = PARSE_OK(L "relay.example.org/party?k=" K);
        CHECK_EQ_STR(inv.host, "relay.example.org");
        CHECK_EQ_INT(inv.host_type, INVITE_HOST_DNS);
        CHECK_EQ_INT(inv.port, 443);
        CHECK_EQ_STR(inv.room, "party");
        CHECK_MEM(inv.room_key, key, 32);
        CHECK(!inv.has_pin);

        inv = PARSE_OK(L "relay.example.org:8443/LAN-party_2026?k=" K "&pin=" P);
        CHECK_EQ_INT(inv.port, 8443);
        CHECK_EQ_STR(inv.room, "LAN-party_2026");
        CHECK(inv.has_pin);
        CHECK_MEM(inv.pin, pin, 32);
        CHECK_MEM(inv.room_key, key, 32);

        /* Any parameter order. */
        inv = PARSE_OK(L "relay/r?pin=" P "&k=" K);
        CHECK(inv.has_pin);
        CHECK_MEM(inv.pin, pin, 32);
        CHECK_MEM(inv.room_key, key, 32);

        inv = PARSE_OK(L "192.0.2.1:1/r?k=" K);
        CHECK_EQ_STR(inv.host, "192.0.2.1");
        CHECK_EQ_INT(inv.host_type, INVITE_HOST_IPV4);
        CHECK_EQ_INT(inv.port, 1);
        inv = PARSE_OK(L "0.0.0.0:65535/r?k=" K);
        CHECK_EQ_INT(inv.host_type, INVITE_HOST_IPV4);
        CHECK_EQ_INT(inv.port, 65535);
        inv = PARSE_OK(L "255.255.255.255/r?k=" K);
        CHECK_EQ_INT(inv.host_type, INVITE_HOST_IPV4);

        inv = PARSE_OK(L "[2001:DB8::1]:4433/r?k=" K);
        CHECK_EQ_STR(inv.host, "2001:DB8::1");
        CHECK_EQ_INT(inv.host_type, INVITE_HOST_IPV6);
        CHECK_EQ_INT(inv.port, 4433);

        /* Scheme in any case, whitespace around the link. */
        inv = PARSE_OK("LANPARTY://Relay.Example.ORG/r?k=" K);
        CHECK_EQ_STR(inv.host, "Relay.Example.ORG");
        inv = PARSE_OK("LanParty://relay/r?k=" K);
        inv = PARSE_OK("  \t" L "relay/r?k=" K "\r\n");
        CHECK_EQ_STR(inv.host, "relay");
        CHECK_EQ_STR(inv.room, "r");

        /* Host forms at their limits. */
        static const char *const good_hosts[] = {
                "localhost", "a", "a-b.c-d", "1relay.example", "relay.x1", "xn--bcher-kva.example",
                "123.example", "0x.example", "relay.0xg", "a.b.c.d.e.f.g",
        };
        for (size_t i = 0; i < ELEMENTSOF(good_hosts); i++) {
                char link[400];
                link_with_host(link, sizeof link, good_hosts[i]);
                inv = PARSE_OK(link);
                CHECK_EQ_STR(inv.host, good_hosts[i]);
                CHECK_EQ_INT(inv.host_type, INVITE_HOST_DNS);
        }

        static const char *const good_ipv6[] = {
                "::",
                "::1",
                "1::",
                "::ffff:192.0.2.1",
                "::192.0.2.1",
                "1:2:3:4:5:6:7:8",
                "1:2:3:4:5:6:7::",
                "::2:3:4:5:6:7:8",
                "1::8",
                "1:2:3:4:5:6:1.2.3.4",
                "1:2:3:4:5::1.2.3.4",
                "ABCD:ef01::0001",
                "0000:0000:0000:0000:0000:0000:255.255.255.255",
                "fe80::1",
        };
        for (size_t i = 0; i < ELEMENTSOF(good_ipv6); i++) {
                char link[400];
                snprintf(link, sizeof link, L "[%s]/room?k=" K, good_ipv6[i]);
                inv = PARSE_OK(link);
                CHECK_EQ_STR(inv.host, good_ipv6[i]);
                CHECK_EQ_INT(inv.host_type, INVITE_HOST_IPV6);
        }

        /* Longest label and name. */
        char host[300], link[400], *p = host;
        for (int i = 0; i < 3; i++) {
                p = repeat(p, 'a', 63);
                *p++ = '.';
        }
        *repeat(p, 'b', 61) = '\0';
        CHECK_EQ_INT(strlen(host), 253);
        link_with_host(link, sizeof link, host);
        inv = PARSE_OK(link);
        CHECK_EQ_STR(inv.host, host);

        inv = PARSE_OK(L "relay/12345678901234567890123456789012?k=" K);
        CHECK_EQ_STR(inv.room, "12345678901234567890123456789012");
        inv = PARSE_OK(L "relay/-_-?k=" K);
        CHECK_EQ_STR(inv.room, "-_-");

        /* ret_error untouched and optional on success. */
        InviteError e = INVITE_ERROR_BAD_PIN;
        CHECK_EQ_INT(invite_parse(L "relay/r?k=" K, &inv, &e), 0);
        CHECK_EQ_INT(e, INVITE_ERROR_BAD_PIN);
        CHECK_EQ_INT(invite_parse(L "relay/r?k=" K, NULL, NULL), 0);
}

static void test_format_canonical(void) {
        EXPECT_CANONICAL(L "relay/r?k=" K, L "relay/r?k=" K);
        EXPECT_CANONICAL(L "relay:443/r?k=" K, L "relay/r?k=" K);
        EXPECT_CANONICAL(L "relay:444/r?k=" K, L "relay:444/r?k=" K);
        EXPECT_CANONICAL("LANPARTY://Relay/r?pin=" P "&k=" K, L "Relay/r?k=" K "&pin=" P);
        EXPECT_CANONICAL("  " L "[::1]:443/r?k=" K "\n", L "[::1]/r?k=" K);
        EXPECT_CANONICAL(L "[::FFFF:1.2.3.4]:1/r?k=" K, L "[::FFFF:1.2.3.4]:1/r?k=" K);
        EXPECT_CANONICAL(L "10.0.0.1:65535/r?k=" K "&pin=" P, L "10.0.0.1:65535/r?k=" K "&pin=" P);
}

static void test_format_errors(void) {
        Invite good = PARSE_OK(L "relay:8443/room?k=" K "&pin=" P), inv;
        char buf[LP_INVITE_TEXT_MAX];
        size_t len;

        CHECK_EQ_INT(invite_format(&good, buf, sizeof buf), 0);
        len = strlen(buf);

        /* Exact size and one short. */
        CHECK_EQ_INT(invite_format(&good, buf, len + 1), 0);
        CHECK_EQ_INT(strlen(buf), len);
        CHECK_EQ_INT(invite_format(&good, buf, len), -ENOBUFS);
        CHECK_EQ_STR(buf, "");
        CHECK_EQ_INT(invite_format(&good, buf, 1), -ENOBUFS);
        CHECK_EQ_INT(invite_format(&good, buf, 0), -ENOBUFS);
        CHECK_EQ_INT(invite_format(&good, NULL, 100), -ENOBUFS);
        CHECK_EQ_INT(invite_format(NULL, buf, sizeof buf), -EINVAL);

        /* Structs that would not parse back as themselves. */
        inv = good;
        inv.host[0] = '\0';
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        inv = good;
        strcpy(inv.host, "1.2.3.4"); /* says DNS */
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        inv.host_type = INVITE_HOST_IPV4;
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), 0);
        inv.host_type = INVITE_HOST_IPV6;
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        strcpy(inv.host, "::1");
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), 0);
        inv.host_type = INVITE_HOST_DNS;
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        inv.host_type = _INVITE_HOST_TYPE_MAX;
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        inv.host_type = _INVITE_HOST_TYPE_INVALID;
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        inv = good;
        strcpy(inv.host, "relay.");
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        inv = good;
        memset(inv.host, 'a', sizeof inv.host); /* no NUL */
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        inv = good;
        inv.port = 0;
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        inv = good;
        inv.room[0] = '\0';
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        inv = good;
        strcpy(inv.room, "a/b");
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
        inv = good;
        memset(inv.room, 'a', sizeof inv.room); /* 33 chars, no NUL */
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), -EINVAL);
}

/* The longest invite fills LP_INVITE_TEXT_MAX exactly. */
static void test_format_max(void) {
        Invite inv = {.host_type = INVITE_HOST_DNS, .port = 65535, .has_pin = true};
        char buf[LP_INVITE_TEXT_MAX], *p = inv.host;
        Invite back;

        for (int i = 0; i < 3; i++) {
                p = repeat(p, 'a', 63);
                *p++ = '.';
        }
        *repeat(p, 'b', 61) = '\0';
        memset(inv.room, 'r', LP_ROOM_NAME_MAX);
        memset(inv.room_key, 0xff, sizeof inv.room_key);
        memset(inv.pin, 0xfe, sizeof inv.pin);

        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf), 0);
        CHECK_EQ_INT(strlen(buf) + 1, LP_INVITE_TEXT_MAX);
        back = PARSE_OK(buf);
        CHECK(invite_equal(&inv, &back));
        CHECK_EQ_INT(invite_format(&inv, buf, sizeof buf - 1), -ENOBUFS);
}

static void test_strings(void) {
        for (int e = 0; e < _INVITE_ERROR_MAX; e++) {
                const char *s = invite_error_to_string((InviteError) e);
                CHECK(s && s[0]);
        }
        CHECK(!invite_error_to_string(_INVITE_ERROR_MAX));
        CHECK(!invite_error_to_string(_INVITE_ERROR_INVALID));
        CHECK_EQ_STR(invite_error_to_string(INVITE_ERROR_SCHEME), "invite link must start with lanparty://");
        CHECK_EQ_STR(invite_error_to_string(INVITE_ERROR_DUPLICATE_KEY), "duplicate parameter 'k'");

        CHECK_EQ_STR(invite_host_type_to_string(INVITE_HOST_DNS), "dns");
        CHECK_EQ_STR(invite_host_type_to_string(INVITE_HOST_IPV4), "ipv4");
        CHECK_EQ_STR(invite_host_type_to_string(INVITE_HOST_IPV6), "ipv6");
        CHECK(!invite_host_type_to_string(_INVITE_HOST_TYPE_MAX));
        CHECK(!invite_host_type_to_string(_INVITE_HOST_TYPE_INVALID));
}

int main(void) {
        RUN(test_hostile_structure);
        RUN(test_hostile_host);
        RUN(test_hostile_port);
        RUN(test_hostile_query);
        RUN(test_parse_fields);
        RUN(test_format_canonical);
        RUN(test_format_errors);
        RUN(test_format_max);
        RUN(test_strings);
        return 0;
}
