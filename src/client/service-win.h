/* SPDX-License-Identifier: MIT */
#pragma once

/* The lanparty service's manager (issue 13): what runs between
 * SERVICE_RUNNING and SERVICE_STOP_PENDING. It owns the pipe
 * \\.\pipe\lanparty (service-pipe-server-win.h), the stop event and the
 * service's state, and answers every client as service-conversation.h
 * says.
 *
 * The session (service-session-win.h) is the manager's: a JOIN starts
 * it on a worker thread, its lines, lights and end come back through
 * one more handle in service_manager_run()'s wait and go to every
 * subscribed client, LEAVE and the service's stop end it (the stop
 * waits for its goodbye to the relay, and for everything restored).
 * A client that says no HELLO within SERVICE_HELLO_TIMEOUT_MS is
 * dropped, so idle connections cannot hold every instance.
 *
 * One thread, overlapped I/O: all SERVICE_PIPE_INSTANCES_MAX instances
 * of the pipe are made at the start (the first with
 * FILE_FLAG_FIRST_PIPE_INSTANCE) and each is reconnected after its
 * client leaves, so the name is the service's for as long as it runs
 * (docs/SERVICE-PIPE.md). Only the Win32 pipe calls are here; the
 * answers are service-conversation.c's. */

#include <wchar.h>
#include <winsock2.h>
#include <windows.h>

#include "service-session-win.h"

/* A client has this long from connecting to its HELLO. */
#define SERVICE_HELLO_TIMEOUT_MS 3000
/* A stop asks the session to leave with a goodbye to the relay (which
 * CLIENT_LOOP_QUIT_GRACE bounds), then, after this long, without. */
#define SERVICE_STOP_LEAVE_MS 6000
/* A session that has not ended this long after the stop is left behind
 * (logged; the service stops with ETIMEDOUT), within the stop's wait hint. */
#define SERVICE_STOP_GIVE_UP_MS 9000

typedef struct ServiceManager ServiceManager;

typedef struct ServiceManagerConfig {
        const wchar_t *pipe_path; /* SERVICE_PIPE_PATH; tests name their own */
        ServiceSessionSettings session;
        /* Called about once a second while a stop waits for the session
         * to leave: the service reports STOP_PENDING with a new checkpoint. */
        void (*stop_progress)(void *userdata);
        void *userdata;
} ServiceManagerConfig;

/* A manager for the pipe at config->pipe_path. Makes the stop event and
 * every instance of the pipe: -EADDRINUSE (logged) when somebody else
 * made the pipe first. */
int service_manager_new(const ServiceManagerConfig *config, ServiceManager **ret);
ServiceManager *service_manager_free(ServiceManager *m);
static inline void service_manager_freep(ServiceManager **m) {
        if (*m)
                service_manager_free(*m);
}

/* Serves clients until service_manager_stop() and, after it, until the
 * session has left and restored everything. Returns 0 after a stop, or
 * a negative errno (logged) when waiting itself failed. */
int service_manager_run(ServiceManager *m);

/* Makes service_manager_run() return; any thread (the service's control
 * handler) may call it. */
void service_manager_stop(ServiceManager *m);
