/* SPDX-License-Identifier: MIT */
#include "gatewayd-bridge.h"

#include <stdlib.h>
#include <string.h>

#include "macro.h"

#define MAC_TABLE_INITIAL 16 /* power of two */

static const char *const bridge_verdict_table[_BRIDGE_VERDICT_MAX - _L2_VERDICT_MAX] = {
        [BRIDGE_LOCAL - _L2_VERDICT_MAX] = "local",
        [BRIDGE_DROP_NO_RELAY - _L2_VERDICT_MAX] = "no_relay",
        [BRIDGE_DROP_TRUNCATED - _L2_VERDICT_MAX] = "truncated",
        [BRIDGE_DROP_LOOP - _L2_VERDICT_MAX] = "loop",
        [BRIDGE_DROP_TOO_BIG - _L2_VERDICT_MAX] = "too_big",
        [BRIDGE_DROP_UNKNOWN_PEER - _L2_VERDICT_MAX] = "unknown_peer",
        [BRIDGE_DROP_CONGESTION - _L2_VERDICT_MAX] = "congestion",
        [BRIDGE_DROP_LINK_DOWN - _L2_VERDICT_MAX] = "link_down",
        [BRIDGE_DROP_UNSEGMENTABLE - _L2_VERDICT_MAX] = "unsegmentable",
};

/* Not a plain table lookup: BridgeVerdict extends L2Verdict, whose names
 * l2_verdict_to_string() owns; the table holds only the values after it. */
const char *bridge_verdict_to_string(BridgeVerdict v) {
        if (v == BRIDGE_FORWARD)
                return "forward";
        if (v > 0 && v < (BridgeVerdict) _L2_VERDICT_MAX)
                return l2_verdict_to_string((L2Verdict) v);
        if (v >= BRIDGE_LOCAL && v < _BRIDGE_VERDICT_MAX)
                return bridge_verdict_table[v - _L2_VERDICT_MAX];
        return NULL;
}

bool bridge_verdict_is_drop(BridgeVerdict v) {
        return v != BRIDGE_FORWARD && v != BRIDGE_LOCAL && v > 0 && v < _BRIDGE_VERDICT_MAX;
}

/* ---- MAC table ---- */

