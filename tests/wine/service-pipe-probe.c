/* SPDX-License-Identifier: MIT */
/* Test helper for tests/wine/test-service-scm.sh: talks to the lanparty
 * service over its pipe with the codec, as client.exe will, and asks the
 * service manager about a service. Prints every step; exits 0 when all
 * went as expected, 1 with "FAIL: ..." when not.
 *
 *   service-pipe-probe talk PIPE          the skeleton's conversation
 *   service-pipe-probe absent PIPE        nobody serves PIPE
 *   service-pipe-probe wait NAME STATE S  until NAME is in STATE (RUNNING,
 *                                         STOPPED), S seconds at most
 *   service-pipe-probe query NAME         state, exit codes, process
 *   service-pipe-probe squat PIPE S       makes PIPE first, as another
 *                                         program could, for S seconds */
#include <windows.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "service-pipe.h"

#define LINK "lanparty://relay.example.org/party?k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
/* What a client asks for: service-pipe-server-win.h's SERVICE_PIPE_CLIENT_ACCESS. */
#define CLIENT_ACCESS (GENERIC_READ | FILE_WRITE_DATA)

static bool failed;

static void fail(const char *what) {
        printf("FAIL: %s\n", what);
        failed = true;
}

static HANDLE pipe_open(const wchar_t *path) {
        HANDLE h = INVALID_HANDLE_VALUE;

        for (int i = 0; i < 100 && h == INVALID_HANDLE_VALUE; i++) {
                h = CreateFileW(path, CLIENT_ACCESS, 0, NULL, OPEN_EXISTING, 0, NULL);
                if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PIPE_BUSY)
                        (void) WaitNamedPipeW(path, 100);
                else if (h == INVALID_HANDLE_VALUE)
                        Sleep(100);
        }
        if (h == INVALID_HANDLE_VALUE)
                printf("cannot open the pipe: error %lu\n", GetLastError());
        return h;
}

static bool send_raw(HANDLE h, const uint8_t *frame, size_t len) {
        DWORD n = 0;

        return WriteFile(h, frame, (DWORD) len, &n, NULL) && n == len;
}

static bool send_message(HANDLE h, const ServicePipeMessage *m) {
        uint8_t frame[LP_SERVICE_PIPE_FRAME_MAX];
        int len = service_pipe_encode(m, frame, sizeof(frame));

        return len > 0 && send_raw(h, frame, (size_t) len);
}

/* The next message from the service; false at the end of the pipe. */
static bool receive(HANDLE h, ServicePipeReader *reader, ServicePipeMessage *ret) {
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        DWORD n;
        int r;

        while ((r = service_pipe_reader_next(reader, ret)) == 0) {
                if (!ReadFile(h, buf, sizeof(buf), &n, NULL) || n == 0)
                        return false;
                if (service_pipe_reader_feed(reader, buf, n) != n)
                        return false;
        }
        return r == 1;
}

static void print_message(const char *what, const ServicePipeMessage *m) {
        if (m->type == SERVICE_PIPE_REFUSED)
                printf("%s: REFUSED %s %s \"%s\"\n", what,
                       m->refused.request ? service_pipe_type_to_string(m->refused.request) : "(no request)",
                       service_pipe_refusal_to_string(m->refused.code), m->refused.text);
        else if (m->type == SERVICE_PIPE_SESSION)
                printf("%s: SESSION %s\n", what, service_pipe_session_state_to_string(m->session.state));
        else if (m->type == SERVICE_PIPE_ACCEPTED)
                printf("%s: ACCEPTED %s\n", what, service_pipe_type_to_string(m->accepted.request));
        else
                printf("%s: %s\n", what, service_pipe_type_to_string(m->type));
}

/* Sends `request` and expects REFUSED `code` for it. */
static void expect_refused(HANDLE h, ServicePipeReader *reader, const ServicePipeMessage *request,
                           ServicePipeRefusal code, const char *what) {
        ServicePipeMessage m;

        if (!send_message(h, request) || !receive(h, reader, &m))
                return fail(what);
        print_message(what, &m);
        if (m.type != SERVICE_PIPE_REFUSED || m.refused.code != code || m.refused.request != request->type)
                fail(what);
}

