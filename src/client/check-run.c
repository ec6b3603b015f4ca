/* SPDX-License-Identifier: MIT */
#include "check-run.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-os.h"
#include "log.h"
#include "macro.h"
#include "party-check.h"
#include "route.h"

#define MS (QUIC_NS_PER_SEC / 1000)
/* Probes go out in four rounds, the first a little after CHECK_BEGIN (so
 * the gateway knows the nonce; the control stream and datagrams are not
 * ordered): the small ones, the full-size ladder, and both again in case
 * one was lost. Small and large apart in time, so QUIC does not pack a
 * small probe into one packet with a large one, which a path too small
 * for the large one would lose together. */
static const uint64_t probe_rounds[] = { 300 * MS, 450 * MS, 800 * MS, 950 * MS };
/* The gateway reports after LP_CHECK_REPORT_DELAY_USEC; beyond this the
 * check ends without a report. */
#define REPORT_TIMEOUT (6 * QUIC_NS_PER_SEC)
#define PROBE_PAYLOAD 64
/* Full-size probes: a ladder of this many sizes from LP_CONTROL_MTU_MIN up
 * to the room MTU, so the gateway's "largest" says where the path ends
 * (within (room MTU - 576) / 16 bytes, 48 for a room of 1344). */
#define PROBE_LADDER 16

struct PartyCheck {
        bool running;
        uint8_t nonce[LP_CHECK_NONCE_SIZE];
        CheckListener *listener;
        uint16_t port;
        uint64_t started;
        uint64_t last_begin; /* when the last CHECK_BEGIN went; 0: never */
        unsigned rounds_sent;
        bool report_in;
        const FrameDevice *device;
        ClientCheckFacts facts;
        uint32_t directed_broadcast; /* host order; 0: unknown */
        int discovery_routes;        /* party_check_set_discovery_routes(); kept across checks */
};

int party_check_new(PartyCheck **ret) {
        PartyCheck *pc = calloc(1, sizeof(PartyCheck));

        if (!pc)
                return -ENOMEM;
        *ret = pc;
        return 0;
}

static void party_check_stop(PartyCheck *pc) {
        pc->listener = check_os_listener_free(pc->listener);
        pc->running = false;
}

PartyCheck *party_check_free(PartyCheck *pc) {
        if (!pc)
                return NULL;
        party_check_stop(pc);
        free(pc);
        return NULL;
}

bool party_check_is_running(const PartyCheck *pc) {
        return pc->running;
}

void party_check_set_discovery_routes(PartyCheck *pc, int result) {
        pc->discovery_routes = result;
}

bool party_check_cancel(PartyCheck *pc) {
        bool was_running = pc->running;

        party_check_stop(pc);
        return was_running;
}

int party_check_get_fd(const PartyCheck *pc) {
        return pc->running ? check_os_listener_fd(pc->listener) : -EBADF;
}

uint64_t party_check_get_deadline(const PartyCheck *pc) {
        if (!pc->running)
                return UINT64_MAX;
        if (pc->rounds_sent < ELEMENTSOF(probe_rounds))
                return pc->started + probe_rounds[pc->rounds_sent];
        if (pc->report_in)
                return 0;
        return pc->started + REPORT_TIMEOUT;
}

uint64_t party_check_timeout_ms(const PartyCheck *pc, uint64_t now, uint64_t timeout_ms) {
        uint64_t at = party_check_get_deadline(pc);

        if (at == UINT64_MAX)
                return timeout_ms;
        return MIN(timeout_ms, at > now ? (at - now + MS - 1) / MS : 0);
}

static int send_probe(CheckSender *s, uint32_t dst, const uint8_t *nonce, CheckProbeKind kind, size_t payload_len) {
        uint8_t payload[LP_CHECK_IPV4_UDP_HEADERS + LP_CONTROL_MTU_MAX];
        int n;

        n = check_probe_payload(payload, sizeof(payload), payload_len, nonce, kind);
        if (n < 0)
                return n;
        return check_os_send(s, dst, payload, (size_t) n);
}

static void send_small(PartyCheck *pc, CheckSender *s) {
        pc->facts.send_error_limited = send_probe(s, UINT32_MAX, pc->nonce, CHECK_PROBE_KIND_LIMITED_BROADCAST,
                                                  PROBE_PAYLOAD);
        if (pc->directed_broadcast != 0)
                pc->facts.send_error_directed = send_probe(s, pc->directed_broadcast, pc->nonce,
                                                           CHECK_PROBE_KIND_DIRECTED_BROADCAST, PROBE_PAYLOAD);
        else
                pc->facts.send_error_directed = -EADDRNOTAVAIL;
        pc->facts.send_error_multicast = send_probe(s, LP_CHECK_MULTICAST_ADDR, pc->nonce,
                                                    CHECK_PROBE_KIND_MULTICAST, PROBE_PAYLOAD);
}

static void send_ladder(PartyCheck *pc, CheckSender *s) {
        int r;

        /* Full size with DF. Smaller sizes first, so the gateway's
         * "largest" says how far we get. */
        check_os_sender_dont_fragment(s);
        for (unsigned i = 0; i < PROBE_LADDER; i++) {
                unsigned size = LP_CONTROL_MTU_MIN + i * (pc->facts.room_mtu - LP_CONTROL_MTU_MIN) / PROBE_LADDER;

                (void) send_probe(s, UINT32_MAX, pc->nonce, CHECK_PROBE_KIND_FULL_SIZE,
                                  size - LP_CHECK_IPV4_UDP_HEADERS);
        }
        r = send_probe(s, UINT32_MAX, pc->nonce, CHECK_PROBE_KIND_FULL_SIZE,
                       pc->facts.room_mtu - LP_CHECK_IPV4_UDP_HEADERS);
        if (pc->rounds_sent < 2 || r < 0)
                pc->facts.send_error_full_size = r;
}

