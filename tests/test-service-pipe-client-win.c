/* SPDX-License-Identifier: MIT */
/* service-pipe-client-win.c under wine (or Windows), against the landed
 * server end (service-pipe-server-win.c) run by a stub service in a
 * thread of this process: the pipe made by service_pipe_server_create(),
 * the caller checked by service_pipe_server_check_caller(), the answers
 * made with the codec. The lanparty service itself is not written yet.
 *
 * - a join accepted, the status stream received (SESSION, LIGHTS, LINE,
 *   ENDED) through the callbacks, and a LEAVE;
 * - refusals surfaced with the service's text: a bad invite, LEAVE with
 *   no room, another protocol version (naming the program to restart);
 * - a service that breaks the protocol: the client gives up (-EPROTO);
 * - a pipe made by another program: refused before a single byte is
 *   written, so the invite link never reaches it.
 *
 * Every server here runs as the test's user, as does a squatter. So the
 * client trusts the test's own SID (ServicePipeClientOptions'
 * also_trusted_owner) where it must talk to the stub, and not where it
 * must refuse. What wine says about the owner and the server process is
 * printed; docs/SERVICE-PIPE.md sums it up. Also the consent file by path
 * (consent-store-win.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "b64url.h"
#include "consent-store-win.h"
#include "invite.h"
#include "macro.h"
#include "service-pipe-client-win.h"
#include "service-pipe-server-win.h"
#include "service-pipe.h"
#include "test-util.h"
#include "win-handle.h"

static wchar_t pipe_path[64];
static BYTE own_sid[SECURITY_MAX_SID_SIZE];

typedef enum StubMode {
        STUB_SERVICE,     /* answers as the service would */
        STUB_NEWER,       /* refuses HELLO: it speaks a newer version */
        STUB_VIOLATION,   /* answers HELLO with a LINE */
        STUB_SILENT,      /* never answers HELLO */
} StubMode;

typedef struct Stub {
        HANDLE pipe;
        StubMode mode;
        OVERLAPPED ov;
        bool in_room;
        char room[LP_ROOM_NAME_MAX + 1];
        char relay[LP_SERVICE_PIPE_RELAY_MAX + 1];
        size_t bytes_read; /* all the client sent */
        int impersonation; /* the level the client allowed, -1 unknown */
} Stub;

static bool running_on_wine(void) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

        return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

/* The impersonation level of the token the server gets from the
 * client: what SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION allows. */
static int client_impersonation_level(HANDLE pipe) {
        SECURITY_IMPERSONATION_LEVEL level = SecurityAnonymous;
        HANDLE token = NULL;
        DWORD size = 0;
        int r = -1;

        if (!ImpersonateNamedPipeClient(pipe))
                return -1;
        if (OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &token)) {
                if (GetTokenInformation(token, TokenImpersonationLevel, &level, sizeof(level), &size))
                        r = (int) level;
                CloseHandle(token);
        }
        CHECK(RevertToSelf());
        return r;
}

static DWORD overlapped_wait(HANDLE h, BOOL ok, OVERLAPPED *ov) {
        DWORD n = 0;

        if (!ok && GetLastError() != ERROR_IO_PENDING)
                return 0;
        if (!GetOverlappedResult(h, ov, &n, TRUE))
                return 0;
        return n;
}

static void stub_send(Stub *s, const ServicePipeMessage *m) {
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        int len = service_pipe_encode(m, buf, sizeof(buf));

        CHECK(len > 0);
        CHECK_EQ_INT(overlapped_wait(s->pipe, WriteFile(s->pipe, buf, (DWORD) len, NULL, &s->ov), &s->ov), len);
}

static void stub_session(Stub *s) {
        ServicePipeMessage m = { .type = SERVICE_PIPE_SESSION };

        if (s->in_room) {
                m.session.state = SERVICE_PIPE_SESSION_IN_ROOM;
                m.session.room_len = strlen(s->room);
                memcpy(m.session.room, s->room, m.session.room_len);
                m.session.relay_len = strlen(s->relay);
                memcpy(m.session.relay, s->relay, m.session.relay_len);
        }
        stub_send(s, &m);
}

