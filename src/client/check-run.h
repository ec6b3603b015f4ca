/* SPDX-License-Identifier: MIT */
#pragma once

/* The party check as both clients run it (PROTOCOL.md, "Party check"):
 * CHECK_BEGIN through the core, four rounds of probes sent through the OS
 * stack exactly as games do it — 255.255.255.255, the TAP network's
 * directed broadcast and 239.255.255.250, a DF ladder up to the room MTU —
 * a socket listening for the gateway's probe, the TAP's address and an
 * ARP answer from a LAN host; then client-check.c's verdicts and
 * CHECK_RESULT. The sockets and what the OS says are check-os.h's (one
 * per platform). Driven by the main loop: one fd (Linux), one deadline. */

#include <stdbool.h>
#include <stdint.h>

#include "client-check.h"
#include "client-core.h"
#include "frame-device.h"

typedef struct PartyCheck PartyCheck;

int party_check_new(PartyCheck **ret);
PartyCheck *party_check_free(PartyCheck *pc);

/* What route_manager_add_discovery_routes() returned at start-up (a
 * RoutePlan or negative errno), so step 1 can say why broadcasts or
 * multicast leave through another interface. */
void party_check_set_discovery_routes(PartyCheck *pc, int result);
/* Starts a check on the TAP `device` (restarting one in progress): opens
 * the sockets and sends CHECK_BEGIN through the core. -ENOTCONN unless
 * joined, -EAGAIN within LP_CHECK_BEGIN_INTERVAL_SEC of the last start
 * (ask again later). `device` must outlive the check. */
int party_check_start(PartyCheck *pc, ClientCore *core, const FrameDevice *device, uint64_t now);
bool party_check_is_running(const PartyCheck *pc);
/* Abandons a running check without an outcome: the session it asked
 * through is gone (the gateway's report cannot come), and judging would
 * blame the party for the dropped connection. Returns whether one ran. */
bool party_check_cancel(PartyCheck *pc);
/* `timeout_ms`, or less when the check wants to run sooner: what the
 * main loop's wait may take. */
uint64_t party_check_timeout_ms(const PartyCheck *pc, uint64_t now, uint64_t timeout_ms);
/* The listening socket while running, else -EBADF; -EBADF on Windows,
 * where party_check_tick() reads it at the end. */
int party_check_get_fd(const PartyCheck *pc);
/* When party_check_tick() wants to run next (CLOCK_MONOTONIC ns); UINT64_MAX
 * when idle. */
uint64_t party_check_get_deadline(const PartyCheck *pc);
/* The listening socket is readable. */
void party_check_process(PartyCheck *pc);
/* The gateway's CHECK_REPORT, from the core's `check` callback. */
void party_check_on_report(PartyCheck *pc, const ControlCheckReport *report);
/* Sends probes when due and finishes on the report or the timeout.
 * Returns 1 when the check just finished: *ret holds the outcome and the
 * CHECK_RESULT has been sent; 0 otherwise. */
int party_check_tick(PartyCheck *pc, ClientCore *core, uint64_t now, ClientCheckOutcome *ret);
