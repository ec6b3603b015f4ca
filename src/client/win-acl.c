/* SPDX-License-Identifier: MIT */
/* The state directory's and its files' security; see win-acl.h. */
#include "win-acl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include "log.h"
#include "macro.h"
#include "platform-win.h"
#include "win-handle.h"

#define WIN_ACL_WHY_MAX 256

static PSECURITY_DESCRIPTOR sd_from_sddl(const wchar_t *sddl) {
        PSECURITY_DESCRIPTOR sd = NULL;

        if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL)) {
                log_error_errno(errno_from_win32(GetLastError()), "Cannot build a security descriptor: %m");
                return NULL;
        }
        return sd;
}

SECURITY_ATTRIBUTES *win_acl_state_file_attributes(void) {
        static SECURITY_ATTRIBUTES sa;
        static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
        BOOL pending = FALSE;
        PSECURITY_DESCRIPTOR sd;

        if (!InitOnceBeginInitialize(&once, 0, &pending, NULL))
                return NULL;
        if (pending) {
                sd = sd_from_sddl(WIN_ACL_STATE_FILE_SDDL);
                if (sd)
                        sa = (SECURITY_ATTRIBUTES) { .nLength = sizeof(sa), .lpSecurityDescriptor = sd };
                InitOnceComplete(&once, 0, NULL);
        }
        return sa.lpSecurityDescriptor ? &sa : NULL;
}

static WinAclSid sid_kind(PSID sid) {
        _cleanup_(local_freep) char *text = NULL;

        if (!sid || !ConvertSidToStringSidA(sid, &text))
                return WIN_ACL_SID_OTHER;
        return win_acl_sid_classify(text);
}

/* "WINE\bob (S-1-5-21-...)", or the SID alone when it has no name here. */
static const char *sid_describe(PSID sid, char *buf, size_t size) {
        _cleanup_(local_freep) char *text = NULL;
        wchar_t name[128], domain[128];
        char uname[256] = "", udomain[256] = "";
        DWORD n = ELEMENTSOF(name), dn = ELEMENTSOF(domain);
        SID_NAME_USE use;

        if (!sid || !ConvertSidToStringSidA(sid, &text)) {
                snprintf(buf, size, "an unknown account");
                return buf;
        }
        if (LookupAccountSidW(NULL, sid, name, &n, domain, &dn, &use) &&
            wide_to_utf8(name, uname, sizeof(uname)) >= 0 && wide_to_utf8(domain, udomain, sizeof(udomain)) >= 0 &&
            uname[0])
                snprintf(buf, size, "%s%s%s (%s)", udomain, udomain[0] ? "\\" : "", uname, text);
        else
                snprintf(buf, size, "%s", text);
        return buf;
}

/* win_acl_decide() on a security descriptor's owner and DACL; the reason
 * in `why` when it says no. */
static WinAclVerdict security_verdict(PSID owner, PACL dacl, char *why, size_t why_size) {
        _cleanup_free_ WinAce *aces = NULL;
        _cleanup_free_ PSID *sids = NULL;
        char who[WIN_ACL_WHY_MAX];
        size_t n = dacl ? dacl->AceCount : 0, culprit = 0;
        WinAclVerdict v;

        if (n > 0) {
                aces = calloc(n, sizeof(WinAce));
                sids = calloc(n, sizeof(PSID));
                if (!aces || !sids)
                        return _WIN_ACL_VERDICT_INVALID;
        }
        for (size_t i = 0; i < n; i++) {
                ACE_HEADER *h;

                /* Types we do not read count as "anybody may do anything". */
                aces[i] = (WinAce) { WIN_ACE_ALLOW, WIN_ACL_SID_OTHER, UINT32_MAX };
                sids[i] = NULL;
                if (!GetAce(dacl, (DWORD) i, (void **) &h))
                        continue;
                if (h->AceType == ACCESS_ALLOWED_ACE_TYPE || h->AceType == ACCESS_DENIED_ACE_TYPE) {
                        /* The two share their layout. */
                        ACCESS_ALLOWED_ACE *a = (ACCESS_ALLOWED_ACE *) h;

                        sids[i] = (PSID) &a->SidStart;
                        aces[i] = (WinAce) {
                                .kind = h->AceType == ACCESS_DENIED_ACE_TYPE ? WIN_ACE_DENY : WIN_ACE_ALLOW,
                                .sid = sid_kind(sids[i]),
                                .mask = a->Mask,
                        };
                }
        }

        v = win_acl_decide(sid_kind(owner), dacl != NULL, aces, n, &culprit);
        switch (v) {
        case WIN_ACL_OWNER_UNTRUSTED:
                snprintf(why, why_size, "is owned by %s, not by SYSTEM or the Administrators",
                         sid_describe(owner, who, sizeof(who)));
                break;
        case WIN_ACL_WRITABLE:
                if (sids[culprit])
                        snprintf(why, why_size, "may be changed by %s (access mask 0x%08lx)",
                                 sid_describe(sids[culprit], who, sizeof(who)), (unsigned long) aces[culprit].mask);
                else
                        snprintf(why, why_size, "has an access control entry of a kind lanparty does not know");
                break;
        case WIN_ACL_TRUSTED:
                break;
        default:
                snprintf(why, why_size, "%s", win_acl_verdict_to_string(v) ? win_acl_verdict_to_string(v) : "?");
                break;
        }
        return v;
}