static size_t mac_slot(size_t cap, const MacAddr *mac) {
        /* Vendors hand out the low bytes sequentially: mix them all with a
         * Fibonacci multiply and take the high bits. */
        uint64_t k = 0;

        for (size_t i = 0; i < LP_MAC_LEN; i++)
                k = k << 8 | mac->bytes[i];
        return (size_t) ((k * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

static MacTableEntry *mac_table_find(const MacTable *t, const MacAddr *mac) {
        if (t->cap == 0)
                return NULL;
        for (size_t i = mac_slot(t->cap, mac);; i = (i + 1) & (t->cap - 1)) {
                MacTableEntry *e = &t->entries[i];

                if (!e->used)
                        return NULL;
                if (mac_equal(&e->mac, mac))
                        return e;
        }
}

static void mac_table_insert_new(MacTableEntry *entries, size_t cap, const MacAddr *mac, void *value) {
        size_t i = mac_slot(cap, mac);

        while (entries[i].used)
                i = (i + 1) & (cap - 1);
        entries[i] = (MacTableEntry) { .mac = *mac, .used = true, .value = value };
}

static int mac_table_grow(MacTable *t) {
        size_t cap = t->cap ? t->cap * 2 : MAC_TABLE_INITIAL;
        MacTableEntry *n;

        if (cap < t->cap || cap > SIZE_MAX / sizeof(MacTableEntry))
                return -ENOMEM;
        n = calloc(cap, sizeof(MacTableEntry));
        if (!n)
                return -ENOMEM;
        for (size_t i = 0; i < t->cap; i++)
                if (t->entries[i].used)
                        mac_table_insert_new(n, cap, &t->entries[i].mac, t->entries[i].value);
        free(t->entries);
        t->entries = n;
        t->cap = cap;
        return 0;
}

int mac_table_put(MacTable *t, const MacAddr *mac, void *value) {
        MacTableEntry *e;
        int r;

        if (!t || !mac || !value)
                return -EINVAL;
        e = mac_table_find(t, mac);
        if (e) {
                e->value = value;
                return 0;
        }
        /* Load at most 1/2 so probe chains stay short. */
        if ((t->n + 1) * 2 > t->cap) {
                r = mac_table_grow(t);
                if (r < 0)
                        return r;
        }
        mac_table_insert_new(t->entries, t->cap, mac, value);
        t->n++;
        return 0;
}

void *mac_table_get(const MacTable *t, const MacAddr *mac) {
        MacTableEntry *e;

        if (!t || !mac)
                return NULL;
        e = mac_table_find(t, mac);
        return e ? e->value : NULL;
}

int mac_table_remove(MacTable *t, const MacAddr *mac, const void *value) {
        MacTableEntry *e;
        size_t mask, hole;

        if (!t || !mac)
                return 0;
        e = mac_table_find(t, mac);
        if (!e || (value && e->value != value))
                return 0;

        mask = t->cap - 1;
        hole = (size_t) (e - t->entries);
        t->entries[hole] = (MacTableEntry) {};
        /* Backward shift: move later members of the probe chain into the
         * hole when their home slot allows, so lookups need no tombstones. */
        for (size_t i = (hole + 1) & mask; t->entries[i].used; i = (i + 1) & mask) {
                size_t home = mac_slot(t->cap, &t->entries[i].mac);
                bool movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);

                if (movable) {
                        t->entries[hole] = t->entries[i];
                        t->entries[i] = (MacTableEntry) {};
                        hole = i;
                }
        }
        t->n--;
        return 1;
}

size_t mac_table_size(const MacTable *t) {
        return t ? t->n : 0;
}

void mac_table_done(MacTable *t) {
        if (!t)
                return;
        free(t->entries);
        *t = (MacTable) {};
}

/* ---- decisions ---- */

BridgeVerdict bridge_lan_to_remote_header(const uint8_t *frame, size_t len, bool vlan_tagged,
                                          const MacTable *remotes, uint16_t room_mtu) {
        MacAddr dst, src;

        if (room_mtu == 0)
                return BRIDGE_DROP_NO_RELAY;
        /* The kernel took the tag off before we saw the frame: forwarding
         * it would move it from its VLAN onto the untagged one remotely. */
        if (vlan_tagged)
                return (BridgeVerdict) L2_DROP_VLAN_TAGGED;
        if (!frame || len < LP_ETHER_HEADER_LEN)
                return (BridgeVerdict) L2_DROP_MALFORMED;

        memcpy(dst.bytes, frame, LP_MAC_LEN);
        memcpy(src.bytes, frame + LP_MAC_LEN, LP_MAC_LEN);
        /* Our own injected frames never come back (PACKET_IGNORE_OUTGOING),
         * so a remote client's MAC arriving from the wire means another
         * path to the same room, a second gateway, or a spoofer. Sending it
         * back would loop or confuse the relay's view of that client. */
        if (mac_table_get(remotes, &src))
                return BRIDGE_DROP_LOOP;
        if (mac_is_unicast(&dst) && !mac_table_get(remotes, &dst))
                return BRIDGE_LOCAL;
        return BRIDGE_FORWARD;
}

BridgeVerdict bridge_lan_to_remote(const uint8_t *frame, size_t len, bool truncated, bool vlan_tagged,
                                   const MacTable *remotes, uint16_t room_mtu, size_t frame_budget) {
        L2FilterContext ctx = { .mtu = room_mtu };
        BridgeVerdict b;
        L2Verdict v;

        if (room_mtu == 0)
                return BRIDGE_DROP_NO_RELAY;
        if (truncated)
                return BRIDGE_DROP_TRUNCATED;
        b = bridge_lan_to_remote_header(frame, len, vlan_tagged, remotes, room_mtu);
        if (b != BRIDGE_FORWARD)
                return b;

        v = l2_filter(frame, len, L2_LAN_TO_REMOTE, &ctx);
        if (v != L2_ALLOW)
                return (BridgeVerdict) v;
        if (len > frame_budget)
                return BRIDGE_DROP_TOO_BIG;
        return BRIDGE_FORWARD;
}

BridgeVerdict bridge_remote_to_lan(const uint8_t *frame, size_t len, const MacAddr *sender, uint16_t room_mtu) {
        L2FilterContext ctx = { .source = sender, .mtu = room_mtu };

        if (!sender)
                return BRIDGE_DROP_UNKNOWN_PEER;
        if (room_mtu == 0)
                return BRIDGE_DROP_NO_RELAY;
        if (!frame)
                return (BridgeVerdict) L2_DROP_MALFORMED;
        return (BridgeVerdict) l2_filter(frame, len, L2_REMOTE_TO_LAN, &ctx);
}

bool bridge_defer_push(BridgeDeferQueue *q, uint16_t peer_id, const uint8_t *frame, size_t len) {
        if (!q || !frame || q->n >= BRIDGE_DEFER_MAX || len < LP_ETHER_HEADER_LEN || len > LP_ETHER_FRAME_MAX)
                return false;
        q->items[q->n].peer_id = peer_id;
        q->items[q->n].len = (uint16_t) len;
        memcpy(q->items[q->n].frame, frame, len);
        q->n++;
        return true;
}