static void stub_text(Stub *s, ServicePipeType type, const char *text) {
        ServicePipeMessage m = { .type = type };

        if (type == SERVICE_PIPE_LINE) {
                m.line.text_len = strlen(text);
                memcpy(m.line.text, text, m.line.text_len);
        } else {
                m.ended.outcome = SERVICE_PIPE_OUTCOME_LEFT;
                m.ended.text_len = strlen(text);
                memcpy(m.ended.text, text, m.ended.text_len);
        }
        stub_send(s, &m);
}

static void stub_accept(Stub *s, ServicePipeType request) {
        stub_send(s, &(ServicePipeMessage) { .type = SERVICE_PIPE_ACCEPTED, .accepted.request = request });
}

static void stub_refuse(Stub *s, uint8_t request, ServicePipeRefusal code, const char *text) {
        ServicePipeMessage m;

        service_pipe_refuse(request, code, text, &m);
        stub_send(s, &m);
}

/* Returns false when the conversation is over (the stub closes). */
static bool stub_answer_hello(Stub *s, const ServicePipeMessage *m) {
        ServicePipeMessage answer;

        CHECK_EQ_INT(service_pipe_server_check_caller(s->pipe, NULL), SERVICE_PIPE_CALLER_ALLOWED);
        s->impersonation = client_impersonation_level(s->pipe);
        if (s->mode == STUB_NEWER) {
                /* What a newer service answers: its version in the field. */
                service_pipe_refuse(SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_BAD_VERSION, "restart lanparty", &answer);
                answer.refused.version = LP_SERVICE_PIPE_VERSION + 1;
                stub_send(s, &answer);
                return false;
        }
        if (s->mode == STUB_SILENT)
                return true;
        if (s->mode == STUB_VIOLATION) {
                stub_text(s, SERVICE_PIPE_LINE, "not an answer to HELLO");
                return true;
        }
        CHECK(service_pipe_answer_hello(&m->hello, &answer));
        stub_send(s, &answer);
        return true;
}

static void stub_join(Stub *s, const ServicePipeMessage *m) {
        Invite inv;
        InviteError e;

        if (invite_parse(m->join.link, &inv, &e) < 0) {
                stub_refuse(s, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BAD_INVITE, invite_error_to_string(e));
                return;
        }
        if (s->in_room) {
                stub_refuse(s, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_IN_ROOM, "leave first");
                return;
        }
        s->in_room = true;
        snprintf(s->room, sizeof(s->room), "%s", inv.room);
        snprintf(s->relay, sizeof(s->relay), "%s", inv.host);
        stub_accept(s, SERVICE_PIPE_JOIN);
}

/* STATUS: the state first, then the answer, then the stream goes on. */
static void stub_status(Stub *s) {
        ServicePipeMessage lights = { .type = SERVICE_PIPE_LIGHTS };

        stub_session(s);
        for (size_t i = 0; i < LP_SERVICE_PIPE_LIGHTS; i++)
                lights.lights.light[i].color = SERVICE_PIPE_LIGHT_GREEN;
        lights.lights.light[0].text_len = strlen("Relay: connected");
        memcpy(lights.lights.light[0].text, "Relay: connected", lights.lights.light[0].text_len);
        if (s->in_room)
                stub_send(s, &lights);
        stub_accept(s, SERVICE_PIPE_STATUS);
        stub_text(s, SERVICE_PIPE_LINE, "Joined room lan.");
}

static void stub_leave(Stub *s) {
        if (!s->in_room) {
                stub_refuse(s, SERVICE_PIPE_LEAVE, SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, "no room to leave");
                return;
        }
        s->in_room = false;
        stub_accept(s, SERVICE_PIPE_LEAVE);
        stub_text(s, SERVICE_PIPE_ENDED, "Left the room.");
        stub_session(s);
}

