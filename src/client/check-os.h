/* SPDX-License-Identifier: MIT */
#pragma once

/* The OS half of the party check, one per platform (check-linux.c,
 * check-win.c), under check-run.c's probe schedule: UDP sockets through
 * the OS stack exactly as games use them — an unbound one with
 * SO_BROADCAST for the probes, a listening one for the gateway's — and
 * what the OS says about the TAP: its address, which interface a
 * broadcast leaves by, whether a LAN host answered ARP. Errors are
 * negative errno values; what cannot be observed stays unknown in the
 * facts (0, ""), which the verdicts word as such. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client-check.h"
#include "frame-device.h"

typedef struct CheckListener CheckListener;
typedef struct CheckSender CheckSender;

/* A UDP socket bound to a port the OS picks on every address, for the
 * gateway's probe. */
int check_os_listen(CheckListener **ret, uint16_t *ret_port);
CheckListener *check_os_listener_free(CheckListener *l);
/* A descriptor to poll for input, or -EBADF where the platform has none
 * (Windows: the datagrams wait in the socket until the check ends). */
int check_os_listener_fd(const CheckListener *l);
/* One datagram's payload; -EAGAIN when none waits. */
int check_os_receive(CheckListener *l, uint8_t *buf, size_t size);

/* A fresh unbound UDP socket with SO_BROADCAST, like a game's. */
int check_os_sender_open(CheckSender **ret);
CheckSender *check_os_sender_free(CheckSender *s);
/* From now on the OS neither fragments this socket's datagrams nor sends
 * one it knows does not fit (-EMSGSIZE). */
void check_os_sender_dont_fragment(CheckSender *s);
/* One datagram to dst (host order) port LP_CHECK_PORT. */
int check_os_send(CheckSender *s, uint32_t dst, const uint8_t *buf, size_t len);

/* Fills what the OS says about `device` and the way broadcasts leave:
 * f->tap_address, f->broadcast_ifname, f->multicast_ifname and the
 * platform's own facts; *ret_directed_broadcast is the TAP network's
 * broadcast address (host order), 0 when unknown. */
void check_os_observe(const FrameDevice *device, ClientCheckFacts *f, uint32_t *ret_directed_broadcast);
/* Makes the OS resolve `host` (host order) on the TAP now ... */
void check_os_arp_ask(const FrameDevice *device, uint32_t host);
/* ... and whether it has a complete neighbour entry for it by now. */
bool check_os_arp_answered(const FrameDevice *device, uint32_t host);
