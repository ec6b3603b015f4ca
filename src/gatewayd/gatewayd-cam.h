/* SPDX-License-Identifier: MIT */
#pragma once

/* Keeping the LAN switch's MAC table (CAM) pointed at the gateway port for
 * every remote client. A switch learns where a MAC lives only from frames
 * that MAC sends; a client that is quiet for a while ages out (300 s is the
 * common default) and traffic to it floods every port until it speaks
 * again. So the gateway sends, on each client's behalf, a small frame with
 * the client's MAC as source: once when the client joins, then every
 * interval. Frames the client sends itself refresh the switch just as well,
 * so the caller marks those too and quiet clients are the only ones that
 * cost an extra frame. */

#include <stdbool.h>
#include <stdint.h>

#include "mac.h"

/* The minimum Ethernet frame without FCS; shorter frames are padded by the
 * NIC anyway, so we send it whole and deterministic. */
#define CAM_FRAME_LEN 60
/* IEEE 802 Local Experimental EtherType 1: no host protocol stack acts on
 * it, and it is easy to spot in a capture. */
#define CAM_ETHERTYPE 0x88B5

#define CAM_USEC_PER_SEC UINT64_C(1000000)
/* Well below the 300 s aging time most switches default to, so one lost
 * refresh does not let the entry expire. */
#define CAM_REFRESH_INTERVAL_DEFAULT_USEC (60 * CAM_USEC_PER_SEC)

/* Writes the refresh frame for `client` into `buf`: destination is the
 * gateway NIC's own MAC, source the client's. Returns 0, or -EINVAL when
 * the client MAC is not a valid unicast source or the gateway MAC is not
 * unicast. */
int cam_frame_build(uint8_t buf[static CAM_FRAME_LEN], const MacAddr *client, const MacAddr *gateway);

/* Per-client refresh bookkeeping, in CLOCK_MONOTONIC microseconds as
 * sd-event hands them out. */
typedef struct CamRefresh {
        uint64_t joined_usec;
        uint64_t last_usec; /* meaningful only when `refreshed` */
        bool refreshed;
} CamRefresh;

void cam_refresh_init(CamRefresh *r, uint64_t joined_usec);
/* When the next refresh is due: the join time until the first one went
 * out, then the last refresh plus `interval_usec` (saturating). */
uint64_t cam_refresh_deadline(const CamRefresh *r, uint64_t interval_usec);
bool cam_refresh_due(const CamRefresh *r, uint64_t now_usec, uint64_t interval_usec);
/* Records that a frame with the client's source MAC reached the LAN at
 * `now_usec`: a refresh frame or one of the client's own. */
void cam_refresh_mark(CamRefresh *r, uint64_t now_usec);
