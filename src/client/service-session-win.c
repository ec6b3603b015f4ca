/* SPDX-License-Identifier: MIT */
/* The lanparty service's session: a Client on a worker thread and its
 * face towards the manager's thread; see service-session-win.h. */
#include "service-session-win.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-win.h"
#include "log.h"
#include "platform-win.h"
#include "route-win.h"

struct ServiceSession {
        Client *client;
        HANDLE thread;
        HANDLE event; /* manual reset: items wait */

        /* What the worker hands over, under `lock`. */
        CRITICAL_SECTION lock;
        char lines[SERVICE_SESSION_QUEUE_MAX][LP_SERVICE_PIPE_TEXT_MAX + 1];
        size_t first, n_lines;
        size_t dropped; /* lines lost to a full queue since the last one taken */
        ClientLights lights;
        bool lights_new;
        bool ended, ended_taken, failed;
        char failure[LP_SERVICE_PIPE_TEXT_MAX + 1];
        char mac_dir[WIN_PATH_MAX];
};

/* The session whose worker this thread is, for the log backend. */
static _Thread_local ServiceSession *worker_session;

static void queue_line(ServiceSession *s, const char *text) {
        EnterCriticalSection(&s->lock);
        if (s->n_lines == SERVICE_SESSION_QUEUE_MAX)
                s->dropped++;
        else {
                size_t i = (s->first + s->n_lines++) % SERVICE_SESSION_QUEUE_MAX;

                snprintf(s->lines[i], sizeof(s->lines[i]), "%s", text);
        }
        SetEvent(s->event);
        LeaveCriticalSection(&s->lock);
}

static void face_line(void *userdata, const char *text) {
        queue_line(userdata, text);
}

static void face_lights(void *userdata, const ClientLights *lights) {
        ServiceSession *s = userdata;

        EnterCriticalSection(&s->lock);
        s->lights = *lights;
        s->lights_new = true;
        SetEvent(s->event);
        LeaveCriticalSection(&s->lock);
}

/* The last word, after client_run() restored everything: as the window
 * says it, then ENDED. */
static DWORD WINAPI session_worker(void *userdata) {
        ServiceSession *s = userdata;
        Client *c = s->client;
        int r;

        worker_session = s;
        r = client_run(c);
        if (r != EXIT_SUCCESS)
                client_report_failure(c);
        worker_session = NULL;

        EnterCriticalSection(&s->lock);
        s->ended = true;
        s->failed = r != EXIT_SUCCESS;
        snprintf(s->failure, sizeof(s->failure), "%s", s->failed ? c->failure : "");
        SetEvent(s->event);
        LeaveCriticalSection(&s->lock);
        return (DWORD) r;
}

/* Lines first, then the lights, the end last. Under the lock. */
static bool next_locked(ServiceSession *s, ServiceSessionItem *ret) {
        if (s->dropped > 0) {
                *ret = (ServiceSessionItem) { .type = SERVICE_SESSION_LINE };
                snprintf(ret->text, sizeof(ret->text), "(%zu status lines were lost: the service could not send "
                         "them fast enough.)", s->dropped);
                s->dropped = 0;
                return true;
        }
        if (s->n_lines > 0) {
                *ret = (ServiceSessionItem) { .type = SERVICE_SESSION_LINE };
                memcpy(ret->text, s->lines[s->first], sizeof(ret->text));
                s->first = (s->first + 1) % SERVICE_SESSION_QUEUE_MAX;
                s->n_lines--;
                return true;
        }
        if (s->lights_new) {
                *ret = (ServiceSessionItem) { .type = SERVICE_SESSION_LIGHTS, .lights = s->lights };
                s->lights_new = false;
                return true;
        }
        if (s->ended && !s->ended_taken) {
                *ret = (ServiceSessionItem) { .type = SERVICE_SESSION_ENDED, .failed = s->failed };
                memcpy(ret->text, s->failure, sizeof(ret->text));
                s->ended_taken = true;
                return true;
        }
        return false;
}

