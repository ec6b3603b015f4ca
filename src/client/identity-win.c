/* SPDX-License-Identifier: MIT */
/* identity.h on Windows: the MAC lives in %LOCALAPPDATA%\lanparty\client-mac,
 * per user and not roaming (a MAC belongs to one machine's adapter). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "ether.h"
#include "identity.h"
#include "log.h"
#include "platform-win.h"

#define IDENTITY_RELATIVE_PATH "lanparty\\client-mac"
/* A little more than a valid file holds, to tell "too long" from "right". */
#define IDENTITY_READ_MAX 64

/* Environment values arrive in UTF-16; names in the path may be anything. */
static int getenv_utf8(const wchar_t *name, char *buf, size_t size) {
        const wchar_t *v = _wgetenv(name);

        if (!v || v[0] == L'\0')
                return -ENOENT;
        return wide_to_utf8(v, buf, size);
}

int identity_mac_path(char *buf, size_t size) {
        char base[WIN_PATH_MAX];
        int r, n;

        if (!buf || size == 0)
                return -EINVAL;

        r = getenv_utf8(L"LOCALAPPDATA", base, sizeof(base));
        if (r >= 0 && win_path_is_absolute(base))
                n = snprintf(buf, size, "%s\\" IDENTITY_RELATIVE_PATH, base);
        else {
                /* Services and stripped-down environments may lack it. */
                r = getenv_utf8(L"USERPROFILE", base, sizeof(base));
                if (r < 0 || !win_path_is_absolute(base))
                        return -ENOENT;
                n = snprintf(buf, size, "%s\\AppData\\Local\\" IDENTITY_RELATIVE_PATH, base);
        }
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return 0;
}

/* userdata: the path as UTF-16, for the Win32 calls. */
static int store_identity_file(const char *path, const char *text, void *userdata) {
        const wchar_t *wpath = userdata;
        int r;

        r = win_mkdir_parents(wpath);
        if (r < 0)
                return r;
        return win_write_file_atomic(wpath, text, IDENTITY_FILE_LEN, NULL);
}

int identity_mac_load(const char *path, MacAddr *ret) {
        char default_path[WIN_PATH_MAX], buf[IDENTITY_READ_MAX];
        wchar_t wpath[WIN_PATH_MAX], wcorrupt[WIN_PATH_MAX + 8];
        MacAddr mac;
        int r, n;

        if (!ret)
                return -EINVAL;
        if (!path) {
                r = identity_mac_path(default_path, sizeof(default_path));
                if (r == -ENOENT)
                        return log_error_errno(r, "Cannot place the virtual MAC file: neither %%LOCALAPPDATA%% "
                                                  "nor %%USERPROFILE%% is set.");
                if (r < 0)
                        return log_error_errno(r, "Cannot place the virtual MAC file: %m");
                path = default_path;
        }
        r = utf8_to_wide(path, wpath, ELEMENTSOF(wpath));
        if (r < 0)
                return log_error_errno(r, "Invalid virtual MAC file name %s: %m", path);

        n = win_read_small_file(wpath, buf, sizeof(buf));
        if (n == -ENOENT)
                return identity_mac_generate_and_store(path, store_identity_file, wpath, ret);
        if (n == -EISDIR)
                return log_error_errno(EEXIST, "Virtual MAC file %s is not a regular file; move it away.", path);
        if (n < 0)
                return log_error_errno(n, "Failed to read virtual MAC file %s: %m", path);

        if (identity_mac_parse(buf, (size_t) n, &mac) >= 0) {
                *ret = mac;
                return 0;
        }

        /* As on Linux: a damaged one-line file must not stop the client;
         * the old bytes stay next to it. */
        if (_snwprintf(wcorrupt, ELEMENTSOF(wcorrupt), L"%ls.corrupt", wpath) < 0)
                return log_error_errno(ENAMETOOLONG, "Virtual MAC file %s is corrupt: %m", path);
        wcorrupt[ELEMENTSOF(wcorrupt) - 1] = L'\0';
        if (!MoveFileExW(wpath, wcorrupt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
                return log_error_errno(errno_from_win32(GetLastError()),
                                       "Virtual MAC file %s is corrupt and cannot be moved aside: %m", path);
        log_warning("Virtual MAC file %s is corrupt (expected one line \"xx:xx:xx:xx:xx:xx\" with a locally "
                    "administered unicast MAC); moved it to %s.corrupt and generating a new MAC.",
                    path, path);
        return identity_mac_generate_and_store(path, store_identity_file, wpath, ret);
}
