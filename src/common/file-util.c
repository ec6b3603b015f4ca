/* SPDX-License-Identifier: MIT */
#include "file-util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef _WIN32
#  include <io.h>
#else
#  include <unistd.h>
#endif

#include "macro.h"

#ifndef O_CLOEXEC
#  define O_CLOEXEC 0
#endif
#ifndef O_NOCTTY
#  define O_NOCTTY 0
#endif
/* Windows opens files in text mode unless told otherwise. */
#ifndef O_BINARY
#  define O_BINARY 0
#endif

int read_fd_bounded(int fd, const struct stat *st, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;

        if (fd < 0 || !st || !ret)
                return -EINVAL;
        if (S_ISDIR(st->st_mode))
                return -EISDIR;
        if (!S_ISREG(st->st_mode))
                return -EINVAL;
        if ((uint64_t) st->st_size > max_size)
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

int open_and_stat(const char *path, struct stat *st) {
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_BINARY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, st) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

int read_file_bounded(const char *path, size_t max_size, char **ret, size_t *ret_size) {
        struct stat st;
        int fd, r;

        if (!path || !ret)
                return -EINVAL;
        fd = open_and_stat(path, &st);
        if (fd < 0)
                return fd;
        r = read_fd_bounded(fd, &st, max_size, ret, ret_size);
        close(fd);
        return r;
}

int write_file_atomic(const char *path, const void *data, size_t len, int mode) {
        char tmp[4096];
        const uint8_t *p = data;
        int fd, r = 0;

        if ((size_t) snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
                return -ENAMETOOLONG;

        (void) unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_BINARY, mode);
        if (fd < 0)
                return -errno;

        while (len > 0) {
                unsigned chunk = len > INT_MAX ? INT_MAX : (unsigned) len;
                int n = (int) write(fd, p, chunk);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                p += n;
                len -= (size_t) n;
        }
#ifdef _WIN32
        if (r == 0 && _commit(fd) < 0)
                r = -errno;
#else
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
#endif
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}
