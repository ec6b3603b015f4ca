/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gatewayd-config.h"
#include "test-util.h"

/* Hostile inputs first: bad flags and values, hostile config files (NUL
 * bytes, unknown keys and sections, translations, control characters,
 * relative paths, oversized), bad relay addresses and token files; then
 * the merge rules and the ordinary cases. */

#define ARGV(...) ((char *const[]) {"lanparty-gatewayd", __VA_ARGS__, NULL})
#define ARGC(...) ((int) (sizeof((char *const[]) {"lanparty-gatewayd", __VA_ARGS__}) / sizeof(char *)))

static char pin_text[] = "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";

/* Parses argv; expects failure with `expect` somewhere in the message. */
#define ARGV_FAILS(expect, ...)                                                                                \
        do {                                                                                                   \
                GatewayConfig *_c = NULL;                                                                      \
                char *_e = NULL;                                                                               \
                CHECK_EQ_INT(gateway_config_parse_argv(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), &_c, &_e), -EINVAL); \
                CHECK(!_c);                                                                                    \
                CHECK(_e);                                                                                     \
                if (!strstr(_e, expect)) {                                                                     \
                        fprintf(stderr, "message '%s' lacks '%s'\n", _e, expect);                              \
                        abort();                                                                               \
                }                                                                                              \
                CHECK(!strchr(_e, '\n'));                                                                      \
                free(_e);                                                                                      \
        } while (0)

static void file_fails(const char *data, size_t size, const char *expect) {
        GatewayConfig *c = NULL;
        char *e = NULL;

        CHECK_EQ_INT(gateway_config_parse_file("/etc/lanparty/gatewayd-eth0.conf", data, size, &c, &e), -EINVAL);
        CHECK(!c);
        CHECK(e);
        if (!strstr(e, expect)) {
                fprintf(stderr, "message '%s' lacks '%s'\n", e, expect);
                abort();
        }
        /* Errors name the file. */
        CHECK(strstr(e, "/etc/lanparty/gatewayd-eth0.conf"));
        for (const char *p = e; *p; p++)
                CHECK((unsigned char) *p >= 0x20 && *p != 0x7f);
        free(e);
}

#define FILE_FAILS(text, expect) file_fails(text, sizeof(text) - 1, expect)

