/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gatewayd-gso.h"
#include "gatewayd-packet.h"
#include "inet-checksum.h"
#include "log.h"
#include "test-util.h"

/* Runs in a network namespace of its own with a veth pair, veth0 <-> veth1.
 * The namespace is anonymous (unshare, not `ip netns add`), so it and the
 * veth pair vanish with this process however it ends: no cleanup to miss.
 * Needs root; skips (77) without it. Every wait is bounded. */

#define EXIT_SKIP 77
#define TEST_ETHERTYPE 0x88B5
#define WAIT_MS 2000

static const char marker[] = "gwparts-test";

static unsigned if_flags(const char *ifname) {
        struct ifreq ifr = {};
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        CHECK(fd >= 0);
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
        CHECK(ioctl(fd, SIOCGIFFLAGS, &ifr) == 0);
        close(fd);
        return (unsigned) (uint16_t) ifr.ifr_flags;
}

static void wait_running(const char *ifname) {
        uint64_t end = test_now_ms() + WAIT_MS;
        while (!(if_flags(ifname) & IFF_RUNNING)) {
                CHECK(test_now_ms() < end);
                usleep(10 * 1000);
        }
}

static void netns_setup(void) {
        if (geteuid() != 0) {
                fprintf(stderr, "Not root, skipping.\n");
                exit(EXIT_SKIP);
        }
        if (unshare(CLONE_NEWNET) < 0) {
                fprintf(stderr, "unshare(CLONE_NEWNET) failed, skipping: %m\n");
                exit(EXIT_SKIP);
        }
        if (system("ip -V >/dev/null 2>&1") != 0) {
                fprintf(stderr, "No ip(8), skipping.\n");
                exit(EXIT_SKIP);
        }
        /* No IPv6 autoconfiguration chatter on the test links. */
        test_run("echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 || true");
        test_run("ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 address 02:00:00:00:00:02");
        test_run("ip link set veth0 up && ip link set veth1 up");
        wait_running("veth0");
        wait_running("veth1");
}

/* A test frame: our EtherType, a marker, a sequence number, then filler. */
static size_t frame_make(uint8_t *f, size_t len, uint32_t seq) {
        CHECK(len >= 14 + sizeof(marker) + 4);
        memcpy(f, "\x02\x00\x00\x00\x00\x02", 6);
        memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
        be16_store(f + 12, TEST_ETHERTYPE);
        memcpy(f + 14, marker, sizeof(marker));
        be32_store(f + 14 + sizeof(marker), seq);
        for (size_t i = 14 + sizeof(marker) + 4; i < len; i++)
                f[i] = (uint8_t) (i ^ seq);
        return len;
}

static bool frame_is_ours(const uint8_t *f, size_t len, uint32_t seq) {
        return len >= 14 + sizeof(marker) + 4 && be16_load(f + 12) == TEST_ETHERTYPE &&
               memcmp(f + 14, marker, sizeof(marker)) == 0 && be32_load(f + 14 + sizeof(marker)) == seq;
}

/* Receives until frame `seq` arrives (returns true) or `ms` pass (false).
 * Other traffic on the link is skipped. */
static bool wait_frame(PacketSocket *p, uint8_t *buf, size_t size, uint32_t seq, int ms, PacketInfo *ret) {
        uint64_t end = test_now_ms() + (uint64_t) ms;

        for (;;) {
                struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
                uint64_t now = test_now_ms();
                int r;

                if (now >= end)
                        return false;
                r = poll(&pfd, 1, (int) (end - now));
                CHECK(r >= 0);
                if (r == 0)
                        return false;
                while ((r = packet_socket_recv(p, buf, size, ret)) > 0)
                        if (frame_is_ours(buf, ret->len, seq))
                                return true;
                CHECK_EQ_INT(r, 0);
        }
}

/* One packet_socket_recv_batch() after waiting up to 100 ms for input
 * (its batch may be empty); CHECKs that test_now_ms() is still before
 * `end`. */
static PacketBatch *recv_batch_before(PacketSocket *p, uint64_t end) {
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        PacketBatch *batch;
        int r;

        CHECK(test_now_ms() < end);
        (void) poll(&pfd, 1, 100);
        r = packet_socket_recv_batch(p, &batch);
        CHECK(r >= 0);
        CHECK_EQ_INT(batch->n, (size_t) r);
        return batch;
}

