/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <poll.h>
#include <sched.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gatewayd-link.h"
#include "log.h"
#include "test-util.h"

/* First the pure decision, exhaustively. Then, as root, the netlink side in
 * an anonymous network namespace (unshare, so the veth pairs vanish with
 * the process however it ends) with its own /sys mount so sysfs shows this
 * namespace's interfaces. Every wait is bounded.
 *
 * mac80211_hwsim cannot be loaded here (and usually not in CI), so the
 * wireless verdict is covered by the pure tests only; the netlink tests
 * check that veth is not taken for Wi-Fi. */

#define EXIT_SKIP 77
#define WAIT_MS 5000

/* ---- pure decision ---- */

static void test_check_hostile(void) {
        LinkState s = {};

        CHECK_EQ_INT(link_state_check(NULL), _LINK_CHECK_INVALID);
        /* A zeroed state is a missing interface, whatever else is set. */
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_MISSING);
        s = (LinkState) {.flags = ~0u, .operstate = IF_OPER_UP, .arptype = ARPHRD_ETHER, .ifindex = 3};
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_MISSING);
        /* Operstates the kernel may add later are not "ready". */
        s = (LinkState) {.exists = true, .arptype = ARPHRD_ETHER, .flags = IFF_UP | IFF_LOWER_UP};
        for (unsigned op = IF_OPER_UP + 1; op <= 255; op++) {
                s.operstate = (uint8_t) op;
                CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_NO_CARRIER);
        }
}

static void test_strings(void) {
        for (int c = 0; c < _LINK_CHECK_MAX; c++) {
                CHECK(link_check_to_string(c));
                CHECK(link_check_describe(c));
                for (int d = 0; d < c; d++)
                        CHECK(strcmp(link_check_to_string(c), link_check_to_string(d)) != 0);
        }
        CHECK(!link_check_to_string(_LINK_CHECK_MAX));
        CHECK(!link_check_to_string(_LINK_CHECK_INVALID));
        CHECK(!link_check_to_string(-1));
        CHECK(!link_check_describe(_LINK_CHECK_MAX));
        CHECK(!link_check_describe(-1));

        CHECK_EQ_STR(link_check_to_string(LINK_CHECK_OK), "ok");
        CHECK_EQ_STR(link_check_to_string(LINK_CHECK_NO_CARRIER), "no-carrier");
        CHECK_EQ_STR(link_check_describe(LINK_CHECK_MISSING), "does not exist");
        CHECK_EQ_STR(link_check_describe(LINK_CHECK_DOWN), "is down");
        CHECK_EQ_STR(link_check_describe(LINK_CHECK_NO_CARRIER), "has no carrier (cable unplugged?)");
        CHECK_EQ_STR(link_check_describe(LINK_CHECK_WIRELESS),
                     "is a wireless interface; the gateway needs a wired NIC");
}

/* The expected verdict, spelled as a table of rules in priority order. */
static LinkCheck expected(bool exists, uint16_t arptype, bool wireless, unsigned flags, uint8_t operstate) {
        static const uint8_t ready[] = {IF_OPER_UP, IF_OPER_UNKNOWN};
        bool oper_ready = false;

        for (size_t i = 0; i < ELEMENTSOF(ready); i++)
                oper_ready = oper_ready || operstate == ready[i];

        if (!exists)
                return LINK_CHECK_MISSING;
        if (arptype != ARPHRD_ETHER)
                return LINK_CHECK_NOT_ETHERNET;
        if (wireless)
                return LINK_CHECK_WIRELESS;
        if (!(flags & IFF_UP))
                return LINK_CHECK_DOWN;
        if (!(flags & IFF_LOWER_UP))
                return LINK_CHECK_NO_CARRIER;
        if (operstate == IF_OPER_DORMANT)
                return LINK_CHECK_DORMANT;
        return oper_ready ? LINK_CHECK_OK : LINK_CHECK_NO_CARRIER;
}

