/* SPDX-License-Identifier: MIT */
#pragma once

/* The TAP-Windows6 driver's control codes. Windows builds them with
 * CTL_CODE(DeviceType, Function, Method, Access); the same formula is
 * spelled out here so the numbers are checked by a unit test on every
 * platform, and tap-win.c checks them against <winioctl.h>'s CTL_CODE at
 * compile time. No OS headers. */

#include <stdint.h>

#define TAP_WIN_FILE_DEVICE_UNKNOWN UINT32_C(0x00000022)
#define TAP_WIN_METHOD_BUFFERED UINT32_C(0)
#define TAP_WIN_FILE_ANY_ACCESS UINT32_C(0)

#define TAP_WIN_CTL_CODE(device_type, function, method, access) \
        (((uint32_t) (device_type) << 16) | ((uint32_t) (access) << 14) | ((uint32_t) (function) << 2) | \
         (uint32_t) (method))

#define TAP_WIN_CONTROL_CODE(function) \
        TAP_WIN_CTL_CODE(TAP_WIN_FILE_DEVICE_UNKNOWN, function, TAP_WIN_METHOD_BUFFERED, TAP_WIN_FILE_ANY_ACCESS)

/* Out: 6 bytes, the MAC the miniport uses right now. */
#define TAP_WIN_IOCTL_GET_MAC TAP_WIN_CONTROL_CODE(1)
/* Out: three ULONGs, major, minor, debug build. */
#define TAP_WIN_IOCTL_GET_VERSION TAP_WIN_CONTROL_CODE(2)
/* 9.21 is tap-windows6's first release (version.m4's history): the NDIS 6
 * rewrite whose source the client and its tests follow. 9.9 to 9.20 are
 * the older NDIS 5 tap-windows driver (also component id tap0901), not
 * signed for current Windows and different in behaviour. */
#define TAP_WIN_DRIVER_MIN_MAJOR 9
#define TAP_WIN_DRIVER_MIN_MINOR 21
/* Out: one ULONG, the driver's MTU (its "MTU" adapter property). */
#define TAP_WIN_IOCTL_GET_MTU TAP_WIN_CONTROL_CODE(3)
/* In: one ULONG, nonzero for media connected. */
#define TAP_WIN_IOCTL_SET_MEDIA_STATUS TAP_WIN_CONTROL_CODE(6)
