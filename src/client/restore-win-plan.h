/* SPDX-License-Identifier: MIT */
#pragma once

/* The pure part of restore-win.c (client.exe --restore): what the names
 * in a state directory are. route-win.c keeps one instance's state in
 * routes-INSTANCE.state (routes), routes-INSTANCE.interfaces (interface
 * settings) and routes-INSTANCE.lock; a write cut short leaves
 * routes-INSTANCE.state.tmp or .interfaces.tmp. Windows compares names
 * without case, and so does this. Plain C11; unit tested on Linux too. */

#include <stddef.h>

#include "macro.h"
#include "route.h"

typedef enum RestoreFileKind {
        RESTORE_FILE_STATE,
        RESTORE_FILE_INTERFACES,
        RESTORE_FILE_LOCK,
        RESTORE_FILE_TMP,
        _RESTORE_FILE_KIND_MAX,
        _RESTORE_FILE_KIND_INVALID = -EINVAL, /* not one of route-win.c's */
} RestoreFileKind;

/* Which of route-win.c's files `name` (a file name, no directory) is,
 * with its instance in `instance`, which route_instance_is_valid() must
 * accept. _RESTORE_FILE_KIND_INVALID for anything else, NULL included. */
RestoreFileKind restore_file_classify(const char *name, char instance[static ROUTE_INSTANCE_MAX + 1]);

/* The instances found, each once (compared without case). */
#define RESTORE_INSTANCES_MAX 64
typedef struct RestoreInstances {
        char names[RESTORE_INSTANCES_MAX][ROUTE_INSTANCE_MAX + 1];
        size_t n;
} RestoreInstances;

/* Returns 1 when added, 0 when it is there already, -ENOSPC when full,
 * -EINVAL for an invalid instance name. */
int restore_instances_add(RestoreInstances *s, const char *instance);
