/* SPDX-License-Identifier: MIT */
/* The server end of \\.\pipe\lanparty and the check of its callers; see
 * service-pipe-server-win.h. The Win32 calls here are not in win_sys
 * (win-sys.h): named pipes, security descriptors and tokens work under
 * wine as they are, so the tests run them for real. */
#include "service-pipe-server-win.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sddl.h>

#include "log.h"
#include "macro.h"
#include "platform-win.h"
#include "win-handle.h"

/* Whether the instance `h` is its pipe's only one. Windows refuses
 * FILE_FLAG_FIRST_PIPE_INSTANCE on a pipe that exists; wine (8.0)
 * ignores the flag and adds the instance to whoever's pipe it is. This
 * catches that there, and costs nothing on Windows. */
static bool pipe_is_alone(HANDLE h) {
        DWORD instances = 0;

        if (!GetNamedPipeHandleStateW(h, NULL, &instances, NULL, NULL, NULL, 0))
                return false;
        return instances == 1;
}

int service_pipe_server_create(const wchar_t *path, bool first, HANDLE *ret) {
        _cleanup_(local_freep) PSECURITY_DESCRIPTOR sd = NULL;
        SECURITY_ATTRIBUTES sa;
        char name[WIN_PATH_MAX];
        HANDLE h;
        DWORD e;

        if (!path || !ret)
                return -EINVAL;
        if (wide_to_utf8(path, name, sizeof(name)) < 0)
                snprintf(name, sizeof(name), "the lanparty service's pipe");

        if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(SERVICE_PIPE_SDDL, SDDL_REVISION_1, &sd, NULL))
                return log_error_errno(errno_from_win32(GetLastError()),
                                       "Cannot build the security descriptor of %s: %m", name);
        sa = (SECURITY_ATTRIBUTES) { .nLength = sizeof(sa), .lpSecurityDescriptor = sd, .bInheritHandle = FALSE };

        h = CreateNamedPipeW(path,
                             PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
                             PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
                             SERVICE_PIPE_INSTANCES_MAX, SERVICE_PIPE_BUFFER_SIZE, SERVICE_PIPE_BUFFER_SIZE, 0, &sa);
        if (h == INVALID_HANDLE_VALUE)
                e = GetLastError();
        else if (first && !pipe_is_alone(h)) {
                CloseHandle(h);
                e = ERROR_ACCESS_DENIED;
        } else {
                *ret = h;
                return 0;
        }

        /* FILE_FLAG_FIRST_PIPE_INSTANCE on a name that exists is
         * ERROR_ACCESS_DENIED, or ERROR_PIPE_BUSY when all that pipe's
         * instances are taken: either way the pipe is somebody else's. */
        if (first && (e == ERROR_ACCESS_DENIED || e == ERROR_PIPE_BUSY))
                return log_error_errno(EADDRINUSE,
                                       "%s exists already: another program made it before the lanparty service "
                                       "started, maybe to be talked to in its place. Not serving on a pipe whose "
                                       "access rules somebody else set. Restart Windows, or find that program "
                                       "(Sysinternals' handle.exe -a lanparty) and remove it.",
                                       name);
        if (e == ERROR_PIPE_BUSY)
                return log_error_errno(EBUSY, "All %d instances of %s are in use.", SERVICE_PIPE_INSTANCES_MAX, name);
        return log_error_errno(errno_from_win32(e), "Failed to create %s: %m", name);
}

/* GetTokenInformation() into a buffer of the size it asks for; free()
 * it. NULL with errno set on failure. */
static void *token_info(HANDLE token, TOKEN_INFORMATION_CLASS class) {
        DWORD size = 0;
        void *buf;

        if (GetTokenInformation(token, class, NULL, 0, &size) || GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
                errno = -errno_from_win32(GetLastError() ? GetLastError() : ERROR_INVALID_DATA);
                return NULL;
        }
        buf = malloc(size);
        if (!buf) {
                errno = ENOMEM;
                return NULL;
        }
        if (!GetTokenInformation(token, class, buf, size, &size)) {
                errno = -errno_from_win32(GetLastError());
                free(buf);
                return NULL;
        }
        return buf;
}

static bool sid_is(PSID sid, WELL_KNOWN_SID_TYPE type) {
        BYTE buf[SECURITY_MAX_SID_SIZE];
        DWORD size = sizeof(buf);

        return sid && CreateWellKnownSid(type, NULL, buf, &size) && EqualSid(sid, (PSID) buf);
}

