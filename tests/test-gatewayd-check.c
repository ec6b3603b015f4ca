/* SPDX-License-Identifier: MIT */
/* The gateway's party check state (gatewayd-check.c): probes count only
 * for the pending check's nonce and only when addressed as their kind
 * says; one full-size answer per check, only to a probe of the room's MTU;
 * the report ends the check; verdicts are kept only for the last report. */
#include "gatewayd-check.h"
#include "test-util.h"

static const uint8_t nonce_a[LP_CHECK_NONCE_SIZE] = { 0xA };
static const uint8_t nonce_b[LP_CHECK_NONCE_SIZE] = { 0xB };

static CheckProbeFrame probe(const uint8_t *nonce, CheckProbeKind kind, uint32_t dst_ip, bool broadcast_mac,
                             uint16_t len) {
        CheckProbeFrame p = {
                .dst_mac = { { 0x01, 0x00, 0x5E, 0x7F, 0xFF, 0xFA } },
                .src_mac = { { 0x02, 0, 0, 0, 0, 1 } },
                .dst_ip = dst_ip,
                .ip_total_len = len,
                .udp_dst_port = LP_CHECK_PORT,
                .kind = (uint8_t) kind,
        };
        if (broadcast_mac)
                memset(p.dst_mac.bytes, 0xFF, LP_MAC_LEN);
        memcpy(p.nonce, nonce, LP_CHECK_NONCE_SIZE);
        return p;
}

static void begin(GatewayCheck *c, const uint8_t *nonce) {
        ControlCheckBegin b = { .peer_id = 7, .udp_port = 4000, .room_mtu = 1344 };

        memcpy(b.nonce, nonce, LP_CHECK_NONCE_SIZE);
        gateway_check_begin(c, &b, 1344);
}

static void test_no_check_pending(void) {
        GatewayCheck c = {};
        ControlCheckReport r;
        CheckProbeFrame p = probe(nonce_a, CHECK_PROBE_KIND_FULL_SIZE, UINT32_MAX, true, 1344);

        CHECK_EQ_INT(gateway_check_probe(&c, &p), GATEWAY_CHECK_CONSUME);
        CHECK(!gateway_check_finish(&c, 7, 1, &r));
        CHECK_EQ_INT(c.last_usec, 0);
}

static void test_all_arrive(void) {
        GatewayCheck c = {};
        ControlCheckReport r;
        CheckProbeFrame p;

        begin(&c, nonce_a);
        p = probe(nonce_a, CHECK_PROBE_KIND_LIMITED_BROADCAST, UINT32_MAX, true, 92);
        CHECK_EQ_INT(gateway_check_probe(&c, &p), GATEWAY_CHECK_CONSUME);
        p = probe(nonce_a, CHECK_PROBE_KIND_DIRECTED_BROADCAST, 0x0A0000FF, true, 92);
        CHECK_EQ_INT(gateway_check_probe(&c, &p), GATEWAY_CHECK_CONSUME);
        p = probe(nonce_a, CHECK_PROBE_KIND_MULTICAST, LP_CHECK_MULTICAST_ADDR, false, 92);
        CHECK_EQ_INT(gateway_check_probe(&c, &p), GATEWAY_CHECK_CONSUME);
        p = probe(nonce_a, CHECK_PROBE_KIND_FULL_SIZE, UINT32_MAX, true, 1344);
        CHECK_EQ_INT(gateway_check_probe(&c, &p), GATEWAY_CHECK_ANSWER_FULL_SIZE);
        /* One answer per check, however many full-size probes come. */
        CHECK_EQ_INT(gateway_check_probe(&c, &p), GATEWAY_CHECK_CONSUME);

        CHECK(gateway_check_finish(&c, 7, 1234, &r));
        CHECK_EQ_INT(r.peer_id, 7);
        CHECK_EQ_INT(r.probes, _CHECK_PROBE_ALL);
        CHECK_EQ_INT(r.largest_probe, 1344);
        CHECK(memcmp(r.nonce, nonce_a, LP_CHECK_NONCE_SIZE) == 0);
        CHECK_EQ_INT(c.last_usec, 1234);
        CHECK(!c.pending);
        /* Finished: later probes change nothing, a second finish reports nothing. */
        CHECK_EQ_INT(gateway_check_probe(&c, &p), GATEWAY_CHECK_CONSUME);
        CHECK(!gateway_check_finish(&c, 7, 1235, &r));
}

