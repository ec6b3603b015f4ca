/* SPDX-License-Identifier: MIT */
#include "frame-device.h"

#include <inttypes.h>
#include <stdalign.h>
#include <string.h>

#include "ether.h"
#include "log.h"
#include "mtu.h"

struct FrameDevice {
        const FrameDeviceBackend *backend;
        char name[FRAME_DEVICE_NAME_MAX];
        uint32_t index;
        MacAddr mac;
        uint32_t mtu;
        /* The backend's state follows, aligned for anything it holds. */
        alignas(max_align_t) unsigned char state[];
};

static const FrameDeviceBackend *backend_for(FrameDeviceType type) {
        switch (type) {
        case FRAME_DEVICE_TAP:
                return &frame_device_backend_tap;
        case FRAME_DEVICE_NULL:
                return &frame_device_backend_null;
        default:
                return NULL;
        }
}

int frame_device_open(FrameDeviceType type, const char *name_hint, const MacAddr *mac, uint32_t mtu,
                      FrameDevice **ret) {
        const FrameDeviceBackend *b;
        FrameDevice *d;
        int r;

        if (!mac || !ret)
                return -EINVAL;
        b = backend_for(type);
        if (!b)
                return -EINVAL;
        /* The relay refuses any other MAC anyway; fail here with a clearer reason. */
        if (!mac_is_valid_virtual(mac))
                return log_error_errno(EINVAL, "Virtual MAC must be unicast and locally administered.");
        if (!mtu_is_valid(mtu))
                return log_error_errno(EINVAL, "MTU %" PRIu32 " is outside %d..%d.", mtu, LP_MTU_MIN, LP_MTU_MAX);
        if (name_hint && strlen(name_hint) >= FRAME_DEVICE_NAME_MAX)
                return log_error_errno(EINVAL, "Interface name \"%.32s...\" is too long.", name_hint);

        d = calloc(1, sizeof(FrameDevice) + b->state_size);
        if (!d)
                return log_oom();
        d->backend = b;
        d->mac = *mac;
        d->mtu = mtu;

        r = b->open(d->state, name_hint, mac, mtu, d->name, sizeof(d->name), &d->index);
        if (r < 0) {
                free(d);
                return r;
        }
        d->name[sizeof(d->name) - 1] = '\0';

        *ret = d;
        return 0;
}

FrameDevice *frame_device_close(FrameDevice *d) {
        if (!d)
                return NULL;
        d->backend->close(d->state);
        free(d);
        return NULL;
}

int frame_device_read(FrameDevice *d, uint8_t *buf, size_t size) {
        if (!d || !buf || size == 0)
                return -EINVAL;
        return d->backend->read(d->state, buf, size);
}

int frame_device_write(FrameDevice *d, const uint8_t *frame, size_t len) {
        if (!d || !frame)
                return -EINVAL;
        if (len < LP_ETHER_HEADER_LEN)
                return -EBADMSG;
        if (len > LP_ETHER_FRAME_MAX)
                return -EMSGSIZE;
        return d->backend->write(d->state, frame, len);
}

FrameDeviceWaitable frame_device_get_waitable(const FrameDevice *d) {
        if (!d)
                return (FrameDeviceWaitable) { .fd = -EBADF, .handle = NULL };
        return d->backend->get_waitable(d->state);
}

int frame_device_set_mtu(FrameDevice *d, uint32_t mtu) {
        int r;

        if (!d)
                return -EINVAL;
        if (!mtu_is_valid(mtu))
                return -ERANGE;
        if (mtu == d->mtu)
                return 0;
        r = d->backend->set_mtu(d->state, mtu);
        if (r < 0)
                return r;
        d->mtu = mtu;
        return 1;
}

int frame_device_set_link(FrameDevice *d, bool up) {
        if (!d)
                return -EINVAL;
        return d->backend->set_link(d->state, up);
}

const char *frame_device_get_name(const FrameDevice *d) {
        return d ? d->name : NULL;
}

uint32_t frame_device_get_index(const FrameDevice *d) {
        return d ? d->index : 0;
}

const MacAddr *frame_device_get_mac(const FrameDevice *d) {
        return d ? &d->mac : NULL;
}

uint32_t frame_device_get_mtu(const FrameDevice *d) {
        return d ? d->mtu : 0;
}

FrameDeviceType frame_device_get_type(const FrameDevice *d) {
        return d ? d->backend->type : _FRAME_DEVICE_TYPE_INVALID;
}
