/* SPDX-License-Identifier: MIT */
#pragma once

/* The client's persistent virtual MAC. A party LAN remembers a machine by
 * its MAC (DHCP leases, game bans, "player 2"), so the TAP keeps the same
 * one across runs: generated once, stored per user. Plain C11 in the
 * interface; identity.c holds the portable file format, identity-linux.c
 * where the file lives and how it is written. */

#include <stdbool.h>
#include <stddef.h>

#include "mac.h"

/* The file holds "aa:bb:cc:dd:ee:ff\n": lower-case, colons, one newline. */
#define IDENTITY_FILE_LEN (LP_MAC_STR_MAX - 1 + 1)

/* Strict: exactly 17 characters in the form mac_from_string() takes, with
 * one optional trailing '\n', and a valid virtual MAC (unicast, locally
 * administered, not zero). Anything else (stray spaces, CRLF, a second
 * line, a vendor MAC) is -EBADMSG; `text` need not be NUL-terminated. */
int identity_mac_parse(const char *text, size_t len, MacAddr *ret);
/* Writes the file contents, IDENTITY_FILE_LEN bytes plus a NUL. */
void identity_mac_format(const MacAddr *mac, char buf[static IDENTITY_FILE_LEN + 1]);

/* How the platform stores the file: `text` (IDENTITY_FILE_LEN bytes) to
 * `path`, parent directories created, replaced atomically, readable by
 * this user only. Returns 0 or -errno. */
typedef int (*IdentityStoreFunc)(const char *path, const char *text, void *userdata);

/* A fresh mac_generate_virtual() address, stored with store() and
 * announced in the log (MAC= field). Returns 1, or a negative errno it
 * has logged. */
int identity_mac_generate_and_store(const char *path, IdentityStoreFunc store, void *userdata, MacAddr *ret);

/* Where this user's MAC lives. Linux, first that applies:
 * $STATE_DIRECTORY/client-mac (a systemd service with StateDirectory=),
 * $XDG_STATE_HOME/lanparty/client-mac, ~/.local/state/lanparty/client-mac,
 * /var/lib/lanparty/client-mac for root without $HOME. Returns 0,
 * -ENOENT when none applies, -ENAMETOOLONG when `size` is too small. */
int identity_mac_path(char *buf, size_t size);

/* Reads the MAC from `path` (NULL: identity_mac_path()). A missing file is
 * created with a fresh mac_generate_virtual() address, mode 0600, parent
 * directories 0700. A corrupt file is moved aside to "<path>.corrupt",
 * named in a warning, and replaced by a fresh address: the client must
 * still start, and the old bytes stay for whoever wants them back.
 * Returns 0 when the stored MAC was used, 1 when a new one was written. */
int identity_mac_load(const char *path, MacAddr *ret);
