/* SPDX-License-Identifier: MIT */
/* lanparty-service.exe: the lanparty service (issue 13, docs/WINDOWS.md
 * "The lanparty service"), as Windows' service manager runs it:
 * StartServiceCtrlDispatcherW(), a ServiceMain that reports
 * START_PENDING, RUNNING, STOP_PENDING and STOPPED, and a control
 * handler for STOP and SHUTDOWN. What runs in between is the
 * ServiceManager (service-win.h).
 *
 * It answers on \\.\pipe\lanparty and runs the session a JOIN asks for
 * (service-session-win.h); at its start, before it serves, it undoes
 * what a crashed session left behind (restore-win.h), and a stop leaves
 * the room first.
 *
 * Its command line is the binary path an administrator wrote into the
 * service's configuration (the installer); nothing on the pipe changes
 * it: `lanparty-service.exe [--frame-device tap|null] [--state-dir DIR]`,
 * for tests: null without a TAP adapter; DIR (absolute, made when
 * missing, not checked for who may change it, as client.exe's
 * --state-dir) instead of %ProgramData%\lanparty for the session's
 * state and the clean-up at start. The log stays in %ProgramData%.
 *
 * A program of its own, not a mode of client.exe: client.exe is to run
 * asInvoker with a window, and LocalSystem should load none of that (no
 * window, no GDI, no command line options anybody could hand it); the
 * service's binary path, written once by the installer, needs no option
 * to tell it from a player's start of client.exe. OpenVPN's
 * openvpnserv.exe is apart from openvpn.exe in the same way (WireGuard
 * runs one binary with /managerservice).
 *
 * It logs to %ProgramData%\lanparty\service.log (the state directory,
 * which only SYSTEM and the Administrators may change, win-acl.h). */
#include <winsock2.h>
#include <windows.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "platform-win.h"
#include "restore-win.h"
#include "route-win.h"
#include "service-pipe-server-win.h"
#include "service-session-win.h"
#include "service-win.h"
#include "win-acl.h"

#define SERVICE_NAME L"lanparty"
#define SERVICE_LOG_NAME L"service.log"
/* At start a longer log becomes service.log.old (one generation). */
#define SERVICE_LOG_ROTATE_SIZE (1024 * 1024)
#define SERVICE_START_WAIT_HINT_MS 10000
#define SERVICE_STOP_WAIT_HINT_MS 10000
/* Run by hand instead of by the service manager. */
#define EXIT_NOT_A_SERVICE 2

static HANDLE log_file = INVALID_HANDLE_VALUE;

/* From wmain()'s command line (the service's binary path). */
static ServiceSessionSettings session_settings = { .device_type = FRAME_DEVICE_TAP };
static char state_dir[WIN_PATH_MAX];
static char args_error[128];

/* SERVICE_STATUS is reported from ServiceMain's thread and from the
 * control handler's; the lock also guards `manager` for the handler. */
static CRITICAL_SECTION status_lock;
static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status = { .dwServiceType = SERVICE_WIN32_OWN_PROCESS };
static DWORD status_checkpoint;
static ServiceManager *manager;

/* "2026-12-07T22:59:44Z info: message (FIELDS)": one WriteFile() per
 * line, which FILE_APPEND_DATA keeps whole. */
