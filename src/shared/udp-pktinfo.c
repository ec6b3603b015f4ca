/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "udp-pktinfo.h"

#include <errno.h>
#include <string.h>

/* The control message has `size` bytes of data and lies inside the
 * buffer, as far as it says it reaches. */
static bool cmsg_fits(const struct msghdr *mh, const struct cmsghdr *c, size_t size) {
        size_t offset = (size_t) ((const char *) c - (const char *) mh->msg_control);

        return offset <= mh->msg_controllen && c->cmsg_len >= CMSG_LEN(size) &&
               c->cmsg_len <= mh->msg_controllen - offset;
}

int udp_pktinfo_local(const struct msghdr *mh, const struct sockaddr *bound, socklen_t bound_len,
                      struct sockaddr_storage *ret, socklen_t *ret_len) {
        const struct in_pktinfo *v4 = NULL;
        const struct in6_pktinfo *v6 = NULL;
        struct sockaddr_storage a;

        if (!mh || !bound || !ret || !ret_len || bound_len > sizeof(a))
                return -EINVAL;
        if ((bound->sa_family == AF_INET && bound_len != sizeof(struct sockaddr_in)) ||
            (bound->sa_family == AF_INET6 && bound_len != sizeof(struct sockaddr_in6)))
                return -EINVAL;
        if (bound->sa_family != AF_INET && bound->sa_family != AF_INET6)
                return -EAFNOSUPPORT;
        if (mh->msg_flags & MSG_CTRUNC)
                return -ENODATA; /* what is there may be cut short */

        /* CMSG_NXTHDR() stops at a header whose length runs past the
         * buffer or is shorter than a header; the payload sizes are ours
         * to check. */
        for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *) mh); c; c = CMSG_NXTHDR((struct msghdr *) mh, c)) {
                if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
                    cmsg_fits(mh, c, sizeof(struct in_pktinfo)))
                        v4 = (const struct in_pktinfo *) CMSG_DATA(c);
                else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
                         cmsg_fits(mh, c, sizeof(struct in6_pktinfo)))
                        v6 = (const struct in6_pktinfo *) CMSG_DATA(c);
        }

        memcpy(&a, bound, bound_len);
        if (bound->sa_family == AF_INET) {
                struct in_pktinfo p;

                if (!v4)
                        return -ENODATA;
                memcpy(&p, v4, sizeof(p)); /* CMSG_DATA() need not be aligned for it */
                ((struct sockaddr_in *) &a)->sin_addr = p.ipi_addr;
        } else {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &a;

                if (v6) {
                        struct in6_pktinfo p;

                        memcpy(&p, v6, sizeof(p));
                        sin6->sin6_addr = p.ipi6_addr;
                        sin6->sin6_scope_id = IN6_IS_ADDR_LINKLOCAL(&p.ipi6_addr) ? (uint32_t) p.ipi6_ifindex : 0;
                } else if (v4) {
                        /* IPv4 on a dual-stack socket that asked only for IP_PKTINFO. */
                        struct in_pktinfo p;

                        memcpy(&p, v4, sizeof(p));
                        memset(&sin6->sin6_addr, 0, sizeof(sin6->sin6_addr));
                        sin6->sin6_addr.s6_addr[10] = 0xff;
                        sin6->sin6_addr.s6_addr[11] = 0xff;
                        memcpy(&sin6->sin6_addr.s6_addr[12], &p.ipi_addr, 4);
                        sin6->sin6_scope_id = 0;
                } else
                        return -ENODATA;
                sin6->sin6_flowinfo = 0;
        }
        *ret = a;
        *ret_len = bound_len;
        return 0;
}

int udp_source_from_sockaddr(const struct sockaddr *sa, socklen_t len, UdpSource *ret) {
        if (!ret)
                return -EINVAL;
        *ret = (UdpSource) {.family = AF_UNSPEC};
        if (!sa)
                return 0;
        switch (sa->sa_family) {
        case AF_INET: {
                const struct sockaddr_in *in = (const struct sockaddr_in *) sa;

                if (len != sizeof(*in))
                        return -EINVAL;
                if (in->sin_addr.s_addr != htonl(INADDR_ANY))
                        *ret = (UdpSource) {.family = AF_INET, .in = in->sin_addr};
                return 0;
        }
        case AF_INET6: {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;

                if (len != sizeof(*in6))
                        return -EINVAL;
                if (!IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
                        *ret = (UdpSource) {
                                .family = AF_INET6,
                                .in6 = in6->sin6_addr,
                                .ifindex = IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) ? in6->sin6_scope_id : 0,
                        };
                return 0;
        }
        default:
                return -EAFNOSUPPORT;
        }
}

bool udp_source_equal(const UdpSource *a, const UdpSource *b) {
        if (a->family != b->family)
                return false;
        switch (a->family) {
        case AF_INET:
                return a->in.s_addr == b->in.s_addr;
        case AF_INET6:
                return a->ifindex == b->ifindex && memcmp(&a->in6, &b->in6, sizeof(a->in6)) == 0;
        default:
                return true;
        }
}

size_t udp_source_put_cmsg(const UdpSource *src, struct cmsghdr *c) {
        switch (src->family) {
        case AF_INET: {
                /* ipi_spec_dst is the source; ifindex 0 lets the route
                 * pick the way out, as for any other packet. */
                struct in_pktinfo p = {.ipi_spec_dst = src->in};

                c->cmsg_level = IPPROTO_IP;
                c->cmsg_type = IP_PKTINFO;
                c->cmsg_len = CMSG_LEN(sizeof(p));
                memcpy(CMSG_DATA(c), &p, sizeof(p));
                return CMSG_SPACE(sizeof(p));
        }
        case AF_INET6: {
                /* A v4-mapped source works on a dual-stack socket sending
                 * to a v4-mapped peer (the kernel's ip_cmsg_send()). */
                struct in6_pktinfo p = {.ipi6_addr = src->in6, .ipi6_ifindex = src->ifindex};

                c->cmsg_level = IPPROTO_IPV6;
                c->cmsg_type = IPV6_PKTINFO;
                c->cmsg_len = CMSG_LEN(sizeof(p));
                memcpy(CMSG_DATA(c), &p, sizeof(p));
                return CMSG_SPACE(sizeof(p));
        }
        default:
                return 0;
        }
}
