/* SPDX-License-Identifier: MIT */
/* client.exe through the lanparty service; see service-face-win.h.
 *
 * The pipe's calls block (with timeouts) and must not run on two threads
 * at once, so one thread at a time owns the ServiceFace: the main thread
 * until JOIN, then, in the window, a worker that follows the stream
 * while the main thread runs the window. The worker reads with a short
 * timeout and looks at the Client's stop_event and check_requested
 * between reads: the window's Leave, its X, a logoff
 * (client_leave_now()), the console's Ctrl-C and WM_CLOSE
 * (console-win.c) all set the event they set for the session in this
 * process. A worker still in a call when the window is gone is woken
 * with CancelIoEx() on the pipe.
 *
 * The questions (consent, "leave the other room?") are asked with the
 * pipe closed: the service may drop a client that does not read its
 * stream, and a player may think for a while. Then client.exe connects
 * again and goes on only if the service is still where it was. */
#include "service-face-win.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-path-plan.h"
#include "consent-store-win.h"
#include "consent-store.h"
#include "log.h"
#include "platform-win.h"
#include "service-pipe-client-win.h"

/* How often the stream loop looks at the window's and console's requests. */
#define SERVICE_FACE_POLL_MS 100
/* The SESSION after STATUS, and the other room's end after a LEAVE. */
#define SERVICE_FACE_SESSION_WAIT_MS 10000
#define SERVICE_FACE_LEAVE_WAIT_MS 30000
/* The window is gone; the worker gets this long before its call is cancelled. */
#define SERVICE_FACE_WORKER_WAIT_MS 3000

struct ServiceFace {
        Client *client; /* args, link, invite, stop_event, done_event, check_requested */
        Gui *gui;       /* the window, while it is open; NULL in the console */
        ServicePipeClientOptions options;
        ServicePipeClient *pipe;
        HINSTANCE instance;

        ServicePipeSession session; /* the last SESSION */
        bool session_seen;
        bool ended; /* an ENDED came since the JOIN (or since the other room's LEAVE) */
        ServicePipeOutcome outcome;
        char ended_text[LP_SERVICE_PIPE_TEXT_MAX + 1];
        bool lights_posted;

        char failure[FAILURE_TEXT_MAX];
};

/* A line for the player: the window's log pane, or stdout with --cli;
 * nothing while the window is not open yet. */
static void face_say(ServiceFace *f, const char *format, ...) _printf_(2, 3);
static void face_say(ServiceFace *f, const char *format, ...) {
        char line[LP_SERVICE_PIPE_TEXT_MAX + 256];
        va_list ap;

        va_start(ap, format);
        vsnprintf(line, sizeof(line), format, ap);
        va_end(ap);
        if (f->gui)
                gui_post_line(f->gui, line);
        else if (f->client->args.mode == CLIENT_WIN_MODE_CLI) {
                fputs(line, stdout);
                fputc('\n', stdout);
                fflush(stdout);
        }
}

/* Why it stopped, for the final message; returns -EIO for r >= 0. */
static int face_fail(ServiceFace *f, int r, const char *format, ...) _printf_(3, 4);
static int face_fail(ServiceFace *f, int r, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(f->failure, sizeof(f->failure), format, ap);
        va_end(ap);
        return r < 0 ? r : -EIO;
}

/* ---- the stream's callbacks (on whichever thread owns the pipe) ------------------ */

static void on_session(const ServicePipeSession *s, void *userdata) {
        ServiceFace *f = userdata;

        f->session = *s;
        f->session_seen = true;
}

static void on_line(const char *text, size_t len, void *userdata) {
        (void) len;
        face_say(userdata, "%s", text);
}

static void on_lights(const ServicePipeLights *l, void *userdata) {
        ServiceFace *f = userdata;
        ClientLights lights = { 0 };

        if (!f->gui)
                return;
        /* The wire's colours are client-lights.h's, value for value. */
        for (size_t i = 0; i < LP_SERVICE_PIPE_LIGHTS && i < ELEMENTSOF(lights.light); i++) {
                lights.light[i].color = (ClientLightColor) l->light[i].color;
                snprintf(lights.light[i].text, sizeof(lights.light[i].text), "%s", l->light[i].text);
        }
        gui_post_lights(f->gui, &lights);
        f->lights_posted = true;
}

