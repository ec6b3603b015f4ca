/* SPDX-License-Identifier: MIT */
/* service-pipe-server-win.c under wine (or Windows): the pipe's security
 * descriptor as Windows reads it back, what it lets a standard user and
 * a service do, the refusal to serve on a pipe somebody else made first,
 * and a client that connects, says HELLO with the codec and reads the
 * answer. The server's side of that conversation
 * here is a test stub (check the caller, answer WELCOME or REFUSED): the
 * lanparty service that will hold it is not written yet.
 *
 * Each run names its own pipe (\\.\pipe\lanparty-test-<pid>), so runs in
 * parallel and a real service do not meet. What wine cannot show is said
 * where it matters; docs/SERVICE-PIPE.md sums it up. On Windows run it
 * elevated, as the service runs as SYSTEM: a further instance of the
 * pipe takes FILE_CREATE_PIPE_INSTANCE, which users do not get. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include "service-pipe-server-win.h"
#include "service-pipe.h"
#include "test-util.h"
#include "win-handle.h"

static wchar_t pipe_path[64];

static bool running_on_wine(void) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

        return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

static void check_ace(PACL dacl, DWORD index, WELL_KNOWN_SID_TYPE who, ACCESS_MASK mask) {
        BYTE want[SECURITY_MAX_SID_SIZE];
        DWORD size = sizeof(want);
        ACCESS_ALLOWED_ACE *ace;

        CHECK(GetAce(dacl, index, (void **) &ace));
        CHECK_EQ_INT(ace->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
        CHECK_EQ_INT(ace->Header.AceFlags, 0); /* not inherited, nothing to inherit */
        CHECK(CreateWellKnownSid(who, NULL, want, &size));
        CHECK(EqualSid((PSID) &ace->SidStart, (PSID) want));
        CHECK_EQ_INT(ace->Mask, mask);
}

/* The DACL of the pipe that `h` (either end) belongs to, checked entry
 * by entry and as SDDL. */
static void check_pipe_dacl(HANDLE h) {
        _cleanup_(local_freep) PSECURITY_DESCRIPTOR sd = NULL;
        _cleanup_(local_freep) wchar_t *sddl = NULL;
        SECURITY_DESCRIPTOR_CONTROL control = 0;
        DWORD revision;
        PACL dacl = NULL;
        char text[256];

        CHECK_EQ_INT(GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd),
                     ERROR_SUCCESS);
        CHECK(sd && dacl);
        CHECK(GetSecurityDescriptorControl(sd, &control, &revision));
        CHECK(control & SE_DACL_PRESENT);
        CHECK(control & SE_DACL_PROTECTED);
        CHECK(ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION,
                                                                   &sddl, NULL));
        snprintf(text, sizeof(text), "%ls", sddl);
        fprintf(stderr, "pipe DACL: %s\n", text);
        CHECK(wcscmp(sddl, SERVICE_PIPE_SDDL) == 0);

        /* The same, without trusting the SDDL writer's spelling. */
        CHECK_EQ_INT(dacl->AceCount, 3);
        check_ace(dacl, 0, WinLocalSystemSid, FILE_ALL_ACCESS);
        check_ace(dacl, 1, WinBuiltinAdministratorsSid, FILE_ALL_ACCESS);
        check_ace(dacl, 2, WinInteractiveSid, SERVICE_PIPE_USER_ACCESS);
}

static void test_user_access(void) {
        /* The arithmetic the header states, and what it must leave out. */
        CHECK_EQ_INT(SERVICE_PIPE_USER_ACCESS, (FILE_GENERIC_READ | FILE_GENERIC_WRITE) & ~FILE_CREATE_PIPE_INSTANCE);
        CHECK_EQ_INT(FILE_CREATE_PIPE_INSTANCE, FILE_APPEND_DATA);
        CHECK((SERVICE_PIPE_USER_ACCESS & (FILE_CREATE_PIPE_INSTANCE | WRITE_DAC | WRITE_OWNER | DELETE)) == 0);
        /* A client asks for no more than it gets (GENERIC_READ maps to
         * FILE_GENERIC_READ on a pipe). */
        CHECK(((FILE_GENERIC_READ | FILE_WRITE_DATA) & ~SERVICE_PIPE_USER_ACCESS) == 0);
}