static void test_open_errors(void) {
        PacketSocket p = PACKET_SOCKET_NULL;

        CHECK_EQ_INT(packet_socket_open(&p, "nonexistent0"), -ENODEV);
        CHECK_EQ_INT(packet_socket_open(&p, ""), -EINVAL);
        CHECK_EQ_INT(packet_socket_open(&p, "sixteen-chars-xx"), -EINVAL);
        CHECK_EQ_INT(packet_socket_open(&p, NULL), -EINVAL);
        CHECK_EQ_INT(p.fd, -EBADF);
        /* Closing a never-opened socket is fine, twice. */
        packet_socket_close(&p);
        packet_socket_close(&p);
        packet_socket_close(NULL);
}

static void test_roundtrip(void) {
        PacketSocket a = PACKET_SOCKET_NULL, b = PACKET_SOCKET_NULL;
        uint8_t f[1514], buf[2048];
        PacketInfo info;
        const size_t sizes[] = {14 + sizeof(marker) + 4, 60, 61, 1514};

        CHECK_EQ_INT(packet_socket_open(&a, "veth0"), 0);
        CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);
        CHECK(a.fd >= 0 && b.fd >= 0);
        CHECK(a.ifindex > 0 && a.ifindex != b.ifindex);

        /* Short frames arrive unpadded; full-size ones arrive whole. */
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                size_t len = frame_make(f, sizes[i], 100 + (uint32_t) i);
                CHECK_EQ_INT(packet_socket_send(&a, f, len), 1);
                CHECK(wait_frame(&b, buf, sizeof(buf), 100 + (uint32_t) i, WAIT_MS, &info));
                CHECK_EQ_INT(info.len, len);
                CHECK_EQ_INT(info.wire_len, len);
                CHECK(!info.truncated);
                CHECK(!info.vlan_tagged);
                CHECK_MEM(buf, f, len);
        }

        /* And the other way. */
        frame_make(f, 100, 200);
        CHECK_EQ_INT(packet_socket_send(&b, f, 100), 1);
        CHECK(wait_frame(&a, buf, sizeof(buf), 200, WAIT_MS, &info));

        packet_socket_close(&a);
        packet_socket_close(&b);
        CHECK_EQ_INT(a.fd, -EBADF);
}

/* Nothing we send comes back on our own socket, and neither does what the
 * host sends through the NIC; both with the kernel's PACKET_IGNORE_OUTGOING
 * and with our fallback check alone. */
static void test_outgoing_ignored(void) {
        for (int fallback = 0; fallback <= 1; fallback++) {
                PacketSocket a = PACKET_SOCKET_NULL, b = PACKET_SOCKET_NULL;
                struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_halen = 6};
                uint8_t f[100], buf[2048];
                PacketInfo info;
                int host;

                CHECK_EQ_INT(packet_socket_open(&a, "veth0"), 0);
                CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);
                if (fallback) {
                        int zero = 0;
                        CHECK(setsockopt(a.fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &zero, sizeof(zero)) == 0);
                }

                frame_make(f, sizeof(f), 300);
                CHECK_EQ_INT(packet_socket_send(&a, f, sizeof(f)), 1);
                CHECK(wait_frame(&b, buf, sizeof(buf), 300, WAIT_MS, &info));

                /* The host's own traffic: another socket sending on veth0. */
                host = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
                CHECK(host >= 0);
                sll.sll_ifindex = a.ifindex;
                frame_make(f, sizeof(f), 301);
                CHECK(sendto(host, f, sizeof(f), 0, (struct sockaddr *) &sll, sizeof(sll)) == sizeof(f));
                close(host);
                CHECK(wait_frame(&b, buf, sizeof(buf), 301, WAIT_MS, &info));

                /* b has seen both; a must see neither. */
                CHECK(!wait_frame(&a, buf, sizeof(buf), 300, 300, &info));
                CHECK(!wait_frame(&a, buf, sizeof(buf), 301, 100, &info));

                packet_socket_close(&a);
                packet_socket_close(&b);
        }
}

