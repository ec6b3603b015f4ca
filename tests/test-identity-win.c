/* SPDX-License-Identifier: MIT */
/* identity-win.c under wine or Windows: where the file goes, creating,
 * reusing and replacing it. The parser itself is test-identity's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "ether.h"
#include "identity.h"
#include "test-util.h"

static char tmpdir[MAX_PATH];

static void tmpdir_make(void) {
        char base[MAX_PATH];

        CHECK(GetTempPathA(sizeof(base), base) > 0);
        /* wine reuses process ids across runs, and a run killed before its
         * cleanup leaves its directory: take the first free name. */
        for (unsigned i = 0;; i++) {
                CHECK(i < 1000);
                snprintf(tmpdir, sizeof(tmpdir), "%slanparty-test-identity-%lu-%u", base, GetCurrentProcessId(), i);
                if (CreateDirectoryA(tmpdir, NULL))
                        break;
                CHECK(GetLastError() == ERROR_ALREADY_EXISTS);
        }
}

static size_t file_read(const char *path, char *buf, size_t size) {
        FILE *f = fopen(path, "rb");
        size_t n;

        CHECK(f);
        n = fread(buf, 1, size - 1, f);
        buf[n] = '\0';
        fclose(f);
        return n;
}

static void test_path(void) {
        char buf[MAX_PATH], want[MAX_PATH];

        CHECK_EQ_INT(identity_mac_path(NULL, 10), -EINVAL);
        /* The environment is UTF-16; the path comes back as UTF-8. */
        CHECK(_wputenv(L"LOCALAPPDATA=C:\\Users\\Spieler \u00e9\\AppData\\Local") == 0);
        CHECK_EQ_INT(identity_mac_path(buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "C:\\Users\\Spieler \xc3\xa9\\AppData\\Local\\lanparty\\client-mac");
        CHECK_EQ_INT(identity_mac_path(buf, 10), -ENAMETOOLONG);

        /* Relative or unset: fall back to the profile. */
        CHECK(_putenv("LOCALAPPDATA=relative") == 0);
        CHECK(_putenv("USERPROFILE=D:\\Profiles\\p") == 0);
        CHECK_EQ_INT(identity_mac_path(buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "D:\\Profiles\\p\\AppData\\Local\\lanparty\\client-mac");
        CHECK(_putenv("LOCALAPPDATA=") == 0);
        CHECK_EQ_INT(identity_mac_path(buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "D:\\Profiles\\p\\AppData\\Local\\lanparty\\client-mac");
        CHECK(_putenv("USERPROFILE=") == 0);
        CHECK_EQ_INT(identity_mac_path(buf, sizeof(buf)), -ENOENT);

        snprintf(want, sizeof(want), "LOCALAPPDATA=%s", tmpdir);
        CHECK(_putenv(want) == 0);
}

static void test_load(void) {
        char path[MAX_PATH], corrupt[MAX_PATH], text[64];
        MacAddr a, b, c;

        CHECK_EQ_INT(identity_mac_load(NULL, NULL), -EINVAL);

        /* The default place, directories made on the way. */
        CHECK_EQ_INT(identity_mac_load(NULL, &a), 1);
        CHECK(mac_is_valid_virtual(&a));
        snprintf(path, sizeof(path), "%s\\lanparty\\client-mac", tmpdir);
        CHECK_EQ_INT(file_read(path, text, sizeof(text)), IDENTITY_FILE_LEN);
        CHECK_EQ_INT(identity_mac_load(path, &b), 0);
        CHECK_MEM(a.bytes, b.bytes, LP_MAC_LEN);
        CHECK_EQ_INT(identity_mac_load(NULL, &b), 0);
        CHECK_MEM(a.bytes, b.bytes, LP_MAC_LEN);

        /* A file written by hand, lower or upper case. */
        test_write_file(path, "02:aa:bb:cc:dd:ee\n", 18);
        CHECK_EQ_INT(identity_mac_load(path, &b), 0);
        CHECK_EQ_INT(b.bytes[1], 0xaa);

        /* Corrupt (CRLF from an editor): moved aside, replaced. */
        test_write_file(path, "02:aa:bb:cc:dd:ee\r\n", 19);
        CHECK_EQ_INT(identity_mac_load(path, &c), 1);
        CHECK(mac_is_valid_virtual(&c));
        snprintf(corrupt, sizeof(corrupt), "%s.corrupt", path);
        CHECK_EQ_INT(file_read(corrupt, text, sizeof(text)), 19);
        CHECK_EQ_INT(identity_mac_load(path, &b), 0);
        CHECK_MEM(b.bytes, c.bytes, LP_MAC_LEN);

        /* A second corruption replaces the old .corrupt. */
        test_write_file(path, "garbage", 7);
        CHECK_EQ_INT(identity_mac_load(path, &b), 1);
        CHECK_EQ_INT(file_read(corrupt, text, sizeof(text)), 7);

        /* A directory in the way is not "corrupt". */
        snprintf(path, sizeof(path), "%s\\dir-mac", tmpdir);
        CHECK(CreateDirectoryA(path, NULL));
        CHECK_EQ_INT(identity_mac_load(path, &b), -EEXIST);

        /* Deeper missing parents. */
        snprintf(path, sizeof(path), "%s\\x\\y\\z\\client-mac", tmpdir);
        CHECK_EQ_INT(identity_mac_load(path, &b), 1);
        CHECK_EQ_INT(identity_mac_load(path, &c), 0);
        CHECK_MEM(b.bytes, c.bytes, LP_MAC_LEN);
}

int main(void) {
        tmpdir_make();
        RUN(test_path);
        RUN(test_load);
        return 0;
}