static void test_check_exhaustive(void) {
        const uint16_t arptypes[] = {ARPHRD_ETHER, ARPHRD_LOOPBACK, ARPHRD_NONE, ARPHRD_IEEE80211,
                                     ARPHRD_IEEE80211_RADIOTAP, ARPHRD_PPP, 0, 0xffff};
        /* Every combination of the flags that matter plus ones that must
         * not (RUNNING, PROMISC, DORMANT, BROADCAST). */
        const unsigned bits[] = {IFF_UP, IFF_LOWER_UP, IFF_RUNNING, IFF_PROMISC, IFF_DORMANT, IFF_BROADCAST};
        unsigned n = 0, seen[_LINK_CHECK_MAX] = {};

        for (int exists = 0; exists <= 1; exists++)
                for (size_t a = 0; a < ELEMENTSOF(arptypes); a++)
                        for (int wireless = 0; wireless <= 1; wireless++)
                                for (unsigned mask = 0; mask < 1u << ELEMENTSOF(bits); mask++)
                                        for (unsigned op = 0; op <= IF_OPER_UP + 1; op++) {
                                                unsigned flags = 0;
                                                LinkState s;
                                                LinkCheck want, got;

                                                for (size_t b = 0; b < ELEMENTSOF(bits); b++)
                                                        if (mask & 1u << b)
                                                                flags |= bits[b];
                                                s = (LinkState) {
                                                        .exists = exists,
                                                        .ifindex = 7,
                                                        .flags = flags,
                                                        .operstate = (uint8_t) op,
                                                        .arptype = arptypes[a],
                                                        .wireless = wireless,
                                                };
                                                want = expected(exists, arptypes[a], wireless, flags,
                                                                (uint8_t) op);
                                                got = link_state_check(&s);
                                                CHECK_EQ_INT(got, want);
                                                seen[got]++;
                                                n++;
                                        }

        CHECK_EQ_INT(n, 2 * 8 * 2 * 64 * 8);
        /* Every verdict is reachable. */
        for (int c = 0; c < _LINK_CHECK_MAX; c++)
                CHECK(seen[c] > 0);
}

static void test_check_examples(void) {
        LinkState s = {.exists = true, .ifindex = 2, .arptype = ARPHRD_ETHER};

        s.flags = IFF_UP | IFF_LOWER_UP | IFF_RUNNING;
        s.operstate = IF_OPER_UP;
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_OK);
        s.operstate = IF_OPER_UNKNOWN; /* tun, some USB NICs */
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_OK);
        s.operstate = IF_OPER_DORMANT;
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_DORMANT);
        s.operstate = IF_OPER_LOWERLAYERDOWN;
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_NO_CARRIER);

        /* Cable out: up, no LOWER_UP, operstate DOWN. */
        s.flags = IFF_UP;
        s.operstate = IF_OPER_DOWN;
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_NO_CARRIER);
        /* Carrier flag gone but operstate not yet updated (linkwatch lag). */
        s.operstate = IF_OPER_UP;
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_NO_CARRIER);
        s.flags = 0;
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_DOWN);

        /* A Wi-Fi card in perfect shape is still refused, and so is a down
         * one: bringing it up would not help. */
        s.wireless = true;
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_WIRELESS);
        s.flags = IFF_UP | IFF_LOWER_UP;
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_WIRELESS);

        s = (LinkState) {.exists = true, .arptype = ARPHRD_LOOPBACK, .flags = IFF_UP | IFF_LOWER_UP};
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_NOT_ETHERNET);
        s.arptype = ARPHRD_NONE; /* tun */
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_NOT_ETHERNET);
}

/* ---- netlink, in a namespace ---- */

static bool netns_setup(void) {
        if (geteuid() != 0) {
                fprintf(stderr, "Not root, skipping the netlink tests.\n");
                return false;
        }
        if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
                fprintf(stderr, "unshare() failed, skipping the netlink tests: %m\n");
                return false;
        }
        if (system("ip -V >/dev/null 2>&1") != 0) {
                fprintf(stderr, "No ip(8), skipping the netlink tests.\n");
                return false;
        }
        /* What `ip netns exec` does: keep our mounts to ourselves, then
         * show this namespace's interfaces under /sys/class/net. */
        /* Type and source are ignored for a propagation change; valgrind
         * insists they be readable strings. */
        CHECK(mount("none", "/", "none", MS_SLAVE | MS_REC, NULL) == 0);
        CHECK(umount2("/sys", MNT_DETACH) == 0 || errno == EINVAL);
        CHECK(mount("sysfs", "/sys", "sysfs", 0, NULL) == 0);
        test_run("echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 || true");
        return true;
}

