/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Reads a whole regular file of at most max_size bytes into a new
 * NUL-terminated buffer (the NUL is not counted in *ret_size). Returns 0, or
 * -errno: -EFBIG when the file is larger than max_size, -EISDIR/-EINVAL for
 * directories and other non-regular files. */
int read_file_bounded(const char *path, size_t max_size, char **ret, size_t *ret_size);
