/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-util.h"
#include "gatewayd-config.h"
#include "gatewayd-manager.h"
#include "gatewayd-roomkey.h"
#include "log.h"
#include "platform-journal.h"

#define PROGRAM_NAME "lanparty-gatewayd"

/* --print-invite: the link for the room key in the state directory, made
 * on the spot if this is the first time. Nothing touches the network. */
static int print_invite(const GatewayConfig *config) {
        _cleanup_free_ char *error = NULL;
        uint8_t key[LP_ROOM_KEY_SIZE];
        char invite[LP_INVITE_TEXT_MAX];
        bool created = false;
        int r;

        r = room_key_load_or_create(config->state_dir, key, &created, &error);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", PROGRAM_NAME, error ? error : strerror(-r));
                return r;
        }
        if (created)
                log_notice("Generated a new room key in %s/%s.", config->state_dir, ROOM_KEY_FILE_NAME);
        r = gateway_config_format_invite(config, key, invite, sizeof(invite));
        explicit_bzero(key, sizeof(key));
        if (r < 0) {
                fprintf(stderr, "%s: cannot format the invite link: %s\n", PROGRAM_NAME, strerror(-r));
                return r;
        }
        printf("%s\n", invite);
        explicit_bzero(invite, sizeof(invite));
        return fflush(stdout) == 0 ? 0 : -EIO;
}

static int run(int argc, char *argv[]) {
        _cleanup_(gateway_config_freep) GatewayConfig *config = NULL;
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *error = NULL;
        uint8_t token[LP_CONTROL_GATEWAY_TOKEN_MAX];
        size_t token_len = 0;
        int r;

        log_setup_linux();

        r = gateway_config_load(argc, argv, GATEWAYD_CONFIG_DIR, getenv("STATE_DIRECTORY"), &config, &error);
        if (r < 0)
                return daemon_usage_error(PROGRAM_NAME, r, error);
        switch (config->action) {
        case GATEWAY_ACTION_HELP:
                gateway_config_help(stdout);
                return 0;
        case GATEWAY_ACTION_VERSION:
                printf("%s %s\n", PROGRAM_NAME, LANPARTY_VERSION);
                return 0;
        case GATEWAY_ACTION_PRINT_INVITE:
                return print_invite(config);
        default:
                break;
        }

        r = gateway_token_load(config->gateway_token_file, token, &token_len, &error);
        if (r < 0)
                return daemon_usage_error(PROGRAM_NAME, r, error);

        r = manager_new(&m, config);
        if (r < 0) {
                explicit_bzero(token, sizeof(token));
                return log_error_errno(r, "Failed to create manager: %m");
        }
        TAKE_PTR(config);
        manager_set_gateway_token(m, token, token_len);
        explicit_bzero(token, sizeof(token));

        r = manager_start(m);
        if (r < 0)
                return r;

        log_info("%s %s running.", PROGRAM_NAME, LANPARTY_VERSION);
        return manager_run(m);
}

DEFINE_MAIN_FUNCTION(run)
