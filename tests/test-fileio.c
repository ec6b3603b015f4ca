/* SPDX-License-Identifier: MIT */
/* src/shared/fileio.c: the one rule for who besides us may use a file or
 * directory holding secrets, from hostile modes to the group a service
 * user reads its token file through; and reading such a file refuses it
 * before handing out its contents. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "test-util.h"

static struct stat file_stat(mode_t mode, gid_t gid) {
        return (struct stat) { .st_mode = S_IFREG | mode, .st_uid = 0, .st_gid = gid };
}

/* A group this process is not in, or (gid_t) -1 if it is in every one tried. */
static gid_t foreign_gid(void) {
        gid_t groups[256];
        int n = getgroups(256, groups);

        for (gid_t g = 65534; g > 1000; g--) {
                bool ours = g == getegid();

                for (int i = 0; i < n; i++)
                        ours = ours || groups[i] == g;
                if (!ours)
                        return g;
        }
        return (gid_t) -1;
}

static void check_refused(struct stat st, PrivateAccess access, const char *needle) {
        char reason[FILE_PRIVATE_REASON_MAX] = "";

        CHECK_EQ_INT(file_check_private(&st, access, reason, sizeof(reason)), -EPERM);
        if (!strstr(reason, needle)) {
                fprintf(stderr, "reason '%s' lacks '%s'\n", reason, needle);
                CHECK(false);
        }
}

static void test_check(void) {
        char reason[FILE_PRIVATE_REASON_MAX];
        gid_t ours = getegid(), other = foreign_gid();
        struct stat st;

        CHECK(other != (gid_t) -1);
        /* Only us: fine either way. */
        for (int a = PRIVATE_OWNER_ONLY; a <= PRIVATE_GROUP_READ; a++) {
                st = file_stat(0600, other);
                CHECK_EQ_INT(file_check_private(&st, (PrivateAccess) a, reason, sizeof(reason)), 0);
                st = file_stat(0400, other);
                CHECK_EQ_INT(file_check_private(&st, (PrivateAccess) a, reason, sizeof(reason)), 0);
                /* Anything for others: never. */
                check_refused(file_stat(0604, ours), (PrivateAccess) a, "may be read by other users (mode 0604)");
                check_refused(file_stat(0644, ours), (PrivateAccess) a, "(mode 0644)");
                check_refused(file_stat(0602, ours), (PrivateAccess) a, "other users");
                check_refused(file_stat(0601, ours), (PrivateAccess) a, "other users");
                check_refused(file_stat(0666, ours), (PrivateAccess) a, "(mode 0666)");
                /* Writing or executing by the group: never. */
                check_refused(file_stat(0620, ours), (PrivateAccess) a, "group");
                check_refused(file_stat(0660, ours), (PrivateAccess) a, "(mode 0660)");
                check_refused(file_stat(0610, ours), (PrivateAccess) a, "group");
        }
        /* Group read: only for files the admin hands us, and only through a
         * group we run in (chgrp lanparty-relayd FILE; chmod 640 FILE). */
        check_refused(file_stat(0640, ours), PRIVATE_OWNER_ONLY, "may be read by the members of group");
        st = file_stat(0640, ours);
        CHECK_EQ_INT(file_check_private(&st, PRIVATE_GROUP_READ, reason, sizeof(reason)), 0);
        st = file_stat(0440, ours);
        CHECK_EQ_INT(file_check_private(&st, PRIVATE_GROUP_READ, reason, sizeof(reason)), 0);
        check_refused(file_stat(0640, other), PRIVATE_GROUP_READ, "which this process is not in");
        /* Set-id bits show in the mode and change nothing. */
        check_refused(file_stat(04644, ours), PRIVATE_GROUP_READ, "(mode 4644)");

        /* Directories holding secrets: nobody else may change what is in
         * them; listing them shows only names. */
        st = (struct stat) { .st_mode = S_IFDIR | 0700 };
        CHECK_EQ_INT(file_check_private(&st, PRIVATE_OWNER_ONLY, reason, sizeof(reason)), 0);
        st.st_mode = S_IFDIR | 0755;
        CHECK_EQ_INT(file_check_private(&st, PRIVATE_OWNER_ONLY, reason, sizeof(reason)), 0);
        st.st_mode = S_IFDIR | 0777;
        CHECK_EQ_INT(file_check_private(&st, PRIVATE_OWNER_ONLY, reason, sizeof(reason)), -EPERM);
        CHECK(strstr(reason, "may be changed by other users (mode 0777)"));
        st.st_mode = S_IFDIR | 01777;
        CHECK_EQ_INT(file_check_private(&st, PRIVATE_OWNER_ONLY, reason, sizeof(reason)), -EPERM);
        st.st_mode = S_IFDIR | 0770;
        st.st_gid = ours;
        CHECK_EQ_INT(file_check_private(&st, PRIVATE_GROUP_READ, reason, sizeof(reason)), -EPERM);
        CHECK(strstr(reason, "(mode 0770)"));

        CHECK_EQ_INT(file_check_private(NULL, PRIVATE_OWNER_ONLY, reason, sizeof(reason)), -EINVAL);
}

static void test_read(void) {
        char dir[] = "/tmp/test-fileio.XXXXXX", path[256], reason[FILE_PRIVATE_REASON_MAX] = "";
        char *data = NULL;
        size_t size = 0;
        int fd;

        CHECK(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/secret", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        CHECK(fd >= 0);
        CHECK(write(fd, "s3cret\n", 7) == 7);
        close(fd);

        CHECK_EQ_INT(read_private_file(path, 64, PRIVATE_OWNER_ONLY, &data, &size, reason, sizeof(reason)), 0);
        CHECK_EQ_INT(size, 7);
        CHECK(memcmp(data, "s3cret\n", 7) == 0);
        free(data);
        data = NULL;

        CHECK_EQ_INT(chmod(path, 0644), 0);
        CHECK_EQ_INT(read_private_file(path, 64, PRIVATE_GROUP_READ, &data, &size, reason, sizeof(reason)), -EPERM);
        CHECK(!data);
        CHECK(strstr(reason, "may be read by other users (mode 0644)"));
        /* What read_file_bounded() refuses still comes first. */
        CHECK_EQ_INT(read_private_file(path, 3, PRIVATE_GROUP_READ, &data, &size, reason, sizeof(reason)), -EFBIG);
        CHECK_EQ_INT(read_private_file(dir, 64, PRIVATE_GROUP_READ, &data, &size, reason, sizeof(reason)), -EISDIR);

        CHECK_EQ_INT(unlink(path), 0);
        CHECK_EQ_INT(read_private_file(path, 64, PRIVATE_GROUP_READ, &data, &size, reason, sizeof(reason)), -ENOENT);
        CHECK_EQ_INT(rmdir(dir), 0);
}

int main(void) {
        test_check();
        test_read();
        return 0;
}