static void test_truncated(void) {
        PacketSocket a = PACKET_SOCKET_NULL, b = PACKET_SOCKET_NULL;
        uint8_t f[1000], buf[2048];
        PacketInfo info;

        CHECK_EQ_INT(packet_socket_open(&a, "veth0"), 0);
        CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);

        /* Too big for the buffer: reported, not fatal, real length known. */
        frame_make(f, sizeof(f), 400);
        CHECK_EQ_INT(packet_socket_send(&a, f, sizeof(f)), 1);
        CHECK(wait_frame(&b, buf, 100, 400, WAIT_MS, &info));
        CHECK(info.truncated);
        CHECK_EQ_INT(info.len, 100);
        CHECK_EQ_INT(info.wire_len, sizeof(f));
        CHECK_MEM(buf, f, 100);

        /* Exactly the buffer's size is not truncated. */
        frame_make(f, sizeof(f), 401);
        CHECK_EQ_INT(packet_socket_send(&a, f, sizeof(f)), 1);
        CHECK(wait_frame(&b, buf, sizeof(f), 401, WAIT_MS, &info));
        CHECK(!info.truncated);
        CHECK_EQ_INT(info.len, sizeof(f));

        /* One byte less is. */
        frame_make(f, sizeof(f), 402);
        CHECK_EQ_INT(packet_socket_send(&a, f, sizeof(f)), 1);
        CHECK(wait_frame(&b, buf, sizeof(f) - 1, 402, WAIT_MS, &info));
        CHECK(info.truncated);
        CHECK_EQ_INT(info.len, sizeof(f) - 1);
        CHECK_EQ_INT(info.wire_len, sizeof(f));

        /* The socket still works afterwards. */
        frame_make(f, 64, 403);
        CHECK_EQ_INT(packet_socket_send(&a, f, 64), 1);
        CHECK(wait_frame(&b, buf, sizeof(buf), 403, WAIT_MS, &info));
        CHECK(!info.truncated);

        packet_socket_close(&a);
        packet_socket_close(&b);
}

/* The receiving kernel strips the tag into metadata; we must say so. */
static void test_vlan(void) {
        const struct {
                uint16_t tpid, tci;
        } tags[] = {
                {0x8100, 0x2005}, /* priority 1, VLAN 5 */
                {0x8100, 0x0000}, /* priority tag: VLAN 0, TCI 0 */
                {0x88A8, 0x0064}, /* 802.1ad S-tag, VLAN 100 */
        };
        PacketSocket a = PACKET_SOCKET_NULL, b = PACKET_SOCKET_NULL;
        uint8_t inner[100], f[104], buf[2048];
        PacketInfo info;

        CHECK_EQ_INT(packet_socket_open(&a, "veth0"), 0);
        CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);

        for (size_t i = 0; i < ELEMENTSOF(tags); i++) {
                uint32_t seq = 500 + (uint32_t) i;

                frame_make(inner, sizeof(inner), seq);
                memcpy(f, inner, 12);
                be16_store(f + 12, tags[i].tpid);
                be16_store(f + 14, tags[i].tci);
                memcpy(f + 16, inner + 12, sizeof(inner) - 12);

                CHECK_EQ_INT(packet_socket_send(&a, f, sizeof(f)), 1);
                CHECK(wait_frame(&b, buf, sizeof(buf), seq, WAIT_MS, &info));
                CHECK(info.vlan_tagged);
                CHECK_EQ_INT(info.vlan_tci, tags[i].tci);
                CHECK(info.vlan_tpid == 0 || info.vlan_tpid == tags[i].tpid);
                CHECK_EQ_INT(info.len, sizeof(inner));
                CHECK_MEM(buf, inner, sizeof(inner));
        }

        packet_socket_close(&a);
        packet_socket_close(&b);
}

/* SIOCGIFFLAGS shows only promiscuity a user asked for; the count that
 * packet sockets raise is IFLA_PROMISCUITY, which ip(8) prints. */
static void test_promisc(void) {
        PacketSocket b = PACKET_SOCKET_NULL;

        test_run("ip -d link show veth1 | grep -q 'promiscuity 0 '");
        CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);
        test_run("ip -d link show veth1 | grep -q 'promiscuity 1 '");
        packet_socket_close(&b);
        test_run("ip -d link show veth1 | grep -q 'promiscuity 0 '");
}

