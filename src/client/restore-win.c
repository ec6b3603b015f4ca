/* SPDX-License-Identifier: MIT */
/* client.exe --restore; see restore-win.h. */
#include "restore-win.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <windows.h>

#include "log.h"
#include "platform-win.h"
#include "restore-win-plan.h"
#include "route-win.h"
#include "route.h"
#include "win-acl.h"

static bool file_exists(const wchar_t *dir, const char *instance, const char *suffix) {
        wchar_t path[WIN_PATH_MAX + ROUTE_INSTANCE_MAX + 32];

        _snwprintf(path, ELEMENTSOF(path), L"%ls\\routes-%hs.%hs", dir, instance, suffix);
        path[ELEMENTSOF(path) - 1] = L'\0';
        return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

static void file_remove(const wchar_t *dir, const wchar_t *name) {
        wchar_t path[WIN_PATH_MAX + MAX_PATH + 2];

        _snwprintf(path, ELEMENTSOF(path), L"%ls\\%ls", dir, name);
        path[ELEMENTSOF(path) - 1] = L'\0';
        if (!DeleteFileW(path) && GetLastError() != ERROR_FILE_NOT_FOUND)
                log_debug_errno(errno_from_win32(GetLastError()), "Cannot remove %ls, ignoring: %m", name);
}

/* Every instance with files in `dir`; stale .tmp files go at once. */
static int instances_find(const wchar_t *dir, RestoreInstances *ret) {
        wchar_t pattern[WIN_PATH_MAX + 16];
        WIN32_FIND_DATAW fd;
        HANDLE h;

        _snwprintf(pattern, ELEMENTSOF(pattern), L"%ls\\routes-*", dir);
        pattern[ELEMENTSOF(pattern) - 1] = L'\0';
        h = FindFirstFileExW(pattern, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
        if (h == INVALID_HANDLE_VALUE)
                return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : errno_from_win32(GetLastError());
        do {
                char name[MAX_PATH * 3], instance[ROUTE_INSTANCE_MAX + 1];
                RestoreFileKind kind;

                if (fd.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT))
                        continue;
                if (wide_to_utf8(fd.cFileName, name, sizeof(name)) < 0)
                        continue;
                kind = restore_file_classify(name, instance);
                if (kind == RESTORE_FILE_TMP)
                        file_remove(dir, fd.cFileName);
                else if (kind >= 0 && restore_instances_add(ret, instance) == -ENOSPC)
                        log_warning("More than %d kinds of state in the state directory; %s is left for another run.",
                                    RESTORE_INSTANCES_MAX, name);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
        return 0;
}

typedef struct RestoreSay {
        void (*say)(void *userdata, const char *line);
        void *userdata;
} RestoreSay;

static void say(const RestoreSay *to, const char *format, ...) _printf_(2, 3);
static void say(const RestoreSay *to, const char *format, ...) {
        char line[WIN_PATH_MAX + 512];
        va_list ap;

        va_start(ap, format);
        vsnprintf(line, sizeof(line), format, ap);
        va_end(ap);
        to->say(to->userdata, line);
}

static int restore_run(const char *state_dir, const RestoreSay *out) {
        RestoreInstances found = {};
        wchar_t dir[WIN_PATH_MAX], lock[ROUTE_INSTANCE_MAX + 16];
        char where[WIN_PATH_MAX];
        bool failed = false;
        int r;

        r = route_win_state_dir(state_dir, dir, ELEMENTSOF(dir));
        if (r < 0 || wide_to_utf8(dir, where, sizeof(where)) < 0) {
                say(out, "Invalid state directory.");
                return 1;
        }
        if (GetFileAttributesW(dir) == INVALID_FILE_ATTRIBUTES) {
                r = errno_from_win32(GetLastError());
                if (r == -ENOENT) {
                        say(out, "Nothing to undo: %s does not exist.", where);
                        return 0;
                }
                say(out, "Cannot look at %s: %s.", where, strerror(-r));
                return 1;
        }
        /* The default one: nothing is undone from a directory somebody
         * else made (route_manager_new() would say so for each instance). */
        if (!state_dir && win_acl_state_dir_prepare(dir, true) < 0) {
                say(out, "Not undoing anything from %s: see the message above.", where);
                return 1;
        }

        r = instances_find(dir, &found);
        if (r < 0) {
                say(out, "Cannot list %s: %s.", where, strerror(-r));
                return 1;
        }
        if (found.n == 0) {
                say(out, "Nothing to undo in %s.", where);
                return 0;
        }

        for (size_t i = 0; i < found.n; i++) {
                const char *instance = found.names[i];
                RouteManager *m = NULL;
                bool had;

                had = file_exists(dir, instance, "state") || file_exists(dir, instance, "interfaces");
                r = route_manager_new(instance, state_dir, &m);
                if (r == -EBUSY) {
                        say(out, "%s: lanparty is running; leave the party, then try again.", instance);
                        failed = true;
                        continue;
                }
                if (r < 0) {
                        say(out, "%s: cannot undo what was left behind: see the messages above.", instance);
                        failed = true;
                        continue;
                }
                /* route_manager_new() undid what it could; what it could
                 * not stays recorded. */
                route_manager_free(m);
                if (file_exists(dir, instance, "state") || file_exists(dir, instance, "interfaces")) {
                        say(out,
                            "%s: some of what lanparty changed could not be undone (see the messages above); it "
                            "stays recorded in %s.",
                            instance, where);
                        failed = true;
                } else
                        say(out, "%s: %s.", instance, had ? "done, nothing recorded is left" : "nothing was recorded");
                _snwprintf(lock, ELEMENTSOF(lock), L"routes-%hs.lock", instance);
                lock[ELEMENTSOF(lock) - 1] = L'\0';
                file_remove(dir, lock);
        }
        return failed ? 1 : 0;
}

static void say_file(void *userdata, const char *line) {
        fprintf(userdata, "%s\n", line);
}

int restore_win_run(const char *state_dir, FILE *out) {
        return restore_run(state_dir, &(RestoreSay) { .say = say_file, .userdata = out });
}

int restore_win_run_say(const char *state_dir, void (*say_line)(void *userdata, const char *line), void *userdata) {
        return restore_run(state_dir, &(RestoreSay) { .say = say_line, .userdata = userdata });
}
