/* SPDX-License-Identifier: MIT */
#include "room-name.h"

static bool room_char_is_valid(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
}

bool room_name_is_valid(const char *name, size_t len) {
        if (!name || len == 0 || len > LP_ROOM_NAME_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!room_char_is_valid(name[i]))
                        return false;
        return true;
}
