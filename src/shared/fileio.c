/* SPDX-License-Identifier: MIT */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

bool file_mode_is_private(mode_t mode) {
        return (mode & 0077) == 0;
}

static int read_bounded(const char *path, size_t max_size, bool private, char **ret, size_t *ret_size,
                        mode_t *ret_mode) {
        _cleanup_(closep) int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        struct stat st;

        if (!path || !ret)
                return -EINVAL;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if (ret_mode)
                *ret_mode = st.st_mode;
        if (private && !file_mode_is_private(st.st_mode))
                return -EPERM;
        if ((uint64_t) st.st_size > max_size)
                return -EFBIG;

        /* The file may grow between fstat() and read(): read up to one byte
         * past the limit to notice. */
        buf = malloc(max_size + 2);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf + size, max_size + 1 - size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max_size)
                        return -EFBIG;
        }
        buf[size] = '\0';

        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int read_file_bounded(const char *path, size_t max_size, char **ret, size_t *ret_size) {
        return read_bounded(path, max_size, false, ret, ret_size, NULL);
}

int read_private_file_bounded(const char *path, size_t max_size, char **ret, size_t *ret_size, mode_t *ret_mode) {
        return read_bounded(path, max_size, true, ret, ret_size, ret_mode);
}