static void test_security_descriptor(void) {
        _cleanup_(handle_closep) HANDLE server = INVALID_HANDLE_VALUE, client = INVALID_HANDLE_VALUE;

        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &server), 0);
        check_pipe_dacl(server);

        /* What a client sees through its own handle is the same pipe's. */
        client = CreateFileW(pipe_path, SERVICE_PIPE_CLIENT_ACCESS | READ_CONTROL, 0, NULL, OPEN_EXISTING, 0, NULL);
        CHECK(client != INVALID_HANDLE_VALUE);
        check_pipe_dacl(client);
}

static void test_first_instance(void) {
        _cleanup_(handle_closep) HANDLE first = INVALID_HANDLE_VALUE, second = INVALID_HANDLE_VALUE;
        _cleanup_(handle_closep) HANDLE again = INVALID_HANDLE_VALUE, squatter = INVALID_HANDLE_VALUE;

        /* Ours: a second "first" instance is refused, a further one is
         * the service's next instance. */
        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &first), 0);
        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &again), -EADDRINUSE);
        CHECK(again == INVALID_HANDLE_VALUE);
        CHECK_EQ_INT(service_pipe_server_create(pipe_path, false, &second), 0);
        check_pipe_dacl(second);
        CloseHandle(TAKE_PTR(first));
        CloseHandle(TAKE_PTR(second));

        /* Somebody else's, made first with the default security: the
         * service does not serve on it. */
        squatter = CreateNamedPipeW(pipe_path, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_WAIT,
                                    PIPE_UNLIMITED_INSTANCES, 512, 512, 0, NULL);
        CHECK(squatter != INVALID_HANDLE_VALUE);
        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &again), -EADDRINUSE);
        CloseHandle(TAKE_PTR(squatter));

        /* Gone again: the name is free for the service. */
        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &again), 0);
        CHECK_EQ_INT(service_pipe_server_create(NULL, true, &first), -EINVAL);
        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, NULL), -EINVAL);
}

/* Waits for an overlapped operation on `h` that returned `ok`. */
static DWORD overlapped_wait(HANDLE h, BOOL ok, OVERLAPPED *ov) {
        DWORD n = 0;

        if (!ok && GetLastError() != ERROR_IO_PENDING)
                return 0;
        CHECK(GetOverlappedResult(h, ov, &n, TRUE));
        return n;
}

typedef struct ClientRun {
        DWORD sqos;                /* SECURITY_SQOS_PRESENT | level, or 0 */
        ServicePipeMessage answer; /* what the stub server said */
} ClientRun;

static DWORD WINAPI client_thread(void *userdata) {
        ClientRun *run = userdata;
        uint8_t frame[LP_SERVICE_PIPE_FRAME_MAX];
        ServicePipeReader reader;
        ServicePipeMessage hello = { .type = SERVICE_PIPE_HELLO, .hello.version = LP_SERVICE_PIPE_VERSION };
        HANDLE h;
        DWORD n;
        int len, r = 0;

        CHECK(WaitNamedPipeW(pipe_path, 5000));
        h = CreateFileW(pipe_path, SERVICE_PIPE_CLIENT_ACCESS, 0, NULL, OPEN_EXISTING, run->sqos, NULL);
        CHECK(h != INVALID_HANDLE_VALUE);
        len = service_pipe_encode(&hello, frame, sizeof(frame));
        CHECK(len > 0);
        CHECK(WriteFile(h, frame, (DWORD) len, &n, NULL));
        CHECK_EQ_INT(n, len);

        service_pipe_reader_init(&reader, SERVICE_PIPE_FROM_SERVICE);
        while (r == 0) {
                CHECK(ReadFile(h, frame, sizeof(frame), &n, NULL));
                CHECK(n > 0);
                CHECK_EQ_INT(service_pipe_reader_feed(&reader, frame, n), n);
                r = service_pipe_reader_next(&reader, &run->answer);
        }
        CHECK_EQ_INT(r, 1);
        CloseHandle(h);
        return 0;
}

