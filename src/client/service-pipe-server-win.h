/* SPDX-License-Identifier: MIT */
#pragma once

/* The server end of \\.\pipe\lanparty, for the lanparty service (issue
 * 13, docs/SERVICE-PIPE.md), and the check of who connected. Not the
 * service: nothing here reads requests or runs a session.
 *
 * - Every instance is made with SERVICE_PIPE_SDDL: a protected DACL
 *   (nothing inherited) that gives SYSTEM and the Administrators full
 *   control and INTERACTIVE users only what a client needs: connect,
 *   read, write, read the attributes and the DACL. Not
 *   FILE_CREATE_PIPE_INSTANCE, which is FILE_APPEND_DATA under another
 *   name and part of FILE_GENERIC_WRITE: with it any user could add
 *   instances of their own to our pipe and answer some clients in the
 *   service's place (Microsoft's "Named Pipe Security and Access
 *   Rights"). So a client opens the pipe with SERVICE_PIPE_CLIENT_ACCESS,
 *   never GENERIC_WRITE, which a standard user is refused.
 * - PIPE_REJECT_REMOTE_CLIENTS: nobody reaches it over the network.
 * - The first instance is made with FILE_FLAG_FIRST_PIPE_INSTANCE. A
 *   program that made a pipe of that name before the service started
 *   (any user may make pipes) owns its DACL; without the flag the service
 *   would add its instance to that pipe and serve under the squatter's
 *   rules. With it the service fails, loudly. The service then keeps at
 *   least one instance open for as long as it runs (it makes the next
 *   instance before it closes one), or the name would be free to take.
 * - The OpenVPN interactive service (src/openvpnserv/interactive.c) makes
 *   its pipe the same way, with a deny entry for FILE_CREATE_PIPE_INSTANCE
 *   where we leave the right out of the one allow entry; it checks the
 *   client's token after ImpersonateNamedPipeClient(), as we do. */

#include <stdbool.h>
#include <wchar.h>
#include <windows.h>

#include "service-pipe-caller-plan.h"

#define SERVICE_PIPE_PATH L"\\\\.\\pipe\\lanparty"

/* INTERACTIVE users' rights: (FILE_GENERIC_READ | FILE_GENERIC_WRITE) &
 * ~FILE_CREATE_PIPE_INSTANCE, that is READ_CONTROL, SYNCHRONIZE,
 * FILE_READ_DATA, FILE_WRITE_DATA, FILE_READ_EA, FILE_WRITE_EA,
 * FILE_READ_ATTRIBUTES, FILE_WRITE_ATTRIBUTES (the service-pipe server
 * test checks the arithmetic). */
#define SERVICE_PIPE_USER_ACCESS 0x0012019B
/* Owner and group are left to Windows: the creator's (SYSTEM for the
 * service). "P": protected, nothing inherited. FA is FILE_ALL_ACCESS. */
#define SERVICE_PIPE_SDDL L"D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x12019b;;;IU)"

/* What client.exe asks for when it opens the pipe: all it needs, and
 * nothing SERVICE_PIPE_USER_ACCESS does not give. */
#define SERVICE_PIPE_CLIENT_ACCESS (GENERIC_READ | FILE_WRITE_DATA)

/* Instances (connected clients) at most; every call must name the same. */
#define SERVICE_PIPE_INSTANCES_MAX 8
/* Each direction's buffer: two of the largest frames. */
#define SERVICE_PIPE_BUFFER_SIZE 4096

/* Makes an instance of the pipe at `path` (SERVICE_PIPE_PATH; tests
 * name their own), duplex, byte mode, overlapped, with the security
 * described above; `first` for the service's first instance. Returns 0
 * with the handle in *ret; -EADDRINUSE when `first` and the pipe exists
 * already (logged at error level: somebody else made it); -EBUSY when
 * all SERVICE_PIPE_INSTANCES_MAX instances exist; other negative errno
 * values (logged) when Windows refuses. */
int service_pipe_server_create(const wchar_t *path, bool first, HANDLE *ret);

/* Reads the caller facts from a token (opened with TOKEN_QUERY). Returns
 * 0, or a negative errno when a fact cannot be read: then
 * ret->token_read is false and the caller is refused. */
int service_pipe_caller_facts_from_token(HANDLE token, ServicePipeCallerFacts *ret);

/* Whether the service may act for the client connected to `pipe`: its
 * token, from ImpersonateNamedPipeClient(), through
 * service_pipe_caller_decide(). Call it once the client's first frame
 * (HELLO) was read: Windows lets a server impersonate only after a read.
 * A refusal is logged at notice level with the client's process id.
 * *ret_facts (may be NULL) gets the facts. */
ServicePipeCallerVerdict service_pipe_server_check_caller(HANDLE pipe, ServicePipeCallerFacts *ret_facts);