static void test_argv_hostile(void) {
        ARGV_FAILS("unknown option '--bogus'", "--bogus");
        ARGV_FAILS("unknown option '-x'", "-x");
        ARGV_FAILS("unexpected argument 'eth0'", "eth0");
        ARGV_FAILS("unexpected argument 'x'", "--", "x");
        ARGV_FAILS("--relay: missing value", "--relay");
        ARGV_FAILS("--room: missing value", "--relay", "r", "--room");
        ARGV_FAILS("--print-invite takes no value", "--print-invite=yes");
        ARGV_FAILS("--help takes no value", "--help=1");
        ARGV_FAILS("--room: given more than once", "--room", "a", "--room", "b");
        ARGV_FAILS("--print-invite: given more than once", "--print-invite", "--print-invite");
        /* Bad values name the flag and repeat the value, made printable. */
        ARGV_FAILS("--interface: expected a network interface name", "--interface", "");
        ARGV_FAILS("--interface: expected", "--interface", "a/b");
        ARGV_FAILS("--interface: expected", "--interface", "eth:0");
        ARGV_FAILS("--interface: expected", "--interface", "..");
        ARGV_FAILS("--interface: expected", "--interface", "0123456789abcdef");
        ARGV_FAILS("got 'a\\x0ab'", "--interface", "a\nb");
        ARGV_FAILS("--room: expected a room name", "--room", "");
        ARGV_FAILS("--room: expected a room name", "--room", "no spaces");
        ARGV_FAILS("--room: expected a room name", "--room", "x234567890123456789012345678901234");
        ARGV_FAILS("--room: expected a room name", "--room", "r\xc3\xa4um");
        ARGV_FAILS("--relay: ", "--relay", "");
        ARGV_FAILS("--relay: expected HOST[:PORT]", "--relay", "relay.example.org/x");
        ARGV_FAILS("--relay: expected HOST[:PORT]", "--relay", "user@relay");
        ARGV_FAILS("--relay: expected HOST[:PORT]", "--relay", "relay%20");
        ARGV_FAILS("--relay: expected HOST[:PORT]", "--relay", "relay?x");
        ARGV_FAILS("--relay: expected HOST[:PORT]", "--relay", "relay#x");
        ARGV_FAILS("--relay: expected HOST[:PORT]", "--relay", " relay");
        ARGV_FAILS("--relay: port", "--relay", "relay:0");
        ARGV_FAILS("--relay: port", "--relay", "relay:65536");
        ARGV_FAILS("--relay: port", "--relay", "relay:");
        ARGV_FAILS("--relay: port", "--relay", "relay:0443");
        ARGV_FAILS("--relay: port", "--relay", "relay:44x");
        ARGV_FAILS("--relay: IPv6", "--relay", "2001:db8::1");
        ARGV_FAILS("--relay: invalid IPv6", "--relay", "[2001:db8::g]");
        ARGV_FAILS("--relay: ", "--relay", "[2001:db8::1");
        ARGV_FAILS("--relay: invalid IPv4", "--relay", "10.1");
        ARGV_FAILS("--relay: invalid IPv4", "--relay", "1.2.3.256");
        ARGV_FAILS("--relay: invalid IPv4", "--relay", "01.2.3.4");
        ARGV_FAILS("--relay: host name", "--relay", "-relay.example.org");
        ARGV_FAILS("--relay: host name", "--relay", "relay..example.org");
        ARGV_FAILS("--relay: host name", "--relay", "relay.example.org.");
        ARGV_FAILS("--relay: host name has a label longer",
                   "--relay", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org");
        ARGV_FAILS("--pin: expected the relay certificate's pin", "--pin", "");
        ARGV_FAILS("--pin: expected", "--pin", "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCg");  /* 42 chars */
        ARGV_FAILS("--pin: expected", "--pin", "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCggA"); /* 44 */
        ARGV_FAILS("--pin: expected", "--pin", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg");  /* base64 */
        ARGV_FAILS("--pin: expected", "--pin", "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgh");  /* low bits */
        ARGV_FAILS("--name: expected at most 64 bytes", "--name",
                   "x2345678901234567890123456789012345678901234567890123456789012345");
        ARGV_FAILS("--name: expected", "--name", "tab\there");
        ARGV_FAILS("--name: expected", "--name", "bad \xff utf8");
        ARGV_FAILS("--name: expected", "--name", "overlong \xc0\xaf");
        ARGV_FAILS("--gateway-token-file: expected a file system path", "--gateway-token-file", "");
        ARGV_FAILS("--state-dir: expected a file system path", "--state-dir", "a\x1b[31m");
        ARGV_FAILS("--bus-address: expected a D-Bus address", "--bus-address", "");
        ARGV_FAILS("--config: expected", "--config", "");
        /* A long bad value is cut in the message. */
        {
                char long_value[4096];
                GatewayConfig *c = NULL;
                char *e = NULL;

                memset(long_value, 'a', sizeof(long_value) - 1);
                long_value[sizeof(long_value) - 1] = '\0';
                CHECK_EQ_INT(gateway_config_parse_argv(3, ARGV("--room", long_value), &c, &e), -EINVAL);
                CHECK(e && strlen(e) < 300 && strstr(e, "..."));
                free(e);
        }
        /* Misuse. */
        {
                GatewayConfig *c = NULL;

                CHECK_EQ_INT(gateway_config_parse_argv(-1, NULL, &c, NULL), -EINVAL);
                CHECK_EQ_INT(gateway_config_parse_argv(1, NULL, &c, NULL), -EINVAL);
                CHECK_EQ_INT(gateway_config_parse_argv(1, ARGV("x"), NULL, NULL), -EINVAL);
        }
}

static void test_file_hostile(void) {
        char big[GATEWAYD_CONFIG_FILE_MAX + 2];
        GatewayConfig *c = NULL;

        FILE_FAILS("[Gateway]\nRoom=party\0Relay=evil\n", "NUL byte");
        FILE_FAILS("[Gateway]\nRom=party\n", "unknown key 'Rom' in [Gateway]");
        FILE_FAILS("[Gateway]\nRoom[de]=party\n", "unknown key 'Room[de]'");
        FILE_FAILS("[Relay]\nListen=443\n", "unknown section [Relay]");
        FILE_FAILS("[Gateway]\nRoom=a\n[Other]\n", "unknown section [Other]");
        FILE_FAILS("[Gateway]\nInterface=eth1\n", "Interface= is not a config file setting");
        FILE_FAILS("[Gateway]\nRoom=a\nRoom=b\n", "Room=");
        FILE_FAILS("Room=party\n", "");
        FILE_FAILS("[Gateway\nRoom=party\n", "");
        FILE_FAILS("[Gateway]\nRoom=bad room\n", "Room=: expected a room name");
        FILE_FAILS("[Gateway]\nRelay=relay:99999\n", "Relay=: port out of range");
        FILE_FAILS("[Gateway]\nPin=short\n", "Pin=: expected the relay certificate's pin");
        FILE_FAILS("[Gateway]\nGatewayTokenFile=token\n", "GatewayTokenFile=: expected an absolute path");
        FILE_FAILS("[Gateway]\nStateDirectory=var/lib\n", "StateDirectory=: expected an absolute path");
        FILE_FAILS("[Gateway]\nName=line\\nbreak\n", "Name=: expected");
        FILE_FAILS("[Gateway]\nRoom=\\x\n", "");
        /* Bad escapes are errors, not values GKeyFile guessed. */
        FILE_FAILS("[Gateway]\nName=a\\q\n", "Name=");
        FILE_FAILS("[Gateway]\nStateDirectory=/var/lib/x\\\n", "StateDirectory=");
        FILE_FAILS("[Gateway]\nBusAddress=\n", "BusAddress=: expected a D-Bus address");
        FILE_FAILS("[Gateway]\nRoom=\xff\n", "");
        memset(big, '#', sizeof(big));
        file_fails(big, GATEWAYD_CONFIG_FILE_MAX + 1, "file too large");
        CHECK_EQ_INT(gateway_config_parse_file(NULL, "", 0, &c, NULL), -EINVAL);
        CHECK_EQ_INT(gateway_config_parse_file("f", NULL, 3, &c, NULL), -EINVAL);

        /* Empty files and comments are fine. */
        CHECK_EQ_INT(gateway_config_parse_file("f", "", 0, &c, NULL), 0);
        CHECK_EQ_INT(c->set, 0);
        c = gateway_config_free(c);
        CHECK_EQ_INT(gateway_config_parse_file("f", "# nothing\n\n[Gateway]\n", 21, &c, NULL), 0);
        c = gateway_config_free(c);
}

static void test_relay_endpoint(void) {
        char buf[RELAY_ENDPOINT_STR_MAX];
        const char *why = NULL;
        RelayEndpoint e;

        CHECK_EQ_INT(relay_endpoint_parse(NULL, &e, &why), -EINVAL);
        CHECK(why);
        CHECK_EQ_INT(relay_endpoint_parse("x", NULL, NULL), -EINVAL);
        CHECK_EQ_INT(relay_endpoint_parse("", &e, NULL), -EINVAL);
        {
                char huge[600];

                memset(huge, 'a', sizeof(huge) - 1);
                huge[sizeof(huge) - 1] = '\0';
                CHECK_EQ_INT(relay_endpoint_parse(huge, &e, &why), -EINVAL);
        }

        CHECK_EQ_INT(relay_endpoint_parse("relay.example.org", &e, &why), 0);
        CHECK_EQ_STR(e.host, "relay.example.org");
        CHECK_EQ_INT(e.host_type, INVITE_HOST_DNS);
        CHECK_EQ_INT(e.port, 443);
        CHECK_EQ_STR(relay_endpoint_format(&e, buf), "relay.example.org:443");

        CHECK_EQ_INT(relay_endpoint_parse("198.51.100.1:4433", &e, &why), 0);
        CHECK_EQ_STR(e.host, "198.51.100.1");
        CHECK_EQ_INT(e.host_type, INVITE_HOST_IPV4);
        CHECK_EQ_INT(e.port, 4433);
        CHECK_EQ_STR(relay_endpoint_format(&e, buf), "198.51.100.1:4433");

        CHECK_EQ_INT(relay_endpoint_parse("[2001:db8::1]:65535", &e, &why), 0);
        CHECK_EQ_STR(e.host, "2001:db8::1");
        CHECK_EQ_INT(e.host_type, INVITE_HOST_IPV6);
        CHECK_EQ_INT(e.port, 65535);
        CHECK_EQ_STR(relay_endpoint_format(&e, buf), "[2001:db8::1]:65535");

        CHECK_EQ_INT(relay_endpoint_parse("localhost:1", &e, &why), 0);
        CHECK_EQ_INT(e.port, 1);
}

static void test_token(void) {
        uint8_t token[LP_CONTROL_GATEWAY_TOKEN_MAX];
        char long_token[LP_CONTROL_GATEWAY_TOKEN_MAX + 2];
        size_t len = 0;
        char *e = NULL;

#define TOKEN_FAILS(text, expect)                                                                           \
        do {                                                                                                \
                CHECK_EQ_INT(gateway_token_parse("tok", text, sizeof(text) - 1, token, &len, &e), -EINVAL); \
                CHECK(e && strstr(e, expect) && strstr(e, "tok"));                                          \
                free(e);                                                                                    \
                e = NULL;                                                                                   \
        } while (0)

        TOKEN_FAILS("", "no gateway token");
        TOKEN_FAILS("\n\n# only a comment\n   \n", "no gateway token");
        TOKEN_FAILS("one\ntwo\n", "line 2: a second token");
        TOKEN_FAILS("one rooms\ntwo\n", "line 2: a second token");
        TOKEN_FAILS("nul\0byte\n", "not printable ASCII");
        TOKEN_FAILS("\xc3\xa4\n", "not printable ASCII");
        TOKEN_FAILS("tok\x7f\n", "not printable ASCII");
        memset(long_token, 'x', sizeof(long_token));
        CHECK_EQ_INT(gateway_token_parse("tok", long_token, LP_CONTROL_GATEWAY_TOKEN_MAX + 1, token, &len, &e),
                     -EINVAL);
        CHECK(e && strstr(e, "129 characters"));
        free(e);
        e = NULL;
        CHECK_EQ_INT(gateway_token_parse("tok", NULL, 1, token, &len, NULL), -EINVAL);
        CHECK_EQ_INT(gateway_token_parse("tok", "x", GATEWAYD_TOKEN_FILE_MAX + 1, token, &len, &e), -EINVAL);
        free(e);
        e = NULL;

        CHECK_EQ_INT(gateway_token_parse("tok", long_token, LP_CONTROL_GATEWAY_TOKEN_MAX, token, &len, &e), 0);
        CHECK_EQ_INT(len, LP_CONTROL_GATEWAY_TOKEN_MAX);
        {
                static const char text[] = "# issued 2024\n  0123456789abcdef0123 \r\n\n";

                CHECK_EQ_INT(gateway_token_parse("tok", text, sizeof(text) - 1, token, &len, &e), 0);
        }
        CHECK_EQ_INT(len, 20);
        CHECK_MEM(token, "0123456789abcdef0123", 20);
        CHECK_EQ_INT(gateway_token_parse("tok", "x", 1, token, &len, &e), 0);
        CHECK_EQ_INT(len, 1);
        /* A line of the relay's file: the rooms after the token are the
         * relay's business. */
        {
                static const char text[] = "0123456789abcdef0123\tparty,lan-2  max-rooms=1\n";

                CHECK_EQ_INT(gateway_token_parse("tok", text, sizeof(text) - 1, token, &len, &e), 0);
        }
        CHECK_EQ_INT(len, 20);
        CHECK_MEM(token, "0123456789abcdef0123", 20);
#undef TOKEN_FAILS
}

static void test_bus_name(void) {
        char buf[GATEWAY_BUS_NAME_MAX];

        CHECK_EQ_INT(gateway_bus_name("eth0", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "org.lanparty.Gateway1.eth0");
        CHECK_EQ_INT(gateway_bus_name("enp3s0.100", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "org.lanparty.Gateway1.enp3s0_100");
        CHECK_EQ_INT(gateway_bus_name("br-lan", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "org.lanparty.Gateway1.br_lan");
        CHECK_EQ_INT(gateway_bus_name("0lan", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "org.lanparty.Gateway1._0lan");
        CHECK_EQ_INT(gateway_bus_name("\xc3\xa4th", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "org.lanparty.Gateway1.__th");
        CHECK_EQ_INT(gateway_bus_name("123456789012345", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "org.lanparty.Gateway1._123456789012345");
        CHECK(strlen(buf) < sizeof(buf));
        CHECK_EQ_INT(gateway_bus_name("", buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(gateway_bus_name("a/b", buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(gateway_bus_name(NULL, buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(gateway_bus_name("eth0", buf, 10), -ENOBUFS);
}

static void test_merge(void) {
        GatewayConfig *cli = NULL, *file = NULL, *c = NULL;
        char *e = NULL;
        static const char conf[] = "[Gateway]\n"
                                   "Relay=relay.example.org:4433\n"
                                   "Room=party\n"
                                   "Pin=n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg\n"
                                   "GatewayTokenFile=/etc/lanparty/token\n"
                                   "Name=Bob's basement\n";

        /* Missing pieces are named, with the key when a file was read. */
        CHECK_EQ_INT(gateway_config_parse_argv(3, ARGV("--interface", "eth0"), &cli, &e), 0);
        CHECK_EQ_INT(gateway_config_merge(cli, NULL, NULL, &c, &e), -EINVAL);
        CHECK_EQ_STR(e, "--relay HOST[:PORT] is required");
        cli = gateway_config_free(cli);
        CHECK_EQ_INT(gateway_config_parse_argv(5, ARGV("--interface", "eth0", "--relay", "r"), &cli, &e), 0);
        CHECK_EQ_INT(gateway_config_merge(cli, NULL, NULL, &c, &e), -EINVAL);
        CHECK(strstr(e, "--room NAME is required"));
        cli = gateway_config_free(cli);
        CHECK_EQ_INT(gateway_config_parse_argv(7, ARGV("--interface", "eth0", "--relay", "r", "--room", "p"), &cli,
                                               &e), 0);
        CHECK_EQ_INT(gateway_config_merge(cli, NULL, NULL, &c, &e), -EINVAL);
        CHECK_EQ_STR(e, "--gateway-token-file FILE is required: the relay admits only gateways with a token");
        CHECK_EQ_INT(gateway_config_parse_file("/etc/x.conf", "[Gateway]\n", 10, &file, &e), 0);
        CHECK_EQ_INT(gateway_config_merge(cli, file, NULL, &c, &e), -EINVAL);
        CHECK_EQ_STR(e, "--gateway-token-file FILE is required (or GatewayTokenFile= in /etc/x.conf): the "
                        "relay admits only gateways with a token");
        cli = gateway_config_free(cli);
        file = gateway_config_free(file);
        CHECK_EQ_INT(gateway_config_parse_argv(7, ARGV("--relay", "r", "--room", "p", "--gateway-token-file", "/t"),
                                               &cli, &e), 0);
        CHECK_EQ_INT(gateway_config_merge(cli, NULL, NULL, &c, &e), -EINVAL);
        CHECK_EQ_STR(e, "--interface IFACE is required");
        cli = gateway_config_free(cli);
        /* --print-invite needs no interface and no token, but a state dir. */
        CHECK_EQ_INT(gateway_config_parse_argv(6, ARGV("--print-invite", "--relay", "r", "--room", "p"), &cli, &e), 0);
        CHECK_EQ_INT(cli->action, GATEWAY_ACTION_PRINT_INVITE);
        CHECK_EQ_INT(gateway_config_merge(cli, NULL, NULL, &c, &e), -EINVAL);
        CHECK(strstr(e, "--state-dir DIR or --interface IFACE"));
        CHECK_EQ_INT(gateway_config_merge(cli, NULL, "relative", &c, &e), -EINVAL);
        CHECK(strstr(e, "$STATE_DIRECTORY"));
        CHECK_EQ_INT(gateway_config_merge(cli, NULL, "/var/lib/lanparty-gatewayd/eth0:/other", &c, &e), 0);
        CHECK_EQ_STR(c->state_dir, "/var/lib/lanparty-gatewayd/eth0");
        CHECK_EQ_INT(c->action, GATEWAY_ACTION_PRINT_INVITE);
        c = gateway_config_free(c);
        cli = gateway_config_free(cli);
        free(e);
        e = NULL;

        /* File plus command line: the command line wins key by key. */
        CHECK_EQ_INT(gateway_config_parse_file("/etc/lanparty/gatewayd-eth0.conf", conf, sizeof(conf) - 1, &file, &e),
                     0);
        CHECK_EQ_INT(gateway_config_parse_argv(5, ARGV("--interface", "eth0", "--room", "other"), &cli, &e), 0);
        CHECK_EQ_INT(gateway_config_merge(cli, file, NULL, &c, &e), 0);
        CHECK_EQ_INT(c->action, GATEWAY_ACTION_RUN);
        CHECK_EQ_STR(c->interface, "eth0");
        CHECK_EQ_STR(c->room, "other");
        CHECK_EQ_STR(c->relay.host, "relay.example.org");
        CHECK_EQ_INT(c->relay.port, 4433);
        CHECK(c->has_pin);
        CHECK_EQ_INT(c->pin[0], 0x9f);
        CHECK_EQ_STR(c->gateway_token_file, "/etc/lanparty/token");
        CHECK_EQ_STR(c->name, "Bob's basement");
        CHECK_EQ_STR(c->state_dir, GATEWAYD_STATE_DIR "/eth0");
        CHECK_EQ_STR(c->config_file, "/etc/lanparty/gatewayd-eth0.conf");
        CHECK(!c->bus_address);
        c = gateway_config_free(c);
        cli = gateway_config_free(cli);

        /* Command line only, everything given, relative paths allowed. */
        CHECK_EQ_INT(gateway_config_parse_argv(19,
                                               ARGV("--interface=eth0", "--relay", "198.51.100.1:4433", "--room",
                                                    "party", "--pin", pin_text, "--gateway-token-file", "tok",
                                                    "--state-dir", "st", "--name", "", "--bus-address",
                                                    "unix:path=/run/x", "--config", "/dev/null"),
                                               &cli, &e), 0);
        CHECK_EQ_STR(cli->config_file, "/dev/null");
        CHECK_EQ_INT(gateway_config_merge(cli, NULL, "/ignored", &c, &e), 0);
        CHECK_EQ_STR(c->state_dir, "st");
        CHECK_EQ_STR(c->name, "");
        CHECK_EQ_STR(c->bus_address, "unix:path=/run/x");
        CHECK_EQ_STR(c->gateway_token_file, "tok");
        /* Default name when none given. */
        cli->set &= ~(1U << GATEWAY_OPTION_NAME);
        c = gateway_config_free(c);
        CHECK_EQ_INT(gateway_config_merge(cli, NULL, NULL, &c, &e), 0);
        CHECK_EQ_STR(c->name, "gateway eth0");
        /* An interface name that is not UTF-8 would make HELLO invalid. */
        memcpy(cli->interface, "e\xe3h0", sizeof("e\xe3h0"));
        CHECK(interface_name_is_valid(cli->interface));
        c = gateway_config_free(c);
        CHECK_EQ_INT(gateway_config_merge(cli, NULL, NULL, &c, &e), 0);
        CHECK_EQ_STR(c->name, "gateway party");
        memcpy(cli->interface, "eth0", sizeof("eth0"));
        {
                uint8_t key[LP_ROOM_KEY_SIZE] = {};
                char invite[LP_INVITE_TEXT_MAX];

                CHECK_EQ_INT(gateway_config_format_invite(c, key, invite, sizeof(invite)), 0);
                CHECK_EQ_STR(invite, "lanparty://198.51.100.1:4433/party?k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                     "&pin=n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg");
                c->has_pin = false;
                c->relay.port = 443;
                CHECK_EQ_INT(gateway_config_format_invite(c, key, invite, sizeof(invite)), 0);
                CHECK_EQ_STR(invite, "lanparty://198.51.100.1/party?k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
                CHECK_EQ_INT(gateway_config_format_invite(c, key, invite, 10), -ENOBUFS);
        }
        c = gateway_config_free(c);
        cli = gateway_config_free(cli);
        file = gateway_config_free(file);

        /* --help wins wherever it is. */
        CHECK_EQ_INT(gateway_config_parse_argv(4, ARGV("--room", "x", "--help"), &cli, &e), 0);
        CHECK_EQ_INT(cli->action, GATEWAY_ACTION_HELP);
        cli = gateway_config_free(cli);
        CHECK_EQ_INT(gateway_config_parse_argv(2, ARGV("--version"), &cli, &e), 0);
        CHECK_EQ_INT(cli->action, GATEWAY_ACTION_VERSION);
        cli = gateway_config_free(cli);
        free(e);
}

static void test_load(void) {
        char dir[] = "/tmp/test-gatewayd-config.XXXXXX", path[256], *e = NULL;
        GatewayConfig *c = NULL;
        FILE *f;

        CHECK(mkdtemp(dir));
        /* The default file for the interface is optional... */
        CHECK_EQ_INT(gateway_config_load(9, ARGV("--interface", "eth0", "--relay", "r", "--room", "p",
                                                 "--gateway-token-file", "/t"),
                                         dir, NULL, &c, &e), 0);
        CHECK(!c->config_file);
        c = gateway_config_free(c);
        /* ...and read when it is there. */
        snprintf(path, sizeof(path), "%s/gatewayd-eth0.conf", dir);
        f = fopen(path, "w");
        CHECK(f);
        fputs("[Gateway]\nRelay=relay.example.org\nRoom=party\nGatewayTokenFile=/t\n", f);
        fclose(f);
        CHECK_EQ_INT(gateway_config_load(3, ARGV("--interface", "eth0"), dir, NULL, &c, &e), 0);
        CHECK_EQ_STR(c->config_file, path);
        CHECK_EQ_STR(c->room, "party");
        c = gateway_config_free(c);
        /* An explicit --config must exist. */
        CHECK_EQ_INT(gateway_config_load(5, ARGV("--interface", "eth0", "--config", "/nonexistent/x.conf"), dir, NULL,
                                         &c, &e), -EINVAL);
        CHECK(strstr(e, "/nonexistent/x.conf: cannot read config file"));
        /* Errors in the default file name it. */
        f = fopen(path, "w");
        CHECK(f);
        fputs("[Gateway]\nRoom=a b\n", f);
        fclose(f);
        CHECK_EQ_INT(gateway_config_load(3, ARGV("--interface", "eth0"), dir, NULL, &c, &e), -EINVAL);
        CHECK(strstr(e, path) && strstr(e, "Room="));
        CHECK_EQ_INT(unlink(path), 0);

        /* The token file: not if other users may read it. */
        {
                uint8_t token[LP_CONTROL_GATEWAY_TOKEN_MAX];
                size_t len = 0;

                snprintf(path, sizeof(path), "%s/token", dir);
                f = fopen(path, "w");
                CHECK(f);
                fputs("0123456789abcdef0123\n", f);
                fclose(f);
                CHECK_EQ_INT(chmod(path, 0644), 0);
                CHECK_EQ_INT(gateway_token_load(path, token, &len, &e), -EINVAL);
                CHECK(strstr(e, path) && strstr(e, "may be read by other users (mode 0644)"));
                CHECK(strstr(e, "chmod 600"));
                CHECK_EQ_INT(chmod(path, 0600), 0);
                CHECK_EQ_INT(gateway_token_load(path, token, &len, &e), 0);
                CHECK_EQ_INT(len, 20);
                CHECK_EQ_INT(unlink(path), 0);
        }
        CHECK_EQ_INT(rmdir(dir), 0);
        free(e);
}

static void test_help(void) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        CHECK(f);
        gateway_config_help(f);
        fclose(f);
        /* Every flag is documented; every file key too. */
        for (GatewayOption o = 0; o < _GATEWAY_OPTION_MAX; o++) {
                char key[64];

                CHECK(strstr(buf, gateway_option_to_string(o)));
                if (gateway_option_to_key(o)) {
                        snprintf(key, sizeof(key), "%s=", gateway_option_to_key(o));
                        CHECK(strstr(buf, key));
                }
        }
        CHECK(!gateway_option_to_string(_GATEWAY_OPTION_MAX));
        CHECK(!gateway_option_to_key(GATEWAY_OPTION_INTERFACE));
        free(buf);
}

int main(void) {
        RUN(test_argv_hostile);
        RUN(test_file_hostile);
        RUN(test_relay_endpoint);
        RUN(test_token);
        RUN(test_bus_name);
        RUN(test_merge);
        RUN(test_load);
        RUN(test_help);
        return 0;
}
