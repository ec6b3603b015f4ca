/* SPDX-License-Identifier: MIT */
/* A client or gateway for testing lanparty-relayd, built straight on
 * quic.c and the control and datagram codecs so it can also misbehave:
 * wrong proofs, spoofed sources, DHCP offers, RAs, BPDUs, VLAN tags,
 * malformed datagrams, floods. As a gateway it can also be the party's
 * DHCP server (--dhcp-server) and answer one client's party checks as
 * lanparty-gatewayd does, with its GatewayCheck (--answer-checks). Driven by commands on stdin, one per line;
 * reports events on stdout, one per line (see usage()). Used by
 * test-relayd-relay.sh and the client.exe tests under wine. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "b64url.h"
#include "control.h"
#include "datagram.h"
#include "ether.h"
#include "gatewayd-check.h"
#include "inet-checksum.h"
#include "ip.h"
#include "log.h"
#include "party-check.h"
#include "quic.h"

#define PMTUD_WAIT_NSEC (2 * QUIC_NS_PER_SEC)
#define PMTUD_TARGET_D 1362 /* UDP payload 1406 */
#define FRAME_BUF (LP_DATAGRAM_SIZE_MAX + 64)

static struct {
        const char *relay;
        uint8_t pin[QUIC_TLS_PIN_SIZE];
        PeerRole role;
        char room[LP_ROOM_NAME_MAX + 1];
        MacAddr mac;
        char name[LP_CONTROL_NAME_MAX + 1];
        uint8_t room_key[LP_ROOM_KEY_SIZE];
        bool have_auth_key;
        uint8_t auth_key[LP_AUTH_KEY_SIZE]; /* --auth-key: instead of the derived one */
        char token[LP_CONTROL_GATEWAY_TOKEN_MAX + 1];
        bool wrong_proof;
        unsigned announce;
        bool no_pmtud_wait;
        bool no_hello;
        size_t drop_rx_above; /* drop received UDP payloads above this size (0: none) */
        bool dhcp_server;     /* answer DISCOVER and REQUEST (--dhcp-server) */
        uint8_t dhcp_lease[4], dhcp_router[4], dhcp_mask[4];
        bool answer_checks;   /* --answer-checks */
} arg = {
        .role = PEER_ROLE_CLIENT,
        .room = "party",
        .name = "test",
};

static int fd = -1;
static QuicConn *conn;
static QuicAddr local, remote;
static bool established, hello_sent, done;
static uint64_t established_at;
/* UDP datagrams from the relay that carried frames: how frames were
 * packed (packets with only ACKs, PINGs or control data not counted, so
 * a timer firing in between cannot make a test of the packing flaky). */
static uint64_t rx_packets;
static bool datagram_seen; /* on_datagram() ran for the packet being read */
static ControlReader reader;
static uint16_t room_mtu; /* from WELCOME */

/* --answer-checks: the peers' MACs (from PEER_JOINED) and the one check
 * in progress, in lanparty-gatewayd's own state (gatewayd-check.c); the
 * I/O is gatewayd-manager-check.c's, on this loop. */
#define CHECK_PEERS_MAX 16
static struct {
        uint16_t peer_id;
        MacAddr mac;
} check_peers[CHECK_PEERS_MAX];
static GatewayCheck check;
static uint16_t check_peer;
static MacAddr check_mac;
static uint64_t check_report_at; /* 0: none due */

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * QUIC_NS_PER_SEC + (uint64_t) ts.tv_nsec;
}

_printf_(1, 2) static void event(const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

static int hex_decode(const char *s, uint8_t *buf, size_t size) {
        size_t n = strlen(s);

        if (n % 2 || n / 2 > size)
                return -EINVAL;
        for (size_t i = 0; i < n / 2; i++) {
                unsigned v;

                if (sscanf(s + 2 * i, "%2x", &v) != 1)
                        return -EINVAL;
                buf[i] = (uint8_t) v;
        }
        return (int) (n / 2);
}

static int on_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        return sendto(fd, data, len, 0, path->remote.addr, path->remote.addrlen) < 0 ? -errno : 0;
}

static void send_control(const ControlMessage *m) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        int n = control_encode(m, buf, sizeof buf);

        if (n < 0) {
                event("error encode %s", strerror(-n));
                return;
        }
        if (quic_conn_send_control(conn, buf, (size_t) n) < 0)
                event("error send-control");
}

