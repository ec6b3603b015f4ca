/* SPDX-License-Identifier: MIT */
#pragma once

/* A Win32 HANDLE closed when it goes out of scope, as _cleanup_close_
 * does for a file descriptor. Both "no handle" values Win32 uses count:
 * NULL (CreateEvent) and INVALID_HANDLE_VALUE (CreateFile). And memory
 * Windows hands out with LocalAlloc() (security descriptors, SID
 * strings), freed the same way. */

#include <windows.h>

#include "macro.h"

static inline void handle_closep(HANDLE *h) {
        if (*h && *h != INVALID_HANDLE_VALUE)
                CloseHandle(*h);
}

static inline void local_freep(void *p) {
        HLOCAL *h = p;

        if (*h)
                LocalFree(*h);
}
