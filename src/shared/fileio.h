/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* read_file_bounded() itself lives in src/common, which the certificate
 * code there shares. */
#include "file-util.h"

/* Who besides us may use a file or directory that holds secrets: the one
 * rule for the room key, the dev certificate's key, gateway token files,
 * --key and the state directories, after ssh's for private keys.
 *
 * Files: other users may not read, write or execute them, nor may the
 * file's group write or execute them. The group may read only files the
 * admin hands us (PRIVATE_GROUP_READ: a token file or TLS key made
 * readable to the service user by `chgrp lanparty-relayd FILE; chmod 640
 * FILE`), and then only a group this process runs in: any other group's
 * members are other users. Files we make ourselves are 0600
 * (PRIVATE_OWNER_ONLY).
 *
 * Directories: nobody else may write to them (or could swap the secrets
 * inside); listing them shows only names, each secret file is checked
 * itself.
 *
 * Returns 0, or -EPERM with why in `reason` ("may be read by other users
 * (mode 0644)"), for the caller to put after the path and before what to
 * do about it. */
typedef enum PrivateAccess {
        PRIVATE_OWNER_ONLY,
        PRIVATE_GROUP_READ,
} PrivateAccess;

#define FILE_PRIVATE_REASON_MAX 160

struct stat;
int file_check_private(const struct stat *st, PrivateAccess access, char *reason, size_t reason_size);

/* read_file_bounded() for a file holding secrets: -EPERM, with why in
 * `reason` and nothing read, when file_check_private() refuses the file
 * it opened. */
int read_private_file(const char *path, size_t max_size, PrivateAccess access, char **ret, size_t *ret_size,
                      char *reason, size_t reason_size);
