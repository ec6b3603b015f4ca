/* SPDX-License-Identifier: MIT */
/* The party check's verdicts and hints (client-check.c): each failure the
 * issue names gets its own cause and fix, and a clean run passes. */
#include <errno.h>
#include <stdio.h>

#include "client-check.h"
#include "macro.h"
#include "test-util.h"

static ClientCheckFacts all_good(void) {
        ClientCheckFacts f = {
                .tap_name = "lp0",
                .tap_address = 0xC0000265, /* 192.0.2.101 */
                .lan_host = 0xC0000201,
                .arp_answered = true,
                .broadcast_ifname = "lp0",
                .multicast_ifname = "lp0",
                .have_report = true,
                .report = { .probes = _CHECK_PROBE_ALL, .largest_probe = 1344 },
                .got_gateway_probe = true,
                .got_full_size_answer = true,
                .room_mtu = 1344,
                .frame_budget = 1358,
        };
        return f;
}

static void expect(const ClientCheckFacts *f, ClientCheckStep step, const char *needle) {
        ClientCheckOutcome o;

        client_check_judge(f, &o);
        CHECK_EQ_INT(o.verdicts[step], CHECK_VERDICT_FAIL);
        if (!strstr(o.hints[step], needle)) {
                fprintf(stderr, "hint of step %d: \"%s\" lacks \"%s\"\n", step + 1, o.hints[step], needle);
                CHECK(false);
        }
        CHECK(!client_check_passed(&o));
}

static void test_pass(void) {
        ClientCheckFacts f = all_good();
        ClientCheckOutcome o;

        client_check_judge(&f, &o);
        CHECK(client_check_passed(&o));
        for (int i = 0; i < _CLIENT_CHECK_STEP_MAX; i++)
                CHECK_EQ_STR(o.hints[i], "");
}

static void test_broadcast_out(void) {
        ClientCheckFacts f = all_good();

        f.report.probes &= ~CHECK_PROBE_LIMITED_BROADCAST;
        snprintf(f.broadcast_ifname, sizeof(f.broadcast_ifname), "eth0");
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "a broadcast to 255.255.255.255 leaves through eth0, not the TAP lp0");
        f.broadcast_ifname[0] = '\0';
        f.send_error_limited = -ENETUNREACH;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "refused to send to 255.255.255.255");
        f.send_error_limited = 0;
        snprintf(f.broadcast_ifname, sizeof(f.broadcast_ifname), "lp0");
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "did not reach the party's gateway");

        f = all_good();
        f.report.probes &= ~CHECK_PROBE_DIRECTED_BROADCAST;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "netmask");
}

static void test_broadcast_in(void) {
        ClientCheckFacts f = all_good();

        f.got_gateway_probe = false;
        expect(&f, CLIENT_CHECK_BROADCAST_IN, "inbound broadcasts on the TAP lp0 are dropped: check the firewall");
}

static void test_full_size(void) {
        ClientCheckFacts f = all_good();

        f.report.largest_probe = 1280;
        expect(&f, CLIENT_CHECK_FULL_SIZE, "frames above about 1280 bytes are lost");
        f.frame_budget = 1200;
        expect(&f, CLIENT_CHECK_FULL_SIZE, "frames above about 1186 bytes are lost");
        f.send_error_full_size = -EMSGSIZE;
        expect(&f, CLIENT_CHECK_FULL_SIZE, "MTU is below the room's 1344");

        f = all_good();
        f.got_full_size_answer = false;
        expect(&f, CLIENT_CHECK_FULL_SIZE, "answer was lost on the way back");

        /* Both of the gateway's broadcasts missing: step 2's cause, and
         * step 3 could not measure the way back. */
        {
                ClientCheckOutcome o;

                f.got_gateway_probe = false;
                client_check_judge(&f, &o);
                CHECK_EQ_INT(o.verdicts[CLIENT_CHECK_BROADCAST_IN], CHECK_VERDICT_FAIL);
                CHECK_EQ_INT(o.verdicts[CLIENT_CHECK_FULL_SIZE], CHECK_VERDICT_NOT_RUN);
                CHECK(strstr(o.hints[CLIENT_CHECK_FULL_SIZE], "could not be measured"));
        }

        /* No limited broadcast got out: neither did the full-size probes. */
        {
                ClientCheckOutcome o;

                f = all_good();
                f.report.probes &= ~CHECK_PROBE_LIMITED_BROADCAST;
                f.report.largest_probe = 92;
                client_check_judge(&f, &o);
                CHECK_EQ_INT(o.verdicts[CLIENT_CHECK_FULL_SIZE], CHECK_VERDICT_NOT_RUN);
                CHECK(strstr(o.hints[CLIENT_CHECK_FULL_SIZE], "(step 1)"));
        }
}

