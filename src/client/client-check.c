/* SPDX-License-Identifier: MIT */
#include "client-check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ipv4-autoconf.h"
#include "macro.h"

static const char *const step_names[_CLIENT_CHECK_STEP_MAX] = {
        [CLIENT_CHECK_BROADCAST_OUT] = "Broadcasts and multicast from this PC reach the party",
        [CLIENT_CHECK_BROADCAST_IN] = "Broadcasts from the party reach games on this PC",
        [CLIENT_CHECK_FULL_SIZE] = "Full-size frames make the round trip",
        [CLIENT_CHECK_LAN_ADDRESS] = "The TAP has a party address and a LAN host answers",
};

const char *client_check_step_to_string(ClientCheckStep s) {
        return s >= 0 && s < _CLIENT_CHECK_STEP_MAX ? step_names[s] : NULL;
}

/* What a refused send says, in the same words on both platforms: mingw's
 * strerror() predates the network errno values ("Unknown error"). */
static const char *send_error_text(int e) {
        switch (-e) {
        case ENETUNREACH:
                return "network unreachable";
        case EHOSTUNREACH:
                return "host unreachable";
        case ENETDOWN:
                return "network down";
        case EACCES:
                return "permission denied";
        case EADDRNOTAVAIL:
                return "address not available";
        case EMSGSIZE:
                return "message too long";
        case ENOBUFS:
                return "no buffer space";
        default:
                return strerror(-e);
        }
}

static void ip_text(uint32_t ip, char buf[static 16]) {
        snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF, ip & 0xFF);
}

_printf_(3, 4) static void fail(ClientCheckOutcome *o, ClientCheckStep s, const char *format, ...) {
        va_list ap;

        o->verdicts[s] = CHECK_VERDICT_FAIL;
        va_start(ap, format);
        vsnprintf(o->hints[s], sizeof(o->hints[s]), format, ap);
        va_end(ap);
}

static const char *no_report_hint(void) {
        return "the party's gateway did not answer the check: the room has no gateway right now, or its "
               "lanparty-gatewayd (or the relay) is older than the party check";
}

static bool on_windows(const ClientCheckFacts *f) {
        return f->platform == CLIENT_CHECK_PLATFORM_WINDOWS;
}

static const char *program(const ClientCheckFacts *f) {
        return on_windows(f) ? "client.exe" : "lanparty-client";
}

/* Why Windows did not steer broadcasts and multicast onto the TAP, as far
 * as start-up knew, and the fix for that: a restart of client.exe helps
 * unless another adapter holds the lowest metric there is already. */
static const char *metric_cause_and_fix(const ClientCheckFacts *f, const char *ifname, char buf[static 320]) {
        if (f->discovery_routes_contested)
                snprintf(buf, 320, "Another adapter already had the low metric lanparty gives the TAP, and it cannot "
                         "go lower. Give \"%s\" a higher one", ifname);
        else
                snprintf(buf, 320, "%s%s%sRestart client.exe, which gives the TAP a low metric, or give \"%s\" a "
                         "higher one",
                         f->discovery_routes_error < 0 ? "lanparty could not lower the TAP metric: " : "",
                         f->discovery_routes_error < 0 ? send_error_text(f->discovery_routes_error) : "",
                         f->discovery_routes_error < 0 ? ". " : "", ifname);
        return buf;
}

/* Linux: what games send to `dst` without choosing an interface leaves
 * through f's `ifname` because lanparty-client's route for `prefix` on the
 * TAP is missing: why, as far as start-up knew, and the fix for that. */