/* The stub server: one client, one HELLO, one answer. */
static ServicePipeCallerVerdict serve_one_hello(HANDLE server, ServicePipeCallerFacts *ret_facts) {
        _cleanup_(handle_closep) HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        OVERLAPPED ov = { .hEvent = event };
        ServicePipeReader reader;
        ServicePipeMessage m, answer;
        ServicePipeCallerVerdict v;
        DWORD n;
        int r = 0, len;

        if (!ConnectNamedPipe(server, &ov) && GetLastError() != ERROR_PIPE_CONNECTED)
                (void) overlapped_wait(server, FALSE, &ov);

        service_pipe_reader_init(&reader, SERVICE_PIPE_FROM_CLIENT);
        while (r == 0) {
                n = overlapped_wait(server, ReadFile(server, buf, sizeof(buf), NULL, &ov), &ov);
                CHECK(n > 0);
                CHECK_EQ_INT(service_pipe_reader_feed(&reader, buf, n), n);
                r = service_pipe_reader_next(&reader, &m);
        }
        CHECK_EQ_INT(r, 1);
        CHECK_EQ_INT(m.type, SERVICE_PIPE_HELLO);

        v = service_pipe_server_check_caller(server, ret_facts);
        if (v == SERVICE_PIPE_CALLER_ALLOWED)
                CHECK(service_pipe_answer_hello(&m.hello, &answer));
        else
                service_pipe_refuse(SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_NOT_ALLOWED,
                                    service_pipe_caller_verdict_to_string(v), &answer);
        len = service_pipe_encode(&answer, buf, sizeof(buf));
        CHECK(len > 0);
        CHECK_EQ_INT(overlapped_wait(server, WriteFile(server, buf, (DWORD) len, NULL, &ov), &ov), len);
        CHECK(FlushFileBuffers(server));
        return v;
}

static ServicePipeCallerVerdict hello_as(DWORD sqos, ClientRun *run, ServicePipeCallerFacts *facts) {
        _cleanup_(handle_closep) HANDLE server = INVALID_HANDLE_VALUE, thread = NULL;
        ServicePipeCallerVerdict v;

        *run = (ClientRun) { .sqos = sqos };
        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &server), 0);
        thread = CreateThread(NULL, 0, client_thread, run, 0, NULL);
        CHECK(thread);
        v = serve_one_hello(server, facts);
        CHECK_EQ_INT(WaitForSingleObject(thread, 10000), WAIT_OBJECT_0);
        fprintf(stderr,
                "client (sqos 0x%lx): anonymous=%d token_read=%d network=%d interactive=%d session=%lu "
                "restricted=%d app_container=%d integrity=0x%lx -> %s\n",
                (unsigned long) sqos, facts->anonymous, facts->token_read, facts->network, facts->interactive,
                (unsigned long) facts->session_id, facts->restricted, facts->app_container,
                (unsigned long) facts->integrity, service_pipe_caller_verdict_to_string(v));
        return v;
}

static void test_hello(void) {
        _cleanup_(handle_closep) HANDLE token = NULL;
        ServicePipeCallerFacts own, facts;
        ServicePipeCallerVerdict expected;
        ClientRun run;

        /* A client as client.exe will open it, as the same user as this
         * test: the service must see what this process's token says. */
        CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
        CHECK_EQ_INT(service_pipe_caller_facts_from_token(token, &own), 0);
        expected = service_pipe_caller_decide(&own);
        if (running_on_wine())
                CHECK_EQ_INT(expected, SERVICE_PIPE_CALLER_ALLOWED);

        CHECK_EQ_INT(hello_as(0, &run, &facts), expected);
        CHECK(facts.anonymous == own.anonymous && facts.token_read == own.token_read &&
              facts.network == own.network && facts.interactive == own.interactive &&
              facts.session_id == own.session_id && facts.restricted == own.restricted &&
              facts.app_container == own.app_container && facts.integrity == own.integrity);
        if (expected == SERVICE_PIPE_CALLER_ALLOWED) {
                CHECK_EQ_INT(run.answer.type, SERVICE_PIPE_WELCOME);
                CHECK_EQ_INT(run.answer.welcome.version, LP_SERVICE_PIPE_VERSION);
        } else
                CHECK_EQ_INT(run.answer.type, SERVICE_PIPE_REFUSED);

        /* A client that will not say who it is. wine 8.0 ignores the
         * level a client asks for: the server gets its whole token. */
        (void) hello_as(SECURITY_SQOS_PRESENT | SECURITY_ANONYMOUS, &run, &facts);
        if (running_on_wine()) {
                fprintf(stderr, "wine ignores SECURITY_ANONYMOUS: anonymous not checked\n");
                return;
        }
        CHECK(facts.anonymous);
        CHECK_EQ_INT(run.answer.type, SERVICE_PIPE_REFUSED);
        CHECK_EQ_INT(run.answer.refused.code, SERVICE_PIPE_REFUSAL_NOT_ALLOWED);
        CHECK_EQ_INT(run.answer.refused.request, SERVICE_PIPE_HELLO);
}

