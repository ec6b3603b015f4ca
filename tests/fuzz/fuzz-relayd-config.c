/* SPDX-License-Identifier: MIT */
/* The relay's own parsers, as production calls them. The first byte picks
 * one: config file, command line (NUL-separated arguments), gateway token
 * file, listen address. Checks: errors are one printable line, accepted
 * values are within their documented ranges, a listen address formats back
 * into text that parses to the same address, every parsed token finds
 * itself and opens exactly the valid room names listed with it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "relayd-config.h"
#include "relayd-gateway-tokens.h"
#include "room-name.h"
#include "socket-address.h"
#include "../test-util.h"

#define ARGS_MAX 32


static void check_error(const char *error) {
        if (!error)
                abort();
        for (const char *p = error; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        abort();
}

static void check_config(const RelayConfig *c) {
        if (c->set & (1U << RELAY_OPTION_MAX_ROOMS))
                if (c->max_rooms < 1 || c->max_rooms > RELAYD_MAX_ROOMS_MAX)
                        abort();
        if (c->set & (1U << RELAY_OPTION_MAX_PEERS_PER_ROOM))
                if (c->max_peers_per_room < RELAYD_MAX_PEERS_MIN || c->max_peers_per_room > RELAYD_MAX_PEERS_MAX)
                        abort();
        if (c->set & (1U << RELAY_OPTION_MAX_CONNECTIONS))
                if (c->max_connections < RELAYD_MAX_CONNECTIONS_MIN || c->max_connections > RELAYD_MAX_CONNECTIONS_MAX)
                        abort();
        if (!!c->cert_file != !!c->key_file || (c->cert_file && c->dev_cert_dir) ||
            (c->gateway_token_file && c->insecure_open_gateways))
                abort();
}

static void fuzz_file(char *text, size_t size) {
        RelayConfig *c = NULL, *merged = NULL;
        char *error = NULL;

        if (relay_config_parse_file("fuzz.conf", text, size, &c, &error) < 0) {
                check_error(error);
                free(error);
                return;
        }
        check_config(c);
        /* Paths from a file are absolute. */
        if ((c->cert_file && c->cert_file[0] != '/') || (c->state_dir && c->state_dir[0] != '/'))
                abort();
        if (relay_config_merge(NULL, c, NULL, &merged, &error) < 0) {
                check_error(error);
                free(error);
        } else {
                check_config(merged);
                if (!merged->state_dir || (!merged->cert_file && !merged->dev_cert_dir))
                        abort();
        }
        relay_config_free(merged);
        relay_config_free(c);
}

static void fuzz_argv(char *text, size_t size) {
        char *argv[ARGS_MAX + 2] = { "lanparty-relayd" };
        int argc = 1;
        RelayConfig *c = NULL;
        char *error = NULL;

        for (size_t i = 0; i < size && argc <= ARGS_MAX;) {
                argv[argc++] = text + i;
                i += strlen(text + i) + 1;
        }
        argv[argc] = NULL;

        if (relay_config_parse_argv(argc, argv, &c, &error) < 0) {
                check_error(error);
                free(error);
                return;
        }
        /* --help and --version win over everything else on the line, which
         * is then not validated: there is nothing to run. */
        if (c->action == RELAY_ACTION_RUN)
                check_config(c);
        relay_config_free(c);
}

static void fuzz_tokens(char *text, size_t size) {
        GatewayTokens *t = NULL;
        char *error = NULL;

        if (gateway_tokens_parse("tokens", text, size, &t, &error) < 0) {
                check_error(error);
                free(error);
                return;
        }
        if (t->n_tokens == 0 || t->n_tokens > GATEWAY_TOKENS_MAX)
                abort();
        for (size_t i = 0; i < t->n_tokens; i++) {
                const GatewayToken *k = &t->tokens[i];

                if (k->size < GATEWAY_TOKEN_MIN || k->size > GATEWAY_TOKEN_MAX)
                        abort();
                /* Tokens are unique: each finds its own line. */
                if (gateway_tokens_find(t, k->data, k->size) != k)
                        abort();
                if (k->max_rooms < 1 || k->max_rooms > GATEWAY_TOKEN_MAX_ROOMS_MAX || (k->unbound && k->rooms))
                        abort();
                if (k->rooms) {
                        char name[LP_ROOM_NAME_MAX + 1];
                        size_t n_rooms = 0;

                        /* Every listed name is a room name the token opens. */
                        for (const char *p = k->rooms; *p; p += *p == ',') {
                                size_t n = strcspn(p, ",");

                                if (!room_name_is_valid(p, n))
                                        abort();
                                memcpy(name, p, n);
                                name[n] = '\0';
                                if (!gateway_token_allows_room(k, name))
                                        abort();
                                n_rooms++;
                                p += n;
                        }
                        if (k->max_rooms > n_rooms)
                                abort();
                }
                if (gateway_tokens_check(t, k->data, k->size - 1) && k->size - 1 < GATEWAY_TOKEN_MIN)
                        abort();
        }
        gateway_tokens_free(t);
}

static void fuzz_listen(const char *text) {
        char buf[SOCKET_ADDRESS_STR_MAX];
        SocketAddress a, b;
        const char *why = NULL;

        if (socket_address_parse_listen(text, &a, &why) < 0) {
                if (!why)
                        abort();
                return;
        }
        /* decode → encode → decode */
        socket_address_format(&a.sa, a.size, buf);
        if (socket_address_parse_listen(buf, &b, &why) < 0)
                abort();
        if (a.size != b.size || memcmp(&a.storage, &b.storage, a.size) != 0) {
                /* Only IPv4-mapped IPv6 addresses are shown as IPv4. */
                if (a.sa.sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a.in6.sin6_addr) ||
                    b.sa.sa_family != AF_INET)
                        abort();
        }
}

static void fuzz_listen_text(char *text, size_t size _unused_) {
        fuzz_listen(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const FuzzTextParser parsers[] = {
                fuzz_file,
                fuzz_argv,
                fuzz_tokens,
                fuzz_listen_text,
        };

        return fuzz_text_parsers(data, size, parsers, ELEMENTSOF(parsers));
}
