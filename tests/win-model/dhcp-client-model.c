/* SPDX-License-Identifier: MIT */
/* Windows' DHCPv4 client on a TAP interface (RFC 2131 as Windows runs
 * it): DISCOVER when the link comes up (or REQUEST for the last lease,
 * INIT-REBOOT), OFFER -> REQUEST, ACK -> the address, its prefix, DNS
 * servers (6), a default route from the Router option (3) unless the
 * interface's DisableDefaultRoutes is set, and classless static routes
 * (121, and Microsoft's 249; with 121 the Router option is ignored,
 * RFC 3442). No answer for apipa_delay_ms: a 169.254.x.y address, then
 * a new DISCOVER only every dhcp_retry_ms (Microsoft KB 220874) unless
 * IpRenewAddress or a media off/on starts one at once. Called with the
 * model lock held. */
#include <stdio.h>
#include <string.h>

#include "model.h"

#define DHCP_HOSTNAME "LANPARTY-PC"

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t any4[4], bcast4[4] = { 255, 255, 255, 255 };

static const uint8_t *dhcp_option(const uint8_t *d, size_t len, uint8_t code, size_t *ret_len) {
        for (size_t o = 240; o < len;) {
                if (d[o] == 0) {
                        o++;
                        continue;
                }
                if (d[o] == 255 || o + 1 >= len || o + 2 + d[o + 1] > len)
                        return NULL;
                if (d[o] == code) {
                        *ret_len = d[o + 1];
                        return d + o + 2;
                }
                o += 2 + (size_t) d[o + 1];
        }
        return NULL;
}

static size_t opt_put(uint8_t *p, uint8_t code, const void *v, size_t len) {
        p[0] = code;
        p[1] = (uint8_t) len;
        memcpy(p + 2, v, len);
        return 2 + len;
}

/* What Windows 10/11 puts in its requests: client id type 1 + MAC,
 * host name, vendor class "MSFT 5.0" and its parameter request list. */
static void send_message(ModelIf *i, uint8_t type, const uint8_t *ciaddr, const uint8_t *requested,
                         const uint8_t *server, bool unicast) {
        static const uint8_t prl[] = { 1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252 };
        uint8_t d[548] = {}, frame[MODEL_FRAME_MAX], cid[7] = { 1 };
        size_t o = 240, n;

        d[0] = 1, d[1] = 1, d[2] = 6;
        memcpy(d + 4, &i->dhcp.xid, 4);
        n = (size_t) ((model_now_ms() - i->dhcp.started_ms) / 1000);
        d[8] = (uint8_t) (n >> 8), d[9] = (uint8_t) n;
        /* The BROADCAST flag: set by default since Vista (Microsoft KB
         * 928233). */
        if (!unicast && !ciaddr)
                d[10] = 0x80;
        if (ciaddr)
                memcpy(d + 12, ciaddr, 4);
        memcpy(d + 28, i->mac, 6);
        d[236] = 99, d[237] = 130, d[238] = 83, d[239] = 99;
        o += opt_put(d + o, 53, &type, 1);
        memcpy(cid + 1, i->mac, 6);
        o += opt_put(d + o, 61, cid, sizeof(cid));
        if (requested)
                o += opt_put(d + o, 50, requested, 4);
        if (server)
                o += opt_put(d + o, 54, server, 4);
        o += opt_put(d + o, 12, DHCP_HOSTNAME, strlen(DHCP_HOSTNAME));
        o += opt_put(d + o, 60, "MSFT 5.0", 8);
        o += opt_put(d + o, 55, prl, sizeof(prl));
        d[o++] = 255;
        o = MAX(o, (size_t) 300); /* the BOOTP minimum, RFC 1542 */
        n = model_frame_udp4(frame, i->mac, unicast ? i->dhcp.server_mac : bcast_mac, ciaddr ? ciaddr : any4,
                             unicast ? i->dhcp.server : bcast4, 68, 67, d, o);
        model_tap_stack_send(i->adapter, frame, n);
}

static unsigned retransmit_ms(void) {
        return MAX(model.settings.apipa_delay_ms / 4, 50u);
}