static void expect_status_idle(HANDLE h, ServicePipeReader *reader, const char *what) {
        ServicePipeMessage status = { .type = SERVICE_PIPE_STATUS }, m;

        if (!send_message(h, &status) || !receive(h, reader, &m))
                return fail(what);
        print_message(what, &m);
        if (m.type != SERVICE_PIPE_ACCEPTED || m.accepted.request != SERVICE_PIPE_STATUS)
                return fail(what);
        if (!receive(h, reader, &m))
                return fail(what);
        print_message(what, &m);
        if (m.type != SERVICE_PIPE_SESSION || m.session.state != SERVICE_PIPE_SESSION_IDLE)
                fail(what);
}

static HANDLE hello(const wchar_t *path, ServicePipeReader *reader) {
        ServicePipeMessage m = { .type = SERVICE_PIPE_HELLO, .hello.version = LP_SERVICE_PIPE_VERSION };
        HANDLE h = pipe_open(path);

        service_pipe_reader_init(reader, SERVICE_PIPE_FROM_SERVICE);
        if (h == INVALID_HANDLE_VALUE || !send_message(h, &m) || !receive(h, reader, &m)) {
                printf("HELLO: no answer (error %lu)\n", GetLastError());
                fail("HELLO");
                return h;
        }
        print_message("HELLO", &m);
        if (m.type != SERVICE_PIPE_WELCOME || m.welcome.version != LP_SERVICE_PIPE_VERSION)
                fail("HELLO");
        return h;
}

/* A second client breaks the framing: refused malformed, its pipe
 * closed; the first client's conversation goes on. */
static void talk_malformed(const wchar_t *path) {
        static const uint8_t zero_length[] = { 0x00, 0x00, 0x01 };
        ServicePipeReader reader;
        ServicePipeMessage m;
        HANDLE h;

        h = hello(path, &reader);
        if (h == INVALID_HANDLE_VALUE)
                return;
        if (!send_raw(h, zero_length, sizeof(zero_length)) || !receive(h, &reader, &m))
                fail("bad frame");
        else {
                print_message("bad frame", &m);
                if (m.type != SERVICE_PIPE_REFUSED || m.refused.code != SERVICE_PIPE_REFUSAL_MALFORMED)
                        fail("bad frame");
        }
        if (receive(h, &reader, &m))
                fail("bad frame: the pipe stayed open");
        else
                printf("bad frame: pipe closed by the service\n");
        CloseHandle(h);
}

/* More clients one after the other than the pipe has instances, some
 * leaving before they say anything: each instance must be renewed. */
static void talk_many(const wchar_t *path) {
        ServicePipeReader reader;
        int welcomed = 0;

        for (int i = 0; i < 3 * 8; i++) {
                HANDLE h = i % 3 == 0 ? pipe_open(path) : hello(path, &reader);

                if (h == INVALID_HANDLE_VALUE)
                        return fail("a client after others left");
                welcomed += i % 3 != 0;
                CloseHandle(h);
        }
        printf("%d clients came and went, %d of them welcomed\n", 3 * 8, welcomed);
}

