/* SPDX-License-Identifier: MIT */
/* Which way client.exe joins; see client-path-plan.h. */
#include "client-path-plan.h"

#include <string.h>

#include "macro.h"

static const char *const client_path_table[_CLIENT_PATH_MAX] = {
        [CLIENT_PATH_SERVICE] = "service",
        [CLIENT_PATH_DIRECT] = "direct",
        [CLIENT_PATH_NOT_ADMIN] = "not-admin",
        [CLIENT_PATH_NO_SERVICE] = "no-service",
        [CLIENT_PATH_SERVICE_ERROR] = "service-error",
};

const char *client_path_to_string(ClientPath p) {
        return p >= 0 && p < _CLIENT_PATH_MAX ? client_path_table[p] : NULL;
}

static const char *const client_service_room_table[_CLIENT_SERVICE_ROOM_MAX] = {
        [CLIENT_SERVICE_ROOM_JOIN] = "join",
        [CLIENT_SERVICE_ROOM_ATTACH] = "attach",
        [CLIENT_SERVICE_ROOM_ASK_SWITCH] = "ask-switch",
        [CLIENT_SERVICE_ROOM_REFUSE_SWITCH] = "refuse-switch",
};

const char *client_service_room_to_string(ClientServiceRoom a) {
        return a >= 0 && a < _CLIENT_SERVICE_ROOM_MAX ? client_service_room_table[a] : NULL;
}

static bool mode_joins(const ClientWinArgs *args) {
        return args->mode == CLIENT_WIN_MODE_GUI || args->mode == CLIENT_WIN_MODE_CLI;
}

bool client_path_tries_service(const ClientWinArgs *args) {
        return args && mode_joins(args) && !args->check_only && args->device_type == FRAME_DEVICE_TAP;
}

bool client_path_direct_needs_admin(const ClientWinArgs *args) {
        if (!args)
                return true;
        switch (args->mode) {
        case CLIENT_WIN_MODE_RESTORE:
                return true;
        case CLIENT_WIN_MODE_GUI:
        case CLIENT_WIN_MODE_CLI:
                /* The adapter's MAC, metric and the relay's route. */
                return args->device_type == FRAME_DEVICE_TAP;
        default:
                /* --help, --version, --list-tap-adapters. */
                return false;
        }
}

ClientPath client_path_decide(const ClientWinArgs *args, int service, bool elevated) {
        if (!args)
                return _CLIENT_PATH_INVALID;
        if (client_path_tries_service(args)) {
                if (service >= 0)
                        return CLIENT_PATH_SERVICE;
                if (service != -ENOENT)
                        return CLIENT_PATH_SERVICE_ERROR;
                /* No service at all: the session as before it existed. */
                return elevated ? CLIENT_PATH_DIRECT : CLIENT_PATH_NO_SERVICE;
        }
        if (client_path_direct_needs_admin(args) && !elevated)
                return CLIENT_PATH_NOT_ADMIN;
        return CLIENT_PATH_DIRECT;
}

static bool ascii_equal_nocase(const char *a, const char *b) {
        for (; *a && *b; a++, b++) {
                char x = *a >= 'A' && *a <= 'Z' ? (char) (*a - 'A' + 'a') : *a;
                char y = *b >= 'A' && *b <= 'Z' ? (char) (*b - 'A' + 'a') : *b;

                if (x != y)
                        return false;
        }
        return *a == *b;
}

ClientServiceRoom client_service_room_decide(const ServicePipeSession *session, const char *room,
                                             const char *relay, bool can_ask) {
        if (!session || !room || !relay)
                return _CLIENT_SERVICE_ROOM_INVALID;
        if (session->state == SERVICE_PIPE_SESSION_IDLE)
                return CLIENT_SERVICE_ROOM_JOIN;
        if (session->state != SERVICE_PIPE_SESSION_IN_ROOM)
                return _CLIENT_SERVICE_ROOM_INVALID;
        if (strcmp(session->room, room) == 0 && ascii_equal_nocase(session->relay, relay))
                return CLIENT_SERVICE_ROOM_ATTACH;
        return can_ask ? CLIENT_SERVICE_ROOM_ASK_SWITCH : CLIENT_SERVICE_ROOM_REFUSE_SWITCH;
}

bool client_service_needs_consent(ClientWinMode mode, ClientServiceRoom action) {
        if (mode != CLIENT_WIN_MODE_GUI)
                return false;
        return action == CLIENT_SERVICE_ROOM_JOIN || action == CLIENT_SERVICE_ROOM_ASK_SWITCH;
}

int client_service_exit_code(bool ended, ServicePipeOutcome outcome) {
        return ended && outcome == SERVICE_PIPE_OUTCOME_LEFT ? 0 : 1;
}
