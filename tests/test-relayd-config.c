/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relayd-config.h"
#include "relayd-gateway-tokens.h"
#include "socket-address.h"
#include "test-util.h"

#define ARGV(...) ((char *[]) { "lanparty-relayd", __VA_ARGS__, NULL })
#define ARGC(v) ((int) (sizeof(v) / sizeof((v)[0])) - 1)

#define TOKEN16 "0123456789abcdef"

static char tmpdir[] = "/tmp/test-relayd-config-XXXXXX";

/* Parses argv, expects failure, and that the one-line message contains
 * `needle`. */
static void check_argv_fails(char **argv, int argc, const char *needle) {
        RelayConfig *c = NULL;
        char *error = NULL;

        CHECK(relay_config_parse_argv(argc, argv, &c, &error) == -EINVAL);
        CHECK(!c);
        CHECK(error);
        if (!strstr(error, needle)) {
                fprintf(stderr, "error '%s' lacks '%s'\n", error, needle);
                CHECK(false);
        }
        CHECK(!strchr(error, '\n'));
        free(error);
}
#define ARGV_FAILS(needle, ...)                                         \
        do {                                                            \
                char **_v = ARGV(__VA_ARGS__);                          \
                check_argv_fails(_v, ARGC(ARGV(__VA_ARGS__)), needle);  \
        } while (0)

static RelayConfig *argv_ok(char **argv, int argc) {
        RelayConfig *c = NULL;
        char *error = NULL;
        int r = relay_config_parse_argv(argc, argv, &c, &error);

        if (r < 0)
                fprintf(stderr, "unexpected error: %s\n", error ? error : "(none)");
        CHECK(r == 0);
        CHECK(!error);
        return c;
}
#define ARGV_OK(...) argv_ok(ARGV(__VA_ARGS__), ARGC(ARGV(__VA_ARGS__)))

static void check_file_fails(const char *data, size_t size, const char *needle) {
        RelayConfig *c = NULL;
        char *error = NULL;

        if (relay_config_parse_file("/etc/lanparty/relayd.conf", data, size, &c, &error) != -EINVAL) {
                fprintf(stderr, "config file was accepted: '%.*s'\n", (int) MIN(size, (size_t) 80), data);
                CHECK(false);
        }
        CHECK(!c);
        CHECK(error);
        if (!strstr(error, needle) || !strstr(error, "/etc/lanparty/relayd.conf: ")) {
                fprintf(stderr, "error '%s' lacks '%s' or the file name\n", error, needle);
                CHECK(false);
        }
        CHECK(!strchr(error, '\n'));
        free(error);
}
#define FILE_FAILS(data, needle) check_file_fails(data, strlen(data), needle)

static RelayConfig *file_ok(const char *data) {
        RelayConfig *c = NULL;
        char *error = NULL;
        int r = relay_config_parse_file("/etc/lanparty/relayd.conf", data, strlen(data), &c, &error);

        if (r < 0)
                fprintf(stderr, "unexpected error: %s\n", error ? error : "(none)");
        CHECK(r == 0);
        return c;
}

static const char *format(const SocketAddress *a) {
        static char buf[SOCKET_ADDRESS_STR_MAX];

        return socket_address_format(&a->sa, a->size, buf);
}

static void check_listen_bad(const char *s, const char *reason) {
        SocketAddress a;
        const char *why = NULL;

        CHECK(socket_address_parse_listen(s, &a, &why) == -EINVAL);
        CHECK(why);
        if (reason && !strstr(why, reason)) {
                fprintf(stderr, "'%s': reason '%s' lacks '%s'\n", s, why, reason);
                CHECK(false);
        }
        /* The same value through the command line names the flag. */
        ARGV_FAILS("--listen: ", "--listen", (char *) s);
}

static void check_listen_good(const char *s, int family, const char *expected) {
        SocketAddress a;

        CHECK(socket_address_parse_listen(s, &a, NULL) == 0);
        CHECK_EQ_INT(a.sa.sa_family, family);
        CHECK_EQ_INT(a.size, family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
        CHECK_EQ_STR(format(&a), expected);
}

static void test_listen_hostile(void) {
        char long_value[300];

        CHECK(socket_address_parse_listen(NULL, &(SocketAddress) {}, NULL) == -EINVAL);
        check_listen_bad("", "expected PORT");
        check_listen_bad("0", "1..65535");
        check_listen_bad("65536", "1..65535");
        check_listen_bad("99999999999999999999", "1..65535");
        check_listen_bad("-1", "1..65535");
        check_listen_bad("+443", "1..65535");
        check_listen_bad(" 443", "1..65535");
        check_listen_bad("443 ", "1..65535");
        check_listen_bad("0x1bb", "1..65535");
        check_listen_bad("443/tcp", "udp");
        check_listen_bad("443/", "udp");
        check_listen_bad("443/udp/udp", "udp");
        check_listen_bad("443/UDP", "udp");
        check_listen_bad("/udp", "expected PORT");
        check_listen_bad("1.2.3.4", "1..65535");
        check_listen_bad("1.2.3.4:", "1..65535");
        check_listen_bad(":443", "IPv4");
        check_listen_bad("1.2.3.4:0", "1..65535");
        check_listen_bad("1.2.3.4:65536", "1..65535");
        check_listen_bad("256.1.1.1:443", "IPv4");
        check_listen_bad("1.2.3:443", "IPv4");
        check_listen_bad("01.2.3.4:443", "IPv4");
        check_listen_bad("relay.example.org:443", "host names");
        check_listen_bad("::1:443", "brackets");
        check_listen_bad("::", "brackets");
        check_listen_bad("[::1]", "expected PORT");
        check_listen_bad("[::1]443", "expected PORT");
        check_listen_bad("[::1]:", "1..65535");
        check_listen_bad("[::1", "expected PORT");
        check_listen_bad("[]:443", "IPv6");
        check_listen_bad("[1.2.3.4]:443", "IPv6");
        check_listen_bad("[::1]]:443", "expected PORT");
        check_listen_bad("[fe80::1%eth0]:443", "zone");
        check_listen_bad("[::g]:443", "IPv6");
        check_listen_bad("443\n", "1..65535");

        memset(long_value, '1', sizeof(long_value) - 1);
        long_value[sizeof(long_value) - 1] = '\0';
        check_listen_bad(long_value, "too long");
}

static void test_listen_good(void) {
        check_listen_good("443/udp", AF_INET6, "[::]:443");
        check_listen_good("443", AF_INET6, "[::]:443");
        check_listen_good("1", AF_INET6, "[::]:1");
        check_listen_good("65535", AF_INET6, "[::]:65535");
        check_listen_good("192.0.2.1:4433", AF_INET, "192.0.2.1:4433");
        check_listen_good("0.0.0.0:443/udp", AF_INET, "0.0.0.0:443");
        check_listen_good("[2001:db8::1]:443", AF_INET6, "[2001:db8::1]:443");
        check_listen_good("[::]:8443/udp", AF_INET6, "[::]:8443");
}

static void test_address_format(void) {
        char buf[SOCKET_ADDRESS_STR_MAX];
        struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(5000) };
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(1) };
        struct sockaddr_storage ss = { .ss_family = AF_UNIX };

        /* Sizes that lie about the family are not read past. */
        CHECK_EQ_STR(socket_address_format((struct sockaddr *) &in, sizeof(in) - 1, buf), "(unknown)");
        CHECK_EQ_STR(socket_address_format((struct sockaddr *) &in6, sizeof(in6) - 1, buf), "(unknown)");
        CHECK_EQ_STR(socket_address_format(NULL, 0, buf), "(unknown)");
        CHECK_EQ_STR(socket_address_format((struct sockaddr *) &ss, sizeof(ss), buf), "(unknown)");

        inet_pton(AF_INET6, "::ffff:198.51.100.7", &in6.sin6_addr);
        CHECK_EQ_STR(socket_address_format((struct sockaddr *) &in6, sizeof(in6), buf), "198.51.100.7:5000");
        inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &in6.sin6_addr);
        in6.sin6_port = htons(65535);
        CHECK_EQ_STR(socket_address_format((struct sockaddr *) &in6, sizeof(in6), buf),
                     "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
        inet_pton(AF_INET, "255.255.255.255", &in.sin_addr);
        CHECK_EQ_STR(socket_address_format((struct sockaddr *) &in, sizeof(in), buf), "255.255.255.255:1");
}