static void on_ended(const ServicePipeEnded *e, void *userdata) {
        ServiceFace *f = userdata;

        f->ended = true;
        f->outcome = e->outcome;
        snprintf(f->ended_text, sizeof(f->ended_text), "%s", e->text);
}

/* ---- connecting --------------------------------------------------------------------- */

#ifdef LANPARTY_TEST_PIPE_TRUST
/* Test builds only (client-model.exe): under wine every process runs as
 * one user, so the service's pipe is owned by our own default owner and
 * never by SYSTEM. LANPARTY_TEST_TRUST_OWN_PIPE=1 trusts that owner, as
 * tests/test-service-pipe-client-win.c does; client.exe has no such
 * code. */
static PSID test_trusted_owner(void) {
        static BYTE buf[256];
        const char *e = getenv("LANPARTY_TEST_TRUST_OWN_PIPE");
        HANDLE token;
        DWORD size = 0;
        BOOL ok;

        if (!e || strcmp(e, "1") != 0 || !OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
                return NULL;
        ok = GetTokenInformation(token, TokenOwner, buf, sizeof(buf), &size);
        CloseHandle(token);
        return ok ? ((TOKEN_OWNER *) buf)->Owner : NULL;
}
#else
static PSID test_trusted_owner(void) {
        return NULL;
}
#endif

int service_face_open(Client *c, ServiceFace **ret, char *text, size_t size) {
        ServiceFace *f;
        int r;

        f = calloc(1, sizeof(ServiceFace));
        if (!f)
                return log_oom();
        f->client = c;
        f->options = (ServicePipeClientOptions) {
                .also_trusted_owner = test_trusted_owner(),
                .callbacks = { .session = on_session, .line = on_line, .lights = on_lights, .ended = on_ended,
                               .userdata = f },
        };
        r = service_pipe_client_open(&f->options, &f->pipe, text, size);
        if (r < 0) {
                free(f);
                return r;
        }
        *ret = f;
        return 0;
}

void service_face_error_text(int error, const char *text, char *buf, size_t size) {
        if (text && text[0]) {
                snprintf(buf, size, "%s", text);
                return;
        }
        switch (error) {
        case -EPERM:
                snprintf(buf, size, "Not talking to \\\\.\\pipe\\lanparty: it was not made by the lanparty service. "
                         "Some program made it while the service was not running, maybe to catch invite links. "
                         "Restart Windows; if this comes back, look for that program.");
                break;
        case -EBUSY:
                snprintf(buf, size, "The lanparty service is busy with other programs. Try again in a moment.");
                break;
        case -ETIMEDOUT:
                snprintf(buf, size, "The lanparty service did not answer. Restart it (in a Command Prompt opened as "
                         "administrator: sc stop lanparty, then sc start lanparty) or restart Windows.");
                break;
        default:
                snprintf(buf, size, "Cannot talk to the lanparty service: %s. Restart it (as administrator: "
                         "sc stop lanparty, then sc start lanparty) or restart Windows.", client_error_text(error));
        }
}

ServiceFace *service_face_free(ServiceFace *f) {
        if (!f)
                return NULL;
        service_pipe_client_free(f->pipe);
        free(f);
        return NULL;
}

/* ---- before the stream: what the service does, the questions, JOIN --------------- */

/* Reads the stream until `done(f)` or timeout_ms. */
static int read_until(ServiceFace *f, bool (*done)(ServiceFace *f), DWORD timeout_ms, const char *what) {
        ULONGLONG deadline = GetTickCount64() + timeout_ms;

        while (!done(f)) {
                ULONGLONG now = GetTickCount64();
                int r;

                if (now >= deadline)
                        return face_fail(f, -ETIMEDOUT, "The lanparty service did not %s in time.", what);
                r = service_pipe_client_read(f->pipe, (DWORD) (deadline - now));
                if (r == 0)
                        return face_fail(f, -ECONNRESET, "The lanparty service closed the connection (did it stop?).");
                if (r < 0 && r != -ETIMEDOUT)
                        return face_fail(f, r, "The connection to the lanparty service broke: %s.", client_error_text(r));
        }
        return 0;
}

static bool session_known(ServiceFace *f) {
        return f->session_seen;
}

static bool session_idle(ServiceFace *f) {
        return f->session.state == SERVICE_PIPE_SESSION_IDLE;
}

/* One request's answer: 1 accepted, 0 refused (the sentence in
 * f->failure), negative errno (in f->failure). */
static int request_result(ServiceFace *f, int r, const char *text, const char *what) {
        if (r < 0)
                return face_fail(f, r, "The connection to the lanparty service broke while asking it to %s: %s.",
                                 what, client_error_text(r));
        if (r == 0)
                snprintf(f->failure, sizeof(f->failure), "%s", text);
        return r;
}

/* STATUS, and the SESSION that follows it. */
static int subscribe(ServiceFace *f) {
        char text[SERVICE_PIPE_REFUSAL_MESSAGE_MAX] = "";
        int r;

        f->session_seen = false;
        r = request_result(f, service_pipe_client_status(f->pipe, NULL, text, sizeof(text)), text,
                           "say what it is doing");
        if (r <= 0)
                return r < 0 ? r : -EIO;
        return read_until(f, session_known, SERVICE_FACE_SESSION_WAIT_MS, "say what it is doing");
}

static int consent_path(wchar_t *buf, size_t size) {
        const wchar_t *base = _wgetenv(L"LOCALAPPDATA");
        int n;

        if (!base || !base[0])
                return -ENOENT;
        n = _snwprintf(buf, size, L"%ls\\lanparty\\consent", base);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

/* "Join room X on relay Y?", unless the player said "always" for exactly
 * this room, relay and pin. 1 join, 0 cancelled, negative errno. */
static int consent_obtain(ServiceFace *f) {
        const Invite *inv = &f->client->invite;
        _cleanup_free_ ConsentStore *store = NULL;
        char question[CONSENT_DIALOG_TEXT_MAX];
        wchar_t path[WIN_PATH_MAX];
        ConsentDecision d = CONSENT_ASK;
        ConsentKey key;
        bool always = false, have_path;
        int r;

        store = calloc(1, sizeof(ConsentStore));
        if (!store)
                return face_fail(f, -ENOMEM, "Out of memory.");
        consent_store_init(store);
        r = consent_key_make(inv->room, inv->host, inv->has_pin, inv->pin, &key);
        if (r < 0)
                return face_fail(f, r, "The invite's room or relay cannot be asked about.");
        have_path = consent_path(path, ELEMENTSOF(path)) >= 0;
        /* A file that cannot be read is an empty store: then we ask. */
        if (have_path && consent_store_load(path, store) >= 0)
                d = consent_store_decide(store, &key);
        if (d == CONSENT_ALLOWED) {
                log_debug("Room %s on %s was allowed before, not asking.", key.room, key.relay);
                return 1;
        }
        r = consent_dialog_text(&key, d, question, sizeof(question));
        if (r < 0)
                return face_fail(f, r, "Cannot word the question whether to join.");
        r = consent_dialog_ask(f->instance, question, &always);
        if (r < 0)
                return face_fail(f, r, "Cannot ask whether to join: %s.", client_error_text(r));
        if (r > 0 && always && have_path) {
                r = consent_store_remember(store, &key);
                if (r >= 0)
                        r = consent_store_save(path, store);
                if (r < 0)
                        log_warning_errno(r, "Cannot remember that room %s may be joined, ignoring: %m", key.room);
                return 1;
        }
        return r;
}

/* "Leave room X and join Y?": true for yes. */
static bool ask_switch(ServiceFace *f) {
        char text[LP_SERVICE_PIPE_TEXT_MAX];

        snprintf(text, sizeof(text),
                 "lanparty is in room \"%s\" on relay %s.\n\nLeave room \"%s\" and join room \"%s\" on relay %s?",
                 f->session.room, f->session.relay, f->session.room, f->client->invite.room, f->client->invite.host);
        return gui_message(NULL, MB_YESNO | MB_ICONQUESTION | MB_DEFBUTTON2, text) == IDYES;
}

static bool session_same(const ServicePipeSession *a, const ServicePipeSession *b) {
        return a->state == b->state && strcmp(a->room, b->room) == 0 && strcmp(a->relay, b->relay) == 0;
}

/* The questions with the pipe closed, then connected again. 1 go on, 0
 * the player said no, negative errno. */
static int ask_disconnected(ServiceFace *f, ClientServiceRoom action) {
        ServicePipeSession before = f->session;
        char text[SERVICE_PIPE_REFUSAL_MESSAGE_MAX] = "";
        int r;

        f->pipe = service_pipe_client_free(f->pipe);
        if (action == CLIENT_SERVICE_ROOM_ASK_SWITCH && !ask_switch(f))
                return 0;
        if (client_service_needs_consent(f->client->args.mode, action)) {
                r = consent_obtain(f);
                if (r <= 0)
                        return r;
        }
        r = service_pipe_client_open(&f->options, &f->pipe, text, sizeof(text));
        if (r < 0) {
                service_face_error_text(r, text, f->failure, sizeof(f->failure));
                return r;
        }
        r = subscribe(f);
        if (r < 0)
                return r;
        if (!session_same(&before, &f->session))
                return face_fail(f, -EAGAIN, "While you were asked, lanparty %s%s%s%s. Open the invite link again.",
                                 f->session.state == SERVICE_PIPE_SESSION_IDLE ? "left its room" : "went into room ",
                                 f->session.room, f->session.state == SERVICE_PIPE_SESSION_IDLE ? "" : " on relay ",
                                 f->session.relay);
        return 1;
}

/* The service is in another room and the player said to leave it. */
static int leave_other_room(ServiceFace *f) {
        char text[SERVICE_PIPE_REFUSAL_MESSAGE_MAX] = "";
        ServicePipeRefused refused = { 0 };
        int r;

        r = service_pipe_client_leave(f->pipe, &refused, text, sizeof(text));
        if (r < 0)
                return request_result(f, r, text, "leave the other room");
        /* not_in_room: it ended meanwhile, which is as good. */
        if (r == 0 && refused.code != SERVICE_PIPE_REFUSAL_NOT_IN_ROOM)
                return face_fail(f, -EBUSY, "%s", text);
        return read_until(f, session_idle, SERVICE_FACE_LEAVE_WAIT_MS, "leave the other room");
}

/* Everything before the stream. 1 follow it, 0 the player cancelled,
 * negative errno with f->failure. */
static int service_face_prepare(ServiceFace *f) {
        Client *c = f->client;
        char text[SERVICE_PIPE_REFUSAL_MESSAGE_MAX] = "";
        ClientServiceRoom action;
        int r;

        if (c->args.name || c->args.tap_instance_id || c->args.state_dir || c->args.accept_party_gateway)
                face_say(f, "Note: --name, --tap-instance-id, --state-dir and --accept-party-gateway are for the "
                         "session client.exe runs itself; the lanparty service uses its own settings.");
        r = subscribe(f);
        if (r < 0)
                return r;
        action = client_service_room_decide(&f->session, c->invite.room, c->invite.host,
                                            c->args.mode == CLIENT_WIN_MODE_GUI);
        log_debug("The lanparty service is %s: %s.", service_pipe_session_state_to_string(f->session.state),
                  client_service_room_to_string(action));
        if (action == CLIENT_SERVICE_ROOM_ATTACH)
                return 1;
        if (action == CLIENT_SERVICE_ROOM_REFUSE_SWITCH)
                return face_fail(f, -EBUSY,
                                 "lanparty is in room %s on relay %s. Leave it first: press Leave in its window, or "
                                 "run client.exe --cli with that room's invite link and press Ctrl-C.",
                                 f->session.room, f->session.relay);
        if (action == CLIENT_SERVICE_ROOM_ASK_SWITCH || client_service_needs_consent(c->args.mode, action)) {
                r = ask_disconnected(f, action);
                if (r <= 0)
                        return r;
        }
        if (action == CLIENT_SERVICE_ROOM_ASK_SWITCH) {
                r = leave_other_room(f);
                if (r < 0)
                        return r;
        }
        f->ended = false;
        r = request_result(f, service_pipe_client_join(f->pipe, c->link, NULL, text, sizeof(text)), text,
                           "join the room");
        return r == 0 ? -EPERM : r;
}

/* ---- the stream ------------------------------------------------------------------------ */

static int follow_leave(ServiceFace *f) {
        char text[SERVICE_PIPE_REFUSAL_MESSAGE_MAX] = "";
        ServicePipeRefused refused = { 0 };
        int r;

        r = service_pipe_client_leave(f->pipe, &refused, text, sizeof(text));
        if (r == 0 && refused.code == SERVICE_PIPE_REFUSAL_NOT_IN_ROOM) {
                /* It ended before our LEAVE got there. */
                f->ended = true;
                f->outcome = SERVICE_PIPE_OUTCOME_LEFT;
                return 0;
        }
        if (r == 0)
                face_say(f, "%s", text);
        return r < 0 ? request_result(f, r, text, "leave") : 0;
}

static int follow_check(ServiceFace *f) {
        char text[SERVICE_PIPE_REFUSAL_MESSAGE_MAX] = "";
        int r;

        r = service_pipe_client_check(f->pipe, NULL, text, sizeof(text));
        if (r == 0)
                face_say(f, "%s", text);
        return r < 0 ? request_result(f, r, text, "run the party check") : 0;
}

/* One turn of the stream loop: the requests, then one read. 0 go on,
 * 1 stop following (asked twice), negative errno with f->failure. */
static int follow_once(ServiceFace *f, ULONGLONG *leave_deadline) {
        Client *c = f->client;
        int r;

        if (WaitForSingleObject(c->stop_event, 0) == WAIT_OBJECT_0) {
                if (*leave_deadline != 0) {
                        face_say(f, "Stopped waiting: the lanparty service goes on leaving room %s.", c->invite.room);
                        return 1;
                }
                *leave_deadline = GetTickCount64() + SERVICE_FACE_LEAVE_WAIT_MS;
                return follow_leave(f);
        }
        if (InterlockedExchange(&c->check_requested, 0)) {
                r = follow_check(f);
                if (r < 0)
                        return r;
        }
        if (*leave_deadline != 0 && GetTickCount64() > *leave_deadline)
                return face_fail(f, -ETIMEDOUT, "The lanparty service did not leave room %s within %u s.",
                                 c->invite.room, SERVICE_FACE_LEAVE_WAIT_MS / 1000);
        r = service_pipe_client_read(f->pipe, SERVICE_FACE_POLL_MS);
        if (r == 0)
                return face_fail(f, -ECONNRESET, "The lanparty service closed the connection: it stopped or "
                                 "restarted, and left room %s. Open the invite link again to rejoin.", c->invite.room);
        if (r < 0 && r != -ETIMEDOUT)
                return face_fail(f, r, "The connection to the lanparty service broke: %s.", client_error_text(r));
        return 0;
}

/* Follows the stream until ENDED, a broken pipe, or a second stop
 * request. Returns the exit status. */
static int service_face_follow(ServiceFace *f) {
        ULONGLONG leave_deadline = 0;
        int r = 0;

        while (!f->ended && r == 0)
                r = follow_once(f, &leave_deadline);
        if (r < 0)
                return EXIT_FAILURE;
        if (r > 0)
                return EXIT_SUCCESS;
        if (f->outcome != SERVICE_PIPE_OUTCOME_LEFT)
                snprintf(f->failure, sizeof(f->failure), "%s",
                         f->ended_text[0] ? f->ended_text : "The lanparty service could not stay in the room.");
        return client_service_exit_code(f->ended, f->outcome);
}

/* ---- the two faces ---------------------------------------------------------------------- */

static int run_cli_face(ServiceFace *f) {
        Client *c = f->client;
        int r;

        console_signals_setup(c);
        face_say(f, "Room %s on relay %s, through the lanparty service.", c->invite.room, c->invite.host);
        r = service_face_follow(f);
        SetEvent(c->done_event);
        if (r != EXIT_SUCCESS && f->failure[0])
                fprintf(stderr, "%s: %s\n", PROGRAM_NAME, f->failure);
        fflush(stdout);
        fflush(stderr);
        /* A console we opened would vanish with the reason. */
        if (r != EXIT_SUCCESS)
                console_pause();
        return r;
}

static void gui_on_leave(void *userdata) {
        ServiceFace *f = userdata;

        SetEvent(f->client->stop_event);
}

static void gui_on_check(void *userdata) {
        ServiceFace *f = userdata;

        InterlockedExchange(&f->client->check_requested, 1);
}

static void gui_on_shutdown(void *userdata) {
        ServiceFace *f = userdata;

        client_leave_now(f->client);
}

static DWORD WINAPI gui_worker(void *userdata) {
        ServiceFace *f = userdata;
        Gui *g = f->gui;
        int r;

        face_say(f, "Room %s on relay %s, through the lanparty service.", f->client->invite.room,
                 f->client->invite.host);
        r = service_face_follow(f);
        if (r != EXIT_SUCCESS) {
                if (!f->lights_posted) {
                        ClientLights l;

                        client_lights_decide(&(ClientDiagnostics) { .phase = CLIENT_PHASE_FAILED }, &l);
                        snprintf(l.light[CLIENT_LIGHT_RELAY].text, sizeof(l.light[CLIENT_LIGHT_RELAY].text),
                                 "Stopped: see the message below");
                        gui_post_lights(g, &l);
                }
                face_say(f, "%s", f->failure);
        }
        gui_post_done(g, r != EXIT_SUCCESS, r != EXIT_SUCCESS ? f->failure : NULL);
        SetEvent(f->client->done_event);
        return (DWORD) r;
}

static int run_gui_face(ServiceFace *f, HINSTANCE instance) {
        _cleanup_(gui_freep) Gui *g = NULL;
        GuiCallbacks cb = { .leave = gui_on_leave, .check = gui_on_check, .shutdown = gui_on_shutdown,
                            .userdata = f };
        HANDLE thread;
        DWORD code = EXIT_FAILURE;

        if (gui_new(&g, instance, f->client->invite.room, f->client->invite.host, &cb) < 0) {
                gui_message(NULL, MB_OK | MB_ICONERROR, "Cannot open the lanparty window.");
                return EXIT_FAILURE;
        }
        f->gui = g;
        thread = CreateThread(NULL, 0, gui_worker, f, 0, NULL);
        if (!thread) {
                f->gui = NULL;
                gui_message(g, MB_OK | MB_ICONERROR, "Cannot start the thread that talks to the lanparty service.");
                return EXIT_FAILURE;
        }
        (void) gui_run(g);
        /* The window is gone (closed after the worker said done, or
         * destroyed from outside): the worker must not outlive it. */
        SetEvent(f->client->stop_event);
        if (WaitForSingleObject(thread, SERVICE_FACE_WORKER_WAIT_MS) == WAIT_TIMEOUT) {
                (void) CancelIoEx(service_pipe_client_handle(f->pipe), NULL);
                SetEvent(f->client->stop_event);
                WaitForSingleObject(thread, INFINITE);
        }
        GetExitCodeThread(thread, &code);
        CloseHandle(thread);
        f->gui = NULL;
        return (int) code;
}

int service_face_run(ServiceFace *f, HINSTANCE instance) {
        int r;

        f->instance = instance;
        r = service_face_prepare(f);
        if (r < 0) {
                if (f->client->args.mode == CLIENT_WIN_MODE_CLI) {
                        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, f->failure);
                        console_pause();
                } else
                        gui_message(NULL, MB_OK | MB_ICONERROR, f->failure);
                return EXIT_FAILURE;
        }
        if (r == 0)
                return EXIT_SUCCESS; /* the player said no: nothing joined, nothing left */
        if (f->client->args.mode == CLIENT_WIN_MODE_CLI)
                return run_cli_face(f);
        return run_gui_face(f, instance);
}