typedef struct Reports {
        LinkCheck checks[64];
        int ifindex[64];
        size_t n;
} Reports;

static void on_change(LinkMonitor *m, LinkCheck check, const LinkState *state, void *userdata) {
        Reports *r = userdata;

        CHECK(link_monitor_get_check(m) == check);
        CHECK(link_monitor_get_state(m) == state);
        CHECK(r->n < ELEMENTSOF(r->checks));
        r->checks[r->n] = check;
        r->ifindex[r->n] = state->ifindex;
        r->n++;
        fprintf(stderr, "   reported: %s (ifindex %d)\n", link_check_to_string(check), state->ifindex);
}

/* Processes notifications until `want` was the last report, or fails. */
static void wait_report(LinkMonitor *m, Reports *r, LinkCheck want) {
        uint64_t end = test_now_ms() + WAIT_MS;

        for (;;) {
                struct pollfd pfd = {.fd = link_monitor_get_fd(m), .events = POLLIN};
                uint64_t now = test_now_ms();

                if (r->n > 0 && r->checks[r->n - 1] == want)
                        return;
                if (now >= end) {
                        fprintf(stderr, "Timed out waiting for '%s'\n", link_check_to_string(want));
                        abort();
                }
                CHECK(poll(&pfd, 1, (int) (end - now)) >= 0);
                CHECK_EQ_INT(link_monitor_process(m), 0);
        }
}

/* Processes for a while and checks nothing was reported. */
static void expect_quiet(LinkMonitor *m, Reports *r, int ms) {
        size_t n = r->n;
        uint64_t end = test_now_ms() + (uint64_t) ms;

        for (uint64_t now; (now = test_now_ms()) < end;) {
                struct pollfd pfd = {.fd = link_monitor_get_fd(m), .events = POLLIN};
                CHECK(poll(&pfd, 1, (int) (end - now)) >= 0);
                CHECK_EQ_INT(link_monitor_process(m), 0);
        }
        CHECK_EQ_INT(r->n, n);
}

static void test_read_errors(void) {
        LinkState s;

        CHECK_EQ_INT(link_state_read(NULL, 0, &s), -EINVAL);
        CHECK_EQ_INT(link_state_read(NULL, -1, &s), -EINVAL);
        CHECK_EQ_INT(link_state_read("", 0, &s), -EINVAL);
        CHECK_EQ_INT(link_state_read("sixteen-chars-xx", 0, &s), -EINVAL);
        CHECK_EQ_INT(link_state_read("veth0", 0, NULL), -EINVAL);

        CHECK_EQ_INT(link_state_read("nonexistent0", 0, &s), 0);
        CHECK(!s.exists);
        CHECK_EQ_STR(s.ifname, "nonexistent0");
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_MISSING);
        fprintf(stderr, "   interface %s %s\n", s.ifname, link_check_describe(link_state_check(&s)));

        CHECK_EQ_INT(link_state_read(NULL, 99999, &s), 0);
        CHECK(!s.exists);
}

static void test_read(void) {
        const MacAddr mac = {{0x02, 0, 0, 0, 0, 0x01}};
        LinkState s;

        CHECK_EQ_INT(link_state_read("lo", 0, &s), 0);
        CHECK(s.exists);
        CHECK_EQ_INT(s.arptype, ARPHRD_LOOPBACK);
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_NOT_ETHERNET);

        test_run("ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1");
        CHECK_EQ_INT(link_state_read("veth0", 0, &s), 0);
        CHECK(s.exists);
        CHECK(s.ifindex > 0);
        CHECK_EQ_STR(s.ifname, "veth0");
        CHECK_EQ_INT(s.arptype, ARPHRD_ETHER);
        CHECK_EQ_INT(s.mtu, 1500);
        CHECK_MEM(s.mac.bytes, mac.bytes, 6);
        CHECK(!s.wireless);
        CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_DOWN);

        /* By index gives the same interface. */
        int ifindex = s.ifindex;
        CHECK_EQ_INT(link_state_read(NULL, ifindex, &s), 0);
        CHECK(s.exists);
        CHECK_EQ_STR(s.ifname, "veth0");
        test_run("ip link del veth0");
}

