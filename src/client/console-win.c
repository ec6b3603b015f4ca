/* SPDX-License-Identifier: MIT */
/* client.exe's console face (--cli, and what --help and the other modes
 * print): a Windows-subsystem program starts without a console, so it
 * attaches to its parent's or opens one; Ctrl-C, closing the console and
 * WM_CLOSE (taskkill without /f) all leave the room. */
#include "client-win.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

/* The Client the console's signals stop; set by run_cli(). */
static Client *console_client;
static bool console_allocated;

static bool std_handle_usable(DWORD which) {
        HANDLE h = GetStdHandle(which);

        return h && h != INVALID_HANDLE_VALUE && GetFileType(h) != FILE_TYPE_UNKNOWN;
}

/* A Windows-subsystem program starts without a console. Output that is
 * redirected (a file, a pipe) is used as it is; otherwise we attach to the
 * console we were started from, or open one when `allocate`. */
bool console_setup(bool allocate) {
        if (std_handle_usable(STD_OUTPUT_HANDLE) && std_handle_usable(STD_ERROR_HANDLE))
                return true;
        if (!AttachConsole(ATTACH_PARENT_PROCESS)) {
                if (!allocate || !AllocConsole())
                        return false;
                console_allocated = true;
        }
        if (!std_handle_usable(STD_OUTPUT_HANDLE))
                (void) !freopen("CONOUT$", "w", stdout);
        if (!std_handle_usable(STD_ERROR_HANDLE))
                (void) !freopen("CONOUT$", "w", stderr);
        SetConsoleOutputCP(CP_UTF8);
        return true;
}

void console_pause(void) {
        HANDLE in;
        char buf[8];
        DWORD n;

        if (!console_allocated)
                return;
        fputs("\nPress Enter to close this window.\n", stdout);
        fflush(stdout);
        in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                         OPEN_EXISTING, 0, NULL);
        if (in == INVALID_HANDLE_VALUE)
                return;
        (void) ReadFile(in, buf, sizeof(buf), &n, NULL);
        CloseHandle(in);
}

static BOOL WINAPI console_ctrl(DWORD type) {
        if (!console_client)
                return FALSE;
        /* Windows ends the process when we return from these: leave at
         * once and wait until the routes are back. */
        if (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT)
                client_leave_now(console_client);
        else
                SetEvent(console_client->stop_event);
        return TRUE;
}

/* A hidden top-level window, so the console face also leaves cleanly when
 * asked the way Windows asks programs without a console to quit:
 * WM_CLOSE (`taskkill /im client.exe` without /f) and WM_ENDSESSION at
 * logoff. It lives on a thread of its own until the process exits. */
static LRESULT CALLBACK cli_window_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
        switch (msg) {
        case WM_CLOSE:
                if (console_client)
                        SetEvent(console_client->stop_event);
                return 0;
        case WM_QUERYENDSESSION:
                return TRUE;
        case WM_ENDSESSION:
                if (wparam)
                        (void) console_ctrl(CTRL_LOGOFF_EVENT);
                return 0;
        default:
                return DefWindowProcW(hwnd, msg, wparam, lparam);
        }
}

static DWORD WINAPI cli_window_thread(void *userdata) {
        WNDCLASSW wc = {
                .lpfnWndProc = cli_window_proc,
                .hInstance = GetModuleHandleW(NULL),
                .lpszClassName = L"lanparty-client-cli",
        };
        HWND hwnd;
        MSG msg;

        if (!RegisterClassW(&wc))
                return 1;
        hwnd = CreateWindowExW(0, wc.lpszClassName, L"lanparty client", WS_OVERLAPPED, 0, 0, 0, 0, NULL, NULL,
                               wc.hInstance, NULL);
        if (!hwnd) {
                log_debug("Cannot create the hidden window, so WM_CLOSE will not stop us.");
                return 1;
        }
        while (GetMessageW(&msg, NULL, 0, 0) > 0)
                DispatchMessageW(&msg);
        return 0;
}

void print_or_show(bool error, const char *text) {
        if (console_setup(false)) {
                fputs(text, error ? stderr : stdout);
                fflush(error ? stderr : stdout);
        } else
                gui_message(NULL, MB_OK | (error ? MB_ICONERROR : MB_ICONINFORMATION), text);
}

void console_signals_setup(Client *c) {
        HANDLE thread;

        console_client = c;
        c->face = client_face_console;
        /* A process may start with Ctrl-C ignored (inherited, or a new
         * process group); we want it. */
        SetConsoleCtrlHandler(NULL, FALSE);
        SetConsoleCtrlHandler(console_ctrl, TRUE);
        thread = CreateThread(NULL, 0, cli_window_thread, NULL, 0, NULL);
        if (thread)
                CloseHandle(thread);
}

int run_cli(Client *c) {
        int r;

        console_signals_setup(c);
        r = client_run(c);
        if (r != EXIT_SUCCESS && c->failure[0])
                fprintf(stderr, "%s: %s\n", PROGRAM_NAME, c->failure);
        fflush(stdout);
        fflush(stderr);
        return r;
}