/* One round of probes from a fresh unbound socket, like a game's. */
static void send_round(PartyCheck *pc) {
        CheckSender *s = NULL;
        int r;

        r = check_os_sender_open(&s);
        if (r < 0)
                log_warning_errno(r, "Party check: cannot open a UDP socket: %m");
        else {
                if (pc->rounds_sent % 2 == 0)
                        send_small(pc, s);
                else
                        send_ladder(pc, s);
                check_os_sender_free(s);
        }
        pc->rounds_sent++;
}

int party_check_start(PartyCheck *pc, ClientCore *core, const FrameDevice *device, uint64_t now) {
        ClientDiagnostics d;
        ControlMessage begin = { .type = CONTROL_TYPE_CHECK_BEGIN };
        int r;

        client_core_get_diagnostics(core, now, &d);
        if (d.phase != CLIENT_PHASE_JOINED || d.room_mtu == 0)
                return -ENOTCONN;
        /* The relay would drop this BEGIN, and the check would end
         * saying the gateway did not answer. */
        if (pc->last_begin != 0 && now - pc->last_begin < LP_CHECK_BEGIN_INTERVAL_SEC * QUIC_NS_PER_SEC)
                return -EAGAIN;

        party_check_stop(pc);
        *pc = (PartyCheck) { .started = now, .device = device, .discovery_routes = pc->discovery_routes };
        pc->facts.discovery_routes_error = MIN(pc->discovery_routes, 0);
        pc->facts.discovery_routes_contested = pc->discovery_routes == ROUTE_PLAN_CONFLICT;
        snprintf(pc->facts.tap_name, sizeof(pc->facts.tap_name), "%s", frame_device_get_name(device));
        pc->facts.room_mtu = d.room_mtu;
        if (gnutls_rnd(GNUTLS_RND_NONCE, pc->nonce, sizeof(pc->nonce)) < 0)
                return log_error_errno(-EIO, "Party check: no random nonce.");

        /* The gateway's probe comes to this port: listening before asking. */
        r = check_os_listen(&pc->listener, &pc->port);
        if (r < 0)
                return log_error_errno(r, "Party check: cannot open a listening UDP socket: %m");

        check_os_observe(device, &pc->facts, &pc->directed_broadcast);
        pc->facts.lan_host = client_core_get_lan_host(core);
        if (pc->facts.lan_host != 0)
                check_os_arp_ask(device, pc->facts.lan_host);

        memcpy(begin.check_begin.nonce, pc->nonce, sizeof(pc->nonce));
        begin.check_begin.udp_port = pc->port;
        begin.check_begin.room_mtu = d.room_mtu;
        r = client_core_send_check(core, &begin);
        if (r < 0) {
                party_check_stop(pc);
                return log_error_errno(r, "Party check: cannot send CHECK_BEGIN: %m");
        }
        (void) client_core_write(core, now);
        pc->running = true;
        pc->last_begin = now;
        return 0;
}

void party_check_process(PartyCheck *pc) {
        uint8_t buf[LP_CONTROL_MTU_MAX], nonce[LP_CHECK_NONCE_SIZE], kind;

        for (unsigned i = 0; i < 64 && pc->running; i++) {
                int n = check_os_receive(pc->listener, buf, sizeof(buf));

                if (n < 0)
                        return;
                if (!check_probe_payload_parse(buf, (size_t) n, nonce, &kind) ||
                    memcmp(nonce, pc->nonce, sizeof(nonce)) != 0)
                        continue;
                if (kind == CHECK_PROBE_KIND_GATEWAY)
                        pc->facts.got_gateway_probe = true;
                else if (kind == CHECK_PROBE_KIND_GATEWAY_FULL_SIZE &&
                         (size_t) n + LP_CHECK_IPV4_UDP_HEADERS == pc->facts.room_mtu)
                        pc->facts.got_full_size_answer = true;
        }
}

void party_check_on_report(PartyCheck *pc, const ControlCheckReport *report) {
        if (!pc->running || memcmp(report->nonce, pc->nonce, sizeof(pc->nonce)) != 0)
                return;
        pc->facts.have_report = true;
        pc->facts.report = *report;
        pc->report_in = true;
}

int party_check_tick(PartyCheck *pc, ClientCore *core, uint64_t now, ClientCheckOutcome *ret) {
        ControlMessage result = { .type = CONTROL_TYPE_CHECK_RESULT };

        if (!pc->running || now < party_check_get_deadline(pc))
                return 0;
        if (pc->rounds_sent < ELEMENTSOF(probe_rounds)) {
                send_round(pc);
                return 0;
        }

        party_check_process(pc);
        pc->facts.frame_budget = client_core_get_frame_budget(core);
        if (pc->facts.lan_host != 0)
                pc->facts.arp_answered = check_os_arp_answered(pc->device, pc->facts.lan_host);
        client_check_judge(&pc->facts, ret);

        if (pc->facts.have_report) {
                memcpy(result.check_result.nonce, pc->nonce, sizeof(pc->nonce));
                memcpy(result.check_result.verdicts, ret->verdicts, sizeof(ret->verdicts));
                if (client_core_send_check(core, &result) >= 0)
                        (void) client_core_write(core, now);
        }
        party_check_stop(pc);
        return 1;
}