static void test_argv_hostile(void) {
        char long_value[200];
        char *error = NULL;
        RelayConfig *c = NULL;

        CHECK(relay_config_parse_argv(-1, NULL, &c, &error) == -EINVAL);
        CHECK(relay_config_parse_argv(1, NULL, &c, &error) == -EINVAL);

        ARGV_FAILS("unknown option '--bogus'", "--bogus");
        ARGV_FAILS("unknown option '--bogus'", "--bogus=1");
        ARGV_FAILS("unknown option '-x'", "-x");
        ARGV_FAILS("unknown option '-'", "-");
        ARGV_FAILS("unknown option '--max'", "--max", "1");        /* no prefix matching */
        ARGV_FAILS("unknown option '--LISTEN'", "--LISTEN", "443");
        ARGV_FAILS("unexpected argument 'stray'", "stray");
        ARGV_FAILS("unexpected argument 'x'", "--", "x");
        ARGV_FAILS("unexpected argument '443'", "--listen", "1", "443");

        ARGV_FAILS("--listen: missing value", "--listen");
        ARGV_FAILS("--config: missing value", "--config");
        ARGV_FAILS("--cert: missing value", "--cert");
        ARGV_FAILS("--key: missing value", "--key");
        ARGV_FAILS("--dev-cert-dir: missing value", "--dev-cert-dir");
        ARGV_FAILS("--gateway-token-file: missing value", "--gateway-token-file");
        ARGV_FAILS("--state-dir: missing value", "--state-dir");
        ARGV_FAILS("--max-rooms: missing value", "--max-rooms");
        ARGV_FAILS("--max-peers-per-room: missing value", "--max-peers-per-room");
        ARGV_FAILS("--bus-address: missing value", "--bus-address");

        ARGV_FAILS("--insecure-open-gateways takes no value", "--insecure-open-gateways=yes");
        ARGV_FAILS("--help takes no value", "--help=1");
        ARGV_FAILS("--version takes no value", "--version=");

        ARGV_FAILS("--max-rooms: given more than once", "--max-rooms", "1", "--max-rooms", "2");
        ARGV_FAILS("--listen: given more than once", "--listen=1", "--listen=1");
        ARGV_FAILS("--insecure-open-gateways: given more than once", "--insecure-open-gateways",
                   "--insecure-open-gateways");

        /* The example from the brief, verbatim. */
        ARGV_FAILS("--max-rooms: expected an integer 1..65535, got 'x'", "--max-rooms", "x");
        ARGV_FAILS("--max-rooms: expected an integer 1..65535, got ''", "--max-rooms", "");
        ARGV_FAILS("got '0'", "--max-rooms", "0");
        ARGV_FAILS("got '65536'", "--max-rooms", "65536");
        ARGV_FAILS("got '-1'", "--max-rooms", "-1");
        ARGV_FAILS("got '+1'", "--max-rooms", "+1");
        ARGV_FAILS("got ' 1'", "--max-rooms", " 1");
        ARGV_FAILS("got '1 '", "--max-rooms", "1 ");
        ARGV_FAILS("got '1e3'", "--max-rooms", "1e3");
        ARGV_FAILS("got '0x10'", "--max-rooms", "0x10");
        ARGV_FAILS("got '18446744073709551617'", "--max-rooms", "18446744073709551617");
        ARGV_FAILS("--max-peers-per-room: expected an integer 2..65535, got '1'", "--max-peers-per-room", "1");
        ARGV_FAILS("got '65536'", "--max-peers-per-room=65536");
        ARGV_FAILS("got 'many'", "--max-peers-per-room=many");

        ARGV_FAILS("--cert: expected a file system path, got ''", "--cert", "", "--key", "k");
        ARGV_FAILS("--key: expected a file system path", "--cert", "c", "--key=");
        ARGV_FAILS("--config: expected a file system path", "--config=");
        ARGV_FAILS("--state-dir: expected a file system path", "--state-dir", "");
        ARGV_FAILS("--dev-cert-dir: expected a file system path", "--dev-cert-dir", "");
        ARGV_FAILS("--gateway-token-file: expected a file system path", "--gateway-token-file", "");
        /* Control characters are shown escaped: the message stays one line. */
        ARGV_FAILS("got '/a\\x0ab'", "--cert", "/a\nb", "--key", "k");
        ARGV_FAILS("got '/a\\x1b[31m'", "--state-dir", "/a\033[31m");
        ARGV_FAILS("--bus-address: expected a D-Bus address", "--bus-address", "");
        ARGV_FAILS("--bus-address: expected a D-Bus address", "--bus-address", "unix:path=/x\r");

        ARGV_FAILS("--cert and --key must be given together", "--cert", "c");
        ARGV_FAILS("--cert and --key must be given together", "--key", "k");
        ARGV_FAILS("--cert/--key and --dev-cert-dir are mutually exclusive", "--cert", "c", "--key", "k",
                   "--dev-cert-dir", "d");
        ARGV_FAILS("--gateway-token-file and --insecure-open-gateways are mutually exclusive",
                   "--gateway-token-file", "t", "--insecure-open-gateways");

        /* Long values are cut in the message. */
        memset(long_value, 'x', sizeof(long_value) - 1);
        long_value[sizeof(long_value) - 1] = '\0';
        ARGV_FAILS("...'", "--max-rooms", long_value);

        /* Left to right: a bad flag before --help is still an error. */
        ARGV_FAILS("unknown option '--bogus'", "--bogus", "--help");
}