static void test_monitor(void) {
        _cleanup_(link_monitor_freep) LinkMonitor *m = NULL;
        Reports r = {};
        int first_ifindex;

        CHECK_EQ_INT(link_monitor_new(&m, "", on_change, &r), -EINVAL);
        CHECK_EQ_INT(link_monitor_new(&m, NULL, on_change, &r), -EINVAL);
        CHECK(!m);

        test_run("ip link add veth0 type veth peer name veth1");
        CHECK_EQ_INT(link_monitor_new(&m, "veth0", on_change, &r), 0);
        CHECK(link_monitor_get_fd(m) >= 0);
        CHECK_EQ_INT(link_monitor_get_check(m), LINK_CHECK_DOWN);
        first_ifindex = link_monitor_get_state(m)->ifindex;
        CHECK_EQ_INT(link_monitor_process(m), 0);
        CHECK_EQ_INT(r.n, 0);

        /* Up, but the peer is down: no carrier. */
        test_run("ip link set veth0 up");
        wait_report(m, &r, LINK_CHECK_NO_CARRIER);
        /* Peer up: carrier. */
        test_run("ip link set veth1 up");
        wait_report(m, &r, LINK_CHECK_OK);
        CHECK(link_monitor_get_state(m)->flags & IFF_LOWER_UP);

        /* Changes that do not matter are not reported. */
        test_run("ip link set veth0 mtu 1400");
        expect_quiet(m, &r, 300);
        CHECK_EQ_INT(link_monitor_get_state(m)->mtu, 1400);

        /* Peer down = cable pulled, and back. */
        test_run("ip link set veth1 down");
        wait_report(m, &r, LINK_CHECK_NO_CARRIER);
        test_run("ip link set veth1 up");
        wait_report(m, &r, LINK_CHECK_OK);

        /* Taken down by an admin. */
        test_run("ip link set veth0 down");
        wait_report(m, &r, LINK_CHECK_DOWN);
        test_run("ip link set veth0 up");
        wait_report(m, &r, LINK_CHECK_OK);

        /* Renamed away and back: gone, then the same interface again. */
        test_run("ip link set veth0 down && ip link set veth0 name vethX");
        wait_report(m, &r, LINK_CHECK_MISSING);
        test_run("ip link set vethX name veth0");
        wait_report(m, &r, LINK_CHECK_DOWN);
        CHECK_EQ_INT(link_monitor_get_state(m)->ifindex, first_ifindex);

        /* Unplugged, then plugged back under a new ifindex. */
        test_run("ip link del veth0");
        wait_report(m, &r, LINK_CHECK_MISSING);
        CHECK(!link_monitor_get_state(m)->exists);
        test_run("ip link add veth0 type veth peer name veth1 && ip link set veth1 up && ip link set veth0 up");
        wait_report(m, &r, LINK_CHECK_OK);
        CHECK(link_monitor_get_state(m)->ifindex != first_ifindex);
        CHECK(!link_monitor_get_state(m)->wireless);
        CHECK_EQ_INT(r.ifindex[r.n - 1], link_monitor_get_state(m)->ifindex);

        /* Other interfaces coming and going are not ours. */
        test_run("ip link add vethA type veth peer name vethB && ip link set vethA up && ip link del vethA");
        expect_quiet(m, &r, 300);

        test_run("ip link del veth0");
        wait_report(m, &r, LINK_CHECK_MISSING);
}

/* Watching a name that does not exist yet. */
static void test_monitor_late(void) {
        _cleanup_(link_monitor_freep) LinkMonitor *m = NULL;
        Reports r = {};

        CHECK_EQ_INT(link_monitor_new(&m, "late0", on_change, &r), 0);
        CHECK_EQ_INT(link_monitor_get_check(m), LINK_CHECK_MISSING);
        test_run("ip link add late0 type veth peer name late1");
        wait_report(m, &r, LINK_CHECK_DOWN);
        test_run("ip link del late0");
        wait_report(m, &r, LINK_CHECK_MISSING);
}