/* A token like ours with the groups `disable` names made deny-only
 * (CreateRestrictedToken's SidsToDisable), as an impersonation token;
 * NULL when Windows (or wine) cannot make one. */
static HANDLE token_without(WELL_KNOWN_SID_TYPE first, WELL_KNOWN_SID_TYPE second) {
        _cleanup_(handle_closep) HANDLE self = NULL, filtered = NULL;
        BYTE sids[2][SECURITY_MAX_SID_SIZE];
        SID_AND_ATTRIBUTES disable[2];
        WELL_KNOWN_SID_TYPE types[2] = { first, second };
        HANDLE imp = NULL;

        for (size_t i = 0; i < 2; i++) {
                DWORD size = sizeof(sids[i]);

                CHECK(CreateWellKnownSid(types[i], NULL, sids[i], &size));
                disable[i] = (SID_AND_ATTRIBUTES) { .Sid = (PSID) sids[i] };
        }
        CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY, &self));
        if (!CreateRestrictedToken(self, 0, 2, disable, 0, NULL, 0, NULL, &filtered)) {
                fprintf(stderr, "CreateRestrictedToken: error %lu\n", (unsigned long) GetLastError());
                return NULL;
        }
        if (!DuplicateToken(filtered, SecurityImpersonation, &imp)) {
                fprintf(stderr, "DuplicateToken: error %lu\n", (unsigned long) GetLastError());
                return NULL;
        }
        return imp;
}

/* What `token` may do to the pipe whose DACL `server` carries, by
 * Windows' own access check, with SYSTEM as the owner, as the service's
 * pipe will have it. (The pipe here is owned by whoever runs the test,
 * and an owner may always read and change the DACL.) */
static bool access_granted(HANDLE server, HANDLE token, ACCESS_MASK want) {
        _cleanup_(local_freep) PSECURITY_DESCRIPTOR have = NULL;
        GENERIC_MAPPING mapping = { FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS };
        BYTE system[SECURITY_MAX_SID_SIZE];
        DWORD size = sizeof(system), privileges_size = sizeof(PRIVILEGE_SET), granted = 0;
        SECURITY_DESCRIPTOR sd;
        PRIVILEGE_SET privileges;
        PACL dacl = NULL;
        BOOL ok = FALSE;

        CHECK_EQ_INT(GetSecurityInfo(server, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL,
                                     &have),
                     ERROR_SUCCESS);
        CHECK(CreateWellKnownSid(WinLocalSystemSid, NULL, system, &size));
        CHECK(InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION));
        CHECK(SetSecurityDescriptorOwner(&sd, (PSID) system, FALSE));
        CHECK(SetSecurityDescriptorGroup(&sd, (PSID) system, FALSE));
        CHECK(SetSecurityDescriptorDacl(&sd, TRUE, dacl, FALSE));
        MapGenericMask(&want, &mapping);
        CHECK(AccessCheck(&sd, token, want, &mapping, &privileges, &privileges_size, &granted, &ok));
        return ok && granted == want;
}

/* Opens a fresh instance of the pipe as `token`, asking for `access`;
 * whether that was let through. */
static bool pipe_open_as(HANDLE token, ACCESS_MASK access) {
        _cleanup_(handle_closep) HANDLE server = INVALID_HANDLE_VALUE, client = INVALID_HANDLE_VALUE;
        DWORD e;

        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &server), 0);
        CHECK(SetThreadToken(NULL, token));
        client = CreateFileW(pipe_path, access, 0, NULL, OPEN_EXISTING, 0, NULL);
        e = GetLastError();
        CHECK(RevertToSelf());
        if (client == INVALID_HANDLE_VALUE)
                CHECK_EQ_INT(e, ERROR_ACCESS_DENIED);
        return client != INVALID_HANDLE_VALUE;
}

