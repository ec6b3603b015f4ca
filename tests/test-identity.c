/* SPDX-License-Identifier: MIT */
/* The persistent virtual MAC: the strict file parser (hostile inputs
 * first), where the file goes, and creating, reusing and replacing it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ether.h"
#include "identity.h"
#include "macro.h"
#include "test-util.h"

static int parse_str(const char *s, MacAddr *ret) {
        return identity_mac_parse(s, strlen(s), ret);
}

static void test_parse_hostile(void) {
        static const char *const bad[] = {
                "",
                "\n",
                "02:00:00:00:00:0",        /* short */
                "02:00:00:00:00:011",      /* long */
                "02:00:00:00:00:01\n\n",   /* a second line */
                "02:00:00:00:00:01\r\n",   /* CRLF */
                "02:00:00:00:00:01 ",
                " 02:00:00:00:00:01",
                "02:00:00:00:00:01\nx",
                "02-00:00:00:00:01",       /* mixed separators */
                "02.00.00.00.00.01",
                "0200.0000.0001....",
                "02:00:00:00:00:0g",
                "02:00:00:00:00:+1",
                "0x:00:00:00:00:01",
                "00:11:22:33:44:55",       /* vendor (universally administered) */
                "03:00:00:00:00:01",       /* multicast */
                "ff:ff:ff:ff:ff:ff",       /* broadcast */
                "00:00:00:00:00:00",
                "01:80:c2:00:00:00",
                "02:00:00:00:00:01\n02:00:00:00:00:02\n",
        };
        MacAddr mac = { { 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa } };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (parse_str(bad[i], &mac) != -EBADMSG) {
                        fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
                        CHECK(false);
                }
        }
        /* A failed parse leaves the output alone. */
        CHECK_EQ_INT(mac.bytes[0], 0xaa);

        /* NUL bytes where characters should be. */
        CHECK_EQ_INT(identity_mac_parse("02:00:00:00:00:01", 18, &mac), -EBADMSG);
        CHECK_EQ_INT(identity_mac_parse("02:00:00\0:00:00:01", 17, &mac), -EBADMSG);
        CHECK_EQ_INT(identity_mac_parse("02:00:00:00:00:01\n\0", 19, &mac), -EBADMSG);
        /* Lengths that lie: shorter than the text, or far longer. */
        CHECK_EQ_INT(identity_mac_parse("02:00:00:00:00:01\n", 16, &mac), -EBADMSG);
        CHECK_EQ_INT(identity_mac_parse("02:00:00:00:00:01\n", SIZE_MAX, &mac), -EBADMSG);
        CHECK_EQ_INT(identity_mac_parse(NULL, 17, &mac), -EINVAL);
        CHECK_EQ_INT(identity_mac_parse("02:00:00:00:00:01", 17, NULL), -EINVAL);
}

static void test_parse_valid(void) {
        static const MacAddr want = { { 0x02, 0xab, 0xcd, 0xef, 0x01, 0x23 } };
        MacAddr mac;

        CHECK_EQ_INT(parse_str("02:ab:cd:ef:01:23\n", &mac), 0);
        CHECK(mac_equal(&mac, &want));
        CHECK_EQ_INT(parse_str("02:ab:cd:ef:01:23", &mac), 0);
        CHECK(mac_equal(&mac, &want));
        /* What a person editing the file might write. */
        CHECK_EQ_INT(parse_str("02:AB:CD:EF:01:23\n", &mac), 0);
        CHECK(mac_equal(&mac, &want));
        CHECK_EQ_INT(parse_str("02-ab-cd-ef-01-23\n", &mac), 0);
        CHECK(mac_equal(&mac, &want));
}

static void test_format_roundtrip(void) {
        for (int i = 0; i < 1000; i++) {
                char text[IDENTITY_FILE_LEN + 1];
                MacAddr mac, back;

                CHECK_EQ_INT(mac_generate_virtual(&mac), 0);
                identity_mac_format(&mac, text);
                CHECK_EQ_INT(strlen(text), IDENTITY_FILE_LEN);
                CHECK_EQ_INT(text[IDENTITY_FILE_LEN - 1], '\n');
                CHECK_EQ_INT(identity_mac_parse(text, IDENTITY_FILE_LEN, &back), 0);
                CHECK(mac_equal(&mac, &back));
        }
}

static void set_env(const char *state, const char *xdg, const char *home) {
        CHECK(state ? setenv("STATE_DIRECTORY", state, 1) == 0 : unsetenv("STATE_DIRECTORY") == 0);
        CHECK(xdg ? setenv("XDG_STATE_HOME", xdg, 1) == 0 : unsetenv("XDG_STATE_HOME") == 0);
        CHECK(home ? setenv("HOME", home, 1) == 0 : unsetenv("HOME") == 0);
}

static void check_path(const char *state, const char *xdg, const char *home, int want_r, const char *want) {
        char buf[4096];

        set_env(state, xdg, home);
        CHECK_EQ_INT(identity_mac_path(buf, sizeof(buf)), want_r);
        if (want_r == 0)
                CHECK_EQ_STR(buf, want);
}