static void send_hello(void) {
        ControlMessage m = { .type = CONTROL_TYPE_HELLO };
        ControlHello *h = &m.hello;
        uint8_t auth_key[LP_AUTH_KEY_SIZE], e2e[LP_E2E_KEY_SIZE], exporter[LP_AUTH_EXPORTER_SIZE];
        size_t d = quic_conn_max_datagram_payload(conn);

        hello_sent = true;
        if (arg.have_auth_key)
                memcpy(auth_key, arg.auth_key, sizeof auth_key);
        else if (auth_derive_keys(arg.room_key, arg.pin, NULL, auth_key, e2e) < 0)
                abort();
        *h = (ControlHello) {
                .version = LP_CONTROL_PROTOCOL_VERSION,
                .role = arg.role,
                .room_len = strlen(arg.room),
                .mac = arg.mac,
                .max_datagram_size = (uint16_t) (arg.announce ? arg.announce : MIN(d, (size_t) UINT16_MAX)),
                .name_len = strlen(arg.name),
                .auth_len = LP_CONTROL_AUTH_SIZE,
        };
        memcpy(h->room, arg.room, h->room_len);
        memcpy(h->name, arg.name, h->name_len);
        if (arg.role == PEER_ROLE_GATEWAY) {
                memcpy(h->auth, auth_key, sizeof auth_key);
                h->gateway_token_len = strlen(arg.token);
                memcpy(h->gateway_token, arg.token, h->gateway_token_len);
        } else {
                if (quic_conn_get_tls_exporter(conn, LP_AUTH_EXPORTER_LABEL, exporter, sizeof exporter) < 0 ||
                    auth_join_proof(auth_key, exporter, arg.room, strlen(arg.room), &arg.mac, h->auth) < 0)
                        abort();
                if (arg.wrong_proof)
                        h->auth[0] ^= 1;
        }
        if (arg.role == PEER_ROLE_GATEWAY) {
                /* What the relay learns: a test plays its operator with it. */
                char hex[2 * LP_AUTH_KEY_SIZE + 1];

                for (size_t i = 0; i < LP_AUTH_KEY_SIZE; i++)
                        snprintf(hex + 2 * i, 3, "%02x", auth_key[i]);
                event("hello d=%u auth-key=%s", h->max_datagram_size, hex);
        } else
                event("hello d=%u", h->max_datagram_size);
        send_control(&m);
}

static void on_handshake(QuicConn *c, void *userdata) {
        established = true;
        established_at = now_ns();
        event("connected d=%zu", quic_conn_max_datagram_payload(c));
}

static void check_peer_add(uint16_t peer_id, const MacAddr *mac);
static void check_begin(const ControlCheckBegin *begin);
static bool check_frame(const uint8_t *frame, size_t len);

static void print_message(const ControlMessage *m) {
        char mac[LP_MAC_STR_MAX];

        switch (m->type) {
        case CONTROL_TYPE_WELCOME:
                room_mtu = m->welcome.room_mtu;
                event("welcome %u %u %u", m->welcome.peer_id, m->welcome.room_mtu, m->welcome.gateway_present);
                break;
        case CONTROL_TYPE_REJECT:
                event("reject %s %s", reject_reason_to_string(m->reject.reason), m->reject.text);
                break;
        case CONTROL_TYPE_PEER_JOINED:
                check_peer_add(m->peer_joined.peer_id, &m->peer_joined.mac);
                event("joined %u %s %s %s", m->peer_joined.peer_id, peer_role_to_string(m->peer_joined.role),
                      mac_to_string(&m->peer_joined.mac, mac), m->peer_joined.name);
                break;
        case CONTROL_TYPE_PEER_LEFT:
                event("left %u %s %s %s", m->peer_left.peer_id, peer_role_to_string(m->peer_left.role),
                      mac_to_string(&m->peer_left.mac, mac), leave_reason_to_string(m->peer_left.reason));
                break;
        case CONTROL_TYPE_DISCONNECT:
                event("disconnect %s %s", leave_reason_to_string(m->disconnect.reason), m->disconnect.text);
                break;
        case CONTROL_TYPE_CHECK_BEGIN:
                check_begin(&m->check_begin);
                event("check_begin peer=%u port=%u mtu=%u", m->check_begin.peer_id, m->check_begin.udp_port,
                      m->check_begin.room_mtu);
                break;
        case CONTROL_TYPE_CHECK_REPORT:
                event("check_report peer=%u probes=%u largest=%u", m->check_report.peer_id, m->check_report.probes,
                      m->check_report.largest_probe);
                break;
        case CONTROL_TYPE_CHECK_RESULT:
                event("check_result peer=%u %u%u%u%u", m->check_result.peer_id, m->check_result.verdicts[0],
                      m->check_result.verdicts[1], m->check_result.verdicts[2], m->check_result.verdicts[3]);
                break;
        default:
                event("control %s", control_type_to_string(m->type));
        }
}

static void on_control(QuicConn *c, const uint8_t *data, size_t len, void *userdata) {
        ControlMessage m;
        int k;

        while (len > 0) {
                size_t n = control_reader_feed(&reader, data, len);

                data += n;
                len -= n;
                quic_conn_consume_control(c, n);
                while ((k = control_reader_next(&reader, &m)) > 0)
                        print_message(&m);
                if (k < 0) {
                        event("error control-stream %s", control_error_to_string(reader.error));
                        return;
                }
        }
}

static void dhcp_handle(const uint8_t *f, size_t len);
static bool arp_handle(const uint8_t *f, size_t len);

static void on_datagram(QuicConn *c, const uint8_t *data, size_t len, void *userdata) {
        char dst[LP_MAC_STR_MAX], src[LP_MAC_STR_MAX];
        DatagramError e;
        Datagram d;

        datagram_seen = true;
        if (datagram_decode(data, len, &d, &e) < 0) {
                event("bad-datagram %s", datagram_error_to_string(e));
                return;
        }
        event("frame from=%u dst=%s src=%s type=%04x len=%zu", d.source_peer_id,
              mac_to_string(&(MacAddr) { { d.frame[0], d.frame[1], d.frame[2], d.frame[3], d.frame[4], d.frame[5] } }, dst),
              mac_to_string(&(MacAddr) { { d.frame[6], d.frame[7], d.frame[8], d.frame[9], d.frame[10], d.frame[11] } }, src),
              be16_load(d.frame + 12), d.frame_len);
        if (check_frame(d.frame, d.frame_len) || arp_handle(d.frame, d.frame_len))
                return;
        dhcp_handle(d.frame, d.frame_len);
}