int service_session_next(ServiceSession *s, ServiceSessionItem *ret) {
        bool any;

        if (!s || !ret)
                return -EINVAL;
        EnterCriticalSection(&s->lock);
        any = next_locked(s, ret);
        if (!any)
                ResetEvent(s->event);
        LeaveCriticalSection(&s->lock);
        return any;
}

HANDLE service_session_event(ServiceSession *s) {
        return s ? s->event : NULL;
}

/* %ProgramData%\lanparty, as route_manager_new() makes and checks it, in
 * UTF-8. */
static int service_session_default_dir(char *buf, size_t size) {
        wchar_t dir[WIN_PATH_MAX];
        int r;

        r = route_win_state_dir(NULL, dir, ELEMENTSOF(dir));
        if (r < 0)
                return r;
        return wide_to_utf8(dir, buf, size);
}

static ServiceSession *session_alloc(void) {
        ServiceSession *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        InitializeCriticalSection(&s->lock);
        s->event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (!s->event) {
                DeleteCriticalSection(&s->lock);
                free(s);
                return NULL;
        }
        return s;
}

int service_session_start(const ServiceSessionSettings *settings, const Invite *invite, ServiceSession **ret) {
        _cleanup_(service_session_freep) ServiceSession *s = NULL;
        int r;

        if (!settings || !invite || !ret)
                return -EINVAL;
        s = session_alloc();
        if (!s)
                return log_oom();
        r = client_new(&s->client);
        if (r < 0)
                return r;
        /* The defaults client.exe's --cli has, but the frame device. */
        s->client->args = (ClientWinArgs) {
                .mode = CLIENT_WIN_MODE_CLI,
                .device_type = settings->device_type,
                .state_dir = settings->state_dir,
        };
        /* Without --state-dir the MAC is the machine's, in
         * %ProgramData%\lanparty beside the route state, not in the
         * service account's %LOCALAPPDATA% where client.exe keeps a
         * player's. */
        if (!settings->state_dir) {
                r = service_session_default_dir(s->mac_dir, sizeof(s->mac_dir));
                if (r < 0)
                        return log_error_errno(r, "Cannot name the service's state directory: %m");
                s->client->mac_dir = s->mac_dir;
        }
        s->client->invite = *invite;
        s->client->face = (ClientFace) { .line = face_line, .lights = face_lights, .userdata = s };

        s->thread = CreateThread(NULL, 0, session_worker, s, 0, NULL);
        if (!s->thread)
                return log_error_errno(errno_from_win32(GetLastError()), "Cannot start the session's thread: %m");
        *ret = TAKE_PTR(s);
        return 0;
}

ServiceSession *service_session_free(ServiceSession *s) {
        if (!s)
                return NULL;
        if (s->thread) {
                if (WaitForSingleObject(s->thread, SERVICE_SESSION_FREE_WAIT_MS) != WAIT_OBJECT_0) {
                        log_error("The session's thread does not end; leaving it as it is.");
                        return NULL;
                }
                CloseHandle(s->thread);
        }
        if (s->client) {
                SecureZeroMemory(&s->client->invite, sizeof(s->client->invite));
                client_free(s->client);
        }
        CloseHandle(s->event);
        DeleteCriticalSection(&s->lock);
        free(s);
        return NULL;
}

void service_session_leave(ServiceSession *s) {
        if (s)
                SetEvent(s->client->stop_event);
}

void service_session_leave_now(ServiceSession *s) {
        if (!s)
                return;
        /* client_leave_now() without its wait: the manager goes on serving. */
        InterlockedExchange(&s->client->leave_now, 1);
        SetEvent(s->client->stop_event);
}

void service_session_check(ServiceSession *s) {
        if (s)
                client_request_check(s->client);
}

bool service_session_log_line(int level, const char *message) {
        char text[CLIENT_STATUS_LINE_MAX + 64];

        if (!worker_session || level > LOG_NOTICE)
                return false;
        snprintf(text, sizeof(text), "%s%s", level <= LOG_ERR ? "Error: " : level == LOG_WARNING ? "Warning: " : "",
                 message);
        queue_line(worker_session, text);
        return true;
}
