/* SPDX-License-Identifier: MIT */
/* client-test-relay.c on a real UDP socket, for test-client-linux.sh: a
 * relay with a virtual gateway that lanparty-client can join inside a
 * network namespace. One line per event on stdout:
 *
 *   invite LINK              (first line; the room key is fixed)
 *   wrong-invite LINK        (same relay, another room key)
 *   joined ID MAC NAME
 *   gateway-frame SRC DST ETHERTYPE LEN [ipv4-dst A.B.C.D]
 *
 * The virtual gateway sends a broadcast ARP request to every client once a
 * second, so clients see broadcast traffic. The certificate lives in
 * STATE-DIR and the stateless reset secret is fixed, so a restarted
 * instance has the same pin and resets its clients' old connections.
 *
 * Usage: client-test-relayd STATE-DIR ADDRESS PORT ROOM-MTU
 *        client-test-relayd --udp-broadcast PORT
 * The second form sends one UDP datagram to 255.255.255.255 without
 * choosing an interface, as a game looking for servers does, and exits. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "b64url.h"
#include "cert.h"
#include "client-test-relay.h"
#include "ether.h"
#include "invite.h"
#include "log.h"
#include "quic-server.h"

static const uint8_t room_key[LP_ROOM_KEY_SIZE] = { 0x6c, 0x61, 0x6e, 0x70, 0x61, 0x72, 0x74, 0x79 };
static const uint8_t wrong_key[LP_ROOM_KEY_SIZE] = { 0x77, 0x72, 0x6f, 0x6e, 0x67 };
static const uint8_t reset_secret[QUIC_SERVER_RESET_SECRET_SIZE] = { 0x72, 0x65, 0x73, 0x65, 0x74 };
static const MacAddr gateway_mac = { { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 } };

static int fd = -EBADF;

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * QUIC_NS_PER_SEC + (uint64_t) ts.tv_nsec;
}

static int on_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        if (sendto(fd, data, len, MSG_DONTWAIT, path->remote.addr, path->remote.addrlen) < 0)
                return -errno;
        return 0;
}

static void on_gateway_frame(TestRelay *r, uint16_t from, const uint8_t *frame, size_t len, void *userdata) {
        char src[LP_MAC_STR_MAX], dst[LP_MAC_STR_MAX], extra[32] = "";
        EtherHeader h;

        if (ether_header_parse(frame, len, &h) < 0)
                return;
        if (h.inner_ethertype == LP_ETHERTYPE_IPV4 && h.payload_len >= 20) {
                const uint8_t *ip = frame + h.payload_offset + 16;
                snprintf(extra, sizeof extra, " ipv4-dst %u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
        }
        printf("gateway-frame %s %s %04x %zu%s\n", mac_to_string(&h.src, src), mac_to_string(&h.dst, dst),
               h.ethertype, len, extra);
        fflush(stdout);
}

static void on_joined(TestRelay *r, const TestRelayPeer *p, void *userdata) {
        char mac[LP_MAC_STR_MAX];

        printf("joined %u %s %s\n", (unsigned) p->id, mac_to_string(&p->mac, mac), p->name);
        fflush(stdout);
}

static void print_invite(const char *what, const char *host, uint16_t port, const uint8_t *key, const uint8_t *pin) {
        char text[LP_INVITE_TEXT_MAX];
        Invite inv = { .host_type = INVITE_HOST_IPV4, .port = port, .room = "party", .has_pin = true };

        snprintf(inv.host, sizeof inv.host, "%s", host);
        memcpy(inv.room_key, key, LP_ROOM_KEY_SIZE);
        memcpy(inv.pin, pin, LP_SPKI_PIN_SIZE);
        if (invite_format(&inv, text, sizeof text) < 0) {
                fprintf(stderr, "cannot format the invite\n");
                exit(EXIT_FAILURE);
        }
        printf("%s %s\n", what, text);
}

/* Who-has 192.0.2.1, from the gateway, to everybody. */
static size_t arp_broadcast(uint8_t *f) {
        static const uint8_t body[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 0x00, 0x16, 0x3e, 0, 0, 1, 192, 0, 2, 1,
                                          0, 0, 0, 0, 0, 0, 192, 0, 2, 99 };

        memset(f, 0xff, 6);
        memcpy(f + 6, gateway_mac.bytes, 6);
        f[12] = 0x08;
        f[13] = 0x06;
        memcpy(f + 14, body, sizeof body);
        memset(f + 42, 0, 18);
        return 60;
}