static void on_closed(QuicConn *c, const QuicCloseInfo *info, void *userdata) {
        event("closed %s remote=%d app=%d code=%" PRIu64 " reason=%s", quic_close_kind_to_string(info->kind),
              info->remote, info->app_error, info->error_code, info->reason);
        done = true;
}

/* ---- frames ---- */

static size_t frame_header(uint8_t *f, const MacAddr *dst, const MacAddr *src, uint16_t type) {
        memcpy(f, dst->bytes, 6);
        memcpy(f + 6, src->bytes, 6);
        be16_store(f + 12, type);
        return 14;
}

static void send_datagram_raw(const uint8_t *buf, size_t len) {
        int r = quic_conn_send_datagram(conn, buf, len, now_ns());

        if (r < 0)
                event("error send-datagram %s", strerror(-r));
}

static void send_frame(const uint8_t *frame, size_t len) {
        uint8_t buf[FRAME_BUF];
        int n = datagram_encode(buf, sizeof buf, 0, frame, len);

        if (n < 0) {
                event("error encode-datagram %s", strerror(-n));
                return;
        }
        send_datagram_raw(buf, (size_t) n);
}

static int parse_macs(const char *a, const char *b, MacAddr *dst, MacAddr *src) {
        if (mac_from_string(a, dst) < 0)
                return -EINVAL;
        if (strcmp(b, "self") == 0)
                *src = arg.mac;
        else if (mac_from_string(b, src) < 0)
                return -EINVAL;
        return 0;
}

/* IPv4/UDP from sport to dport. */
static size_t build_udp4(uint8_t *f, const MacAddr *dst, const MacAddr *src, uint16_t sport, uint16_t dport) {
        size_t o = frame_header(f, dst, src, LP_ETHERTYPE_IPV4);
        uint8_t *ip = f + o;

        memset(ip, 0, 20 + 8 + 16);
        ip[0] = 0x45;
        be16_store(ip + 2, 20 + 8 + 16);
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + 12, (uint8_t[]) { 192, 168, 1, 1 }, 4);
        memcpy(ip + 16, (uint8_t[]) { 255, 255, 255, 255 }, 4);
        be16_store(ip + 20, sport);
        be16_store(ip + 22, dport);
        be16_store(ip + 24, 8 + 16);
        return o + 20 + 8 + 16;
}

static size_t build_icmp6(uint8_t *f, const MacAddr *dst, const MacAddr *src, uint8_t type) {
        size_t o = frame_header(f, dst, src, LP_ETHERTYPE_IPV6);
        uint8_t *ip = f + o;

        memset(ip, 0, 40 + 16);
        ip[0] = 0x60;
        be16_store(ip + 4, 16);
        ip[6] = 58;
        ip[7] = 255;
        ip[8] = 0xfe;
        ip[9] = 0x80;
        ip[24] = 0xff;
        ip[25] = 0x02;
        ip[39] = 0x01;
        ip[40] = type;
        return o + 40 + 16;
}

/* ---- the party's DHCP server (--dhcp-server) ---- */

#define DHCP_FIXED_LEN 240 /* BOOTP header and magic cookie */
#define DHCP_MIN_LEN 300   /* what BOOTP clients expect (RFC 1542) */
#define DHCP_MAX_LEN 548   /* in a 576-byte datagram (RFC 2131 2) */
#define DHCP_MAGIC 0x63825363
#define DHCP_LEASE_SEC 86400

static const char *const dhcp_type_names[] = { "?", "discover", "offer", "request", "decline",
                                               "ack", "nak", "release", "inform" };

/* A DHCP client message (BOOTREQUEST, UDP 68 -> 67) in `f`: its message
 * type (option 53), 0 when it is none. */
static uint8_t dhcp_request_parse(const uint8_t *f, size_t len, const uint8_t **ret_msg) {
        const uint8_t *ip = f + LP_ETHER_HEADER_LEN, *m;
        size_t ihl, mlen;

        if (len < LP_ETHER_HEADER_LEN + IPV4_HEADER_MIN || be16_load(f + 12) != LP_ETHERTYPE_IPV4 ||
            ip[9] != IP_PROTO_UDP)
                return 0;
        ihl = (size_t) (ip[0] & 15) * 4;
        if (ihl < IPV4_HEADER_MIN || len < LP_ETHER_HEADER_LEN + ihl + UDP_HEADER_LEN + DHCP_FIXED_LEN ||
            be16_load(ip + ihl) != 68 || be16_load(ip + ihl + 2) != 67)
                return 0;
        m = ip + ihl + UDP_HEADER_LEN;
        mlen = len - LP_ETHER_HEADER_LEN - ihl - UDP_HEADER_LEN;
        if (m[0] != 1 || be32_load(m + 236) != DHCP_MAGIC)
                return 0;
        *ret_msg = m;
        for (size_t o = DHCP_FIXED_LEN; o + 2 < mlen && m[o] != 255;) {
                if (m[o] == 0) {
                        o++;
                        continue;
                }
                if (m[o] == 53 && m[o + 1] == 1)
                        return m[o + 2] < ELEMENTSOF(dhcp_type_names) ? m[o + 2] : 0;
                o += 2 + (size_t) m[o + 1];
        }
        return 0;
}

