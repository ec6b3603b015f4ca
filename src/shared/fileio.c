/* SPDX-License-Identifier: MIT */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"

static bool gid_is_ours(gid_t gid) {
        gid_t groups[NGROUPS_MAX];
        int n;

        if (gid == getegid())
                return true;
        n = getgroups(NGROUPS_MAX, groups);
        for (int i = 0; i < n; i++)
                if (groups[i] == gid)
                        return true;
        return false;
}

static const char *group_name(gid_t gid, char *buf, size_t size) {
        struct group grp, *result = NULL;
        char scratch[1024];

        if (getgrgid_r(gid, &grp, scratch, sizeof(scratch), &result) == 0 && result)
                snprintf(buf, size, "%s", result->gr_name);
        else
                snprintf(buf, size, "%u", (unsigned) gid);
        return buf;
}

int file_check_private(const struct stat *st, PrivateAccess access, char *reason, size_t reason_size) {
        unsigned mode;
        char name[64];

        if (!st || !reason)
                return -EINVAL;
        mode = (unsigned) (st->st_mode & 07777);

        if (S_ISDIR(st->st_mode)) {
                if (mode & (S_IWGRP | S_IWOTH)) {
                        snprintf(reason, reason_size, "may be changed by other users (mode %04o)", mode);
                        return -EPERM;
                }
                return 0;
        }
        if (mode & S_IRWXO) {
                snprintf(reason, reason_size, "may be %s by other users (mode %04o)",
                         mode & S_IROTH ? "read" : "changed", mode);
                return -EPERM;
        }
        if (!(mode & S_IRWXG))
                return 0;
        if (mode & (S_IWGRP | S_IXGRP)) {
                snprintf(reason, reason_size, "may be changed by the members of group %s (mode %04o)",
                         group_name(st->st_gid, name, sizeof(name)), mode);
                return -EPERM;
        }
        if (access != PRIVATE_GROUP_READ) {
                snprintf(reason, reason_size, "may be read by the members of group %s (mode %04o)",
                         group_name(st->st_gid, name, sizeof(name)), mode);
                return -EPERM;
        }
        if (!gid_is_ours(st->st_gid)) {
                snprintf(reason, reason_size,
                         "may be read by the members of group %s (mode %04o), which this process is not in",
                         group_name(st->st_gid, name, sizeof(name)), mode);
                return -EPERM;
        }
        return 0;
}

int read_private_file(const char *path, size_t max_size, PrivateAccess access, char **ret, size_t *ret_size,
                      char *reason, size_t reason_size) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (!path || !ret || !reason)
                return -EINVAL;
        fd = open_and_stat(path, &st);
        if (fd < 0)
                return fd;
        /* What is no regular file or too large is that first. */
        if (!S_ISDIR(st.st_mode) && S_ISREG(st.st_mode) && (uint64_t) st.st_size <= max_size) {
                r = file_check_private(&st, access, reason, reason_size);
                if (r < 0)
                        return r;
        }
        return read_fd_bounded(fd, &st, max_size, ret, ret_size);
}
