/* SPDX-License-Identifier: MIT */
/* The party check's I/O at the gateway (PROTOCOL.md, "Party check"):
 * CHECK_BEGIN starts a GatewayCheck and queues our probe; probes in a
 * client's frames are consumed and recorded; 2 s later the report goes back
 * and is logged; CHECK_RESULT is logged and kept for D-Bus. Our probes go
 * to the relay towards that one client, never onto the LAN. */
#define _GNU_SOURCE
#include "gatewayd-manager.h"

/* Only after macro.h: it defines MIN/MAX unconditionally, glib #undefs first. */
#include <glib.h>

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "ether.h"
#include "gatewayd-bus.h"
#include "party-check.h"

/* Our probe: headers and the minimal payload, padded to 64 bytes of UDP
 * payload like a small discovery packet. */
#define GATEWAY_PROBE_IP_LEN (LP_CHECK_IPV4_UDP_HEADERS + 64)

static const char *const check_step_names[LP_CHECK_STEPS] = {
        "broadcasts out", "broadcast in", "full-size frames", "LAN address",
};

static uint64_t realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void probes_to_string(uint8_t probes, char *buf, size_t size) {
        size_t off = 0;

        buf[0] = '\0';
        for (unsigned bit = 0; bit < 8; bit++) {
                const char *name = check_probe_flag_to_string((uint8_t) (1u << bit));

                if (!name || !(probes & (1u << bit)))
                        continue;
                int n = snprintf(buf + off, size - off, "%s%s", off > 0 ? " " : "", name);
                if (n < 0 || (size_t) n >= size - off)
                        break;
                off += (size_t) n;
        }
        if (off == 0)
                snprintf(buf, size, "none");
}

static int on_check_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        RemoteClient *c = userdata;
        ControlMessage msg = { .type = CONTROL_TYPE_CHECK_REPORT };
        char probes[128];
        int r;

        if (!gateway_check_finish(&c->check, c->id, realtime_usec(), &msg.check_report))
                return 0;
        probes_to_string(msg.check_report.probes, probes, sizeof(probes));
        log_client_errno(c, LOG_INFO, 0, "Party check of '%s': probes that arrived: %s; largest %u bytes.", c->name,
                         probes, msg.check_report.largest_probe);
        remote_client_bus_emit_check(c);
        r = relay_link_send_check(c->manager->relay, &msg);
        if (r < 0)
                log_client_errno(c, LOG_WARNING, r, "Failed to send the party check report, ignoring: %m");
        return 0;
}

static int check_timer_arm(RemoteClient *c) {
        Manager *m = c->manager;
        uint64_t now;
        int r;

        r = sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        if (c->check_timer) {
                r = sd_event_source_set_time(c->check_timer, now + LP_CHECK_REPORT_DELAY_USEC);
                if (r < 0)
                        return r;
                return sd_event_source_set_enabled(c->check_timer, SD_EVENT_ONESHOT);
        }
        return sd_event_add_time(m->event, &c->check_timer, CLOCK_MONOTONIC, now + LP_CHECK_REPORT_DELAY_USEC,
                                 10 * 1000, on_check_timer, c);
}

static void check_begin(Manager *m, const ControlCheckBegin *begin) {
        RemoteClient *c = manager_get_client(m, begin->peer_id);
        int r;

        if (!c || m->room_mtu == 0) {
                log_manager_errno(m, LOG_DEBUG, 0, "Party check from unknown peer %u, ignoring.", begin->peer_id);
                return;
        }
        if (begin->room_mtu != m->room_mtu)
                log_client_errno(c, LOG_NOTICE, 0, "Party check: the client says the room MTU is %u, it is %u.",
                                 begin->room_mtu, m->room_mtu);

        gateway_check_begin(&c->check, begin, m->room_mtu);
        r = check_timer_arm(c);
        if (r < 0) {
                c->check.pending = false;
                log_client_errno(c, LOG_WARNING, r, "Failed to arm the party check timer, ignoring the check: %m");
                return;
        }
        log_client_errno(c, LOG_INFO, 0, "Party check of '%s' started.", c->name);
        c->check_probe_due = true;
        m->check_flush_due = true;
}

