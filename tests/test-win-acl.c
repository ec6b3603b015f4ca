/* SPDX-License-Identifier: MIT */
/* win-acl.c under wine (or Windows, elevated): the state directory made
 * with its own ACL, planted directories and files refused, and state
 * files written afresh rather than through a planted ".tmp".
 *
 * Wine keeps no owner or ACL for files: it makes them up from the Unix
 * owner and mode, so everything is owned by the wine user (S-1-5-21-0-0-
 * 0-1000), never by SYSTEM or the Administrators. What a directory or
 * file made with our security descriptor is then trusted for is only
 * checked on Windows; under wine this test checks the refusals, and
 * test-win-acl-plan the decision itself. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include "platform-win.h"
#include "test-util.h"
#include "win-acl.h"

static wchar_t base[MAX_PATH];

static bool running_on_wine(void) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

        return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

static const wchar_t *path(const wchar_t *name, wchar_t buf[static MAX_PATH]) {
        _snwprintf(buf, MAX_PATH, L"%ls\\%ls", base, name);
        buf[MAX_PATH - 1] = L'\0';
        return buf;
}

static void file_write(const wchar_t *p, const char *text) {
        HANDLE h = CreateFileW(p, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
        DWORD n = 0;

        CHECK(h != INVALID_HANDLE_VALUE);
        CHECK(WriteFile(h, text, (DWORD) strlen(text), &n, NULL));
        CHECK_EQ_INT(n, strlen(text));
        CloseHandle(h);
}

static void file_expect(const wchar_t *p, const char *text) {
        char buf[256];
        int n = win_read_small_file(p, buf, sizeof(buf) - 1);

        CHECK_EQ_INT(n, strlen(text));
        buf[n] = '\0';
        CHECK_EQ_STR(buf, text);
}

/* Whether any allow entry of `p`'s DACL names Everyone or Users. */
static bool dacl_lets_in_others(const wchar_t *p) {
        PSECURITY_DESCRIPTOR sd = NULL;
        PACL dacl = NULL;
        bool others = false;

        CHECK_EQ_INT(GetNamedSecurityInfoW(p, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd),
                     ERROR_SUCCESS);
        CHECK(dacl);
        for (DWORD i = 0; i < dacl->AceCount; i++) {
                ACCESS_ALLOWED_ACE *a;
                char *sid = NULL;

                CHECK(GetAce(dacl, i, (void **) &a));
                if (a->Header.AceType != ACCESS_ALLOWED_ACE_TYPE)
                        continue;
                CHECK(ConvertSidToStringSidA((PSID) &a->SidStart, &sid));
                if (strcmp(sid, "S-1-1-0") == 0 || strcmp(sid, "S-1-5-32-545") == 0 || strcmp(sid, "S-1-5-11") == 0)
                        others = true;
                LocalFree(sid);
        }
        LocalFree(sd);
        return others;
}

static void test_file_attributes(void) {
        SECURITY_ATTRIBUTES *sa = win_acl_state_file_attributes();
        wchar_t *sddl = NULL;

        CHECK(sa);
        CHECK(sa == win_acl_state_file_attributes());
        CHECK(sa->nLength == sizeof(*sa) && !sa->bInheritHandle);
        CHECK(ConvertSecurityDescriptorToStringSecurityDescriptorW(
                sa->lpSecurityDescriptor, SDDL_REVISION_1,
                OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &sddl, NULL));
        CHECK(wcscmp(sddl, WIN_ACL_STATE_FILE_SDDL) == 0);
        LocalFree(sddl);
}