static size_t dhcp_option_put(uint8_t *p, uint8_t code, const void *v, size_t len) {
        p[0] = code;
        p[1] = (uint8_t) len;
        memcpy(p + 2, v, len);
        return 2 + len;
}

/* What a party's router hands out: the address, mask and lease, and the
 * settings client-core.c removes (router 3, DNS 6, domain 15, classless
 * routes 121 with a default route), sent to the broadcast address as
 * for a client with the BROADCAST flag (RFC 2131 4.1). */
static size_t dhcp_reply_build(uint8_t *f, const uint8_t *req, uint8_t type) {
        static const MacAddr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
        static const char domain[] = "party.lan";
        uint8_t *ip = f + LP_ETHER_HEADER_LEN, *udp = ip + IPV4_HEADER_MIN, *m = udp + UDP_HEADER_LEN;
        uint8_t lease[4], classless[1 + 4] = { 0 };
        size_t o = DHCP_FIXED_LEN, mlen;
        uint64_t sum;

        frame_header(f, &bcast, &arg.mac, LP_ETHERTYPE_IPV4);
        memset(ip, 0, IPV4_HEADER_MIN + UDP_HEADER_LEN + DHCP_MAX_LEN);
        m[0] = 2, m[1] = 1, m[2] = 6;
        memcpy(m + 4, req + 4, 4);   /* xid */
        memcpy(m + 10, req + 10, 2); /* flags */
        memcpy(m + 16, arg.dhcp_lease, 4);
        memcpy(m + 20, arg.dhcp_router, 4);
        memcpy(m + 28, req + 28, 16); /* chaddr */
        be32_store(m + 236, DHCP_MAGIC);
        be32_store(lease, DHCP_LEASE_SEC);
        o += dhcp_option_put(m + o, 53, &type, 1);
        o += dhcp_option_put(m + o, 54, arg.dhcp_router, 4);
        o += dhcp_option_put(m + o, 51, lease, 4);
        o += dhcp_option_put(m + o, 1, arg.dhcp_mask, 4);
        o += dhcp_option_put(m + o, 3, arg.dhcp_router, 4);
        o += dhcp_option_put(m + o, 6, arg.dhcp_router, 4);
        o += dhcp_option_put(m + o, 15, domain, strlen(domain));
        memcpy(classless + 1, arg.dhcp_router, 4); /* 0.0.0.0/0 via the router */
        o += dhcp_option_put(m + o, 121, classless, sizeof(classless));
        m[o++] = 255;
        mlen = MAX(o, (size_t) DHCP_MIN_LEN);

        ip[0] = 0x45;
        be16_store(ip + 2, (uint16_t) (IPV4_HEADER_MIN + UDP_HEADER_LEN + mlen));
        ip[8] = 64;
        ip[9] = IP_PROTO_UDP;
        memcpy(ip + 12, arg.dhcp_router, 4);
        memset(ip + 16, 0xff, 4);
        be16_store(ip + 10, inet_checksum_finish(inet_checksum_add(0, ip, IPV4_HEADER_MIN)));
        be16_store(udp, 67);
        be16_store(udp + 2, 68);
        be16_store(udp + 4, (uint16_t) (UDP_HEADER_LEN + mlen));
        /* Pseudo-header: source, destination, protocol, UDP length. */
        sum = inet_checksum_add(0, ip + 12, 8);
        sum += IP_PROTO_UDP + UDP_HEADER_LEN + mlen;
        sum = inet_checksum_add(sum, udp, UDP_HEADER_LEN + mlen);
        be16_store(udp + 6, inet_checksum_finish(sum) ?: 0xffff);
        return LP_ETHER_HEADER_LEN + IPV4_HEADER_MIN + UDP_HEADER_LEN + mlen;
}

/* Says which DHCP client message came from whom; with --dhcp-server,
 * answers a DISCOVER with an OFFER and a REQUEST with an ACK. */
/* With --dhcp-server the router address is ours: ARP requests for it
 * get our MAC (RFC 826), as the party's router would answer. */
static bool arp_handle(const uint8_t *f, size_t len) {
        static const uint8_t arp_eth_ipv4[6] = { 0, 1, 8, 0, 6, 4 };
        uint8_t out[14 + 28];
        const uint8_t *a = f + 14;

        if (!arg.dhcp_server || len < 14 + 28 || be16_load(f + 12) != 0x0806 ||
            memcmp(a, arp_eth_ipv4, 6) != 0 || be16_load(a + 6) != 1 || memcmp(a + 24, arg.dhcp_router, 4) != 0)
                return false;
        frame_header(out, &(MacAddr) { { a[8], a[9], a[10], a[11], a[12], a[13] } }, &arg.mac, 0x0806);
        memcpy(out + 14, arp_eth_ipv4, 6);
        be16_store(out + 20, 2);
        memcpy(out + 22, arg.mac.bytes, 6);
        memcpy(out + 28, arg.dhcp_router, 4);
        memcpy(out + 32, a + 8, 10); /* the asker's MAC and IPv4 */
        send_frame(out, sizeof(out));
        event("arp-reply to=%u.%u.%u.%u", a[14], a[15], a[16], a[17]);
        return true;
}

