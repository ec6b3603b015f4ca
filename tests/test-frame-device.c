/* SPDX-License-Identifier: MIT */
/* The frame-device layer's own checks, through the null backend, which
 * needs no privileges. The TAP backend runs in test-tap-linux.sh. */
#include <errno.h>

#include "ether.h"
#include "frame-device.h"
#include "mtu.h"
#include "test-util.h"

static const MacAddr virtual_mac = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };

static void test_open_hostile(void) {
        static const MacAddr vendor = { { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 } };
        static const MacAddr multicast = { { 0x03, 0x11, 0x22, 0x33, 0x44, 0x55 } };
        static const MacAddr zero = { { 0 } };
        FrameDevice *d = NULL;
        char long_name[FRAME_DEVICE_NAME_MAX + 1];

        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, NULL, 1400, &d), -EINVAL);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, &virtual_mac, 1400, NULL), -EINVAL);
        CHECK_EQ_INT(frame_device_open(_FRAME_DEVICE_TYPE_INVALID, NULL, &virtual_mac, 1400, &d), -EINVAL);
        CHECK_EQ_INT(frame_device_open(_FRAME_DEVICE_TYPE_MAX, NULL, &virtual_mac, 1400, &d), -EINVAL);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, &vendor, 1400, &d), -EINVAL);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, &multicast, 1400, &d), -EINVAL);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, &zero, 1400, &d), -EINVAL);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, &virtual_mac, 0, &d), -EINVAL);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, &virtual_mac, LP_MTU_MIN - 1, &d), -EINVAL);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, &virtual_mac, LP_MTU_MAX + 1, &d), -EINVAL);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, &virtual_mac, UINT32_MAX, &d), -EINVAL);
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, long_name, &virtual_mac, 1400, &d), -EINVAL);
        CHECK(!d);
}

static void test_null(void) {
        uint8_t frame[LP_ETHER_FRAME_MAX + 1] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55,
                                                 0x88, 0xb5 };
        uint8_t buf[LP_ETHER_FRAME_MAX];
        FrameDeviceWaitable w;
        _cleanup_(frame_device_closep) FrameDevice *d = NULL;

        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, &virtual_mac, 1400, &d), 0);
        CHECK_EQ_STR(frame_device_get_name(d), "null");
        CHECK_EQ_INT(frame_device_get_index(d), 0);
        CHECK_EQ_INT(frame_device_get_mtu(d), 1400);
        CHECK_EQ_INT(frame_device_get_type(d), FRAME_DEVICE_NULL);
        CHECK(mac_equal(frame_device_get_mac(d), &virtual_mac));

        w = frame_device_get_waitable(d);
        CHECK_EQ_INT(w.fd, -EBADF);
        CHECK(!w.handle);

        /* Hostile lengths are refused before any backend sees them. */
        CHECK_EQ_INT(frame_device_write(d, frame, 0), -EBADMSG);
        CHECK_EQ_INT(frame_device_write(d, frame, LP_ETHER_HEADER_LEN - 1), -EBADMSG);
        CHECK_EQ_INT(frame_device_write(d, frame, LP_ETHER_FRAME_MAX + 1), -EMSGSIZE);
        CHECK_EQ_INT(frame_device_write(d, frame, SIZE_MAX), -EMSGSIZE);
        CHECK_EQ_INT(frame_device_write(d, NULL, 60), -EINVAL);
        CHECK_EQ_INT(frame_device_write(NULL, frame, 60), -EINVAL);
        CHECK_EQ_INT(frame_device_read(d, NULL, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(frame_device_read(d, buf, 0), -EINVAL);

        CHECK_EQ_INT(frame_device_write(d, frame, LP_ETHER_HEADER_LEN), 0);
        CHECK_EQ_INT(frame_device_write(d, frame, LP_ETHER_FRAME_MAX), 0);
        for (int i = 0; i < 3; i++)
                CHECK_EQ_INT(frame_device_read(d, buf, sizeof(buf)), -EAGAIN);

        CHECK_EQ_INT(frame_device_set_mtu(d, 1400), 0);
        CHECK_EQ_INT(frame_device_set_mtu(d, 1280), 1);
        CHECK_EQ_INT(frame_device_get_mtu(d), 1280);
        CHECK_EQ_INT(frame_device_set_mtu(d, LP_MTU_MIN - 1), -ERANGE);
        CHECK_EQ_INT(frame_device_set_mtu(d, LP_MTU_MAX + 1), -ERANGE);
        CHECK_EQ_INT(frame_device_get_mtu(d), 1280);

        CHECK_EQ_INT(frame_device_set_link(d, false), 0);
        CHECK_EQ_INT(frame_device_set_link(d, true), 0);
}

static void test_null_name(void) {
        _cleanup_(frame_device_closep) FrameDevice *d = NULL;

        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, "interop0", &virtual_mac, LP_MTU_MIN, &d), 0);
        CHECK_EQ_STR(frame_device_get_name(d), "interop0");
        CHECK_EQ_INT(frame_device_get_mtu(d), LP_MTU_MIN);
}

static void test_null_safety(void) {
        CHECK(!frame_device_close(NULL));
        CHECK(!frame_device_get_name(NULL));
        CHECK(!frame_device_get_mac(NULL));
        CHECK_EQ_INT(frame_device_get_index(NULL), 0);
        CHECK_EQ_INT(frame_device_get_type(NULL), _FRAME_DEVICE_TYPE_INVALID);
        CHECK_EQ_INT(frame_device_get_waitable(NULL).fd, -EBADF);
        CHECK_EQ_INT(frame_device_set_mtu(NULL, 1400), -EINVAL);
        CHECK_EQ_INT(frame_device_set_link(NULL, true), -EINVAL);
}

static void test_type_strings(void) {
        for (int i = 0; i < _FRAME_DEVICE_TYPE_MAX; i++)
                CHECK_EQ_INT(frame_device_type_from_string(frame_device_type_to_string(i)), i);
        CHECK_EQ_INT(frame_device_type_from_string("tap"), FRAME_DEVICE_TAP);
        CHECK_EQ_INT(frame_device_type_from_string("null"), FRAME_DEVICE_NULL);
        CHECK_EQ_INT(frame_device_type_from_string("TAP"), _FRAME_DEVICE_TYPE_INVALID);
        CHECK_EQ_INT(frame_device_type_from_string(""), _FRAME_DEVICE_TYPE_INVALID);
        CHECK_EQ_INT(frame_device_type_from_string(NULL), _FRAME_DEVICE_TYPE_INVALID);
        CHECK(!frame_device_type_to_string(_FRAME_DEVICE_TYPE_MAX));
        CHECK(!frame_device_type_to_string(_FRAME_DEVICE_TYPE_INVALID));
}

int main(void) {
        RUN(test_open_hostile);
        RUN(test_null);
        RUN(test_null_name);
        RUN(test_null_safety);
        RUN(test_type_strings);
        return 0;
}
