/* SPDX-License-Identifier: MIT */
#include "gatewayd-cam.h"

#include <string.h>

#include "ether.h"
#include "macro.h"

/* Why this frame: a switch learns the source MAC of every frame on the
 * port it came in on, before and regardless of where it forwards it. The
 * only question is where the frame goes next, and the answer we want is
 * "nowhere":
 *
 * - Addressed to the gateway NIC's own MAC, which the switch has learned on
 *   the very port the frame arrives on (the gateway host talks through that
 *   NIC), the switch learns the client's MAC and then filters the frame,
 *   since it never sends a frame back out its ingress port. No host sees it.
 * - If the gateway's MAC has aged out too, the frame floods as unknown
 *   unicast; every NIC drops it in hardware because it is not addressed to
 *   it, and a promiscuous stack drops it as "other host".
 * - Broadcasts (gratuitous ARP, 802.2 XID/TEST) would reach every host and
 *   some answer them; an ARP from a client's MAC could even overwrite ARP
 *   caches. A made-up destination MAC would never be learned and so flood
 *   every single time.
 *
 * The EtherType is the IEEE local experimental one, which no protocol
 * stack handles, and the payload names us so it is recognisable in a
 * capture. */
static const char cam_marker[] = "lanparty CAM refresh";

int cam_frame_build(uint8_t buf[static CAM_FRAME_LEN], const MacAddr *client, const MacAddr *gateway) {
        if (!client || !gateway)
                return -EINVAL;
        if (!mac_is_valid_source(client) || !mac_is_valid_source(gateway))
                return -EINVAL;
        /* The switch would learn nothing new and the LAN would see our own
         * MAC arrive from a stranger's port. */
        if (mac_equal(client, gateway))
                return -EINVAL;

        memset(buf, 0, CAM_FRAME_LEN);
        memcpy(buf, gateway->bytes, LP_MAC_LEN);
        memcpy(buf + LP_MAC_LEN, client->bytes, LP_MAC_LEN);
        be16_store(buf + 2 * LP_MAC_LEN, CAM_ETHERTYPE);
        memcpy(buf + LP_ETHER_HEADER_LEN, cam_marker, sizeof(cam_marker) - 1);
        return 0;
}

void cam_refresh_init(CamRefresh *r, uint64_t joined_usec) {
        *r = (CamRefresh) {.joined_usec = joined_usec};
}

uint64_t cam_refresh_deadline(const CamRefresh *r, uint64_t interval_usec) {
        if (!r->refreshed)
                return r->joined_usec;
        if (r->last_usec > UINT64_MAX - interval_usec)
                return UINT64_MAX;
        return r->last_usec + interval_usec;
}

bool cam_refresh_due(const CamRefresh *r, uint64_t now_usec, uint64_t interval_usec) {
        return now_usec >= cam_refresh_deadline(r, interval_usec);
}

void cam_refresh_mark(CamRefresh *r, uint64_t now_usec) {
        /* Marks may come from different paths (timer, forwarded frames) with
         * timestamps taken at different moments; never move backwards. */
        if (r->refreshed && now_usec < r->last_usec)
                return;
        r->last_usec = now_usec;
        r->refreshed = true;
}
