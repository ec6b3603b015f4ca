/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Reads a whole regular file of at most max_size bytes into a new
 * NUL-terminated buffer (the NUL is not counted in *ret_size). Returns 0, or
 * -errno: -EFBIG when the file is larger than max_size, -EISDIR/-EINVAL for
 * directories and other non-regular files. */
int read_file_bounded(const char *path, size_t max_size, char **ret, size_t *ret_size);

/* Files holding secrets (room keys, invite links) must be their owner's
 * alone: false when the group or others have any access. */
bool file_mode_is_private(mode_t mode);

/* read_file_bounded() for such a file: -EPERM when file_mode_is_private()
 * says no, with the mode in *ret_mode (may be NULL) either way. Nothing is
 * read from a refused file. */
int read_private_file_bounded(const char *path, size_t max_size, char **ret, size_t *ret_size, mode_t *ret_mode);
