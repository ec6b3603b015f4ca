/* SPDX-License-Identifier: MIT */
/* The gateway's own parsers, as production calls them. The first byte picks
 * one: a command line and a config file merged as gateway_config_load()
 * merges them, a command line alone, a gateway token file, a relay
 * endpoint. Checks: errors are one printable line, accepted values are
 * within their documented ranges, --help and --version win, a merge keeps
 * what the command line gave over what the file gave and leaves nothing the
 * action needs unset, a relay endpoint formats back into text that parses
 * to the same endpoint. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf-parse.h"
#include "gatewayd-config.h"
#include "macro.h"
#include "room-name.h"
#include "../test-util.h"

#define ARGS_MAX 32


static void check_line(const char *s) {
        if (!s)
                abort();
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        abort();
}

static void check_and_free_error(char *error) {
        check_line(error);
        free(error);
}

static bool streq_ptr(const char *a, const char *b) {
        return a == b || (a && b && strcmp(a, b) == 0);
}

static void check_endpoint(const RelayEndpoint *e) {
        char buf[RELAY_ENDPOINT_STR_MAX];
        const char *why = NULL;
        RelayEndpoint again;
        uint8_t addr[16];
        size_t n = strlen(e->host);

        if (n == 0 || n > LP_INVITE_HOST_MAX || e->port == 0)
                abort();
        /* Literals are connected to as they are: the libc must agree. */
        switch (e->host_type) {
        case INVITE_HOST_DNS:
                break;
        case INVITE_HOST_IPV4:
                if (inet_pton(AF_INET, e->host, addr) != 1)
                        abort();
                break;
        case INVITE_HOST_IPV6:
                if (inet_pton(AF_INET6, e->host, addr) != 1)
                        abort();
                break;
        default:
                abort();
        }
        /* The formatted form goes into the invite link and back. */
        if (relay_endpoint_parse(relay_endpoint_format(e, buf), &again, &why) < 0)
                abort();
        if (strcmp(again.host, e->host) != 0 || again.host_type != e->host_type || again.port != e->port)
                abort();
}

static void check_path(const char *path, bool absolute) {
        if (path && (!*path || string_has_control(path) || (absolute && path[0] != '/')))
                abort();
}

static void check_config(const GatewayConfig *c, bool from_file) {
        size_t n = strlen(c->name);

        if (c->action < 0 || c->action >= _GATEWAY_ACTION_MAX)
                abort();
        if ((c->set & CONF_OPTION_BIT(GATEWAY_OPTION_INTERFACE)) && !interface_name_is_valid(c->interface))
                abort();
        if (c->set & CONF_OPTION_BIT(GATEWAY_OPTION_RELAY))
                check_endpoint(&c->relay);
        if ((c->set & CONF_OPTION_BIT(GATEWAY_OPTION_ROOM)) && !room_name_is_valid(c->room, strlen(c->room)))
                abort();
        if (!!(c->set & CONF_OPTION_BIT(GATEWAY_OPTION_PIN)) != c->has_pin)
                abort();
        /* It travels in HELLO. */
        if (n > LP_CONTROL_NAME_MAX || (n > 0 && !control_text_is_valid(c->name, n)))
                abort();
        /* A service's working directory is nobody's business. */
        check_path(c->gateway_token_file, from_file);
        check_path(c->state_dir, from_file);
        check_path(c->bus_address, false);
        if (from_file)
                for (GatewayOption o = 0; o < _GATEWAY_OPTION_MAX; o++)
                        if ((c->set & CONF_OPTION_BIT(o)) && !gateway_option_to_key(o))
                                abort();
}

/* The source whose value for `o` a merge must keep: the command line over
 * the file. NULL when neither gave one. */
static const GatewayConfig *winner(const GatewayConfig *cli, const GatewayConfig *file, GatewayOption o) {
        if (cli->set & CONF_OPTION_BIT(o))
                return cli;
        if (file && (file->set & CONF_OPTION_BIT(o)))
                return file;
        return NULL;
}

static void check_merged(const GatewayConfig *m, const GatewayConfig *cli, const GatewayConfig *file) {
        const GatewayConfig *w;

        check_config(m, false);
        if (m->action != cli->action || !streq_ptr(m->config_file, file ? file->config_file : NULL))
                abort();
        /* Complete for the action: nothing later has to check again. */
        if (!(m->set & CONF_OPTION_BIT(GATEWAY_OPTION_RELAY)) || !(m->set & CONF_OPTION_BIT(GATEWAY_OPTION_ROOM)) ||
            !m->state_dir)
                abort();
        if (m->action == GATEWAY_ACTION_RUN &&
            (!(m->set & CONF_OPTION_BIT(GATEWAY_OPTION_INTERFACE)) || !m->gateway_token_file))
                abort();

        w = winner(cli, file, GATEWAY_OPTION_RELAY);
        if (!w || strcmp(m->relay.host, w->relay.host) != 0 || m->relay.host_type != w->relay.host_type ||
            m->relay.port != w->relay.port)
                abort();
        w = winner(cli, file, GATEWAY_OPTION_ROOM);
        if (!w || strcmp(m->room, w->room) != 0)
                abort();
        w = winner(cli, file, GATEWAY_OPTION_PIN);
        if (w && memcmp(m->pin, w->pin, sizeof(m->pin)) != 0)
                abort();
        w = winner(cli, file, GATEWAY_OPTION_GATEWAY_TOKEN_FILE);
        if (!streq_ptr(m->gateway_token_file, w ? w->gateway_token_file : NULL))
                abort();
        w = winner(cli, file, GATEWAY_OPTION_BUS_ADDRESS);
        if (!streq_ptr(m->bus_address, w ? w->bus_address : NULL))
                abort();
        w = winner(cli, file, GATEWAY_OPTION_STATE_DIR);
        if (w && !streq_ptr(m->state_dir, w->state_dir))
                abort();
        /* The default names the interface, or the room when the interface
         * name is not text HELLO can carry; check_config() above holds it
         * to HELLO's rules. */
        w = winner(cli, file, GATEWAY_OPTION_NAME);
        if (w && strcmp(m->name, w->name) != 0)
                abort();
        if (!w && (strncmp(m->name, "gateway ", 8) != 0 ||
                   (strcmp(m->name + 8, m->interface) != 0 && strcmp(m->name + 8, m->room) != 0)))
                abort();
}

