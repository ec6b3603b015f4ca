/* SPDX-License-Identifier: MIT */
/* A frame device with nothing behind it: writes vanish, reads never have a
 * frame. It lets a client join a room for interop tests without a TAP
 * driver or privileges; the core's own counters show what arrived. Plain
 * C11. */
#include <stdio.h>
#include <string.h>

#include "frame-device.h"

static int null_open(void *state, const char *name_hint, const MacAddr *mac, uint32_t mtu, char *name,
                     size_t name_size, uint32_t *ret_index) {
        snprintf(name, name_size, "%s", name_hint ? name_hint : "null");
        *ret_index = 0;
        return 0;
}

static void null_close(void *state) {
}

static int null_read(void *state, uint8_t *buf, size_t size) {
        return -EAGAIN;
}

static int null_write(void *state, const uint8_t *frame, size_t len) {
        return 0;
}

static int null_set_mtu(void *state, uint32_t mtu) {
        return 0;
}

static int null_set_link(void *state, bool up) {
        return 0;
}

static FrameDeviceWaitable null_get_waitable(const void *state) {
        return (FrameDeviceWaitable) { .fd = -EBADF, .handle = NULL };
}

const FrameDeviceBackend frame_device_backend_null = {
        .type = FRAME_DEVICE_NULL,
        .state_size = 0,
        .open = null_open,
        .close = null_close,
        .read = null_read,
        .write = null_write,
        .set_mtu = null_set_mtu,
        .set_link = null_set_link,
        .get_waitable = null_get_waitable,
};
