/* SPDX-License-Identifier: MIT */
#pragma once

/* The client's virtual Ethernet port. Frames the OS sends out of it come
 * back from frame_device_read(); frames from the party go in through
 * frame_device_write(). One interface, a backend per platform: a TAP on
 * Linux (tap-linux.c), TAP-Windows6 (tap-win.c), and "null"
 * (frame-device-null.c), which needs no privileges, for interop tests.
 * Plain C11, no OS types: the client core is shared by both clients. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mac.h"
#include "macro.h"
#include "string-table.h"

/* Linux names are below 16 bytes; Windows connection aliases are longer. */
#define FRAME_DEVICE_NAME_MAX 256

typedef enum FrameDeviceType {
        FRAME_DEVICE_TAP,  /* the platform's TAP driver */
        FRAME_DEVICE_NULL, /* discards writes, never produces a frame */
        _FRAME_DEVICE_TYPE_MAX,
        _FRAME_DEVICE_TYPE_INVALID = -EINVAL,
} FrameDeviceType;

/* Inline, so that the command-line parsers (client-win-args.c, with its
 * unit test and fuzz target) use these names without linking a backend;
 * the lookups are string-table.h's, like every other enum's. */
static inline const char *const *frame_device_type_table(void) {
        static const char *const table[_FRAME_DEVICE_TYPE_MAX] = {
                [FRAME_DEVICE_TAP] = "tap",
                [FRAME_DEVICE_NULL] = "null",
        };

        return table;
}

static inline const char *frame_device_type_to_string(FrameDeviceType t) {
        return string_table_lookup_to_string(frame_device_type_table(), _FRAME_DEVICE_TYPE_MAX, t);
}

static inline FrameDeviceType frame_device_type_from_string(const char *s) {
        return (FrameDeviceType) string_table_lookup_from_string(frame_device_type_table(), _FRAME_DEVICE_TYPE_MAX, s);
}

/* What an event loop waits on before calling frame_device_read(). POSIX
 * backends set fd (poll it for POLLIN); Windows sets handle (an event
 * HANDLE signalled when an overlapped read completed). The unused member is
 * -EBADF or NULL; a backend that never produces frames has neither. */
typedef struct FrameDeviceWaitable {
        int fd;
        void *handle;
} FrameDeviceWaitable;

typedef struct FrameDevice FrameDevice;

/* Creates the interface, gives it `mac` (a locally administered unicast
 * address, see mac_is_valid_virtual()) and `mtu` (LP_MTU_MIN..LP_MTU_MAX,
 * L3 bytes), and brings it up. The carrier is on for a Linux TAP and off
 * for TAP-Windows6, whose driver refuses every read and write without it;
 * callers set it with frame_device_set_link() either way. `name_hint` may be NULL
 * for the backend's default; on Linux a "%d" in it picks a free number.
 * Errors are logged with the reason a user can act on (missing driver,
 * missing privileges, name taken) and returned as negative errno. */
int frame_device_open(FrameDeviceType type, const char *name_hint, const MacAddr *mac, uint32_t mtu,
                      FrameDevice **ret);
/* Closes the device; a non-persistent TAP disappears with it. NULL-safe. */
FrameDevice *frame_device_close(FrameDevice *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(FrameDevice *, frame_device_close);

/* Reads one frame without blocking. Returns its length (> 0), -EAGAIN when
 * none is pending, -EMSGSIZE when the frame was larger than `size` and
 * was dropped, or -ENODEV once the device is gone for good (adapter
 * disabled or removed, interface deleted): no frame will come again, and
 * the waitable may stop being offered. A buffer of LP_ETHER_FRAME_MAX
 * bytes takes every frame the overlay can carry. */
int frame_device_read(FrameDevice *d, uint8_t *buf, size_t size);
/* Hands one whole Ethernet frame (LP_ETHER_HEADER_LEN..LP_ETHER_FRAME_MAX
 * bytes, no FCS) to the OS. Returns 0, -EBADMSG/-EMSGSIZE for a length
 * outside that range, or the backend's error (-EAGAIN: queue full, drop;
 * -ENETDOWN: carrier off; -ENODEV: gone for good, as for reads). */
int frame_device_write(FrameDevice *d, const uint8_t *frame, size_t len);

FrameDeviceWaitable frame_device_get_waitable(const FrameDevice *d);

/* The room's MTU arrives in WELCOME, after the device exists. */
int frame_device_set_mtu(FrameDevice *d, uint32_t mtu);
/* up: administratively up and carrier on. down: carrier off only, so the
 * OS sees the link drop while the relay is away, but addresses and routes
 * on the interface survive the reconnect. */
int frame_device_set_link(FrameDevice *d, bool up);

/* The name the OS actually gave the interface. */
const char *frame_device_get_name(const FrameDevice *d);
/* The OS interface index (Linux ifindex, Windows IF_INDEX); 0 for null. */
uint32_t frame_device_get_index(const FrameDevice *d);
const MacAddr *frame_device_get_mac(const FrameDevice *d);
uint32_t frame_device_get_mtu(const FrameDevice *d);
FrameDeviceType frame_device_get_type(const FrameDevice *d);

/* For backends only. frame-device.c validates arguments and owns the common
 * state; a backend sees just its own `state` (state_size bytes, zeroed). */
typedef struct FrameDeviceBackend {
        FrameDeviceType type;
        size_t state_size;
        /* Writes the interface's name (NUL-terminated, < name_size) and its
         * index. On failure the backend cleans up after itself. */
        int (*open)(void *state, const char *name_hint, const MacAddr *mac, uint32_t mtu, char *name,
                    size_t name_size, uint32_t *ret_index);
        void (*close)(void *state);
        /* Same contract as frame_device_read(). */
        int (*read)(void *state, uint8_t *buf, size_t size);
        int (*write)(void *state, const uint8_t *frame, size_t len);
        int (*set_mtu)(void *state, uint32_t mtu);
        int (*set_link)(void *state, bool up);
        FrameDeviceWaitable (*get_waitable)(const void *state);
} FrameDeviceBackend;

/* Exactly one TAP backend is linked in: tap-linux.c or tap-win.c. */
extern const FrameDeviceBackend frame_device_backend_tap;
extern const FrameDeviceBackend frame_device_backend_null;