static void test_argv_good(void) {
        RelayConfig *c;

        c = ARGV_OK("--help", "--bogus");
        CHECK_EQ_INT(c->action, RELAY_ACTION_HELP);
        relay_config_free(c);
        c = ARGV_OK("-h");
        CHECK_EQ_INT(c->action, RELAY_ACTION_HELP);
        relay_config_free(c);
        c = ARGV_OK("--version", "--max-rooms", "x");
        CHECK_EQ_INT(c->action, RELAY_ACTION_VERSION);
        relay_config_free(c);

        c = argv_ok(ARGV("--"), 2);
        CHECK_EQ_INT(c->action, RELAY_ACTION_RUN);
        CHECK_EQ_INT(c->set, 0);
        relay_config_free(c);

        c = ARGV_OK("--listen", "192.0.2.1:4433", "--cert", "c.pem", "--key=k.pem", "--gateway-token-file", "t",
                    "--state-dir", "/s", "--max-rooms", "007", "--max-peers-per-room=65535", "--bus-address",
                    "unix:path=/tmp/bus", "--config", "relative.conf");
        CHECK_EQ_INT(c->action, RELAY_ACTION_RUN);
        CHECK_EQ_STR(format(&c->listen), "192.0.2.1:4433");
        CHECK_EQ_STR(c->cert_file, "c.pem");
        CHECK_EQ_STR(c->key_file, "k.pem");
        CHECK(!c->dev_cert_dir);
        CHECK_EQ_STR(c->gateway_token_file, "t");
        CHECK(!c->insecure_open_gateways);
        CHECK_EQ_STR(c->state_dir, "/s");
        CHECK_EQ_INT(c->max_rooms, 7);
        CHECK_EQ_INT(c->max_peers_per_room, 65535);
        CHECK_EQ_STR(c->bus_address, "unix:path=/tmp/bus");
        CHECK_EQ_STR(c->config_file, "relative.conf");
        relay_config_free(c);

        c = ARGV_OK("--max-connections", "65535");
        CHECK_EQ_INT(c->max_connections, 65535);
        relay_config_free(c);
        c = ARGV_OK("--max-connections=16");
        CHECK_EQ_INT(c->max_connections, 16);
        relay_config_free(c);
        ARGV_FAILS("--max-connections: expected an integer 16..65535, got '15'", "--max-connections", "15");
        ARGV_FAILS("--max-connections: expected an integer 16..65535, got '0'", "--max-connections", "0");
        ARGV_FAILS("got '65536'", "--max-connections", "65536");
        ARGV_FAILS("got '0x400'", "--max-connections", "0x400");
        ARGV_FAILS("--max-connections: missing value", "--max-connections");
        ARGV_FAILS("--max-connections: given more than once", "--max-connections", "16", "--max-connections", "17");

        c = ARGV_OK("--max-rooms=1", "--max-peers-per-room", "2", "--insecure-open-gateways", "--dev-cert-dir", "d");
        CHECK_EQ_INT(c->max_rooms, 1);
        CHECK_EQ_INT(c->max_peers_per_room, 2);
        CHECK(c->insecure_open_gateways);
        CHECK_EQ_STR(c->dev_cert_dir, "d");
        relay_config_free(c);
}