/* NUL-separated arguments up to an empty one or the end; returns where
 * the rest begins. */
static size_t split_argv(char *text, size_t size, char *argv[static ARGS_MAX + 2], int *ret_argc) {
        size_t i = 0;
        int argc = 1;

        argv[0] = "lanparty-gatewayd";
        while (i < size && argc <= ARGS_MAX) {
                size_t n = strlen(text + i);

                if (n == 0) {
                        i++;
                        break;
                }
                argv[argc++] = text + i;
                i += n + 1;
        }
        argv[argc] = NULL;
        *ret_argc = argc;
        return i < size ? i : size;
}

/* --help and --version win over everything after them, which is then not
 * validated: there is nothing to run. Neither happens unless asked for. */
static void check_short_circuit(const GatewayConfig *c, int argc, char **argv) {
        bool help = false, version = false;

        for (int i = 1; i < argc; i++) {
                help = help || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
                version = version || strcmp(argv[i], "--version") == 0;
        }
        if ((c->action == GATEWAY_ACTION_HELP && !help) || (c->action == GATEWAY_ACTION_VERSION && !version))
                abort();
        if (argc > 1 && ((strcmp(argv[1], "--help") == 0 && c->action != GATEWAY_ACTION_HELP) ||
                         (strcmp(argv[1], "--version") == 0 && c->action != GATEWAY_ACTION_VERSION)))
                abort();
}

static void merge_and_check(const GatewayConfig *cli, const GatewayConfig *file) {
        GatewayConfig *m = NULL;
        char *error = NULL;

        if (gateway_config_merge(cli, file, NULL, &m, &error) < 0) {
                check_and_free_error(error);
                return;
        }
        check_merged(m, cli, file);
        gateway_config_free(m);
}

static void fuzz_argv(char *text, size_t size, bool with_file) {
        char *argv[ARGS_MAX + 2];
        GatewayConfig *cli = NULL, *file = NULL;
        char *error = NULL;
        size_t rest;
        int argc;

        rest = split_argv(text, size, argv, &argc);
        if (gateway_config_parse_argv(argc, argv, &cli, &error) < 0) {
                check_and_free_error(error);
                return;
        }
        check_short_circuit(cli, argc, argv);
        if (cli->action == GATEWAY_ACTION_HELP || cli->action == GATEWAY_ACTION_VERSION)
                goto out;
        check_config(cli, false);
        if ((cli->action == GATEWAY_ACTION_PRINT_INVITE) !=
            !!(cli->set & CONF_OPTION_BIT(GATEWAY_OPTION_PRINT_INVITE)))
                abort();

        if (with_file) {
                if (gateway_config_parse_file("fuzz.conf", text + rest, size - rest, &file, &error) < 0) {
                        check_and_free_error(error);
                        goto out;
                }
                check_config(file, true);
                if (file->action != GATEWAY_ACTION_RUN || !streq_ptr(file->config_file, "fuzz.conf"))
                        abort();
        }
        merge_and_check(cli, file);
out:
        gateway_config_free(file);
        gateway_config_free(cli);
}

static void fuzz_token(char *text, size_t size) {
        uint8_t token[LP_CONTROL_GATEWAY_TOKEN_MAX];
        char *error = NULL;
        size_t len = 0;

        if (gateway_token_parse("token", text, size, token, &len, &error) < 0) {
                check_and_free_error(error);
                return;
        }
        if (len < 1 || len > LP_CONTROL_GATEWAY_TOKEN_MAX)
                abort();
        for (size_t i = 0; i < len; i++)
                if (token[i] <= 0x20 || token[i] >= 0x7f)
                        abort();
}

static void fuzz_endpoint(const char *text) {
        const char *why = NULL;
        RelayEndpoint e;

        if (relay_endpoint_parse(text, &e, &why) < 0) {
                check_line(why);
                return;
        }
        check_endpoint(&e);
}

static void fuzz_argv_and_file(char *text, size_t size) {
        fuzz_argv(text, size, true);
}

static void fuzz_argv_alone(char *text, size_t size) {
        fuzz_argv(text, size, false);
}

static void fuzz_endpoint_text(char *text, size_t size _unused_) {
        fuzz_endpoint(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const FuzzTextParser parsers[] = {
                fuzz_argv_and_file,
                fuzz_argv_alone,
                fuzz_token,
                fuzz_endpoint_text,
        };

        return fuzz_text_parsers(data, size, parsers, ELEMENTSOF(parsers));
}
