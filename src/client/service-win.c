/* SPDX-License-Identifier: MIT */
/* The lanparty service's manager: its pipe's instances, one client each,
 * and the stop event; see service-win.h. */
#include "service-win.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "platform-win.h"
#include "service-conversation.h"
#include "service-pipe-server-win.h"
#include "service-session-win.h"
#include "win-handle.h"

/* One instance stays unused: a client's instance is replaced by a new
 * one before it is closed (docs/SERVICE-PIPE.md), and Windows counts
 * both for that moment. */
#define SERVICE_SLOTS (SERVICE_PIPE_INSTANCES_MAX - 1)
/* A client that does not read its answers is dropped after this long. */
#define SERVICE_WRITE_TIMEOUT_MS 5000

typedef enum ServiceSlotAtOnce {
        SERVICE_SLOT_PENDING,   /* ask GetOverlappedResult() */
        SERVICE_SLOT_CONNECTED, /* the client connected before ConnectNamedPipe() */
        SERVICE_SLOT_FAILED,    /* the client left, or the pipe broke */
} ServiceSlotAtOnce;

typedef enum ServiceSlotState {
        SERVICE_SLOT_CONNECTING, /* waiting for a client (ConnectNamedPipe) */
        SERVICE_SLOT_READING,    /* a client is there; a read is pending */
} ServiceSlotState;

/* One instance of the pipe and the client on it. */
typedef struct ServiceSlot {
        HANDLE pipe;
        OVERLAPPED ov;      /* the pending connect or read; its event is in the wait */
        HANDLE write_event; /* writes are waited for at once */
        ServiceSlotState state;
        /* The connect or read ended at once (the client was there
         * already, or gone): `ov` holds no result to ask for. */
        ServiceSlotAtOnce at_once;
        unsigned long client_pid;
        ULONGLONG hello_deadline; /* GetTickCount64(): no HELLO by then, dropped */
        bool drop;                /* a status message could not be written: close */
        ServicePipeReader reader;
        ServiceConversation conversation;
        uint8_t buf[SERVICE_PIPE_BUFFER_SIZE];
} ServiceSlot;

struct ServiceManager {
        ServiceManagerConfig config;
        HANDLE stop_event;
        ServiceConversationState state;
        ServiceSession *session; /* NULL while idle */
        ULONGLONG leave_now_at;  /* stopping: no more waiting for the relay's goodbye */
        ULONGLONG progress_at;   /* stopping: the next STOP_PENDING checkpoint */
        ULONGLONG give_up_at;    /* stopping: no more waiting for the session at all */
        ServiceSlot slot[SERVICE_SLOTS];
};

/* Waits for the slot's pending operation to end after cancelling it, so
 * Windows writes no more into its OVERLAPPED. */
static void slot_cancel(ServiceSlot *s) {
        DWORD n;

        if (CancelIoEx(s->pipe, &s->ov) || GetLastError() != ERROR_NOT_FOUND)
                (void) GetOverlappedResult(s->pipe, &s->ov, &n, TRUE);
}

/* Waits for a client on the slot's instance. */
static int slot_listen(ServiceSlot *s) {
        s->ov = (OVERLAPPED) { .hEvent = s->ov.hEvent };
        ResetEvent(s->ov.hEvent);
        s->state = SERVICE_SLOT_CONNECTING;
        s->at_once = SERVICE_SLOT_PENDING;
        s->client_pid = 0;
        s->hello_deadline = 0;
        s->drop = false;
        s->conversation = (ServiceConversation) { 0 };
        service_pipe_reader_init(&s->reader, SERVICE_PIPE_FROM_CLIENT);

        if (ConnectNamedPipe(s->pipe, &s->ov))
                return 0;
        switch (GetLastError()) {
        case ERROR_IO_PENDING:
                return 0;
        /* The event is not set for these, and what `ov` holds then is
         * wine's business (it made GetOverlappedResult() fail for a
         * client that was there: its HELLO went unanswered). */
        case ERROR_PIPE_CONNECTED:
                s->at_once = SERVICE_SLOT_CONNECTED;
                SetEvent(s->ov.hEvent);
                return 0;
        case ERROR_NO_DATA: /* connected and gone already */
                s->at_once = SERVICE_SLOT_FAILED;
                SetEvent(s->ov.hEvent);
                return 0;
        default:
                return log_error_errno(errno_from_win32(GetLastError()), "Cannot wait for pipe clients: %m");
        }
}