static void test_dir(void) {
        wchar_t dir[MAX_PATH], planted[MAX_PATH], file[MAX_PATH], nested[MAX_PATH];

        /* Made by us: used, and nobody else may write to it. */
        path(L"ProgramData\\lanparty", dir);
        CHECK_EQ_INT(win_acl_state_dir_prepare(dir, true), 0);
        CHECK(GetFileAttributesW(dir) & FILE_ATTRIBUTE_DIRECTORY);
        CHECK(!dacl_lets_in_others(dir));

        /* Already there. Windows says who made it; wine says the wine
         * user made everything, so it is refused like a planted one. */
        CHECK_EQ_INT(win_acl_state_dir_prepare(dir, true), running_on_wine() ? -EPERM : 0);

        /* Made by somebody else before lanparty ran: refused, and what is
         * inside is left alone. */
        path(L"planted", planted);
        CHECK(CreateDirectoryW(planted, NULL));
        path(L"planted\\routes-tap.state", file);
        file_write(file, "lanparty-client-routes 1\n");
        if (running_on_wine()) {
                CHECK_EQ_INT(win_acl_state_dir_prepare(planted, true), -EPERM);
                file_expect(file, "lanparty-client-routes 1\n");
        }

        /* A file where the directory should be. */
        path(L"planted\\routes-tap.state", file);
        CHECK_EQ_INT(win_acl_state_dir_prepare(file, true), -ENOTDIR);

        /* A --state-dir: created with its parents, never refused. */
        path(L"explicit\\a\\b", nested);
        CHECK_EQ_INT(win_acl_state_dir_prepare(nested, false), 0);
        CHECK(GetFileAttributesW(nested) & FILE_ATTRIBUTE_DIRECTORY);
        CHECK_EQ_INT(win_acl_state_dir_prepare(nested, false), 0);
        CHECK_EQ_INT(win_acl_state_dir_prepare(planted, false), 0);

        CHECK_EQ_INT(win_acl_state_dir_prepare(NULL, true), -EINVAL);
}

static void test_file_trust(void) {
        wchar_t file[MAX_PATH], dir[MAX_PATH];
        char buf[64], why[256] = "untouched";

        path(L"missing", file);
        CHECK_EQ_INT(win_acl_file_read_trusted(file, buf, sizeof(buf), why, sizeof(why)), -ENOENT);
        CHECK_EQ_INT(win_acl_file_read_trusted(file, NULL, 0, NULL, 0), -ENOENT);
        CHECK_EQ_INT(win_acl_file_read_trusted(file, NULL, 1, why, sizeof(why)), -EINVAL);
        CHECK_EQ_INT(win_acl_file_read_trusted(NULL, buf, sizeof(buf), why, sizeof(why)), -EINVAL);

        path(L"explicit", dir);
        CHECK_EQ_INT(win_acl_file_read_trusted(dir, buf, sizeof(buf), why, sizeof(why)), -EISDIR);

        /* Written without our security descriptor, as a planted file is. */
        path(L"plain", file);
        file_write(file, "lanparty-client-routes 1\n");
        if (running_on_wine()) {
                CHECK_EQ_INT(win_acl_file_read_trusted(file, buf, sizeof(buf), why, sizeof(why)), -EPERM);
                fprintf(stderr, "refused: %s\n", why);
                CHECK(strstr(why, "is owned by "));
                CHECK(strstr(why, "S-1-5-21-"));
                CHECK(strstr(why, "not by SYSTEM or the Administrators"));
                CHECK_EQ_INT(win_acl_file_read_trusted(file, NULL, 0, NULL, 0), -EPERM);
        }
}

static void test_write_atomic(void) {
        wchar_t victim[MAX_PATH], target[MAX_PATH], tmp[MAX_PATH];

        /* A ".tmp" planted as a hard link to another file: the write
         * must not go through it. */
        path(L"victim", victim);
        path(L"state", target);
        path(L"state.tmp", tmp);
        file_write(victim, "precious");
        CHECK(CreateHardLinkW(tmp, victim, NULL));
        CHECK_EQ_INT(win_write_file_atomic(target, "new state\n", 10, win_acl_state_file_attributes()), 0);
        file_expect(victim, "precious");
        file_expect(target, "new state\n");
        CHECK(GetFileAttributesW(tmp) == INVALID_FILE_ATTRIBUTES);
        /* Written with our security descriptor: nobody else may write. */
        CHECK(!dacl_lets_in_others(target));

        /* Again over the file just written. */
        CHECK_EQ_INT(win_write_file_atomic(target, "newer\n", 6, NULL), 0);
        file_expect(target, "newer\n");
}

int main(void) {
        wchar_t tmp[MAX_PATH];

        CHECK(GetTempPathW(MAX_PATH, tmp) > 0);
        /* wine reuses process ids across runs: the tick count keeps an
         * earlier run's leftovers out of this one. */
        _snwprintf(base, MAX_PATH, L"%lslanparty-test-win-acl-%lu-%llu", tmp, GetCurrentProcessId(),
                   (unsigned long long) GetTickCount64());
        CHECK(CreateDirectoryW(base, NULL));
        RUN(test_file_attributes);
        RUN(test_dir);
        RUN(test_file_trust);
        RUN(test_write_atomic);
        return 0;
}