static bool stub_handle(Stub *s, const ServicePipeMessage *m) {
        switch (m->type) {
        case SERVICE_PIPE_HELLO:
                return stub_answer_hello(s, m);
        case SERVICE_PIPE_JOIN:
                stub_join(s, m);
                return true;
        case SERVICE_PIPE_STATUS:
                stub_status(s);
                return true;
        case SERVICE_PIPE_LEAVE:
                stub_leave(s);
                return true;
        default:
                stub_refuse(s, (uint8_t) m->type, SERVICE_PIPE_REFUSAL_UNKNOWN_REQUEST, NULL);
                return true;
        }
}

/* One client, until it closes the pipe (or the stub hangs up). */
static DWORD WINAPI stub_thread(void *userdata) {
        Stub *s = userdata;
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        ServicePipeReader reader;
        ServicePipeMessage m;
        bool go_on = true;

        if (!ConnectNamedPipe(s->pipe, &s->ov) && GetLastError() != ERROR_PIPE_CONNECTED)
                (void) overlapped_wait(s->pipe, FALSE, &s->ov);
        service_pipe_reader_init(&reader, SERVICE_PIPE_FROM_CLIENT);
        while (go_on) {
                DWORD n = overlapped_wait(s->pipe, ReadFile(s->pipe, buf, sizeof(buf), NULL, &s->ov), &s->ov);
                int k;

                if (n == 0)
                        break; /* the client closed */
                s->bytes_read += n;
                CHECK_EQ_INT(service_pipe_reader_feed(&reader, buf, n), n);
                while (go_on && (k = service_pipe_reader_next(&reader, &m)) > 0)
                        go_on = stub_handle(s, &m);
                CHECK(k >= 0);
        }
        (void) FlushFileBuffers(s->pipe);
        DisconnectNamedPipe(s->pipe);
        return 0;
}

typedef struct Seen {
        unsigned sessions, lines, lights, ended;
        ServicePipeSession last_session;
        char last_line[LP_SERVICE_PIPE_TEXT_MAX + 1];
        ServicePipeLights last_lights;
        ServicePipeEnded last_ended;
} Seen;

static void on_session(const ServicePipeSession *session, void *userdata) {
        Seen *seen = userdata;

        seen->sessions++;
        seen->last_session = *session;
}

static void on_line(const char *text, size_t len, void *userdata) {
        Seen *seen = userdata;

        seen->lines++;
        CHECK(len == strlen(text));
        snprintf(seen->last_line, sizeof(seen->last_line), "%s", text);
}

static void on_lights(const ServicePipeLights *lights, void *userdata) {
        Seen *seen = userdata;

        seen->lights++;
        seen->last_lights = *lights;
}

static void on_ended(const ServicePipeEnded *ended, void *userdata) {
        Seen *seen = userdata;

        seen->ended++;
        seen->last_ended = *ended;
}

static ServicePipeClientOptions options(Seen *seen, bool trust_own) {
        return (ServicePipeClientOptions) {
                .path = pipe_path,
                .timeout_ms = 5000,
                .also_trusted_owner = trust_own ? (PSID) own_sid : NULL,
                .callbacks = { on_session, on_line, on_lights, on_ended, seen },
        };
}

/* Serves on `pipe` (overlapped), or on a fresh first instance of the
 * landed server end when it is INVALID_HANDLE_VALUE. */
static HANDLE stub_start(Stub *s, StubMode mode, HANDLE pipe) {
        HANDLE thread;

        *s = (Stub) { .mode = mode, .pipe = pipe, .impersonation = -1 };
        s->ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
        CHECK(s->ov.hEvent);
        if (pipe == INVALID_HANDLE_VALUE)
                CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &s->pipe), 0);
        thread = CreateThread(NULL, 0, stub_thread, s, 0, NULL);
        CHECK(thread);
        return thread;
}

static void stub_stop(Stub *s, HANDLE thread) {
        CHECK_EQ_INT(WaitForSingleObject(thread, 10000), WAIT_OBJECT_0);
        CloseHandle(thread);
        CloseHandle(s->pipe);
        CloseHandle(s->ov.hEvent);
}