static void test_file_hostile(void) {
        static const char nul[] = "[Relay]\nMaxRooms=1\0\nMaxRooms=2\n";
        char *big;

        CHECK(relay_config_parse_file(NULL, "", 0, &(RelayConfig *) { NULL }, NULL) == -EINVAL);
        CHECK(relay_config_parse_file("f", NULL, 1, &(RelayConfig *) { NULL }, NULL) == -EINVAL);

        check_file_fails(nul, sizeof(nul) - 1, "NUL byte");
        big = malloc(RELAYD_CONFIG_FILE_MAX + 2);
        CHECK(big);
        memset(big, '#', RELAYD_CONFIG_FILE_MAX + 1);
        big[RELAYD_CONFIG_FILE_MAX + 1] = '\0';
        FILE_FAILS(big, "file too large");
        free(big);

        FILE_FAILS("garbage\n", "garbage");
        FILE_FAILS("Listen=443\n[Relay]\n", "group");
        FILE_FAILS("[Relay\nListen=443\n", "Relay");
        FILE_FAILS("[Other]\nX=1\n", "unknown section [Other]");
        FILE_FAILS("[Relay]\nListen=443\n[relay]\n", "unknown section [relay]");
        FILE_FAILS("[Relay]\nFoo=1\n", "unknown key 'Foo' in [Relay]");
        FILE_FAILS("[Relay]\nlisten=443\n", "unknown key 'listen'");
        FILE_FAILS("[Relay]\nListen[de]=443\n", "unknown key 'Listen[de]'");
        FILE_FAILS("[Relay]\nConfig=/x\n", "unknown key 'Config'");
        FILE_FAILS("[Relay]\nHelp=yes\n", "unknown key 'Help'");

        FILE_FAILS("[Relay]\nMaxRooms=abc\n", "MaxRooms=: expected an integer 1..65535, got 'abc'");
        FILE_FAILS("[Relay]\nMaxRooms=\n", "MaxRooms=: expected an integer 1..65535, got ''");
        FILE_FAILS("[Relay]\nMaxRooms=0\n", "got '0'");
        FILE_FAILS("[Relay]\nMaxPeersPerRoom=1\n", "MaxPeersPerRoom=: expected an integer 2..65535, got '1'");
        FILE_FAILS("[Relay]\nMaxPeersPerRoom=70000\n", "got '70000'");
        FILE_FAILS("[Relay]\nMaxConnections=15\n", "MaxConnections=: expected an integer 16..65535, got '15'");
        FILE_FAILS("[Relay]\nMaxConnections=65536\n", "got '65536'");
        FILE_FAILS("[Relay]\nMaxConnections=-1\n", "got '-1'");
        FILE_FAILS("[Relay]\nMaxConnections=1k\n", "got '1k'");
        FILE_FAILS("[Relay]\nMaxConnections=\n", "MaxConnections=: expected an integer 16..65535, got ''");
        FILE_FAILS("[Relay]\nMaxConnections=16\nMaxConnections=17\n", "MaxConnections= given more than once");
        FILE_FAILS("[Relay]\nInsecureOpenGateways=maybe\n", "InsecureOpenGateways=: expected a boolean");
        FILE_FAILS("[Relay]\nInsecureOpenGateways=\n", "InsecureOpenGateways=: expected a boolean");
        FILE_FAILS("[Relay]\nListen=nope\n", "Listen=: ");
        FILE_FAILS("[Relay]\nListen=443/tcp\n", "udp");
        FILE_FAILS("[Relay]\nCertificate=relative.pem\nKey=/k\n", "Certificate=: expected an absolute path");
        FILE_FAILS("[Relay]\nStateDirectory=var/lib\n", "StateDirectory=: expected an absolute path");
        FILE_FAILS("[Relay]\nGatewayTokenFile=\n", "GatewayTokenFile=: expected a file system path");
        FILE_FAILS("[Relay]\nDevCertDir=/a\\nb\n", "got '/a\\x0ab'"); /* GKeyFile's \n escape */
        FILE_FAILS("[Relay]\nDevCertDir=/\xc3\x28\n", "DevCertDir=: ");  /* invalid UTF-8 */
        FILE_FAILS("[Relay]\nBusAddress=\n", "BusAddress=: expected a D-Bus address");

        FILE_FAILS("[Relay]\nMaxRooms=1\nMaxRooms=2\n", "MaxRooms= given more than once");

        FILE_FAILS("[Relay]\nCertificate=/c\n", "Certificate= and Key= must be given together");
        FILE_FAILS("[Relay]\nKey=/k\n", "Certificate= and Key= must be given together");
        FILE_FAILS("[Relay]\nCertificate=/c\nKey=/k\nDevCertDir=/d\n",
                   "Certificate=/Key= and DevCertDir= are mutually exclusive");
        FILE_FAILS("[Relay]\nGatewayTokenFile=/t\nInsecureOpenGateways=yes\n",
                   "GatewayTokenFile= and InsecureOpenGateways=yes are mutually exclusive");
}

static void test_file_good(void) {
        RelayConfig *c;

        c = file_ok("");
        CHECK_EQ_INT(c->set, 0);
        CHECK_EQ_STR(c->config_file, "/etc/lanparty/relayd.conf");
        relay_config_free(c);
        c = file_ok("# only a comment\n\n");
        CHECK_EQ_INT(c->set, 0);
        relay_config_free(c);
        c = file_ok("[Relay]\n");
        CHECK_EQ_INT(c->set, 0);
        relay_config_free(c);

        c = file_ok("# lanparty\n[Relay]\nListen=[2001:db8::5]:4433\nCertificate=/c.pem\nKey=/k.pem\n"
                    "GatewayTokenFile=/etc/lanparty/tokens\nInsecureOpenGateways=no\nStateDirectory=/srv/relay\n"
                    "MaxRooms=12\nMaxPeersPerRoom=34\nBusAddress=unix:path=/run/x\n");
        CHECK_EQ_STR(format(&c->listen), "[2001:db8::5]:4433");
        CHECK_EQ_STR(c->cert_file, "/c.pem");
        CHECK_EQ_STR(c->key_file, "/k.pem");
        CHECK_EQ_STR(c->gateway_token_file, "/etc/lanparty/tokens");
        CHECK(!c->insecure_open_gateways);
        CHECK_EQ_STR(c->state_dir, "/srv/relay");
        CHECK_EQ_INT(c->max_rooms, 12);
        CHECK_EQ_INT(c->max_peers_per_room, 34);
        CHECK_EQ_STR(c->bus_address, "unix:path=/run/x");
        relay_config_free(c);

        c = file_ok("[Relay]\nInsecureOpenGateways=TRUE\nDevCertDir=/d\n");
        CHECK(c->insecure_open_gateways);
        CHECK_EQ_STR(c->dev_cert_dir, "/d");
        relay_config_free(c);
}

static RelayConfig *merge(RelayConfig *cli, RelayConfig *file, const char *state_directory, char **error) {
        RelayConfig *c = NULL;
        int r = relay_config_merge(cli, file, state_directory, &c, error);

        relay_config_free(cli);
        relay_config_free(file);
        if (r < 0) {
                CHECK(!c);
                CHECK(*error);
                CHECK(!strchr(*error, '\n'));
        }
        return c;
}

