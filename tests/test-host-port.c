/* SPDX-License-Identifier: MIT */
/* The one HOST[:PORT] parser behind invite links, --relay/Relay= and
 * Listen=. Hostile inputs first; every input is an exact-size heap copy
 * without NUL terminator, so ASan and valgrind catch a read past the end. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "host-port.h"
#include "macro.h"
#include "test-util.h"

static int parse_mem(const char *s, size_t n, uint16_t default_port, HostPortFlags flags, HostPort *ret,
                     HostPortError *ret_error) {
        char *copy = malloc(n > 0 ? n : 1);
        int r;

        CHECK(copy);
        memcpy(copy, s, n);
        r = host_port_parse(copy, n, default_port, flags, ret, ret_error);
        free(copy);
        return r;
}

static int parse(const char *s, uint16_t default_port, HostPort *ret, HostPortError *ret_error) {
        return parse_mem(s, strlen(s), default_port, 0, ret, ret_error);
}

static void expect_error(const char *s, uint16_t default_port, HostPortError expected) {
        HostPort hp = { .port = 4242 };
        HostPortError e = _HOST_PORT_ERROR_INVALID;

        if (parse(s, default_port, &hp, &e) != -EINVAL || e != expected) {
                fprintf(stderr, "'%s': expected error %d, got %d\n", s, (int) expected, (int) e);
                CHECK(false);
        }
        CHECK(host_port_error_to_string(e));
        CHECK_EQ_INT(hp.port, 4242); /* untouched */
}

typedef struct HostPortCase {
        const char *text;
        uint16_t default_port;
        HostPortError error;
} HostPortCase;

static void expect_ok(const char *s, uint16_t default_port, const char *host, InviteHostType type, uint16_t port) {
        HostPortError e = _HOST_PORT_ERROR_INVALID;
        HostPort hp;

        if (parse(s, default_port, &hp, &e) != 0) {
                fprintf(stderr, "'%s': refused: %s\n", s, host_port_error_to_string(e));
                CHECK(false);
        }
        CHECK_EQ_STR(hp.host, host);
        CHECK_EQ_INT(hp.host_type, type);
        CHECK_EQ_INT(hp.port, port);
}

static void test_null_and_empty(void) {
        HostPortError e = _HOST_PORT_ERROR_INVALID;
        HostPort hp;

        CHECK_EQ_INT(host_port_parse(NULL, 0, 443, 0, &hp, &e), -EINVAL);
        CHECK_EQ_INT(host_port_parse("a", 1, 443, 0, NULL, &e), -EINVAL);
        CHECK_EQ_INT(host_port_parse("a", 1, 443, 0, &hp, NULL), 0);
        CHECK_EQ_INT(host_port_parse("a:0", 3, 443, 0, &hp, NULL), -EINVAL);
        expect_error("", 443, HOST_PORT_ERROR_HOST_MISSING);
        expect_error(":443", 443, HOST_PORT_ERROR_HOST_MISSING);
        expect_error("[]", 443, HOST_PORT_ERROR_HOST_MISSING);
        expect_error("[]:443", 443, HOST_PORT_ERROR_HOST_MISSING);
}