/* The client is done (it left, broke a rule, or stopped reading): a new
 * instance takes the slot before this one is closed, so the pipe's name
 * never lapses. Closing, unlike DisconnectNamedPipe(), leaves the client
 * the answers it has not read yet. */
static int slot_renew(ServiceManager *m, ServiceSlot *s) {
        HANDLE fresh;
        int r;

        r = service_pipe_server_create(m->config.pipe_path, false, &fresh);
        if (r < 0)
                return r;
        CloseHandle(s->pipe);
        s->pipe = fresh;
        return slot_listen(s);
}

static int slot_read(ServiceSlot *s) {
        s->ov = (OVERLAPPED) { .hEvent = s->ov.hEvent };
        ResetEvent(s->ov.hEvent);
        s->state = SERVICE_SLOT_READING;
        s->at_once = SERVICE_SLOT_PENDING;
        if (ReadFile(s->pipe, s->buf, sizeof(s->buf), NULL, &s->ov) || GetLastError() == ERROR_IO_PENDING)
                return 0;
        /* The client left (or the pipe broke): neither the event nor
         * `ov` says so, so the slot does. */
        s->at_once = SERVICE_SLOT_FAILED;
        SetEvent(s->ov.hEvent);
        return 0;
}

static int slot_write(ServiceSlot *s, const ServicePipeMessage *msg) {
        uint8_t frame[LP_SERVICE_PIPE_FRAME_MAX];
        OVERLAPPED ov = { .hEvent = s->write_event };
        DWORD n = 0;
        int len;

        len = service_pipe_encode(msg, frame, sizeof(frame));
        if (len < 0)
                return log_error_errno(len, "Cannot encode the answer %s: %m", service_pipe_type_to_string(msg->type));
        ResetEvent(s->write_event);
        if (!WriteFile(s->pipe, frame, (DWORD) len, NULL, &ov) && GetLastError() != ERROR_IO_PENDING)
                return errno_from_win32(GetLastError());
        if (WaitForSingleObject(s->write_event, SERVICE_WRITE_TIMEOUT_MS) != WAIT_OBJECT_0) {
                CancelIoEx(s->pipe, &ov);
                (void) GetOverlappedResult(s->pipe, &ov, &n, TRUE);
                return -ETIMEDOUT;
        }
        if (!GetOverlappedResult(s->pipe, &ov, &n, FALSE))
                return errno_from_win32(GetLastError());
        return n == (DWORD) len ? 0 : -EIO;
}

static const char *request_name(uint8_t request) {
        const char *name = service_pipe_type_to_string(request);

        return request == 0 ? "a frame" : name ? name : "an unknown request";
}

static void answer_log(const ServiceSlot *s, const ServicePipeMessage *answer) {
        if (answer->type == SERVICE_PIPE_WELCOME)
                log_info("Pipe client in process %lu said HELLO; welcomed.", s->client_pid);
        else if (answer->type == SERVICE_PIPE_REFUSED)
                log_info("Refused %s from pipe client in process %lu: %s (%s).",
                         request_name(answer->refused.request),
                         s->client_pid, service_pipe_refusal_to_string(answer->refused.code),
                         answer->refused.text);
        else if (answer->type == SERVICE_PIPE_ACCEPTED)
                log_debug("Accepted %s from pipe client in process %lu.",
                          request_name(answer->accepted.request), s->client_pid);
}

/* A status message to every subscribed client; one that does not take
 * it is closed after (slot->drop), not while its own frame is answered. */
static void broadcast(ServiceManager *m, const ServicePipeMessage *msg) {
        int r;

        for (size_t i = 0; i < SERVICE_SLOTS; i++) {
                ServiceSlot *s = &m->slot[i];

                if (s->state != SERVICE_SLOT_READING || !s->conversation.subscribed || s->drop)
                        continue;
                r = slot_write(s, msg);
                if (r < 0) {
                        log_info_errno(r, "Dropping pipe client in process %lu, which does not take its status: %m",
                                       s->client_pid);
                        s->drop = true;
                }
        }
}