/* Compares where a handle really leads with the path asked for: a
 * junction or a link anywhere above shows as a different final path. */
static int path_is_final(HANDLE h, const wchar_t *path) {
        wchar_t want[WIN_PATH_MAX], full[WIN_PATH_MAX], got[WIN_PATH_MAX + 8];
        DWORD n;
        size_t len;

        n = GetFullPathNameW(path, ELEMENTSOF(full), full, NULL);
        if (n == 0 || n >= ELEMENTSOF(full))
                return -ENAMETOOLONG;
        /* 8.3 names (C:\PROGRA~3) are the same place. */
        n = GetLongPathNameW(full, full, ELEMENTSOF(full));
        if (n == 0 || n >= ELEMENTSOF(full))
                return errno_from_win32(GetLastError());
        len = wcslen(full);
        while (len > 3 && (full[len - 1] == L'\\' || full[len - 1] == L'/'))
                full[--len] = L'\0';
        if (full[0] == L'\\' && full[1] == L'\\')
                n = (DWORD) _snwprintf(want, ELEMENTSOF(want), L"\\\\?\\UNC\\%ls", full + 2);
        else
                n = (DWORD) _snwprintf(want, ELEMENTSOF(want), L"\\\\?\\%ls", full);
        if ((int) n < 0 || n >= ELEMENTSOF(want))
                return -ENAMETOOLONG;

        n = GetFinalPathNameByHandleW(h, got, ELEMENTSOF(got), FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
        if (n == 0 || n >= ELEMENTSOF(got))
                return errno_from_win32(GetLastError());
        return CompareStringOrdinal(want, -1, got, -1, TRUE) == CSTR_EQUAL;
}

/* As WireGuard's RootDirectory(): open what is there now, never following
 * a link, and look at that very object from here on. *ret_writable says
 * whether we may change its owner and ACL. */
static int state_dir_open(const wchar_t *dir, const char *path, HANDLE *ret, bool *ret_writable) {
        _cleanup_(handle_closep) HANDLE h = INVALID_HANDLE_VALUE;
        BY_HANDLE_FILE_INFORMATION info;
        bool writable = true;
        int r;

        h = CreateFileW(dir, READ_CONTROL | WRITE_DAC | WRITE_OWNER,
                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                        FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
        if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED) {
                writable = false;
                h = CreateFileW(dir, READ_CONTROL, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                                OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
        }
        if (h == INVALID_HANDLE_VALUE)
                return log_error_errno(errno_from_win32(GetLastError()), "Failed to open %s: %m", path);
        if (!GetFileInformationByHandle(h, &info))
                return log_error_errno(errno_from_win32(GetLastError()), "Failed to look at %s: %m", path);
        if (!(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
                return log_error_errno(ENOTDIR, "%s is a file, not lanparty's state directory. Delete it (as "
                                                "administrator) and start lanparty again.",
                                       path);
        if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
                return log_error_errno(EPERM, "%s is a link to somewhere else, not lanparty's state directory. "
                                              "Delete it (as administrator) and start lanparty again.",
                                       path);
        r = path_is_final(h, dir);
        if (r < 0)
                return log_error_errno(r, "Cannot tell where %s leads: %m", path);
        if (r == 0)
                return log_error_errno(EPERM, "%s leads somewhere else (a link in the path above it); not keeping "
                                              "lanparty's state there.",
                                       path);
        *ret = TAKE_PTR(h);
        *ret_writable = writable;
        return 0;
}

/* A state directory that was there already: trusted as it is, made
 * private, or refused. `sd` is the security descriptor it should have. */
static int state_dir_make_private(HANDLE h, const char *path, PSECURITY_DESCRIPTOR sd, bool writable) {
        _cleanup_(local_freep) PSECURITY_DESCRIPTOR have_sd = NULL;
        char why[WIN_ACL_WHY_MAX];
        PSID owner = NULL;
        PACL dacl = NULL;
        SECURITY_DESCRIPTOR_CONTROL control = 0;
        DWORD revision, e;
        WinAclVerdict v;
        int r;

        e = GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner, NULL,
                            &dacl, NULL, &have_sd);
        if (e != ERROR_SUCCESS)
                return log_error_errno(errno_from_win32(e), "Cannot read who may change %s: %m", path);
        (void) GetSecurityDescriptorControl(have_sd, &control, &revision);

        v = security_verdict(owner, dacl, why, sizeof(why));
        if (v < 0)
                return log_oom();
        if (v == WIN_ACL_TRUSTED && (control & SE_DACL_PROTECTED))
                return 0;
        if (v == WIN_ACL_OWNER_UNTRUSTED)
                return log_error_errno(EPERM, "%s %s: somebody else made it, maybe to have lanparty change this "
                                              "computer's network settings. lanparty keeps nothing there and "
                                              "undoes nothing from there. Delete it (as administrator) and start "
                                              "lanparty again.",
                                       path, why);

        /* SYSTEM's or the Administrators', but it lets others in (as
         * lanparty 0.1 left it), or takes its entries from %ProgramData%.
         * Not SetSecurityInfo(): that would walk into whatever is inside
         * and rewrite it. */
        if (v == WIN_ACL_TRUSTED)
                snprintf(why, sizeof(why), "takes who may change it from %%ProgramData%%");
        r = writable ? 0 : -EACCES;
        if (r == 0 && !SetKernelObjectSecurity(h,
                                               OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                                                       DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                               sd))
                r = errno_from_win32(GetLastError());
        if (r < 0 && v == WIN_ACL_TRUSTED) {
                /* Only SYSTEM and the Administrators may change it today. */
                log_warning_errno(r, "%s %s and cannot be made private (%m), using it as it is.", path, why);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "%s %s, and lanparty cannot make it private (%m). Delete it (as "
                                          "administrator) and start lanparty again.",
                                       path, why);
        log_notice("%s %s; made it private: only SYSTEM and the Administrators may change it now.", path, why);
        return 0;
}

int win_acl_state_dir_prepare(const wchar_t *dir, bool secure) {
        _cleanup_(local_freep) PSECURITY_DESCRIPTOR sd = NULL;
        _cleanup_(handle_closep) HANDLE h = INVALID_HANDLE_VALUE;
        wchar_t probe[WIN_PATH_MAX + 2];
        char path[WIN_PATH_MAX];
        SECURITY_ATTRIBUTES sa;
        bool created, writable = false; /* gcc cannot see state_dir_open() set it */
        int r;

        if (!dir)
                return -EINVAL;
        if (wcslen(dir) + 3 >= ELEMENTSOF(probe))
                return log_error_errno(ENAMETOOLONG, "State directory name too long.");
        if (wide_to_utf8(dir, path, sizeof(path)) < 0)
                snprintf(path, sizeof(path), "the state directory");

        /* win_mkdir_parents() makes the parents of a path; give it one below dir. */
        _snwprintf(probe, ELEMENTSOF(probe), L"%ls\\x", dir);
        probe[ELEMENTSOF(probe) - 1] = L'\0';
        if (!secure) {
                r = win_mkdir_parents(probe);
                if (r < 0)
                        return log_error_errno(r, "Failed to create the state directory %s: %m", path);
                return 0;
        }
        /* Its parents are %ProgramData%'s business, not ours. */
        probe[wcslen(dir)] = L'\0';
        r = win_mkdir_parents(probe);
        if (r < 0)
                return log_error_errno(r, "Failed to create the parents of %s: %m", path);

        sd = sd_from_sddl(WIN_ACL_STATE_DIR_SDDL);
        if (!sd)
                return -ENOMEM;
        sa = (SECURITY_ATTRIBUTES) { .nLength = sizeof(sa), .lpSecurityDescriptor = sd };
        created = CreateDirectoryW(dir, &sa);
        if (!created && GetLastError() != ERROR_ALREADY_EXISTS)
                return log_error_errno(errno_from_win32(GetLastError()), "Failed to create %s: %m", path);

        r = state_dir_open(dir, path, &h, &writable);
        if (r < 0)
                return r;
        /* Made just now, with our security descriptor: nothing to check. */
        if (created)
                return 0;
        return state_dir_make_private(h, path, sd, writable);
}

int win_acl_file_read_trusted(const wchar_t *path, void *buf, size_t size, char *why, size_t why_size) {
        _cleanup_(local_freep) PSECURITY_DESCRIPTOR sd = NULL;
        _cleanup_(handle_closep) HANDLE h = INVALID_HANDLE_VALUE;
        BY_HANDLE_FILE_INFORMATION info;
        PSID owner = NULL;
        PACL dacl = NULL;
        char scratch[WIN_ACL_WHY_MAX];
        WinAclVerdict v;
        DWORD e;

        if (!path || (!buf && size > 0))
                return -EINVAL;
        if (!why || why_size == 0) {
                why = scratch;
                why_size = sizeof(scratch);
        }
        why[0] = '\0';

        /* Directories open too (FILE_FLAG_BACKUP_SEMANTICS), to be told
         * apart from files we may not open. */
        h = CreateFileW(path, (buf ? GENERIC_READ : 0) | READ_CONTROL, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                        FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, NULL);
        if (h == INVALID_HANDLE_VALUE)
                return errno_from_win32(GetLastError());
        if (!GetFileInformationByHandle(h, &info))
                return errno_from_win32(GetLastError());
        if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
                snprintf(why, why_size, "is a link to somewhere else");
                return -EPERM;
        }
        if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                return -EISDIR;

        e = GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner, NULL,
                            &dacl, NULL, &sd);
        if (e != ERROR_SUCCESS)
                return errno_from_win32(e);
        v = security_verdict(owner, dacl, why, why_size);
        if (v < 0)
                return -ENOMEM;
        if (v != WIN_ACL_TRUSTED)
                return -EPERM;
        return buf ? win_read_small_handle(h, buf, size) : 0;
}
