/* SPDX-License-Identifier: MIT */
/* Windows' IPv4 neighbour table on the model's TAPs: a unicast datagram to
 * an address with no entry sends an ARP request (RFC 826) and leaves an
 * Incomplete entry (the datagram itself waits; the model drops it), an
 * ARP reply written by the application makes the entry Reachable with the
 * sender's MAC (MIB_IPNET_ROW2's states, Microsoft Learn), and
 * GetIpNetEntry2 looks entries up without resolving anything. No aging,
 * no probes, no answers to requests for our own address. */
#include <string.h>

#include "model.h"

#define MODEL_NEIGHBOURS_MAX 32

typedef struct ModelNeighbour {
        bool used;
        NET_IFINDEX ifindex;
        uint8_t ip[4];
        uint8_t mac[6];
        NL_NEIGHBOR_STATE state;
} ModelNeighbour;

static ModelNeighbour neighbours[MODEL_NEIGHBOURS_MAX];
static const uint8_t arp_eth_ipv4[6] = { 0, 1, 8, 0, 6, 4 }; /* Ethernet, IPv4, 6, 4 */

static ModelNeighbour *neighbour_find(NET_IFINDEX ifindex, const uint8_t ip[4], bool create) {
        ModelNeighbour *free_slot = NULL;

        for (size_t k = 0; k < MODEL_NEIGHBOURS_MAX; k++) {
                if (neighbours[k].used && neighbours[k].ifindex == ifindex && memcmp(neighbours[k].ip, ip, 4) == 0)
                        return &neighbours[k];
                if (!neighbours[k].used && !free_slot)
                        free_slot = &neighbours[k];
        }
        if (!create || !free_slot)
                return NULL;
        *free_slot = (ModelNeighbour) { .used = true, .ifindex = ifindex, .state = NlnsIncomplete };
        memcpy(free_slot->ip, ip, 4);
        return free_slot;
}

/* Called with the lock held. */
bool model_arp_resolve(ModelIf *i, const uint8_t src[4], const uint8_t dst[4], uint8_t ret_mac[6]) {
        static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
        uint8_t frame[14 + 28];
        char ab[64];
        ModelNeighbour *n = neighbour_find(i->index, dst, true);

        if (n && n->state == NlnsReachable) {
                memcpy(ret_mac, n->mac, 6);
                return true;
        }
        memcpy(frame, bcast, 6);
        memcpy(frame + 6, i->mac, 6);
        frame[12] = 0x08, frame[13] = 0x06;
        memcpy(frame + 14, arp_eth_ipv4, 6);
        frame[20] = 0, frame[21] = 1; /* request */
        memcpy(frame + 22, i->mac, 6);
        memcpy(frame + 28, src, 4);
        memset(frame + 32, 0, 6);
        memcpy(frame + 38, dst, 4);
        (void) model_tap_stack_send(i->adapter, frame, sizeof(frame));
        model_log("arp-request", "if=%lu dst=%s", (unsigned long) i->index,
                  model_addr_str(AF_INET, dst, ab, sizeof(ab)));
        return false;
}

/* An ARP frame the application wrote; called with the lock held. */
void model_arp_receive(ModelIf *i, const uint8_t *f, size_t len) {
        const uint8_t *a = f + 14;
        ModelNeighbour *n;
        char ab[64];

        if (len < 14 + 28 || memcmp(a, arp_eth_ipv4, 6) != 0 || a[6] != 0 || a[7] != 2)
                return;
        /* Only answers to what we asked update the table. */
        n = neighbour_find(i->index, a + 14, false);
        if (!n)
                return;
        memcpy(n->mac, a + 8, 6);
        n->state = NlnsReachable;
        model_log("arp-reply", "if=%lu ip=%s", (unsigned long) i->index, model_addr_str(AF_INET, a + 14, ab, sizeof(ab)));
}

/* GetIpNetEntry2: the entry for Address on InterfaceLuid or
 * InterfaceIndex; ERROR_NOT_FOUND when there is none. */
DWORD WINAPI model_GetIpNetEntry2(PMIB_IPNET_ROW2 row) {
        ModelNeighbour *n;
        ModelIf *i;
        DWORD e = ERROR_NOT_FOUND;

        if (!row || row->Address.si_family != AF_INET)
                return ERROR_INVALID_PARAMETER;
        model_lock();
        i = row->InterfaceLuid.Value ? model_if_by_luid(&row->InterfaceLuid) : model_if_by_index(row->InterfaceIndex);
        n = i ? neighbour_find(i->index, (const uint8_t *) &row->Address.Ipv4.sin_addr, false) : NULL;
        if (n) {
                row->InterfaceIndex = i->index;
                row->InterfaceLuid = i->luid;
                row->State = n->state;
                row->PhysicalAddressLength = n->state == NlnsIncomplete ? 0 : 6;
                memcpy(row->PhysicalAddress, n->mac, 6);
                e = NO_ERROR;
        }
        model_unlock();
        return e;
}
