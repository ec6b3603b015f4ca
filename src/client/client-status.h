/* SPDX-License-Identifier: MIT */
#pragma once

/* What a person running a client reads: short status lines made from a
 * diagnostics snapshot ("Connected to relay X (RTT 12 ms)", "Waiting for
 * the party's gateway...") and one line per event (a player joined, the
 * relay went away). Pure functions over ClientDiagnostics and ClientEvent,
 * so both clients word things the same way and tests pin the wording.
 *
 * A ClientStatusTracker decides which lines to print when: a line whose
 * meaning changed (its key) right away, lines whose numbers moved (RTT,
 * counters) at most once per interval. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client-core.h"

#define CLIENT_STATUS_LINE_MAX 384

typedef enum ClientStatusKind {
        CLIENT_STATUS_CONNECTION, /* connecting / connected / retrying / left / failed */
        CLIENT_STATUS_GATEWAY,    /* the party's gateway is there or not */
        CLIENT_STATUS_PLAYERS,    /* how many other players are in the room */
        CLIENT_STATUS_ADDRESS,    /* the device's IPv4 address, as the platform reported it */
        CLIENT_STATUS_BROADCAST,  /* broadcast frames arrived: discovery works */
        CLIENT_STATUS_TRAFFIC,    /* counters and drops */
        _CLIENT_STATUS_KIND_MAX,
        _CLIENT_STATUS_KIND_INVALID = -EINVAL,
} ClientStatusKind;

const char *client_status_kind_to_string(ClientStatusKind k);

typedef struct ClientStatusLine {
        ClientStatusKind kind;
        char text[CLIENT_STATUS_LINE_MAX];
        /* The text without the numbers that move all the time (RTT, byte
         * counts, seconds until a retry): when it changes, so did the news. */
        char key[CLIENT_STATUS_LINE_MAX];
} ClientStatusLine;

/* Fills up to `n` lines (at most one per kind, in kind order) that apply
 * to `d`; returns how many. */
size_t client_status_describe(const ClientDiagnostics *d, ClientStatusLine *lines, size_t n);

/* One line for an event, NUL-terminated in buf. Returns its length, or 0
 * for events that need no line of their own. */
size_t client_status_event(const ClientEvent *e, char *buf, size_t size);

/* "12 B", "3.4 KiB", "1.2 MiB", ...; returns buf. */
const char *client_status_format_bytes(uint64_t n, char *buf, size_t size);

typedef struct ClientStatusTracker {
        uint64_t interval; /* ns between repeats of lines whose numbers moved */
        bool shown[_CLIENT_STATUS_KIND_MAX];
        char key[_CLIENT_STATUS_KIND_MAX][CLIENT_STATUS_LINE_MAX];
        char text[_CLIENT_STATUS_KIND_MAX][CLIENT_STATUS_LINE_MAX];
        uint64_t shown_at[_CLIENT_STATUS_KIND_MAX];
} ClientStatusTracker;

void client_status_tracker_init(ClientStatusTracker *t, uint64_t interval);
/* Marks which of `lines` to print now in show[i] and returns how many:
 * lines that are new or whose key changed, and lines whose text changed
 * when their kind was last shown `interval` ago or longer. A kind that no
 * longer appears is forgotten, so it is shown again when it returns. */
size_t client_status_tracker_update(ClientStatusTracker *t, const ClientStatusLine *lines, size_t n, uint64_t now,
                                    bool *show);