static void make_link(char *buf, size_t size, const char *host) {
        uint8_t key[LP_ROOM_KEY_SIZE], pin[LP_SPKI_PIN_SIZE];
        char key_text[64], pin_text[64];

        memset(key, 0x11, sizeof(key));
        memset(pin, 0x22, sizeof(pin));
        CHECK_EQ_INT(b64url_encode(key, sizeof(key), key_text, sizeof(key_text)), 0);
        CHECK_EQ_INT(b64url_encode(pin, sizeof(pin), pin_text, sizeof(pin_text)), 0);
        snprintf(buf, size, "lanparty://%s/lan?k=%s&pin=%s", host, key_text, pin_text);
}

static void test_join_and_stream(void) {
        _cleanup_(service_pipe_client_freep) ServicePipeClient *c = NULL;
        ServicePipeClientOptions o;
        char text[SERVICE_PIPE_REFUSAL_MESSAGE_MAX], link[LP_INVITE_TEXT_MAX];
        ServicePipeRefused refused;
        Seen seen = { 0 };
        HANDLE thread;
        Stub stub;

        thread = stub_start(&stub, STUB_SERVICE, INVALID_HANDLE_VALUE);
        o = options(&seen, true);
        CHECK_EQ_INT(service_pipe_client_open(&o, &c, text, sizeof(text)), 0);

        /* A link the service refuses, with its reason. */
        CHECK_EQ_INT(service_pipe_client_join(c, "lanparty://relay.example.org/lan", &refused, text, sizeof(text)), 0);
        fprintf(stderr, "refused: %s\n", text);
        CHECK_EQ_INT(refused.code, SERVICE_PIPE_REFUSAL_BAD_INVITE);
        CHECK_EQ_INT(refused.request, SERVICE_PIPE_JOIN);
        CHECK(strstr(text, "refused to join the room (bad_invite): "));
        CHECK(strstr(text, invite_error_to_string(INVITE_ERROR_KEY_MISSING)));
        /* LEAVE with no room: refused, and the pipe stays open. */
        CHECK_EQ_INT(service_pipe_client_leave(c, &refused, text, sizeof(text)), 0);
        CHECK_EQ_INT(refused.code, SERVICE_PIPE_REFUSAL_NOT_IN_ROOM);
        CHECK_EQ_STR(text, "The lanparty service refused to leave the room (not_in_room): no room to leave");

        make_link(link, sizeof(link), "relay.example.org");
        CHECK_EQ_INT(service_pipe_client_join(c, link, &refused, text, sizeof(text)), 1);
        /* STATUS: the session and lights before the answer... */
        CHECK_EQ_INT(service_pipe_client_status(c, NULL, NULL, 0), 1);
        CHECK_EQ_INT(seen.sessions, 1);
        CHECK_EQ_INT(seen.last_session.state, SERVICE_PIPE_SESSION_IN_ROOM);
        CHECK_EQ_STR(seen.last_session.room, "lan");
        CHECK_EQ_STR(seen.last_session.relay, "relay.example.org");
        CHECK_EQ_INT(seen.lights, 1);
        CHECK_EQ_INT(seen.last_lights.light[0].color, SERVICE_PIPE_LIGHT_GREEN);
        CHECK_EQ_STR(seen.last_lights.light[0].text, "Relay: connected");
        /* ...the stream after it. */
        CHECK_EQ_INT(seen.lines, 0);
        CHECK_EQ_INT(service_pipe_client_read(c, 5000), 1);
        CHECK_EQ_INT(seen.lines, 1);
        CHECK_EQ_STR(seen.last_line, "Joined room lan.");
        /* A quiet stream: the wait ends, and the client still works. */
        CHECK_EQ_INT(service_pipe_client_read(c, 200), -ETIMEDOUT);

        /* LEAVE: accepted, then ENDED and SESSION idle on the stream. */
        CHECK_EQ_INT(service_pipe_client_leave(c, NULL, NULL, 0), 1);
        CHECK_EQ_INT(service_pipe_client_read(c, 5000), 1);
        CHECK_EQ_INT(seen.ended, 1);
        CHECK_EQ_INT(seen.last_ended.outcome, SERVICE_PIPE_OUTCOME_LEFT);
        CHECK_EQ_STR(seen.last_ended.text, "Left the room.");
        CHECK_EQ_INT(service_pipe_client_read(c, 5000), 1);
        CHECK_EQ_INT(seen.sessions, 2);
        CHECK_EQ_INT(seen.last_session.state, SERVICE_PIPE_SESSION_IDLE);

        c = service_pipe_client_free(c);
        stub_stop(&stub, thread);

        /* The service may learn who we are, never act as us. wine 8.0
         * ignores the level a client asks for. */
        fprintf(stderr, "the server got an impersonation token of level %d (SecurityIdentification is %d)\n",
                stub.impersonation, (int) SecurityIdentification);
        if (!running_on_wine())
                CHECK_EQ_INT(stub.impersonation, SecurityIdentification);
}