static void fail_elsewhere_linux(const ClientCheckFacts *f, ClientCheckOutcome *o, const char *what, const char *dst,
                                 const char *prefix, const char *ifname) {
        if (f->discovery_routes_contested)
                return fail(o, CLIENT_CHECK_BROADCAST_OUT,
                            "%s leaves through %s, not the TAP %s: a route for %s that was there before "
                            "lanparty-client wins, and lanparty-client leaves other programs' routes alone (see "
                            "'ip route show %s'). If nothing here needs it: ip route del %s dev %s, then restart "
                            "lanparty-client",
                            what, ifname, f->tap_name, prefix, prefix, prefix, ifname);
        if (f->discovery_routes_error < 0)
                return fail(o, CLIENT_CHECK_BROADCAST_OUT,
                            "%s leaves through %s, not the TAP %s: lanparty-client could not add its route '%s dev "
                            "%s' (%s). Add it: ip route add %s dev %s",
                            what, ifname, f->tap_name, prefix, f->tap_name, send_error_text(f->discovery_routes_error),
                            prefix, f->tap_name);
        fail(o, CLIENT_CHECK_BROADCAST_OUT,
             "%s leaves through %s, not the TAP %s: the route that steers it into the party is gone (lanparty-client "
             "adds '%s dev %s'; see 'ip route get %s'). Restart lanparty-client, or add it back: ip route add %s dev %s",
             what, ifname, f->tap_name, prefix, f->tap_name, dst, prefix, f->tap_name);
}

/* Windows sends a limited broadcast through the interface with the
 * lowest metric (every interface has its own 255.255.255.255/32 route);
 * client.exe gives the TAP a low fixed one when it starts. */
static void fail_broadcast_elsewhere_windows(const ClientCheckFacts *f, ClientCheckOutcome *o) {
        char metrics[64] = "", fix[320];

        if (f->broadcast_metric > 0 && f->tap_metric > 0)
                snprintf(metrics, sizeof(metrics), " (interface metric %u against the TAP's %u)",
                         (unsigned) f->broadcast_metric, (unsigned) f->tap_metric);
        fail(o, CLIENT_CHECK_BROADCAST_OUT,
             "broadcasts to 255.255.255.255 leave through \"%s\", not the TAP \"%s\"%s: Windows sends them "
             "through the interface with the lowest metric. %s (Control Panel > Network Connections > \"%s\" > "
             "Properties > IPv4 > Advanced > Interface metric)",
             f->broadcast_ifname, f->tap_name, metrics, metric_cause_and_fix(f, f->broadcast_ifname, fix),
             f->broadcast_ifname);
}

/* Multicast (SSDP's group, which games use too) follows the same
 * interface choice as 255.255.255.255 on Windows (each interface's
 * 224.0.0.0/4, lowest metric) and its own route on Linux. */
static void fail_multicast(const ClientCheckFacts *f, ClientCheckOutcome *o) {
        char fix[320];

        if (f->multicast_ifname[0] && strcmp(f->multicast_ifname, f->tap_name) != 0 && on_windows(f))
                return fail(o, CLIENT_CHECK_BROADCAST_OUT,
                            "multicast to 239.255.255.250 leaves through \"%s\", not the TAP \"%s\": Windows sends "
                            "it through the interface with the lowest metric. %s",
                            f->multicast_ifname, f->tap_name, metric_cause_and_fix(f, f->multicast_ifname, fix));
        if (f->multicast_ifname[0] && strcmp(f->multicast_ifname, f->tap_name) != 0)
                return fail_elsewhere_linux(f, o, "multicast to 239.255.255.250", "239.255.255.250", "224.0.0.0/4",
                                            f->multicast_ifname);
        if (f->send_error_multicast < 0)
                return fail(o, CLIENT_CHECK_BROADCAST_OUT,
                            "this PC refused to send multicast to 239.255.255.250 (%s): games that discover servers "
                            "by multicast will not see the party; restart %s",
                            send_error_text(f->send_error_multicast), program(f));
        fail(o, CLIENT_CHECK_BROADCAST_OUT,
             "broadcasts reach the party but multicast to 239.255.255.250 through the TAP %s%s%s does not: a "
             "firewall on this PC (%s) may drop outgoing multicast; games that discover servers by multicast "
             "will not see the party",
             on_windows(f) ? "\"" : "", f->tap_name, on_windows(f) ? "\"" : "",
             on_windows(f) ? "Windows Firewall or another security program" : "nft, iptables");
}

