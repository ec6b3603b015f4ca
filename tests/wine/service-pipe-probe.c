/* SPDX-License-Identifier: MIT */
/* Test helper for tests/wine/test-service-scm.sh and
 * test-service-session.sh: talks to the lanparty service over its pipe
 * with the codec, as client.exe does, and asks the service manager
 * about a service. Prints every step; exits 0 when all went as
 * expected, 1 with "FAIL: ..." when not.
 *
 *   service-pipe-probe talk PIPE          the conversation without a relay:
 *                                         a JOIN whose session fails to start
 *   service-pipe-probe session PIPE LINK GO
 *                                         JOIN a real relay, the stream, a
 *                                         bad client, CHECK; "READY 1", then
 *                                         waits for the file GO; LEAVE; JOIN
 *                                         again, "READY 2", and reads until
 *                                         the service's stop ends the session
 *   service-pipe-probe hello-timeout PIPE every instance held by clients that
 *                                         say nothing: each must be dropped
 *   service-pipe-probe absent PIPE        nobody serves PIPE
 *   service-pipe-probe wait NAME STATE S  until NAME is in STATE (RUNNING,
 *                                         STOPPED), S seconds at most
 *   service-pipe-probe query NAME         state, exit codes, process
 *   service-pipe-probe squat PIPE S       makes PIPE first, as another
 *                                         program could, for S seconds
 *   service-pipe-probe hold S             does nothing for S seconds: while
 *                                         no program of the user runs, wine
 *                                         shuts its services down (1077) */
#include <windows.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "service-pipe.h"

#define LINK "lanparty://relay.invalid/party?k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
/* The service's instances for clients (service-win.c's SERVICE_SLOTS). */
#define SERVICE_SLOTS 7
/* How long the stream may take to say what is expected. */
#define STREAM_WAIT_MS 30000
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

/* The next message within `ms`: 1, 0 after `ms`, -1 at the end of the
 * pipe (or a malformed stream). Polls, so a quiet service cannot hang
 * the test. */
static int receive_within(HANDLE h, ServicePipeReader *reader, ServicePipeMessage *ret, DWORD ms) {
        ULONGLONG deadline = GetTickCount64() + ms;
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        DWORD avail, n;
        int r;

        while ((r = service_pipe_reader_next(reader, ret)) == 0) {
                if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
                        return -1;
                if (avail == 0) {
                        if (GetTickCount64() >= deadline)
                                return 0;
                        Sleep(20);
                        continue;
                }
                if (!ReadFile(h, buf, avail < sizeof(buf) ? avail : (DWORD) sizeof(buf), &n, NULL) || n == 0)
                        return -1;
                if (service_pipe_reader_feed(reader, buf, n) != n)
                        return -1;
        }
        return r == 1 ? 1 : -1;
}

static void print_message(const char *what, const ServicePipeMessage *m) {
        if (m->type == SERVICE_PIPE_REFUSED)
                printf("%s: REFUSED %s %s \"%s\"\n", what,
                       m->refused.request ? service_pipe_type_to_string(m->refused.request) : "(no request)",
                       service_pipe_refusal_to_string(m->refused.code), m->refused.text);
        else if (m->type == SERVICE_PIPE_SESSION)
                printf("%s: SESSION %s %s %s\n", what, service_pipe_session_state_to_string(m->session.state),
                       m->session.room, m->session.relay);
        else if (m->type == SERVICE_PIPE_ACCEPTED)
                printf("%s: ACCEPTED %s\n", what, service_pipe_type_to_string(m->accepted.request));
        else if (m->type == SERVICE_PIPE_LINE)
                printf("%s: LINE %s\n", what, m->line.text);
        else if (m->type == SERVICE_PIPE_ENDED)
                printf("%s: ENDED %s \"%s\"\n", what, service_pipe_outcome_to_string(m->ended.outcome), m->ended.text);
        else if (m->type == SERVICE_PIPE_LIGHTS)
                printf("%s: LIGHTS relay %s \"%s\", gateway %s \"%s\", address %s \"%s\"\n", what,
                       service_pipe_light_color_to_string(m->lights.light[0].color), m->lights.light[0].text,
                       service_pipe_light_color_to_string(m->lights.light[1].color), m->lights.light[1].text,
                       service_pipe_light_color_to_string(m->lights.light[2].color), m->lights.light[2].text);
        else
                printf("%s: %s\n", what, service_pipe_type_to_string(m->type));
}

