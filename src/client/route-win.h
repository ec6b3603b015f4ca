/* SPDX-License-Identifier: MIT */
#pragma once

/* What client.exe needs of route-win.c beyond route.h: where its state
 * lives, for --restore (restore-win.c). */

#include <stddef.h>
#include <wchar.h>

/* The state directory route_manager_new() uses for `state_dir` (NULL:
 * %ProgramData%\lanparty). -EINVAL for a relative one. */
int route_win_state_dir(const char *state_dir, wchar_t *buf, size_t size);