static void test_brackets_hostile(void) {
        static const HostPortCase cases[] = {
                { "::1", 443, HOST_PORT_ERROR_IPV6_UNBRACKETED },
                { "2001:db8::1", 443, HOST_PORT_ERROR_IPV6_UNBRACKETED },
                { "::1:443", 443, HOST_PORT_ERROR_IPV6_UNBRACKETED },
                { "relay:443:1", 443, HOST_PORT_ERROR_IPV6_UNBRACKETED },
                { "::1]", 443, HOST_PORT_ERROR_IPV6_UNBRACKETED },
                { "relay]", 443, HOST_PORT_ERROR_IPV6_UNBRACKETED },
                { "re[lay]", 443, HOST_PORT_ERROR_IPV6_UNBRACKETED },
                { "relay:[443]", 443, HOST_PORT_ERROR_IPV6_UNBRACKETED },
                { "[::1", 443, HOST_PORT_ERROR_BAD_BRACKETS },
                { "[", 443, HOST_PORT_ERROR_BAD_BRACKETS },
                { "[::1]]", 443, HOST_PORT_ERROR_BAD_BRACKETS },
                { "[::1]x", 443, HOST_PORT_ERROR_BAD_BRACKETS },
                { "[::1]443", 443, HOST_PORT_ERROR_BAD_BRACKETS },
                { "[::1][::2]", 443, HOST_PORT_ERROR_BAD_BRACKETS },
                { "[[::1]]:443", 443, HOST_PORT_ERROR_BAD_BRACKETS },
                { "[[::1]:443", 443, HOST_PORT_ERROR_BAD_IPV6 },
                { "[1.2.3.4]", 443, HOST_PORT_ERROR_BAD_IPV6 },
                { "[relay]", 443, HOST_PORT_ERROR_BAD_IPV6 },
                { "[fe80::1%eth0]:443", 443, HOST_PORT_ERROR_BAD_IPV6 },
                { "[::g]", 443, HOST_PORT_ERROR_BAD_IPV6 },
                { "[1:2:3:4:5:6:7:8:9]", 443, HOST_PORT_ERROR_BAD_IPV6 },
                { "[1::2::3]", 443, HOST_PORT_ERROR_BAD_IPV6 },
                { "[:::]", 443, HOST_PORT_ERROR_BAD_IPV6 },
                { "[12345::]", 443, HOST_PORT_ERROR_BAD_IPV6 },
                { "[::1.2.3.256]", 443, HOST_PORT_ERROR_BAD_IPV6 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                expect_error(cases[i].text, cases[i].default_port, cases[i].error);
}

static void test_port_hostile(void) {
        static const HostPortCase cases[] = {
                { "relay", 0, HOST_PORT_ERROR_PORT_MISSING },
                { "[::1]", 0, HOST_PORT_ERROR_PORT_MISSING },
                { "relay:", 443, HOST_PORT_ERROR_BAD_PORT },
                { "[::1]:", 443, HOST_PORT_ERROR_BAD_PORT },
                { "relay:0", 443, HOST_PORT_ERROR_PORT_OUT_OF_RANGE },
                { "relay:00", 443, HOST_PORT_ERROR_BAD_PORT },
                { "relay:65536", 443, HOST_PORT_ERROR_PORT_OUT_OF_RANGE },
                { "relay:99999", 443, HOST_PORT_ERROR_PORT_OUT_OF_RANGE },
                { "relay:4294967739", 443, HOST_PORT_ERROR_PORT_OUT_OF_RANGE }, /* 443 + 2^32 */
                { "relay:0443", 443, HOST_PORT_ERROR_BAD_PORT },
                { "relay:+443", 443, HOST_PORT_ERROR_BAD_PORT },
                { "relay:-1", 443, HOST_PORT_ERROR_BAD_PORT },
                { "relay: 443", 443, HOST_PORT_ERROR_BAD_PORT },
                { "relay:443 ", 443, HOST_PORT_ERROR_BAD_PORT },
                { "relay:0x1bb", 443, HOST_PORT_ERROR_BAD_PORT },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                expect_error(cases[i].text, cases[i].default_port, cases[i].error);
}

static void test_port_leading_zeros(void) {
        HostPortError e;
        HostPort hp;
        uint16_t port = 0;

        CHECK_EQ_INT(parse_mem("192.0.2.1:0443", 14, 0, HOST_PORT_PORT_LEADING_ZEROS, &hp, &e), 0);
        CHECK_EQ_INT(hp.port, 443);
        CHECK_EQ_INT(parse_mem("192.0.2.1:00000", 15, 0, HOST_PORT_PORT_LEADING_ZEROS, &hp, &e), -EINVAL);
        CHECK_EQ_INT(e, HOST_PORT_ERROR_PORT_OUT_OF_RANGE);
        /* Still at most five digits, so no overflow hides behind zeros. */
        CHECK_EQ_INT(parse_mem("192.0.2.1:000443", 16, 0, HOST_PORT_PORT_LEADING_ZEROS, &hp, &e), -EINVAL);
        CHECK_EQ_INT(e, HOST_PORT_ERROR_PORT_OUT_OF_RANGE);

        CHECK_EQ_INT(port_parse("65535", 5, 0, &port, &e), 0);
        CHECK_EQ_INT(port, 65535);
        CHECK_EQ_INT(port_parse("", 0, 0, &port, &e), -EINVAL);
        CHECK_EQ_INT(e, HOST_PORT_ERROR_BAD_PORT);
        CHECK_EQ_INT(port_parse("08", 2, HOST_PORT_PORT_LEADING_ZEROS, &port, &e), 0);
        CHECK_EQ_INT(port, 8);
}

static void test_host_hostile(void) {
        char host[LP_INVITE_HOST_MAX + 16];

        expect_error("256.1.1.1", 443, HOST_PORT_ERROR_BAD_IPV4);
        expect_error("1.2.3", 443, HOST_PORT_ERROR_BAD_IPV4);
        expect_error("01.2.3.4:443", 443, HOST_PORT_ERROR_BAD_IPV4);
        expect_error("0x7f000001", 443, HOST_PORT_ERROR_BAD_IPV4);
        expect_error("relay.1", 443, HOST_PORT_ERROR_BAD_IPV4);
        expect_error("-relay", 443, HOST_PORT_ERROR_BAD_HOST);
        expect_error("relay-", 443, HOST_PORT_ERROR_BAD_HOST);
        expect_error("relay..example", 443, HOST_PORT_ERROR_BAD_HOST);
        expect_error("relay.example.", 443, HOST_PORT_ERROR_BAD_HOST);
        expect_error(".relay", 443, HOST_PORT_ERROR_BAD_HOST);
        expect_error("re_lay", 443, HOST_PORT_ERROR_BAD_HOST);
        expect_error("r\xc3\xa4lay", 443, HOST_PORT_ERROR_BAD_HOST);
        expect_error("relay/x", 443, HOST_PORT_ERROR_BAD_HOST);
        expect_error("user@relay", 443, HOST_PORT_ERROR_BAD_HOST);

        /* 64-character label; 63 is fine. */
        memset(host, 'a', 64);
        strcpy(host + 64, ".org");
        expect_error(host, 443, HOST_PORT_ERROR_HOST_LABEL_TOO_LONG);
        strcpy(host + 63, ".org");
        expect_ok(host, 443, host, INVITE_HOST_DNS, 443);

        /* 253 characters is the limit: labels of 63 + dots. */
        memset(host, 'a', sizeof(host));
        for (size_t i = 63; i < sizeof(host); i += 64)
                host[i] = '.';
        host[LP_INVITE_HOST_MAX] = '\0';
        expect_ok(host, 443, host, INVITE_HOST_DNS, 443);
        host[LP_INVITE_HOST_MAX] = 'a';
        host[LP_INVITE_HOST_MAX + 1] = '\0';
        expect_error(host, 443, HOST_PORT_ERROR_HOST_TOO_LONG);
        strcpy(host + LP_INVITE_HOST_MAX + 1, ":443");
        expect_error(host, 443, HOST_PORT_ERROR_HOST_TOO_LONG);
}

static void test_embedded_nul(void) {
        HostPortError e;
        HostPort hp;

        /* The length is what counts, not a NUL: a NUL inside is a bad
         * character wherever it sits, never the end of the text. */
        CHECK_EQ_INT(parse_mem("relay\0evil", 10, 443, 0, &hp, &e), -EINVAL);
        CHECK_EQ_INT(e, HOST_PORT_ERROR_BAD_HOST);
        CHECK_EQ_INT(parse_mem("relay:443\0", 10, 443, 0, &hp, &e), -EINVAL);
        CHECK_EQ_INT(e, HOST_PORT_ERROR_BAD_PORT);
        CHECK_EQ_INT(parse_mem("[::1\0]:443", 10, 443, 0, &hp, &e), -EINVAL);
        CHECK_EQ_INT(e, HOST_PORT_ERROR_BAD_IPV6);
        CHECK_EQ_INT(parse_mem("1.2.3.4\0", 8, 443, 0, &hp, &e), -EINVAL);
        CHECK_EQ_INT(parse_mem("\0", 1, 443, 0, &hp, &e), -EINVAL);
        /* And a text that stops before its NUL is parsed up to n only. */
        CHECK_EQ_INT(parse_mem("relay:4433", 8, 443, 0, &hp, &e), 0);
        CHECK_EQ_INT(hp.port, 44);
}

static void test_good(void) {
        expect_ok("relay.example.org", 443, "relay.example.org", INVITE_HOST_DNS, 443);
        expect_ok("Relay-1.Example", 7, "Relay-1.Example", INVITE_HOST_DNS, 7);
        expect_ok("localhost:1", 0, "localhost", INVITE_HOST_DNS, 1);
        expect_ok("198.51.100.1:4433", 443, "198.51.100.1", INVITE_HOST_IPV4, 4433);
        expect_ok("0.0.0.0:65535", 0, "0.0.0.0", INVITE_HOST_IPV4, 65535);
        expect_ok("[2001:db8::1]", 443, "2001:db8::1", INVITE_HOST_IPV6, 443);
        expect_ok("[::]:443", 0, "::", INVITE_HOST_IPV6, 443);
        expect_ok("[::ffff:192.0.2.1]:8443", 443, "::ffff:192.0.2.1", INVITE_HOST_IPV6, 8443);
        expect_ok("[1:2:3:4:5:6:7:8]:1", 0, "1:2:3:4:5:6:7:8", INVITE_HOST_IPV6, 1);
}

static void test_strings(void) {
        for (HostPortError e = 0; e < _HOST_PORT_ERROR_MAX; e++)
                CHECK(host_port_error_to_string(e));
        CHECK(!host_port_error_to_string(_HOST_PORT_ERROR_MAX));
        CHECK(!host_port_error_to_string(_HOST_PORT_ERROR_INVALID));
}

int main(void) {
        RUN(test_null_and_empty);
        RUN(test_brackets_hostile);
        RUN(test_port_hostile);
        RUN(test_port_leading_zeros);
        RUN(test_host_hostile);
        RUN(test_embedded_nul);
        RUN(test_good);
        RUN(test_strings);
        return 0;
}
