/* SPDX-License-Identifier: MIT */
#pragma once

/* The little the Windows backends (tap-win.c, route-win.c, identity-win.c)
 * share: Win32 errors as errno, UTF-8 <-> UTF-16 at the API boundary, and
 * small files written so a crash leaves the old or the new contents. */

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/* Windows paths are at most 32767 UTF-16 units with the \\?\ prefix; ours
 * (state files, the MAC file) stay far below the classic MAX_PATH anyway. */
#define WIN_PATH_MAX 1024

/* A Win32 error code (GetLastError(), a NETIO_STATUS, a registry LSTATUS)
 * as a negative errno; 0 stays 0. */
int errno_from_win32(unsigned long error);

/* Strict conversions: invalid input is -EILSEQ, a buffer too small
 * -ENAMETOOLONG. `size` counts elements including the terminator. */
int utf8_to_wide(const char *s, wchar_t *buf, size_t size);
int wide_to_utf8(const wchar_t *s, char *buf, size_t size);

/* Creates every missing directory above `path` (not `path` itself).
 * Knows drive letters ("C:\") and UNC shares ("\\server\share\"). */
int win_mkdir_parents(const wchar_t *path);
/* Reads at most `size` bytes. -ENOENT when the file does not exist,
 * -EISDIR when `path` is a directory. Returns the number of bytes read. */
int win_read_small_file(const wchar_t *path, void *buf, size_t size);
/* The same from an open file HANDLE, from where it stands. */
int win_read_small_handle(void *handle, void *buf, size_t size);
/* Writes "<path>.tmp", flushes it to disk and moves it over `path`. A
 * "<path>.tmp" already there is deleted first and the new one created
 * afresh, never opened: it might be a hard link someone else planted.
 * `security` (may be NULL: inherited) is its SECURITY_ATTRIBUTES. */
struct _SECURITY_ATTRIBUTES;
int win_write_file_atomic(const wchar_t *path, const void *data, size_t len, struct _SECURITY_ATTRIBUTES *security);
/* Whether `path` is absolute: "X:\" or "X:/", or a UNC path. */
int win_path_is_absolute(const char *path);
