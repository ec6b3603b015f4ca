/* SPDX-License-Identifier: MIT */
#pragma once

/* Finding the TAP-Windows6 adapter, as pure decisions on the strings the
 * registry holds, so they are unit tested without Windows. tap-win.c does
 * the registry and device calls, in UTF-8 converted at the boundary.
 *
 * Adapters live under HKLM\SYSTEM\CurrentControlSet\Control\Class\
 * {4D36E972-E325-11CE-BFC1-08002BE10318}\NNNN: "ComponentId" says which
 * driver ("tap0901" or "root\\tap0901" for TAP-Windows6),
 * "NetCfgInstanceId" is the adapter's GUID, which names its device node
 * \\.\Global\{GUID}.tap, and "NetworkAddress" overrides its MAC. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame-device.h"
#include "mac.h"

#define TAP_WIN_COMPONENT_ID "tap0901"
/* A root-enumerated adapter, as tap-windows6's own installers make them
 * (msm/installation.c, tapctl); OpenVPN's tun.c accepts both ids. */
#define TAP_WIN_COMPONENT_ID_ROOT "root\\" TAP_WIN_COMPONENT_ID
#define TAP_WIN_ADAPTER_CLASS_KEY \
        "SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}"

/* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" */
#define TAP_WIN_GUID_LEN 38
#define TAP_WIN_GUID_STR_MAX (TAP_WIN_GUID_LEN + 1)
/* "\\.\Global\" + GUID + ".tap" + NUL */
#define TAP_WIN_DEVICE_PATH_MAX (11 + TAP_WIN_GUID_LEN + 4 + 1)
/* NetworkAddress: 12 hex digits, no separators. */
#define TAP_WIN_NETWORK_ADDRESS_LEN 12
#define TAP_WIN_NETWORK_ADDRESS_STR_MAX (TAP_WIN_NETWORK_ADDRESS_LEN + 1)
/* Windows allows longer connection names (256 UTF-16 units); one that does
 * not fit here cannot be named, only chosen by GUID. */
#define TAP_WIN_ALIAS_MAX FRAME_DEVICE_NAME_MAX

/* What frame_device_open() returns on Windows besides the usual:
 *   -ENODEV        no TAP-Windows6 adapter is installed
 *   -EDESTADDRREQ  several are, and none was named
 *   -ENXIO         the named one does not exist
 *   -EACCES        setting the MAC needs administrator rights
 *   -EADDRNOTAVAIL the adapter still uses another MAC: the new one applies
 *                  once the adapter is disabled and enabled again (or after
 *                  a reboot). A UI can say exactly that. */

typedef struct TapWinAdapter {
        char instance_id[TAP_WIN_GUID_STR_MAX]; /* as stored, validated */
        char alias[TAP_WIN_ALIAS_MAX];          /* the connection's name; "" when unknown */
} TapWinAdapter;

/* Class subkeys that are adapters: exactly four decimal digits
 * ("Properties" sits beside them and cannot even be opened). */
bool tap_win_class_subkey_is_adapter(const char *name);
/* "tap0901" or "root\\tap0901", compared case-insensitively (older
 * installers wrote "TAP0901"). */
bool tap_win_component_id_is_tap(const char *component_id);
/* Braces, 8-4-4-4-12 hex digits of either case, nothing else. */
bool tap_win_guid_is_valid(const char *s);
/* Case-insensitive, both must be valid. */
bool tap_win_guid_equal(const char *a, const char *b);

/* A GUID's fields as Windows lays out struct GUID. */
typedef struct TapWinGuid {
        uint32_t data1;
        uint16_t data2;
        uint16_t data3;
        uint8_t data4[8];
} TapWinGuid;

/* -EINVAL unless tap_win_guid_is_valid(s). */
int tap_win_guid_parse(const char *s, TapWinGuid *ret);

/* One class subkey's values (NULL when absent). Returns 1 and fills *ret
 * for a TAP-Windows6 adapter, 0 for any other adapter, -EBADMSG for a
 * TAP-Windows6 entry whose NetCfgInstanceId is missing or malformed (a
 * half-installed adapter; callers skip it with a warning). */
int tap_win_adapter_from_registry(const char *component_id, const char *instance_id, TapWinAdapter *ret);

/* Picks the adapter to use. `wanted` (NULL or "" for "any") is an instance
 * GUID or a connection name, both matched case-insensitively as Windows
 * does. Returns 0 with *ret_index, -ENODEV when n == 0, -EDESTADDRREQ when
 * nothing was named and there are several, -ENXIO when the named one is
 * not among them. */
int tap_win_adapter_choose(const TapWinAdapter *adapters, size_t n, const char *wanted, size_t *ret_index);

/* Whether the driver's GET_VERSION answer is TAP_WIN_DRIVER_MIN_MAJOR.
 * TAP_WIN_DRIVER_MIN_MINOR or newer. */
bool tap_win_driver_version_is_supported(uint32_t major, uint32_t minor);

/* "\\.\Global\{GUID}.tap". -EINVAL for an invalid GUID, -ENOBUFS. */
int tap_win_device_path(const char *instance_id, char *buf, size_t size);

/* Upper-case hex, no separators: what the adapter's "Network Address"
 * property page writes. */
void tap_win_network_address_format(const MacAddr *mac, char buf[static TAP_WIN_NETWORK_ADDRESS_STR_MAX]);
/* Exactly 12 hex digits of either case; `s` need not be NUL-terminated.
 * -EBADMSG otherwise. */
int tap_win_network_address_parse(const char *s, size_t len, MacAddr *ret);
/* Whether the NetworkAddress value (`value`, NULL when absent) must be
 * (re)written to give the adapter `mac`. Unparseable values are replaced. */
bool tap_win_network_address_needs_write(const char *value, const MacAddr *mac);
