/* SPDX-License-Identifier: MIT */
#include "platform-win.h"

#include <errno.h>
#include <string.h>
#include <windows.h>

#include "macro.h"
#include "win-handle.h"

int errno_from_win32(unsigned long error) {
        switch (error) {
        case ERROR_SUCCESS:
                return 0;
        case ERROR_FILE_NOT_FOUND:
        case ERROR_PATH_NOT_FOUND:
        case ERROR_NOT_FOUND:
        case ERROR_INVALID_DRIVE:
                return -ENOENT;
        case ERROR_ACCESS_DENIED:
        case ERROR_PRIVILEGE_NOT_HELD:
                return -EACCES;
        case ERROR_SHARING_VIOLATION:
        case ERROR_LOCK_VIOLATION:
        case ERROR_BUSY:
                return -EBUSY;
        case ERROR_ALREADY_EXISTS:
        case ERROR_FILE_EXISTS:
        case ERROR_OBJECT_ALREADY_EXISTS:
                return -EEXIST;
        case ERROR_NOT_ENOUGH_MEMORY:
        case ERROR_OUTOFMEMORY:
                return -ENOMEM;
        case ERROR_NO_SYSTEM_RESOURCES:
        case ERROR_NOT_ENOUGH_QUOTA:
                return -ENOBUFS;
        case ERROR_INVALID_PARAMETER:
        case ERROR_INVALID_NAME:
                return -EINVAL;
        case ERROR_INSUFFICIENT_BUFFER:
        case ERROR_MORE_DATA:
                return -EMSGSIZE;
        case ERROR_FILENAME_EXCED_RANGE:
                return -ENAMETOOLONG;
        case ERROR_NOT_SUPPORTED:
        case ERROR_INVALID_FUNCTION:
                return -EOPNOTSUPP;
        case ERROR_OPERATION_ABORTED:
                return -ECANCELED;
        case ERROR_DEVICE_NOT_CONNECTED:
        case ERROR_DEV_NOT_EXIST:
        case ERROR_FILE_INVALID:
        case ERROR_BROKEN_PIPE:
        case ERROR_NO_DATA:
        case ERROR_PIPE_NOT_CONNECTED:
                return -ENETDOWN;
        case ERROR_NETWORK_UNREACHABLE:
        case ERROR_HOST_UNREACHABLE:
                return -ENETUNREACH;
        case ERROR_INVALID_HANDLE:
                return -EBADF;
        case ERROR_DISK_FULL:
                return -ENOSPC;
        default:
                return -EIO;
        }
}

int utf8_to_wide(const char *s, wchar_t *buf, size_t size) {
        int n;

        if (!s || !buf || size == 0 || size > INT32_MAX)
                return -EINVAL;
        n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, buf, (int) size);
        if (n <= 0)
                return GetLastError() == ERROR_INSUFFICIENT_BUFFER ? -ENAMETOOLONG : -EILSEQ;
        return 0;
}

int wide_to_utf8(const wchar_t *s, char *buf, size_t size) {
        int n;

        if (!s || !buf || size == 0 || size > INT32_MAX)
                return -EINVAL;
        n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, s, -1, buf, (int) size, NULL, NULL);
        if (n <= 0)
                return GetLastError() == ERROR_INSUFFICIENT_BUFFER ? -ENAMETOOLONG : -EILSEQ;
        return 0;
}

static int is_sep(wchar_t c) {
        return c == L'\\' || c == L'/';
}

int win_path_is_absolute(const char *p) {
        if (!p)
                return 0;
        if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':' &&
            (p[2] == '\\' || p[2] == '/'))
                return 1;
        return (p[0] == '\\' && p[1] == '\\') || (p[0] == '/' && p[1] == '/');
}

int win_mkdir_parents(const wchar_t *path) {
        wchar_t buf[WIN_PATH_MAX];
        size_t len = wcslen(path), start = 0;

        if (len >= ELEMENTSOF(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, (len + 1) * sizeof(wchar_t));

        /* Never try to create the drive or the share itself. */
        if (len >= 3 && buf[1] == L':' && is_sep(buf[2]))
                start = 3;
        else if (len >= 2 && is_sep(buf[0]) && is_sep(buf[1])) {
                unsigned seps = 0;

                for (start = 2; start < len && seps < 2; start++)
                        if (is_sep(buf[start]))
                                seps++;
        }

        for (size_t i = start; i < len; i++) {
                wchar_t c = buf[i];

                if (!is_sep(c) || i == 0 || is_sep(buf[i - 1]))
                        continue;
                buf[i] = L'\0';
                if (!CreateDirectoryW(buf, NULL)) {
                        DWORD e = GetLastError();

                        if (e != ERROR_ALREADY_EXISTS)
                                return errno_from_win32(e);
                }
                buf[i] = c;
        }
        return 0;
}

int win_read_small_file(const wchar_t *path, void *buf, size_t size) {
        _cleanup_(handle_closep) HANDLE h = INVALID_HANDLE_VALUE;
        DWORD attrs;

        if (!path || !buf || size > INT32_MAX)
                return -EINVAL;
        attrs = GetFileAttributesW(path);
        if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY))
                return -EISDIR;

        h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE)
                return errno_from_win32(GetLastError());
        return win_read_small_handle(h, buf, size);
}

int win_read_small_handle(void *handle, void *buf, size_t size) {
        size_t have = 0;

        if (!handle || handle == INVALID_HANDLE_VALUE || !buf || size > INT32_MAX)
                return -EINVAL;
        while (have < size) {
                DWORD n = 0;

                if (!ReadFile(handle, (char *) buf + have, (DWORD) (size - have), &n, NULL))
                        return errno_from_win32(GetLastError());
                if (n == 0)
                        break;
                have += n;
        }
        return (int) have;
}

static void delete_filep(wchar_t **path) {
        if (*path)
                (void) DeleteFileW(*path);
}

int win_write_file_atomic(const wchar_t *path, const void *data, size_t len, SECURITY_ATTRIBUTES *security) {
        wchar_t tmp[WIN_PATH_MAX];
        _cleanup_(delete_filep) wchar_t *remove_tmp = NULL;
        HANDLE h;
        DWORD done = 0;
        int r = 0;

        if (!path || (!data && len > 0) || len > INT32_MAX)
                return -EINVAL;
        if (wcslen(path) + 5 >= ELEMENTSOF(tmp))
                return -ENAMETOOLONG;
        wcscpy(tmp, path);
        wcscat(tmp, L".tmp");

        /* CREATE_ALWAYS would write through whatever is there. */
        if (!DeleteFileW(tmp) && GetLastError() != ERROR_FILE_NOT_FOUND)
                return errno_from_win32(GetLastError());
        h = CreateFileW(tmp, GENERIC_WRITE, 0, security, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE)
                return errno_from_win32(GetLastError());
        remove_tmp = tmp;

        while (r == 0 && done < len) {
                DWORD n = 0;

                if (!WriteFile(h, (const char *) data + done, (DWORD) (len - done), &n, NULL))
                        r = errno_from_win32(GetLastError());
                done += n;
        }
        if (r == 0 && !FlushFileBuffers(h))
                r = errno_from_win32(GetLastError());
        CloseHandle(h);
        if (r < 0)
                return r;

        if (!MoveFileExW(tmp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
                return errno_from_win32(GetLastError());
        remove_tmp = NULL;
        return 0;
}
