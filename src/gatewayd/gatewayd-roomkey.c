/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "gatewayd-roomkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

/* Anything longer is not a key file; read one byte more to notice. */
#define ROOM_KEY_READ_MAX (ROOM_KEY_TEXT_LEN + 1)

_printf_(3, 4) static int key_error(char **ret_error, int error, const char *format, ...) {
        va_list ap;
        char *s;

        if (!ret_error)
                return -error;
        va_start(ap, format);
        if (vasprintf(&s, format, ap) < 0)
                s = NULL;
        va_end(ap);
        if (!s)
                return -ENOMEM;
        for (char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = '?';
        free(*ret_error);
        *ret_error = s;
        return -error;
}

int room_key_parse(const char *data, size_t size, uint8_t key[static LP_ROOM_KEY_SIZE]) {
        uint8_t buf[LP_ROOM_KEY_SIZE];
        size_t n;

        if (!data || size != ROOM_KEY_TEXT_LEN || data[size - 1] != '\n')
                return -EBADMSG;
        if (b64url_decode(data, size - 1, buf, sizeof(buf), &n) < 0 || n != sizeof(buf))
                return -EBADMSG;
        memcpy(key, buf, sizeof(buf));
        explicit_bzero(buf, sizeof(buf));
        return 0;
}

int room_key_format(const uint8_t key[static LP_ROOM_KEY_SIZE], char buf[static ROOM_KEY_TEXT_LEN + 1]) {
        int r;

        r = b64url_encode(key, LP_ROOM_KEY_SIZE, buf, ROOM_KEY_TEXT_LEN);
        if (r < 0)
                return r;
        buf[ROOM_KEY_TEXT_LEN - 1] = '\n';
        buf[ROOM_KEY_TEXT_LEN] = '\0';
        return 0;
}

static int room_key_read_at(int dir_fd, const char *dir, uint8_t key[static LP_ROOM_KEY_SIZE], char **ret_error) {
        _cleanup_close_ int fd = -EBADF;
        char buf[ROOM_KEY_READ_MAX], reason[FILE_PRIVATE_REASON_MAX];
        size_t size = 0;
        struct stat st;
        int r;

        /* No symlinks: the key must be the file in our own directory. */
        fd = openat(dir_fd, ROOM_KEY_FILE_NAME, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                return key_error(ret_error, errno, "Cannot open room key %s/%s: %s", dir, ROOM_KEY_FILE_NAME,
                                 strerror(errno));
        }
        if (fstat(fd, &st) < 0)
                return key_error(ret_error, errno, "Cannot stat room key %s/%s: %s", dir, ROOM_KEY_FILE_NAME,
                                 strerror(errno));
        if (!S_ISREG(st.st_mode))
                return key_error(ret_error, EBADMSG, "Room key %s/%s is not a regular file.", dir,
                                 ROOM_KEY_FILE_NAME);
        if (file_check_private(&st, PRIVATE_OWNER_ONLY, reason, sizeof(reason)) < 0)
                return key_error(ret_error, EPERM,
                                 "Room key %s/%s %s; refusing to use it. "
                                 "Run 'chmod 600' on it if it was not exposed, else remove it to generate a "
                                 "new key (old invite links stop working).",
                                 dir, ROOM_KEY_FILE_NAME, reason);

        for (;;) {
                ssize_t n = read(fd, buf + size, sizeof(buf) - size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = errno;
                        explicit_bzero(buf, sizeof(buf));
                        return key_error(ret_error, r, "Cannot read room key %s/%s: %s", dir, ROOM_KEY_FILE_NAME,
                                         strerror(r));
                }
                if (n == 0 || size + (size_t) n == sizeof(buf)) {
                        size += (size_t) n;
                        break;
                }
                size += (size_t) n;
        }

        r = room_key_parse(buf, size, key);
        explicit_bzero(buf, sizeof(buf));
        if (r < 0)
                return key_error(ret_error, EBADMSG,
                                 "Room key %s/%s is damaged (expected 43 base64url characters and a newline). "
                                 "Not replacing it: restore it from a backup, or remove it to generate a new "
                                 "key (old invite links stop working).",
                                 dir, ROOM_KEY_FILE_NAME);
        return 0;
}

/* mkdir -p for the parents of `dir` (not `dir` itself). The ones made
 * here get 0755 whatever the umask, as systemd makes the parents of a
 * nested StateDirectory=: root running --print-invite before the first
 * start makes /var/lib/lanparty-gatewayd, and the service user, who owns
 * only the directory below it, must get through. Existing ones are left
 * as they are. */
static int mkdir_parents(const char *dir, char **ret_error) {
        _cleanup_free_ char *buf = strdup(dir);

        if (!buf)
                return -ENOMEM;
        for (char *p = strchr(buf + 1, '/'); p && p[1]; p = strchr(p + 1, '/')) {
                *p = '\0';
                if (mkdir(buf, 0755) >= 0) {
                        if (chmod(buf, 0755) < 0)
                                return key_error(ret_error, errno, "Cannot set the mode of %s: %s", buf,
                                                 strerror(errno));
                } else if (errno != EEXIST)
                        return key_error(ret_error, errno, "Cannot create %s for the state directory %s: %s", buf,
                                         dir, strerror(errno));
                *p = '/';
        }
        return 0;
}

static int dir_open(const char *dir, bool create, char **ret_error) {
        int fd, r;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
                r = mkdir_parents(dir, ret_error);
                if (r < 0)
                        return r;
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        return key_error(ret_error, errno, "Cannot create state directory %s: %s", dir,
                                         strerror(errno));
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        if (fd < 0)
                return key_error(ret_error, errno, "Cannot open state directory %s: %s", dir, strerror(errno));
        /* Whoever may write here could swap the key. */
        {
                char reason[FILE_PRIVATE_REASON_MAX];
                struct stat st;

                if (fstat(fd, &st) < 0)
                        r = key_error(ret_error, errno, "Cannot stat state directory %s: %s", dir, strerror(errno));
                else if (file_check_private(&st, PRIVATE_OWNER_ONLY, reason, sizeof(reason)) < 0)
                        r = key_error(ret_error, EPERM,
                                      "State directory %s %s; refusing to use the room key in it. Run 'chmod 700' "
                                      "on it, and if others may have changed the key, remove it to generate a new "
                                      "one (old invite links stop working).",
                                      dir, reason);
                else
                        return fd;
                close(fd);
                return r;
        }
}

int room_key_load(const char *dir, uint8_t key[static LP_ROOM_KEY_SIZE], char **ret_error) {
        _cleanup_close_ int dir_fd = -EBADF;

        if (!dir)
                return -EINVAL;
        dir_fd = dir_open(dir, false, ret_error);
        if (dir_fd < 0)
                return dir_fd;
        return room_key_read_at(dir_fd, dir, key, ret_error);
}

static int write_all(int fd, const char *data, size_t size) {
        while (size > 0) {
                ssize_t n = write(fd, data, size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                data += n;
                size -= (size_t) n;
        }
        return 0;
}

static int room_key_create_at(int dir_fd, const char *dir, const uint8_t key[static LP_ROOM_KEY_SIZE],
                              char **ret_error) {
        _cleanup_close_ int fd = -EBADF;
        char text[ROOM_KEY_TEXT_LEN + 1], temp[sizeof(ROOM_KEY_FILE_NAME) + 32];
        struct stat dst;
        int r;

        /* Named per process: the daemon and a concurrent --print-invite
         * must not unlink each other's half-written file. A leftover of a
         * crashed run with our pid was never linked, so no invite carried it. */
        snprintf(temp, sizeof(temp), "%s.new.%ld", ROOM_KEY_FILE_NAME, (long) getpid());
        if (unlinkat(dir_fd, temp, 0) < 0 && errno != ENOENT)
                return key_error(ret_error, errno, "Cannot remove %s/%s: %s", dir, temp, strerror(errno));
        fd = openat(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return key_error(ret_error, errno, "Cannot create %s/%s: %s", dir, temp,
                                 strerror(errno));
        /* root running --print-invite in the service's directory: the
         * file must belong to the service user, who reads it later. */
        if (geteuid() == 0 && fstat(dir_fd, &dst) >= 0 && dst.st_uid != 0)
                (void) fchown(fd, dst.st_uid, dst.st_gid);

        r = room_key_format(key, text);
        if (r >= 0)
                r = write_all(fd, text, ROOM_KEY_TEXT_LEN);
        explicit_bzero(text, sizeof(text));
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dir_fd, temp, 0);
                return key_error(ret_error, -r, "Cannot write %s/%s: %s", dir, temp, strerror(-r));
        }

        /* link() rather than rename(): it fails instead of replacing a key
         * that appeared meanwhile. */
        r = linkat(dir_fd, temp, dir_fd, ROOM_KEY_FILE_NAME, 0) < 0 ? -errno : 0;
        (void) unlinkat(dir_fd, temp, 0);
        if (r == -EEXIST)
                return -EEXIST;
        if (r < 0)
                return key_error(ret_error, -r, "Cannot create %s/%s: %s", dir, ROOM_KEY_FILE_NAME, strerror(-r));
        (void) fsync(dir_fd);
        return 0;
}

int room_key_load_or_create(const char *dir, uint8_t key[static LP_ROOM_KEY_SIZE], bool *ret_created,
                            char **ret_error) {
        _cleanup_close_ int dir_fd = -EBADF;
        uint8_t fresh[LP_ROOM_KEY_SIZE];
        int r;

        if (!dir)
                return -EINVAL;

        dir_fd = dir_open(dir, true, ret_error);
        if (dir_fd < 0)
                return dir_fd;

        r = room_key_read_at(dir_fd, dir, key, ret_error);
        if (r != -ENOENT) {
                if (r >= 0 && ret_created)
                        *ret_created = false;
                return r;
        }

        r = auth_generate_room_key(fresh);
        if (r < 0)
                return key_error(ret_error, -r, "Cannot generate a room key: %s", strerror(-r));
        r = room_key_create_at(dir_fd, dir, fresh, ret_error);
        if (r == -EEXIST) {
                /* Somebody else was quicker: theirs is the key. */
                explicit_bzero(fresh, sizeof(fresh));
                r = room_key_read_at(dir_fd, dir, key, ret_error);
                if (r >= 0 && ret_created)
                        *ret_created = false;
                return r;
        }
        if (r < 0) {
                explicit_bzero(fresh, sizeof(fresh));
                return r;
        }
        memcpy(key, fresh, sizeof(fresh));
        explicit_bzero(fresh, sizeof(fresh));
        if (ret_created)
                *ret_created = true;
        return 0;
}
