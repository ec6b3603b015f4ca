/* SPDX-License-Identifier: MIT */
#pragma once

/* What tap-win.c offers besides the frame device (frame-device.h): the
 * installed TAP-Windows6 adapters, for client.exe's --list-tap-adapters
 * and for telling a player without one what to install before anything
 * is changed. Windows only; one registry walk serves both this and
 * frame_device_open(), so the list never disagrees with what opening
 * would find. */

#include <stddef.h>

#include "tap-win-registry.h"

/* More than this many TAP-Windows6 adapters is no real setup; the rest are
 * ignored. */
#define TAP_WIN_ADAPTERS_MAX 16

/* The TAP-Windows6 adapters (ComponentId "tap0901" or "root\\tap0901"
 * under the network class key) with their connection names, read-only.
 * Quiet: half-installed entries are skipped and adapters beyond `max`
 * (capped at TAP_WIN_ADAPTERS_MAX) ignored without a log line, since the
 * caller words its own messages and frame_device_open() warns about those anyway.
 * Returns 0 with *ret_n (0 when none is installed), negative errno when the
 * registry cannot be read. */
int tap_win_adapters_list(TapWinAdapter *adapters, size_t max, size_t *ret_n);