/* A program made the pipe first, as the test's user: the client reads
 * who owns it and who serves it, and refuses before writing a byte. */
static void test_squatter(void) {
        _cleanup_(service_pipe_client_freep) ServicePipeClient *c = NULL;
        ServicePipeClientOptions o;
        ServicePipeServerFacts facts;
        HANDLE thread, probe;
        Seen seen = { 0 };
        Stub stub;

        /* Through the landed server end (owner: whoever made it, here
         * us, not SYSTEM) and through a bare pipe with the default
         * security, as any program can make it. */
        for (int bare = 0; bare < 2; bare++) {
                HANDLE squatter = INVALID_HANDLE_VALUE;

                if (bare) {
                        squatter = CreateNamedPipeW(pipe_path, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
                                                    PIPE_TYPE_BYTE | PIPE_WAIT, PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0,
                                                    NULL);
                        CHECK(squatter != INVALID_HANDLE_VALUE);
                }
                thread = stub_start(&stub, STUB_SERVICE, squatter);
                o = options(&seen, false);
                CHECK_EQ_INT(service_pipe_client_open(&o, &c, NULL, 0), -EPERM);
                CHECK(!c);
                stub_stop(&stub, thread);
                /* Not even HELLO reached it. */
                CHECK_EQ_INT(stub.bytes_read, 0);
        }

        /* What wine says: the facts, as the client reads them. */
        CHECK_EQ_INT(service_pipe_server_create(pipe_path, true, &stub.pipe), 0);
        probe = CreateFileW(pipe_path, SERVICE_PIPE_CLIENT_ACCESS, 0, NULL, OPEN_EXISTING,
                            SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
        CHECK(probe != INVALID_HANDLE_VALUE);
        service_pipe_client_server_facts(probe, NULL, &facts);
        fprintf(stderr,
                "a pipe this test made: owner_read=%d owner_is_system=%d owner_is_administrators=%d "
                "process_read=%d process_is_system=%d -> %s\n",
                facts.owner_read, facts.owner_is_system, facts.owner_is_administrators, facts.process_read,
                facts.process_is_system, service_pipe_server_verdict_to_string(service_pipe_server_decide(&facts)));
        CHECK(facts.owner_read);
        CHECK(!facts.owner_is_system);
        CHECK_EQ_INT(service_pipe_server_decide(&facts), SERVICE_PIPE_SERVER_SQUATTER);
        service_pipe_client_server_facts(probe, (PSID) own_sid, &facts);
        CHECK(facts.owner_is_also_trusted);
        CloseHandle(probe);
        CloseHandle(stub.pipe);
}

static void test_version_and_violation(void) {
        _cleanup_(service_pipe_client_freep) ServicePipeClient *c = NULL;
        char text[SERVICE_PIPE_REFUSAL_MESSAGE_MAX];
        ServicePipeClientOptions o;
        Seen seen = { 0 };
        HANDLE thread;
        Stub stub;

        thread = stub_start(&stub, STUB_NEWER, INVALID_HANDLE_VALUE);
        o = options(&seen, true);
        CHECK_EQ_INT(service_pipe_client_open(&o, &c, text, sizeof(text)), -EPROTONOSUPPORT);
        CHECK(!c);
        fprintf(stderr, "newer service: %s\n", text);
        CHECK(strstr(text, "this lanparty window is older than the lanparty service"));
        stub_stop(&stub, thread);

        thread = stub_start(&stub, STUB_VIOLATION, INVALID_HANDLE_VALUE);
        CHECK_EQ_INT(service_pipe_client_open(&o, &c, text, sizeof(text)), -EPROTO);
        CHECK(!c);
        stub_stop(&stub, thread);
        CHECK_EQ_INT(seen.lines, 0); /* nothing dispatched before WELCOME */

        /* A service that never answers: the wait ends. */
        thread = stub_start(&stub, STUB_SILENT, INVALID_HANDLE_VALUE);
        o.answer_timeout_ms = 300;
        CHECK_EQ_INT(service_pipe_client_open(&o, &c, text, sizeof(text)), -ETIMEDOUT);
        CHECK(!c);
        stub_stop(&stub, thread);
        CHECK(stub.bytes_read > 0);

        /* No service at all. */
        CHECK_EQ_INT(service_pipe_client_open(&o, &c, text, sizeof(text)), -ENOENT);
        CHECK_EQ_INT(service_pipe_client_open(NULL, &c, text, sizeof(text)), -EINVAL);
}

static void test_consent_file(void) {
        wchar_t dir[MAX_PATH], path[MAX_PATH + 64];
        ConsentStore *s = calloc(1, sizeof(*s)), *again = calloc(1, sizeof(*again));
        ConsentKey k;
        uint8_t pin[LP_SPKI_PIN_SIZE] = { 1 };
        HANDLE h;
        DWORD n;

        CHECK(s && again);
        CHECK(GetTempPathW(MAX_PATH, dir) > 0);
        _snwprintf(path, ELEMENTSOF(path), L"%lslanparty-consent-test-%lu\\sub\\consent", dir,
                   (unsigned long) GetCurrentProcessId());
        path[ELEMENTSOF(path) - 1] = L'\0';

        /* Missing: empty, not an error. (A run that failed may have
         * left one behind, and wine reuses process ids.) */
        (void) DeleteFileW(path);
        CHECK_EQ_INT(consent_store_load(path, s), 0);
        CHECK_EQ_INT(s->n_entries, 0);
        CHECK_EQ_INT(consent_key_make("lan", "relay.example.org", true, pin, &k), 0);
        CHECK_EQ_INT(consent_store_remember(s, &k), 0);
        CHECK_EQ_INT(consent_store_save(path, s), 0); /* makes the directories */
        CHECK_EQ_INT(consent_store_load(path, again), 0);
        CHECK_EQ_INT(again->n_entries, 1);
        CHECK_EQ_INT(consent_store_decide(again, &k), CONSENT_ALLOWED);

        /* Damaged: refused, empty, so the window asks. */
        h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        CHECK(h != INVALID_HANDLE_VALUE);
        CHECK(WriteFile(h, "lanparty-consent 1\nallow lan RELAY -\n", 37, &n, NULL));
        CloseHandle(h);
        CHECK_EQ_INT(consent_store_load(path, again), -EBADMSG);
        CHECK_EQ_INT(again->n_entries, 0);
        DeleteFileW(path);
        free(s);
        free(again);
}

static void own_sid_read(void) {
        _cleanup_(handle_closep) HANDLE token = NULL;
        BYTE buf[256];
        DWORD size = 0;

        CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
        /* The default owner of what we make: wine 8.0 makes it a group
         * (S-1-5-21-0-0-0-513), not the user. */
        CHECK(GetTokenInformation(token, TokenOwner, buf, sizeof(buf), &size));
        CHECK(CopySid(sizeof(own_sid), own_sid, ((TOKEN_OWNER *) buf)->Owner));
}

int main(void) {
        _snwprintf(pipe_path, ELEMENTSOF(pipe_path), L"\\\\.\\pipe\\lanparty-test-client-%lu",
                   (unsigned long) GetCurrentProcessId());
        pipe_path[ELEMENTSOF(pipe_path) - 1] = L'\0';
        own_sid_read();

        RUN(test_join_and_stream);
        RUN(test_squatter);
        RUN(test_version_and_violation);
        RUN(test_consent_file);
        return 0;
}
