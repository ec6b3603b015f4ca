/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "test-util.h"
#include "udp-send.h"

/* Over loopback, which does UDP GSO (segmenting just before delivery), so
 * the receiver sees wire packets whatever the sender grouped. Bounded
 * waits only. */

static int udp_socket(struct sockaddr_in *ret_addr) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int size = 4 * 1024 * 1024;

        CHECK(fd >= 0);
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
        CHECK(bind(fd, (struct sockaddr *) &a, sizeof(a)) == 0);
        CHECK(getsockname(fd, (struct sockaddr *) &a, &len) == 0);
        if (ret_addr)
                *ret_addr = a;
        return fd;
}

static void fill(uint8_t *buf, size_t len, unsigned seq) {
        for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t) (seq * 7 + i);
}

/* Receives exactly `n` packets with the given sizes and contents
 * (sequence numbers from `seq`), then nothing more. */
static void expect(int fd, size_t n, const size_t *sizes, unsigned seq) {
        uint8_t buf[2048], want[2048];

        for (size_t i = 0; i < n; i++) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                ssize_t got;

                CHECK(poll(&p, 1, 2000) == 1);
                got = recv(fd, buf, sizeof(buf), 0);
                CHECK_EQ_INT(got, (ssize_t) sizes[i]);
                fill(want, sizes[i], seq + (unsigned) i);
                CHECK_MEM(buf, want, sizes[i]);
        }
        CHECK(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN);
}

static void add(UdpSendBatch *b, int fd, const struct sockaddr_in *to, size_t len, unsigned seq) {
        uint8_t buf[UDP_SEND_PACKET_MAX];

        fill(buf, len, seq);
        CHECK_EQ_INT(udp_send_batch_add(b, fd, (const struct sockaddr *) to, to ? sizeof(*to) : 0, NULL, 0, buf, len), 0);
}

static void test_hostile(void) {
        static UdpSendBatch b;
        struct sockaddr_in a = {.sin_family = AF_INET};
        uint8_t buf[UDP_SEND_PACKET_MAX + 1] = {0};

        udp_send_batch_init(&b);
        CHECK_EQ_INT(udp_send_batch_add(NULL, -1, NULL, 0, NULL, 0, buf, 10), -EINVAL);
        CHECK_EQ_INT(udp_send_batch_add(&b, -1, NULL, 0, NULL, 0, NULL, 10), -EINVAL);
        CHECK_EQ_INT(udp_send_batch_add(&b, -1, (struct sockaddr *) &a, 0, NULL, 0, buf, 10), -EINVAL);
        CHECK_EQ_INT(udp_send_batch_add(&b, -1, (struct sockaddr *) &a, sizeof(struct sockaddr_storage) + 1, NULL, 0, buf, 10),
                     -EINVAL);
        CHECK_EQ_INT(udp_send_batch_add(&b, -1, NULL, sizeof(a), NULL, 0, buf, 10), -EINVAL);
        CHECK_EQ_INT(udp_send_batch_add(&b, -1, NULL, 0, NULL, 0, buf, sizeof(buf)), -EMSGSIZE);
        /* A source of another family, or cut short. */
        CHECK_EQ_INT(udp_send_batch_add(&b, -1, NULL, 0, (struct sockaddr *) &(struct sockaddr) {.sa_family = AF_UNIX},
                                        sizeof(struct sockaddr), buf, 10),
                     -EAFNOSUPPORT);
        CHECK_EQ_INT(udp_send_batch_add(&b, -1, NULL, 0, (struct sockaddr *) &a, sizeof(a) - 1, buf, 10), -EINVAL);
        CHECK_EQ_INT(b.n, 0);
        /* No socket: the batch is dropped and counted. */
        CHECK_EQ_INT(udp_send_batch_add(&b, -1, NULL, 0, NULL, 0, buf, 10), 0);
        CHECK_EQ_INT(udp_send_batch_flush(&b, -1), 0);
        CHECK_EQ_INT(b.drops, 1);
        CHECK_EQ_INT(b.n, 0);
        CHECK_EQ_INT(udp_send_batch_flush(NULL, -1), 0);
}