static void test_lan_address(void) {
        ClientCheckFacts f = all_good();

        f.tap_address = 0;
        expect(&f, CLIENT_CHECK_LAN_ADDRESS, "no DHCP answer from the party yet");
        f.tap_address = 0xA9FE0102;
        expect(&f, CLIENT_CHECK_LAN_ADDRESS, "169.254.x.x address: no DHCP answer from the party yet");
        f = all_good();
        f.arp_answered = false;
        expect(&f, CLIENT_CHECK_LAN_ADDRESS, "192.0.2.1 on the party's LAN did not answer ARP");
        f.lan_host = 0;
        expect(&f, CLIENT_CHECK_LAN_ADDRESS, "nobody to ask");
}

static void test_no_report(void) {
        ClientCheckFacts f = all_good();
        ClientCheckOutcome o;

        f.have_report = false;
        f.got_gateway_probe = false;
        f.got_full_size_answer = false;
        client_check_judge(&f, &o);
        for (int i = 0; i < CLIENT_CHECK_LAN_ADDRESS; i++) {
                CHECK_EQ_INT(o.verdicts[i], CHECK_VERDICT_FAIL);
                CHECK(strstr(o.hints[i], "did not answer the check"));
        }
        CHECK_EQ_INT(o.verdicts[CLIENT_CHECK_LAN_ADDRESS], CHECK_VERDICT_PASS);
}

static void test_multicast(void) {
        ClientCheckFacts f = all_good();

        /* Broadcasts arrive but multicast leaves elsewhere: step 1 fails
         * (it was a note that let the check pass before lanparty-client
         * steered 224.0.0.0/4 onto the TAP). */
        f.report.probes &= ~CHECK_PROBE_MULTICAST;
        snprintf(f.multicast_ifname, sizeof(f.multicast_ifname), "wan0");
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "multicast to 239.255.255.250 leaves through wan0, not the TAP lp0");
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "ip route add 224.0.0.0/4 dev lp0");
        snprintf(f.multicast_ifname, sizeof(f.multicast_ifname), "lp0");
        f.send_error_multicast = -ENETUNREACH;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "refused to send multicast to 239.255.255.250 (network unreachable)");
        f.send_error_multicast = 0;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "multicast to 239.255.255.250 through the TAP lp0 does not");
}

/* Why the steering failed, when start-up knew (the "lanparty
 * could not lower the TAP metric: ..."). */
