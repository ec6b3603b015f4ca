/* SPDX-License-Identifier: MIT */
/* Where lanparty-client takes its invite link from (invite-input.c):
 * files others may read, stdin that stops after the link's line, the
 * environment wiped where /proc/PID/environ would show it. Hostile inputs
 * first. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "invite-input.h"
#include "test-util.h"

#define LINK "lanparty://relay.example.org/party?k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static char dir[] = "/tmp/test-invite-input-XXXXXX";

static void write_file(const char *name, const char *text, size_t len, mode_t mode, char *path, size_t size) {
        int fd;

        snprintf(path, size, "%s/%s", dir, name);
        (void) unlink(path);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        CHECK(write(fd, text, len) == (ssize_t) len);
        CHECK(fchmod(fd, mode) == 0);
        close(fd);
}

/* A pipe holding `text`, closed for writing. */
static int pipe_with(const char *text) {
        int p[2];

        CHECK(pipe(p) == 0);
        CHECK(write(p[1], text, strlen(text)) == (ssize_t) strlen(text));
        close(p[1]);
        return p[0];
}

static void test_file_hostile(void) {
        char path[256], link[INVITE_INPUT_LINK_MAX], error[512];
        static const mode_t shared_modes[] = { 0644, 0640, 0604, 0620, 0602, 0610, 0601, 0660, 0666 };

        /* Any access for group or others: refused, nothing read. */
        for (size_t i = 0; i < ELEMENTSOF(shared_modes); i++) {
                write_file("shared", LINK "\n", strlen(LINK) + 1, shared_modes[i], path, sizeof path);
                strcpy(link, "untouched");
                CHECK_EQ_INT(invite_input_read_file(path, link, sizeof link, error, sizeof error), -EPERM);
                /* The reason is file_check_private()'s (the group's or
                 * others' access, and the mode); its wording is tested in
                 * test-fileio. */
                CHECK(strstr(error, "may be "));
                CHECK(strstr(error, "refusing to use it"));
                CHECK(strstr(error, "chmod 600"));
                CHECK_EQ_STR(link, "untouched");
        }
        CHECK_EQ_INT(invite_input_read_file("/nonexistent/x", link, sizeof link, error, sizeof error), -ENOENT);
        CHECK(strstr(error, "/nonexistent/x"));
        CHECK_EQ_INT(invite_input_read_file(dir, link, sizeof link, error, sizeof error), -EISDIR);
        CHECK(strstr(error, "not a regular file"));

        write_file("empty", "", 0, 0600, path, sizeof path);
        CHECK_EQ_INT(invite_input_read_file(path, link, sizeof link, error, sizeof error), -ENOMSG);
        write_file("nolink", "# only a comment\n\nhttp://x/\n", 27, 0600, path, sizeof path);
        CHECK_EQ_INT(invite_input_read_file(path, link, sizeof link, error, sizeof error), -EBADMSG);
        CHECK(strstr(error, "holds no invite link"));
        write_file("nul", "lanparty://x\0y\n", 15, 0600, path, sizeof path);
        CHECK_EQ_INT(invite_input_read_file(path, link, sizeof link, error, sizeof error), -EBADMSG);

        char *big = malloc(CLIENT_WIN_INVITE_FILE_MAX + 2);
        CHECK(big);
        memset(big, '#', CLIENT_WIN_INVITE_FILE_MAX + 1);
        write_file("big", big, CLIENT_WIN_INVITE_FILE_MAX + 1, 0600, path, sizeof path);
        free(big);
        CHECK_EQ_INT(invite_input_read_file(path, link, sizeof link, error, sizeof error), -EFBIG);
        CHECK(strstr(error, "larger than"));
}

static void test_file(void) {
        char path[256], link[INVITE_INPUT_LINK_MAX], error[512];
        static const char crlf[] = "# invite from the party\r\n\r\n  " LINK "  \r\n# more\r\n";

        write_file("ok", crlf, strlen(crlf), 0600, path, sizeof path);
        CHECK_EQ_INT(invite_input_read_file(path, link, sizeof link, error, sizeof error), 0);
        CHECK_EQ_STR(link, LINK);
        write_file("ro", LINK, strlen(LINK), 0400, path, sizeof path);
        CHECK_EQ_INT(invite_input_read_file(path, link, sizeof link, error, sizeof error), 0);
        CHECK_EQ_STR(link, LINK);
}

