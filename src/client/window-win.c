/* SPDX-License-Identifier: MIT */
/* client.exe's window face: the window (gui-win.c) on the main thread,
 * the client's run on a worker that posts status lines and lights to it;
 * warnings and errors from the backends go into its log pane too. */
#include "client-win.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

/* The window the log backend posts to, while there is one. */
static Gui *log_gui;

/* In the window, warnings and errors from the backends (tap-win.c's
 * advice, route problems) belong in the log pane too. */
static void log_backend_gui(int level, int error, const LogField *fields, size_t n_fields, const char *file, int line,
                            const char *func, const char *message) {
        char text[CLIENT_STATUS_LINE_MAX + 64];

        log_backend_stderr(level, error, fields, n_fields, file, line, func, message);
        if (level > LOG_NOTICE || !log_gui)
                return;
        snprintf(text, sizeof(text), "%s%s", level <= LOG_ERR ? "Error: " : level == LOG_WARNING ? "Warning: " : "",
                 message);
        gui_post_line(log_gui, text);
}

/* The Client's face (client-win.h): gui_post_*() copy what they are
 * given and post it to the window's thread. */
static void face_line(void *userdata, const char *text) {
        gui_post_line(userdata, text);
}

static void face_lights(void *userdata, const ClientLights *lights) {
        gui_post_lights(userdata, lights);
}

static bool face_ask_retry_device(void *userdata, const char *message) {
        return gui_message(userdata, MB_RETRYCANCEL | MB_ICONWARNING, message) == IDRETRY;
}

static void gui_on_leave(void *userdata) {
        Client *c = userdata;

        SetEvent(c->stop_event);
}

static void gui_on_check(void *userdata) {
        client_request_check(userdata);
}

static void gui_on_shutdown(void *userdata) {
        client_leave_now(userdata);
}

static DWORD WINAPI gui_worker(void *userdata) {
        Client *c = userdata;
        Gui *g = c->face.userdata;
        int r;

        r = client_run(c);
        if (r != EXIT_SUCCESS)
                client_report_failure(c);
        gui_post_done(g, r != EXIT_SUCCESS, r != EXIT_SUCCESS ? c->failure : NULL);
        return (DWORD) r;
}

int run_gui(Client *c, HINSTANCE instance) {
        _cleanup_(gui_freep) Gui *g = NULL;
        GuiCallbacks cb = { .leave = gui_on_leave, .check = gui_on_check, .shutdown = gui_on_shutdown,
                            .userdata = c };
        HANDLE thread;
        DWORD code = EXIT_FAILURE;
        int r;

        r = gui_new(&g, instance, c->invite.room, c->invite.host, &cb);
        if (r < 0) {
                gui_message(NULL, MB_OK | MB_ICONERROR, "Cannot open the lanparty window.");
                return EXIT_FAILURE;
        }
        c->face = (ClientFace) { .line = face_line, .lights = face_lights,
                                 .ask_retry_device = face_ask_retry_device, .userdata = g };
        log_gui = g;
        log_set_backend(log_backend_gui);

        thread = CreateThread(NULL, 0, gui_worker, c, 0, NULL);
        if (!thread) {
                gui_message(g, MB_OK | MB_ICONERROR, "Cannot start the network thread.");
                return EXIT_FAILURE;
        }
        (void) gui_run(g);
        /* The window is gone: if the worker still runs (it cannot, unless
         * the window was destroyed from outside), make it leave. */
        SetEvent(c->stop_event);
        WaitForSingleObject(thread, INFINITE);
        GetExitCodeThread(thread, &code);
        CloseHandle(thread);
        log_set_backend(log_backend_stderr);
        log_gui = NULL;
        c->face = client_face_console;
        return (int) code;
}