static void round_start(ModelIf *i, uint64_t now) {
        i->dhcp.xid = (uint32_t) (now * 2654435761u) ^ (uint32_t) (i->index << 24) ^ 0x5a5a1234u;
        i->dhcp.tries = 0;
        i->dhcp.started_ms = now;
        i->dhcp.next_ms = now;
}

void model_dhcp_media(ModelIf *i, bool connected) {
        ModelDhcp *d = &i->dhcp;

        ResetEvent(d->bound_event);
        if (!connected) {
                d->state = MODEL_DHCP_OFF;
                d->next_ms = 0;
                return;
        }
        if (!(model.settings.burst & MODEL_BURST_DHCP))
                return;
        round_start(i, model_now_ms());
        d->next_ms = i->burst_ms;
        d->state = d->have_remembered ? MODEL_DHCP_REBOOTING : MODEL_DHCP_INIT;
}

static void apipa(ModelIf *i) {
        ModelAddr a = { .family = AF_INET, .plen = 16, .prefix_origin = IpPrefixOriginWellKnown,
                        .suffix_origin = IpSuffixOriginLinkLayerAddress, .lifetime = 0xffffffff };
        char s[16];

        for (size_t k = 0; k < i->n_addrs; k++)
                if (i->addrs[k].family == AF_INET && i->addrs[k].prefix_origin == IpPrefixOriginWellKnown)
                        return;
        a.bytes[0] = 169, a.bytes[1] = 254;
        a.bytes[2] = (uint8_t) (1 + (i->mac[3] * 7u + i->mac[4]) % 254);
        a.bytes[3] = (uint8_t) (1 + (i->mac[5] * 13u + i->mac[2]) % 254);
        model_addr_remove_origin(i, AF_INET, IpPrefixOriginWellKnown, MODEL_BY_STACK);
        model_addr_add(i, &a, MODEL_BY_STACK);
        model_log("apipa", "if=%lu addr=%s", (unsigned long) i->index, model_addr_str(AF_INET, a.bytes, s, sizeof(s)));
}

static void lease_drop(ModelIf *i) {
        model_addr_remove_origin(i, AF_INET, IpPrefixOriginDhcp, MODEL_BY_STACK);
        model_routes_remove_learned(i, AF_INET, MIB_IPPROTO_NETMGMT);
        i->n_dns4 = 0;
}

void model_dhcp_timer(ModelIf *i, uint64_t now) {
        ModelDhcp *d = &i->dhcp;

        d->next_ms = 0;
        switch (d->state) {
        case MODEL_DHCP_OFF:
                return;
        case MODEL_DHCP_REBOOTING:
                if (d->tries++ < 2) {
                        send_message(i, 3, NULL, d->remembered, NULL, false);
                        d->next_ms = now + retransmit_ms();
                        return;
                }
                d->have_remembered = false;
                d->state = MODEL_DHCP_INIT;
                round_start(i, now);
                /* fall through */
        case MODEL_DHCP_INIT:
                if (now - d->started_ms >= model.settings.apipa_delay_ms) {
                        apipa(i);
                        d->state = MODEL_DHCP_AUTOCONF;
                        d->next_ms = now + model.settings.dhcp_retry_ms;
                        return;
                }
                send_message(i, 1, NULL, NULL, NULL, false);
                d->next_ms = MIN(now + retransmit_ms(), d->started_ms + model.settings.apipa_delay_ms);
                return;
        case MODEL_DHCP_AUTOCONF:
                round_start(i, now);
                send_message(i, 1, NULL, NULL, NULL, false);
                d->next_ms = now + model.settings.dhcp_retry_ms;
                return;
        case MODEL_DHCP_REQUESTING:
                if (d->tries++ < 3) {
                        send_message(i, 3, NULL, d->offered, d->server, false);
                        d->next_ms = now + retransmit_ms();
                        return;
                }
                d->state = MODEL_DHCP_INIT;
                round_start(i, now);
                d->next_ms = now;
                return;
        case MODEL_DHCP_BOUND:
                if (now >= d->expiry_ms) {
                        model_log("dhcp-expired", "if=%lu", (unsigned long) i->index);
                        lease_drop(i);
                        d->state = MODEL_DHCP_INIT;
                        round_start(i, now);
                        return;
                }
                /* RENEWING: unicast to the server that gave the lease. */
                send_message(i, 3, d->offered, NULL, NULL, true);
                d->next_ms = now + MAX((d->expiry_ms - now) / 2, (uint64_t) retransmit_ms());
                return;
        }
}

