/* SPDX-License-Identifier: MIT */
/* UDP sockets on the model's stack (Winsock, Microsoft Learn: socket,
 * bind, getsockname, setsockopt, ioctlsocket, sendto, recv), enough for a
 * game's discovery as the party check does it: a datagram goes where the
 * model's routes take it (GetBestRoute2's pick). Through a TAP with an
 * IPv4 address it becomes a frame the application reads; through another
 * interface it leaves the machine, which the log records; a unicast one
 * to a neighbour ARP has not resolved yet asks (arp-model.c). IPv4 UDP frames
 * the application writes to a TAP reach a socket bound to their port when
 * they are for the TAP's address, its network's broadcast or
 * 255.255.255.255. Errors as Winsock has them: SOCKET_ERROR or
 * INVALID_SOCKET, the code set with WSASetLastError(). */
#include <string.h>

#include "model.h"

#define MODEL_SOCKETS_MAX 16
#define MODEL_SOCKET_BASE 0x5000 /* not a handle Windows would hand out */
#define MODEL_SOCKET_QUEUE 16
#define MODEL_EPHEMERAL_PORT 49152 /* the dynamic range's start (RFC 6335; netsh's default) */

typedef struct ModelDatagram {
        uint16_t len;
        uint8_t data[MODEL_FRAME_MAX];
} ModelDatagram;

typedef struct ModelSocket {
        bool used;
        bool broadcast;       /* SO_BROADCAST */
        bool dont_fragment;   /* IP_DONTFRAGMENT */
        uint16_t port;        /* host order; 0: not bound */
        ModelDatagram queue[MODEL_SOCKET_QUEUE];
        unsigned head, n;
} ModelSocket;

static ModelSocket sockets[MODEL_SOCKETS_MAX];
static uint16_t next_port = MODEL_EPHEMERAL_PORT;

static ModelSocket *socket_get(SOCKET s) {
        if (s < MODEL_SOCKET_BASE || s >= MODEL_SOCKET_BASE + MODEL_SOCKETS_MAX ||
            !sockets[s - MODEL_SOCKET_BASE].used)
                return NULL;
        return &sockets[s - MODEL_SOCKET_BASE];
}

static int fail(int wsa) {
        WSASetLastError(wsa);
        return SOCKET_ERROR;
}

SOCKET WSAAPI model_socket(int af, int type, int protocol) {
        SOCKET r = INVALID_SOCKET;

        if (af != AF_INET || type != SOCK_DGRAM || (protocol != 0 && protocol != IPPROTO_UDP)) {
                WSASetLastError(WSAEAFNOSUPPORT);
                return INVALID_SOCKET;
        }
        model_lock();
        for (size_t k = 0; k < MODEL_SOCKETS_MAX; k++)
                if (!sockets[k].used) {
                        sockets[k] = (ModelSocket) { .used = true };
                        r = MODEL_SOCKET_BASE + k;
                        break;
                }
        model_unlock();
        if (r == INVALID_SOCKET)
                WSASetLastError(WSAEMFILE);
        return r;
}

int WSAAPI model_closesocket(SOCKET s) {
        ModelSocket *m;

        model_lock();
        m = socket_get(s);
        if (m)
                m->used = false;
        model_unlock();
        return m ? 0 : fail(WSAENOTSOCK);
}

/* An unbound socket gets a port at bind() with port 0, or at its first
 * sendto() (Microsoft Learn, sendto: "the system assigns a unique
 * name"). */
static void port_assign(ModelSocket *m) {
        if (m->port == 0)
                m->port = next_port++;
}

int WSAAPI model_bind(SOCKET s, const struct sockaddr *name, int namelen) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *) name;
        ModelSocket *m;
        int r = 0;

        if (!name || namelen < (int) sizeof(struct sockaddr_in) || sin->sin_family != AF_INET)
                return fail(WSAEFAULT);
        model_lock();
        m = socket_get(s);
        if (!m)
                r = fail(WSAENOTSOCK);
        else if (m->port != 0)
                r = fail(WSAEINVAL); /* already bound */
        else if (sin->sin_port != 0)
                m->port = ntohs(sin->sin_port);
        else
                port_assign(m);
        model_unlock();
        return r;
}