static void test_stdin(void) {
        char link[INVITE_INPUT_LINK_MAX], error[512], rest[64];
        int fd;
        ssize_t n;

        /* Stops after the link's line: what follows stays unread. */
        fd = pipe_with("# comment\n\n" LINK "\nREST");
        CHECK_EQ_INT(invite_input_read_fd(fd, "standard input", link, sizeof link, error, sizeof error), 0);
        CHECK_EQ_STR(link, LINK);
        n = read(fd, rest, sizeof rest);
        CHECK_EQ_INT(n, 4);
        CHECK(memcmp(rest, "REST", 4) == 0);
        close(fd);

        /* No newline at the end: the end of the file ends it. */
        fd = pipe_with(LINK);
        CHECK_EQ_INT(invite_input_read_fd(fd, "standard input", link, sizeof link, error, sizeof error), 0);
        CHECK_EQ_STR(link, LINK);
        close(fd);

        fd = pipe_with("");
        CHECK_EQ_INT(invite_input_read_fd(fd, "standard input", link, sizeof link, error, sizeof error), -ENOMSG);
        CHECK(strstr(error, "standard input"));
        close(fd);
        fd = pipe_with("hello\n" LINK "\n");
        CHECK_EQ_INT(invite_input_read_fd(fd, "standard input", link, sizeof link, error, sizeof error), -EBADMSG);
        close(fd);
        CHECK_EQ_INT(invite_input_read_fd(-1, "standard input", link, sizeof link, error, sizeof error), -EBADF);
}

/* Endless comment lines: bounded, never more than the file limit read. */
static void test_stdin_endless(void) {
        char link[INVITE_INPUT_LINK_MAX], error[512];
        int p[2];
        pid_t pid;

        CHECK(pipe(p) == 0);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                for (int i = 0; i < 100000; i++)
                        if (write(p[1], "#\n", 2) != 2)
                                _exit(0);
                _exit(0);
        }
        close(p[1]);
        CHECK_EQ_INT(invite_input_read_fd(p[0], "standard input", link, sizeof link, error, sizeof error), -EFBIG);
        close(p[0]);
        CHECK(waitpid(pid, NULL, 0) == pid);
}

extern char **environ;

static void test_env(void) {
        char link[INVITE_INPUT_LINK_MAX], small[8];
        char *value;

        CHECK(unsetenv(INVITE_INPUT_ENV) == 0);
        CHECK_EQ_INT(invite_input_take_env(INVITE_INPUT_ENV, link, sizeof link), 0);

        CHECK(setenv(INVITE_INPUT_ENV, LINK, 1) == 0);
        value = getenv(INVITE_INPUT_ENV);
        CHECK(value);
        CHECK_EQ_INT(invite_input_take_env(INVITE_INPUT_ENV, link, sizeof link), 1);
        CHECK_EQ_STR(link, LINK);
        CHECK(!getenv(INVITE_INPUT_ENV));
        /* The bytes themselves are gone, not only the variable. setenv()'s
         * copy stays allocated by glibc, so this reads valid memory. */
        for (size_t i = 0; i < strlen(LINK); i++)
                CHECK_EQ_INT(value[i], 0);

        CHECK(setenv(INVITE_INPUT_ENV, LINK, 1) == 0);
        CHECK_EQ_INT(invite_input_take_env(INVITE_INPUT_ENV, small, sizeof small), -ENOBUFS);
        CHECK(!getenv(INVITE_INPUT_ENV));
}

static void test_wipe_argument(void) {
        char arg[] = LINK;

        invite_input_wipe_argument(arg);
        for (size_t i = 0; i < sizeof arg; i++)
                CHECK_EQ_INT(arg[i], 0);
        invite_input_wipe_argument(NULL);
}

int main(void) {
        CHECK(mkdtemp(dir));
        umask(0);
        RUN(test_file_hostile);
        RUN(test_file);
        RUN(test_stdin);
        RUN(test_stdin_endless);
        RUN(test_env);
        RUN(test_wipe_argument);
        static const char *const names[] = { "shared", "empty", "nolink", "nul", "big", "ok", "ro" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char path[256];
                snprintf(path, sizeof path, "%s/%s", dir, names[i]);
                CHECK(unlink(path) == 0);
        }
        CHECK(rmdir(dir) == 0);
        return 0;
}