static void test_merge(void) {
        char *error = NULL;
        RelayConfig *c;

        /* Neither a token file nor insecure mode: refuse. */
        c = merge(ARGV_OK("--listen", "443"), NULL, NULL, &error);
        CHECK(!c);
        CHECK(strstr(error, "gateways need a token"));
        free(error);
        error = NULL;

        c = merge(NULL, file_ok("[Relay]\nInsecureOpenGateways=no\n"), NULL, &error);
        CHECK(!c);
        CHECK(strstr(error, "gateways need a token"));
        free(error);
        error = NULL;

        /* Bad $STATE_DIRECTORY. */
        c = merge(ARGV_OK("--insecure-open-gateways"), NULL, "relative", &error);
        CHECK(!c);
        CHECK(strstr(error, "$STATE_DIRECTORY: expected an absolute path, got 'relative'"));
        free(error);
        error = NULL;

        /* Defaults. */
        c = merge(ARGV_OK("--insecure-open-gateways"), NULL, NULL, &error);
        CHECK(c);
        CHECK_EQ_STR(format(&c->listen), "[::]:443");
        CHECK_EQ_INT(c->max_rooms, RELAYD_MAX_ROOMS_DEFAULT);
        CHECK_EQ_INT(c->max_peers_per_room, RELAYD_MAX_PEERS_DEFAULT);
        CHECK_EQ_INT(c->max_connections, RELAYD_MAX_CONNECTIONS_DEFAULT);
        CHECK_EQ_STR(c->state_dir, RELAYD_STATE_DIR);
        CHECK_EQ_STR(c->dev_cert_dir, RELAYD_STATE_DIR "/dev-cert");
        CHECK(!c->cert_file);
        CHECK(!c->bus_address);
        CHECK(!c->config_file);
        relay_config_free(c);

        /* $STATE_DIRECTORY: the first of several; --state-dir beats it. */
        c = merge(ARGV_OK("--insecure-open-gateways"), NULL, "/var/lib/a:/var/lib/b", &error);
        CHECK_EQ_STR(c->state_dir, "/var/lib/a");
        CHECK_EQ_STR(c->dev_cert_dir, "/var/lib/a/dev-cert");
        relay_config_free(c);
        c = merge(ARGV_OK("--insecure-open-gateways"), NULL, "", &error);
        CHECK_EQ_STR(c->state_dir, RELAYD_STATE_DIR);
        relay_config_free(c);
        c = merge(ARGV_OK("--insecure-open-gateways", "--state-dir", "/s"), NULL, "/var/lib/a", &error);
        CHECK_EQ_STR(c->state_dir, "/s");
        CHECK_EQ_STR(c->dev_cert_dir, "/s/dev-cert");
        relay_config_free(c);
        c = merge(NULL, file_ok("[Relay]\nStateDirectory=/f\nInsecureOpenGateways=1\n"), "/var/lib/a", &error);
        CHECK_EQ_STR(c->state_dir, "/f");
        relay_config_free(c);

        /* Flags beat keys, one by one. */
        c = merge(ARGV_OK("--max-rooms", "5", "--listen", "7000"),
                  file_ok("[Relay]\nMaxRooms=9\nMaxPeersPerRoom=9\nListen=1.2.3.4:1\nGatewayTokenFile=/t\n"
                          "BusAddress=unix:path=/f\n"),
                  NULL, &error);
        CHECK(c);
        CHECK_EQ_INT(c->max_rooms, 5);
        CHECK_EQ_INT(c->max_peers_per_room, 9);
        CHECK_EQ_STR(format(&c->listen), "[::]:7000");
        CHECK_EQ_STR(c->gateway_token_file, "/t");
        CHECK_EQ_STR(c->bus_address, "unix:path=/f");
        CHECK_EQ_STR(c->config_file, "/etc/lanparty/relayd.conf");
        relay_config_free(c);

        /* Choices replace the file's choice as a whole. */
        c = merge(ARGV_OK("--dev-cert-dir", "/d", "--insecure-open-gateways"),
                  file_ok("[Relay]\nCertificate=/c\nKey=/k\nGatewayTokenFile=/t\n"), NULL, &error);
        CHECK(c);
        CHECK(!c->cert_file);
        CHECK(!c->key_file);
        CHECK_EQ_STR(c->dev_cert_dir, "/d");
        CHECK(!c->gateway_token_file);
        CHECK(c->insecure_open_gateways);
        relay_config_free(c);

        c = merge(ARGV_OK("--cert", "c", "--key", "k", "--gateway-token-file", "t"),
                  file_ok("[Relay]\nDevCertDir=/d\nInsecureOpenGateways=yes\n"), NULL, &error);
        CHECK(c);
        CHECK_EQ_STR(c->cert_file, "c");
        CHECK_EQ_STR(c->key_file, "k");
        CHECK(!c->dev_cert_dir);
        CHECK_EQ_STR(c->gateway_token_file, "t");
        CHECK(!c->insecure_open_gateways);
        relay_config_free(c);

        /* --cert alone on the command line still needs --key there. */
        ARGV_FAILS("--cert and --key must be given together", "--cert", "c");
}

static char *write_temp(const char *name, const char *data) {
        char *path;
        int fd;

        CHECK(asprintf(&path, "%s/%s", tmpdir, name) > 0);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        CHECK(write(fd, data, strlen(data)) == (ssize_t) strlen(data));
        close(fd);
        return path;
}