int WSAAPI model_getsockname(SOCKET s, struct sockaddr *name, int *namelen) {
        struct sockaddr_in sin = { .sin_family = AF_INET };
        ModelSocket *m;
        int r = 0;

        if (!name || !namelen || *namelen < (int) sizeof(sin))
                return fail(WSAEFAULT);
        model_lock();
        m = socket_get(s);
        if (!m)
                r = fail(WSAENOTSOCK);
        else if (m->port == 0)
                r = fail(WSAEINVAL); /* not bound */
        else {
                sin.sin_port = htons(m->port);
                memcpy(name, &sin, sizeof(sin));
                *namelen = sizeof(sin);
        }
        model_unlock();
        return r;
}

int WSAAPI model_setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen) {
        ModelSocket *m;
        int r = 0;

        if (!optval || optlen < (int) sizeof(BOOL))
                return fail(WSAEFAULT);
        model_lock();
        m = socket_get(s);
        if (!m)
                r = fail(WSAENOTSOCK);
        else if (level == SOL_SOCKET && optname == SO_BROADCAST)
                m->broadcast = *(const BOOL *) optval != 0;
        else if (level == IPPROTO_IP && optname == IP_DONTFRAGMENT)
                m->dont_fragment = *(const DWORD *) optval != 0;
        else
                r = fail(WSAENOPROTOOPT);
        model_unlock();
        return r;
}

/* Model sockets never block: FIONBIO is accepted and changes nothing. */
int WSAAPI model_ioctlsocket(SOCKET s, long cmd, u_long *argp) {
        ModelSocket *m;

        model_lock();
        m = socket_get(s);
        model_unlock();
        if (!m)
                return fail(WSAENOTSOCK);
        return cmd == (long) FIONBIO && argp ? 0 : fail(WSAEINVAL);
}

static bool if_ipv4(const ModelIf *i, uint8_t ret_addr[4], uint8_t *ret_plen) {
        for (size_t k = 0; k < i->n_addrs; k++)
                if (i->addrs[k].family == AF_INET) {
                        memcpy(ret_addr, i->addrs[k].bytes, 4);
                        *ret_plen = i->addrs[k].plen;
                        return true;
                }
        return false;
}

static uint32_t be32(const uint8_t b[4]) {
        return (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8 | b[3];
}

static bool is_broadcast_for(const uint8_t dst[4], const uint8_t addr[4], uint8_t plen) {
        uint32_t mask = plen == 0 ? 0 : UINT32_MAX << (32 - plen);

        return be32(dst) == UINT32_MAX || (plen < 31 && be32(dst) == (be32(addr) | ~mask));
}

int WSAAPI model_sendto(SOCKET s, const char *buf, int len, int flags, const struct sockaddr *to, int tolen) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *) to;
        SOCKADDR_INET dst = {}, source;
        MIB_IPFORWARD_ROW2 route;
        uint8_t frame[MODEL_FRAME_MAX], dmac[6], src[4], d[4], plen;
        char ab[64], alias[64];
        ModelSocket *m;
        ModelIf *i;
        DWORD e;
        int r = len;

        if (!to || tolen < (int) sizeof(struct sockaddr_in) || sin->sin_family != AF_INET || len < 0 || (len && !buf))
                return fail(WSAEFAULT);
        memcpy(d, &sin->sin_addr, 4);
        dst.Ipv4 = *sin;
        /* The route before the lock: GetBestRoute2 takes it itself. */
        e = model_GetBestRoute2(NULL, 0, NULL, &dst, 0, &route, &source);

        model_lock();
        m = socket_get(s);
        if (!m) {
                model_unlock();
                return fail(WSAENOTSOCK);
        }
        port_assign(m);
        i = e == NO_ERROR ? model_if_by_luid(&route.InterfaceLuid) : NULL;
        if (!i)
                r = fail(WSAENETUNREACH);
        else if (!if_ipv4(i, src, &plen) && i->adapter)
                r = fail(WSAEADDRNOTAVAIL);
        /* sendto: "WSAEACCES: the requested address is a broadcast
         * address, but the appropriate flag was not set". */
        else if (i->adapter && is_broadcast_for(d, src, plen) && !m->broadcast)
                r = fail(WSAEACCES);
        /* IP_DONTFRAGMENT: larger than the interface MTU is WSAEMSGSIZE.
         * Without it Windows would fragment; the model sends no fragments
         * and says so. */
        else if (i->adapter && (size_t) len + 28 > i->row[0].NlMtu) {
                r = fail(WSAEMSGSIZE);
                if (!m->dont_fragment)
                        model_log("udp-unmodelled", "fragmenting %d bytes for MTU %lu", len,
                                  (unsigned long) i->row[0].NlMtu);
        } else if (!i->adapter) {
                /* Leaves by another interface: not the party's. */
                (void) WideCharToMultiByte(CP_UTF8, 0, i->alias, -1, alias, sizeof(alias), NULL, NULL);
                model_log("udp-out", "if=\"%s\" dst=%s port=%u len=%d", alias, model_addr_str(AF_INET, d, ab, sizeof(ab)),
                          ntohs(sin->sin_port), len);
        } else if (!is_broadcast_for(d, src, plen) && (d[0] & 0xF0) != 0xE0 && !model_arp_resolve(i, src, d, dmac))
                /* Windows holds it until ARP answers; the model drops it. */
                model_log("udp-unresolved", "dst=%s", model_addr_str(AF_INET, d, ab, sizeof(ab)));
        else {
                size_t n;

                if (!is_broadcast_for(d, src, plen) && (d[0] & 0xF0) != 0xE0)
                        ; /* dmac: the neighbour's */
                else if ((d[0] & 0xF0) == 0xE0) { /* RFC 1112 6.4: 01:00:5e + the group's low 23 bits */
                        const uint8_t mc[6] = { 0x01, 0x00, 0x5e, d[1] & 0x7f, d[2], d[3] };

                        memcpy(dmac, mc, 6);
                } else
                        memset(dmac, 0xff, 6);
                n = model_frame_udp4(frame, i->mac, dmac, src, d, m->port, ntohs(sin->sin_port), (const uint8_t *) buf,
                                     (size_t) len);
                (void) model_tap_stack_send(i->adapter, frame, n);
        }
        model_unlock();
        return r;
}