static void log_backend_file(int level, int error, const LogField *fields, size_t n_fields, const char *file,
                             int line, const char *func, const char *message) {
        char tail[512], stamp[32], text[3072];
        time_t now = time(NULL);
        struct tm tm;
        DWORD written;
        int n;

        (void) error;
        (void) file;
        (void) line;
        (void) func;
        /* The session's warnings reach its pipe clients too, as the
         * window shows them in its log pane. */
        (void) service_session_log_line(level, message);
        if (log_file == INVALID_HANDLE_VALUE)
                return;
        if (gmtime_s(&tm, &now) != 0 || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(stamp, sizeof(stamp), "-");
        log_fields_format(fields, n_fields, tail, sizeof(tail));
        n = snprintf(text, sizeof(text), "%s %s%s%s\r\n", stamp, log_level_prefix(level), message, tail);
        if (n < 0)
                return;
        if ((size_t) n >= sizeof(text))
                n = (int) strlen(text);
        (void) WriteFile(log_file, text, (DWORD) n, &written, NULL);
}

/* Opens %ProgramData%\lanparty\service.log for appending, the directory
 * made or checked as client.exe's state directory is. */
static int log_file_open(void) {
        wchar_t dir[WIN_PATH_MAX], path[WIN_PATH_MAX + 16], old[WIN_PATH_MAX + 16];
        WIN32_FILE_ATTRIBUTE_DATA attr;
        int r;

        r = route_win_state_dir(NULL, dir, ELEMENTSOF(dir));
        if (r < 0)
                return r;
        r = win_acl_state_dir_prepare(dir, true);
        if (r < 0)
                return r;
        _snwprintf(path, ELEMENTSOF(path), L"%ls\\" SERVICE_LOG_NAME, dir);
        path[ELEMENTSOF(path) - 1] = L'\0';
        _snwprintf(old, ELEMENTSOF(old), L"%ls.old", path);
        old[ELEMENTSOF(old) - 1] = L'\0';
        if (GetFileAttributesExW(path, GetFileExInfoStandard, &attr) &&
            (attr.nFileSizeHigh > 0 || attr.nFileSizeLow > SERVICE_LOG_ROTATE_SIZE))
                (void) MoveFileExW(path, old, MOVEFILE_REPLACE_EXISTING);

        log_file = CreateFileW(path, FILE_APPEND_DATA | SYNCHRONIZE, FILE_SHARE_READ, win_acl_state_file_attributes(),
                               OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
        if (log_file == INVALID_HANDLE_VALUE)
                return errno_from_win32(GetLastError());
        return 0;
}

static void log_file_close(void) {
        log_set_backend(log_backend_stderr);
        if (log_file != INVALID_HANDLE_VALUE)
                CloseHandle(log_file);
        log_file = INVALID_HANDLE_VALUE;
}

/* `error`: a negative errno for STOPPED after a failure. Windows shows
 * it as the service-specific exit code (sc query: SERVICE_EXIT_CODE),
 * the errno value the log names. */
static void status_report(DWORD state, int error, DWORD wait_hint) {
        bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;

        EnterCriticalSection(&status_lock);
        status.dwCurrentState = state;
        status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
        status.dwWin32ExitCode = error < 0 ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
        status.dwServiceSpecificExitCode = error < 0 ? (DWORD) -error : 0;
        status.dwCheckPoint = pending ? ++status_checkpoint : 0;
        status.dwWaitHint = wait_hint;
        if (!SetServiceStatus(status_handle, &status))
                log_warning_errno(errno_from_win32(GetLastError()), "Cannot tell Windows the service's state: %m");
        LeaveCriticalSection(&status_lock);
}

static DWORD WINAPI control_handler(DWORD control, DWORD event_type, void *event_data, void *context) {
        (void) event_type;
        (void) event_data;
        (void) context;

        switch (control) {
        case SERVICE_CONTROL_STOP:
        case SERVICE_CONTROL_SHUTDOWN:
                log_info("Asked to stop (%s).", control == SERVICE_CONTROL_STOP ? "stop" : "Windows shuts down");
                status_report(SERVICE_STOP_PENDING, 0, SERVICE_STOP_WAIT_HINT_MS);
                EnterCriticalSection(&status_lock);
                service_manager_stop(manager);
                LeaveCriticalSection(&status_lock);
                return NO_ERROR;
        case SERVICE_CONTROL_INTERROGATE:
                return NO_ERROR;
        default:
                return ERROR_CALL_NOT_IMPLEMENTED;
        }
}

static void stop_progress(void *userdata) {
        status_report(SERVICE_STOP_PENDING, 0, SERVICE_STOP_WAIT_HINT_MS);
}

static void restore_say(void *userdata, const char *line) {
        log_info("At start: %s", line);
}

/* Before serving: what a session of ours (or a crashed client.exe) left
 * behind, undone as client.exe --restore does. No session runs yet, so
 * nothing here is ours to keep. */
static void restore_at_start(void) {
        if (restore_win_run_say(session_settings.state_dir, restore_say, NULL) != 0)
                log_warning("At start: not everything a previous session left behind could be undone; see above.");
}

/* Undoes what is left, makes the pipe ours, serves until a stop (the
 * room left first); RUNNING in between. Returns 0 or the error that
 * ended the service. */
static int serve(void) {
        ServiceManager *m = NULL;
        int r;

        if (args_error[0])
                return log_error_errno(-EINVAL, "The service's command line is wrong: %s", args_error);
        restore_at_start();

        r = service_manager_new(&(ServiceManagerConfig) { .pipe_path = SERVICE_PIPE_PATH,
                                                          .session = session_settings,
                                                          .stop_progress = stop_progress },
                                &m);
        if (r < 0)
                return r;
        EnterCriticalSection(&status_lock);
        manager = m;
        LeaveCriticalSection(&status_lock);
        status_report(SERVICE_RUNNING, 0, 0);
        log_info("lanparty service running, listening on \\\\.\\pipe\\lanparty (frame device %s, state "
                 "directory %s).",
                 frame_device_type_to_string(session_settings.device_type),
                 session_settings.state_dir ? session_settings.state_dir : "the default");
        r = service_manager_run(m);

        EnterCriticalSection(&status_lock);
        manager = NULL;
        LeaveCriticalSection(&status_lock);
        service_manager_free(m);
        return r;
}

/* START_PENDING until the pipe is ours, RUNNING until asked to stop,
 * STOPPED with the error that ended it. */
static void WINAPI service_main(DWORD argc, wchar_t **argv) {
        int r;

        (void) argc;
        (void) argv;
        status_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME, control_handler, NULL);
        if (!status_handle)
                return;
        status_report(SERVICE_START_PENDING, 0, SERVICE_START_WAIT_HINT_MS);

        /* Also without a file: the session's warnings reach its clients. */
        log_set_backend(log_backend_file);
        r = log_file_open();
        /* Without a log the service still serves. */
        if (r < 0)
                log_warning_errno(r, "Cannot open the service's log file: %m");
        log_info("lanparty service %s starting (process %lu).", LANPARTY_VERSION, GetCurrentProcessId());

        r = serve();
        if (r < 0)
                /* The code sc query shows as SERVICE_EXIT_CODE; mingw's
                 * strerror() knows none of the socket errno values. */
                log_error_errno(r, "lanparty service failed, stopping with service-specific exit code %d: %m", -r);
        else
                log_info("lanparty service stopped.");
        log_file_close();
        status_report(SERVICE_STOPPED, r, 0);
}

static void frame_device_parse(const wchar_t *value) {
        if (wcscmp(value, L"tap") == 0)
                session_settings.device_type = FRAME_DEVICE_TAP;
        else if (wcscmp(value, L"null") == 0)
                session_settings.device_type = FRAME_DEVICE_NULL;
        else
                snprintf(args_error, sizeof(args_error), "--frame-device: expected \"tap\" or \"null\", got \"%.32ls\".",
                         value);
}

static void state_dir_parse(const wchar_t *value) {
        if (wide_to_utf8(value, state_dir, sizeof(state_dir)) < 0 || !win_path_is_absolute(state_dir))
                snprintf(args_error, sizeof(args_error), "--state-dir: expected an absolute path.");
        else
                session_settings.state_dir = state_dir;
}

/* `[--frame-device tap|null] [--state-dir DIR]`; a mistake is said in
 * the log once the service runs (where an administrator looks), and the
 * start fails. */
static void args_parse(int argc, wchar_t **wargv) {
        for (int i = 1; i < argc; i++) {
                if (wcscmp(wargv[i], L"--frame-device") == 0 && i + 1 < argc)
                        frame_device_parse(wargv[++i]);
                else if (wcscmp(wargv[i], L"--state-dir") == 0 && i + 1 < argc)
                        state_dir_parse(wargv[++i]);
                else
                        snprintf(args_error, sizeof(args_error),
                                 "unknown argument \"%.32ls\" (only --frame-device tap|null, --state-dir DIR).",
                                 wargv[i]);
        }
}

/* mingw's CRT calls it with -municode; no header declares it. */
int wmain(int argc, wchar_t **wargv);
int wmain(int argc, wchar_t **wargv) {
        SERVICE_TABLE_ENTRYW table[] = { { (wchar_t *) SERVICE_NAME, service_main }, { NULL, NULL } };
        WSADATA wsa;

        if (argc == 2 && wcscmp(wargv[1], L"--version") == 0) {
                printf("lanparty-service.exe %s\n", LANPARTY_VERSION);
                return EXIT_SUCCESS;
        }
        args_parse(argc, wargv);
        /* The session's sockets. */
        if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
                fprintf(stderr, "lanparty-service.exe: cannot start Winsock.\n");
                return EXIT_FAILURE;
        }
        log_set_max_level(LOG_INFO);
        InitializeCriticalSection(&status_lock);
        /* Returns once the service has stopped. */
        if (StartServiceCtrlDispatcherW(table))
                return EXIT_SUCCESS;
        if (GetLastError() == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
                fprintf(stderr, "lanparty-service.exe is the lanparty service: Windows starts it "
                                "(sc start lanparty), it is not run by hand.\n");
                return EXIT_NOT_A_SERVICE;
        }
        fprintf(stderr, "lanparty-service.exe: cannot reach the service manager: error %lu\n", GetLastError());
        return EXIT_FAILURE;
}