static void test_steering_cause(void) {
        ClientCheckFacts f = all_good();
        ClientCheckOutcome o;

        f.report.probes &= ~CHECK_PROBE_LIMITED_BROADCAST;
        snprintf(f.broadcast_ifname, sizeof(f.broadcast_ifname), "eth0");
        client_check_judge(&f, &o);
        CHECK(!strstr(o.hints[CLIENT_CHECK_BROADCAST_OUT], "could not"));
        f.discovery_routes_error = -EACCES;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT,
               "lanparty-client could not add its route '255.255.255.255/32 dev lp0' (permission denied). Add it: "
               "ip route add 255.255.255.255/32 dev lp0");
        f.discovery_routes_error = 0;
        f.discovery_routes_contested = true;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT,
               "a route for 255.255.255.255/32 that was there before lanparty-client wins, and lanparty-client leaves "
               "other programs' routes alone (see 'ip route show 255.255.255.255/32'). If nothing here needs it: ip "
               "route del 255.255.255.255/32 dev eth0, then restart lanparty-client");

        f = all_good();
        f.platform = CLIENT_CHECK_PLATFORM_WINDOWS;
        f.report.probes &= ~CHECK_PROBE_LIMITED_BROADCAST;
        snprintf(f.broadcast_ifname, sizeof(f.broadcast_ifname), "Ethernet 2");
        f.broadcast_metric = 5;
        f.tap_metric = 25;
        f.discovery_routes_error = -EACCES;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT,
               "leave through \"Ethernet 2\", not the TAP \"lp0\" (interface metric 5 against the TAP's 25)");
        expect(&f, CLIENT_CHECK_BROADCAST_OUT,
               "lanparty could not lower the TAP metric: permission denied. Restart client.exe, which gives the TAP "
               "a low metric, or give \"Ethernet 2\" a higher one (Control Panel");
        f.discovery_routes_error = 0;
        f.discovery_routes_contested = true;
        f.report.probes = _CHECK_PROBE_ALL & ~CHECK_PROBE_MULTICAST;
        snprintf(f.multicast_ifname, sizeof(f.multicast_ifname), "Ethernet 2");
        expect(&f, CLIENT_CHECK_BROADCAST_OUT,
               "Another adapter already had the low metric lanparty gives the TAP, and it cannot go lower. Give "
               "\"Ethernet 2\" a higher one");
        client_check_judge(&f, &o);
        CHECK(!strstr(o.hints[CLIENT_CHECK_BROADCAST_OUT], "Restart"));
}

/* client.exe's facts: Windows' names for things and Windows' fixes. */
static ClientCheckFacts all_good_windows(void) {
        ClientCheckFacts f = all_good();

        f.platform = CLIENT_CHECK_PLATFORM_WINDOWS;
        snprintf(f.tap_name, sizeof(f.tap_name), "Ethernet 3");
        snprintf(f.broadcast_ifname, sizeof(f.broadcast_ifname), "Ethernet 3");
        snprintf(f.multicast_ifname, sizeof(f.multicast_ifname), "Ethernet 3");
        f.tap_metric = 5;
        f.broadcast_metric = 5;
        return f;
}

