/* SPDX-License-Identifier: MIT */
#pragma once

/* client.exe's machine-wide state directory, %ProgramData%\lanparty, with
 * an ACL of its own. The elevated client "restores" what the files there
 * record (routes to delete, interface settings to put back), and
 * %ProgramData% lets every user create folders and files below it, so:
 *
 * - the directory is created with owner Administrators and a protected
 *   DACL, full control for SYSTEM and the Administrators, nobody else,
 *   inherited by everything created in it; files client.exe writes get
 *   the same explicitly. WireGuard for Windows does so for its Data
 *   directory and configuration files (conf/path_windows.go,
 *   conf/filewriter_windows.go), with owner SYSTEM as it runs as a
 *   service; an elevated administrator may only name the Administrators;
 * - a directory already there is opened without following links and must
 *   be a real directory at that very path (no junction, no parent that
 *   leads elsewhere). Owned by SYSTEM or the Administrators but with a
 *   DACL that lets others in (lanparty 0.1 made it so), it is re-secured;
 *   owned by anybody else it is refused: its owner may change its DACL
 *   again at any time (through a handle opened before we took it), and
 *   may have put links or files of their own inside, so only deleting it
 *   and letting client.exe make it anew is safe;
 * - a state file is read through the handle whose owner and DACL were
 *   checked (win-acl-plan.h), so it cannot be swapped in between. One
 *   that fails is never acted on.
 *
 * Wine (8.0, as Debian ships it) keeps no owner and no ACL for files: it
 * makes them up from the Unix owner and mode bits, so every file and
 * directory there belongs to the wine user. Under wine a directory
 * client.exe just made is used, and anything that was there before is
 * refused, which is what the tests check; trusting a file is tested
 * through the pure decision (test-win-acl-plan) instead. */

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "win-acl-plan.h"

/* What the state directory gets (SDDL): owner and group Administrators,
 * a protected DACL that files and subdirectories inherit. */
#define WIN_ACL_STATE_DIR_SDDL L"O:BAG:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
/* What each file client.exe writes there gets. */
#define WIN_ACL_STATE_FILE_SDDL L"O:BAG:BAD:PAI(A;;FA;;;SY)(A;;FA;;;BA)"

struct _SECURITY_ATTRIBUTES;

/* SECURITY_ATTRIBUTES with WIN_ACL_STATE_FILE_SDDL, for CreateFileW() and
 * win_write_file_atomic(); built once, never freed. NULL (logged) when
 * Windows cannot build it. */
struct _SECURITY_ATTRIBUTES *win_acl_state_file_attributes(void);

/* Makes `dir` (absolute) a usable state directory, creating its parents
 * as needed. With `secure` as described at the top: 0 when it is ours
 * now, -EPERM when it is refused (the reason logged at error level, with
 * what to do about it). Without `secure` (a --state-dir the administrator
 * named on the command line) it is only created when missing. */
int win_acl_state_dir_prepare(const wchar_t *dir, bool secure);

/* Opens the file at `path` without following a link, checks its owner
 * and DACL, and reads at most `size` bytes of it through the same handle
 * (nothing when `buf` is NULL). Returns the number of bytes read; -ENOENT
 * when there is no such file; -EISDIR for a directory; -EPERM when it
 * cannot be trusted (a link, or win_acl_decide() says no), with the
 * reason in `why` ("is owned by WINE\bob (S-1-5-21-...), not by SYSTEM or
 * the Administrators"); other negative errno values when it cannot be
 * opened or its security cannot be read. */
int win_acl_file_read_trusted(const wchar_t *path, void *buf, size_t size, char *why, size_t why_size);