/* NETWORK counts however it is there; INTERACTIVE only when it takes
 * part in access checks as a group that grants (enabled, not
 * deny-only), as the pipe's DACL sees it. */
static void facts_from_groups(const TOKEN_GROUPS *groups, ServicePipeCallerFacts *f) {
        for (DWORD i = 0; i < groups->GroupCount; i++) {
                const SID_AND_ATTRIBUTES *g = &groups->Groups[i];

                if (sid_is(g->Sid, WinNetworkSid))
                        f->network = true;
                else if (sid_is(g->Sid, WinInteractiveSid) && (g->Attributes & SE_GROUP_ENABLED) &&
                         !(g->Attributes & SE_GROUP_USE_FOR_DENY_ONLY))
                        f->interactive = true;
        }
}

static int token_integrity(HANDLE token, uint32_t *ret) {
        _cleanup_free_ TOKEN_MANDATORY_LABEL *label = token_info(token, TokenIntegrityLevel);
        UCHAR n;

        if (!label)
                return -errno;
        n = label->Label.Sid ? *GetSidSubAuthorityCount(label->Label.Sid) : 0;
        *ret = n > 0 ? *GetSidSubAuthority(label->Label.Sid, n - 1) : 0;
        return 0;
}

int service_pipe_caller_facts_from_token(HANDLE token, ServicePipeCallerFacts *ret) {
        _cleanup_free_ TOKEN_GROUPS *groups = NULL;
        _cleanup_free_ TOKEN_USER *user = NULL;
        ServicePipeCallerFacts f = { 0 };
        DWORD session = 0, app_container = 0, size;
        int r;

        if (!ret)
                return -EINVAL;
        *ret = f;

        user = token_info(token, TokenUser);
        groups = token_info(token, TokenGroups);
        if (!user || !groups)
                return -errno;
        f.anonymous = sid_is(user->User.Sid, WinAnonymousSid);
        facts_from_groups(groups, &f);

        if (!GetTokenInformation(token, TokenSessionId, &session, sizeof(session), &size))
                return errno_from_win32(GetLastError());
        f.session_id = session;
        /* Windows before 8 knows no app containers, and says so. */
        if (!GetTokenInformation(token, TokenIsAppContainer, &app_container, sizeof(app_container), &size) &&
            GetLastError() != ERROR_INVALID_PARAMETER)
                return errno_from_win32(GetLastError());
        f.app_container = app_container != 0;
        f.restricted = IsTokenRestricted(token);
        r = token_integrity(token, &f.integrity);
        if (r < 0)
                return r;

        f.token_read = true;
        *ret = f;
        return 0;
}

/* The token the client connected with, as the pipe's impersonation gives
 * it; an anonymous client has none to open. */
static int client_token_open(HANDLE pipe, HANDLE *ret) {
        DWORD e = 0;

        if (!ImpersonateNamedPipeClient(pipe))
                return errno_from_win32(GetLastError());
        /* As ourselves (OpenAsSelf), not as the client: the service may
         * read the token whatever the client's token allows. */
        if (!OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, ret))
                e = GetLastError();
        /* Never go on acting as somebody else. */
        if (!RevertToSelf()) {
                log_error_errno(errno_from_win32(GetLastError()), "Cannot stop impersonating a pipe client: %m");
                abort();
        }
        if (e == ERROR_CANT_OPEN_ANONYMOUS)
                return -EPERM;
        return e ? errno_from_win32(e) : 0;
}

ServicePipeCallerVerdict service_pipe_server_check_caller(HANDLE pipe, ServicePipeCallerFacts *ret_facts) {
        _cleanup_(handle_closep) HANDLE token = NULL;
        ServicePipeCallerFacts facts = { 0 };
        ServicePipeCallerVerdict v;
        ULONG pid = 0;
        int r;

        r = client_token_open(pipe, &token);
        if (r == -EPERM)
                facts.anonymous = true;
        else if (r < 0)
                log_debug_errno(r, "Cannot open the pipe client's token: %m");
        else {
                r = service_pipe_caller_facts_from_token(token, &facts);
                if (r < 0)
                        log_debug_errno(r, "Cannot read the pipe client's token: %m");
        }

        v = service_pipe_caller_decide(&facts);
        if (v != SERVICE_PIPE_CALLER_ALLOWED) {
                const char *why = service_pipe_caller_verdict_to_string(v);

                (void) GetNamedPipeClientProcessId(pipe, &pid);
                log_notice("Refusing the pipe client in process %lu: it %s.", (unsigned long) pid,
                           why ? why : "is not allowed");
        }
        if (ret_facts)
                *ret_facts = facts;
        return v;
}
