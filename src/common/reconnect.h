/* SPDX-License-Identifier: MIT */
#pragma once

/* The reconnect supervisor the gateway (gatewayd-relay.c) and the clients
 * (client-core.c) share: one attempt at the relay at a time; when it fails,
 * or the session it started ends, the next one after a jittered backoff;
 * once a session got into the room the backoff starts over.
 *
 * Plain C11 like session.c: no clocks, timers or sockets. The owner passes
 * monotonic nanoseconds in, arms its own timer at reconnect_get_retry_at()
 * and starts the next attempt when it fires, the way quic.h's owners drive
 * a QuicConn's expiry:
 *
 *   reconnect_begin()      an attempt starts (resolve, socket, session);
 *   reconnect_succeeded()  its session joined the room: failures reset;
 *   reconnect_failed()     the attempt failed or its session ended: wait;
 *   reconnect_cancel()     the owner stops: nothing more is scheduled. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

typedef struct Reconnect Reconnect;

typedef enum ReconnectState {
        RECONNECT_IDLE,       /* no attempt yet, or cancelled */
        RECONNECT_ATTEMPTING, /* an attempt, or the session it started, runs */
        RECONNECT_WAITING,    /* backoff: the next attempt at the retry time */
        _RECONNECT_STATE_MAX,
        _RECONNECT_STATE_INVALID = -EINVAL,
} ReconnectState;

const char *reconnect_state_to_string(ReconnectState s);

typedef enum ReconnectPace {
        RECONNECT_PACE_BACKOFF, /* the step of the failures so far */
        /* An end that retrying will not fix by itself (a refused token, a
         * wrong pin): the longest step, so an operator fixing the other
         * side meanwhile is not flooded. */
        RECONNECT_PACE_SLOWEST,
        _RECONNECT_PACE_MAX,
        _RECONNECT_PACE_INVALID = -EINVAL,
} ReconnectPace;

/* A random 0..65535 for the jitter. */
typedef uint16_t (*ReconnectJitterFunc)(void *userdata);

typedef struct ReconnectConfig {
        /* NULL: GnuTLS's nonce generator (0 if it fails: no jitter). */
        ReconnectJitterFunc jitter;
        void *userdata;
} ReconnectConfig;

/* Delay before the next attempt after `attempt` consecutive failures
 * (0-based): 0.5 s, 1 s, 2 s, 4 s, 8 s, then 15 s, plus up to 25% from
 * `jitter` (0..65535) so many peers of a restarted relay do not come back
 * in lockstep. Always whole milliseconds, in ns. */
uint64_t reconnect_backoff_delay(unsigned attempt, uint16_t jitter);

/* `config` may be NULL (all defaults). Starts idle. */
int reconnect_new(Reconnect **ret, const ReconnectConfig *config);
/* NULL-safe; fine at any state (a pending retry is the owner's timer). */
Reconnect *reconnect_free(Reconnect *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Reconnect *, reconnect_free);

/* An attempt starts now, whether the retry time came or not. -EBUSY while
 * one runs already: one session at a time. */
int reconnect_begin(Reconnect *r);
/* The running attempt's session joined: the next failure waits the
 * shortest step again. */
void reconnect_succeeded(Reconnect *r);
/* The running attempt failed, or its session ended and is worth another:
 * schedules the next attempt `now` + the returned delay (ns), and counts
 * the failure. */
uint64_t reconnect_failed(Reconnect *r, uint64_t now, ReconnectPace pace);
/* Nothing runs and nothing is scheduled any more; the failure count stays
 * for the owner to show. */
void reconnect_cancel(Reconnect *r);

ReconnectState reconnect_get_state(Reconnect *r);
/* Failed attempts in a row (saturates at UINT_MAX). */
unsigned reconnect_get_attempt(Reconnect *r);
/* When the next attempt is due (ns); UINT64_MAX unless waiting. */
uint64_t reconnect_get_retry_at(Reconnect *r);
/* Waiting and the retry time has come. */
bool reconnect_is_due(Reconnect *r, uint64_t now);
