/* SPDX-License-Identifier: MIT */
#pragma once

/* The gateway's frame decisions, kept free of sockets, sessions and clocks
 * so every rule is unit-tested: which LAN frames go to the relay, which
 * relay frames go onto the LAN, and the MAC -> remote client table both
 * directions consult for every frame. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ether.h"
#include "l2filter.h"
#include "mac.h"

/* One outcome per frame. The L2 policy's drop reasons keep their L2Verdict
 * values, so `(BridgeVerdict) l2_filter(...)` is a verdict too; the names
 * are those of l2_verdict_to_string() plus ours. Values index the
 * per-reason counters behind the D-Bus Drops property. */
typedef enum BridgeVerdict {
        BRIDGE_FORWARD = L2_ALLOW,
        /* 1 .. _L2_VERDICT_MAX - 1: the L2 policy's drop reasons */
        /* LAN unicast to a MAC that is no remote client: it stays on the LAN
         * where it belongs. Not a drop; counted apart, never logged. */
        BRIDGE_LOCAL = _L2_VERDICT_MAX,
        BRIDGE_DROP_NO_RELAY,     /* "no_relay": not in the room right now */
        BRIDGE_DROP_TRUNCATED,    /* "truncated": larger than a whole Ethernet frame, cut by capture */
        BRIDGE_DROP_LOOP,         /* "loop": a LAN frame from a remote client's MAC */
        BRIDGE_DROP_TOO_BIG,      /* "too_big": above the tunnel's frame budget or the NIC's MTU */
        BRIDGE_DROP_UNKNOWN_PEER, /* "unknown_peer": from a peer id the relay never announced */
        BRIDGE_DROP_CONGESTION,   /* "congestion": a send queue was full */
        BRIDGE_DROP_LINK_DOWN,    /* "link_down": the LAN NIC refused it (down, gone) */
        BRIDGE_DROP_UNSEGMENTABLE, /* "unsegmentable": a GSO/GRO super-frame we cannot cut (gatewayd-gso.h) */
        _BRIDGE_VERDICT_MAX,
        _BRIDGE_VERDICT_INVALID = -EINVAL,
} BridgeVerdict;

/* "forward", "local", "malformed", ..., "unknown_peer"; NULL out of range. */
const char *bridge_verdict_to_string(BridgeVerdict v);
/* Everything except forward and local. */
bool bridge_verdict_is_drop(BridgeVerdict v);

/* MAC -> remote client, open addressing with linear probing and
 * backward-shift deletion: one lookup per captured frame, no tombstones to
 * degrade it as clients come and go. Zero-initialize before use. */
typedef struct MacTableEntry {
        MacAddr mac;
        bool used;
        void *value;
} MacTableEntry;

typedef struct MacTable {
        MacTableEntry *entries;
        size_t cap; /* 0 or a power of two */
        size_t n;
} MacTable;

/* Adds or replaces. Returns 0 or -ENOMEM; -EINVAL for a NULL value. */
int mac_table_put(MacTable *t, const MacAddr *mac, void *value);
void *mac_table_get(const MacTable *t, const MacAddr *mac);
/* Removes the entry if it maps to `value` (NULL: whatever it maps to), so
 * a late PEER_LEFT of an old client cannot unmap a newer one that reuses
 * the MAC. Returns 1 when removed, 0 when not. */
int mac_table_remove(MacTable *t, const MacAddr *mac, const void *value);
size_t mac_table_size(const MacTable *t);
/* Frees the storage; the table is empty and usable again afterwards. */
void mac_table_done(MacTable *t);

/* A frame captured on the LAN. `room_mtu` 0: not in the room. The frame
 * budget is the session's (what fits a datagram right now). Checks, in
 * order: no relay, truncated capture, VLAN tag seen by the kernel, runt,
 * source is a remote client (a loop), unicast to a non-remote MAC (local),
 * then the L2 policy for LAN -> remote (jumbo above room MTU + 14
 * included), then the frame budget. */
BridgeVerdict bridge_lan_to_remote(const uint8_t *frame, size_t len, bool truncated, bool vlan_tagged,
                                   const MacTable *remotes, uint16_t room_mtu, size_t frame_budget);

/* The checks of bridge_lan_to_remote() that read only the Ethernet header
 * (no relay, VLAN tag, runt, loop, local), for a GSO/GRO super-frame before
 * it is cut into segments: LAN-local bulk TCP is decided once per
 * super-frame, not per segment. BRIDGE_FORWARD means "cut it and decide
 * each segment with bridge_lan_to_remote()". */
BridgeVerdict bridge_lan_to_remote_header(const uint8_t *frame, size_t len, bool vlan_tagged,
                                          const MacTable *remotes, uint16_t room_mtu);

/* A frame from the relay. `sender` is the MAC the relay announced for the
 * source peer id, NULL when the id is unknown. The full L2 policy applies
 * again with that MAC as the only acceptable source: the gateway does not
 * trust the relay with what reaches the party's wire. */
BridgeVerdict bridge_remote_to_lan(const uint8_t *frame, size_t len, const MacAddr *sender, uint16_t room_mtu);

/* Frames from a peer id not (yet) in the table, held until the end of the
 * read batch. The relay sends PEER_JOINED on the control stream before it
 * forwards the newcomer's first frame, but QUIC may deliver a retransmitted
 * stream frame after a datagram that was sent later; within one batch of
 * packets the lookup is repeated once everything has been read. */
#define BRIDGE_DEFER_MAX 8

typedef struct BridgeDeferred {
        uint16_t peer_id;
        uint16_t len;
        uint8_t frame[LP_ETHER_FRAME_MAX];
} BridgeDeferred;

typedef struct BridgeDeferQueue {
        BridgeDeferred items[BRIDGE_DEFER_MAX];
        size_t n;
} BridgeDeferQueue;

/* Returns true when stored; false when full or the frame is not 14 ..
 * LP_ETHER_FRAME_MAX bytes (the caller drops it then). */
bool bridge_defer_push(BridgeDeferQueue *q, uint16_t peer_id, const uint8_t *frame, size_t len);
