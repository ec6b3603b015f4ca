/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "invite-input.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

_printf_(4, 5) static int input_error(int r, char *error, size_t error_size, const char *format, ...) {
        va_list ap;

        if (error && error_size > 0) {
                va_start(ap, format);
                vsnprintf(error, error_size, format, ap);
                va_end(ap);
        }
        return r;
}

/* What invite_from_file_data()'s errors mean to the person who made the file. */
static int link_from_data(const uint8_t *data, size_t len, const char *what, char *link, size_t size, char *error,
                          size_t error_size) {
        int r = invite_from_file_data(data, len, link, size);

        switch (r) {
        case 0:
                return 0;
        case -EFBIG:
                return input_error(r, error, error_size, "%s is larger than %d bytes: not an invite link.", what,
                                   CLIENT_WIN_INVITE_FILE_MAX);
        case -ENOMSG:
                return input_error(r, error, error_size, "%s holds no invite link: it is empty.", what);
        case -EBADMSG:
                return input_error(r, error, error_size,
                                   "%s holds no invite link: its first line that is not blank or a # comment "
                                   "must start with lanparty://.",
                                   what);
        default:
                return input_error(r, error, error_size, "Cannot read the invite link from %s: %s.", what,
                                   strerror(-r));
        }
}

static bool line_is_skipped(const char *line, size_t len) {
        size_t i = 0;

        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
                i++;
        return i == len || line[i] == '#';
}

int invite_input_read_fd(int fd, const char *what, char *link, size_t size, char *error, size_t error_size) {
        char buf[CLIENT_WIN_INVITE_FILE_MAX + 1];
        size_t len = 0, line_start = 0;
        int r;

        /* One byte at a time: stop right after the link's line, so a
         * terminal needs no end of file and nothing more is consumed. */
        while (len < sizeof(buf)) {
                ssize_t n = read(fd, buf + len, 1);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        explicit_bzero(buf, sizeof(buf));
                        return input_error(r, error, error_size, "Cannot read %s: %s.", what, strerror(-r));
                }
                if (n == 0)
                        break;
                len++;
                if (buf[len - 1] != '\n')
                        continue;
                if (!line_is_skipped(buf + line_start, len - 1 - line_start))
                        break;
                line_start = len;
        }
        r = link_from_data((const uint8_t *) buf, len, what, link, size, error, error_size);
        explicit_bzero(buf, sizeof(buf));
        return r;
}

int invite_input_read_file(const char *path, char *link, size_t size, char *error, size_t error_size) {
        _cleanup_free_ char *data = NULL;
        char what[PATH_MAX + 32], reason[FILE_PRIVATE_REASON_MAX];
        size_t len = 0;
        int r;

        if (!path || !link)
                return -EINVAL;
        if (strcmp(path, "-") == 0)
                return invite_input_read_fd(STDIN_FILENO, "standard input", link, size, error, error_size);

        snprintf(what, sizeof(what), "Invite file %s", path);
        r = read_private_file(path, CLIENT_WIN_INVITE_FILE_MAX, PRIVATE_OWNER_ONLY, &data, &len, reason,
                              sizeof(reason));
        if (r == -EPERM)
                return input_error(r, error, error_size,
                                   "Invite file %s %s; refusing to use it: the room key in it is a secret. Run "
                                   "'chmod 600 %s', and ask for a new link if others may have read it.",
                                   path, reason, path);
        if (r == -EFBIG)
                return input_error(r, error, error_size, "%s is larger than %d bytes: not an invite link.", what,
                                   CLIENT_WIN_INVITE_FILE_MAX);
        if (r == -EISDIR || r == -EINVAL)
                return input_error(r, error, error_size, "%s is not a regular file.", what);
        if (r < 0)
                return input_error(r, error, error_size, "Cannot read invite file %s: %s.", path, strerror(-r));

        r = link_from_data((const uint8_t *) data, len, what, link, size, error, error_size);
        explicit_bzero(data, len);
        return r;
}

int invite_input_take_env(const char *name, char *link, size_t size) {
        char *value = getenv(name);
        size_t len;
        int r = 1;

        if (!value)
                return 0;
        len = strlen(value);
        if (len >= size)
                r = -ENOBUFS;
        else
                memcpy(link, value, len + 1);
        /* getenv() points into the environment block the kernel shows in
         * /proc/PID/environ; unsetenv() alone would leave the bytes there. */
        explicit_bzero(value, len);
        (void) unsetenv(name);
        return r;
}

void invite_input_wipe_argument(char *arg) {
        if (arg)
                explicit_bzero(arg, strlen(arg));
}
