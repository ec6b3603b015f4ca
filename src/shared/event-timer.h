/* SPDX-License-Identifier: MIT */
#pragma once

/* A one-shot sd-event timer for deadlines that move with every packet.
 *
 * Moving an armed timer costs a timerfd_settime() — on a virtual machine a
 * trap to the hypervisor — and a QUIC connection's next deadline (loss
 * detection, ACK delay, pacing, idle) moves later with nearly every packet
 * sent or acknowledged. So an armed timer is only ever moved earlier; a
 * later deadline waits until it fires. Firing early is harmless for an owner
 * that handles only what is due and then arms the timer again. */

#include <stdint.h>
#include <systemd/sd-event.h>

typedef struct EventTimer {
        sd_event_source *source; /* CLOCK_MONOTONIC, owned by the caller */
        uint64_t armed_usec;     /* when it fires; UINT64_MAX when not armed */
} EventTimer;

/* Makes sure the timer fires at usec or earlier. UINT64_MAX ("nothing
 * due") leaves an armed timer alone. Returns 0 or a negative errno. */
int event_timer_arm_by(EventTimer *t, uint64_t usec);

/* Fires exactly at usec (UINT64_MAX: off), moving it either way: for
 * deadlines an early wakeup would act on too soon. */
int event_timer_arm_exactly(EventTimer *t, uint64_t usec);

/* To be called first thing in the timer's handler. */
void event_timer_fired(EventTimer *t);
