/* SPDX-License-Identifier: MIT */
/* The Linux TAP backend: /dev/net/tun in TAP mode without the packet-info
 * prefix, so every read and write is exactly one Ethernet frame. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ether.h"
#include "frame-device.h"
#include "log.h"

#define TUN_PATH "/dev/net/tun"
#define TAP_DEFAULT_NAME "lanparty%d"

#define log_tap_errno(level, error, ifname, ...) \
        log_fields_errno(level, error, LOG_FIELDS({ "INTERFACE", ifname }), __VA_ARGS__)

typedef struct TapState {
        int fd;
        char name[IFNAMSIZ];
} TapState;

/* The kernel's own rules (dev_valid_name()), checked here so a bad name is
 * reported as such and not as a cryptic EINVAL from TUNSETIFF. */
static bool ifname_is_valid(const char *name) {
        size_t n = strlen(name);

        if (n == 0 || n >= IFNAMSIZ)
                return false;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) name[i];
                if (c == '/' || c == ':' || c <= ' ' || c == 0x7f)
                        return false;
        }
        return true;
}

/* Interface ioctls by name go through any socket; AF_NETLINK exists even
 * on kernels built without IPv4. */
static int ifreq_ioctl(unsigned long request, struct ifreq *ifr) {
        _cleanup_close_ int s = -EBADF;

        s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -errno;
        if (ioctl(s, request, ifr) < 0)
                return -errno;
        return 0;
}

static void ifreq_init(struct ifreq *ifr, const char *name) {
        *ifr = (struct ifreq) {};
        /* Names were checked to fit IFNAMSIZ with the NUL. */
        memcpy(ifr->ifr_name, name, strnlen(name, IFNAMSIZ - 1));
}

static int tap_set_mtu(void *state, uint32_t mtu) {
        TapState *s = state;
        struct ifreq ifr;
        int r;

        ifreq_init(&ifr, s->name);
        ifr.ifr_mtu = (int) mtu;
        r = ifreq_ioctl(SIOCSIFMTU, &ifr);
        if (r < 0)
                return log_tap_errno(LOG_ERR, r, s->name, "Failed to set MTU of %s to %" PRIu32 ": %m", s->name,
                                     mtu);
        log_tap_errno(LOG_DEBUG, 0, s->name, "MTU of %s set to %" PRIu32 ".", s->name, mtu);
        return 0;
}

static int tap_set_admin_up(TapState *s) {
        struct ifreq ifr;
        int r;

        ifreq_init(&ifr, s->name);
        r = ifreq_ioctl(SIOCGIFFLAGS, &ifr);
        if (r < 0)
                return log_tap_errno(LOG_ERR, r, s->name, "Failed to read flags of %s: %m", s->name);
        if (ifr.ifr_flags & IFF_UP)
                return 0;
        ifr.ifr_flags |= IFF_UP;
        r = ifreq_ioctl(SIOCSIFFLAGS, &ifr);
        if (r < 0)
                return log_tap_errno(LOG_ERR, r, s->name, "Failed to bring %s up: %m", s->name);
        return 0;
}

static int tap_set_link(void *state, bool up) {
        TapState *s = state;
        int carrier = up, r;

        if (up) {
                r = tap_set_admin_up(s);
                if (r < 0)
                        return r;
        }
        /* Only the carrier goes down: taking the interface down would flush
         * its addresses and every route through it. */
        if (ioctl(s->fd, TUNSETCARRIER, &carrier) < 0) {
                /* Kernels before 5.0 lack TUNSETCARRIER; their TAP has its
                 * carrier on while we hold it open, which is all "up" needs. */
                if (up && (errno == EINVAL || errno == ENOTTY)) {
                        log_tap_errno(LOG_DEBUG, errno, s->name, "Cannot set carrier of %s, ignoring: %m", s->name);
                        return 0;
                }
                return log_tap_errno(LOG_ERR, errno, s->name, "Failed to set carrier of %s %s: %m", s->name,
                                     up ? "on" : "off");
        }
        log_tap_errno(LOG_DEBUG, 0, s->name, "Link of %s %s.", s->name, up ? "up" : "down (carrier off)");
        return 0;
}

static int tap_open_device(TapState *s, const char *name_hint) {
        _cleanup_close_ int fd = -EBADF;
        struct ifreq ifr;

        fd = open(TUN_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
                        return log_tap_errno(LOG_ERR, errno, name_hint,
                                             "Cannot open " TUN_PATH ": %m. The kernel's TUN/TAP driver is "
                                             "missing; load it with 'modprobe tun'.");
                if (errno == EACCES || errno == EPERM)
                        return log_tap_errno(LOG_ERR, errno, name_hint,
                                             "Cannot open " TUN_PATH ": %m. Creating a TAP needs "
                                             "CAP_NET_ADMIN (run as root).");
                return log_tap_errno(LOG_ERR, errno, name_hint, "Cannot open " TUN_PATH ": %m");
        }

        ifreq_init(&ifr, name_hint);
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                int e = errno;

                if (e == EPERM || e == EACCES)
                        return log_tap_errno(LOG_ERR, e, name_hint,
                                             "Cannot create TAP %s: %m. This needs CAP_NET_ADMIN (run as root).",
                                             name_hint);
                if (e == EBUSY)
                        return log_tap_errno(LOG_ERR, e, name_hint,
                                             "Cannot create TAP %s: the name is in use by another program "
                                             "(another lanparty-client?). Pick another interface name.",
                                             name_hint);
                /* TUNSETIFF says EINVAL when the name belongs to an interface
                 * of another kind. */
                if (e == EINVAL && !strchr(name_hint, '%') && if_nametoindex(name_hint) > 0)
                        return log_tap_errno(LOG_ERR, EEXIST, name_hint,
                                             "Cannot create TAP %s: an interface of another kind has that "
                                             "name. Pick another interface name.",
                                             name_hint);
                return log_tap_errno(LOG_ERR, e, name_hint, "Cannot create TAP %s: %m", name_hint);
        }

        memcpy(s->name, ifr.ifr_name, IFNAMSIZ);
        s->name[IFNAMSIZ - 1] = '\0';
        s->fd = TAKE_FD(fd);
        return 0;
}