static uint8_t mask_plen(const uint8_t *m) {
        uint8_t n = 0;

        for (size_t k = 0; k < 32 && (m[k / 8] & (0x80 >> (k % 8))); k++)
                n++;
        return n;
}

/* Option 121/249: (width, significant octets of the destination, router)*. */
static void classless_routes(ModelIf *i, const uint8_t *v, size_t len, bool ddr) {
        for (size_t o = 0; o < len;) {
                uint8_t w = v[o], dst[4] = {}, octets = (uint8_t) ((w + 7) / 8);

                if (w > 32 || o + 1 + octets + 4 > len)
                        return;
                memcpy(dst, v + o + 1, octets);
                if (w == 0 && ddr)
                        model_log("default-route-ignored", "if=%lu reason=disable-default-routes", (unsigned long) i->index);
                else
                        model_route_add(i, AF_INET, dst, w, v + o + 1 + octets, 0, MIB_IPPROTO_NETMGMT, MODEL_BY_STACK,
                                        false);
                o += 1 + octets + 4;
        }
}

static void lease_bind(ModelIf *i, const uint8_t *d, size_t len, const uint8_t *src_mac) {
        ModelDhcp *dh = &i->dhcp;
        ModelAddr a = { .family = AF_INET, .prefix_origin = IpPrefixOriginDhcp, .suffix_origin = IpSuffixOriginDhcp };
        const uint8_t *v, *r121, *r249;
        size_t n = 0, n121 = 0, n249 = 0;
        uint32_t lease = 86400, t1;
        bool ddr = i->row[0].DisableDefaultRoutes;
        char s[16];

        memcpy(a.bytes, d + 16, 4);
        v = dhcp_option(d, len, 1, &n);
        a.plen = v && n == 4 ? mask_plen(v) : a.bytes[0] < 128 ? 8 : a.bytes[0] < 192 ? 16 : 24;
        if ((v = dhcp_option(d, len, 51, &n)) && n == 4)
                lease = (uint32_t) (v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]);
        t1 = lease / 2;
        if ((v = dhcp_option(d, len, 58, &n)) && n == 4)
                t1 = (uint32_t) (v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]);
        a.lifetime = lease;

        /* A renewal of the same lease changes nothing but its times. */
        if (dh->state == MODEL_DHCP_BOUND && memcmp(dh->offered, a.bytes, 4) == 0) {
                dh->t1_ms = model_now_ms() + (uint64_t) t1 * 1000;
                dh->expiry_ms = model_now_ms() + (uint64_t) lease * 1000;
                dh->next_ms = dh->t1_ms;
                model_log("dhcp-renewed", "if=%lu lease=%lu", (unsigned long) i->index, (unsigned long) lease);
                SetEvent(dh->bound_event);
                return;
        }
        lease_drop(i);
        model_net_forget(i);
        memcpy(i->net.gateway_mac, src_mac, 6);
        model_addr_remove_origin(i, AF_INET, IpPrefixOriginWellKnown, MODEL_BY_STACK); /* APIPA */
        model_addr_add(i, &a, MODEL_BY_STACK);
        i->n_dns4 = 0;
        if ((v = dhcp_option(d, len, 6, &n)))
                for (size_t k = 0; k + 4 <= n && i->n_dns4 < MODEL_DNS_MAX; k += 4)
                        memcpy(i->dns4[i->n_dns4++], v + k, 4);
        r121 = dhcp_option(d, len, 121, &n121);
        r249 = dhcp_option(d, len, 249, &n249);
        if (r121)
                classless_routes(i, r121, n121, ddr);
        else if ((v = dhcp_option(d, len, 3, &n)) && n >= 4) {
                if (ddr)
                        model_log("default-route-ignored", "if=%lu reason=disable-default-routes",
                                  (unsigned long) i->index);
                else
                        model_route_add(i, AF_INET, any4, 0, v, 0, MIB_IPPROTO_NETMGMT, MODEL_BY_STACK, false);
        }
        if (r249)
                classless_routes(i, r249, n249, ddr);
        dh->state = MODEL_DHCP_BOUND;
        memcpy(dh->offered, a.bytes, 4);
        memcpy(dh->remembered, a.bytes, 4);
        dh->have_remembered = true;
        dh->t1_ms = model_now_ms() + (uint64_t) t1 * 1000;
        dh->expiry_ms = model_now_ms() + (uint64_t) lease * 1000;
        dh->next_ms = dh->t1_ms;
        /* Identified with what the lease brought (a gateway or not). */
        model_net_update(i);
        model_log("dhcp-bound", "if=%lu addr=%s/%u lease=%lu dns=%zu", (unsigned long) i->index,
                  model_addr_str(AF_INET, a.bytes, s, sizeof(s)), a.plen, (unsigned long) lease, i->n_dns4);
        SetEvent(dh->bound_event);
        model_wake_stack();
}

