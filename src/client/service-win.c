/* SPDX-License-Identifier: MIT */
/* The lanparty service's manager: its pipe's instances, one client each,
 * and the stop event; see service-win.h. */
#include "service-win.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "platform-win.h"
#include "service-conversation.h"
#include "service-pipe-server-win.h"
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
        ServicePipeReader reader;
        ServiceConversation conversation;
        uint8_t buf[SERVICE_PIPE_BUFFER_SIZE];
} ServiceSlot;

struct ServiceManager {
        const wchar_t *pipe_path;
        HANDLE stop_event;
        ServiceConversationState state; /* idle: the skeleton has no session */
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

        r = service_pipe_server_create(m->pipe_path, false, &fresh);
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

/* Answers one thing the reader gave. Returns 1 when the pipe is to be
 * closed, 0 to go on. */
static int slot_answer(ServiceManager *m, ServiceSlot *s, int read, const ServicePipeMessage *msg) {
        ServicePipeCallerVerdict caller = SERVICE_PIPE_CALLER_ALLOWED;
        ServiceConversationAnswer a;
        int r;

        if (service_conversation_needs_caller_check(&s->conversation, read, msg))
                caller = service_pipe_server_check_caller(s->pipe, NULL);
        r = service_conversation_answer(&s->conversation, &m->state, read, msg, s->reader.error, caller, &a);
        if (r < 0)
                return 1;
        for (size_t i = 0; i < a.n_messages; i++) {
                answer_log(s, &a.message[i]);
                r = slot_write(s, &a.message[i]);
                if (r < 0) {
                        log_info_errno(r, "Dropping pipe client in process %lu, which does not take its answers: %m",
                                       s->client_pid);
                        return 1;
                }
        }
        return a.close;
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
                log_debug("Pipe client in process %lu connected.", s->client_pid);
                return slot_read(s);
        }
        if (n > 0 && slot_take(m, s, n))
                return slot_renew(m, s);
        return slot_read(s);
}

int service_manager_new(const wchar_t *pipe_path, ServiceManager **ret) {
        _cleanup_(service_manager_freep) ServiceManager *m = NULL;
        int r;

        if (!pipe_path || !ret)
                return -EINVAL;
        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->pipe_path = pipe_path;
        m->state.session.state = SERVICE_PIPE_SESSION_IDLE;
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
                r = service_pipe_server_create(pipe_path, i == 0, &s->pipe);
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

int service_manager_run(ServiceManager *m) {
        HANDLE events[1 + SERVICE_SLOTS];
        DWORD w;
        int r;

        if (!m)
                return -EINVAL;
        events[0] = m->stop_event;
        for (size_t i = 0; i < SERVICE_SLOTS; i++)
                events[1 + i] = m->slot[i].ov.hEvent;

        for (;;) {
                w = WaitForMultipleObjects(ELEMENTSOF(events), events, FALSE, INFINITE);
                if (w == WAIT_OBJECT_0) {
                        m->state.stopping = true;
                        return 0;
                }
                if (w <= WAIT_OBJECT_0 || w >= WAIT_OBJECT_0 + ELEMENTSOF(events))
                        return log_error_errno(errno_from_win32(GetLastError()), "Waiting for pipe clients failed: %m");
                r = slot_complete(m, &m->slot[w - WAIT_OBJECT_0 - 1]);
                if (r < 0)
                        return r;
        }
}

void service_manager_stop(ServiceManager *m) {
        if (m && m->stop_event)
                SetEvent(m->stop_event);
}