static void dhcp_handle(const uint8_t *f, size_t len) {
        uint8_t out[FRAME_BUF], reply;
        const uint8_t *m = NULL;
        char chaddr[LP_MAC_STR_MAX];
        uint8_t type = dhcp_request_parse(f, len, &m);

        if (type == 0)
                return;
        mac_to_string(&(MacAddr) { { m[28], m[29], m[30], m[31], m[32], m[33] } }, chaddr);
        event("dhcp %s xid=%02x%02x%02x%02x chaddr=%s", dhcp_type_names[type], m[4], m[5], m[6], m[7], chaddr);
        if (!arg.dhcp_server || (type != 1 && type != 3))
                return;
        reply = type == 1 ? 2 : 5;
        send_frame(out, dhcp_reply_build(out, m, reply));
        event("dhcp-sent %s xid=%02x%02x%02x%02x chaddr=%s yiaddr=%u.%u.%u.%u options=53,54,51,1,3,6,15,121",
              dhcp_type_names[reply], m[4], m[5], m[6], m[7], chaddr, arg.dhcp_lease[0], arg.dhcp_lease[1],
              arg.dhcp_lease[2], arg.dhcp_lease[3]);
}

static int dhcp_server_parse(const char *s) {
        unsigned a, b, c, d, plen;
        uint32_t mask, lease;
        char end;

        if (sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &plen, &end) != 5 || a > 255 || b > 255 || c > 255 ||
            d > 255 || plen < 8 || plen > 30)
                return -EINVAL;
        lease = a << 24 | b << 16 | c << 8 | d;
        mask = UINT32_MAX << (32 - plen);
        /* The router is the network's first address; the lease may not be it. */
        if ((lease & ~mask) <= 1 || (lease & ~mask) == ~mask)
                return -EINVAL;
        for (int i = 0; i < 4; i++) {
                arg.dhcp_lease[i] = (uint8_t) (lease >> (24 - 8 * i));
                arg.dhcp_mask[i] = (uint8_t) (mask >> (24 - 8 * i));
                arg.dhcp_router[i] = (uint8_t) (((lease & mask) + 1) >> (24 - 8 * i));
        }
        arg.dhcp_server = true;
        return 0;
}

static uint8_t rxbuf[2048];

/* One UDP datagram from the relay. */
static void receive_packet(const uint8_t *buf, size_t n, uint64_t now) {
        if (arg.drop_rx_above && n > arg.drop_rx_above)
                return;
        datagram_seen = false;
        quic_conn_read_packet(conn, &remote, buf, n, now);
        if (datagram_seen)
                rx_packets++;
}

/* Runs the connection for up to ms milliseconds: reads, timers, writes. */
static void pump(int ms) {
        uint64_t end = now_ns() + (uint64_t) ms * 1000000;

        while (!done && now_ns() < end) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                uint64_t now;

                (void) poll(&p, 1, 1);
                now = now_ns();
                for (;;) {
                        ssize_t n = recv(fd, rxbuf, sizeof rxbuf, 0);
                        if (n < 0)
                                break;
                        receive_packet(rxbuf, (size_t) n, now);
                }
                if (quic_conn_get_expiry(conn) <= now)
                        quic_conn_handle_expiry(conn, now);
                quic_conn_write(conn, now);
                if (p.revents == 0)
                        break;
        }
}

/* Sends as fast as the connection takes them: a full queue is waited out,
 * so the relay, not our own congestion control, decides what is dropped. */
static unsigned flood_raw(const uint8_t *buf, size_t k, unsigned n) {
        unsigned sent = 0;

        for (unsigned i = 0; i < n && !done; i++) {
                for (unsigned tries = 0; tries < 200 && !done; tries++) {
                        int r = quic_conn_send_datagram(conn, buf, k, now_ns());
                        if (r == 0) {
                                sent++;
                                break;
                        }
                        if (r != -ENOBUFS)
                                return sent;
                        pump(5);
                }
        }
        return sent;
}

static unsigned flood(const uint8_t *frame, size_t len, unsigned n) {
        uint8_t buf[FRAME_BUF];
        int k = datagram_encode(buf, sizeof buf, 0, frame, len);

        return k < 0 ? 0 : flood_raw(buf, (size_t) k, n);
}