/* What the status stream said so far; each phase clears what it waits for. */
static struct {
        bool in_room, idle, relay_green, joining, check_null, ended_left, ended_failed;
        char ended_text[LP_SERVICE_PIPE_TEXT_MAX + 1];
} seen;

static bool is_stream(const ServicePipeMessage *m) {
        return m->type == SERVICE_PIPE_SESSION || m->type == SERVICE_PIPE_LINE || m->type == SERVICE_PIPE_LIGHTS ||
               m->type == SERVICE_PIPE_ENDED;
}

static void note(const ServicePipeMessage *m) {
        print_message("stream", m);
        if (m->type == SERVICE_PIPE_SESSION) {
                seen.in_room = m->session.state == SERVICE_PIPE_SESSION_IN_ROOM;
                seen.idle = m->session.state == SERVICE_PIPE_SESSION_IDLE;
        } else if (m->type == SERVICE_PIPE_LINE) {
                seen.joining |= strncmp(m->line.text, "Joining room party on relay ", 28) == 0;
                seen.check_null |= strstr(m->line.text, "Party check: not with --frame-device null") != NULL;
        } else if (m->type == SERVICE_PIPE_LIGHTS)
                seen.relay_green = m->lights.light[0].color == SERVICE_PIPE_LIGHT_GREEN;
        else if (m->type == SERVICE_PIPE_ENDED) {
                seen.ended_left |= m->ended.outcome == SERVICE_PIPE_OUTCOME_LEFT;
                seen.ended_failed |= m->ended.outcome == SERVICE_PIPE_OUTCOME_FAILED;
                memcpy(seen.ended_text, m->ended.text, sizeof(seen.ended_text));
        }
}

/* The next answer (WELCOME, ACCEPTED, REFUSED); the stream's messages
 * before it are noted. False at the end of the pipe or after STREAM_WAIT_MS. */
static bool receive(HANDLE h, ServicePipeReader *reader, ServicePipeMessage *ret) {
        for (;;) {
                if (receive_within(h, reader, ret, STREAM_WAIT_MS) <= 0)
                        return false;
                if (!is_stream(ret))
                        return true;
                note(ret);
        }
}

/* Reads the stream until *flag, STREAM_WAIT_MS at most. */
static bool wait_seen(HANDLE h, ServicePipeReader *reader, const bool *flag, const char *what) {
        ULONGLONG deadline = GetTickCount64() + STREAM_WAIT_MS;
        ServicePipeMessage m;

        while (!*flag) {
                ULONGLONG now = GetTickCount64();

                if (now >= deadline || receive_within(h, reader, &m, (DWORD) (deadline - now)) <= 0) {
                        fail(what);
                        return false;
                }
                if (is_stream(&m))
                        note(&m);
                else
                        print_message("unexpected answer", &m);
        }
        printf("seen: %s\n", what);
        return true;
}