static uint32_t ethtool_value(const char *ifname, uint32_t cmd, uint32_t value) {
        struct ethtool_value ev = {.cmd = cmd, .data = value};
        struct ifreq ifr = {};
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        CHECK(fd >= 0);
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
        ifr.ifr_data = (void *) &ev;
        CHECK(ioctl(fd, SIOCETHTOOL, &ifr) == 0);
        close(fd);
        return ev.data;
}

static bool gro_enabled(const char *ifname) {
        return ethtool_value(ifname, ETHTOOL_GGRO, 0) != 0;
}

static void test_offloads(void) {
        PacketSocket b = PACKET_SOCKET_NULL;

        CHECK_EQ_INT(packet_socket_disable_offloads(&b), -EBADF);

        /* Already off: nothing to do, nothing to restore. */
        ethtool_value("veth1", ETHTOOL_SGRO, 0);
        CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);
        CHECK_EQ_INT(packet_socket_disable_offloads(&b), 0);
        CHECK(!b.restore_gro && !b.restore_lro);
        packet_socket_close(&b);
        CHECK(!gro_enabled("veth1"));

        /* veth has GRO but not LRO. */
        ethtool_value("veth1", ETHTOOL_SGRO, 1);
        CHECK(gro_enabled("veth1"));
        CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);
        CHECK_EQ_INT(packet_socket_disable_offloads(&b), 0);
        CHECK(!gro_enabled("veth1"));
        /* Twice is harmless and does not forget what to restore. */
        CHECK_EQ_INT(packet_socket_disable_offloads(&b), 0);
        CHECK(b.restore_gro);
        CHECK(!b.restore_lro);
        packet_socket_close(&b);
        CHECK(gro_enabled("veth1"));
        ethtool_value("veth1", ETHTOOL_SGRO, 0);
}

static void test_send_errors(void) {
        PacketSocket a = PACKET_SOCKET_NULL, b = PACKET_SOCKET_NULL;
        uint8_t f[1600], buf[2048];
        PacketInfo info;
        int r;

        CHECK_EQ_INT(packet_socket_open(&a, "veth0"), 0);
        CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);

        frame_make(f, sizeof(f), 600);
        for (size_t len = 0; len < 14; len++)
                CHECK_EQ_INT(packet_socket_send(&a, f, len), -EINVAL);
        CHECK_EQ_INT(packet_socket_send(&a, NULL, 60), -EINVAL);
        /* Above the NIC's MTU. */
        CHECK_EQ_INT(packet_socket_send(&a, f, 1515), -EMSGSIZE);
        CHECK_EQ_INT(packet_socket_send(&a, f, sizeof(f)), -EMSGSIZE);
        CHECK_EQ_INT(packet_socket_send(&a, f, 1514), 1);

        /* Link down: sending fails, receiving reports it once, then goes
         * quiet; both work again once the link is back. */
        test_run("ip link set veth0 down");
        CHECK_EQ_INT(packet_socket_send(&a, f, 100), -ENETDOWN);
        r = packet_socket_recv(&a, buf, sizeof(buf), &info);
        CHECK_EQ_INT(r, -ENETDOWN);
        CHECK_EQ_INT(packet_socket_recv(&a, buf, sizeof(buf), &info), 0);
        test_run("ip link set veth0 up");
        wait_running("veth0");
        frame_make(f, 100, 601);
        CHECK_EQ_INT(packet_socket_send(&a, f, 100), 1);
        CHECK(wait_frame(&b, buf, sizeof(buf), 601, WAIT_MS, &info));

        /* Interface gone: errors, not crashes. */
        test_run("ip link del veth0");
        r = packet_socket_send(&a, f, 100);
        CHECK(r == -ENXIO || r == -ENODEV || r == -ENETDOWN);
        r = packet_socket_recv(&b, buf, sizeof(buf), &info);
        CHECK(r < 0 || r == 0);
        r = packet_socket_recv(&a, buf, sizeof(buf), &info);
        CHECK(r == -ENODEV || r == -ENETDOWN || r == 0);

        packet_socket_close(&a);
        packet_socket_close(&b);
}

