/* SPDX-License-Identifier: MIT */
#include "win-acl-plan.h"
#include "string-table.h"

#include <string.h>

static const char *const win_acl_verdict_table[_WIN_ACL_VERDICT_MAX] = {
        [WIN_ACL_TRUSTED] = "is trusted",
        [WIN_ACL_OWNER_UNTRUSTED] = "is owned by somebody other than SYSTEM and the Administrators",
        [WIN_ACL_NO_DACL] = "has no access control list, so everybody may change it",
        [WIN_ACL_WRITABLE] = "may be changed by somebody other than SYSTEM and the Administrators",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(win_acl_verdict, WinAclVerdict)

WinAclSid win_acl_sid_classify(const char *sid) {
        if (!sid)
                return WIN_ACL_SID_OTHER;
        /* ConvertSidToStringSid() writes these exactly so: no case or
         * leading-zero variants to fold. */
        if (strcmp(sid, "S-1-5-18") == 0)
                return WIN_ACL_SID_SYSTEM;
        if (strcmp(sid, "S-1-5-32-544") == 0)
                return WIN_ACL_SID_ADMINISTRATORS;
        if (strcmp(sid, "S-1-3-0") == 0)
                return WIN_ACL_SID_CREATOR_OWNER;
        if (strcmp(sid, "S-1-3-4") == 0)
                return WIN_ACL_SID_OWNER_RIGHTS;
        return WIN_ACL_SID_OTHER;
}

static bool owner_trusted(WinAclSid s) {
        return s == WIN_ACL_SID_SYSTEM || s == WIN_ACL_SID_ADMINISTRATORS;
}

WinAclVerdict win_acl_decide(WinAclSid owner, bool has_dacl, const WinAce *aces, size_t n_aces, size_t *ret_culprit) {
        if (!aces && n_aces > 0)
                return _WIN_ACL_VERDICT_INVALID;
        if (!owner_trusted(owner))
                return WIN_ACL_OWNER_UNTRUSTED;
        if (!has_dacl)
                return WIN_ACL_NO_DACL;
        for (size_t i = 0; i < n_aces; i++) {
                const WinAce *a = &aces[i];

                if (a->kind == WIN_ACE_DENY || (a->mask & WIN_ACL_WRITE_MASK) == 0)
                        continue;
                /* The owner is trusted by now, and CREATOR OWNER and OWNER
                 * RIGHTS name nobody else. */
                if (a->sid != WIN_ACL_SID_OTHER && a->sid >= 0 && a->sid < _WIN_ACL_SID_MAX)
                        continue;
                if (ret_culprit)
                        *ret_culprit = i;
                return WIN_ACL_WRITABLE;
        }
        return WIN_ACL_TRUSTED;
}