static void judge_broadcast_out(const ClientCheckFacts *f, ClientCheckOutcome *o) {
        bool limited = f->have_report && (f->report.probes & CHECK_PROBE_LIMITED_BROADCAST);
        bool directed = f->have_report && (f->report.probes & CHECK_PROBE_DIRECTED_BROADCAST);
        bool multicast = f->have_report && (f->report.probes & CHECK_PROBE_MULTICAST);

        if (!f->have_report)
                return fail(o, CLIENT_CHECK_BROADCAST_OUT, "%s.", no_report_hint());
        if (limited && directed && multicast) {
                o->verdicts[CLIENT_CHECK_BROADCAST_OUT] = CHECK_VERDICT_PASS;
                return;
        }
        if (limited && directed)
                return fail_multicast(f, o);
        if (!limited) {
                if (f->broadcast_ifname[0] && strcmp(f->broadcast_ifname, f->tap_name) != 0 && on_windows(f))
                        return fail_broadcast_elsewhere_windows(f, o);
                if (f->broadcast_ifname[0] && strcmp(f->broadcast_ifname, f->tap_name) != 0)
                        return fail_elsewhere_linux(f, o, "a broadcast to 255.255.255.255", "255.255.255.255",
                                                    "255.255.255.255/32", f->broadcast_ifname);
                if (f->send_error_limited < 0)
                        return fail(o, CLIENT_CHECK_BROADCAST_OUT,
                                    "this PC refused to send to 255.255.255.255 (%s): no route takes broadcasts "
                                    "to the TAP %s; restart %s",
                                    send_error_text(f->send_error_limited), f->tap_name, program(f));
                return fail(o, CLIENT_CHECK_BROADCAST_OUT,
                            "broadcasts to 255.255.255.255 left through the TAP %s but did not reach the party's "
                            "gateway: a firewall on this PC (%s) may drop outgoing broadcasts, or the "
                            "relay rate-limits this PC's broadcasts",
                            f->tap_name, on_windows(f) ? "Windows Firewall or another security program" : "nft, iptables");
        }
        if (f->send_error_directed < 0)
                return fail(o, CLIENT_CHECK_BROADCAST_OUT,
                            "this PC refused to send to the party network's broadcast address (%s)",
                            send_error_text(f->send_error_directed));
        return fail(o, CLIENT_CHECK_BROADCAST_OUT,
                    "broadcasts to the party network's own broadcast address did not reach the gateway: the TAP's "
                    "address or netmask does not match the party's network");
}

static void judge_broadcast_in(const ClientCheckFacts *f, ClientCheckOutcome *o) {
        if (f->got_gateway_probe) {
                o->verdicts[CLIENT_CHECK_BROADCAST_IN] = CHECK_VERDICT_PASS;
                return;
        }
        if (!f->have_report)
                return fail(o, CLIENT_CHECK_BROADCAST_IN, "%s.", no_report_hint());
        if (on_windows(f) && f->tap_network_public)
                return fail(o, CLIENT_CHECK_BROADCAST_IN,
                            "the gateway sent a broadcast to this PC, but no socket here received it: Windows files "
                            "the party network on \"%s\" as Public, and Windows Firewall drops incoming traffic on "
                            "Public networks for programs allowed on Private ones only. Set the network to Private "
                            "(Settings > Network & Internet > \"%s\" > Private network), or allow client.exe and "
                            "your games on Public networks in Windows Firewall",
                            f->tap_name, f->tap_name);
        /* The check's socket is client.exe's: without the installer's
         * rule (a copy run from elsewhere, the rule deleted, the prompt
         * answered "no") Windows drops what comes for it. */
        if (on_windows(f))
                return fail(o, CLIENT_CHECK_BROADCAST_IN,
                            "the gateway sent a broadcast to this PC, but no socket here received it: Windows "
                            "Firewall (or another security program) drops incoming broadcasts on the TAP \"%s\": "
                            "allow client.exe and your games through it. lanparty's installer adds the inbound "
                            "rule \"lanparty\" for client.exe; to add it by hand, in an administrator Command "
                            "Prompt: netsh advfirewall firewall add rule name=lanparty dir=in action=allow "
                            "program=\"C:\\Program Files\\lanparty\\client.exe\" enable=yes profile=any (with the "
                            "path of your client.exe)",
                            f->tap_name);
        fail(o, CLIENT_CHECK_BROADCAST_IN,
             "the gateway sent a broadcast to this PC, but no socket here received it: inbound broadcasts on the "
             "TAP %s are dropped: check the firewall (nft list ruleset; allow UDP to 255.255.255.255 on %s)",
             f->tap_name, f->tap_name);
}