/* Runs to one address go as GSO messages, everything arrives in order. */
static void test_runs(void) {
        static UdpSendBatch b;
        struct sockaddr_in ra, rb;
        int tx = udp_socket(NULL), rx_a = udp_socket(&ra), rx_b = udp_socket(&rb);
        size_t sizes_a[12], sizes_b[3] = {100, 100, 1400};
        unsigned seq = 0;

        udp_send_batch_init(&b);
        /* 10 full ones and a shorter last one to A (one message), then
         * three to B (another run, ended by the larger third), then one
         * more full one to A. */
        for (size_t i = 0; i < 10; i++)
                sizes_a[i] = 1200;
        sizes_a[10] = 500;
        sizes_a[11] = 1200;
        for (size_t i = 0; i < 11; i++)
                add(&b, tx, &ra, sizes_a[i], seq++);
        for (size_t i = 0; i < 3; i++)
                add(&b, tx, &rb, sizes_b[i], 100 + (unsigned) i);
        add(&b, tx, &ra, sizes_a[11], seq++);

        CHECK_EQ_INT(udp_send_batch_flush(&b, tx), 15);
        CHECK_EQ_INT(b.drops, 0);
        CHECK(!b.gso_unsupported);
        CHECK_EQ_INT(b.gso_messages, 2); /* A's first eleven, B's first two */
        expect(rx_a, 12, sizes_a, 0);
        expect(rx_b, 3, sizes_b, 100);

        close(tx);
        close(rx_a);
        close(rx_b);
}

/* A full batch flushes itself; a run above 64 KB is split. */
static void test_large(void) {
        static UdpSendBatch b;
        static size_t sizes[UDP_SEND_BATCH_MAX + 5];
        struct sockaddr_in ra;
        int tx = udp_socket(NULL), rx = udp_socket(&ra);

        udp_send_batch_init(&b);
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                sizes[i] = UDP_SEND_PACKET_MAX;
                add(&b, tx, &ra, sizes[i], (unsigned) i);
        }
        CHECK_EQ_INT(b.n, 5);
        CHECK_EQ_INT(udp_send_batch_flush(&b, tx), 5);
        CHECK(b.gso_messages >= 3); /* 64 x 1500 B needs two messages */
        expect(rx, ELEMENTSOF(sizes), sizes, 0);
        close(tx);
        close(rx);
}

/* A connected socket, and a route that refuses GSO (SO_NO_CHECK makes the
 * kernel refuse UDP_SEGMENT): packets still arrive, one message each. */
static void test_connected_no_gso(void) {
        static UdpSendBatch b;
        struct sockaddr_in ra;
        int tx = udp_socket(NULL), rx = udp_socket(&ra), one = 1;
        size_t sizes[8];

        CHECK(connect(tx, (struct sockaddr *) &ra, sizeof(ra)) == 0);
        CHECK(setsockopt(tx, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)) == 0);
        udp_send_batch_init(&b);
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                sizes[i] = 1000;
                add(&b, tx, NULL, sizes[i], (unsigned) i);
        }
        CHECK_EQ_INT(udp_send_batch_flush(&b, tx), ELEMENTSOF(sizes));
        CHECK(b.gso_unsupported);
        CHECK_EQ_INT(b.gso_messages, 0);
        CHECK_EQ_INT(b.drops, 0);
        expect(rx, ELEMENTSOF(sizes), sizes, 0);

        /* And so it stays. */
        for (size_t i = 0; i < 3; i++)
                add(&b, tx, NULL, sizes[i], 50 + (unsigned) i);
        CHECK_EQ_INT(udp_send_batch_flush(&b, tx), 3);
        expect(rx, 3, sizes, 50);
        close(tx);
        close(rx);
}

/* An error that belongs to one message (here: nobody listens, so the
 * connected socket reports ECONNREFUSED) drops that message only. */
