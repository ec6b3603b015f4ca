/* SPDX-License-Identifier: MIT */
#pragma once

/* The consent store's file (consent-store.h) on Windows: read and
 * written by a path the caller resolves (%LOCALAPPDATA%\lanparty\consent,
 * per user). */

#include <wchar.h>

#include "consent-store.h"

/* Reads the store at `path`. A missing file is an empty store (0).
 * Anything else that fails (unreadable, larger than CONSENT_FILE_MAX, not
 * the format) returns a negative errno, logged, with *ret empty: the
 * window then asks, as for a room never allowed. */
int consent_store_load(const wchar_t *path, ConsentStore *ret);

/* Writes the store to `path` atomically (a crash leaves the old file or
 * the new), making the directories above it. */
int consent_store_save(const wchar_t *path, const ConsentStore *s);