static void check_result(Manager *m, const ControlCheckResult *result) {
        RemoteClient *c = manager_get_client(m, result->peer_id);
        char text[256];
        size_t off = 0;

        if (!c || !gateway_check_result(&c->check, result))
                return;
        text[0] = '\0';
        for (size_t i = 0; i < LP_CHECK_STEPS; i++) {
                int n = snprintf(text + off, sizeof(text) - off, "%s%s %s", i > 0 ? ", " : "", check_step_names[i],
                                 result->verdicts[i] == CHECK_VERDICT_PASS   ? "ok"
                                 : result->verdicts[i] == CHECK_VERDICT_FAIL ? "FAILED"
                                                                             : "not run");
                if (n < 0 || (size_t) n >= sizeof(text) - off)
                        break;
                off += (size_t) n;
        }
        log_client_errno(c, LOG_INFO, 0, "Party check of '%s' on the player's PC: %s.", c->name, text);
        remote_client_bus_emit_check(c);
}

void manager_on_check(Manager *m, const ControlMessage *msg) {
        switch (msg->type) {
        case CONTROL_TYPE_CHECK_BEGIN:
                return check_begin(m, &msg->check_begin);
        case CONTROL_TYPE_CHECK_RESULT:
                return check_result(m, &msg->check_result);
        default:
                /* A REPORT is ours to send; the relay never passes one to a gateway. */
                log_manager_errno(m, LOG_DEBUG, 0, "Unexpected %s from the relay, ignoring.",
                                  control_type_to_string(msg->type));
                return;
        }
}

bool manager_check_consume(Manager *m, uint16_t peer_id, const uint8_t *frame, size_t len) {
        CheckProbeFrame probe;
        RemoteClient *c;

        if (check_probe_frame_parse(frame, len, &probe) <= 0)
                return false;
        m->counters.check_probes++;

        c = manager_get_client(m, peer_id);
        if (!c || !mac_equal(&probe.src_mac, &c->mac))
                return true;
        if (gateway_check_probe(&c->check, &probe) == GATEWAY_CHECK_ANSWER_FULL_SIZE) {
                c->check_answer_due = true;
                m->check_flush_due = true;
        }
        return true;
}

static void check_send_probe(Manager *m, RemoteClient *c, CheckProbeKind kind, uint16_t ip_len) {
        uint8_t frame[LP_ETHER_FRAME_MAX];
        int n, r;

        n = check_probe_frame_build(frame, sizeof(frame), &m->lan_mac, &c->mac, c->check.udp_port, c->check.nonce,
                                    kind, ip_len);
        if (n < 0) {
                log_client_errno(c, LOG_WARNING, n, "Failed to build the party check probe, ignoring: %m");
                return;
        }
        r = relay_link_queue_frame(m->relay, frame, (size_t) n);
        if (r < 0)
                log_client_errno(c, LOG_INFO, r, "Party check: our %s probe of %d bytes was not sent: %m",
                                 check_probe_kind_to_string(kind), n);
}

void manager_check_flush(Manager *m) {
        GHashTableIter i;
        gpointer value;

        if (!m->check_flush_due)
                return;
        m->check_flush_due = false;

        g_hash_table_iter_init(&i, m->clients);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                RemoteClient *c = value;

                if (c->check_probe_due)
                        check_send_probe(m, c, CHECK_PROBE_KIND_GATEWAY, GATEWAY_PROBE_IP_LEN);
                if (c->check_answer_due)
                        check_send_probe(m, c, CHECK_PROBE_KIND_GATEWAY_FULL_SIZE, c->check.room_mtu);
                c->check_probe_due = c->check_answer_due = false;
        }
        relay_link_flush(m->relay);
}