static void test_load(void) {
        char *error = NULL, *conf, *missing, *dir;
        RelayConfig *c = NULL;

        CHECK(asprintf(&missing, "%s/missing.conf", tmpdir) > 0);
        conf = write_temp("relayd.conf", "[Relay]\nMaxRooms=3\nInsecureOpenGateways=yes\n");
        CHECK(asprintf(&dir, "%s/sub", tmpdir) > 0);
        CHECK(mkdir(dir, 0700) == 0);

        /* An explicit --config must exist and be a file. */
        CHECK(relay_config_load(ARGC(ARGV("--config", missing)), ARGV("--config", missing), NULL, NULL, &c,
                                &error) == -EINVAL);
        CHECK(strstr(error, "missing.conf: cannot read config file: No such file or directory"));
        free(error);
        error = NULL;
        CHECK(relay_config_load(ARGC(ARGV("--config", dir)), ARGV("--config", dir), NULL, NULL, &c, &error) ==
              -EINVAL);
        CHECK(strstr(error, "sub: cannot read config file"));
        free(error);
        error = NULL;

        /* The default file may be missing. */
        CHECK(relay_config_load(ARGC(ARGV("--insecure-open-gateways")), ARGV("--insecure-open-gateways"), missing,
                                NULL, &c, &error) == 0);
        CHECK(!c->config_file);
        relay_config_free(c);

        /* A default file that exists is read; flags beat it. */
        CHECK(relay_config_load(ARGC(ARGV("--max-peers-per-room", "3")), ARGV("--max-peers-per-room", "3"), conf,
                                NULL, &c, &error) == 0);
        CHECK_EQ_STR(c->config_file, conf);
        CHECK_EQ_INT(c->max_rooms, 3);
        CHECK_EQ_INT(c->max_peers_per_room, 3);
        CHECK(c->insecure_open_gateways);
        relay_config_free(c);

        CHECK(relay_config_load(ARGC(ARGV("--config", conf, "--max-rooms", "4")), ARGV("--config", conf, "--max-rooms", "4"),
                                missing, NULL, &c, &error) == 0);
        CHECK_EQ_INT(c->max_rooms, 4);
        relay_config_free(c);

        /* Errors in the file name it. */
        free(conf);
        conf = write_temp("bad.conf", "[Relay]\nMaxRooms=lots\n");
        CHECK(relay_config_load(ARGC(ARGV("--config", conf)), ARGV("--config", conf), NULL, NULL, &c, &error) ==
              -EINVAL);
        CHECK(strstr(error, "bad.conf: MaxRooms=: expected an integer 1..65535, got 'lots'"));
        free(error);
        error = NULL;

        /* --help wins over a broken config file: it is never read. */
        CHECK(relay_config_load(ARGC(ARGV("--config", conf, "--help")), ARGV("--config", conf, "--help"), NULL,
                                NULL, &c, &error) == 0);
        CHECK_EQ_INT(c->action, RELAY_ACTION_HELP);
        relay_config_free(c);

        CHECK(unlink(conf) == 0);
        CHECK(rmdir(dir) == 0);
        free(conf);
        free(missing);
        free(dir);
        conf = NULL;
        CHECK(asprintf(&conf, "%s/relayd.conf", tmpdir) > 0);
        CHECK(unlink(conf) == 0);
        free(conf);
}

static void check_tokens_fail(const char *data, size_t size, const char *needle) {
        GatewayTokens *t = NULL;
        char *error = NULL;

        CHECK(gateway_tokens_parse("tokens", data, size, &t, &error) == -EINVAL);
        CHECK(!t);
        CHECK(error);
        if (!strstr(error, needle) || strncmp(error, "tokens: ", 8) != 0) {
                fprintf(stderr, "error '%s' lacks '%s'\n", error, needle);
                CHECK(false);
        }
        CHECK(!strchr(error, '\n'));
        free(error);
}
#define TOKENS_FAIL(data, needle) check_tokens_fail(data, strlen(data), needle)

static GatewayTokens *tokens_ok(const char *data) {
        GatewayTokens *t = NULL;
        char *error = NULL;
        int r = gateway_tokens_parse("tokens", data, strlen(data), &t, &error);

        if (r < 0)
                fprintf(stderr, "unexpected error: %s\n", error ? error : "(none)");
        CHECK(r == 0);
        return t;
}

static void test_tokens_hostile(void) {
        static const char nul[] = TOKEN16 "\0" TOKEN16 "\n";
        char buf[GATEWAY_TOKEN_MAX + 8], *big, *many;
        GatewayTokens *t = NULL;
        size_t o = 0;

        CHECK(gateway_tokens_parse(NULL, "", 0, &t, NULL) == -EINVAL);
        CHECK(gateway_tokens_parse("x", NULL, 1, &t, NULL) == -EINVAL);

        TOKENS_FAIL("", "no gateway tokens");
        TOKENS_FAIL("\n\n   \n\t\n", "no gateway tokens");
        TOKENS_FAIL("# just a comment\n  # another\n", "no gateway tokens");
        TOKENS_FAIL("0123456789abcde\n", "line 1: token has 15 characters, expected 16..128");
        TOKENS_FAIL("# c\n" TOKEN16 "\nshort\n", "line 3: token has 5 characters");
        /* A blank ends the token; the rooms follow. */
        TOKENS_FAIL("0123456789 abcdef\n", "line 1: token has 10 characters");
        TOKENS_FAIL("0123456789\tabcdef\n", "line 1: token has 10 characters");
        TOKENS_FAIL(TOKEN16 " party,\n", "line 1: '' is not a room name");
        TOKENS_FAIL(TOKEN16 " ,party\n", "line 1: '' is not a room name");
        TOKENS_FAIL(TOKEN16 " party,,lan\n", "line 1: '' is not a room name");
        TOKENS_FAIL(TOKEN16 " party/1\n", "line 1: 'party/1' is not a room name");
        TOKENS_FAIL(TOKEN16 " *,party\n", "line 1: '*' is not a room name");
        TOKENS_FAIL(TOKEN16 " **\n", "line 1: '**' is not a room name");
        TOKENS_FAIL(TOKEN16 " 0123456789012345678901234567890123\n", "'01234567890123456789012345678901...' is not");
        TOKENS_FAIL(TOKEN16 " party,lan,party\n", "line 1: room 'party' is listed twice");
        TOKENS_FAIL(TOKEN16 " lan-1,lan-2,lan-2\n", "line 1: room 'lan-2' is listed twice");
        TOKENS_FAIL(TOKEN16 " party max=2\n", "line 1: expected max-rooms=N after the rooms, got 'max=2'");
        TOKENS_FAIL(TOKEN16 " * max-rooms=\n", "line 1: max-rooms= takes a number of rooms, 1..65535");
        TOKENS_FAIL(TOKEN16 " * max-rooms=0\n", "max-rooms= takes a number");
        TOKENS_FAIL(TOKEN16 " * max-rooms=65536\n", "max-rooms= takes a number");
        TOKENS_FAIL(TOKEN16 " * max-rooms=99999999999999999999999\n", "max-rooms= takes a number");
        TOKENS_FAIL(TOKEN16 " * max-rooms=-1\n", "max-rooms= takes a number");
        TOKENS_FAIL(TOKEN16 " * max-rooms=2x\n", "max-rooms= takes a number");
        TOKENS_FAIL(TOKEN16 " * max-rooms=2 more\n", "line 1: unexpected 'more' after max-rooms=");
        TOKENS_FAIL(TOKEN16 " party,lan max-rooms=3\n", "line 1: max-rooms=3, but only 2 rooms are listed");
        TOKENS_FAIL(TOKEN16 " party max-rooms=2\n", "max-rooms=2, but only 1 room is listed");
        TOKENS_FAIL(TOKEN16 " party\x01\n", "line 1: a character that is not printable ASCII after the token");
        TOKENS_FAIL(TOKEN16 " p\xc3\xa4rty\n", "not printable ASCII after the token");
        TOKENS_FAIL("# c\n" TOKEN16 " party\n\n" TOKEN16 " lan\n", "line 4: the same token as on line 2");
        TOKENS_FAIL("0123456789\x01" "abcdef\n", "not printable ASCII");
        TOKENS_FAIL("0123456789\x7f" "abcdef\n", "not printable ASCII");
        TOKENS_FAIL("0123456789\xc3\xa4" "abcdef\n", "not printable ASCII");
        TOKENS_FAIL("0123456789abcdef\r\r\nx\r\n", "line 2");
        check_tokens_fail(nul, sizeof(nul) - 1, "line 1: token contains");

        memset(buf, 'a', GATEWAY_TOKEN_MAX + 1);
        buf[GATEWAY_TOKEN_MAX + 1] = '\0';
        TOKENS_FAIL(buf, "line 1: token has 129 characters");

        big = malloc(GATEWAY_TOKENS_FILE_MAX + 2);
        CHECK(big);
        memset(big, '#', GATEWAY_TOKENS_FILE_MAX + 1);
        big[GATEWAY_TOKENS_FILE_MAX + 1] = '\0';
        TOKENS_FAIL(big, "file too large");
        free(big);

        many = malloc((size_t) (GATEWAY_TOKENS_MAX + 1) * 18 + 1);
        CHECK(many);
        for (int i = 0; i <= GATEWAY_TOKENS_MAX; i++)
                o += (size_t) sprintf(many + o, "token-%010d\n", i);
        TOKENS_FAIL(many, "more than 4096 tokens");
        free(many);
}