static void broadcast_session(ServiceManager *m) {
        broadcast(m, &(ServicePipeMessage) { .type = SERVICE_PIPE_SESSION, .session = m->state.session });
}

/* The session is over (its worker is done): ENDED, then SESSION idle. */
static void session_ended(ServiceManager *m, bool failed, const char *text) {
        ServicePipeMessage msg;

        m->session = service_session_free(m->session);
        service_conversation_session(NULL, &m->state.session);
        m->state.has_lights = false;
        if (failed)
                log_warning("The session ended: %s", text);
        else
                log_info("The session left the room.");
        service_conversation_ended(failed, text, &msg);
        broadcast(m, &msg);
        broadcast_session(m);
}

static void session_start(ServiceManager *m, const Invite *invite) {
        char text[LP_SERVICE_PIPE_TEXT_MAX + 1];
        int r;

        r = service_session_start(&m->config.session, invite, &m->session);
        if (r < 0) {
                snprintf(text, sizeof(text), "The lanparty service could not start the session: %s.",
                         strerror(-r));
                return session_ended(m, true, text);
        }
        log_info("Joining room %s on relay %s.", invite->room, invite->host);
        service_conversation_session(invite, &m->state.session);
        broadcast_session(m);
}

/* What the answer asks of the session, once the answer is written. */
static void slot_act(ServiceManager *m, const ServiceConversationAnswer *a) {
        switch (a->action) {
        case SERVICE_CONVERSATION_JOIN:
                return session_start(m, &a->invite);
        case SERVICE_CONVERSATION_LEAVE:
                log_info("Asked to leave the room.");
                return service_session_leave(m->session);
        case SERVICE_CONVERSATION_CHECK:
                return service_session_check(m->session);
        default:
                return;
        }
}

/* Answers one thing the reader gave. Returns 1 when the pipe is to be
 * closed, 0 to go on. */
static int slot_answer(ServiceManager *m, ServiceSlot *s, int read, const ServicePipeMessage *msg) {
        ServicePipeCallerVerdict caller = SERVICE_PIPE_CALLER_ALLOWED;
        ServiceConversationAnswer a;
        bool close;
        int r;

        if (service_conversation_needs_caller_check(&s->conversation, read, msg))
                caller = service_pipe_server_check_caller(s->pipe, NULL);
        r = service_conversation_answer(&s->conversation, &m->state, read, msg, s->reader.error, caller, &a);
        if (r < 0)
                return 1;
        for (size_t i = 0; i < a.n_messages && !s->drop; i++) {
                answer_log(s, &a.message[i]);
                r = slot_write(s, &a.message[i]);
                if (r < 0) {
                        log_info_errno(r, "Dropping pipe client in process %lu, which does not take its answers: %m",
                                       s->client_pid);
                        s->drop = true;
                }
        }
        close = s->drop || a.close;
        /* Accepted is accepted: the session hears of it even when the
         * client is gone. */
        slot_act(m, &a);
        /* A JOIN's invite holds the room key. */
        SecureZeroMemory(&a, sizeof(a));
        return close;
}

/* Feeds what was read to the client's reader and answers every message
 * in it. Returns 1 when the pipe is to be closed. */
static int slot_take(ServiceManager *m, ServiceSlot *s, size_t n) {
        ServicePipeMessage msg;
        size_t off = 0;
        int r, close = 0;

        while (off < n && !close) {
                off += service_pipe_reader_feed(&s->reader, s->buf + off, n - off);
                while (!close && (r = service_pipe_reader_next(&s->reader, &msg)) != 0) {
                        close = slot_answer(m, s, r, &msg);
                        /* A JOIN holds the room key. */
                        SecureZeroMemory(&msg, sizeof(msg));
                }
        }
        SecureZeroMemory(s->buf, n);
        return close;
}

/* The slot's connect or read ended. Negative only when the service
 * cannot go on serving. */