static void judge_full_size(const ClientCheckFacts *f, ClientCheckOutcome *o) {
        bool out_ok = f->have_report && f->room_mtu > 0 && f->report.largest_probe >= f->room_mtu;

        if (out_ok && f->got_full_size_answer) {
                o->verdicts[CLIENT_CHECK_FULL_SIZE] = CHECK_VERDICT_PASS;
                return;
        }
        if (!f->have_report)
                return fail(o, CLIENT_CHECK_FULL_SIZE, "%s.", no_report_hint());
        if (f->send_error_full_size == -EMSGSIZE && on_windows(f))
                return fail(o, CLIENT_CHECK_FULL_SIZE,
                            "this PC will not send %u-byte packets on the TAP \"%s\": its MTU is below the room's %u "
                            "(netsh interface ipv4 set subinterface \"%s\" mtu=%u)",
                            f->room_mtu, f->tap_name, f->room_mtu, f->tap_name, f->room_mtu);
        if (f->send_error_full_size == -EMSGSIZE)
                return fail(o, CLIENT_CHECK_FULL_SIZE,
                            "this PC will not send %u-byte packets on the TAP %s: its MTU is below the room's %u "
                            "(ip link set %s mtu %u)",
                            f->room_mtu, f->tap_name, f->room_mtu, f->tap_name, f->room_mtu);
        if (!out_ok && !(f->report.probes & CHECK_PROBE_LIMITED_BROADCAST)) {
                /* Full-size probes go to 255.255.255.255 like step 1's. */
                o->verdicts[CLIENT_CHECK_FULL_SIZE] = CHECK_VERDICT_NOT_RUN;
                snprintf(o->hints[CLIENT_CHECK_FULL_SIZE], sizeof(o->hints[CLIENT_CHECK_FULL_SIZE]),
                         "could not be measured: the full-size probes are broadcasts to 255.255.255.255, which "
                         "do not reach the party (step 1)");
                return;
        }
        if (!out_ok) {
                unsigned through = f->report.largest_probe;

                if (f->frame_budget > 0 && f->frame_budget < (size_t) f->room_mtu + 14)
                        through = (unsigned) (f->frame_budget - 14);
                return fail(o, CLIENT_CHECK_FULL_SIZE,
                            "frames above about %u bytes are lost on the way to the party (the room needs %u): the "
                            "network path between this PC and the relay carries less (a VPN, PPPoE or a tunnel on "
                            "the way, or a router dropping ICMP 'fragmentation needed'); games sending large "
                            "packets will stall",
                            through, f->room_mtu);
        }
        if (!f->got_gateway_probe) {
                /* The answer is a broadcast like the gateway's probe: what
                 * dropped that one (step 2) dropped this one too. */
                o->verdicts[CLIENT_CHECK_FULL_SIZE] = CHECK_VERDICT_NOT_RUN;
                snprintf(o->hints[CLIENT_CHECK_FULL_SIZE], sizeof(o->hints[CLIENT_CHECK_FULL_SIZE]),
                         "%u-byte frames reach the party; the way back could not be measured, since the "
                         "gateway's answer is a broadcast as well and those do not get in (step 2)",
                         f->room_mtu);
                return;
        }
        fail(o, CLIENT_CHECK_FULL_SIZE,
             "%u-byte frames reach the party but the gateway's %u-byte answer was lost on the way back: the path "
             "from the relay to this PC carries less (a VPN, PPPoE or a tunnel on the way?)",
             f->room_mtu, f->room_mtu);
}