/* A full transmit queue drops the frame: counted by the caller (0), not
 * an error. A token bucket with room for one frame stands in for a
 * saturated NIC. */
static void test_send_queue_full(void) {
        PacketSocket a = PACKET_SOCKET_NULL;
        unsigned sent = 0, dropped = 0;
        uint8_t f[1000];

        if (system("tc qdisc add dev veth0 root tbf rate 8kbit burst 1600 limit 1600 2>/dev/null") != 0) {
                fprintf(stderr, "No tc(8) or tbf qdisc, skipping this part.\n");
                return;
        }
        CHECK_EQ_INT(packet_socket_open(&a, "veth0"), 0);
        frame_make(f, sizeof(f), 700);
        for (int i = 0; i < 50; i++) {
                int r = packet_socket_send(&a, f, sizeof(f));
                CHECK(r == 0 || r == 1);
                if (r == 1)
                        sent++;
                else
                        dropped++;
        }
        fprintf(stderr, "   sent %u, dropped %u\n", sent, dropped);
        CHECK(sent >= 1);
        CHECK(dropped >= 1);
        packet_socket_close(&a);
        test_run("tc qdisc del dev veth0 root");
}

/* What packet_socket_flush() reported, frame by frame. */
typedef struct SentLog {
        size_t n;
        uint32_t tag[PACKET_SEND_BATCH];
        size_t len[PACKET_SEND_BATCH];
        int result[PACKET_SEND_BATCH];
} SentLog;

static void on_sent(const uint8_t *frame, size_t len, uint32_t tag, int result, void *userdata) {
        SentLog *log = userdata;

        CHECK(frame != NULL);
        CHECK(log->n < PACKET_SEND_BATCH);
        log->tag[log->n] = tag;
        log->len[log->n] = len;
        log->result[log->n] = result;
        log->n++;
}

static void queue_frame(PacketSocket *p, size_t len, uint32_t seq) {
        uint8_t *slot = packet_socket_queue_slot(p);

        CHECK(slot != NULL);
        frame_make(slot, len, seq);
        CHECK_EQ_INT(packet_socket_queue(p, len, seq), 0);
}

/* A batch queued on one end leaves with one flush, every frame reported in
 * order, and arrives whole and in order through packet_socket_recv_batch(). */
static void test_batches(void) {
        PacketSocket a = PACKET_SOCKET_NULL, b = PACKET_SOCKET_NULL;
        SentLog log = {0};
        size_t want = PACKET_SEND_BATCH, got = 0;
        uint64_t end;

        CHECK_EQ_INT(packet_socket_open(&a, "veth0"), 0);
        CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);

        /* Nothing queued: nothing happens. */
        CHECK_EQ_INT(packet_socket_flush(&a, on_sent, &log), 0);
        CHECK_EQ_INT(log.n, 0);

        for (size_t i = 0; i < want; i++)
                queue_frame(&a, 60 + i * 45, 800 + (uint32_t) i);
        /* Full: no slot until the flush. */
        CHECK(packet_socket_queue_slot(&a) == NULL);
        CHECK_EQ_INT(packet_socket_queue(&a, 60, 1), -EINVAL);

        CHECK_EQ_INT(packet_socket_flush(&a, on_sent, &log), (int) want);
        CHECK_EQ_INT(log.n, want);
        for (size_t i = 0; i < want; i++) {
                CHECK_EQ_INT(log.tag[i], 800 + i);
                CHECK_EQ_INT(log.len[i], 60 + i * 45);
                CHECK_EQ_INT(log.result[i], 1);
        }
        CHECK(packet_socket_queue_slot(&a) != NULL);

        end = test_now_ms() + WAIT_MS;
        while (got < want) {
                PacketBatch *batch = recv_batch_before(&b, end);

                for (size_t i = 0; i < batch->n; i++) {
                        uint8_t f[1600];

                        if (batch->info[i].len < 14 || be16_load(batch->frames[i] + 12) != TEST_ETHERTYPE)
                                continue; /* other traffic on the link */
                        CHECK(got < want);
                        CHECK(frame_is_ours(batch->frames[i], batch->info[i].len, 800 + (uint32_t) got));
                        CHECK_EQ_INT(batch->info[i].len, 60 + got * 45);
                        CHECK(!batch->info[i].truncated);
                        frame_make(f, 60 + got * 45, 800 + (uint32_t) got);
                        CHECK_MEM(batch->frames[i], f, batch->info[i].len);
                        got++;
                }
        }

        packet_socket_close(&a);
        packet_socket_close(&b);
}