int WSAAPI model_recv(SOCKET s, char *buf, int len, int flags) {
        ModelDatagram *q;
        ModelSocket *m;
        int r;

        model_lock();
        m = socket_get(s);
        if (!m)
                r = fail(WSAENOTSOCK);
        else if (m->n == 0)
                r = fail(WSAEWOULDBLOCK);
        else {
                q = &m->queue[m->head];
                m->head = (m->head + 1) % MODEL_SOCKET_QUEUE;
                m->n--;
                /* recv: a datagram larger than buf is cut, WSAEMSGSIZE. */
                if (q->len > len)
                        r = fail(WSAEMSGSIZE);
                else {
                        memcpy(buf, q->data, q->len);
                        r = q->len;
                }
        }
        model_unlock();
        return r;
}

/* Called with the lock held (model_stack_receive()). */
void model_udp_receive(ModelIf *i, const uint8_t *f, size_t len) {
        uint8_t addr[4], plen;
        bool allowed;
        const uint8_t *ip, *udp;
        size_t ihl, ulen;
        uint16_t port;

        if (len < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00)
                return;
        ip = f + 14;
        ihl = (size_t) (ip[0] & 0x0F) * 4;
        if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 17 || len < 14 + ihl + 8 || (ip[6] & 0x3F) || ip[7])
                return;
        if (!if_ipv4(i, addr, &plen) || (!is_broadcast_for(ip + 16, addr, plen) && memcmp(ip + 16, addr, 4) != 0))
                return;
        udp = ip + ihl;
        ulen = (size_t) (udp[4] << 8 | udp[5]);
        if (ulen < 8 || 14 + ihl + ulen > len)
                return;
        port = (uint16_t) (udp[2] << 8 | udp[3]);
        /* Windows Defender Firewall blocks inbound traffic that no rule
         * allows; the rule for client.exe covers some profiles only when
         * the player answered the first-use prompt for private networks
         * (its default) instead of the installer adding it for all. */
        if (model_net_inbound_allowed(i, model.settings.firewall_client_profiles, &allowed) == 0 && !allowed) {
                model_log("udp-blocked", "port=%u reason=firewall", port);
                return;
        }
        for (size_t k = 0; k < MODEL_SOCKETS_MAX; k++) {
                ModelSocket *m = &sockets[k];
                ModelDatagram *q;

                if (!m->used || m->port != port || m->n == MODEL_SOCKET_QUEUE)
                        continue;
                q = &m->queue[(m->head + m->n) % MODEL_SOCKET_QUEUE];
                q->len = (uint16_t) (ulen - 8);
                memcpy(q->data, udp + 8, ulen - 8);
                m->n++;
                model_log("udp-in", "port=%u len=%zu", port, ulen - 8);
                return;
        }
}
