/* SPDX-License-Identifier: MIT */
#pragma once

/* client.exe --restore: undoes what earlier runs left behind, for every
 * instance that has state in the state directory (route-win.c's
 * routes-INSTANCE.state, .interfaces, .lock): route_manager_new() undoes
 * a crashed run's leftovers as it opens them, route_manager_free() lets
 * go. The uninstaller runs it before it removes client.exe and the
 * directory. Windows only; restore-win-plan.c has its pure part. */

#include <stdio.h>

/* Works on `state_dir` (NULL: %ProgramData%\lanparty, with win-acl.h's
 * checks) and says on `out`, a line per instance, what it did; details
 * are logged. Never creates the directory. Removes lock files and
 * leftovers of cut-short writes. Returns the exit code: 0 when nothing
 * was left behind or all of it was undone, 1 otherwise (something stays
 * recorded, a client is running, or the directory is refused). */
int restore_win_run(const char *state_dir, FILE *out);
/* The same, each line (without its newline) handed to `say_line`: the
 * lanparty service's start, which logs them (service-main-win.c). */
int restore_win_run_say(const char *state_dir, void (*say_line)(void *userdata, const char *line), void *userdata);