static int talk(const wchar_t *path) {
        ServicePipeMessage join = { .type = SERVICE_PIPE_JOIN }, bad = { .type = SERVICE_PIPE_JOIN };
        ServicePipeMessage leave = { .type = SERVICE_PIPE_LEAVE };
        ServicePipeReader reader;
        HANDLE h;

        join.join.link_len = strlen(LINK);
        memcpy(join.join.link, LINK, join.join.link_len);
        bad.join.link_len = strlen("lanparty://relay.example.org/party");
        memcpy(bad.join.link, "lanparty://relay.example.org/party", bad.join.link_len);

        h = hello(path, &reader);
        if (h == INVALID_HANDLE_VALUE)
                return EXIT_FAILURE;
        expect_status_idle(h, &reader, "STATUS");
        expect_refused(h, &reader, &join, SERVICE_PIPE_REFUSAL_INTERNAL, "JOIN");
        expect_refused(h, &reader, &bad, SERVICE_PIPE_REFUSAL_BAD_INVITE, "JOIN without a key");
        expect_refused(h, &reader, &leave, SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, "LEAVE");
        talk_malformed(path);
        expect_status_idle(h, &reader, "STATUS after the other client's bad frame");
        talk_many(path);
        expect_status_idle(h, &reader, "STATUS after 24 other clients");
        CloseHandle(h);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int absent(const wchar_t *path) {
        HANDLE h = CreateFileW(path, CLIENT_ACCESS, 0, NULL, OPEN_EXISTING, 0, NULL);

        if (h != INVALID_HANDLE_VALUE) {
                CloseHandle(h);
                printf("FAIL: somebody serves the pipe\n");
                return EXIT_FAILURE;
        }
        printf("nobody serves the pipe (error %lu)\n", GetLastError());
        return EXIT_SUCCESS;
}

static const char *state_name(DWORD state) {
        switch (state) {
        case SERVICE_STOPPED: return "STOPPED";
        case SERVICE_START_PENDING: return "START_PENDING";
        case SERVICE_STOP_PENDING: return "STOP_PENDING";
        case SERVICE_RUNNING: return "RUNNING";
        default: return "OTHER";
        }
}

/* Prints the service's status; returns its state, or 0 when it cannot be read. */
static DWORD query(const wchar_t *name) {
        SERVICE_STATUS_PROCESS s;
        SC_HANDLE manager, service;
        DWORD n, state = 0;

        manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
        service = manager ? OpenServiceW(manager, name, SERVICE_QUERY_STATUS) : NULL;
        if (service && QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, (BYTE *) &s, sizeof(s), &n)) {
                state = s.dwCurrentState;
                printf("state=%s win32_exit=%lu service_exit=%lu pid=%lu accepts=%#lx\n", state_name(state),
                       s.dwWin32ExitCode, s.dwServiceSpecificExitCode, s.dwProcessId, s.dwControlsAccepted);
        } else
                printf("cannot query the service: error %lu\n", GetLastError());
        if (service)
                CloseServiceHandle(service);
        if (manager)
                CloseServiceHandle(manager);
        return state;
}

static int wait_state(const wchar_t *name, const wchar_t *want, int seconds) {
        DWORD target = wcscmp(want, L"RUNNING") == 0 ? SERVICE_RUNNING : SERVICE_STOPPED;

        for (int i = 0; i <= seconds * 10; i++) {
                if (query(name) == target)
                        return EXIT_SUCCESS;
                Sleep(100);
        }
        printf("FAIL: not %ls after %d s\n", want, seconds);
        return EXIT_FAILURE;
}

/* Somebody else's pipe of that name, with the default security. */
static int squat(const wchar_t *path, int seconds) {
        HANDLE h = CreateNamedPipeW(path, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_WAIT, PIPE_UNLIMITED_INSTANCES,
                                    512, 512, 0, NULL);

        if (h == INVALID_HANDLE_VALUE) {
                printf("FAIL: cannot make the pipe: error %lu\n", GetLastError());
                return EXIT_FAILURE;
        }
        printf("squatting\n");
        Sleep((DWORD) seconds * 1000);
        CloseHandle(h);
        return EXIT_SUCCESS;
}

int wmain(int argc, wchar_t **argv);
int wmain(int argc, wchar_t **argv) {
        setvbuf(stdout, NULL, _IONBF, 0);
        if (argc == 3 && wcscmp(argv[1], L"talk") == 0)
                return talk(argv[2]);
        if (argc == 3 && wcscmp(argv[1], L"absent") == 0)
                return absent(argv[2]);
        if (argc == 3 && wcscmp(argv[1], L"query") == 0)
                return query(argv[2]) ? EXIT_SUCCESS : EXIT_FAILURE;
        if (argc == 4 && wcscmp(argv[1], L"squat") == 0)
                return squat(argv[2], _wtoi(argv[3]));
        if (argc == 5 && wcscmp(argv[1], L"wait") == 0)
                return wait_state(argv[2], argv[3], _wtoi(argv[4]));
        fprintf(stderr, "usage: service-pipe-probe talk|absent PIPE | query NAME | wait NAME STATE SECONDS | "
                        "squat PIPE SECONDS\n");
        return 2;
}