static void handle_command(char *line) {
        char a[64] = "", b[64] = "", c[256] = "";
        uint8_t f[FRAME_BUF];
        MacAddr dst, src;
        unsigned n = 0, len = 0, type = 0;
        size_t flen;

        line[strcspn(line, "\n")] = 0;
        if (strcmp(line, "hello") == 0) {
                send_hello();
        } else if (sscanf(line, "frame %63s %63s %x %u", a, b, &type, &len) >= 3) {
                if (parse_macs(a, b, &dst, &src) < 0 || len > LP_ETHER_FRAME_MAX - 14)
                        return event("error bad command");
                flen = frame_header(f, &dst, &src, (uint16_t) type);
                memset(f + flen, 0xab, len);
                send_frame(f, flen + len);
        } else if (sscanf(line, "flood %u %63s %63s %x %u", &n, a, b, &type, &len) >= 4) {
                if (parse_macs(a, b, &dst, &src) < 0 || len > LP_ETHER_FRAME_MAX - 14)
                        return event("error bad command");
                flen = frame_header(f, &dst, &src, (uint16_t) type);
                memset(f + flen, 0xab, len);
                event("flooded %u of %u", flood(f, flen + len, n), n);
        } else if (sscanf(line, "dhcp-offer %63s %63s", a, b) == 2) {
                if (parse_macs(a, b, &dst, &src) < 0)
                        return event("error bad command");
                send_frame(f, build_udp4(f, &dst, &src, 67, 68));
        } else if (sscanf(line, "dhcp-discover %63s %63s", a, b) == 2) {
                if (parse_macs(a, b, &dst, &src) < 0)
                        return event("error bad command");
                send_frame(f, build_udp4(f, &dst, &src, 68, 67));
        } else if (strncmp(line, "ra ", 3) == 0 && sscanf(line, "ra %63s", b) == 1) {
                if (parse_macs("33:33:00:00:00:01", b, &dst, &src) < 0)
                        return event("error bad command");
                send_frame(f, build_icmp6(f, &dst, &src, 134));
        } else if (sscanf(line, "bpdu %63s", b) == 1) {
                if (parse_macs("01:80:c2:00:00:00", b, &dst, &src) < 0)
                        return event("error bad command");
                flen = frame_header(f, &dst, &src, 0x0026);
                memset(f + flen, 0, 38);
                send_frame(f, flen + 38);
        } else if (sscanf(line, "vlan %63s %63s", a, b) == 2) {
                if (parse_macs(a, b, &dst, &src) < 0)
                        return event("error bad command");
                flen = frame_header(f, &dst, &src, LP_ETHERTYPE_VLAN);
                be16_store(f + flen, 5);
                be16_store(f + flen + 2, LP_ETHERTYPE_ARP);
                memset(f + flen + 4, 0, 28);
                send_frame(f, flen + 32);
        } else if (sscanf(line, "rawflood %u %255s", &n, c) == 2) {
                int k = hex_decode(c, f, sizeof f);
                if (k < 0)
                        return event("error bad hex");
                event("flooded %u of %u", flood_raw(f, (size_t) k, n), n);
        } else if (sscanf(line, "raw %255s", c) == 1) {
                int k = hex_decode(c, f, sizeof f);
                if (k < 0)
                        return event("error bad hex");
                send_datagram_raw(f, (size_t) k);
        } else if (sscanf(line, "ctrl %255s", c) == 1) {
                int k = hex_decode(c, f, sizeof f);
                if (k < 0 || quic_conn_send_control(conn, f, (size_t) k) < 0)
                        return event("error bad ctrl");
        } else if (strncmp(line, "stats", 5) == 0) {
                unsigned long long v[5] = {};
                sscanf(line, "stats %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4]);
                send_control(&(ControlMessage) {
                        .type = CONTROL_TYPE_STATS,
                        .stats = { v[0], v[1], v[2], v[3], v[4] },
                });
        } else if (sscanf(line, "disconnect %63s %255[^\n]", a, c) >= 1) {
                ControlMessage m = { .type = CONTROL_TYPE_DISCONNECT };
                for (int r = 0; r < 256; r++)
                        if (strcmp(leave_reason_to_string((LeaveReason) r), a) == 0) {
                                m.disconnect.reason = (LeaveReason) r;
                                break;
                        }
                m.disconnect.text_len = strlen(c);
                memcpy(m.disconnect.text, c, m.disconnect.text_len);
                send_control(&m);
                quic_conn_close(conn, QUIC_APP_ERROR_NONE, "bye", now_ns());
        } else if (strcmp(line, "status") == 0) {
                event("status d=%zu u=%zu", quic_conn_max_datagram_payload(conn), quic_conn_get_path_udp_payload(conn));
        } else if (strcmp(line, "rx-packets") == 0) {
                event("rx-packets %" PRIu64, rx_packets);
        } else if (strcmp(line, "close") == 0) {
                quic_conn_close(conn, QUIC_APP_ERROR_NONE, "bye", now_ns());
        } else if (strcmp(line, "quit") == 0) {
                done = true;
        } else if (line[0])
                event("error unknown command '%s'", line);
}

/* ---- the party check, the gateway's half (--answer-checks) ---- */

static uint64_t realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void check_peer_add(uint16_t peer_id, const MacAddr *mac) {
        for (size_t k = 0; k < CHECK_PEERS_MAX; k++)
                if (check_peers[k].peer_id == 0 || check_peers[k].peer_id == peer_id) {
                        check_peers[k].peer_id = peer_id;
                        check_peers[k].mac = *mac;
                        return;
                }
}

static void check_send_probe(CheckProbeKind kind, uint16_t ip_len) {
        uint8_t frame[LP_ETHER_FRAME_MAX];
        int n;

        n = check_probe_frame_build(frame, sizeof(frame), &arg.mac, &check_mac, check.udp_port, check.nonce, kind,
                                    ip_len);
        if (n < 0) {
                event("error check-probe %s", strerror(-n));
                return;
        }
        send_frame(frame, (size_t) n);
        event("check-sent %s len=%d", check_probe_kind_to_string(kind), n);
}

static void check_begin(const ControlCheckBegin *begin) {
        size_t k;

        if (!arg.answer_checks || room_mtu == 0)
                return;
        for (k = 0; k < CHECK_PEERS_MAX && check_peers[k].peer_id != begin->peer_id; k++)
                ;
        if (k == CHECK_PEERS_MAX)
                return;
        check_peer = begin->peer_id;
        check_mac = check_peers[k].mac;
        gateway_check_begin(&check, begin, room_mtu);
        check_report_at = now_ns() + LP_CHECK_REPORT_DELAY_USEC * 1000;
        /* Like lanparty-gatewayd: a small broadcast probe towards it. */
        check_send_probe(CHECK_PROBE_KIND_GATEWAY, LP_CHECK_IPV4_UDP_HEADERS + 64);
}

/* A probe in a frame: consumed (never a DHCP message), answered when it
 * is the full-size one. */
static bool check_frame(const uint8_t *frame, size_t len) {
        CheckProbeFrame probe;

        if (!arg.answer_checks || check_probe_frame_parse(frame, len, &probe) <= 0)
                return false;
        event("check-probe %s len=%zu", check_probe_kind_to_string((CheckProbeKind) probe.kind), len);
        if (check.pending && mac_equal(&probe.src_mac, &check_mac) &&
            gateway_check_probe(&check, &probe) == GATEWAY_CHECK_ANSWER_FULL_SIZE)
                check_send_probe(CHECK_PROBE_KIND_GATEWAY_FULL_SIZE, check.room_mtu);
        return true;
}

static void check_report_if_due(uint64_t now) {
        ControlMessage m = { .type = CONTROL_TYPE_CHECK_REPORT };

        if (check_report_at == 0 || now < check_report_at)
                return;
        check_report_at = 0;
        if (!gateway_check_finish(&check, check_peer, realtime_usec(), &m.check_report))
                return;
        send_control(&m);
        event("check-reported peer=%u probes=%u largest=%u", check_peer, m.check_report.probes,
              m.check_report.largest_probe);
}

static void usage(void) {
        fprintf(stderr,
                "relay-test-peer --relay IPv4:PORT|[IPv6]:PORT --pin PIN [--role client|gateway] [--room NAME]\n"
                "                --mac MAC [--name NAME] [--room-key HEX] [--auth-key HEX] [--token T]\n"
                "                [--wrong-proof] [--announce D] [--no-pmtud-wait] [--no-hello]\n"
                "                [--drop-rx-above N]"
                " [--dhcp-server IPv4/LEN] [--answer-checks]\n"
                "stdin:  hello | frame DST SRC|self TYPEHEX [LEN] | flood N DST SRC TYPEHEX [LEN] |\n"
                "        dhcp-offer DST SRC | dhcp-discover DST SRC | ra SRC | bpdu SRC | vlan DST SRC |\n"
                "        raw HEX | rawflood N HEX | ctrl HEX | stats A B C D E | rx-packets | disconnect REASON [TEXT] |\n"
                "        close | quit\n"
                "--auth-key: send this auth_key (gateway) or prove with it (client) instead of the one\n"
                "        derived from the room key and the pin, as the operator of the relay that saw it could\n"
                "stdout: connected, hello d=D [auth-key=HEX], welcome ID MTU GW, reject REASON TEXT, joined/left ..., \n"
                "        disconnect REASON TEXT, frame from=ID dst= src= type= len=, closed KIND ...,\n"
                "        rx-packets N (UDP datagrams received so far that carried frames),\n"
                "        dhcp TYPE xid= chaddr= for each DHCP client message, and with --dhcp-server\n"
                "        (the address to hand out; the router is the network's first) its answers:\n"
                "        dhcp-sent offer|ack xid= chaddr= yiaddr= options=, arp-reply to= (ARP for the router)\n"
                "--answer-checks: answer a client's party check as lanparty-gatewayd does (our probe,\n"
                "        the full-size answer, the report after 2 s): check-sent KIND len=, check-probe KIND len=,\n"
                "        check-reported peer= probes= largest=\n");
        exit(2);
}

static void parse_args(int argc, char **argv) {
        static const struct option options[] = {
                { "relay", required_argument, NULL, 'r' },
                { "pin", required_argument, NULL, 'p' },
                { "role", required_argument, NULL, 'R' },
                { "room", required_argument, NULL, 'o' },
                { "mac", required_argument, NULL, 'm' },
                { "name", required_argument, NULL, 'n' },
                { "room-key", required_argument, NULL, 'k' },
                { "auth-key", required_argument, NULL, 'A' },
                { "token", required_argument, NULL, 't' },
                { "wrong-proof", no_argument, NULL, 'w' },
                { "announce", required_argument, NULL, 'a' },
                { "no-pmtud-wait", no_argument, NULL, 'P' },
                { "no-hello", no_argument, NULL, 'H' },
                { "drop-rx-above", required_argument, NULL, 'D' },
                { "dhcp-server", required_argument, NULL, 'S' },
                { "answer-checks", no_argument, NULL, 'C' },
                {}
        };
        size_t size;
        int o;

        memset(arg.room_key, 0x42, sizeof arg.room_key);
        while ((o = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (o) {
                case 'r':
                        arg.relay = optarg;
                        break;
                case 'p':
                        if (b64url_decode(optarg, strlen(optarg), arg.pin, sizeof arg.pin, &size) < 0 ||
                            size != sizeof arg.pin)
                                usage();
                        break;
                case 'R':
                        arg.role = peer_role_from_string(optarg);
                        if (arg.role < 0)
                                usage();
                        break;
                case 'o':
                        snprintf(arg.room, sizeof arg.room, "%s", optarg);
                        break;
                case 'm':
                        if (mac_from_string(optarg, &arg.mac) < 0)
                                usage();
                        break;
                case 'n':
                        snprintf(arg.name, sizeof arg.name, "%s", optarg);
                        break;
                case 'k':
                        if (hex_decode(optarg, arg.room_key, sizeof arg.room_key) != LP_ROOM_KEY_SIZE)
                                usage();
                        break;
                case 'A':
                        if (hex_decode(optarg, arg.auth_key, sizeof arg.auth_key) != LP_AUTH_KEY_SIZE)
                                usage();
                        arg.have_auth_key = true;
                        break;
                case 't':
                        snprintf(arg.token, sizeof arg.token, "%s", optarg);
                        break;
                case 'w':
                        arg.wrong_proof = true;
                        break;
                case 'a':
                        arg.announce = (unsigned) atoi(optarg);
                        break;
                case 'P':
                        arg.no_pmtud_wait = true;
                        break;
                case 'H':
                        arg.no_hello = true;
                        break;
                case 'D':
                        arg.drop_rx_above = (size_t) atoi(optarg);
                        break;
                case 'S':
                        if (dhcp_server_parse(optarg) < 0)
                                usage();
                        break;
                case 'C':
                        arg.answer_checks = true;
                        break;
                default:
                        usage();
                }
        if (!arg.relay)
                usage();
}

int main(int argc, char **argv) {
        struct sockaddr_storage ss = {0};
        socklen_t slen;
        char host[64], *colon;
        uint8_t buf[2048];
        char line[4096];
        size_t line_len = 0;
        QuicClientConfig cfg;

        parse_args(argc, argv);
        log_set_max_level(getenv("PEER_DEBUG") ? LOG_DEBUG : LOG_WARNING);

        /* IPv4:PORT or [IPv6]:PORT */
        snprintf(host, sizeof host, "%s", arg.relay);
        colon = strrchr(host, ':');
        if (!colon)
                usage();
        *colon = 0;
        if (host[0] == '[') {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;
                size_t n = strlen(host);

                if (n < 3 || host[n - 1] != ']')
                        usage();
                host[n - 1] = 0;
                memmove(host, host + 1, n - 1);
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons((uint16_t) atoi(colon + 1));
                if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
                        usage();
                slen = sizeof *sin6;
        } else {
                struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

                sin->sin_family = AF_INET;
                sin->sin_port = htons((uint16_t) atoi(colon + 1));
                if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
                        usage();
                slen = sizeof *sin;
        }
        if (quic_addr_set(&remote, (const ngtcp2_sockaddr *) &ss, slen) < 0)
                abort();

        fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &ss, slen) < 0) {
                perror("socket");
                return 1;
        }
        /* Path MTU discovery needs unfragmented packets. */
        if (ss.ss_family == AF_INET6)
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &(int) { IPV6_PMTUDISC_DO }, sizeof(int));
        else
                (void) setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &(int) { IP_PMTUDISC_DO }, sizeof(int));
        slen = sizeof ss;
        getsockname(fd, (struct sockaddr *) &ss, &slen);
        quic_addr_set(&local, (const ngtcp2_sockaddr *) &ss, slen);

        control_reader_init(&reader);
        cfg = (QuicClientConfig) {
                .tls = { .hostname = host, .pin = arg.pin },
                .callbacks = {
                        .send = on_send,
                        .handshake_completed = on_handshake,
                        .control_received = on_control,
                        .datagram_received = on_datagram,
                        .closed = on_closed,
                },
        };
        if (quic_conn_new_client(&conn, &cfg, &local, &remote, now_ns()) < 0)
                abort();
        quic_conn_write(conn, now_ns());

        while (!done) {
                struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = STDIN_FILENO, .events = POLLIN } };
                uint64_t now = now_ns(), expiry = quic_conn_get_expiry(conn);
                int timeout = 100;

                if (expiry != UINT64_MAX)
                        timeout = expiry <= now ? 0 : (int) MIN((expiry - now) / 1000000 + 1, (uint64_t) 100);
                if (poll(p, 2, timeout) < 0 && errno != EINTR)
                        break;
                now = now_ns();

                if (p[0].revents & POLLIN)
                        for (;;) {
                                ssize_t n = recv(fd, buf, sizeof buf, 0);
                                if (n < 0)
                                        break;
                                receive_packet(buf, (size_t) n, now);
                        }
                if (p[1].revents & (POLLIN | POLLHUP)) {
                        ssize_t n = read(STDIN_FILENO, line + line_len, sizeof line - 1 - line_len);
                        char *nl;

                        if (n <= 0)
                                done = true;
                        else
                                line_len += (size_t) n;
                        line[line_len] = 0;
                        /* Commands wait for the handshake; lines queue up. */
                        while (established && !done && (nl = strchr(line, '\n'))) {
                                *nl = 0;
                                handle_command(line);
                                line_len -= (size_t) (nl + 1 - line);
                                memmove(line, nl + 1, line_len + 1);
                        }
                        if (line_len == sizeof line - 1)
                                line_len = 0;
                }
                if (established && !done && line_len > 0) {
                        char *nl;

                        while (!done && (nl = strchr(line, '\n'))) {
                                *nl = 0;
                                handle_command(line);
                                line_len -= (size_t) (nl + 1 - line);
                                memmove(line, nl + 1, line_len + 1);
                        }
                }
                if (quic_conn_get_expiry(conn) <= now)
                        quic_conn_handle_expiry(conn, now);
                check_report_if_due(now);

                if (established && !hello_sent && !arg.no_hello &&
                    (arg.no_pmtud_wait || quic_conn_max_datagram_payload(conn) >= PMTUD_TARGET_D ||
                     now_ns() - established_at > PMTUD_WAIT_NSEC))
                        send_hello();
                if (!done)
                        quic_conn_write(conn, now);
        }

        quic_conn_free(conn);
        close(fd);
        return 0;
}