static void test_path(void) {
        char small[16];

        check_path("/var/lib/lanparty", "/x", "/home/u", 0, "/var/lib/lanparty/client-mac");
        check_path("/a:/b", NULL, NULL, 0, "/a/client-mac");
        check_path("/a/", NULL, NULL, 0, "/a/client-mac");
        check_path("relative", "/x/", "/home/u", 0, "/x/lanparty/client-mac");
        check_path("", "", "/home/u", 0, "/home/u/.local/state/lanparty/client-mac");
        check_path(NULL, "state", "/home/u", 0, "/home/u/.local/state/lanparty/client-mac");
        check_path(NULL, NULL, "/", 0, "/.local/state/lanparty/client-mac");
        if (geteuid() == 0) {
                check_path(NULL, NULL, NULL, 0, "/var/lib/lanparty/client-mac");
                check_path(NULL, NULL, "home", 0, "/var/lib/lanparty/client-mac");
        } else
                check_path(NULL, NULL, NULL, -ENOENT, NULL);

        set_env(NULL, "/a/very/long/state/directory", NULL);
        CHECK_EQ_INT(identity_mac_path(small, sizeof(small)), -ENAMETOOLONG);
        CHECK_EQ_INT(identity_mac_path(NULL, 10), -EINVAL);
        CHECK_EQ_INT(identity_mac_path(small, 0), -EINVAL);
}

static size_t read_file(const char *path, char *buf, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        CHECK(fd >= 0);
        n = read(fd, buf, size - 1);
        CHECK(n >= 0);
        close(fd);
        buf[n] = '\0';
        return (size_t) n;
}

static void write_file(const char *path, const char *text, size_t len) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        CHECK(fd >= 0);
        CHECK_EQ_INT(write(fd, text, len), (ssize_t) len);
        close(fd);
}

static void test_load(void) {
        char dir[] = "/tmp/test-identity-XXXXXX", path[256], corrupt[300], text[128], parent[256];
        MacAddr first, again, fresh;
        struct stat st;

        CHECK(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/deep/er/client-mac", dir);
        snprintf(corrupt, sizeof(corrupt), "%s.corrupt", path);

        /* Missing: created 0600 in new 0700 directories. */
        CHECK_EQ_INT(identity_mac_load(path, &first), 1);
        CHECK(mac_is_valid_virtual(&first));
        CHECK(stat(path, &st) == 0);
        CHECK_EQ_INT(st.st_mode & 07777, 0600);
        snprintf(parent, sizeof(parent), "%s/deep", dir);
        CHECK(stat(parent, &st) == 0);
        CHECK_EQ_INT(st.st_mode & 07777, 0700);
        CHECK_EQ_INT(read_file(path, text, sizeof(text)), IDENTITY_FILE_LEN);
        CHECK_EQ_INT(identity_mac_parse(text, IDENTITY_FILE_LEN, &again), 0);
        CHECK(mac_equal(&first, &again));

        /* Present: the same MAC every time, file untouched. */
        for (int i = 0; i < 3; i++) {
                CHECK_EQ_INT(identity_mac_load(path, &again), 0);
                CHECK(mac_equal(&first, &again));
        }

        /* Corrupt, in several ways: moved aside, replaced, warned about. */
        {
                static const char *const junk[] = {
                        "garbage",
                        "",
                        "00:11:22:33:44:55\n",
                        "02:00:00:00:00:01\n02:00:00:00:00:02\n",
                        "02:00:00:00:00:01\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                };
                for (size_t i = 0; i < ELEMENTSOF(junk); i++) {
                        write_file(path, junk[i], strlen(junk[i]));
                        CHECK_EQ_INT(identity_mac_load(path, &fresh), 1);
                        CHECK(mac_is_valid_virtual(&fresh));
                        CHECK(!mac_equal(&fresh, &first));
                        CHECK(stat(path, &st) == 0);
                        CHECK_EQ_INT(st.st_mode & 07777, 0600);
                        read_file(corrupt, text, sizeof(text));
                        CHECK(strncmp(text, junk[i], sizeof(text) - 1) == 0);
                        CHECK_EQ_INT(identity_mac_load(path, &again), 0);
                        CHECK(mac_equal(&fresh, &again));
                }
        }

        /* Something that is not a file: an error, and nothing is moved. */
        CHECK(unlink(path) == 0);
        CHECK(mkdir(path, 0700) == 0);
        CHECK_EQ_INT(identity_mac_load(path, &again), -EEXIST);
        CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
        CHECK(rmdir(path) == 0);

        /* The default location follows the environment. */
        set_env(NULL, dir, NULL);
        CHECK_EQ_INT(identity_mac_load(NULL, &first), 1);
        snprintf(path, sizeof(path), "%s/lanparty/client-mac", dir);
        CHECK(stat(path, &st) == 0);
        CHECK_EQ_INT(identity_mac_load(NULL, &again), 0);
        CHECK(mac_equal(&first, &again));

        CHECK_EQ_INT(identity_mac_load(path, NULL), -EINVAL);

        {
                char cmd[512];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                CHECK(system(cmd) == 0);
        }
}

int main(void) {
        RUN(test_parse_hostile);
        RUN(test_parse_valid);
        RUN(test_format_roundtrip);
        RUN(test_path);
        RUN(test_load);
        return 0;
}