static void judge_lan_address(const ClientCheckFacts *f, ClientCheckOutcome *o) {
        char host[16];

        if (f->tap_address == 0 && on_windows(f))
                return fail(o, CLIENT_CHECK_LAN_ADDRESS,
                            "the TAP \"%s\" has no IPv4 address: no DHCP answer from the party yet (client.exe asks "
                            "Windows to renew the lease; does the party's router hand out addresses?)",
                            f->tap_name);
        if (f->tap_address == 0)
                return fail(o, CLIENT_CHECK_LAN_ADDRESS,
                            "the TAP %s has no IPv4 address: no DHCP answer from the party yet (is a DHCP client "
                            "running on %s? does the party's router hand out addresses?)",
                            f->tap_name, f->tap_name);
        if ((f->tap_address >> 16) == 0xA9FE)
                return fail(o, CLIENT_CHECK_LAN_ADDRESS,
                            "the TAP %s has only a self-assigned 169.254.x.x address%s: no DHCP answer from the "
                            "party yet",
                            f->tap_name, on_windows(f) ? " (Windows' APIPA)" : "");
        if (f->lan_host == 0)
                return fail(o, CLIENT_CHECK_LAN_ADDRESS,
                            "no host of the party's LAN has sent anything to this PC yet, so there is nobody to "
                            "ask: is anything besides the gateway on the party's network?");
        ip_text(f->lan_host, host);
        if (!f->arp_answered)
                return fail(o, CLIENT_CHECK_LAN_ADDRESS,
                            "%s on the party's LAN did not answer ARP through the TAP %s%s%s: the TAP's address may "
                            "not be on the party's network, or a firewall drops ARP",
                            host, on_windows(f) ? "\"" : "", f->tap_name, on_windows(f) ? "\"" : "");
        o->verdicts[CLIENT_CHECK_LAN_ADDRESS] = CHECK_VERDICT_PASS;
}

void client_check_judge(const ClientCheckFacts *f, ClientCheckOutcome *ret) {
        *ret = (ClientCheckOutcome) {};
        judge_broadcast_out(f, ret);
        judge_broadcast_in(f, ret);
        judge_full_size(f, ret);
        judge_lan_address(f, ret);
}

bool client_check_address_ready(const char *ipv4) {
        return ipv4 && ipv4[0] != '\0' && strcmp(ipv4, "0.0.0.0") != 0 && !ipv4_text_is_autoconf(ipv4);
}

void client_check_describe(const ClientCheckOutcome *o, void (*say)(void *userdata, const char *line),
                           void *userdata) {
        char line[CLIENT_CHECK_HINT_MAX + 128];

        say(userdata, "Party check:");
        for (ClientCheckStep s = 0; s < _CLIENT_CHECK_STEP_MAX; s++) {
                if (o->verdicts[s] == CHECK_VERDICT_PASS)
                        snprintf(line, sizeof(line), "  \u2713 %u. %s", (unsigned) s + 1, client_check_step_to_string(s));
                else
                        snprintf(line, sizeof(line), "  %s %u. %s: %s",
                                 o->verdicts[s] == CHECK_VERDICT_NOT_RUN ? "-" : "\u2717", (unsigned) s + 1,
                                 client_check_step_to_string(s), o->hints[s]);
                say(userdata, line);
        }
        say(userdata, client_check_passed(o) ? "Party check passed: games on this PC will find the party."
                                             : "Party check failed: games on this PC may not find the party.");
}

bool client_check_passed(const ClientCheckOutcome *o) {
        for (size_t i = 0; i < _CLIENT_CHECK_STEP_MAX; i++)
                if (o->verdicts[i] != CHECK_VERDICT_PASS)
                        return false;
        return true;
}