static bool nl80211_present(void) {
        struct nl_sock *sock = nl_socket_alloc();
        bool present;

        CHECK(sock);
        CHECK(genl_connect(sock) == 0);
        present = genl_ctrl_resolve(sock, "nl80211") >= 0;
        nl_socket_free(sock);
        return present;
}

/* Without cfg80211 in the kernel, sysfs decides. We cannot make a real
 * Wi-Fi interface, but in our private mount namespace we can lay a fake
 * sysfs directory with a `wireless` entry over a veth. With nl80211
 * present, its answer (veth: not wireless) must win over sysfs. */
static void test_wireless_sysfs_fallback(void) {
        bool nl80211 = nl80211_present();
        LinkState s;

        fprintf(stderr, "   nl80211 %s\n", nl80211 ? "present" : "absent: sysfs fallback in use");
        test_run("ip link add veth0 type veth peer name veth1");
        CHECK_EQ_INT(link_state_read("veth0", 0, &s), 0);
        CHECK(!s.wireless);

        CHECK(mount("tmpfs", "/sys/devices/virtual/net/veth0", "tmpfs", 0, NULL) == 0);
        CHECK(mkdir("/sys/devices/virtual/net/veth0/wireless", 0755) == 0);
        CHECK_EQ_INT(link_state_read("veth0", 0, &s), 0);
        CHECK_EQ_INT(s.wireless, !nl80211);
        if (!nl80211)
                CHECK_EQ_INT(link_state_check(&s), LINK_CHECK_WIRELESS);
        CHECK(umount2("/sys/devices/virtual/net/veth0", MNT_DETACH) == 0);

        CHECK_EQ_INT(link_state_read("veth0", 0, &s), 0);
        CHECK(!s.wireless);
        test_run("ip link del veth0");
}

/* Notifications lost to a full socket buffer: the state is read afresh. */
static unsigned n_lost_logged;

static void counting_backend(int level, int error, const LogField *fields, size_t n_fields, const char *file,
                             int line, const char *func, const char *message) {
        if (strstr(message, "were lost"))
                n_lost_logged++;
        log_backend_stderr(level, error, fields, n_fields, file, line, func, message);
}

static void test_monitor_overrun(void) {
        _cleanup_(link_monitor_freep) LinkMonitor *m = NULL;
        Reports r = {};
        int tiny = 1;

        log_set_backend(counting_backend);

        test_run("ip link add veth0 type veth peer name veth1 && ip link set veth1 up && ip link set veth0 up");
        CHECK_EQ_INT(link_monitor_new(&m, "veth0", on_change, &r), 0);
        /* The kernel rounds this up to its minimum, a couple of messages. */
        CHECK(setsockopt(link_monitor_get_fd(m), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)) == 0);

        test_run("for i in 0 1 2 3 4 5 6 7 8 9; do ip link add o$i type veth peer name p$i; done");
        test_run("ip link set veth0 down");
        test_run("for i in 0 1 2 3 4 5 6 7 8 9; do ip link del o$i; done");

        /* However much got lost, the monitor ends up knowing veth0 is down. */
        wait_report(m, &r, LINK_CHECK_DOWN);
        CHECK_EQ_INT(link_monitor_get_check(m), LINK_CHECK_DOWN);
        /* And the overrun did happen, so the resync path ran. */
        CHECK(n_lost_logged > 0);
        log_set_backend(NULL);
        test_run("ip link del veth0");
}

int main(void) {
        log_set_max_level(LOG_DEBUG);

        RUN(test_check_hostile);
        RUN(test_strings);
        RUN(test_check_exhaustive);
        RUN(test_check_examples);

        if (!netns_setup())
                return EXIT_SKIP;

        RUN(test_read_errors);
        RUN(test_read);
        RUN(test_monitor);
        RUN(test_monitor_late);
        RUN(test_wireless_sysfs_fallback);
        RUN(test_monitor_overrun);
        return 0;
}
