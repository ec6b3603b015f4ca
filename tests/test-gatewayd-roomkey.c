/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gatewayd-roomkey.h"
#include "test-util.h"

/* Hostile file contents first (short, long, bad alphabet, padding, missing
 * or extra newline, non-canonical last character), then the file handling:
 * a damaged or exposed key is refused and left alone, never replaced; a
 * symlink is not followed; a new key is created 0600, complete, and never
 * over an existing one. */

static const char good[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n"; /* bytes 0..31 */

static char dir[] = "/tmp/test-gatewayd-roomkey.XXXXXX";

static void write_key_file(const char *data, size_t size, mode_t mode) {
        char path[256];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, ROOM_KEY_FILE_NAME);
        (void) unlink(path);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
        CHECK(fd >= 0);
        CHECK(write(fd, data, size) == (ssize_t) size);
        CHECK(fchmod(fd, mode) == 0);
        close(fd);
}

static void read_key_file(char *buf, size_t size, size_t *ret_size) {
        char path[256];
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, ROOM_KEY_FILE_NAME);
        fd = open(path, O_RDONLY);
        CHECK(fd >= 0);
        n = read(fd, buf, size);
        CHECK(n >= 0);
        close(fd);
        *ret_size = (size_t) n;
}

static void test_parse_hostile(void) {
        uint8_t key[LP_ROOM_KEY_SIZE];
        char buf[128];

        memset(key, 0x5a, sizeof(key));
        CHECK_EQ_INT(room_key_parse(NULL, 44, key), -EBADMSG);
        CHECK_EQ_INT(room_key_parse("", 0, key), -EBADMSG);
        CHECK_EQ_INT(room_key_parse("\n", 1, key), -EBADMSG);
        /* No newline: the file was cut while being written. */
        CHECK_EQ_INT(room_key_parse(good, sizeof(good) - 2, key), -EBADMSG);
        /* Truncated key, with newline. */
        CHECK_EQ_INT(room_key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh\n", 43, key), -EBADMSG);
        /* Extra bytes after the newline, or a second newline, or CRLF. */
        memcpy(buf, good, sizeof(good) - 1);
        memcpy(buf + sizeof(good) - 1, "x", 1);
        CHECK_EQ_INT(room_key_parse(buf, sizeof(good), key), -EBADMSG);
        memcpy(buf + sizeof(good) - 1, "\n", 1);
        CHECK_EQ_INT(room_key_parse(buf, sizeof(good), key), -EBADMSG);
        CHECK_EQ_INT(room_key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\r\n", 45, key), -EBADMSG);
        /* 44 characters (padding, or one too many). */
        CHECK_EQ_INT(room_key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", 45, key), -EBADMSG);
        /* Standard base64 alphabet. */
        CHECK_EQ_INT(room_key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd+h8\n", 44, key), -EBADMSG);
        CHECK_EQ_INT(room_key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd/h8\n", 44, key), -EBADMSG);
        /* Whitespace inside, leading. */
        CHECK_EQ_INT(room_key_parse(" AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", 44, key), -EBADMSG);
        /* Unused low bits set: a second text for the same key. */
        CHECK_EQ_INT(room_key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9\n", 44, key), -EBADMSG);
        /* A NUL inside. */
        memcpy(buf, good, sizeof(good) - 1);
        buf[10] = '\0';
        CHECK_EQ_INT(room_key_parse(buf, sizeof(good) - 1, key), -EBADMSG);
        /* Nothing was written on failure. */
        for (size_t i = 0; i < sizeof(key); i++)
                CHECK_EQ_INT(key[i], 0x5a);
}

static void test_parse_format(void) {
        uint8_t key[LP_ROOM_KEY_SIZE], back[LP_ROOM_KEY_SIZE];
        char text[ROOM_KEY_TEXT_LEN + 1];

        CHECK_EQ_INT(room_key_parse(good, sizeof(good) - 1, key), 0);
        for (size_t i = 0; i < sizeof(key); i++)
                CHECK_EQ_INT(key[i], i);
        CHECK_EQ_INT(room_key_format(key, text), 0);
        CHECK_EQ_STR(text, good);
        CHECK_EQ_INT(strlen(text), ROOM_KEY_TEXT_LEN);
        memset(key, 0xff, sizeof(key));
        CHECK_EQ_INT(room_key_format(key, text), 0);
        CHECK_EQ_INT(room_key_parse(text, ROOM_KEY_TEXT_LEN, back), 0);
        CHECK_MEM(back, key, sizeof(key));
}

static void test_files(void) {
        uint8_t key[LP_ROOM_KEY_SIZE], again[LP_ROOM_KEY_SIZE];
        char path[512], sub[256], buf[128], *e = NULL;
        bool created = true;
        struct stat st;
        size_t n;

        CHECK(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/%s", dir, ROOM_KEY_FILE_NAME);

        /* A state directory that cannot be made (a file in the way of a
         * parent): refused, named. */
        snprintf(sub, sizeof(sub), "%s/file", dir);
        {
                int fd = open(sub, O_WRONLY | O_CREAT | O_EXCL, 0600);
                CHECK(fd >= 0);
                close(fd);
        }
        snprintf(sub, sizeof(sub), "%s/file/a/b", dir);
        CHECK(room_key_load_or_create(sub, key, &created, &e) < 0);
        CHECK(e && strstr(e, sub));
        free(e);
        e = NULL;
        snprintf(sub, sizeof(sub), "%s/file", dir);
        CHECK_EQ_INT(unlink(sub), 0);
        CHECK_EQ_INT(room_key_load(dir, key, &e), -ENOENT);

        /* Damaged: refused, named, and left exactly as it was. */
        write_key_file("garbage\n", 8, 0600);
        CHECK_EQ_INT(room_key_load_or_create(dir, key, &created, &e), -EBADMSG);
        CHECK(e && strstr(e, "damaged") && strstr(e, path) && strstr(e, "Not replacing"));
        free(e);
        e = NULL;
        read_key_file(buf, sizeof(buf), &n);
        CHECK_EQ_INT(n, 8);
        CHECK_MEM(buf, "garbage\n", 8);
        /* Empty (a crash before the write): also refused, not replaced. */
        write_key_file("", 0, 0600);
        CHECK_EQ_INT(room_key_load_or_create(dir, key, &created, &e), -EBADMSG);
        free(e);
        e = NULL;
        /* Too long: refused without reading it all. */
        {
                char big[4096];

                memset(big, 'A', sizeof(big));
                write_key_file(big, sizeof(big), 0600);
                CHECK_EQ_INT(room_key_load_or_create(dir, key, &created, &e), -EBADMSG);
                free(e);
                e = NULL;
        }

        /* Readable by others: refused even though it parses. */
        write_key_file(good, sizeof(good) - 1, 0644);
        CHECK_EQ_INT(room_key_load_or_create(dir, key, &created, &e), -EPERM);
        CHECK(e && strstr(e, "0644") && strstr(e, "chmod 600"));
        free(e);
        e = NULL;
        write_key_file(good, sizeof(good) - 1, 0640);
        CHECK_EQ_INT(room_key_load(dir, key, &e), -EPERM);
        free(e);
        e = NULL;

        /* A state directory others may write to: they could swap the
         * key. Refused, and not created in it either. */
        write_key_file(good, sizeof(good) - 1, 0600);
        CHECK_EQ_INT(chmod(dir, 0777), 0);
        CHECK_EQ_INT(room_key_load(dir, key, &e), -EPERM);
        CHECK(e && strstr(e, "may be changed by other users (mode 0777)") && strstr(e, "chmod 700"));
        free(e);
        e = NULL;
        CHECK_EQ_INT(room_key_load_or_create(dir, key, &created, &e), -EPERM);
        free(e);
        e = NULL;
        CHECK_EQ_INT(chmod(dir, 0755), 0);
        CHECK_EQ_INT(room_key_load(dir, key, &e), 0);
        CHECK_EQ_INT(chmod(dir, 0700), 0);

        /* A good one loads and is not replaced. */
        write_key_file(good, sizeof(good) - 1, 0600);
        CHECK_EQ_INT(room_key_load_or_create(dir, key, &created, &e), 0);
        CHECK(!created);
        CHECK_EQ_INT(key[31], 31);

        /* A symlink is not followed. */
        CHECK_EQ_INT(unlink(path), 0);
        snprintf(sub, sizeof(sub), "%s/elsewhere", dir);
        {
                int fd = open(sub, O_WRONLY | O_CREAT | O_EXCL, 0600);
                CHECK(fd >= 0);
                CHECK(write(fd, good, sizeof(good) - 1) == (ssize_t) (sizeof(good) - 1));
                close(fd);
        }
        CHECK_EQ_INT(symlink(sub, path), 0);
        CHECK(room_key_load_or_create(dir, key, &created, &e) < 0);
        CHECK(e && strstr(e, path));
        free(e);
        e = NULL;
        CHECK_EQ_INT(lstat(path, &st), 0);
        CHECK(S_ISLNK(st.st_mode));
        CHECK_EQ_INT(unlink(path), 0);
        CHECK_EQ_INT(unlink(sub), 0);
        /* A directory in its place. */
        CHECK_EQ_INT(mkdir(path, 0700), 0);
        CHECK(room_key_load_or_create(dir, key, &created, &e) < 0);
        free(e);
        e = NULL;
        CHECK_EQ_INT(rmdir(path), 0);

        /* First start: a new key, 0600, complete, loaded the same next time. */
        CHECK_EQ_INT(room_key_load_or_create(dir, key, &created, &e), 0);
        CHECK(created);
        CHECK_EQ_INT(stat(path, &st), 0);
        CHECK_EQ_INT(st.st_mode & 07777, 0600);
        CHECK_EQ_INT(st.st_size, ROOM_KEY_TEXT_LEN);
        CHECK_EQ_INT(room_key_load_or_create(dir, again, &created, &e), 0);
        CHECK(!created);
        CHECK_MEM(key, again, sizeof(key));
        CHECK_EQ_INT(room_key_load(dir, again, &e), 0);
        CHECK_MEM(key, again, sizeof(key));
        /* No temporary file left behind (its name carries our pid). */
        snprintf(sub, sizeof(sub), "%s/%s.new.%ld", dir, ROOM_KEY_FILE_NAME, (long) getpid());
        CHECK(access(sub, F_OK) < 0);
        /* A stale temporary file from a crash is ignored and cleaned. */
        CHECK_EQ_INT(unlink(path), 0);
        {
                int fd = open(sub, O_WRONLY | O_CREAT | O_EXCL, 0600);
                CHECK(fd >= 0);
                CHECK(write(fd, "half", 4) == 4);
                close(fd);
        }
        CHECK_EQ_INT(room_key_load_or_create(dir, again, &created, &e), 0);
        CHECK(created);
        CHECK(memcmp(key, again, sizeof(key)) != 0);
        CHECK(access(sub, F_OK) < 0);
        CHECK_EQ_INT(unlink(path), 0);

        /* A missing state directory (last component) is created 0700. */
        snprintf(sub, sizeof(sub), "%s/state", dir);
        CHECK_EQ_INT(room_key_load_or_create(sub, key, &created, &e), 0);
        CHECK(created);
        CHECK_EQ_INT(stat(sub, &st), 0);
        CHECK_EQ_INT(st.st_mode & 07777, 0700);
        snprintf(path, sizeof(path), "%s/%s", sub, ROOM_KEY_FILE_NAME);
        CHECK_EQ_INT(unlink(path), 0);
        CHECK_EQ_INT(rmdir(sub), 0);

        /* --print-invite before the first start: /var/lib/lanparty-gatewayd
         * does not exist yet either. Missing parents are made 0755 whatever
         * the umask, as systemd makes those of a nested StateDirectory=, so
         * the service user, who will own only the last one, gets through. */
        {
                char parent[256];
                mode_t old_umask = umask(0077);

                snprintf(parent, sizeof(parent), "%s/lib", dir);
                snprintf(sub, sizeof(sub), "%s/lib/lanparty-gatewayd/eth1", dir);
                CHECK_EQ_INT(room_key_load_or_create(sub, key, &created, &e), 0);
                umask(old_umask);
                CHECK(created);
                CHECK_EQ_INT(stat(sub, &st), 0);
                CHECK_EQ_INT(st.st_mode & 07777, 0700);
                CHECK_EQ_INT(stat(parent, &st), 0);
                CHECK_EQ_INT(st.st_mode & 07777, 0755);
                snprintf(path, sizeof(path), "%s/lib/lanparty-gatewayd", dir);
                CHECK_EQ_INT(stat(path, &st), 0);
                CHECK_EQ_INT(st.st_mode & 07777, 0755);
                CHECK_EQ_INT(room_key_load(sub, again, &e), 0);
                CHECK_MEM(key, again, sizeof(key));
                snprintf(path, sizeof(path), "%s/%s", sub, ROOM_KEY_FILE_NAME);
                CHECK_EQ_INT(unlink(path), 0);
                CHECK_EQ_INT(rmdir(sub), 0);
                snprintf(path, sizeof(path), "%s/lib/lanparty-gatewayd", dir);
                CHECK_EQ_INT(rmdir(path), 0);
                CHECK_EQ_INT(rmdir(parent), 0);
        }
        CHECK_EQ_INT(rmdir(dir), 0);
        CHECK(!e);

        CHECK_EQ_INT(room_key_load_or_create(NULL, key, &created, NULL), -EINVAL);
        CHECK_EQ_INT(room_key_load(NULL, key, NULL), -EINVAL);
}

int main(void) {
        RUN(test_parse_hostile);
        RUN(test_parse_format);
        RUN(test_files);
        return 0;
}
