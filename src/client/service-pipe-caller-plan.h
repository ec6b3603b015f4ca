/* SPDX-License-Identifier: MIT */
#pragma once

/* The pure part of the lanparty service's caller check
 * (service-pipe-server-win.c, docs/SERVICE-PIPE.md "Who may talk to the
 * service"): given what the token of the program at the client end of
 * \\.\pipe\lanparty says about it, may the service act for it?
 *
 * The pipe's DACL already keeps out everybody who is not SYSTEM, an
 * administrator or an interactive user, and PIPE_REJECT_REMOTE_CLIENTS
 * keeps out other computers. This is the second lock, on the token the
 * client connected with, as OpenVPN's interactive service checks the
 * token it gets from ImpersonateNamedPipeClient(): the caller must be a
 * person logged on at this PC, in a program that is not sandboxed.
 *
 * Plain C11, no Windows headers: service-pipe-server-win.c reads the
 * facts from the token, the unit test runs on Linux and under wine. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* Windows' mandatory integrity levels (the last sub-authority of the
 * token's S-1-16-x label SID). */
#define SERVICE_PIPE_INTEGRITY_LOW UINT32_C(0x1000)
#define SERVICE_PIPE_INTEGRITY_MEDIUM UINT32_C(0x2000)

/* The first session of a Windows since Vista is the services' own: no
 * person logs on there. */
#define SERVICE_PIPE_SERVICES_SESSION UINT32_C(0)

typedef struct ServicePipeCallerFacts {
        /* The client connected at the anonymous impersonation level
         * (OpenThreadToken() says ERROR_CANT_OPEN_ANONYMOUS), or its
         * token's user is ANONYMOUS LOGON (S-1-5-7). */
        bool anonymous;
        /* Its token could be opened and read at all. */
        bool token_read;
        /* NETWORK (S-1-5-2) is among its groups, in any state: also
         * disabled or deny-only, a network logon it stays. */
        bool network;
        /* INTERACTIVE (S-1-5-4) is among its groups, enabled and not
         * deny-only: a logon at this PC's screen (also over Remote
         * Desktop, which adds REMOTE INTERACTIVE LOGON to it). */
        bool interactive;
        /* TokenSessionId. */
        uint32_t session_id;
        /* IsTokenRestricted(): restricting SIDs, as sandboxes set. */
        bool restricted;
        /* TokenIsAppContainer. */
        bool app_container;
        /* The label's RID (SERVICE_PIPE_INTEGRITY_*); 0 when it has none. */
        uint32_t integrity;
} ServicePipeCallerFacts;

typedef enum ServicePipeCallerVerdict {
        SERVICE_PIPE_CALLER_ALLOWED,
        SERVICE_PIPE_CALLER_ANONYMOUS,       /* connected without saying who it is */
        SERVICE_PIPE_CALLER_NO_TOKEN,        /* its token could not be read: fail closed */
        SERVICE_PIPE_CALLER_NETWORK,         /* a network logon */
        SERVICE_PIPE_CALLER_NOT_INTERACTIVE, /* a service, a batch job, SYSTEM */
        SERVICE_PIPE_CALLER_SERVICES_SESSION,/* an "interactive" token in session 0 */
        SERVICE_PIPE_CALLER_SANDBOXED,       /* restricted, AppContainer, or below medium integrity */
        _SERVICE_PIPE_CALLER_VERDICT_MAX,
        _SERVICE_PIPE_CALLER_VERDICT_INVALID = -EINVAL,
} ServicePipeCallerVerdict;

/* For logs and REFUSED not_allowed's text: "is a network logon", ... */
const char *service_pipe_caller_verdict_to_string(ServicePipeCallerVerdict v);

/* The decision, in the order of the verdicts above: the first rule a
 * caller breaks is the one named. _SERVICE_PIPE_CALLER_VERDICT_INVALID
 * for NULL facts. */
ServicePipeCallerVerdict service_pipe_caller_decide(const ServicePipeCallerFacts *facts);
