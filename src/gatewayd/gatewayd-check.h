/* SPDX-License-Identifier: MIT */
#pragma once

/* The gateway's half of the party check (PROTOCOL.md, "Party check") for
 * one remote client, as pure state: what CHECK_BEGIN asked, which probes
 * arrived, what to report, and the last finished check for D-Bus and the
 * journal. The manager does the I/O (timer, frames, control messages). */

#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "party-check.h"

typedef struct GatewayCheck {
        /* The check in progress. */
        bool pending;
        uint8_t nonce[LP_CHECK_NONCE_SIZE];
        uint16_t udp_port;
        uint16_t room_mtu;          /* the room's, not what the client claimed */
        uint8_t probes;             /* CHECK_PROBE_* */
        uint16_t largest_probe;
        bool full_size_answered;

        /* The last finished one: its report and the client's verdicts. */
        uint64_t last_usec;         /* CLOCK_REALTIME of its report; 0: none yet */
        uint8_t last_nonce[LP_CHECK_NONCE_SIZE];
        uint8_t last_probes;
        uint16_t last_largest_probe;
        bool have_verdicts;
        CheckVerdict verdicts[LP_CHECK_STEPS];
} GatewayCheck;

/* What to do with a probe found in a client's frame. */
typedef enum GatewayCheckAction {
        GATEWAY_CHECK_CONSUME,          /* count it (or not) and drop it */
        GATEWAY_CHECK_ANSWER_FULL_SIZE, /* drop it and send the full-size answer */
} GatewayCheckAction;

/* Starts (or restarts) a check; room_mtu: the room's. */
void gateway_check_begin(GatewayCheck *c, const ControlCheckBegin *begin, uint16_t room_mtu);
/* Records a probe from this client's frame (parsed by
 * check_probe_frame_parse(), source MAC already matched to the client). */
GatewayCheckAction gateway_check_probe(GatewayCheck *c, const CheckProbeFrame *probe);
/* Ends the pending check: fills the CHECK_REPORT for `client_id` and keeps
 * it as the last one. Returns false when none was pending. */
bool gateway_check_finish(GatewayCheck *c, uint16_t client_id, uint64_t realtime_usec, ControlCheckReport *ret);
/* Takes the client's verdicts if they are for the last report. */
bool gateway_check_result(GatewayCheck *c, const ControlCheckResult *result);

/* The name of one CHECK_PROBE_* flag, for logs and D-Bus; NULL for
 * anything else. */
const char *check_probe_flag_to_string(uint8_t flag);
