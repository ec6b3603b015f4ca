/* SPDX-License-Identifier: MIT */
#include "reconnect.h"

#include <limits.h>

#include <gnutls/crypto.h>

#include "string-table.h"

#define NS_PER_MSEC UINT64_C(1000000)

struct Reconnect {
        ReconnectConfig config;
        ReconnectState state;
        unsigned attempt;  /* failed attempts in a row */
        uint64_t retry_at; /* ns; UINT64_MAX unless waiting */
};

static const char *const reconnect_state_table[_RECONNECT_STATE_MAX] = {
        [RECONNECT_IDLE] = "idle",
        [RECONNECT_ATTEMPTING] = "attempting",
        [RECONNECT_WAITING] = "waiting",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(reconnect_state, ReconnectState)

/* Steps of reconnect_backoff_delay(), in ms. */
static const uint64_t backoff_steps_ms[] = { 500, 1000, 2000, 4000, 8000, 15000 };

uint64_t reconnect_backoff_delay(unsigned attempt, uint16_t jitter) {
        uint64_t base = backoff_steps_ms[MIN(attempt, (unsigned) ELEMENTSOF(backoff_steps_ms) - 1)];

        return (base + base * jitter / 65536 / 4) * NS_PER_MSEC;
}

/* Jitter only: a failed read just means no jitter. */
static uint16_t reconnect_jitter_gnutls(void *userdata) {
        uint16_t v = 0;

        if (gnutls_rnd(GNUTLS_RND_NONCE, &v, sizeof(v)) < 0)
                v = 0;
        return v;
}

int reconnect_new(Reconnect **ret, const ReconnectConfig *config) {
        Reconnect *r;

        if (!ret)
                return -EINVAL;
        r = calloc(1, sizeof(Reconnect));
        if (!r)
                return -ENOMEM;
        if (config)
                r->config = *config;
        if (!r->config.jitter)
                r->config.jitter = reconnect_jitter_gnutls;
        r->state = RECONNECT_IDLE;
        r->retry_at = UINT64_MAX;
        *ret = r;
        return 0;
}

Reconnect *reconnect_free(Reconnect *r) {
        free(r);
        return NULL;
}

int reconnect_begin(Reconnect *r) {
        if (r->state == RECONNECT_ATTEMPTING)
                return -EBUSY;
        r->state = RECONNECT_ATTEMPTING;
        r->retry_at = UINT64_MAX;
        return 0;
}

void reconnect_succeeded(Reconnect *r) {
        r->attempt = 0;
}

uint64_t reconnect_failed(Reconnect *r, uint64_t now, ReconnectPace pace) {
        unsigned step = pace == RECONNECT_PACE_SLOWEST ? UINT_MAX : r->attempt;
        uint64_t delay = reconnect_backoff_delay(step, r->config.jitter(r->config.userdata));

        if (r->attempt < UINT_MAX)
                r->attempt++;
        r->state = RECONNECT_WAITING;
        r->retry_at = delay > UINT64_MAX - now ? UINT64_MAX : now + delay;
        return delay;
}

void reconnect_cancel(Reconnect *r) {
        r->state = RECONNECT_IDLE;
        r->retry_at = UINT64_MAX;
}

ReconnectState reconnect_get_state(Reconnect *r) {
        return r->state;
}

unsigned reconnect_get_attempt(Reconnect *r) {
        return r->attempt;
}

uint64_t reconnect_get_retry_at(Reconnect *r) {
        return r->retry_at;
}

bool reconnect_is_due(Reconnect *r, uint64_t now) {
        return r->state == RECONNECT_WAITING && now >= r->retry_at;
}