static void test_wrong_nonce_or_address(void) {
        GatewayCheck c = {};
        ControlCheckReport r;
        CheckProbeFrame p;

        begin(&c, nonce_a);
        /* Another check's nonce (an old one, or another client's). */
        p = probe(nonce_b, CHECK_PROBE_KIND_LIMITED_BROADCAST, UINT32_MAX, true, 92);
        gateway_check_probe(&c, &p);
        p = probe(nonce_b, CHECK_PROBE_KIND_FULL_SIZE, UINT32_MAX, true, 1344);
        CHECK_EQ_INT(gateway_check_probe(&c, &p), GATEWAY_CHECK_CONSUME);
        /* Kinds whose destination does not match. */
        p = probe(nonce_a, CHECK_PROBE_KIND_LIMITED_BROADCAST, 0x0A0000FF, true, 92);
        gateway_check_probe(&c, &p);
        p = probe(nonce_a, CHECK_PROBE_KIND_DIRECTED_BROADCAST, UINT32_MAX, true, 92);
        gateway_check_probe(&c, &p);
        p = probe(nonce_a, CHECK_PROBE_KIND_MULTICAST, LP_CHECK_MULTICAST_ADDR, true, 92);
        gateway_check_probe(&c, &p);
        p = probe(nonce_a, CHECK_PROBE_KIND_LIMITED_BROADCAST, UINT32_MAX, false, 92);
        gateway_check_probe(&c, &p);
        /* The gateway's own kinds, or unknown ones, count nothing. */
        p = probe(nonce_a, CHECK_PROBE_KIND_GATEWAY, UINT32_MAX, true, 92);
        gateway_check_probe(&c, &p);
        p = probe(nonce_a, 99, UINT32_MAX, true, 92);
        gateway_check_probe(&c, &p);
        /* A full-size probe of another size is measured, not answered. */
        p = probe(nonce_a, CHECK_PROBE_KIND_FULL_SIZE, UINT32_MAX, true, 1343);
        CHECK_EQ_INT(gateway_check_probe(&c, &p), GATEWAY_CHECK_CONSUME);

        CHECK(gateway_check_finish(&c, 7, 1, &r));
        CHECK_EQ_INT(r.probes, CHECK_PROBE_GATEWAY_SENT);
        CHECK_EQ_INT(r.largest_probe, 1343);
}

static void test_restart_and_result(void) {
        GatewayCheck c = {};
        ControlCheckReport r;
        ControlCheckResult res = { .verdicts = { CHECK_VERDICT_PASS, CHECK_VERDICT_FAIL, CHECK_VERDICT_PASS,
                                                 CHECK_VERDICT_NOT_RUN } };
        CheckProbeFrame p;

        begin(&c, nonce_a);
        p = probe(nonce_a, CHECK_PROBE_KIND_LIMITED_BROADCAST, UINT32_MAX, true, 92);
        gateway_check_probe(&c, &p);
        /* A new BEGIN restarts: what the old one saw is gone. */
        begin(&c, nonce_b);
        CHECK(gateway_check_finish(&c, 7, 5, &r));
        CHECK_EQ_INT(r.probes, CHECK_PROBE_GATEWAY_SENT);
        CHECK_EQ_INT(r.largest_probe, 0);

        /* Verdicts for a nonce that is not the last report's are not kept. */
        memcpy(res.nonce, nonce_a, LP_CHECK_NONCE_SIZE);
        CHECK(!gateway_check_result(&c, &res));
        CHECK(!c.have_verdicts);
        memcpy(res.nonce, nonce_b, LP_CHECK_NONCE_SIZE);
        CHECK(gateway_check_result(&c, &res));
        CHECK(c.have_verdicts);
        CHECK_EQ_INT(c.verdicts[1], CHECK_VERDICT_FAIL);

        /* The next report clears them. */
        begin(&c, nonce_a);
        CHECK(gateway_check_finish(&c, 7, 6, &r));
        CHECK(!c.have_verdicts);
}

static void test_flag_names(void) {
        CHECK_EQ_STR(check_probe_flag_to_string(CHECK_PROBE_LIMITED_BROADCAST), "limited_broadcast");
        CHECK_EQ_STR(check_probe_flag_to_string(CHECK_PROBE_GATEWAY_SENT), "gateway_sent");
        CHECK(!check_probe_flag_to_string(0));
        CHECK(!check_probe_flag_to_string(0x10));
        CHECK(!check_probe_flag_to_string(3));
}

int main(void) {
        RUN(test_no_check_pending);
        RUN(test_all_arrive);
        RUN(test_wrong_nonce_or_address);
        RUN(test_restart_and_result);
        RUN(test_flag_names);
        return 0;
}
