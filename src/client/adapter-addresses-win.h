/* SPDX-License-Identifier: MIT */
#pragma once

/* The unicast addresses Windows has on its adapters, as
 * GetAdaptersAddresses() (through win_sys) lists them: the TAP's IPv4
 * address for the status, and whether an address the relay socket got is
 * the TAP's own (the connection must never move into its own tunnel).
 * Windows only. */

#include <stdbool.h>
#include <stdint.h>

#include "quic.h"
#include "win-sys.h"

/* Every adapter with its unicast addresses of `family` (AF_INET, AF_INET6
 * or AF_UNSPEC), no anycast, multicast or DNS servers. Returns 0 with a
 * list to free(), or a negative errno. */
int adapter_addresses_get(ULONG family, IP_ADAPTER_ADDRESSES **ret);

/* Whether adapter `ifindex` has the host address of `a` (its port aside).
 * False if the adapters cannot be read. */
bool adapter_has_address(uint32_t ifindex, const QuicAddr *a);
