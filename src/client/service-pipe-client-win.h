/* SPDX-License-Identifier: MIT */
#pragma once

/* client.exe's end of \\.\pipe\lanparty (issue 13, docs/SERVICE-PIPE.md
 * "The client's end"): connect, make sure the server end is the lanparty
 * service before anything secret is sent, HELLO, then JOIN, LEAVE,
 * STATUS, CHECK and the status stream. Blocking calls with timeouts:
 * the window will run them on a thread of its own. Not used by
 * client.exe yet.
 *
 * - The pipe is opened with SERVICE_PIPE_CLIENT_ACCESS (GENERIC_READ |
 *   FILE_WRITE_DATA, never GENERIC_WRITE, which a standard user is
 *   refused) and SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION: the
 *   server may learn who we are, never act as us (Microsoft,
 *   "Impersonating a Named Pipe Client").
 * - Before HELLO, service_pipe_server_decide() rules on the pipe's owner
 *   and the server process's user (service-pipe-client-plan.h): while
 *   the service is stopped any user may make \\.\pipe\lanparty, and a
 *   JOIN carries the invite link, which holds the room key. */

#include <stdbool.h>
#include <wchar.h>
#include <windows.h>

#include "service-pipe-client-plan.h"
#include "service-pipe.h"

typedef struct ServicePipeClient ServicePipeClient;

/* The status stream, as it comes; each may be NULL. Called from inside
 * the calls below, on their thread. */
typedef struct ServicePipeClientCallbacks {
        void (*session)(const ServicePipeSession *session, void *userdata);
        void (*line)(const char *text, size_t len, void *userdata);
        void (*lights)(const ServicePipeLights *lights, void *userdata);
        void (*ended)(const ServicePipeEnded *ended, void *userdata);
        void *userdata;
} ServicePipeClientCallbacks;

typedef struct ServicePipeClientOptions {
        const wchar_t *path;          /* NULL: \\.\pipe\lanparty; tests name their own */
        DWORD timeout_ms;             /* waiting for a free instance; 0: 5 s */
        DWORD answer_timeout_ms;      /* waiting for an answer (and to write); 0: 10 s */
        /* For tests only: a pipe this SID owns counts as the service's
         * too (a test's server runs as the test's user). client.exe
         * passes NULL. */
        PSID also_trusted_owner;
        ServicePipeClientCallbacks callbacks;
} ServicePipeClientOptions;

/* Connects, checks the server end, says HELLO. Returns 0 with a client
 * in *ret; -ENOENT when no service listens (not installed or stopped);
 * -EBUSY when all instances stayed busy; -EPERM when the server end is
 * not the service (logged: what the owner and process were), nothing
 * having been sent; -ETIMEDOUT when HELLO got no answer; for a refused
 * HELLO its errno
 * (service_pipe_refusal_to_errno(), -EPROTONOSUPPORT for another
 * version) with the sentence to show in ret_text (may be NULL, size
 * SERVICE_PIPE_REFUSAL_MESSAGE_MAX); -EPROTO when the service broke the
 * protocol; other negative errno values for I/O. */
int service_pipe_client_open(const ServicePipeClientOptions *options, ServicePipeClient **ret, char *ret_text,
                             size_t text_size);

/* The facts service_pipe_server_decide() rules on, for the pipe `h` (a
 * client handle). Exposed for the test, which prints what wine says. */
void service_pipe_client_server_facts(HANDLE h, PSID also_trusted_owner, ServicePipeServerFacts *ret);

/* One request and its answer; stream messages that come meanwhile go to
 * the callbacks. Returns 1 when accepted, 0 when refused (the sentence
 * to show in ret_text, the refusal itself in *ret_refused, each may be
 * NULL), negative errno when the pipe broke or the service broke the
 * protocol (then only closing is left), -ETIMEDOUT when no answer came
 * within answer_timeout_ms. The link is wiped from our buffers once
 * sent. */
int service_pipe_client_join(ServicePipeClient *c, const char *link, ServicePipeRefused *ret_refused,
                             char *ret_text, size_t text_size);
int service_pipe_client_leave(ServicePipeClient *c, ServicePipeRefused *ret_refused, char *ret_text,
                              size_t text_size);
/* Asks for the stream: the current SESSION (and LIGHTS) come before or
 * with the answer, later messages through service_pipe_client_read(). */
int service_pipe_client_status(ServicePipeClient *c, ServicePipeRefused *ret_refused, char *ret_text,
                               size_t text_size);
int service_pipe_client_check(ServicePipeClient *c, ServicePipeRefused *ret_refused, char *ret_text,
                              size_t text_size);

/* Waits up to timeout_ms (INFINITE: for ever) for the next stream
 * message and hands it to the callbacks. Returns 1 after one, 0 when the
 * service closed the pipe, -ETIMEDOUT, negative errno as above. */
int service_pipe_client_read(ServicePipeClient *c, DWORD timeout_ms);

/* The pipe handle (overlapped), to CancelIoEx() from another thread. */
HANDLE service_pipe_client_handle(ServicePipeClient *c);

ServicePipeClient *service_pipe_client_free(ServicePipeClient *c);
static inline void service_pipe_client_freep(ServicePipeClient **c) {
        if (c && *c)
                *c = service_pipe_client_free(*c);
}