static void expect_accepted(HANDLE h, ServicePipeReader *reader, const ServicePipeMessage *request, const char *what) {
        ServicePipeMessage m;

        if (!send_message(h, request) || !receive(h, reader, &m))
                return fail(what);
        print_message(what, &m);
        if (m.type != SERVICE_PIPE_ACCEPTED || m.accepted.request != request->type)
                fail(what);
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

/* STATUS: ACCEPTED, then at once SESSION in state `want`. */
static void expect_status(HANDLE h, ServicePipeReader *reader, ServicePipeSessionState want, const char *what) {
        ServicePipeMessage status = { .type = SERVICE_PIPE_STATUS }, m;

        expect_accepted(h, reader, &status, what);
        if (receive_within(h, reader, &m, STREAM_WAIT_MS) <= 0)
                return fail(what);
        note(&m);
        if (m.type != SERVICE_PIPE_SESSION || m.session.state != want)
                fail(what);
}

static void expect_status_idle(HANDLE h, ServicePipeReader *reader, const char *what) {
        expect_status(h, reader, SERVICE_PIPE_SESSION_IDLE, what);
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

static ServicePipeMessage join_request(const char *link) {
        ServicePipeMessage m = { .type = SERVICE_PIPE_JOIN };

        m.join.link_len = strlen(link);
        memcpy(m.join.link, link, m.join.link_len);
        return m;
}

/* Without a relay: a JOIN is accepted and its session fails to start
 * (the service's TAP adapter, or relay.invalid): ENDED failed with the
 * reason, SESSION idle. */
static int talk(const wchar_t *path) {
        ServicePipeMessage join = join_request(LINK), bad = join_request("lanparty://relay.example.org/party");
        ServicePipeMessage leave = { .type = SERVICE_PIPE_LEAVE };
        ServicePipeReader reader;
        HANDLE h;

        h = hello(path, &reader);
        if (h == INVALID_HANDLE_VALUE)
                return EXIT_FAILURE;
        expect_status_idle(h, &reader, "STATUS");
        expect_accepted(h, &reader, &join, "JOIN");
        wait_seen(h, &reader, &seen.ended_failed, "ENDED failed");
        if (!seen.ended_text[0])
                fail("ENDED failed without a reason");
        wait_seen(h, &reader, &seen.idle, "SESSION idle after the failed start");
        expect_refused(h, &reader, &bad, SERVICE_PIPE_REFUSAL_BAD_INVITE, "JOIN without a key");
        expect_refused(h, &reader, &leave, SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, "LEAVE");
        talk_malformed(path);
        expect_status_idle(h, &reader, "STATUS after the other client's bad frame");
        talk_many(path);
        expect_status_idle(h, &reader, "STATUS after 24 other clients");
        CloseHandle(h);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static void wait_file(const wchar_t *go) {
        for (int i = 0; i < 600 && GetFileAttributesW(go) == INVALID_FILE_ATTRIBUTES; i++)
                Sleep(100);
}

/* JOIN until in the room with the relay's light green. */
static void join_and_wait(HANDLE h, ServicePipeReader *reader, const ServicePipeMessage *join) {
        seen.in_room = seen.idle = seen.relay_green = seen.joining = false;
        expect_accepted(h, reader, join, "JOIN");
        wait_seen(h, reader, &seen.in_room, "SESSION in_room");
        wait_seen(h, reader, &seen.joining, "LINE Joining room");
        wait_seen(h, reader, &seen.relay_green, "LIGHTS relay green");
}

/* With a real relay: join, the stream, a second client's bad frame
 * while in the room, JOIN again refused, CHECK; LEAVE; join again and
 * stay until the service's stop ends the session. */
static int session(const wchar_t *path, const char *link, const wchar_t *go) {
        ServicePipeMessage join = join_request(link), leave = { .type = SERVICE_PIPE_LEAVE };
        ServicePipeMessage check = { .type = SERVICE_PIPE_CHECK };
        ServicePipeReader reader;
        HANDLE h;

        h = hello(path, &reader);
        if (h == INVALID_HANDLE_VALUE)
                return EXIT_FAILURE;
        expect_status_idle(h, &reader, "STATUS");
        join_and_wait(h, &reader, &join);
        talk_malformed(path);
        expect_refused(h, &reader, &join, SERVICE_PIPE_REFUSAL_IN_ROOM, "JOIN in the room");
        expect_status(h, &reader, SERVICE_PIPE_SESSION_IN_ROOM, "STATUS after the other client's bad frame");
        expect_accepted(h, &reader, &check, "CHECK");
        wait_seen(h, &reader, &seen.check_null, "LINE Party check: not with --frame-device null");
        printf("READY 1%s\n", failed ? " (with failures)" : "");
        wait_file(go);

        seen.ended_left = seen.idle = false;
        expect_accepted(h, &reader, &leave, "LEAVE");
        wait_seen(h, &reader, &seen.ended_left, "ENDED left");
        wait_seen(h, &reader, &seen.idle, "SESSION idle");
        printf("LEFT\n");

        join_and_wait(h, &reader, &join);
        printf("READY 2%s\n", failed ? " (with failures)" : "");
        seen.ended_left = seen.idle = false;
        wait_seen(h, &reader, &seen.ended_left, "ENDED left when the service stops");
        wait_seen(h, &reader, &seen.idle, "SESSION idle when the service stops");
        CloseHandle(h);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Clients that connect and say nothing hold every instance; each must
 * be dropped within a few seconds (not at once), and a client after
 * them welcomed. */
static int hello_timeout(const wchar_t *path) {
        HANDLE idle[SERVICE_SLOTS];
        ULONGLONG start = GetTickCount64();
        ServicePipeReader reader;
        DWORD avail;
        HANDLE h;

        for (size_t i = 0; i < SERVICE_SLOTS; i++) {
                idle[i] = pipe_open(path);
                if (idle[i] == INVALID_HANDLE_VALUE) {
                        fail("an idle client could not connect");
                        return EXIT_FAILURE;
                }
        }
        printf("%d clients connected, saying nothing\n", SERVICE_SLOTS);
        for (size_t i = 0; i < SERVICE_SLOTS; i++) {
                ULONGLONG dropped;

                while (PeekNamedPipe(idle[i], NULL, 0, NULL, &avail, NULL) && GetTickCount64() - start < 15000)
                        Sleep(50);
                dropped = GetTickCount64() - start;
                if (dropped >= 15000) {
                        printf("FAIL: idle client %zu still connected after %llu ms\n", i, dropped);
                        failed = true;
                } else if (dropped < 1000) {
                        printf("FAIL: idle client %zu dropped after only %llu ms\n", i, dropped);
                        failed = true;
                } else
                        printf("idle client %zu dropped after %llu ms\n", i, dropped);
                CloseHandle(idle[i]);
        }
        h = hello(path, &reader);
        if (h != INVALID_HANDLE_VALUE) {
                expect_status_idle(h, &reader, "STATUS after the idle clients");
                CloseHandle(h);
        }
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
        if (argc == 5 && wcscmp(argv[1], L"session") == 0) {
                char link[LP_SERVICE_PIPE_LINK_MAX + 1];

                if (WideCharToMultiByte(CP_UTF8, 0, argv[3], -1, link, sizeof(link), NULL, NULL) <= 0)
                        return 2;
                return session(argv[2], link, argv[4]);
        }
        if (argc == 3 && wcscmp(argv[1], L"hello-timeout") == 0)
                return hello_timeout(argv[2]);
        if (argc == 3 && wcscmp(argv[1], L"absent") == 0)
                return absent(argv[2]);
        if (argc == 3 && wcscmp(argv[1], L"query") == 0)
                return query(argv[2]) ? EXIT_SUCCESS : EXIT_FAILURE;
        if (argc == 3 && wcscmp(argv[1], L"hold") == 0) {
                Sleep((DWORD) _wtoi(argv[2]) * 1000);
                return EXIT_SUCCESS;
        }
        if (argc == 4 && wcscmp(argv[1], L"squat") == 0)
                return squat(argv[2], _wtoi(argv[3]));
        if (argc == 5 && wcscmp(argv[1], L"wait") == 0)
                return wait_state(argv[2], argv[3], _wtoi(argv[4]));
        fprintf(stderr, "usage: service-pipe-probe talk|absent|hello-timeout PIPE | session PIPE LINK GO-FILE | "
                        "hold SECONDS | query NAME | wait NAME STATE SECONDS | squat PIPE SECONDS\n");
        return 2;
}