static void test_error_one_message(void) {
        static UdpSendBatch b;
        struct sockaddr_in gone;
        int tx = udp_socket(NULL), rx = udp_socket(&gone);
        uint8_t buf[16] = {0};
        struct pollfd p = {.fd = tx, .events = POLLERR};

        close(rx);
        CHECK(connect(tx, (struct sockaddr *) &gone, sizeof(gone)) == 0);
        CHECK(send(tx, buf, sizeof(buf), 0) == sizeof(buf));
        (void) poll(&p, 1, 1000); /* the ICMP report arrives */
        udp_send_batch_init(&b);
        add(&b, tx, NULL, 100, 1);
        add(&b, tx, NULL, 100, 2);
        (void) udp_send_batch_flush(&b, tx);
        CHECK(b.drops <= 2);
        CHECK_EQ_INT(b.n, 0);
        close(tx);
}

/* Fragments are forbidden on both families; an AF_INET6 socket also for
 * the IPv4 it may carry. */
static void test_forbid_fragments(void) {
        int fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int v = -1;
        socklen_t len = sizeof(v);

        CHECK(fd4 >= 0);
        CHECK_EQ_INT(udp_socket_forbid_fragments(fd4, AF_INET), 0);
        CHECK(getsockopt(fd4, IPPROTO_IP, IP_MTU_DISCOVER, &v, &len) == 0);
        CHECK_EQ_INT(v, IP_PMTUDISC_DO);
        CHECK_EQ_INT(udp_socket_forbid_fragments(fd4, AF_UNIX), -EAFNOSUPPORT);
        CHECK_EQ_INT(udp_socket_forbid_fragments(-1, AF_INET), -EBADF);
        close(fd4);

        if (fd6 < 0) {
                fprintf(stderr, "no IPv6 sockets here, skipping that half\n");
                return;
        }
        CHECK_EQ_INT(udp_socket_forbid_fragments(fd6, AF_INET6), 0);
        v = -1;
        CHECK(getsockopt(fd6, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, &len) == 0);
        CHECK_EQ_INT(v, IPV6_PMTUDISC_DO);
        v = -1;
        CHECK(getsockopt(fd6, IPPROTO_IP, IP_MTU_DISCOVER, &v, &len) == 0);
        CHECK_EQ_INT(v, IP_PMTUDISC_DO);
        close(fd6);
}

static int udp6_socket(struct sockaddr_in6 *ret_addr) {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof(a)) < 0) {
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        CHECK(getsockname(fd, (struct sockaddr *) &a, &len) == 0);
        if (ret_addr)
                *ret_addr = a;
        return fd;
}

static void add6(UdpSendBatch *b, int fd, size_t len, unsigned seq) {
        uint8_t buf[UDP_SEND_PACKET_MAX];

        fill(buf, len, seq);
        CHECK_EQ_INT(udp_send_batch_add(b, fd, NULL, 0, NULL, 0, buf, len), 0);
}

/* A path MTU below what QUIC tries (here IPV6_MTU on a loopback socket:
 * 1280) with fragments forbidden: a packet too big is refused with
 * EMSGSIZE and counted lost, alone or inside a GSO run (which the kernel
 * refuses as a whole); the rest goes out, and GSO stays on. */
static void test_path_mtu(void) {
        static UdpSendBatch b;
        struct sockaddr_in6 ra;
        int tx = udp6_socket(NULL), rx = udp6_socket(&ra), mtu = 1280;
        size_t small[3] = {1000, 1000, 1000}, last[1] = {1000};

        if (tx < 0 || rx < 0) {
                fprintf(stderr, "no IPv6 loopback here, skipping\n");
                return;
        }
        CHECK(connect(tx, (struct sockaddr *) &ra, sizeof(ra)) == 0);
        CHECK_EQ_INT(udp_socket_forbid_fragments(tx, AF_INET6), 0);
        CHECK(setsockopt(tx, IPPROTO_IPV6, IPV6_MTU, &mtu, sizeof(mtu)) == 0);
        udp_send_batch_init(&b);

        /* Alone: lost. */
        add6(&b, tx, 1400, 1);
        CHECK_EQ_INT(udp_send_batch_flush(&b, tx), 0);
        CHECK_EQ_INT(b.drops, 1);
        expect(rx, 0, NULL, 0);

        /* Heading a run: those two lost, the shorter third arrives. */
        add6(&b, tx, 1400, 2);
        add6(&b, tx, 1400, 3);
        add6(&b, tx, 1000, 4);
        CHECK_EQ_INT(udp_send_batch_flush(&b, tx), 1);
        CHECK_EQ_INT(b.drops, 3);
        CHECK(!b.gso_unsupported);
        expect(rx, 1, last, 4);

        /* Packets that fit still go as one GSO message. */
        for (unsigned i = 0; i < 3; i++)
                add6(&b, tx, small[i], 10 + i);
        CHECK_EQ_INT(udp_send_batch_flush(&b, tx), 3);
        CHECK_EQ_INT(b.gso_messages, 1);
        CHECK_EQ_INT(b.drops, 3);
        expect(rx, 3, small, 10);
        close(tx);
        close(rx);
}

