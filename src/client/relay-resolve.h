/* SPDX-License-Identifier: MIT */
#pragma once

/* The relay's address from the invite, as both clients look it up. */

#include <stddef.h>

#include "invite.h"
#include "quic.h"

/* The first IPv4 or IPv6 address of the invite's relay (numeric hosts
 * are not sent to DNS). A failed lookup is logged as a warning; either
 * way `reason` says why in words for people. -EHOSTUNREACH, -ENOMEM,
 * -EAFNOSUPPORT (the name has no usable address, not logged) or, on
 * Linux, the system error. */
int relay_resolve(const Invite *invite, QuicAddr *ret, char *reason, size_t reason_size);
