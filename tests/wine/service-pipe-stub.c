/* SPDX-License-Identifier: MIT */
/* A stand-in for the lanparty service, for tests/wine/test-client-exe-service.sh:
 * it serves \\.\pipe\lanparty as docs/SERVICE-PIPE.md says the service
 * does, but runs no session (no relay, no adapter). Its pipe is made by
 * the landed server end (service_pipe_server_create(): the DACL, the
 * first instance) and every caller goes through the landed caller check
 * (service_pipe_server_check_caller()) before WELCOME; the messages are
 * the codec's. One thread per client; the session state is shared, and
 * its stream goes to every client that asked STATUS.
 *
 * What it models: HELLO first (else hello_first, closed), WELCOME or
 * bad_version; STATUS accepted, then SESSION and, in a room, LIGHTS;
 * JOIN with invite_parse()'s verdict (bad_invite), in_room, else
 * accepted and the stream of a join (SESSION, LINE, LIGHTS, LINE);
 * LEAVE and CHECK not_in_room without a room, else accepted with LINE,
 * and for LEAVE ENDED left and SESSION idle; unknown requests refused
 * and the pipe kept; malformed frames refused and the pipe closed.
 *
 * Usage: service-pipe-stub.exe [--in-room ROOM RELAY] [--fail-after-join TEXT]
 * Prints one line per event to stdout ("ready", "hello", "status",
 * "join ROOM RELAY", "leave", "check", "closed", ...), never the link.
 * Runs until killed. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "invite.h"
#include "service-pipe-server-win.h"
#include "service-pipe.h"

#define MAX_CLIENTS 16

typedef struct StubClient {
        HANDLE pipe;
        HANDLE write_event;
        bool subscribed;
        bool welcomed;
} StubClient;

static CRITICAL_SECTION lock;
static StubClient *clients[MAX_CLIENTS];
static bool in_room;
static char room[LP_ROOM_NAME_MAX + 1];
static char relay[LP_SERVICE_PIPE_RELAY_MAX + 1];
static const char *fail_after_join;

/* One event per line: WHAT, then A and B when given. */
static void say(const char *what, const char *a, const char *b) {
        printf("%s%s%s%s%s\n", what, a ? " " : "", a ? a : "", b ? " " : "", b ? b : "");
        fflush(stdout);
}

/* Under the lock; a client whose pipe broke just misses it. */
static void send_to(StubClient *c, const ServicePipeMessage *m) {
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        OVERLAPPED ov = { .hEvent = c->write_event };
        DWORD n = 0;
        int len = service_pipe_encode(m, buf, sizeof(buf));

        if (len <= 0) {
                fprintf(stderr, "stub: cannot encode a message\n");
                return;
        }
        ResetEvent(c->write_event);
        if (!WriteFile(c->pipe, buf, (DWORD) len, NULL, &ov) && GetLastError() != ERROR_IO_PENDING)
                return;
        (void) GetOverlappedResult(c->pipe, &ov, &n, TRUE);
}

static void broadcast(const ServicePipeMessage *m) {
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                if (clients[i] && clients[i]->subscribed)
                        send_to(clients[i], m);
}

static void session_message(ServicePipeMessage *m) {
        *m = (ServicePipeMessage) { .type = SERVICE_PIPE_SESSION };
        if (!in_room)
                return;
        m->session.state = SERVICE_PIPE_SESSION_IN_ROOM;
        m->session.room_len = strlen(room);
        memcpy(m->session.room, room, m->session.room_len);
        m->session.relay_len = strlen(relay);
        memcpy(m->session.relay, relay, m->session.relay_len);
}

static void lights_message(ServicePipeMessage *m, ServicePipeLightColor color, const char *relay_text) {
        static const char *const texts[LP_SERVICE_PIPE_LIGHTS] = { NULL, "Gateway: in the room (stub)",
                                                                    "LAN address: none (stub)" };

        *m = (ServicePipeMessage) { .type = SERVICE_PIPE_LIGHTS };
        for (size_t i = 0; i < LP_SERVICE_PIPE_LIGHTS; i++) {
                const char *t = i == 0 ? relay_text : texts[i];

                m->lights.light[i].color = i == 2 ? SERVICE_PIPE_LIGHT_GREY : color;
                m->lights.light[i].text_len = strlen(t);
                memcpy(m->lights.light[i].text, t, m->lights.light[i].text_len);
        }
}

static void line(const char *text) {
        ServicePipeMessage m = { .type = SERVICE_PIPE_LINE };

        m.line.text_len = strlen(text);
        memcpy(m.line.text, text, m.line.text_len);
        broadcast(&m);
}