void model_dhcp_receive(ModelIf *i, const uint8_t *frame, size_t len, WinModelFrameInfo *info) {
        ModelDhcp *d = &i->dhcp;
        const uint8_t *ip = frame + 14, *udp, *msg, *v;
        size_t ihl, mlen, n;

        (void) info;
        if (len < 14 + 20 + 8 + 240)
                return;
        ihl = (size_t) (ip[0] & 15) * 4;
        udp = ip + ihl;
        msg = udp + 8;
        if (udp + 8 > frame + len)
                return;
        mlen = len - (size_t) (msg - frame);
        if (msg[0] != 2 || memcmp(msg + 4, &d->xid, 4) != 0 || memcmp(msg + 28, i->mac, 6) != 0 ||
            !(v = dhcp_option(msg, mlen, 53, &n)) || n != 1)
                return;
        switch (v[0]) {
        case 2: /* OFFER */
                if (d->state != MODEL_DHCP_INIT && d->state != MODEL_DHCP_AUTOCONF)
                        return;
                memcpy(d->offered, msg + 16, 4);
                if ((v = dhcp_option(msg, mlen, 54, &n)) && n == 4)
                        memcpy(d->server, v, 4);
                else
                        memcpy(d->server, msg + 20, 4);
                memcpy(d->server_mac, frame + 6, 6);
                d->state = MODEL_DHCP_REQUESTING;
                d->tries = 1;
                send_message(i, 3, NULL, d->offered, d->server, false);
                d->next_ms = model_now_ms() + retransmit_ms();
                return;
        case 5: /* ACK */
                if (d->state != MODEL_DHCP_REQUESTING && d->state != MODEL_DHCP_REBOOTING &&
                    d->state != MODEL_DHCP_BOUND)
                        return;
                memcpy(d->server_mac, frame + 6, 6);
                if ((v = dhcp_option(msg, mlen, 54, &n)) && n == 4)
                        memcpy(d->server, v, 4);
                lease_bind(i, msg, mlen, frame + 6);
                return;
        case 6: /* NAK */
                model_log("dhcp-nak", "if=%lu", (unsigned long) i->index);
                lease_drop(i);
                d->have_remembered = false;
                d->state = MODEL_DHCP_INIT;
                round_start(i, model_now_ms());
                model_wake_stack();
                return;
        }
}

/* IpRenewAddress: a lease is renewed with its server; without one a new
 * DISCOVER round starts now (the 5-minute wait after APIPA is cut
 * short). Returns 0 when started, -1 while the link is down. */
int model_dhcp_renew(ModelIf *i) {
        ModelDhcp *d = &i->dhcp;
        uint64_t now = model_now_ms();

        if (!i->connected || d->state == MODEL_DHCP_OFF)
                return -1;
        ResetEvent(d->bound_event);
        model_log("renew", "if=%lu state=%d", (unsigned long) i->index, d->state);
        if (d->state == MODEL_DHCP_BOUND) {
                send_message(i, 3, d->offered, NULL, NULL, true);
                d->next_ms = now + retransmit_ms();
                return 0;
        }
        d->state = MODEL_DHCP_INIT;
        round_start(i, now);
        model_wake_stack();
        return 0;
}
