/* SPDX-License-Identifier: MIT */
/* client.exe's end of \\.\pipe\lanparty; see service-pipe-client-win.h.
 * Like the server end, the Win32 calls here are not in win_sys
 * (win-sys.h): named pipes, security descriptors and tokens work under
 * wine as they are, so the tests run them for real. */
#include "service-pipe-client-win.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <aclapi.h>
#include <sddl.h>

#include "log.h"
#include "macro.h"
#include "platform-win.h"
#include "service-pipe-server-win.h"
#include "win-handle.h"

#define CLIENT_TIMEOUT_DEFAULT_MS 5000
#define ANSWER_TIMEOUT_DEFAULT_MS 10000

struct ServicePipeClient {
        HANDLE pipe;  /* overlapped, so waits can end */
        HANDLE event; /* for its OVERLAPPED */
        DWORD answer_timeout_ms;
        ServicePipeClientCallbacks callbacks;
        ServicePipeReader reader;
        uint8_t in[SERVICE_PIPE_BUFFER_SIZE]; /* read from the pipe, not yet fed */
        size_t in_len, in_off;
};

/* Overwrites what held a secret (the invite link), in a way the
 * compiler may not drop as a dead store. */
static void wipe(void *p, size_t n) {
        volatile uint8_t *b = p;

        while (n-- > 0)
                *b++ = 0;
}

static bool sid_is(PSID sid, WELL_KNOWN_SID_TYPE type) {
        BYTE buf[SECURITY_MAX_SID_SIZE];
        DWORD size = sizeof(buf);

        return sid && IsValidSid(sid) && CreateWellKnownSid(type, NULL, buf, &size) && EqualSid(sid, (PSID) buf);
}

static void sid_to_text(PSID sid, char *buf, size_t size) {
        _cleanup_(local_freep) char *s = NULL;

        if (sid && ConvertSidToStringSidA(sid, &s))
                snprintf(buf, size, "%s", s);
        else
                snprintf(buf, size, "(unknown)");
}

/* The user the process at the server end runs as; false when it cannot
 * be read (a standard user may not open a SYSTEM process's token). */
static bool server_process_user(HANDLE pipe, char *sid_text, size_t size, bool *ret_is_system) {
        _cleanup_(handle_closep) HANDLE process = NULL, token = NULL;
        _cleanup_free_ TOKEN_USER *user = NULL;
        ULONG pid = 0;
        DWORD need = 0;

        if (!GetNamedPipeServerProcessId(pipe, &pid))
                return false;
        process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
        if (!process || !OpenProcessToken(process, TOKEN_QUERY, &token))
                return false;
        if (GetTokenInformation(token, TokenUser, NULL, 0, &need) || GetLastError() != ERROR_INSUFFICIENT_BUFFER)
                return false;
        user = malloc(need);
        if (!user || !GetTokenInformation(token, TokenUser, user, need, &need))
                return false;
        sid_to_text(user->User.Sid, sid_text, size);
        *ret_is_system = sid_is(user->User.Sid, WinLocalSystemSid);
        return true;
}

static void server_facts(HANDLE h, PSID also_trusted, ServicePipeServerFacts *ret, char *owner_text,
                         char *process_text, size_t size) {
        _cleanup_(local_freep) PSECURITY_DESCRIPTOR sd = NULL;
        ServicePipeServerFacts f = { 0 };
        PSID owner = NULL;

        snprintf(owner_text, size, "(unreadable)");
        snprintf(process_text, size, "(unreadable)");
        if (GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL, NULL, NULL, &sd) ==
                    ERROR_SUCCESS &&
            owner && IsValidSid(owner)) {
                f.owner_read = true;
                f.owner_is_system = sid_is(owner, WinLocalSystemSid);
                f.owner_is_administrators = sid_is(owner, WinBuiltinAdministratorsSid);
                f.owner_is_also_trusted = also_trusted && IsValidSid(also_trusted) && EqualSid(owner, also_trusted);
                sid_to_text(owner, owner_text, size);
        }
        f.process_read = server_process_user(h, process_text, size, &f.process_is_system);
        *ret = f;
}

void service_pipe_client_server_facts(HANDLE h, PSID also_trusted_owner, ServicePipeServerFacts *ret) {
        char owner[128], process[128];

        server_facts(h, also_trusted_owner, ret, owner, process, sizeof(owner));
}

