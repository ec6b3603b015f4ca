/* SPDX-License-Identifier: MIT */
/* Whether client.exe may trust its state directory and files
 * (win-acl-plan.c): planted and loosely protected ones first, then the
 * security descriptors client.exe itself writes. The ACEs below are the
 * ones Windows shows for them (icacls, or ConvertSecurityDescriptorTo
 * StringSecurityDescriptor); FA is FILE_ALL_ACCESS, 0x1f01ff. Runs on
 * Linux and, in the cross build, under wine. */
#include <errno.h>

#include "test-util.h"
#include "win-acl-plan.h"

#define FILE_ALL_ACCESS_MASK UINT32_C(0x1f01ff)
#define READ_EXECUTE_MASK UINT32_C(0x1200a9)
#define READ_MASK UINT32_C(0x120089)

#define ACES(...) ((const WinAce[]){ __VA_ARGS__ })
#define N_ACES(...) ELEMENTSOF(((const WinAce[]){ __VA_ARGS__ }))
#define DECIDE(owner, culprit, ...) win_acl_decide((owner), true, ACES(__VA_ARGS__), N_ACES(__VA_ARGS__), (culprit))

static const WinAce allow_system = { WIN_ACE_ALLOW, WIN_ACL_SID_SYSTEM, FILE_ALL_ACCESS_MASK };
static const WinAce allow_admins = { WIN_ACE_ALLOW, WIN_ACL_SID_ADMINISTRATORS, FILE_ALL_ACCESS_MASK };

static void test_hostile(void) {
        size_t culprit = 99;

        /* Planted by a user: the owner alone decides, the DACL may look
         * as strict as ours. */
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_OTHER, NULL, allow_system, allow_admins), WIN_ACL_OWNER_UNTRUSTED);
        CHECK_EQ_INT(win_acl_decide(WIN_ACL_SID_OTHER, false, NULL, 0, NULL), WIN_ACL_OWNER_UNTRUSTED);
        /* CREATOR OWNER and OWNER RIGHTS stand for the owner, never are one. */
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_CREATOR_OWNER, NULL, allow_system), WIN_ACL_OWNER_UNTRUSTED);
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_OWNER_RIGHTS, NULL, allow_system), WIN_ACL_OWNER_UNTRUSTED);
        CHECK_EQ_INT(DECIDE((WinAclSid) 42, NULL, allow_system), WIN_ACL_OWNER_UNTRUSTED);
        CHECK_EQ_INT(DECIDE(_WIN_ACL_SID_INVALID, NULL, allow_system), WIN_ACL_OWNER_UNTRUSTED);

        /* A NULL DACL lets everybody in. */
        CHECK_EQ_INT(win_acl_decide(WIN_ACL_SID_ADMINISTRATORS, false, NULL, 0, NULL), WIN_ACL_NO_DACL);
        CHECK_EQ_INT(win_acl_decide(WIN_ACL_SID_SYSTEM, false, &allow_system, 1, NULL), WIN_ACL_NO_DACL);

        /* What a directory made in %ProgramData% without an ACL of its
         * own inherits (icacls C:\ProgramData): BUILTIN\Users may read,
         * and create files and folders (WD, AD, WEA, WA) in it. */
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_ADMINISTRATORS, &culprit, allow_system, allow_admins,
                            { WIN_ACE_ALLOW, WIN_ACL_SID_CREATOR_OWNER, UINT32_C(0x10000000) },
                            { WIN_ACE_ALLOW, WIN_ACL_SID_OTHER, READ_EXECUTE_MASK },
                            { WIN_ACE_ALLOW, WIN_ACL_SID_OTHER, UINT32_C(0x116) }),
                     WIN_ACL_WRITABLE);
        CHECK_EQ_INT(culprit, 4);

        /* Each right that lets somebody else change a file, the list of
         * files, or who may, on its own. */
        static const uint32_t write_rights[] = {
                0x2,        /* FILE_WRITE_DATA, FILE_ADD_FILE */
                0x4,        /* FILE_APPEND_DATA, FILE_ADD_SUBDIRECTORY */
                0x10,       /* FILE_WRITE_EA */
                0x40,       /* FILE_DELETE_CHILD */
                0x100,      /* FILE_WRITE_ATTRIBUTES */
                0x10000,    /* DELETE */
                0x40000,    /* WRITE_DAC */
                0x80000,    /* WRITE_OWNER */
                0x10000000, /* GENERIC_ALL */
                0x40000000, /* GENERIC_WRITE */
                0x1f01ff,   /* FILE_ALL_ACCESS */
        };
        for (size_t i = 0; i < ELEMENTSOF(write_rights); i++) {
                culprit = 99;
                CHECK_EQ_INT(DECIDE(WIN_ACL_SID_SYSTEM, &culprit, allow_system,
                                    { WIN_ACE_ALLOW, WIN_ACL_SID_OTHER, write_rights[i] }),
                             WIN_ACL_WRITABLE);
                CHECK_EQ_INT(culprit, 1);
        }
        /* Entries of kinds we do not know, or SIDs out of range, count as
         * allowing somebody else. */
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_ADMINISTRATORS, NULL, { (WinAceKind) 7, WIN_ACL_SID_OTHER, 0x2 }),
                     WIN_ACL_WRITABLE);
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_ADMINISTRATORS, NULL, { WIN_ACE_ALLOW, (WinAclSid) 42, 0x2 }),
                     WIN_ACL_WRITABLE);
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_ADMINISTRATORS, NULL, { WIN_ACE_ALLOW, _WIN_ACL_SID_INVALID, 0x2 }),
                     WIN_ACL_WRITABLE);

        CHECK_EQ_INT(win_acl_decide(WIN_ACL_SID_SYSTEM, true, NULL, 1, NULL), _WIN_ACL_VERDICT_INVALID);
}

