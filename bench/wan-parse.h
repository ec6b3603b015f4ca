/* SPDX-License-Identifier: MIT */
#pragma once

/* The values of wan-emu's command line: "7.5ms", "200M", "64k", "0.1%",
 * "1,25" and "A/B" for the two directions. Each returns 0 or -EINVAL
 * (-ERANGE past the stated limits); nothing is accepted partly. Plain
 * decimal numbers only: no signs, exponents, hex, "inf" or "nan". */

#include <stddef.h>
#include <stdint.h>

#define WAN_MAX_DELAY_NS (10 * UINT64_C(1000000000)) /* 10 s */
#define WAN_MAX_RATE_BPS (100 * UINT64_C(1000000000)) /* 100 Gbit/s */
#define WAN_MAX_SIZE_BYTES (UINT64_C(1) << 30)        /* 1 GiB */

/* A time, "ns", "us", "ms" or "s" after the number; a bare number is ms. */
int wan_parse_duration(const char *s, uint64_t *ret_ns);
/* bit/s: "k", "M" or "G" (powers of 1000) and an optional "bit" after
 * the number; a bare number is bit/s. 0 is allowed (no limit). */
int wan_parse_rate(const char *s, uint64_t *ret_bps);
/* Bytes: "k" or "M" (powers of 1000), "Ki" or "Mi" (1024), an optional
 * "B" after. */
int wan_parse_size(const char *s, uint64_t *ret_bytes);
/* A percentage 0..100, an optional "%" after; returned as 0..1. */
int wan_parse_percent(const char *s, double *ret);
/* Gilbert-Elliott "P,R[,LOSS_GOOD[,LOSS_BAD]]", percentages: P the chance
 * per frame that the good state turns bad, R that the bad turns good;
 * loss in the good state defaults to 0, in the bad one to 100.
 * ret[] = {p, r, loss_good, loss_bad} as 0..1. */
int wan_parse_burst(const char *s, double ret[4]);
/* "X" or "X/Y": the value for A->B and for B->A (X both when alone).
 * -EINVAL for more than one '/', an empty side, or a side that does not
 * fit in `size` bytes. */
int wan_split_directions(const char *s, char *ret_ab, char *ret_ba, size_t size);
