/* SPDX-License-Identifier: MIT */
#pragma once

/* The Linux client's party check (PROTOCOL.md, "Party check"): probes
 * sent and received through the OS stack exactly as games do it — an
 * unbound UDP socket with SO_BROADCAST to 255.255.255.255, the TAP
 * network's directed broadcast and 239.255.255.250, full-size probes with
 * DF, a socket listening for the gateway's probe — plus the TAP's address
 * and an ARP answer from a LAN host. client-check.c judges what this
 * observed. Driven by main-linux.c's poll() loop: one fd, one deadline. */

#include <stdbool.h>
#include <stdint.h>

#include "client-check.h"
#include "client-core.h"

typedef struct PartyCheck PartyCheck;

int party_check_new(PartyCheck **ret);
PartyCheck *party_check_free(PartyCheck *pc);

/* Starts a check on `tap_name` (restarting one in progress): opens the
 * sockets and sends CHECK_BEGIN through the core. -ENOTCONN unless joined. */
int party_check_start(PartyCheck *pc, ClientCore *core, const char *tap_name, uint64_t now);
bool party_check_is_running(const PartyCheck *pc);
/* The listening socket while running, else -EBADF. */
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
