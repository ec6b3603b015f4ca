/* SPDX-License-Identifier: MIT */
#pragma once

/* Where a frame goes inside a room: the pure part of the relay's data path.
 * No bus, no sockets, no clock of its own, so every case of the forwarding
 * matrix is a unit test.
 *
 *   from a client:  broadcast/multicast → every other peer
 *                   a peer's announced MAC → that peer
 *                   anything else → the gateway ("unknown unicast"; the LAN
 *                   is behind it), dropped while the room has none
 *   from the gateway: broadcast/multicast → every client
 *                   a client's MAC → that client
 *                   anything else → dropped (the LAN has it already)
 *
 * Never back to the sender. Clients can only send from their announced MAC
 * (the L2 filter's spoofed_source), so the only MACs worth learning are the
 * LAN's, behind the gateway: they tell "known" unicast to the gateway from
 * "unknown" unicast, which is rate limited like a flood. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"
#include "mac.h"
#include "macro.h"

/* Learned LAN MACs per room, and how long one is remembered without being
 * seen again as a source. */
#define FORWARD_MAC_TABLE_SIZE 1024U
#define FORWARD_MAC_AGE_NSEC (UINT64_C(300) * UINT64_C(1000000000))
/* Slots probed for one MAC; a full window evicts its oldest entry. */
#define FORWARD_MAC_PROBE 8U

typedef enum ForwardAction {
        FORWARD_ACTION_DROP,
        FORWARD_ACTION_UNICAST, /* to ForwardDecision.target */
        FORWARD_ACTION_FLOOD,   /* to every peer but the sender */
        _FORWARD_ACTION_MAX,
        _FORWARD_ACTION_INVALID = -EINVAL,
} ForwardAction;

/* Which rate limit a forwarded frame is charged to (besides bandwidth). */
typedef enum ForwardClass {
        FORWARD_CLASS_KNOWN_UNICAST,
        FORWARD_CLASS_UNKNOWN_UNICAST,
        FORWARD_CLASS_FLOOD,
        _FORWARD_CLASS_MAX,
        _FORWARD_CLASS_INVALID = -EINVAL,
} ForwardClass;

/* Stable names: they appear in the peers' Drops on D-Bus and in logs. */
typedef enum ForwardDrop {
        FORWARD_DROP_NONE,
        FORWARD_DROP_NO_GATEWAY,                   /* unknown unicast, no gateway in the room */
        FORWARD_DROP_UNKNOWN_UNICAST_FROM_GATEWAY, /* the gateway sent to nobody we know */
        FORWARD_DROP_LOOP,                         /* addressed to the sender itself */
        _FORWARD_DROP_MAX,
        _FORWARD_DROP_INVALID = -EINVAL,
} ForwardDrop;

typedef struct ForwardInput {
        PeerRole ingress_role;
        uint16_t ingress_id;
        uint16_t gateway_id;  /* 0: the room has no gateway right now */
        MacAddr dst;          /* the frame's destination */
        uint16_t dst_peer_id; /* the peer whose announced MAC is dst; 0: none */
        bool dst_on_lan;      /* dst was learned behind the gateway */
} ForwardInput;

typedef struct ForwardDecision {
        ForwardAction action;
        ForwardClass klass;  /* meaningful unless dropped */
        ForwardDrop drop;    /* FORWARD_DROP_NONE unless dropped */
        uint16_t target;     /* FORWARD_ACTION_UNICAST only */
} ForwardDecision;

const char *forward_drop_to_string(ForwardDrop d);
const char *forward_class_to_string(ForwardClass c);

/* Fills *ret. -EINVAL for an invalid role or ingress id 0. */
int forward_decide(const ForwardInput *in, ForwardDecision *ret);

typedef struct ForwardMacEntry {
        MacAddr mac;
        uint64_t seen_nsec; /* 0: empty slot */
} ForwardMacEntry;

/* A fixed-size, allocation-free table: learning on the data path never
 * allocates, and a gateway flooding random sources only evicts its own
 * older entries. The seed keeps slot positions unpredictable. */
typedef struct ForwardMacTable {
        ForwardMacEntry entries[FORWARD_MAC_TABLE_SIZE];
        uint64_t seed;
        size_t n_entries; /* live or aged, not yet evicted */
} ForwardMacTable;

void forward_mac_table_init(ForwardMacTable *t, uint64_t seed);
void forward_mac_table_clear(ForwardMacTable *t);
/* Records mac as seen at now_nsec (must be > 0). Ignores group and
 * all-zero addresses. */
void forward_mac_table_learn(ForwardMacTable *t, const MacAddr *mac, uint64_t now_nsec);
/* Whether mac was learned and seen within FORWARD_MAC_AGE_NSEC of now. */
bool forward_mac_table_lookup(const ForwardMacTable *t, const MacAddr *mac, uint64_t now_nsec);