static void test_windows(void) {
        ClientCheckFacts f = all_good_windows();
        ClientCheckOutcome o;

        client_check_judge(&f, &o);
        CHECK(client_check_passed(&o));

        /* Broadcasts through Wi-Fi: named with both metrics, and the fix
         * is Windows' (no ip route). */
        f.report.probes &= ~CHECK_PROBE_LIMITED_BROADCAST;
        snprintf(f.broadcast_ifname, sizeof(f.broadcast_ifname), "Wi-Fi");
        f.broadcast_metric = 2;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT,
               "leave through \"Wi-Fi\", not the TAP \"Ethernet 3\" (interface metric 2 against the TAP's 5)");
        client_check_judge(&f, &o);
        CHECK(!strstr(o.hints[CLIENT_CHECK_BROADCAST_OUT], "ip route"));
        f.tap_metric = 0;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "not the TAP \"Ethernet 3\": Windows sends them");
        f = all_good_windows();
        f.report.probes &= ~CHECK_PROBE_LIMITED_BROADCAST;
        f.send_error_limited = -ENETUNREACH;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "refused to send to 255.255.255.255 (network unreachable)");
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "restart client.exe");
        f.send_error_limited = 0;
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "Windows Firewall or another security program");

        /* Inbound broadcasts dropped: on a Public network that is the
         * firewall profile. */
        f = all_good_windows();
        f.got_gateway_probe = false;
        f.tap_network_public = true;
        expect(&f, CLIENT_CHECK_BROADCAST_IN, "files the party network on \"Ethernet 3\" as Public");
        f.tap_network_public = false;
        expect(&f, CLIENT_CHECK_BROADCAST_IN, "Windows Firewall (or another security program) drops incoming");
        /* The rule the installer adds, and how to add it back. */
        expect(&f, CLIENT_CHECK_BROADCAST_IN, "lanparty's installer adds the inbound rule \"lanparty\" for client.exe");
        expect(&f, CLIENT_CHECK_BROADCAST_IN,
               "netsh advfirewall firewall add rule name=lanparty dir=in action=allow "
               "program=\"C:\\Program Files\\lanparty\\client.exe\" enable=yes profile=any");
        client_check_judge(&f, &o);
        CHECK(!strstr(o.hints[CLIENT_CHECK_BROADCAST_IN], "nft"));

        f = all_good_windows();
        f.report.largest_probe = 1280;
        f.send_error_full_size = -EMSGSIZE;
        expect(&f, CLIENT_CHECK_FULL_SIZE, "netsh interface ipv4 set subinterface \"Ethernet 3\" mtu=1344");

        f = all_good_windows();
        f.tap_address = 0;
        expect(&f, CLIENT_CHECK_LAN_ADDRESS, "client.exe asks Windows to renew the lease");
        f.tap_address = 0xA9FE0102;
        expect(&f, CLIENT_CHECK_LAN_ADDRESS, "169.254.x.x address (Windows' APIPA)");
        f = all_good_windows();
        f.arp_answered = false;
        expect(&f, CLIENT_CHECK_LAN_ADDRESS, "did not answer ARP through the TAP \"Ethernet 3\":");

        f = all_good_windows();
        f.report.probes &= ~CHECK_PROBE_MULTICAST;
        snprintf(f.multicast_ifname, sizeof(f.multicast_ifname), "Wi-Fi");
        expect(&f, CLIENT_CHECK_BROADCAST_OUT, "leaves through \"Wi-Fi\", not the TAP \"Ethernet 3\"");
        client_check_judge(&f, &o);
        CHECK(!strstr(o.hints[CLIENT_CHECK_BROADCAST_OUT], "ip route"));
}

static void test_address_ready(void) {
        CHECK(client_check_address_ready("192.0.2.101"));
        CHECK(!client_check_address_ready(""));
        CHECK(!client_check_address_ready(NULL));
        CHECK(!client_check_address_ready("0.0.0.0"));
        CHECK(!client_check_address_ready("169.254.7.9"));
}

typedef struct Lines {
        char text[8][CLIENT_CHECK_HINT_MAX + 128];
        unsigned n;
} Lines;

static void collect(void *userdata, const char *line) {
        Lines *l = userdata;

        CHECK(l->n < ELEMENTSOF(l->text));
        snprintf(l->text[l->n++], sizeof(l->text[0]), "%s", line);
}

static void test_describe(void) {
        ClientCheckFacts f = all_good();
        ClientCheckOutcome o;
        Lines l = {};

        f.got_gateway_probe = false;
        f.got_full_size_answer = false;
        client_check_judge(&f, &o);
        client_check_describe(&o, collect, &l);
        CHECK_EQ_INT(l.n, 6);
        CHECK_EQ_STR(l.text[0], "Party check:");
        CHECK_EQ_STR(l.text[1], "  \u2713 1. Broadcasts and multicast from this PC reach the party");
        CHECK(strncmp(l.text[2], "  \u2717 2. Broadcasts from the party reach games on this PC: the gateway", 70) == 0);
        CHECK(strncmp(l.text[3], "  - 3. Full-size frames make the round trip: ", 45) == 0);
        CHECK_EQ_STR(l.text[4], "  \u2713 4. The TAP has a party address and a LAN host answers");
        CHECK_EQ_STR(l.text[5], "Party check failed: games on this PC may not find the party.");
}

int main(void) {
        RUN(test_pass);
        RUN(test_broadcast_out);
        RUN(test_broadcast_in);
        RUN(test_full_size);
        RUN(test_lan_address);
        RUN(test_no_report);
        RUN(test_multicast);
        RUN(test_steering_cause);
        RUN(test_windows);
        RUN(test_address_ready);
        RUN(test_describe);
        return 0;
}