/* ---- answering from the address a packet came to (udp-pktinfo.h) ---- */

/* msghdr with one control message of `level`/`type` and `data_len` bytes
 * (claimed length `claimed`, 0: the real one) in `buf`. */
static void make_cmsg(struct msghdr *mh, void *buf, size_t size, int level, int type, const void *data,
                      size_t data_len, size_t claimed) {
        struct cmsghdr *c;

        memset(buf, 0, size);
        *mh = (struct msghdr) {.msg_control = buf, .msg_controllen = size};
        c = CMSG_FIRSTHDR(mh);
        CHECK(c);
        c->cmsg_level = level;
        c->cmsg_type = type;
        c->cmsg_len = claimed ? claimed : CMSG_LEN(data_len);
        memcpy(CMSG_DATA(c), data, data_len);
}

static void test_pktinfo_hostile(void) {
        union {
                char buf[UDP_PKTINFO_RECV_CONTROL];
                struct cmsghdr align;
        } ctl;
        struct sockaddr_in b4 = {.sin_family = AF_INET, .sin_port = htons(443)};
        struct sockaddr_in6 b6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)}, *r6;
        struct in_pktinfo p4 = {.ipi_ifindex = 2};
        struct in6_pktinfo p6 = {.ipi6_ifindex = 7};
        struct sockaddr_storage ret;
        socklen_t ret_len;
        struct msghdr mh = {0};
        char text[INET6_ADDRSTRLEN];

        CHECK(inet_pton(AF_INET, "192.0.2.7", &p4.ipi_addr) == 1);
        CHECK(inet_pton(AF_INET6, "2001:db8::7", &p6.ipi6_addr) == 1);

        /* Arguments. */
        CHECK_EQ_INT(udp_pktinfo_local(NULL, (struct sockaddr *) &b4, sizeof(b4), &ret, &ret_len), -EINVAL);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b4, sizeof(b4) + 1, &ret, &ret_len), -EINVAL);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b6, sizeof(b4), &ret, &ret_len), -EINVAL);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &(struct sockaddr) {.sa_family = AF_UNIX},
                                       sizeof(struct sockaddr), &ret, &ret_len),
                     -EAFNOSUPPORT);
        /* No control data at all. */
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b4, sizeof(b4), &ret, &ret_len), -ENODATA);

        /* The real thing, both families. */
        make_cmsg(&mh, ctl.buf, sizeof(ctl.buf), IPPROTO_IP, IP_PKTINFO, &p4, sizeof(p4), 0);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b4, sizeof(b4), &ret, &ret_len), 0);
        CHECK_EQ_INT(ret_len, sizeof(b4));
        CHECK(((struct sockaddr_in *) &ret)->sin_addr.s_addr == p4.ipi_addr.s_addr);
        CHECK(((struct sockaddr_in *) &ret)->sin_port == htons(443));
        /* IP_PKTINFO on a dual-stack socket: v4-mapped. */
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b6, sizeof(b6), &ret, &ret_len), 0);
        r6 = (struct sockaddr_in6 *) &ret;
        CHECK_EQ_STR(inet_ntop(AF_INET6, &r6->sin6_addr, text, sizeof(text)), "::ffff:192.0.2.7");
        CHECK(r6->sin6_port == htons(443));
        make_cmsg(&mh, ctl.buf, sizeof(ctl.buf), IPPROTO_IPV6, IPV6_PKTINFO, &p6, sizeof(p6), 0);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b6, sizeof(b6), &ret, &ret_len), 0);
        CHECK_EQ_STR(inet_ntop(AF_INET6, &r6->sin6_addr, text, sizeof(text)), "2001:db8::7");
        CHECK_EQ_INT(r6->sin6_scope_id, 0); /* global: no scope */
        /* IPV6_PKTINFO means nothing to an AF_INET socket. */
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b4, sizeof(b4), &ret, &ret_len), -ENODATA);
        /* A link-local address keeps its interface. */
        CHECK(inet_pton(AF_INET6, "fe80::7", &p6.ipi6_addr) == 1);
        make_cmsg(&mh, ctl.buf, sizeof(ctl.buf), IPPROTO_IPV6, IPV6_PKTINFO, &p6, sizeof(p6), 0);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b6, sizeof(b6), &ret, &ret_len), 0);
        CHECK_EQ_INT(r6->sin6_scope_id, 7);

        /* Cut short by the kernel. */
        mh.msg_flags = MSG_CTRUNC;
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b6, sizeof(b6), &ret, &ret_len), -ENODATA);
        /* Too short for its kind, claiming more than the buffer, another
         * level or type: ignored. */
        make_cmsg(&mh, ctl.buf, sizeof(ctl.buf), IPPROTO_IP, IP_PKTINFO, &p4, sizeof(p4), CMSG_LEN(sizeof(p4) - 1));
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b4, sizeof(b4), &ret, &ret_len), -ENODATA);
        make_cmsg(&mh, ctl.buf, sizeof(ctl.buf), IPPROTO_IPV6, IPV6_PKTINFO, &p6, sizeof(p6), 0);
        mh.msg_controllen = CMSG_LEN(sizeof(p6)) - 1;
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b6, sizeof(b6), &ret, &ret_len), -ENODATA);
        make_cmsg(&mh, ctl.buf, sizeof(ctl.buf), IPPROTO_IP, IP_PKTINFO, &p4, sizeof(p4), 100000);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b4, sizeof(b4), &ret, &ret_len), -ENODATA);
        make_cmsg(&mh, ctl.buf, sizeof(ctl.buf), SOL_SOCKET, IP_PKTINFO, &p4, sizeof(p4), 0);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b4, sizeof(b4), &ret, &ret_len), -ENODATA);
        make_cmsg(&mh, ctl.buf, sizeof(ctl.buf), IPPROTO_IP, IP_TTL, &p4, sizeof(p4), 0);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b4, sizeof(b4), &ret, &ret_len), -ENODATA);
        make_cmsg(&mh, ctl.buf, sizeof(ctl.buf), IPPROTO_IP, IP_PKTINFO, &p4, sizeof(p4), 3);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &b4, sizeof(b4), &ret, &ret_len), -ENODATA);
}