static void end_session(ServicePipeOutcome outcome, const char *text) {
        ServicePipeMessage m = { .type = SERVICE_PIPE_ENDED, .ended.outcome = outcome };

        m.ended.text_len = strlen(text);
        memcpy(m.ended.text, text, m.ended.text_len);
        broadcast(&m);
        in_room = false;
        session_message(&m);
        broadcast(&m);
}

static void accept_request(StubClient *c, ServicePipeType request) {
        send_to(c, &(ServicePipeMessage) { .type = SERVICE_PIPE_ACCEPTED, .accepted.request = request });
}

static void refuse(StubClient *c, uint8_t request, ServicePipeRefusal code, const char *text) {
        ServicePipeMessage m;

        service_pipe_refuse(request, code, text, &m);
        send_to(c, &m);
}

static void on_join(StubClient *c, ServicePipeMessage *m) {
        char text[LP_SERVICE_PIPE_TEXT_MAX];
        ServicePipeMessage out;
        InviteError ie;
        Invite invite;

        if (invite_parse(m->join.link, &invite, &ie) < 0) {
                refuse(c, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BAD_INVITE, invite_error_to_string(ie));
                return;
        }
        if (in_room) {
                refuse(c, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_IN_ROOM, "Leave the room first.");
                return;
        }
        say("join", invite.room, invite.host);
        accept_request(c, SERVICE_PIPE_JOIN);
        in_room = true;
        snprintf(room, sizeof(room), "%s", invite.room);
        snprintf(relay, sizeof(relay), "%s", invite.host);
        session_message(&out);
        broadcast(&out);
        snprintf(text, sizeof(text), "Joining room %s on relay %s (stub service).", room, relay);
        line(text);
        lights_message(&out, SERVICE_PIPE_LIGHT_GREEN, "Relay: connected (stub)");
        broadcast(&out);
        snprintf(text, sizeof(text), "Joined room %s (stub service).", room);
        line(text);
        if (fail_after_join)
                end_session(SERVICE_PIPE_OUTCOME_FAILED, fail_after_join);
}

static void on_request(StubClient *c, ServicePipeMessage *m) {
        ServicePipeMessage out;

        switch (m->type) {
        case SERVICE_PIPE_STATUS:
                say("status", NULL, NULL);
                accept_request(c, SERVICE_PIPE_STATUS);
                c->subscribed = true;
                session_message(&out);
                send_to(c, &out);
                if (in_room) {
                        lights_message(&out, SERVICE_PIPE_LIGHT_GREEN, "Relay: connected (stub)");
                        send_to(c, &out);
                }
                break;
        case SERVICE_PIPE_JOIN:
                on_join(c, m);
                break;
        case SERVICE_PIPE_LEAVE:
        case SERVICE_PIPE_CHECK:
                say(m->type == SERVICE_PIPE_LEAVE ? "leave" : "check", NULL, NULL);
                if (!in_room) {
                        refuse(c, (uint8_t) m->type, SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, "Not in a room.");
                        break;
                }
                accept_request(c, m->type);
                if (m->type == SERVICE_PIPE_CHECK) {
                        line("Party check (stub): nothing checked, this is a test service.");
                        break;
                }
                line("Leaving the room (stub service).");
                end_session(SERVICE_PIPE_OUTCOME_LEFT, "");
                break;
        default:
                break;
        }
}

/* One message from a client; false when its pipe is to be closed. */
static bool on_message(StubClient *c, int k, ServicePipeMessage *m) {
        ServicePipeMessage out;

        if (k == 2) {
                refuse(c, (uint8_t) m->type, SERVICE_PIPE_REFUSAL_UNKNOWN_REQUEST, NULL);
                return true;
        }
        if (m->type == SERVICE_PIPE_HELLO) {
                if (c->welcomed) {
                        refuse(c, SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_HELLO_FIRST, "HELLO twice.");
                        return false;
                }
                if (service_pipe_server_check_caller(c->pipe, NULL) != SERVICE_PIPE_CALLER_ALLOWED) {
                        refuse(c, SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_NOT_ALLOWED, "Not an interactive user.");
                        return false;
                }
                say("hello", NULL, NULL);
                c->welcomed = service_pipe_answer_hello(&m->hello, &out);
                send_to(c, &out);
                return c->welcomed;
        }
        if (!c->welcomed) {
                refuse(c, (uint8_t) m->type, SERVICE_PIPE_REFUSAL_HELLO_FIRST, NULL);
                return false;
        }
        on_request(c, m);
        return true;
}

