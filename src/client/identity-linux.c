/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ether.h"
#include "identity.h"
#include "log.h"
#include "macro.h"
#include "file-util.h"

#define IDENTITY_FILE_NAME "client-mac"
#define IDENTITY_PATH_MAX 4096
/* A little more than a valid file holds: a longer file is junk (-EFBIG)
 * without reading all of it. */
#define IDENTITY_READ_MAX 64

/* Unset, empty and relative values count as unset: the XDG spec says to
 * ignore relative paths, and "" is what a careless `export X=` leaves. */
static const char *getenv_absolute(const char *name) {
        const char *e = getenv(name);

        return e && e[0] == '/' ? e : NULL;
}

static int path_join(char *buf, size_t size, const char *dir, size_t dir_len, const char *tail) {
        int n;

        /* A trailing slash on the directory would double up harmlessly, but
         * the path goes into messages; keep it tidy. */
        while (dir_len > 0 && dir[dir_len - 1] == '/')
                dir_len--;
        if (dir_len > INT32_MAX)
                return -ENAMETOOLONG;
        n = snprintf(buf, size, "%.*s/%s", (int) dir_len, dir, tail);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return 0;
}

int identity_mac_path(char *buf, size_t size) {
        const char *e;

        if (!buf || size == 0)
                return -EINVAL;

        /* systemd passes a colon-separated list when a unit names several;
         * the first one is ours. */
        e = getenv_absolute("STATE_DIRECTORY");
        if (e)
                return path_join(buf, size, e, strcspn(e, ":"), IDENTITY_FILE_NAME);
        e = getenv_absolute("XDG_STATE_HOME");
        if (e)
                return path_join(buf, size, e, strlen(e), "lanparty/" IDENTITY_FILE_NAME);
        e = getenv_absolute("HOME");
        if (e)
                return path_join(buf, size, e, strlen(e), ".local/state/lanparty/" IDENTITY_FILE_NAME);
        if (geteuid() == 0)
                return path_join(buf, size, "/var/lib/lanparty", strlen("/var/lib/lanparty"),
                                 IDENTITY_FILE_NAME);
        return -ENOENT;
}

/* mkdir -p for the directory part of `path`. Directories we create are
 * 0700: nobody else needs to look inside, as for XDG base directories. */
static int mkdir_parents(const char *path) {
        char buf[IDENTITY_PATH_MAX];
        size_t len = strlen(path);

        if (len >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, len + 1);

        for (char *p = strchr(buf + 1, '/'); p; p = strchr(p + 1, '/')) {
                *p = '\0';
                if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        return 0;
}

/* file-util's writer makes a new file with `mode` (0600 here) and renames
 * it over the old one after fsync(): a crash leaves the old file or the
 * new one, never half of it. */
static int store_identity_file(const char *path, const char *text, void *userdata) {
        int r;

        r = mkdir_parents(path);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, IDENTITY_FILE_LEN, 0600);
}

int identity_mac_load(const char *path, MacAddr *ret) {
        char default_path[IDENTITY_PATH_MAX], corrupt[IDENTITY_PATH_MAX];
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        MacAddr mac;
        int r;

        if (!ret)
                return -EINVAL;
        if (!path) {
                r = identity_mac_path(default_path, sizeof(default_path));
                if (r == -ENOENT)
                        return log_error_errno(r, "Cannot place the virtual MAC file: neither $XDG_STATE_HOME "
                                                  "nor $HOME is set.");
                if (r < 0)
                        return log_error_errno(r, "Cannot place the virtual MAC file: %m");
                path = default_path;
        }

        r = read_file_bounded(path, IDENTITY_READ_MAX, &text, &len);
        if (r == -ENOENT)
                return identity_mac_generate_and_store(path, store_identity_file, NULL, ret);
        /* A directory or device in the way is not mistaken for a corrupt
         * identity and moved aside. */
        if (r == -EISDIR || r == -EINVAL)
                return log_error_errno(EEXIST, "Virtual MAC file %s is not a regular file; move it away.", path);
        if (r < 0 && r != -EFBIG) /* too long: corrupt, like any other junk */
                return log_error_errno(r, "Failed to read virtual MAC file %s: %m", path);

        if (r >= 0 && identity_mac_parse(text, len, &mac) >= 0) {
                *ret = mac;
                return 0;
        }

        /* Regenerating changes how the party's LAN sees this machine, but
         * refusing to start over a damaged one-line file helps nobody; the
         * old bytes stay next to it. */
        r = snprintf(corrupt, sizeof(corrupt), "%s.corrupt", path);
        if (r < 0 || (size_t) r >= sizeof(corrupt))
                return log_error_errno(ENAMETOOLONG, "Virtual MAC file %s is corrupt: %m", path);
        if (rename(path, corrupt) < 0)
                return log_error_errno(errno, "Virtual MAC file %s is corrupt and cannot be moved aside: %m",
                                       path);
        log_warning("Virtual MAC file %s is corrupt (expected one line \"xx:xx:xx:xx:xx:xx\" with a locally "
                    "administered unicast MAC); moved it to %s and generating a new MAC.",
                    path, corrupt);
        return identity_mac_generate_and_store(path, store_identity_file, NULL, ret);
}