static void test_tokens(void) {
        char max[GATEWAY_TOKEN_MAX + 2], longer[GATEWAY_TOKEN_MAX + 2];
        GatewayTokens *t;

        t = tokens_ok("# gateway tokens\n  " TOKEN16 "  \r\n\n\t# indented comment\nsecond-token-for-gw2\r\n"
                      "no-newline-at-end-of-file");
        CHECK_EQ_INT(t->n_tokens, 3);
        CHECK(gateway_tokens_check(t, TOKEN16, 16));
        CHECK(gateway_tokens_check(t, "second-token-for-gw2", 20));
        CHECK(gateway_tokens_check(t, "no-newline-at-end-of-file", 25));
        CHECK(!gateway_tokens_check(t, TOKEN16, 15));                   /* prefix */
        CHECK(!gateway_tokens_check(t, TOKEN16 "0", 17));               /* longer */
        CHECK(!gateway_tokens_check(t, "0123456789abcdeF", 16));         /* last byte differs */
        CHECK(!gateway_tokens_check(t, "1123456789abcdef", 16));         /* first byte differs */
        CHECK(!gateway_tokens_check(t, "\0" "123456789abcdef", 16));
        CHECK(!gateway_tokens_check(t, TOKEN16, 0));
        CHECK(!gateway_tokens_check(t, NULL, 16));
        CHECK(!gateway_tokens_check(NULL, TOKEN16, 16));
        gateway_tokens_free(t);

        /* 128 characters fit; a 129-byte candidate never matches. */
        memset(max, '~', GATEWAY_TOKEN_MAX);
        max[GATEWAY_TOKEN_MAX] = '\0';
        t = tokens_ok(max);
        CHECK_EQ_INT(t->n_tokens, 1);
        CHECK(gateway_tokens_check(t, max, GATEWAY_TOKEN_MAX));
        memset(longer, '~', GATEWAY_TOKEN_MAX + 1);
        CHECK(!gateway_tokens_check(t, longer, GATEWAY_TOKEN_MAX + 1));
        gateway_tokens_free(t);

        /* Rooms and quotas. */
        t = tokens_ok("# token rooms\n" TOKEN16 "\n"
                      "party-token-0123 party\n"
                      "lan-token-012345\tlan-1,lan-2,lan_3   max-rooms=2\n"
                      "any-token-012345 *\n"
                      "many-token-01234 * max-rooms=65535\n");
        CHECK_EQ_INT(t->n_tokens, 5);
        CHECK_EQ_INT(t->n_unbound, 1);
        CHECK(t->tokens[0].unbound && !t->tokens[0].rooms && t->tokens[0].max_rooms == 1);
        CHECK_EQ_INT(t->tokens[0].line, 2);
        CHECK(!t->tokens[1].unbound);
        CHECK_EQ_STR(t->tokens[1].rooms, "party");
        CHECK_EQ_INT(t->tokens[1].max_rooms, 1);
        CHECK_EQ_STR(t->tokens[2].rooms, "lan-1,lan-2,lan_3");
        CHECK_EQ_INT(t->tokens[2].max_rooms, 2);
        CHECK(!t->tokens[3].rooms && !t->tokens[3].unbound && t->tokens[3].max_rooms == 1);
        CHECK_EQ_INT(t->tokens[4].max_rooms, 65535);
        CHECK(gateway_tokens_find(t, "lan-token-012345", 16) == &t->tokens[2]);
        CHECK(gateway_tokens_find(t, "many-token-01234", 16) == &t->tokens[4]);
        CHECK(gateway_tokens_find(t, TOKEN16, 16) == &t->tokens[0]);
        CHECK(!gateway_tokens_find(t, "lan-token-01234", 15));
        CHECK(gateway_token_allows_room(&t->tokens[0], "anything"));
        CHECK(gateway_token_allows_room(&t->tokens[1], "party"));
        CHECK(!gateway_token_allows_room(&t->tokens[1], "part"));
        CHECK(!gateway_token_allows_room(&t->tokens[1], "party2"));
        CHECK(!gateway_token_allows_room(&t->tokens[1], ""));
        CHECK(gateway_token_allows_room(&t->tokens[2], "lan-1"));
        CHECK(gateway_token_allows_room(&t->tokens[2], "lan_3"));
        CHECK(!gateway_token_allows_room(&t->tokens[2], "lan-1,lan-2"));
        CHECK(!gateway_token_allows_room(&t->tokens[2], "lan"));
        CHECK(!gateway_token_allows_room(&t->tokens[2], NULL));
        CHECK(!gateway_token_allows_room(NULL, "lan-1"));
        CHECK(gateway_token_allows_room(&t->tokens[3], "x"));
        gateway_tokens_free(t);

        /* Every printable character is allowed, '#' inside a token too. */
        t = tokens_ok("!\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~\n");
        CHECK_EQ_INT(t->n_tokens, 1);
        gateway_tokens_free(t);

        gateway_tokens_free(NULL);
}