static DWORD WINAPI client_thread(void *userdata) {
        StubClient *c = userdata;
        HANDLE read_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        ServicePipeReader reader;
        uint8_t buf[SERVICE_PIPE_BUFFER_SIZE];
        bool open = true;

        service_pipe_reader_init(&reader, SERVICE_PIPE_FROM_CLIENT);
        while (open) {
                OVERLAPPED ov = { .hEvent = read_event };
                ServicePipeMessage m;
                DWORD n = 0;
                size_t off = 0;
                int k;

                ResetEvent(read_event);
                if ((!ReadFile(c->pipe, buf, sizeof(buf), NULL, &ov) && GetLastError() != ERROR_IO_PENDING) ||
                    !GetOverlappedResult(c->pipe, &ov, &n, TRUE) || n == 0)
                        break;
                EnterCriticalSection(&lock);
                while (open && (off < n || service_pipe_reader_pending(&reader) > 0)) {
                        off += service_pipe_reader_feed(&reader, buf + off, n - off);
                        k = service_pipe_reader_next(&reader, &m);
                        if (k < 0) {
                                say("malformed", service_pipe_error_to_string(reader.error), NULL);
                                refuse(c, 0, SERVICE_PIPE_REFUSAL_MALFORMED, service_pipe_error_to_string(reader.error));
                                open = false;
                        } else if (k == 0 && off >= n)
                                break;
                        else if (k > 0)
                                open = on_message(c, k, &m);
                }
                LeaveCriticalSection(&lock);
        }
        EnterCriticalSection(&lock);
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                if (clients[i] == c)
                        clients[i] = NULL;
        LeaveCriticalSection(&lock);
        say("closed", NULL, NULL);
        FlushFileBuffers(c->pipe);
        CloseHandle(c->pipe);
        CloseHandle(c->write_event);
        CloseHandle(read_event);
        free(c);
        return 0;
}

/* Waits for a client on `h`; true when one is there. */
static bool connect_one(HANDLE h) {
        OVERLAPPED ov = { .hEvent = CreateEventW(NULL, TRUE, FALSE, NULL) };
        DWORD n;
        bool ok;

        ok = ConnectNamedPipe(h, &ov) || GetLastError() == ERROR_PIPE_CONNECTED ||
             (GetLastError() == ERROR_IO_PENDING && GetOverlappedResult(h, &ov, &n, TRUE));
        CloseHandle(ov.hEvent);
        return ok;
}

static void serve(HANDLE next) {
        for (;;) {
                HANDLE h = next;
                StubClient *c;
                bool placed = false;

                if (!connect_one(h)) {
                        CloseHandle(h);
                        h = NULL;
                }
                /* The next instance before this one is handed on: the name never lapses. */
                if (service_pipe_server_create(SERVICE_PIPE_PATH, false, &next) < 0) {
                        fprintf(stderr, "stub: cannot make another instance\n");
                        exit(EXIT_FAILURE);
                }
                if (!h)
                        continue;
                c = calloc(1, sizeof(StubClient));
                c->pipe = h;
                c->write_event = CreateEventW(NULL, TRUE, FALSE, NULL);
                EnterCriticalSection(&lock);
                for (size_t i = 0; i < MAX_CLIENTS && !placed; i++)
                        if (!clients[i])
                                clients[i] = c, placed = true;
                LeaveCriticalSection(&lock);
                if (!placed || !CreateThread(NULL, 0, client_thread, c, 0, NULL)) {
                        CloseHandle(h);
                        CloseHandle(c->write_event);
                        free(c);
                }
        }
}

int main(int argc, char **argv) {
        HANDLE first;

        InitializeCriticalSection(&lock);
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--in-room") == 0 && i + 2 < argc) {
                        in_room = true;
                        snprintf(room, sizeof(room), "%s", argv[++i]);
                        snprintf(relay, sizeof(relay), "%s", argv[++i]);
                } else if (strcmp(argv[i], "--fail-after-join") == 0 && i + 1 < argc)
                        fail_after_join = argv[++i];
                else {
                        fprintf(stderr, "usage: %s [--in-room ROOM RELAY] [--fail-after-join TEXT]\n", argv[0]);
                        return 2;
                }
        }
        if (service_pipe_server_create(SERVICE_PIPE_PATH, true, &first) < 0) {
                fprintf(stderr, "stub: cannot make \\\\.\\pipe\\lanparty (another service running?)\n");
                return 1;
        }
        say("ready", NULL, NULL);
        serve(first);
        return 0;
}