static void tap_close(void *state) {
        TapState *s = state;

        if (s->fd >= 0)
                close(s->fd);
        s->fd = -EBADF;
}

/* Closing the only fd removes a non-persistent TAP again. */
DEFINE_TRIVIAL_CLEANUP_FUNC(TapState *, tap_close);

static int tap_open(void *state, const char *name_hint, const MacAddr *mac, uint32_t mtu, char *name,
                    size_t name_size, uint32_t *ret_index) {
        _cleanup_(tap_closep) TapState *s = NULL;
        char mac_str[LP_MAC_STR_MAX];
        struct ifreq ifr;
        unsigned idx;
        int r;

        ((TapState *) state)->fd = -EBADF;
        if (!name_hint)
                name_hint = TAP_DEFAULT_NAME;
        if (!ifname_is_valid(name_hint))
                return log_tap_errno(LOG_ERR, EINVAL, name_hint,
                                     "Invalid interface name \"%s\": 1-%d characters, no '/', ':' or spaces.",
                                     name_hint, IFNAMSIZ - 1);

        r = tap_open_device(state, name_hint);
        if (r < 0)
                return r;
        s = state;

        /* The MAC goes on before the link is up, so neighbours never see the
         * random address the kernel picked. */
        ifreq_init(&ifr, s->name);
        ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
        memcpy(ifr.ifr_hwaddr.sa_data, mac->bytes, LP_MAC_LEN);
        if (ioctl(s->fd, SIOCSIFHWADDR, &ifr) < 0)
                return log_tap_errno(LOG_ERR, errno, s->name, "Failed to set MAC of %s to %s: %m", s->name,
                                     mac_to_string(mac, mac_str));

        r = tap_set_mtu(s, mtu);
        if (r < 0)
                return r;
        r = tap_set_link(s, true);
        if (r < 0)
                return r;

        idx = if_nametoindex(s->name);
        if (idx == 0)
                return log_tap_errno(LOG_ERR, errno, s->name, "Failed to look up index of %s: %m", s->name);

        snprintf(name, name_size, "%s", s->name);
        *ret_index = idx;
        log_tap_errno(LOG_INFO, 0, s->name, "TAP %s is up with MAC %s, MTU %" PRIu32 ".", s->name,
                      mac_to_string(mac, mac_str), mtu);
        TAKE_PTR(s);
        return 0;
}

/* errno of a read or write as frame_device_read()'s contract has it. The
 * kernel detaches the fd when the interface is deleted under us
 * (`ip link del`): tun_chr_read_iter() and tun_chr_write_iter() then say
 * EBADFD, and poll reports POLLERR, for good. */
static int tap_errno(int e) {
        if (e == EWOULDBLOCK)
                return -EAGAIN;
        if (e == EBADFD)
                return -ENODEV;
        return -e;
}

static int tap_read(void *state, uint8_t *buf, size_t size) {
        TapState *s = state;
        uint8_t spare;
        /* The driver cuts a frame to the buffer and reports only what it
         * copied; one byte more than the caller asked for tells a frame
         * that fit from one that did not. */
        struct iovec iov[2] = {
                { .iov_base = buf, .iov_len = size },
                { .iov_base = &spare, .iov_len = sizeof(spare) },
        };
        ssize_t n;

        n = readv(s->fd, iov, ELEMENTSOF(iov));
        if (n < 0)
                return tap_errno(errno);
        if ((size_t) n > size || n > INT32_MAX)
                return -EMSGSIZE;
        if (n == 0)
                return -EAGAIN;
        return (int) n;
}

static int tap_write(void *state, const uint8_t *frame, size_t len) {
        TapState *s = state;
        ssize_t n;

        n = write(s->fd, frame, len);
        if (n < 0)
                return tap_errno(errno);
        if ((size_t) n != len)
                return -EIO;
        return 0;
}

static FrameDeviceWaitable tap_get_waitable(const void *state) {
        const TapState *s = state;

        return (FrameDeviceWaitable) { .fd = s->fd, .handle = NULL };
}

const FrameDeviceBackend frame_device_backend_tap = {
        .type = FRAME_DEVICE_TAP,
        .state_size = sizeof(TapState),
        .open = tap_open,
        .close = tap_close,
        .read = tap_read,
        .write = tap_write,
        .set_mtu = tap_set_mtu,
        .set_link = tap_set_link,
        .get_waitable = tap_get_waitable,
};
