/* SPDX-License-Identifier: MIT */
#pragma once

/* The lanparty service's manager (issue 13): what runs between
 * SERVICE_RUNNING and SERVICE_STOP_PENDING. It owns the pipe
 * \\.\pipe\lanparty (service-pipe-server-win.h), the stop event and the
 * service's state, and answers every client as service-conversation.h
 * says.
 *
 * THE SKELETON: there is no session inside yet, so the state is always
 * idle and JOIN is refused. The session host goes here later: a
 * ClientCore and its loop owned by the manager (one more handle in
 * service_manager_run()'s wait), its status lines and lights sent to
 * the subscribed clients, LEAVE and the service's stop ending it.
 *
 * One thread, overlapped I/O: all SERVICE_PIPE_INSTANCES_MAX instances
 * of the pipe are made at the start (the first with
 * FILE_FLAG_FIRST_PIPE_INSTANCE) and each is reconnected after its
 * client leaves, so the name is the service's for as long as it runs
 * (docs/SERVICE-PIPE.md). Only the Win32 pipe calls are here; the
 * answers are service-conversation.c's. */

#include <wchar.h>
#include <windows.h>

typedef struct ServiceManager ServiceManager;

/* A manager for the pipe at `pipe_path` (SERVICE_PIPE_PATH; tests name
 * their own). Makes the stop event and every instance of the pipe:
 * -EADDRINUSE (logged) when somebody else made the pipe first. */
int service_manager_new(const wchar_t *pipe_path, ServiceManager **ret);
ServiceManager *service_manager_free(ServiceManager *m);
static inline void service_manager_freep(ServiceManager **m) {
        if (*m)
                service_manager_free(*m);
}

/* Serves clients until service_manager_stop(). Returns 0 after a stop,
 * or a negative errno (logged) when waiting itself failed. */
int service_manager_run(ServiceManager *m);

/* Makes service_manager_run() return; any thread (the service's control
 * handler) may call it. */
void service_manager_stop(ServiceManager *m);
