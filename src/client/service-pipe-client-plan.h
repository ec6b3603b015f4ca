/* SPDX-License-Identifier: MIT */
#pragma once

/* The pure decisions of client.exe's end of \\.\pipe\lanparty
 * (service-pipe-client-win.c, docs/SERVICE-PIPE.md "The client's end"):
 * whether the program at the server end may be trusted with an invite
 * link, what to do with each message the service sends, and the text a
 * refusal is shown with. Plain C11, no Windows headers: the unit test
 * runs on Linux and under wine. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "service-pipe.h"

/* What the client learnt about the server end before sending anything
 * (service-pipe-client-win.c reads it). Either fact alone suffices:
 * - The pipe's owner, from GetSecurityInfo() on the client's handle
 *   (READ_CONTROL, which GENERIC_READ includes and the pipe's DACL gives
 *   interactive users). A program that made the pipe owns it; a standard
 *   user's program can only make itself (or a group it may own with)
 *   the owner, never SYSTEM or the Administrators: Windows refuses an
 *   owner the token may not assign. The Administrators are allowed too
 *   because Windows makes them the default owner of what an elevated
 *   administrator, and maybe LocalSystem, creates; whoever is an
 *   administrator could read the link anyway.
 * - The server process's user, from GetNamedPipeServerProcessId() and
 *   its token. A standard user may not open a SYSTEM process's token, so
 *   this often cannot be read; it is a second way in, never needed. */
typedef struct ServicePipeServerFacts {
        bool owner_read;               /* the pipe's owner could be read */
        bool owner_is_system;          /* S-1-5-18 */
        bool owner_is_administrators;  /* S-1-5-32-544 */
        bool owner_is_also_trusted;    /* the SID a test named (never in client.exe) */
        bool process_read;             /* the server process's token user could be read */
        bool process_is_system;
} ServicePipeServerFacts;

typedef enum ServicePipeServerVerdict {
        SERVICE_PIPE_SERVER_TRUSTED,
        SERVICE_PIPE_SERVER_UNKNOWN,  /* neither fact could be read: fail closed */
        SERVICE_PIPE_SERVER_SQUATTER, /* made by a program that is not the service */
        _SERVICE_PIPE_SERVER_VERDICT_MAX,
        _SERVICE_PIPE_SERVER_VERDICT_INVALID = -EINVAL,
} ServicePipeServerVerdict;

const char *service_pipe_server_verdict_to_string(ServicePipeServerVerdict v);
ServicePipeServerVerdict service_pipe_server_decide(const ServicePipeServerFacts *facts);

/* What the client does with a message from the service while it waits
 * for the answer to `pending` (SERVICE_PIPE_HELLO: WELCOME or REFUSED;
 * JOIN, LEAVE, STATUS or CHECK: ACCEPTED or REFUSED naming it; 0: no
 * request outstanding, only the status stream may come). `known` is
 * false for a type this version does not know (the reader's 2). */
typedef enum ServicePipeClientAction {
        SERVICE_PIPE_CLIENT_WELCOMED,  /* HELLO answered with our version */
        SERVICE_PIPE_CLIENT_ACCEPTED,  /* the pending request was accepted */
        SERVICE_PIPE_CLIENT_REFUSED,   /* the pending request was refused: show the text */
        SERVICE_PIPE_CLIENT_DISPATCH,  /* a status stream message: hand it to the window */
        SERVICE_PIPE_CLIENT_SKIP,      /* a newer service's message we do not know */
        SERVICE_PIPE_CLIENT_VIOLATION, /* not what the protocol allows now: close the pipe */
        _SERVICE_PIPE_CLIENT_ACTION_MAX,
        _SERVICE_PIPE_CLIENT_ACTION_INVALID = -EINVAL,
} ServicePipeClientAction;

const char *service_pipe_client_action_to_string(ServicePipeClientAction a);
ServicePipeClientAction service_pipe_client_next_action(uint8_t pending, const ServicePipeMessage *m, bool known);

/* Whether the service closes the pipe after this refusal (the table in
 * docs/SERVICE-PIPE.md); unknown codes count as closing. */
bool service_pipe_refusal_closes(ServicePipeRefusal code);

/* A negative errno for a refusal, for callers that branch on it:
 * bad_version -EPROTONOSUPPORT, bad_invite -EINVAL, in_room -EALREADY,
 * not_in_room -ENOTCONN, not_allowed -EACCES, busy -EBUSY, the rest
 * -EPROTO. */
int service_pipe_refusal_to_errno(ServicePipeRefusal code);

/* The sentence a refusal is shown with: what was refused, why, and for
 * bad_version which program to update or restart. The service's text is
 * quoted as it came (the codec checked it is valid text). Returns the
 * length, or -ENOBUFS when `size` is too small (256 + the service's text
 * always suffices), -EINVAL for NULL arguments. */
int service_pipe_refusal_message(const ServicePipeRefused *r, char *buf, size_t size);
#define SERVICE_PIPE_REFUSAL_MESSAGE_MAX (256 + LP_SERVICE_PIPE_REFUSED_TEXT_MAX)
