/* SPDX-License-Identifier: MIT */
#pragma once

/* The pure part of win-acl.c: whether client.exe, running elevated, may
 * trust its state directory (%ProgramData%\lanparty) and the files in it,
 * given their owner and the access control entries of their DACL. A file
 * there tells the client which routes to delete and which interface
 * settings to "restore"; one written by anybody but SYSTEM or an
 * elevated administrator must never be acted on.
 *
 * Trusted means: owned by SYSTEM or the Administrators group, with a DACL
 * (none at all lets everyone in) whose allow entries give write, delete
 * or permission rights to nobody but SYSTEM and the Administrators.
 * CREATOR OWNER and OWNER RIGHTS entries stand for the owner, who is one
 * of those two then. Deny entries can only take rights away and are not
 * looked at; entries of any type this file does not know count as allow
 * entries. Inherit-only entries count too: on a directory they are what
 * files created in it get.
 *
 * Plain C11, no Windows headers: win-acl.c maps SIDs and ACEs to the
 * types below, and the unit test runs on Linux as well as under wine. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* The SIDs the decision needs to tell apart. */
typedef enum WinAclSid {
        WIN_ACL_SID_SYSTEM,         /* S-1-5-18, LocalSystem */
        WIN_ACL_SID_ADMINISTRATORS, /* S-1-5-32-544, BUILTIN\Administrators */
        WIN_ACL_SID_CREATOR_OWNER,  /* S-1-3-0 */
        WIN_ACL_SID_OWNER_RIGHTS,   /* S-1-3-4 */
        WIN_ACL_SID_OTHER,          /* anybody else: users, Everyone, services */
        _WIN_ACL_SID_MAX,
        _WIN_ACL_SID_INVALID = -EINVAL,
} WinAclSid;

/* A SID in its string form ("S-1-5-18"), as ConvertSidToStringSid()
 * writes it. Anything that is not one of the four named above, including
 * NULL and malformed text, is WIN_ACL_SID_OTHER. */
WinAclSid win_acl_sid_classify(const char *sid);

typedef enum WinAceKind {
        WIN_ACE_ALLOW, /* ACCESS_ALLOWED_ACE_TYPE and every type not named here */
        WIN_ACE_DENY,  /* ACCESS_DENIED_ACE_TYPE */
        _WIN_ACE_KIND_MAX,
        _WIN_ACE_KIND_INVALID = -EINVAL,
} WinAceKind;

typedef struct WinAce {
        WinAceKind kind;
        WinAclSid sid;
        uint32_t mask; /* ACCESS_MASK */
} WinAce;

/* ACCESS_MASK bits that let someone change a file, a directory's list of
 * files, or who may do so: FILE_WRITE_DATA (FILE_ADD_FILE),
 * FILE_APPEND_DATA (FILE_ADD_SUBDIRECTORY), FILE_WRITE_EA,
 * FILE_DELETE_CHILD, FILE_WRITE_ATTRIBUTES, DELETE, WRITE_DAC,
 * WRITE_OWNER, GENERIC_ALL, GENERIC_WRITE. */
#define WIN_ACL_WRITE_MASK UINT32_C(0x500d0156)

typedef enum WinAclVerdict {
        WIN_ACL_TRUSTED,
        WIN_ACL_OWNER_UNTRUSTED, /* owned by somebody else */
        WIN_ACL_NO_DACL,         /* a NULL DACL: everyone may do everything */
        WIN_ACL_WRITABLE,        /* an allow entry lets somebody else write */
        _WIN_ACL_VERDICT_MAX,
        _WIN_ACL_VERDICT_INVALID = -EINVAL,
} WinAclVerdict;

/* For messages: "is owned by somebody else", ... */
const char *win_acl_verdict_to_string(WinAclVerdict v);

/* The decision. `has_dacl` false is a NULL DACL. *ret_culprit (may be
 * NULL) is set to the index of the first offending entry for
 * WIN_ACL_WRITABLE. Returns _WIN_ACL_VERDICT_INVALID for NULL aces with
 * n_aces > 0. */
WinAclVerdict win_acl_decide(WinAclSid owner, bool has_dacl, const WinAce *aces, size_t n_aces, size_t *ret_culprit);
