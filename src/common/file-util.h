/* SPDX-License-Identifier: MIT */
#pragma once

/* Whole small files: read with a size limit (certificates, keys, config
 * and token files, the client's identity) and written atomically.
 * Portable (Linux and mingw), so src/common's certificate code and
 * src/shared's private-file checks (fileio.h) share them. */

#include <stddef.h>
/* Not a forward declaration: mingw's 64-bit file offsets rename struct
 * stat with a macro in here. */
#include <sys/stat.h>

/* Reads a whole regular file of at most max_size bytes into a new
 * NUL-terminated buffer (the NUL is not counted in *ret_size). Returns 0, or
 * -errno: -EFBIG when the file is larger than max_size, -EISDIR/-EINVAL for
 * directories and other non-regular files. */
int read_file_bounded(const char *path, size_t max_size, char **ret, size_t *ret_size);

/* The same for an fd the caller opened and fstat()ed (st is its stat):
 * for checks between open and read. Does not close fd. */
int read_fd_bounded(int fd, const struct stat *st, size_t max_size, char **ret, size_t *ret_size);

/* open() for reading with O_CLOEXEC and O_NOCTTY where they exist, then
 * fstat(). Returns the fd or -errno. */
int open_and_stat(const char *path, struct stat *st);

/* Writes `len` bytes to PATH.tmp (mode for a new file), flushes it to disk
 * and renames it over path, so a crash never leaves a half-written file
 * (a key that would later be "reused"). Returns 0 or -errno; the
 * temporary file is removed on failure. */
int write_file_atomic(const char *path, const void *data, size_t len, int mode);
