/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* An Ethernet MAC address as raw bytes in wire order. Kept in its own
 * header so control messages, filters and daemons share one type without
 * pulling in frame parsing. Helpers live in ether.h. */
#define LP_MAC_LEN 6
#define LP_MAC_STR_MAX 18 /* "aa:bb:cc:dd:ee:ff" + NUL */

typedef struct MacAddr {
        uint8_t bytes[LP_MAC_LEN];
} MacAddr;
