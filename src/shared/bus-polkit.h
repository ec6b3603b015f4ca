/* SPDX-License-Identifier: MIT */
#pragma once

/* Asynchronous polkit checks for sd-bus method handlers, without blocking
 * the event loop while polkit (or an authentication agent) thinks:
 *
 *     r = bus_verify_polkit_async(message, "org.lanparty.relay.manage",
 *                                 details, &m->polkit_registry, error);
 *     if (r < 0)
 *             return r;
 *     if (r == 0)
 *             return 1;   (the answer is pending: the method runs again later)
 *
 * The first call sends CheckAuthorization and returns 0. When polkit
 * answers, the verdict is stored and the same message is put back into the
 * bus's read queue, so the handler runs again and this time gets 1 (allowed)
 * or -EACCES (denied, error set). Handlers must therefore validate their
 * arguments (deterministically) before calling this, and look up the
 * objects they act on after it.
 *
 * Senders with uid 0 are allowed without asking polkit. When polkit is not
 * on the bus, everyone else is denied. */

#include <systemd/sd-bus.h>

#include "macro.h"

typedef struct PolkitRegistry PolkitRegistry;

/* At most this many checks wait for polkit at once; more are refused with
 * -EBUSY so an unprivileged caller cannot make us hold unbounded state. */
#define POLKIT_PENDING_MAX 64

/* details: NULL, or a NULL-terminated list of key, value, key, value, ... */
int bus_verify_polkit_async(sd_bus_message *call, const char *action, const char *const *details,
                            PolkitRegistry **registry, sd_bus_error *error);

/* Cancels pending checks. NULL-safe, returns NULL. */
PolkitRegistry *polkit_registry_free(PolkitRegistry *registry);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolkitRegistry *, polkit_registry_free);
