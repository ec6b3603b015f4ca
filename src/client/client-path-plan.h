/* SPDX-License-Identifier: MIT */
#pragma once

/* Which way client.exe joins (issue 13, docs/SERVICE-PIPE.md "The
 * client's end"): through the lanparty service, by running the session
 * itself, or not at all; and what it does when the service is in a room
 * already. Pure C11, no Windows headers: main-win.c and
 * service-face-win.c gather the facts, the unit test runs on Linux and
 * under wine.
 *
 * The rules:
 * - --help, --version, --list-tap-adapters (reading the registry needs
 *   no rights), --restore (undoes what the session left; administrator),
 *   --frame-device null (the tests: no adapter, no route, no rights) and
 *   --check (the party check's pass or fail is an exit status the pipe
 *   does not carry; administrator) run in this process as before;
 * - a join (the window or --cli) goes through the service when its pipe
 *   answers. Only when there is no pipe at all (-ENOENT: not installed or
 *   not running) does an elevated client.exe run the session itself, as
 *   before the service existed; unelevated it says how to start the
 *   service. Any other failure (a pipe somebody else made, a refused
 *   HELLO, a busy service) is shown as it is: running the session beside
 *   a service that exists would fight it for the adapter. */

#include <stdbool.h>

#include "client-win-args.h"
#include "service-pipe.h"

typedef enum ClientPath {
        CLIENT_PATH_SERVICE,       /* talk to the service */
        CLIENT_PATH_DIRECT,        /* run the session (or the mode) in this process */
        CLIENT_PATH_NOT_ADMIN,     /* direct, but it needs administrator rights we lack */
        CLIENT_PATH_NO_SERVICE,    /* no service, not elevated: say how to start it */
        CLIENT_PATH_SERVICE_ERROR, /* the service is there but failed: show why, no fallback */
        _CLIENT_PATH_MAX,
        _CLIENT_PATH_INVALID = -EINVAL,
} ClientPath;

const char *client_path_to_string(ClientPath p);

/* Whether the mode joins a room through the service when it can: the
 * window and --cli with the TAP adapter, not --check. */
bool client_path_tries_service(const ClientWinArgs *args);

/* Whether the mode, run in this process, needs administrator rights. */
bool client_path_direct_needs_admin(const ClientWinArgs *args);

/* `service`: what opening the pipe gave (0 welcomed, -ENOENT no pipe,
 * another negative errno), ignored when the mode does not try the
 * service. */
ClientPath client_path_decide(const ClientWinArgs *args, int service, bool elevated);

/* What to do with the room the service is in (STATUS's SESSION) when
 * the player's invite names `room` on `relay`. */
typedef enum ClientServiceRoom {
        CLIENT_SERVICE_ROOM_JOIN,          /* the service is idle: join */
        CLIENT_SERVICE_ROOM_ATTACH,        /* already in this room: show its stream, join nothing */
        CLIENT_SERVICE_ROOM_ASK_SWITCH,    /* in another room: ask "Leave X and join Y?" */
        CLIENT_SERVICE_ROOM_REFUSE_SWITCH, /* in another room and nobody to ask (--cli): say so, exit */
        _CLIENT_SERVICE_ROOM_MAX,
        _CLIENT_SERVICE_ROOM_INVALID = -EINVAL,
} ClientServiceRoom;

const char *client_service_room_to_string(ClientServiceRoom a);

/* The same room is the same room name (case matters, as on the relay)
 * on the same relay host (case does not, as in DNS). */
ClientServiceRoom client_service_room_decide(const ServicePipeSession *session, const char *room,
                                             const char *relay, bool can_ask);

/* Whether the join needs the player's consent (the dialog, "Join room X
 * on relay Y?"): in the window, before a JOIN the player did not type.
 * --cli's link was typed (or pasted) on the command line by whoever runs
 * it, so it is not asked. Attaching joins nothing. */
bool client_service_needs_consent(ClientWinMode mode, ClientServiceRoom action);

/* The exit status of a session followed through the service: 0 when it
 * ended as asked (ENDED "left"), 1 when it failed (ENDED "failed") or the
 * pipe broke before any ENDED came (`ended` false). */
int client_service_exit_code(bool ended, ServicePipeOutcome outcome);
