/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "ether.h"
#include "gatewayd-cam.h"
#include "macro.h"
#include "test-util.h"

#define SEC CAM_USEC_PER_SEC
#define INTERVAL CAM_REFRESH_INTERVAL_DEFAULT_USEC

static const MacAddr client = {{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};
static const MacAddr gateway = {{0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc}};

static void test_frame_bad_macs(void) {
        const MacAddr bad[] = {
                {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, /* broadcast */
                {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}}, /* multicast */
                {{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}}, /* IPv6 multicast */
                {{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}}, /* STP */
                {{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}}, /* zero */
        };
        uint8_t buf[CAM_FRAME_LEN];

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                memset(buf, 0xa5, sizeof(buf));
                CHECK_EQ_INT(cam_frame_build(buf, &bad[i], &gateway), -EINVAL);
                CHECK_EQ_INT(cam_frame_build(buf, &client, &bad[i]), -EINVAL);
                /* Nothing written on failure. */
                for (size_t j = 0; j < sizeof(buf); j++)
                        CHECK_EQ_INT(buf[j], 0xa5);
        }
        CHECK_EQ_INT(cam_frame_build(buf, &client, &client), -EINVAL);
        CHECK_EQ_INT(cam_frame_build(buf, NULL, &gateway), -EINVAL);
        CHECK_EQ_INT(cam_frame_build(buf, &client, NULL), -EINVAL);
}

static void test_frame(void) {
        uint8_t buf[CAM_FRAME_LEN + 4];

        memset(buf, 0xa5, sizeof(buf));
        CHECK_EQ_INT(cam_frame_build(buf, &client, &gateway), 0);
        CHECK_MEM(buf, gateway.bytes, 6);
        CHECK_MEM(buf + 6, client.bytes, 6);
        CHECK_EQ_INT(buf[12], 0x88);
        CHECK_EQ_INT(buf[13], 0xb5);
        CHECK_MEM(buf + 14, "lanparty CAM refresh", 20);
        for (size_t i = 14 + 20; i < CAM_FRAME_LEN; i++)
                CHECK_EQ_INT(buf[i], 0);
        /* Exactly CAM_FRAME_LEN bytes written. */
        for (size_t i = CAM_FRAME_LEN; i < sizeof(buf); i++)
                CHECK_EQ_INT(buf[i], 0xa5);

        /* What the switch sees: unicast, from the client, to the gateway. */
        CHECK(mac_is_unicast((const MacAddr *) buf));
        CHECK(mac_is_valid_source((const MacAddr *) (buf + 6)));

        /* A vendor-assigned client MAC is fine too: the gateway may front
         * for any unicast address the relay admitted. */
        const MacAddr vendor = {{0x00, 0x1b, 0x21, 0x01, 0x02, 0x03}};
        CHECK_EQ_INT(cam_frame_build(buf, &vendor, &gateway), 0);
        CHECK_MEM(buf + 6, vendor.bytes, 6);
}

static void test_schedule_join(void) {
        CamRefresh r;

        /* Due at once on join, not before. */
        cam_refresh_init(&r, 100 * SEC);
        CHECK(!cam_refresh_due(&r, 100 * SEC - 1, INTERVAL));
        CHECK(cam_refresh_due(&r, 100 * SEC, INTERVAL));
        CHECK(cam_refresh_due(&r, 1000 * SEC, INTERVAL));
        CHECK_EQ_INT(cam_refresh_deadline(&r, INTERVAL), 100 * SEC);

        /* Joined at time 0 (a monotonic clock can start there). */
        cam_refresh_init(&r, 0);
        CHECK(cam_refresh_due(&r, 0, INTERVAL));
}

static void test_schedule_interval(void) {
        CamRefresh r;

        cam_refresh_init(&r, 10 * SEC);
        cam_refresh_mark(&r, 10 * SEC);
        CHECK(!cam_refresh_due(&r, 10 * SEC, INTERVAL));
        CHECK(!cam_refresh_due(&r, 70 * SEC - 1, INTERVAL));
        CHECK(cam_refresh_due(&r, 70 * SEC, INTERVAL));
        CHECK_EQ_INT(cam_refresh_deadline(&r, INTERVAL), 70 * SEC);

        /* The client's own frame at 50 s pushes the next refresh out. */
        cam_refresh_mark(&r, 50 * SEC);
        CHECK(!cam_refresh_due(&r, 70 * SEC, INTERVAL));
        CHECK(cam_refresh_due(&r, 110 * SEC, INTERVAL));

        /* A stale mark never moves it back. */
        cam_refresh_mark(&r, 20 * SEC);
        CHECK_EQ_INT(cam_refresh_deadline(&r, INTERVAL), 110 * SEC);

        /* A late timer sends once, then waits a full interval again. */
        cam_refresh_mark(&r, 500 * SEC);
        CHECK(!cam_refresh_due(&r, 559 * SEC, INTERVAL));
        CHECK(cam_refresh_due(&r, 560 * SEC, INTERVAL));

        /* Other intervals, including 0 (refresh whenever asked). */
        CHECK_EQ_INT(cam_refresh_deadline(&r, 5 * SEC), 505 * SEC);
        CHECK(cam_refresh_due(&r, 500 * SEC, 0));
}

static void test_schedule_saturates(void) {
        CamRefresh r;

        cam_refresh_init(&r, 0);
        cam_refresh_mark(&r, UINT64_MAX - 5);
        CHECK(cam_refresh_deadline(&r, INTERVAL) == UINT64_MAX);
        CHECK(!cam_refresh_due(&r, UINT64_MAX - 1, INTERVAL));
        CHECK(cam_refresh_deadline(&r, UINT64_MAX) == UINT64_MAX);
        cam_refresh_mark(&r, UINT64_MAX);
        CHECK(cam_refresh_deadline(&r, 0) == UINT64_MAX);
}

/* The way the manager uses it: several clients, one timer. */
static void test_schedule_many(void) {
        CamRefresh c[3];
        uint64_t now = 1000 * SEC, next = UINT64_MAX;
        unsigned sent = 0;

        cam_refresh_init(&c[0], now - 5 * SEC);
        cam_refresh_mark(&c[0], now - 5 * SEC);   /* refreshed 5 s ago */
        cam_refresh_init(&c[1], now);             /* just joined */
        cam_refresh_init(&c[2], now - 300 * SEC);
        cam_refresh_mark(&c[2], now - 61 * SEC);  /* overdue */

        for (size_t i = 0; i < ELEMENTSOF(c); i++) {
                if (cam_refresh_due(&c[i], now, INTERVAL)) {
                        cam_refresh_mark(&c[i], now);
                        sent |= 1u << i;
                }
                next = MIN(next, cam_refresh_deadline(&c[i], INTERVAL));
        }
        CHECK_EQ_INT(sent, 0x6);
        CHECK_EQ_INT(next, now + 55 * SEC);
}

int main(void) {
        RUN(test_frame_bad_macs);
        RUN(test_frame);
        RUN(test_schedule_join);
        RUN(test_schedule_interval);
        RUN(test_schedule_saturates);
        RUN(test_schedule_many);
        return 0;
}