static void test_tokens_load(void) {
        char *error = NULL, *path, *missing;
        GatewayTokens *t = NULL;

        CHECK(asprintf(&missing, "%s/nope", tmpdir) > 0);
        CHECK(gateway_tokens_load(missing, &t, &error) == -EINVAL);
        CHECK(strstr(error, "nope: cannot read gateway token file: No such file or directory"));
        free(error);
        error = NULL;

        CHECK(gateway_tokens_load(tmpdir, &t, &error) == -EINVAL);
        CHECK(strstr(error, "cannot read gateway token file: Is a directory"));
        free(error);
        error = NULL;

        path = write_temp("empty-tokens", "");
        CHECK(gateway_tokens_load(path, &t, &error) == -EINVAL);
        CHECK(strstr(error, "empty-tokens: no gateway tokens"));
        free(error);
        error = NULL;
        CHECK(unlink(path) == 0);
        free(path);

        path = write_temp("tokens", TOKEN16 "\n");
        CHECK(gateway_tokens_load(path, &t, &error) == 0);
        CHECK_EQ_INT(t->n_tokens, 1);
        gateway_tokens_free(t);
        CHECK(unlink(path) == 0);
        free(path);
        free(missing);
}

static void test_rates(void) {
        RelayConfig *c;
        char *error = NULL;

        /* Hostile values first. */
        ARGV_FAILS("--rate-broadcast: expected an integer 0..1000000, got '-1'", "--rate-broadcast", "-1");
        ARGV_FAILS("--rate-broadcast: expected an integer 0..1000000, got '1000001'", "--rate-broadcast=1000001");
        ARGV_FAILS("--rate-unknown-unicast: missing value", "--rate-unknown-unicast");
        ARGV_FAILS("--rate-bandwidth: expected an integer 0..4000000000, got '4000000001'",
                   "--rate-bandwidth", "4000000001");
        ARGV_FAILS("--rate-bandwidth: expected an integer", "--rate-bandwidth", "99999999999999999999999");
        ARGV_FAILS("--rate-bandwidth: given more than once", "--rate-bandwidth=1", "--rate-bandwidth=2");
        FILE_FAILS("[Relay]\nRateBroadcast=lots\n", "RateBroadcast=: expected an integer 0..1000000, got 'lots'");
        FILE_FAILS("[Relay]\nRateUnknownUnicast=\n", "RateUnknownUnicast=: expected an integer");
        FILE_FAILS("[Relay]\nRateBandwidth=1e6\n", "RateBandwidth=: expected an integer");

        c = ARGV_OK("--rate-broadcast", "0", "--rate-unknown-unicast=5", "--rate-bandwidth", "4000000000");
        CHECK_EQ_INT(c->rate_broadcast, 0);
        CHECK_EQ_INT(c->rate_unknown_unicast, 5);
        CHECK_EQ_INT(c->rate_bandwidth, 4000000000U);
        relay_config_free(c);

        /* Defaults, and the command line over the file key by key. */
        c = merge(ARGV_OK("--insecure-open-gateways"), NULL, NULL, &error);
        CHECK(c);
        CHECK_EQ_INT(c->rate_broadcast, RELAYD_RATE_BROADCAST_DEFAULT);
        CHECK_EQ_INT(c->rate_unknown_unicast, RELAYD_RATE_UNKNOWN_UNICAST_DEFAULT);
        CHECK_EQ_INT(c->rate_bandwidth, RELAYD_RATE_BANDWIDTH_DEFAULT);
        relay_config_free(c);

        c = merge(ARGV_OK("--insecure-open-gateways", "--rate-broadcast=7"),
                  file_ok("[Relay]\nRateBroadcast=1\nRateUnknownUnicast=2\nRateBandwidth=3\n"), NULL, &error);
        CHECK(c);
        CHECK_EQ_INT(c->rate_broadcast, 7);
        CHECK_EQ_INT(c->rate_unknown_unicast, 2);
        CHECK_EQ_INT(c->rate_bandwidth, 3);
        relay_config_free(c);
        CHECK(!error);
}

static void test_help(void) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        CHECK(f);
        relay_config_help(f);
        CHECK(fclose(f) == 0);
        /* Every flag is documented. */
        for (RelayOption o = 0; o < _RELAY_OPTION_MAX; o++) {
                if (!strstr(text, relay_option_to_string(o))) {
                        fprintf(stderr, "--help lacks %s\n", relay_option_to_string(o));
                        CHECK(false);
                }
                if (relay_option_to_key(o) && !strstr(text, relay_option_to_key(o))) {
                        fprintf(stderr, "--help lacks %s=\n", relay_option_to_key(o));
                        CHECK(false);
                }
        }
        CHECK(!relay_option_to_string(_RELAY_OPTION_MAX));
        CHECK(!relay_option_to_string(_RELAY_OPTION_INVALID));
        free(text);
}

int main(void) {
        CHECK(mkdtemp(tmpdir));

        RUN(test_listen_hostile);
        RUN(test_argv_hostile);
        RUN(test_file_hostile);
        RUN(test_tokens_hostile);
        RUN(test_listen_good);
        RUN(test_address_format);
        RUN(test_argv_good);
        RUN(test_file_good);
        RUN(test_merge);
        RUN(test_load);
        RUN(test_tokens);
        RUN(test_tokens_load);
        RUN(test_rates);
        RUN(test_help);

        CHECK(rmdir(tmpdir) == 0);
        return 0;
}