/* Bad frames are refused when queued; a frame the NIC refuses is reported
 * for itself and does not take the rest of the batch with it. */
static void test_batch_errors(void) {
        PacketSocket a = PACKET_SOCKET_NULL, b = PACKET_SOCKET_NULL;
        SentLog log = {0};
        uint8_t buf[2048];
        PacketInfo info;

        CHECK(packet_socket_queue_slot(NULL) == NULL);
        CHECK(packet_socket_queue_slot(&a) == NULL); /* never opened */
        CHECK_EQ_INT(packet_socket_queue(&a, 60, 0), -EINVAL);
        CHECK_EQ_INT(packet_socket_flush(&a, on_sent, &log), -EINVAL);
        CHECK_EQ_INT(packet_socket_flush(NULL, NULL, NULL), -EINVAL);

        CHECK_EQ_INT(packet_socket_open(&a, "veth0"), 0);
        CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);
        CHECK(packet_socket_queue_slot(&a) != NULL);
        CHECK_EQ_INT(packet_socket_queue(&a, 13, 0), -EINVAL);
        CHECK_EQ_INT(packet_socket_queue(&a, LP_ETHER_FRAME_MAX + 1, 0), -EINVAL);

        queue_frame(&a, 100, 900);
        queue_frame(&a, 1515, 901); /* above the NIC's MTU */
        queue_frame(&a, 100, 902);
        CHECK_EQ_INT(packet_socket_flush(&a, on_sent, &log), 2);
        CHECK_EQ_INT(log.n, 3);
        CHECK_EQ_INT(log.result[0], 1);
        CHECK_EQ_INT(log.result[1], -EMSGSIZE);
        CHECK_EQ_INT(log.result[2], 1);
        CHECK(wait_frame(&b, buf, sizeof(buf), 900, WAIT_MS, &info));
        CHECK(wait_frame(&b, buf, sizeof(buf), 902, WAIT_MS, &info));

        /* Link down: every frame of the batch is reported as such. */
        test_run("ip link set veth0 down");
        log.n = 0;
        queue_frame(&a, 100, 903);
        queue_frame(&a, 100, 904);
        CHECK_EQ_INT(packet_socket_flush(&a, on_sent, &log), 0);
        CHECK_EQ_INT(log.n, 2);
        CHECK_EQ_INT(log.result[0], -ENETDOWN);
        CHECK_EQ_INT(log.result[1], -ENETDOWN);
        test_run("ip link set veth0 up");
        wait_running("veth0");

        /* Closing drops what is queued; nothing is reported. */
        log.n = 0;
        queue_frame(&a, 100, 905);
        packet_socket_close(&a);
        CHECK_EQ_INT(packet_socket_flush(&a, on_sent, &log), -EINVAL);
        CHECK_EQ_INT(log.n, 0);
        packet_socket_close(&b);
}


/* A counter of the namespace's IP stack from /proc/net/snmp: the header
 * line names the columns, the next line holds the values. */
static uint64_t snmp_get(const char *proto, const char *name) {
        char names[4096], values[4096], prefix[32];
        FILE *f = fopen("/proc/net/snmp", "re");
        uint64_t result = UINT64_MAX;

        CHECK(f);
        snprintf(prefix, sizeof(prefix), "%s:", proto);
        while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
                char *sn, *sv, *n, *v;

                if (strncmp(names, prefix, strlen(prefix)) != 0)
                        continue;
                n = strtok_r(names, " \n", &sn);
                v = strtok_r(values, " \n", &sv);
                while ((n = strtok_r(NULL, " \n", &sn)) && (v = strtok_r(NULL, " \n", &sv)))
                        if (strcmp(n, name) == 0)
                                result = strtoull(v, NULL, 10);
        }
        fclose(f);
        CHECK(result != UINT64_MAX);
        return result;
}

