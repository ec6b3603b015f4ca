/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "daemon-util.h"
#include "log.h"
#include "platform-journal.h"
#include "relayd-config.h"
#include "relayd-gateway-tokens.h"
#include "relayd-manager.h"
#include "relayd-quic.h"

#define PROGRAM_NAME "lanparty-relayd"

static int run(int argc, char *argv[]) {
        _cleanup_(relay_config_freep) RelayConfig *config = NULL;
        _cleanup_(gateway_tokens_freep) GatewayTokens *tokens = NULL;
        _cleanup_(manager_freep) Manager *m = NULL;
        /* Freed before the Manager: connections point at its peers. */
        _cleanup_(relay_quic_freep) RelayQuic *quic = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        log_setup_linux();

        r = relay_config_load(argc, argv, RELAYD_CONFIG_FILE, getenv("STATE_DIRECTORY"), &config, &error);
        if (r < 0)
                return daemon_usage_error(PROGRAM_NAME, r, error);
        if (config->action == RELAY_ACTION_HELP) {
                relay_config_help(stdout);
                return 0;
        }
        if (config->action == RELAY_ACTION_VERSION) {
                printf("%s %s\n", PROGRAM_NAME, LANPARTY_VERSION);
                return 0;
        }

        if (config->gateway_token_file) {
                r = gateway_tokens_load(config->gateway_token_file, &tokens, &error);
                if (r < 0)
                        return daemon_usage_error(PROGRAM_NAME, r, error);
        }

        r = manager_new(&m, config, tokens);
        if (r < 0)
                return log_error_errno(r, "Failed to create manager: %m");
        if (tokens)
                manager_log_gateway_tokens(m, tokens);
        TAKE_PTR(config);
        TAKE_PTR(tokens);

        r = relay_quic_new(m, &quic);
        if (r < 0)
                return r;

        r = manager_start(m);
        if (r < 0)
                return r;

        r = relay_quic_start(quic);
        if (r < 0)
                return r;

        log_info("%s %s running.", PROGRAM_NAME, LANPARTY_VERSION);
        return manager_run(m);
}

DEFINE_MAIN_FUNCTION(run)