/* A server socket on a wildcard address, a client that talks to
 * 127.0.0.2 (a second address of the host: all of 127/8 is local) from
 * 127.0.0.1 with a connected socket, which only takes answers from
 * 127.0.0.2. Answered without a source the kernel picks 127.0.0.1 and
 * the client never hears them; answered from the address udp_pktinfo_local()
 * found, GSO runs included, it does. */
static void pktinfo_round(int family) {
        static UdpSendBatch b;
        union {
                char buf[UDP_PKTINFO_RECV_CONTROL];
                struct cmsghdr align;
        } ctl;
        struct sockaddr_storage bound = {0}, from, local;
        socklen_t bound_len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
        struct sockaddr_in to = {.sin_family = AF_INET};
        int server, client, one = 1, zero = 0;
        socklen_t local_len;
        size_t sizes[4] = {1200, 1200, 1200, 300};
        uint8_t buf[64];
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
        struct msghdr mh;
        struct pollfd p;
        uint16_t port;

        server = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        CHECK(server >= 0);
        bound.ss_family = (sa_family_t) family;
        if (family == AF_INET6) {
                if (setsockopt(server, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0) {
                        fprintf(stderr, "no dual-stack sockets here, skipping\n");
                        close(server);
                        return;
                }
                CHECK(setsockopt(server, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) == 0);
        } else
                CHECK(setsockopt(server, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == 0);
        if (bind(server, (struct sockaddr *) &bound, bound_len) < 0) {
                CHECK(family == AF_INET6); /* no IPv6 at all */
                fprintf(stderr, "no IPv6 here, skipping\n");
                close(server);
                return;
        }
        CHECK(getsockname(server, (struct sockaddr *) &bound, &bound_len) == 0);
        port = family == AF_INET ? ((struct sockaddr_in *) &bound)->sin_port : ((struct sockaddr_in6 *) &bound)->sin6_port;

        client = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        CHECK(client >= 0);
        to.sin_port = port;
        CHECK(inet_pton(AF_INET, "127.0.0.2", &to.sin_addr) == 1);
        CHECK(connect(client, (struct sockaddr *) &to, sizeof(to)) == 0);
        CHECK(send(client, "hello", 5, 0) == 5);

        p = (struct pollfd) {.fd = server, .events = POLLIN};
        CHECK(poll(&p, 1, 2000) == 1);
        mh = (struct msghdr) {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
        CHECK(recvmsg(server, &mh, 0) == 5);
        CHECK_EQ_INT(udp_pktinfo_local(&mh, (struct sockaddr *) &bound, bound_len, &local, &local_len), 0);
        if (family == AF_INET)
                CHECK(((struct sockaddr_in *) &local)->sin_addr.s_addr == to.sin_addr.s_addr);
        else {
                struct sockaddr_in6 *l6 = (struct sockaddr_in6 *) &local;
                char text[INET6_ADDRSTRLEN];
                CHECK_EQ_STR(inet_ntop(AF_INET6, &l6->sin6_addr, text, sizeof(text)), "::ffff:127.0.0.2");
        }

        udp_send_batch_init(&b);
        /* Without a source: the kernel's choice, 127.0.0.1; never arrives. */
        for (unsigned i = 0; i < 4; i++) {
                uint8_t pkt[UDP_SEND_PACKET_MAX];
                fill(pkt, sizes[i], i);
                CHECK_EQ_INT(udp_send_batch_add(&b, server, (struct sockaddr *) &from, mh.msg_namelen, NULL, 0, pkt,
                                                sizes[i]),
                             0);
        }
        CHECK_EQ_INT(udp_send_batch_flush(&b, server), 4);
        p = (struct pollfd) {.fd = client, .events = POLLIN};
        CHECK_EQ_INT(poll(&p, 1, 200), 0);

        /* From the address it came to: all four, the first three as one
         * GSO message. */
        for (unsigned i = 0; i < 4; i++) {
                uint8_t pkt[UDP_SEND_PACKET_MAX];
                fill(pkt, sizes[i], 10 + i);
                CHECK_EQ_INT(udp_send_batch_add(&b, server, (struct sockaddr *) &from, mh.msg_namelen,
                                                (struct sockaddr *) &local, local_len, pkt, sizes[i]),
                             0);
        }
        CHECK_EQ_INT(udp_send_batch_flush(&b, server), 4);
        CHECK(b.gso_messages >= 1);
        expect(client, 4, sizes, 10);

        close(client);
        close(server);
}

static void test_pktinfo_v4(void) {
        pktinfo_round(AF_INET);
}

static void test_pktinfo_dual_stack(void) {
        pktinfo_round(AF_INET6);
}

int main(void) {
        RUN(test_hostile);
        RUN(test_pktinfo_hostile);
        RUN(test_pktinfo_v4);
        RUN(test_pktinfo_dual_stack);
        RUN(test_forbid_fragments);
        RUN(test_path_mtu);
        RUN(test_runs);
        RUN(test_large);
        RUN(test_connected_no_gso);
        RUN(test_error_one_message);
        return 0;
}