static void test_trusted(void) {
        size_t culprit = 99;

        /* What win-acl.c writes: O:BA D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA). */
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_ADMINISTRATORS, &culprit, allow_system, allow_admins), WIN_ACL_TRUSTED);
        CHECK_EQ_INT(culprit, 99);
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_SYSTEM, NULL, allow_system, allow_admins), WIN_ACL_TRUSTED);
        /* An empty DACL: nobody but the owner, who may change it. */
        CHECK_EQ_INT(win_acl_decide(WIN_ACL_SID_SYSTEM, true, NULL, 0, NULL), WIN_ACL_TRUSTED);
        /* Others may read; deny entries only take away. */
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_ADMINISTRATORS, NULL, allow_system, allow_admins,
                            { WIN_ACE_ALLOW, WIN_ACL_SID_OTHER, READ_EXECUTE_MASK },
                            { WIN_ACE_ALLOW, WIN_ACL_SID_OTHER, READ_MASK },
                            { WIN_ACE_DENY, WIN_ACL_SID_OTHER, FILE_ALL_ACCESS_MASK }),
                     WIN_ACL_TRUSTED);
        /* A state file written by lanparty 0.1 into the inherited
         * directory: CREATOR OWNER's full control became the owner's
         * (Administrators), BUILTIN\Users read only, as (CI) entries do
         * not reach files. */
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_ADMINISTRATORS, NULL, allow_system, allow_admins,
                            { WIN_ACE_ALLOW, WIN_ACL_SID_OTHER, READ_EXECUTE_MASK }),
                     WIN_ACL_TRUSTED);
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_ADMINISTRATORS, NULL, { WIN_ACE_ALLOW, WIN_ACL_SID_CREATOR_OWNER, 0x10000000 },
                            { WIN_ACE_ALLOW, WIN_ACL_SID_OWNER_RIGHTS, FILE_ALL_ACCESS_MASK }),
                     WIN_ACL_TRUSTED);
        /* Rights beyond the write mask (SYNCHRONIZE, READ_CONTROL,
         * ACCESS_SYSTEM_SECURITY, MAXIMUM_ALLOWED, GENERIC_READ and
         * GENERIC_EXECUTE) do not change a thing. */
        CHECK_EQ_INT(DECIDE(WIN_ACL_SID_SYSTEM, NULL, { WIN_ACE_ALLOW, WIN_ACL_SID_OTHER, UINT32_C(0xa3120089) }),
                     WIN_ACL_TRUSTED);
}

static void test_sid_classify(void) {
        CHECK_EQ_INT(win_acl_sid_classify("S-1-5-18"), WIN_ACL_SID_SYSTEM);
        CHECK_EQ_INT(win_acl_sid_classify("S-1-5-32-544"), WIN_ACL_SID_ADMINISTRATORS);
        CHECK_EQ_INT(win_acl_sid_classify("S-1-3-0"), WIN_ACL_SID_CREATOR_OWNER);
        CHECK_EQ_INT(win_acl_sid_classify("S-1-3-4"), WIN_ACL_SID_OWNER_RIGHTS);
        /* Users, Everyone, a local account, near misses. */
        CHECK_EQ_INT(win_acl_sid_classify("S-1-5-32-545"), WIN_ACL_SID_OTHER);
        CHECK_EQ_INT(win_acl_sid_classify("S-1-1-0"), WIN_ACL_SID_OTHER);
        CHECK_EQ_INT(win_acl_sid_classify("S-1-5-21-1004336348-1177238915-682003330-500"), WIN_ACL_SID_OTHER);
        CHECK_EQ_INT(win_acl_sid_classify("S-1-5-18-1"), WIN_ACL_SID_OTHER);
        CHECK_EQ_INT(win_acl_sid_classify("S-1-5-32-5440"), WIN_ACL_SID_OTHER);
        CHECK_EQ_INT(win_acl_sid_classify("s-1-5-18"), WIN_ACL_SID_OTHER);
        CHECK_EQ_INT(win_acl_sid_classify(" S-1-5-18"), WIN_ACL_SID_OTHER);
        CHECK_EQ_INT(win_acl_sid_classify(""), WIN_ACL_SID_OTHER);
        CHECK_EQ_INT(win_acl_sid_classify(NULL), WIN_ACL_SID_OTHER);
}

static void test_strings(void) {
        CHECK_EQ_STR(win_acl_verdict_to_string(WIN_ACL_TRUSTED), "is trusted");
        for (int v = 0; v < _WIN_ACL_VERDICT_MAX; v++)
                CHECK(win_acl_verdict_to_string(v));
        CHECK(!win_acl_verdict_to_string(_WIN_ACL_VERDICT_MAX));
        CHECK(!win_acl_verdict_to_string(_WIN_ACL_VERDICT_INVALID));
}

int main(void) {
        RUN(test_hostile);
        RUN(test_trusted);
        RUN(test_sid_classify);
        RUN(test_strings);
        return 0;
}