/* Opens the pipe, waiting up to timeout_ms for a free instance. */
static int pipe_open(const wchar_t *path, DWORD timeout_ms, HANDLE *ret) {
        ULONGLONG deadline = GetTickCount64() + timeout_ms;

        for (;;) {
                HANDLE h = CreateFileW(path, SERVICE_PIPE_CLIENT_ACCESS, 0, NULL, OPEN_EXISTING,
                                       FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
                ULONGLONG now;
                DWORD e;

                if (h != INVALID_HANDLE_VALUE) {
                        *ret = h;
                        return 0;
                }
                e = GetLastError();
                if (e == ERROR_FILE_NOT_FOUND)
                        return -ENOENT;
                if (e != ERROR_PIPE_BUSY)
                        return errno_from_win32(e);
                now = GetTickCount64();
                if (now >= deadline || !WaitNamedPipeW(path, (DWORD) (deadline - now))) {
                        e = GetLastError();
                        return e == ERROR_FILE_NOT_FOUND ? -ENOENT : -EBUSY;
                }
        }
}

/* Finishes an overlapped ReadFile()/WriteFile() that returned `ok`:
 * the bytes moved, or -ETIMEDOUT after timeout_ms (INFINITE: never),
 * the I/O cancelled, or a negative errno (-EPIPE when the pipe closed). */
static int overlapped_finish(ServicePipeClient *c, BOOL ok, OVERLAPPED *ov, DWORD timeout_ms) {
        DWORD n = 0, e;

        if (!ok && GetLastError() != ERROR_IO_PENDING) {
                e = GetLastError();
                return e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED ? -EPIPE : errno_from_win32(e);
        }
        if (WaitForSingleObject(c->event, timeout_ms) == WAIT_TIMEOUT) {
                (void) CancelIoEx(c->pipe, ov);
                /* Waits until the buffer is ours again; the I/O may have
                 * completed after all, and then its bytes count. */
                if (!GetOverlappedResult(c->pipe, ov, &n, TRUE) || n == 0)
                        return -ETIMEDOUT;
                return (int) n;
        }
        if (!GetOverlappedResult(c->pipe, ov, &n, TRUE)) {
                e = GetLastError();
                return e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED ? -EPIPE : errno_from_win32(e);
        }
        return (int) n;
}

static int pipe_write_all(ServicePipeClient *c, const uint8_t *buf, size_t len) {
        while (len > 0) {
                OVERLAPPED ov = { .hEvent = c->event };
                int n = overlapped_finish(c, WriteFile(c->pipe, buf, (DWORD) len, NULL, &ov), &ov,
                                          c->answer_timeout_ms);

                if (n < 0)
                        return n;
                buf += n, len -= (size_t) n;
        }
        return 0;
}

/* The next message from the service, waiting at most timeout_ms for
 * bytes: 1 (known, or not: *ret_known), 0 when the service closed the
 * pipe, -ETIMEDOUT, negative errno. */
static int read_message(ServicePipeClient *c, DWORD timeout_ms, ServicePipeMessage *m, bool *ret_known) {
        for (;;) {
                int k = service_pipe_reader_next(&c->reader, m), n;
                OVERLAPPED ov = { .hEvent = c->event };

                if (k < 0)
                        return log_error_errno(EPROTO, "The lanparty service sent what its protocol does not allow (%s).",
                                               service_pipe_error_to_string(c->reader.error));
                if (k > 0) {
                        *ret_known = k == 1;
                        return 1;
                }
                if (c->in_off < c->in_len) {
                        c->in_off += service_pipe_reader_feed(&c->reader, c->in + c->in_off, c->in_len - c->in_off);
                        continue;
                }
                n = overlapped_finish(c, ReadFile(c->pipe, c->in, sizeof(c->in), NULL, &ov), &ov, timeout_ms);
                if (n == -EPIPE) {
                        if (service_pipe_reader_pending(&c->reader) > 0)
                                return log_error_errno(EPROTO, "The lanparty service closed its pipe mid-message.");
                        return 0;
                }
                if (n < 0)
                        return n;
                c->in_len = (size_t) n, c->in_off = 0;
        }
}

static const char *type_name(ServicePipeType t) {
        const char *s = service_pipe_type_to_string(t);

        return s ? s : "an unknown message";
}

static void dispatch(ServicePipeClient *c, const ServicePipeMessage *m) {
        const ServicePipeClientCallbacks *cb = &c->callbacks;

        switch (m->type) {
        case SERVICE_PIPE_SESSION:
                if (cb->session)
                        cb->session(&m->session, cb->userdata);
                break;
        case SERVICE_PIPE_LINE:
                if (cb->line)
                        cb->line(m->line.text, m->line.text_len, cb->userdata);
                break;
        case SERVICE_PIPE_LIGHTS:
                if (cb->lights)
                        cb->lights(&m->lights, cb->userdata);
                break;
        case SERVICE_PIPE_ENDED:
                if (cb->ended)
                        cb->ended(&m->ended, cb->userdata);
                break;
        default:
                break;
        }
}

static void refusal_out(const ServicePipeRefused *r, ServicePipeRefused *ret_refused, char *ret_text,
                        size_t text_size) {
        if (ret_refused)
                *ret_refused = *r;
        if (ret_text && text_size > 0 && service_pipe_refusal_message(r, ret_text, text_size) < 0)
                snprintf(ret_text, text_size, "The lanparty service refused (%s).",
                         service_pipe_refusal_to_string(r->code));
}

/* Sends `request` (type `pending`) and reads until its answer; stream
 * messages meanwhile go to the callbacks. 1 accepted (or welcomed), 0
 * refused, negative errno. */
static int transact(ServicePipeClient *c, ServicePipeMessage *request, ServicePipeRefused *ret_refused,
                    char *ret_text, size_t text_size) {
        uint8_t frame[LP_SERVICE_PIPE_FRAME_MAX];
        uint8_t pending = (uint8_t) request->type;
        ServicePipeMessage m;
        bool known;
        int len, r;

        len = service_pipe_encode(request, frame, sizeof(frame));
        wipe(request, sizeof(*request));
        if (len < 0)
                return len;
        r = pipe_write_all(c, frame, (size_t) len);
        wipe(frame, sizeof(frame));
        if (r < 0)
                return log_error_errno(r, "Cannot write to the lanparty service's pipe: %m");

        for (;;) {
                ServicePipeClientAction a;

                r = read_message(c, c->answer_timeout_ms, &m, &known);
                if (r == 0)
                        return log_error_errno(ECONNRESET, "The lanparty service closed its pipe before it answered.");
                if (r == -ETIMEDOUT)
                        return log_error_errno(r, "The lanparty service did not answer %s within %lu ms.",
                                               service_pipe_type_to_string(pending),
                                               (unsigned long) c->answer_timeout_ms);
                if (r < 0)
                        return r;
                a = service_pipe_client_next_action(pending, &m, known);
                switch (a) {
                case SERVICE_PIPE_CLIENT_WELCOMED:
                case SERVICE_PIPE_CLIENT_ACCEPTED:
                        return 1;
                case SERVICE_PIPE_CLIENT_REFUSED:
                        refusal_out(&m.refused, ret_refused, ret_text, text_size);
                        return 0;
                case SERVICE_PIPE_CLIENT_DISPATCH:
                        dispatch(c, &m);
                        break;
                case SERVICE_PIPE_CLIENT_SKIP:
                        break;
                default:
                        return log_error_errno(EPROTO, "The lanparty service sent %s (0x%02x) while this program "
                                               "waited for the answer to %s.",
                                               type_name(m.type),
                                               (unsigned) m.type, service_pipe_type_to_string(pending));
                }
        }
}

static int check_server(ServicePipeClient *c, PSID also_trusted) {
        ServicePipeServerFacts facts;
        ServicePipeServerVerdict v;
        char owner[128], process[128];

        server_facts(c->pipe, also_trusted, &facts, owner, process, sizeof(owner));
        v = service_pipe_server_decide(&facts);
        log_debug("The pipe's owner is %s, its server process runs as %s: it %s.", owner, process,
                  service_pipe_server_verdict_to_string(v));
        if (v == SERVICE_PIPE_SERVER_TRUSTED)
                return 0;
        return log_error_errno(EPERM,
                               "Not talking to \\\\.\\pipe\\lanparty: it %s (the pipe's owner is %s, its server "
                               "process runs as %s; the service's is SYSTEM). Some program made it while the "
                               "lanparty service was not running, maybe to catch invite links. Restart Windows.",
                               service_pipe_server_verdict_to_string(v), owner, process);
}

int service_pipe_client_open(const ServicePipeClientOptions *options, ServicePipeClient **ret, char *ret_text,
                             size_t text_size) {
        _cleanup_(service_pipe_client_freep) ServicePipeClient *c = NULL;
        ServicePipeMessage hello = { .type = SERVICE_PIPE_HELLO, .hello.version = LP_SERVICE_PIPE_VERSION };
        ServicePipeRefused refused;
        int r;

        if (!options || !ret)
                return -EINVAL;
        if (ret_text && text_size > 0)
                ret_text[0] = '\0';
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->pipe = INVALID_HANDLE_VALUE;
        c->callbacks = options->callbacks;
        c->answer_timeout_ms = options->answer_timeout_ms > 0 ? options->answer_timeout_ms : ANSWER_TIMEOUT_DEFAULT_MS;
        c->event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (!c->event)
                return errno_from_win32(GetLastError());
        service_pipe_reader_init(&c->reader, SERVICE_PIPE_FROM_SERVICE);

        r = pipe_open(options->path ? options->path : SERVICE_PIPE_PATH,
                      options->timeout_ms > 0 ? options->timeout_ms : CLIENT_TIMEOUT_DEFAULT_MS, &c->pipe);
        if (r == -ENOENT)
                return log_debug_errno(r, "The lanparty service is not running (no pipe).");
        if (r < 0)
                return log_error_errno(r, "Cannot open the lanparty service's pipe: %m");
        /* Before anything is sent: HELLO holds no secret, but whoever
         * answers it would get the JOIN next. */
        r = check_server(c, options->also_trusted_owner);
        if (r < 0)
                return r;

        r = transact(c, &hello, &refused, ret_text, text_size);
        if (r < 0)
                return r;
        if (r == 0) {
                log_error("%s", ret_text && text_size > 0 ? ret_text : service_pipe_refusal_to_string(refused.code));
                return service_pipe_refusal_to_errno(refused.code);
        }
        *ret = TAKE_PTR(c);
        return 0;
}

static int request_simple(ServicePipeClient *c, ServicePipeType type, ServicePipeRefused *ret_refused,
                          char *ret_text, size_t text_size) {
        ServicePipeMessage m = { .type = type };

        if (!c)
                return -EINVAL;
        return transact(c, &m, ret_refused, ret_text, text_size);
}

int service_pipe_client_join(ServicePipeClient *c, const char *link, ServicePipeRefused *ret_refused,
                             char *ret_text, size_t text_size) {
        ServicePipeMessage m = { .type = SERVICE_PIPE_JOIN };
        size_t n;

        if (!c || !link)
                return -EINVAL;
        n = strlen(link);
        if (n == 0 || n > LP_SERVICE_PIPE_LINK_MAX)
                return -EINVAL;
        memcpy(m.join.link, link, n);
        m.join.link_len = n;
        return transact(c, &m, ret_refused, ret_text, text_size); /* wipes m */
}

int service_pipe_client_leave(ServicePipeClient *c, ServicePipeRefused *ret_refused, char *ret_text,
                              size_t text_size) {
        return request_simple(c, SERVICE_PIPE_LEAVE, ret_refused, ret_text, text_size);
}

int service_pipe_client_status(ServicePipeClient *c, ServicePipeRefused *ret_refused, char *ret_text,
                               size_t text_size) {
        return request_simple(c, SERVICE_PIPE_STATUS, ret_refused, ret_text, text_size);
}

int service_pipe_client_check(ServicePipeClient *c, ServicePipeRefused *ret_refused, char *ret_text,
                              size_t text_size) {
        return request_simple(c, SERVICE_PIPE_CHECK, ret_refused, ret_text, text_size);
}

int service_pipe_client_read(ServicePipeClient *c, DWORD timeout_ms) {
        ServicePipeMessage m;
        bool known;
        int r;

        if (!c)
                return -EINVAL;
        for (;;) {
                r = read_message(c, timeout_ms, &m, &known);
                if (r <= 0)
                        return r;
                switch (service_pipe_client_next_action(0, &m, known)) {
                case SERVICE_PIPE_CLIENT_DISPATCH:
                        dispatch(c, &m);
                        return 1;
                case SERVICE_PIPE_CLIENT_SKIP:
                        continue;
                default:
                        return log_error_errno(EPROTO, "The lanparty service sent %s (0x%02x) that nothing asked for.",
                                               type_name(m.type),
                                               (unsigned) m.type);
                }
        }
}

HANDLE service_pipe_client_handle(ServicePipeClient *c) {
        return c ? c->pipe : INVALID_HANDLE_VALUE;
}

ServicePipeClient *service_pipe_client_free(ServicePipeClient *c) {
        if (!c)
                return NULL;
        if (c->pipe != INVALID_HANDLE_VALUE)
                CloseHandle(c->pipe);
        if (c->event)
                CloseHandle(c->event);
        wipe(c, sizeof(*c));
        free(c);
        return NULL;
}
