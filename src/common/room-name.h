/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define LP_ROOM_NAME_MAX 32

/* Room names appear in invite links, D-Bus object paths and journal fields,
 * so they are restricted to 1–32 chars of [A-Za-z0-9_-]. */
bool room_name_is_valid(const char *name, size_t len);
