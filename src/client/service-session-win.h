/* SPDX-License-Identifier: MIT */
#pragma once

/* The lanparty service's session (issue 13): client.exe's Client
 * (client-win.h: setup, the loop, teardown, all of it) run on a worker
 * thread of the service, with the service's own settings, and a face
 * (ClientFace) that hands its lines, lights and end to the manager's
 * thread through a bounded queue under a lock, signalling an event the
 * manager waits on (service-win.c).
 *
 * Nothing here comes from the pipe but the invite, which the service
 * parsed itself (service-conversation.c): the state directory is the
 * default (%ProgramData%\lanparty for the routes; the MAC in the
 * service account's %LOCALAPPDATA%) unless the service's own command
 * line names one, the player's name the computer's, the frame device
 * the service's command line's.
 *
 * The adapter that has not taken our MAC yet (ClientFace's
 * ask_retry_device) has nobody to ask in the service: the session fails
 * with the message that says what to do by hand, and the player joins
 * again after it. */

#include <stdbool.h>
#include <winsock2.h>
#include <windows.h>

#include "client-lights.h"
#include "frame-device.h"
#include "invite.h"
#include "macro.h"
#include "service-pipe.h"

/* Lines waiting for the manager; more are dropped (and counted) until it
 * catches up. Lights and the end are never dropped: the newest lights
 * replace the ones not yet taken. */
#define SERVICE_SESSION_QUEUE_MAX 128

typedef struct ServiceSession ServiceSession;

typedef struct ServiceSessionSettings {
        FrameDeviceType device_type; /* the service's --frame-device */
        const char *state_dir;       /* the service's --state-dir; NULL: the default */
} ServiceSessionSettings;

typedef enum ServiceSessionItemType {
        SERVICE_SESSION_LINE,
        SERVICE_SESSION_LIGHTS,
        SERVICE_SESSION_ENDED, /* the last item: the worker is done, everything is restored */
        _SERVICE_SESSION_ITEM_TYPE_MAX,
        _SERVICE_SESSION_ITEM_TYPE_INVALID = -EINVAL,
} ServiceSessionItemType;

typedef struct ServiceSessionItem {
        ServiceSessionItemType type;
        char text[LP_SERVICE_PIPE_TEXT_MAX + 1]; /* LINE; ENDED: why it failed */
        ClientLights lights;
        bool failed; /* ENDED */
} ServiceSessionItem;

/* Starts a session in `invite`'s room on a new worker thread. Returns 0,
 * or a negative errno (logged) when it could not even start: no thread,
 * no memory. */
int service_session_start(const ServiceSessionSettings *settings, const Invite *invite, ServiceSession **ret);
/* Waits for the worker (ask it to leave first) and frees everything.
 * A worker that has not ended after SERVICE_SESSION_FREE_WAIT_MS is
 * left running with what it uses (logged): only a stop that gave up
 * on it frees a session that has not ended. */
#define SERVICE_SESSION_FREE_WAIT_MS 5000
ServiceSession *service_session_free(ServiceSession *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(ServiceSession *, service_session_free);

/* Set (manual reset) while items wait; service_session_next() resets it. */
HANDLE service_session_event(ServiceSession *s);
/* The next item for the pipe clients: 1 with *ret filled, 0 when none
 * waits. After ENDED there are none. */
int service_session_next(ServiceSession *s, ServiceSessionItem *ret);

/* Leave the room, with a goodbye to the relay (CLIENT_LOOP_QUIT_GRACE
 * at most): LEAVE, and the service's stop. */
void service_session_leave(ServiceSession *s);
/* Leave without waiting for the relay any more. Does not block. */
void service_session_leave_now(ServiceSession *s);
/* The party check again (CHECK). */
void service_session_check(ServiceSession *s);

/* For the service's log backend: true when the calling thread is a
 * session's worker, then a warning or error also goes to the pipe
 * clients as a line, as the window shows them in its log pane. */
bool service_session_log_line(int level, const char *message);