#define GSO_PAYLOAD 20000
#define GSO_MSS 1448

/* veth0 -> veth1, IPv4 10.0.0.1:40000 -> 10.0.0.2:5001, ACK|PSH, the TCP
 * checksum field holding the pseudo-header sum as a sender with checksum
 * offload leaves it. Returns the frame's length. */
static size_t tcp_super_frame(uint8_t *f, uint32_t seq) {
        size_t len = 14 + 20 + 20 + GSO_PAYLOAD;
        uint8_t *ip = f + 14, *t = f + 34;
        uint64_t pseudo;

        memset(f, 0, 54);
        memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
        be16_store(f + 12, 0x0800);
        ip[0] = 0x45;
        be16_store(ip + 2, (uint16_t) (len - 14));
        be16_store(ip + 4, 0x4242);
        be16_store(ip + 6, 0x4000);
        ip[8] = 64;
        ip[9] = 6;
        memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
        be16_store(ip + 10, inet_checksum_finish(inet_checksum_add(0, ip, 20)));
        be16_store(t, 40000);
        be16_store(t + 2, 5001);
        be32_store(t + 4, seq);
        be32_store(t + 8, 1);
        t[12] = 0x50;
        t[13] = 0x18;
        be16_store(t + 14, 1000);
        for (size_t i = 54; i < len; i++)
                f[i] = (uint8_t) (i * 13);
        pseudo = inet_checksum_add(0, ip + 12, 8) + 6 + (len - 34);
        be16_store(t + 16, (uint16_t) ~inet_checksum_finish(pseudo));
        return len;
}

/* What a sender with TSO hands a veth: one super-frame described by a
 * vnet header. The kernel passes it through the veth whole, and the
 * gateway's socket on the other end must read it whole, with its
 * description. */
static void test_gso_receive(void) {
        static uint8_t f[PACKET_RECV_FRAME_MAX];
        PacketSocket b = PACKET_SOCKET_NULL;
        struct virtio_net_hdr vh = {
                .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
                .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
                .hdr_len = 54,
                .gso_size = GSO_MSS,
                .csum_start = 34,
                .csum_offset = 16,
        };
        struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_halen = 6};
        struct iovec iov[2];
        struct msghdr mh = {.msg_name = &sll, .msg_namelen = sizeof(sll), .msg_iov = iov, .msg_iovlen = 2};
        size_t len = tcp_super_frame(f, 1000);
        uint64_t end = test_now_ms() + WAIT_MS;
        int sender, one = 1;
        bool seen = false;

        CHECK_EQ_INT(packet_socket_open(&b, "veth1"), 0);
        CHECK(b.vnet_hdr);
        sender = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        CHECK(sender >= 0);
        CHECK(setsockopt(sender, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == 0);
        sll.sll_ifindex = (int) if_nametoindex("veth0");
        sll.sll_protocol = htons(0x0800);
        iov[0] = (struct iovec) {.iov_base = &vh, .iov_len = sizeof(vh)};
        iov[1] = (struct iovec) {.iov_base = f, .iov_len = len};
        CHECK(sendmsg(sender, &mh, 0) == (ssize_t) (sizeof(vh) + len));
        close(sender);

        while (!seen) {
                PacketBatch *batch = recv_batch_before(&b, end);

                for (size_t i = 0; i < batch->n; i++) {
                        const PacketInfo *info = &batch->info[i];

                        if (info->len < 54 || be16_load(batch->frames[i] + 12) != 0x0800)
                                continue;
                        CHECK_EQ_INT(info->len, len);
                        CHECK_EQ_INT(info->wire_len, len);
                        CHECK(!info->truncated);
                        CHECK_EQ_INT(info->gso.type, GSO_TCPV4);
                        CHECK_EQ_INT(info->gso.size, GSO_MSS);
                        CHECK(info->gso.needs_csum);
                        CHECK_EQ_INT(info->gso.csum_start, 34);
                        CHECK_EQ_INT(info->gso.csum_offset, 16);
                        CHECK_MEM(batch->frames[i] + 54, f + 54, len - 54);
                        seen = true;
                }
        }
        packet_socket_close(&b);
}