/* Whether `token` may add a server instance of its own to the pipe. */
static bool pipe_instance_as(HANDLE token) {
        _cleanup_(handle_closep) HANDLE server = INVALID_HANDLE_VALUE, instance = INVALID_HANDLE_VALUE;
        DWORD e;

        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &server), 0);
        CHECK(SetThreadToken(NULL, token));
        instance = CreateNamedPipeW(pipe_path, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_WAIT,
                                    SERVICE_PIPE_INSTANCES_MAX, 512, 512, 0, NULL);
        e = GetLastError();
        CHECK(RevertToSelf());
        if (instance == INVALID_HANDLE_VALUE)
                CHECK_EQ_INT(e, ERROR_ACCESS_DENIED);
        return instance != INVALID_HANDLE_VALUE;
}

/* A standard user: our token with the Administrators group deny-only,
 * as UAC gives an administrator's unelevated programs. */
static void test_standard_user(void) {
        _cleanup_(handle_closep) HANDLE server = INVALID_HANDLE_VALUE, user = NULL, nobody = NULL;
        bool write_open, service_open, instance;

        /* Administrators deny-only (named twice: CreateRestrictedToken
         * takes that); and Administrators and INTERACTIVE: a service. */
        user = token_without(WinBuiltinAdministratorsSid, WinBuiltinAdministratorsSid);
        nobody = token_without(WinBuiltinAdministratorsSid, WinInteractiveSid);
        if (!user || !nobody) {
                fprintf(stderr, "cannot make a filtered token here: standard users not checked\n");
                return;
        }

        /* By Windows' access check on the DACL: connect rights, no more. */
        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &server), 0);
        CHECK(access_granted(server, user, SERVICE_PIPE_CLIENT_ACCESS));
        CHECK(access_granted(server, user, SERVICE_PIPE_USER_ACCESS));
        CHECK(!access_granted(server, user, FILE_CREATE_PIPE_INSTANCE));
        CHECK(!access_granted(server, user, GENERIC_WRITE));
        CHECK(!access_granted(server, user, WRITE_DAC));
        CHECK(!access_granted(server, user, WRITE_OWNER));
        CHECK(!access_granted(server, nobody, GENERIC_READ));
        CHECK(!access_granted(server, nobody, FILE_WRITE_DATA));
        CloseHandle(TAKE_PTR(server));

        /* By doing it as them. GENERIC_WRITE asks for FILE_APPEND_DATA,
         * which is FILE_CREATE_PIPE_INSTANCE; a service gets nothing; a
         * user cannot add an instance of their own to answer the next
         * client in the service's place. */
        CHECK(pipe_open_as(user, SERVICE_PIPE_CLIENT_ACCESS));
        write_open = pipe_open_as(user, GENERIC_READ | GENERIC_WRITE);
        service_open = pipe_open_as(nobody, SERVICE_PIPE_CLIENT_ACCESS);
        instance = pipe_instance_as(user);
        if (running_on_wine()) {
                /* wine 8.0 checks neither opens nor new instances of a
                 * pipe against its DACL. */
                fprintf(stderr, "wine let through: GENERIC_WRITE open %s, open as a service %s, a user's instance %s\n",
                        write_open ? "yes" : "no", service_open ? "yes" : "no", instance ? "yes" : "no");
                return;
        }
        CHECK(!write_open);
        CHECK(!service_open);
        CHECK(!instance);
}

/* This very process's token through the same reader: what the service
 * would see of a client running as us. */
static void test_own_token(void) {
        _cleanup_(handle_closep) HANDLE token = NULL;
        ServicePipeCallerFacts facts;

        CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
        CHECK_EQ_INT(service_pipe_caller_facts_from_token(token, &facts), 0);
        CHECK(facts.token_read);
        CHECK_EQ_INT(service_pipe_caller_facts_from_token(token, NULL), -EINVAL);
}

int main(void) {
        _snwprintf(pipe_path, ELEMENTSOF(pipe_path), L"\\\\.\\pipe\\lanparty-test-%lu",
                   (unsigned long) GetCurrentProcessId());
        pipe_path[ELEMENTSOF(pipe_path) - 1] = L'\0';
        fprintf(stderr, "running on %s\n", running_on_wine() ? "wine" : "Windows");

        RUN(test_user_access);
        RUN(test_security_descriptor);
        RUN(test_first_instance);
        RUN(test_own_token);
        RUN(test_standard_user);
        RUN(test_hello);
        return 0;
}