static int slot_complete(ServiceManager *m, ServiceSlot *s) {
        DWORD n = 0;
        ULONG pid = 0;

        if (s->at_once == SERVICE_SLOT_FAILED ||
            (s->at_once == SERVICE_SLOT_PENDING && !GetOverlappedResult(s->pipe, &s->ov, &n, FALSE))) {
                if (s->state == SERVICE_SLOT_READING)
                        log_debug("Pipe client in process %lu left.", s->client_pid);
                return slot_renew(m, s);
        }
        if (s->state == SERVICE_SLOT_CONNECTING) {
                (void) GetNamedPipeClientProcessId(s->pipe, &pid);
                s->client_pid = pid;
                s->hello_deadline = GetTickCount64() + SERVICE_HELLO_TIMEOUT_MS;
                log_debug("Pipe client in process %lu connected.", s->client_pid);
                return slot_read(s);
        }
        if (n > 0 && slot_take(m, s, n))
                return slot_renew(m, s);
        return slot_read(s);
}

int service_manager_new(const ServiceManagerConfig *config, ServiceManager **ret) {
        _cleanup_(service_manager_freep) ServiceManager *m = NULL;
        int r;

        if (!config || !config->pipe_path || !ret)
                return -EINVAL;
        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->config = *config;
        service_conversation_session(NULL, &m->state.session);
        for (size_t i = 0; i < SERVICE_SLOTS; i++)
                m->slot[i].pipe = INVALID_HANDLE_VALUE;

        m->stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (!m->stop_event)
                return log_error_errno(errno_from_win32(GetLastError()), "Cannot create an event: %m");
        for (size_t i = 0; i < SERVICE_SLOTS; i++) {
                ServiceSlot *s = &m->slot[i];

                s->ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
                s->write_event = CreateEventW(NULL, TRUE, FALSE, NULL);
                if (!s->ov.hEvent || !s->write_event)
                        return log_error_errno(errno_from_win32(GetLastError()), "Cannot create an event: %m");
                /* The first instance proves the name is ours. */
                r = service_pipe_server_create(config->pipe_path, i == 0, &s->pipe);
                if (r < 0)
                        return r;
                r = slot_listen(s);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

ServiceManager *service_manager_free(ServiceManager *m) {
        if (!m)
                return NULL;
        /* Only when the manager failed: a stop waits for the session. */
        service_session_leave_now(m->session);
        m->session = service_session_free(m->session);
        for (size_t i = 0; i < SERVICE_SLOTS; i++) {
                ServiceSlot *s = &m->slot[i];

                if (s->pipe != INVALID_HANDLE_VALUE) {
                        slot_cancel(s);
                        CloseHandle(s->pipe);
                }
                if (s->ov.hEvent)
                        CloseHandle(s->ov.hEvent);
                if (s->write_event)
                        CloseHandle(s->write_event);
        }
        if (m->stop_event)
                CloseHandle(m->stop_event);
        free(m);
        return NULL;
}

/* Hands what the session said to the subscribed clients. */
static void session_drain(ServiceManager *m) {
        ServiceSessionItem item;
        ServicePipeMessage msg;

        while (m->session && service_session_next(m->session, &item) > 0)
                switch (item.type) {
                case SERVICE_SESSION_LINE:
                        log_info("Session: %s", item.text);
                        if (service_conversation_line(item.text, &msg))
                                broadcast(m, &msg);
                        break;
                case SERVICE_SESSION_LIGHTS:
                        service_conversation_lights(&item.lights, &msg);
                        m->state.lights = msg.lights;
                        m->state.has_lights = true;
                        broadcast(m, &msg);
                        break;
                case SERVICE_SESSION_ENDED:
                        session_ended(m, item.failed, item.text);
                        break;
                default:
                        break;
                }
}

/* Closes the pipes of clients that broke off their status stream or
 * said no HELLO in time. Negative only when a new instance cannot be
 * made. */
static int slots_sweep(ServiceManager *m) {
        ULONGLONG now = GetTickCount64();
        int r;

        for (size_t i = 0; i < SERVICE_SLOTS; i++) {
                ServiceSlot *s = &m->slot[i];
                bool late = s->state == SERVICE_SLOT_READING && !s->conversation.greeted && now >= s->hello_deadline;

                if (!s->drop && !late)
                        continue;
                if (late)
                        log_info("Dropping pipe client in process %lu, which said no HELLO within %u ms.",
                                 s->client_pid, SERVICE_HELLO_TIMEOUT_MS);
                slot_cancel(s);
                r = slot_renew(m, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* How long the wait may sleep: until the next HELLO deadline, and a
 * second at most while a stop waits for the session. */
static DWORD wait_timeout(const ServiceManager *m) {
        ULONGLONG now = GetTickCount64(), next = m->state.stopping ? now + 1000 : ULLONG_MAX;

        for (size_t i = 0; i < SERVICE_SLOTS; i++) {
                const ServiceSlot *s = &m->slot[i];

                if (s->state == SERVICE_SLOT_READING && !s->conversation.greeted)
                        next = MIN(next, s->hello_deadline);
        }
        if (next == ULLONG_MAX)
                return INFINITE;
        return next <= now ? 0 : (DWORD) MIN(next - now, (ULONGLONG) 24 * 3600 * 1000);
}

/* Asked to stop: new clients and JOINs are refused busy; the session
 * leaves with its goodbye. True when there is nothing to wait for. */
static bool stop_begin(ServiceManager *m) {
        m->state.stopping = true;
        if (!m->session)
                return true;
        log_info("Leaving the room before the service stops.");
        service_session_leave(m->session);
        m->progress_at = GetTickCount64() + 1000;
        m->leave_now_at = m->progress_at - 1000 + SERVICE_STOP_LEAVE_MS;
        m->give_up_at = m->progress_at - 1000 + SERVICE_STOP_GIVE_UP_MS;
        return false;
}

/* Each second of a stop: tell Windows we are getting there, and stop
 * waiting for the relay's goodbye after SERVICE_STOP_LEAVE_MS. True
 * when the session has not ended by SERVICE_STOP_GIVE_UP_MS. */
static bool stop_tick(ServiceManager *m) {
        ULONGLONG now = GetTickCount64();

        if (now >= m->progress_at) {
                m->progress_at = now + 1000;
                if (m->config.stop_progress)
                        m->config.stop_progress(m->config.userdata);
        }
        if (m->session && m->leave_now_at != 0 && now >= m->leave_now_at) {
                log_warning("The relay has not said goodbye; leaving without it.");
                service_session_leave_now(m->session);
                m->leave_now_at = 0;
        }
        return now >= m->give_up_at;
}

int service_manager_run(ServiceManager *m) {
        HANDLE events[2 + SERVICE_SLOTS];
        DWORD n, w;
        int r;

        if (!m)
                return -EINVAL;
        for (;;) {
                n = 0;
                /* Manual reset: once seen, state.stopping remembers it. */
                if (!m->state.stopping)
                        events[n++] = m->stop_event;
                for (size_t i = 0; i < SERVICE_SLOTS; i++)
                        events[n++] = m->slot[i].ov.hEvent;
                if (m->session)
                        events[n++] = service_session_event(m->session);

                w = WaitForMultipleObjects(n, events, FALSE, wait_timeout(m));
                if (w == WAIT_FAILED)
                        return log_error_errno(errno_from_win32(GetLastError()), "Waiting for pipe clients failed: %m");
                if (!m->state.stopping && WaitForSingleObject(m->stop_event, 0) == WAIT_OBJECT_0 && stop_begin(m))
                        return 0;
                for (size_t i = 0; i < SERVICE_SLOTS; i++)
                        if (WaitForSingleObject(m->slot[i].ov.hEvent, 0) == WAIT_OBJECT_0) {
                                r = slot_complete(m, &m->slot[i]);
                                if (r < 0)
                                        return r;
                        }
                session_drain(m);
                r = slots_sweep(m);
                if (r < 0)
                        return r;
                if (m->state.stopping) {
                        if (!m->session)
                                return 0;
                        if (stop_tick(m))
                                return log_error_errno(ETIMEDOUT, "The session has not ended %u ms after the stop; "
                                                                  "stopping without it.", SERVICE_STOP_GIVE_UP_MS);
                }
        }
}

void service_manager_stop(ServiceManager *m) {
        if (m && m->stop_event)
                SetEvent(m->stop_event);
}