typedef struct Injector {
        PacketSocket *p;
        size_t n;
        bool corrupt; /* flip a payload byte: the kernel must refuse it */
} Injector;

static void inject_segment(uint8_t *segment, size_t len, void *userdata) {
        Injector *inj = userdata;
        uint8_t *slot = packet_socket_queue_slot(inj->p);

        CHECK(slot);
        memcpy(slot, segment, len);
        if (inj->corrupt)
                slot[len - 1] ^= 0x01;
        CHECK_EQ_INT(packet_socket_queue(inj->p, len, (uint32_t) inj->n++), 0);
}

/* The segments gso_segment() cuts, put on the wire through the batched
 * send path, are what the kernel's TCP accepts: each closed-port segment
 * with a good checksum gets a RST, a bad one only counts as a checksum
 * error. A corrupted segment shows the check can fail. */
static void test_gso_segments_accepted(void) {
        static uint8_t f[PACKET_RECV_FRAME_MAX];
        uint8_t out[LP_ETHER_FRAME_MAX];
        PacketSocket a = PACKET_SOCKET_NULL;
        Injector inj = {.p = &a};
        GsoInfo gso = {.type = GSO_TCPV4, .size = GSO_MSS, .needs_csum = true, .csum_start = 34, .csum_offset = 16};
        size_t len = tcp_super_frame(f, 5000), want = (GSO_PAYLOAD + GSO_MSS - 1) / GSO_MSS;
        uint64_t rsts, csum_errors, ip_errors, end;
        int r;

        test_run("ip addr add 10.0.0.2/24 dev veth1");
        test_run("sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.veth1.rp_filter=0");
        CHECK_EQ_INT(packet_socket_open(&a, "veth0"), 0);
        rsts = snmp_get("Tcp", "OutRsts");
        csum_errors = snmp_get("Tcp", "InCsumErrors");
        ip_errors = snmp_get("Ip", "InHdrErrors");

        r = gso_segment(f, len, &gso, out, sizeof(out), inject_segment, &inj);
        CHECK_EQ_INT(r, want);
        CHECK(want <= PACKET_SEND_BATCH);
        CHECK_EQ_INT(packet_socket_flush(&a, NULL, NULL), (int) want);

        end = test_now_ms() + WAIT_MS;
        while (snmp_get("Tcp", "OutRsts") < rsts + want) {
                CHECK(test_now_ms() < end);
                usleep(10 * 1000);
        }
        fprintf(stderr, "   %zu segments, %" PRIu64 " RSTs, %" PRIu64 " checksum errors\n", want,
                snmp_get("Tcp", "OutRsts") - rsts, snmp_get("Tcp", "InCsumErrors") - csum_errors);
        CHECK_EQ_INT(snmp_get("Tcp", "InCsumErrors"), csum_errors);
        CHECK_EQ_INT(snmp_get("Ip", "InHdrErrors"), ip_errors);

        /* One segment with a flipped payload byte: refused as such. */
        inj.corrupt = true;
        tcp_super_frame(f, 90000);
        be16_store(f + 16, 20 + 20 + 1000);
        CHECK_EQ_INT(gso_segment(f, 14 + 20 + 20 + 1000, &gso, out, sizeof(out), inject_segment, &inj), 1);
        CHECK_EQ_INT(packet_socket_flush(&a, NULL, NULL), 1);
        end = test_now_ms() + WAIT_MS;
        while (snmp_get("Tcp", "InCsumErrors") < csum_errors + 1) {
                CHECK(test_now_ms() < end);
                usleep(10 * 1000);
        }

        packet_socket_close(&a);
        test_run("ip addr del 10.0.0.2/24 dev veth1");
}

int main(void) {
        log_set_max_level(LOG_DEBUG);
        netns_setup();

        RUN(test_open_errors);
        RUN(test_roundtrip);
        RUN(test_outgoing_ignored);
        RUN(test_truncated);
        RUN(test_vlan);
        RUN(test_promisc);
        RUN(test_offloads);
        RUN(test_send_queue_full);
        RUN(test_batches);
        RUN(test_batch_errors);
        RUN(test_gso_receive);
        RUN(test_gso_segments_accepted);
        RUN(test_send_errors);
        return 0;
}