static int udp_broadcast(const char *port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(port)),
                                  .sin_addr.s_addr = htonl(INADDR_BROADCAST) };
        int one = 1, s;

        s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0 || setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0 ||
            sendto(s, "lanparty", 8, 0, (struct sockaddr *) &sa, sizeof sa) < 0) {
                perror("udp broadcast");
                return EXIT_FAILURE;
        }
        close(s);
        return EXIT_SUCCESS;
}

int main(int argc, char *argv[]) {
        char cert_path[512], key_path[512];
        uint8_t pin[CERT_PIN_SIZE], buf[65536], frame[64];
        struct sockaddr_in sin = { .sin_family = AF_INET };
        TestRelay *relay = NULL;
        sigset_t mask;
        int sfd, port, mtu;
        uint64_t next_arp = 0;

        if (argc == 3 && strcmp(argv[1], "--udp-broadcast") == 0)
                return udp_broadcast(argv[2]);
        if (argc != 5) {
                fprintf(stderr, "usage: %s STATE-DIR ADDRESS PORT ROOM-MTU\n", argv[0]);
                return EXIT_FAILURE;
        }
        log_set_max_level(LOG_NOTICE);
        port = atoi(argv[3]);
        mtu = atoi(argv[4]);
        if (inet_pton(AF_INET, argv[2], &sin.sin_addr) != 1 || port <= 0 || port > 65535 || mtu < 576 || mtu > 1500) {
                fprintf(stderr, "bad arguments\n");
                return EXIT_FAILURE;
        }
        sin.sin_port = htons((uint16_t) port);
        if (cert_ensure_self_signed(argv[1], argv[2], pin) < 0) {
                fprintf(stderr, "cannot make a certificate in %s\n", argv[1]);
                return EXIT_FAILURE;
        }
        snprintf(cert_path, sizeof cert_path, "%s/" CERT_FILE_NAME, argv[1]);
        snprintf(key_path, sizeof key_path, "%s/" KEY_FILE_NAME, argv[1]);

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sin, sizeof sin) < 0) {
                perror("socket/bind");
                return EXIT_FAILURE;
        }

        TestRelayConfig cfg = {
                .cert_path = cert_path,
                .key_path = key_path,
                .pin = pin,
                .room = "party",
                .room_mtu = (uint16_t) mtu,
                .virtual_gateway = true,
                .reset_secret = reset_secret,
                .send = on_send,
                .gateway_frame = on_gateway_frame,
                .joined = on_joined,
        };
        memcpy(cfg.room_key, room_key, sizeof room_key);
        if (quic_addr_set(&cfg.local, (const ngtcp2_sockaddr *) &sin, sizeof sin) < 0 ||
            test_relay_new(&relay, &cfg) < 0) {
                fprintf(stderr, "cannot start the relay\n");
                return EXIT_FAILURE;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);

        print_invite("invite", argv[2], (uint16_t) port, room_key, pin);
        print_invite("wrong-invite", argv[2], (uint16_t) port, wrong_key, pin);
        fflush(stdout);

        for (;;) {
                struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
                uint64_t now = now_ns(), next = MIN(test_relay_get_expiry(relay), next_arp);
                int timeout = next <= now ? 0 : (int) MIN((next - now) / 1000000 + 1, (uint64_t) 1000);

                if (poll(p, 2, timeout) < 0 && errno != EINTR)
                        break;
                if (p[1].revents)
                        break;
                now = now_ns();
                for (;;) {
                        struct sockaddr_storage ss;
                        socklen_t sl = sizeof ss;
                        QuicAddr from;
                        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *) &ss, &sl);

                        if (n < 0)
                                break;
                        if (quic_addr_set(&from, (const ngtcp2_sockaddr *) &ss, (ngtcp2_socklen) sl) == 0)
                                (void) test_relay_read_packet(relay, &from, buf, (size_t) n, now);
                }
                if (test_relay_get_expiry(relay) <= now)
                        (void) test_relay_handle_expiry(relay, now);
                if (now >= next_arp) {
                        next_arp = now + QUIC_NS_PER_SEC;
                        (void) test_relay_gateway_send(relay, 0, frame, arp_broadcast(frame), now);
                }
        }
        test_relay_free(relay);
        close(sfd);
        close(fd);
        return EXIT_SUCCESS;
}
