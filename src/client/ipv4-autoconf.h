/* SPDX-License-Identifier: MIT */
#pragma once

/* Telling an address the OS picked itself from one the party's DHCP
 * server gave: the window's LAN-address light, the status line and
 * client.exe's DHCP retry all ask. Plain C11. */

#include <stdbool.h>

/* Whether `text`, a dotted quad, is in 169.254.0.0/16 (RFC 3927): the
 * address Windows (APIPA) or avahi-autoipd takes when no DHCP server
 * answered. Anything that is not a dotted quad is false. */
bool ipv4_text_is_autoconf(const char *text);
