/* SPDX-License-Identifier: MIT */
#include "relayd-forward.h"

#include <string.h>

#include "ether.h"
#include "string-table.h"

static const char *const forward_drop_table[_FORWARD_DROP_MAX] = {
        [FORWARD_DROP_NONE] = "none",
        [FORWARD_DROP_NO_GATEWAY] = "no_gateway",
        [FORWARD_DROP_UNKNOWN_UNICAST_FROM_GATEWAY] = "unknown_unicast_from_gateway",
        [FORWARD_DROP_LOOP] = "loop",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(forward_drop, ForwardDrop)

static const char *const forward_class_table[_FORWARD_CLASS_MAX] = {
        [FORWARD_CLASS_KNOWN_UNICAST] = "known_unicast",
        [FORWARD_CLASS_UNKNOWN_UNICAST] = "unknown_unicast",
        [FORWARD_CLASS_FLOOD] = "flood",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(forward_class, ForwardClass)

static ForwardDecision forward_drop(ForwardDrop reason) {
        return (ForwardDecision) {
                .action = FORWARD_ACTION_DROP,
                .drop = reason,
        };
}

int forward_decide(const ForwardInput *in, ForwardDecision *ret) {
        if (!in || !ret || in->ingress_id == 0)
                return -EINVAL;
        if (in->ingress_role != PEER_ROLE_CLIENT && in->ingress_role != PEER_ROLE_GATEWAY)
                return -EINVAL;

        if (mac_is_multicast(&in->dst)) {
                *ret = (ForwardDecision) {
                        .action = FORWARD_ACTION_FLOOD,
                        .klass = FORWARD_CLASS_FLOOD,
                };
                return 0;
        }

        if (in->dst_peer_id != 0) {
                if (in->dst_peer_id == in->ingress_id)
                        *ret = forward_drop(FORWARD_DROP_LOOP);
                else
                        *ret = (ForwardDecision) {
                                .action = FORWARD_ACTION_UNICAST,
                                .klass = FORWARD_CLASS_KNOWN_UNICAST,
                                .target = in->dst_peer_id,
                        };
                return 0;
        }

        if (in->ingress_role == PEER_ROLE_GATEWAY) {
                /* A LAN host talking to a LAN host: the LAN delivered it. */
                *ret = forward_drop(in->dst_on_lan ? FORWARD_DROP_LOOP : FORWARD_DROP_UNKNOWN_UNICAST_FROM_GATEWAY);
                return 0;
        }

        if (in->gateway_id == 0 || in->gateway_id == in->ingress_id) {
                *ret = forward_drop(FORWARD_DROP_NO_GATEWAY);
                return 0;
        }
        *ret = (ForwardDecision) {
                .action = FORWARD_ACTION_UNICAST,
                .klass = in->dst_on_lan ? FORWARD_CLASS_KNOWN_UNICAST : FORWARD_CLASS_UNKNOWN_UNICAST,
                .target = in->gateway_id,
        };
        return 0;
}

void forward_mac_table_init(ForwardMacTable *t, uint64_t seed) {
        memset(t->entries, 0, sizeof(t->entries));
        t->seed = seed;
        t->n_entries = 0;
}

void forward_mac_table_clear(ForwardMacTable *t) {
        forward_mac_table_init(t, t->seed);
}

static size_t mac_slot(const ForwardMacTable *t, const MacAddr *mac) {
        uint64_t h = UINT64_C(0xcbf29ce484222325) ^ t->seed;

        for (size_t i = 0; i < LP_MAC_LEN; i++)
                h = (h ^ mac->bytes[i]) * UINT64_C(0x100000001b3);
        h ^= h >> 29;
        return (size_t) (h & (FORWARD_MAC_TABLE_SIZE - 1));
}

static bool entry_is_live(const ForwardMacEntry *e, uint64_t now_nsec) {
        if (e->seen_nsec == 0)
                return false;
        /* A clock that went backwards keeps the entry rather than aging
         * everything at once. */
        return now_nsec < e->seen_nsec || now_nsec - e->seen_nsec < FORWARD_MAC_AGE_NSEC;
}

void forward_mac_table_learn(ForwardMacTable *t, const MacAddr *mac, uint64_t now_nsec) {
        ForwardMacEntry *victim = NULL;
        size_t slot;

        if (!t || !mac || now_nsec == 0 || !mac_is_valid_source(mac))
                return;

        slot = mac_slot(t, mac);
        for (size_t i = 0; i < FORWARD_MAC_PROBE; i++) {
                ForwardMacEntry *e = &t->entries[(slot + i) & (FORWARD_MAC_TABLE_SIZE - 1)];

                if (e->seen_nsec != 0 && mac_equal(&e->mac, mac)) {
                        e->seen_nsec = now_nsec;
                        return;
                }
                if (e->seen_nsec == 0) {
                        if (!victim || victim->seen_nsec != 0)
                                victim = e;
                } else if (!victim || (victim->seen_nsec != 0 && e->seen_nsec < victim->seen_nsec))
                        victim = e;
        }

        /* The loop above looked at every slot mac could be in, so it is not
         * in the table: take an empty slot, else the oldest. */
        if (victim->seen_nsec == 0)
                t->n_entries++;
        *victim = (ForwardMacEntry) {
                .mac = *mac,
                .seen_nsec = now_nsec,
        };
}

bool forward_mac_table_lookup(const ForwardMacTable *t, const MacAddr *mac, uint64_t now_nsec) {
        size_t slot;

        if (!t || !mac)
                return false;

        slot = mac_slot(t, mac);
        for (size_t i = 0; i < FORWARD_MAC_PROBE; i++) {
                const ForwardMacEntry *e = &t->entries[(slot + i) & (FORWARD_MAC_TABLE_SIZE - 1)];

                if (e->seen_nsec != 0 && mac_equal(&e->mac, mac))
                        return entry_is_live(e, now_nsec);
        }
        return false;
}
