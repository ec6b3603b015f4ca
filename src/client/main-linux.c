/* SPDX-License-Identifier: MIT */
/* lanparty-client for Linux: the platform half around client-core.c. It
 * resolves the relay, pins the route to it before the TAP exists (so a
 * default route the party's DHCP hands out cannot swallow the tunnel),
 * opens the TAP with the persistent virtual MAC, and runs one poll() loop
 * over the UDP socket, the TAP, a signalfd and the core's timer.
 *
 * poll() rather than sd-event: four file descriptors and one timer do not
 * need an event library, the client then needs no libsystemd at all, and
 * the loop has the same shape as client.exe's WaitForMultipleObjects one.
 * What happens around the wait (timers, checks, status lines, which relay
 * address to try, moving to a new source address) is client-loop.c's, and
 * the start-up client-setup.c's, both shared with client.exe.
 *
 * Status lines for people go to stdout (line-buffered, so a script can
 * follow them); logs go to stderr. Stdin is read only for an invite link
 * given as "-", up to the end of its line: after that the program runs
 * happily in the background. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check-run.h"
#include "client-core.h"
#include "client-loop.h"
#include "client-setup.h"
#include "client-status.h"
#include "client-win-args.h"
#include "ipv4-autoconf.h"
#include "control.h"
#include "ether.h"
#include "frame-device.h"
#include "invite-input.h"
#include "invite.h"
#include "log.h"
#include "relay-resolve.h"
#include "route.h"
#include "udp-send.h"

#define PROGRAM_NAME "lanparty-client"
#define TAP_NAME_DEFAULT "lanparty%d"
/* Packets read with one recvmmsg(), and rounds of it per wakeup. */
#define UDP_RECV_BATCH 16
#define UDP_RECV_ROUNDS 16
#define UDP_RECV_BUFFER 4096
#define CAP_NET_ADMIN_BIT 12

#define EXIT_USAGE 2

typedef struct Args {
        const char *tap_name;
        const char *name;
        const char *state_dir;
        FrameDeviceType device_type;
        bool verbose;
        bool accept_party_gateway;
        bool check_only;         /* --check: join, run the party check once, leave */
        unsigned check_timeout_sec; /* --check-timeout: give up after this long without a check */
        char *link;              /* the argument: a link, or "-" for stdin */
        const char *invite_file; /* --invite-file: a path, or "-" */
} Args;

typedef struct Client {
        Args args;
        Invite invite;
        char link[INVITE_INPUT_LINK_MAX];
        ClientSetup setup; /* the MAC, the routes, the device, the core */
        int udp_fd;
        int candidate_fd; /* the path check's new socket, until it moves or is dropped */
        int signal_fd;
        ClientLoop loop;
        uint64_t send_drops_seen;

        /* The party check: once automatically when the TAP has an IPv4
         * address while joined, again on SIGUSR1; with --check, then leave. */
        PartyCheck *check;
        bool check_done;      /* the automatic one ran */
        bool check_requested; /* SIGUSR1 */
        uint64_t joined_at;   /* when --check's wait for an address began; 0: not joined */
        uint64_t check_give_up_at;
        bool check_failed;

        struct iovec recv_iovs[UDP_RECV_BATCH];
        struct mmsghdr recv_msgs[UDP_RECV_BATCH];
        uint8_t recv_bufs[UDP_RECV_BATCH][UDP_RECV_BUFFER];

        /* What QUIC wrote since the last flush_sends(): one sendmmsg(),
         * a batch of frames from the TAP as UDP GSO messages. */
        UdpSendBatch send;
} Client;

DEFINE_TRIVIAL_CLEANUP_FUNC(FILE *, fclose);

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * QUIC_NS_PER_SEC + (uint64_t) ts.tv_nsec;
}

static void status(const char *format, ...) _printf_(1, 2);
static void status(const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

/* ---- addresses ------------------------------------------------------------------ */

static int relay_lookup(void *userdata, QuicAddr *ret) {
        Client *c = userdata;
        char reason[128];
        int r;

        r = relay_resolve(&c->invite, ret, reason, sizeof(reason));
        if (r == -EAFNOSUPPORT)
                log_warning("Relay %s has no IPv4 or IPv6 address.", c->invite.host);
        return r;
}

/* ---- callbacks from the core ---------------------------------------------------- */

static void flush_sends(Client *c) {
        (void) udp_send_batch_flush(&c->send, c->udp_fd);
}

static int on_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        Client *c = userdata;

        /* The socket is connected to the relay, from path->local: after a
         * migration (client_loop_path_check()) it is the new one. */
        if (c->udp_fd < 0)
                return -EBADF;
        return udp_send_batch_add(&c->send, c->udp_fd, NULL, 0, NULL, 0, data, len);
}

/* A UDP socket connected to the relay, and the local address the kernel
 * chose for it: the source of the current route's preferred address.
 * Errors are returned, not logged (a path check asks every second). */
static int relay_socket_open(const QuicAddr *remote, int *ret_fd, QuicAddr *ret_local) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int r;

        fd = socket(remote->sa.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
        if (fd < 0)
                return -errno;
        /* QUIC must not be fragmented (RFC 9000, 14): a path MTU probe
         * too big for the path has to get lost, not arrive in pieces. */
        r = udp_socket_forbid_fragments(fd, remote->sa.sa.sa_family);
        if (r < 0)
                log_warning_errno(r, "Failed to forbid fragmentation on the relay socket, ignoring: %m");
        /* Connected: the kernel picks the source address of the current
         * path for us, and ICMP errors come back to this socket. */
        if (connect(fd, &remote->sa.sa, remote->len) < 0)
                return -errno;
        if (getsockname(fd, (struct sockaddr *) &ss, &sl) < 0)
                return -errno;
        r = quic_addr_set(ret_local, (const ngtcp2_sockaddr *) &ss, (ngtcp2_socklen) sl);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int on_connect(ClientCore *core, QuicAddr *ret_local, QuicAddr *ret_remote, void *userdata) {
        Client *c = userdata;
        char text[CLIENT_ADDRESS_TEXT_MAX];
        QuicAddr remote, local;
        int fd, r;

        r = client_loop_next_relay(&c->loop, &remote);
        if (r < 0)
                return r;
        r = relay_socket_open(&remote, &fd, &local);
        if (r < 0)
                return log_warning_errno(r, "Cannot reach relay %s: %m", client_addr_to_text(&remote, text));

        if (c->udp_fd >= 0) {
                flush_sends(c); /* the old connection's last words */
                close(c->udp_fd);
        }
        c->udp_fd = fd;
        *ret_local = local;
        *ret_remote = remote;
        client_loop_relay_connected(&c->loop, &remote, &local, client_addr_to_text(&remote, text));
        return 0;
}

/* Whether `a` is an address of our own TAP: a route to the relay through
 * the tunnel (the pin gone, the party's default route let in) must not
 * take the connection along. */
static bool address_on_device(Client *c, const QuicAddr *a) {
        struct ifaddrs *ifa = NULL;
        bool found = false;

        if (frame_device_get_type(c->setup.device) != FRAME_DEVICE_TAP || getifaddrs(&ifa) < 0)
                return false;
        for (struct ifaddrs *i = ifa; i && !found; i = i->ifa_next) {
                if (!i->ifa_addr || strcmp(i->ifa_name, frame_device_get_name(c->setup.device)) != 0)
                        continue;
                if (i->ifa_addr->sa_family == AF_INET && a->sa.sa.sa_family == AF_INET)
                        found = ((struct sockaddr_in *) i->ifa_addr)->sin_addr.s_addr == a->sa.in.sin_addr.s_addr;
                else if (i->ifa_addr->sa_family == AF_INET6 && a->sa.sa.sa_family == AF_INET6)
                        found = memcmp(&((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr, &a->sa.in6.sin6_addr,
                                       sizeof(struct in6_addr)) == 0;
        }
        freeifaddrs(ifa);
        return found;
}

/* ---- the path check (client_loop_path_check()) --------------------------------- */

static int path_open(void *userdata, const QuicAddr *relay, QuicAddr *ret_local) {
        Client *c = userdata;

        if (c->udp_fd < 0)
                return -EBADF;
        return relay_socket_open(relay, &c->candidate_fd, ret_local);
}

static bool path_on_device(void *userdata, const QuicAddr *local) {
        return address_on_device(userdata, local);
}

static void path_swap(void *userdata) {
        Client *c = userdata;
        int fd = c->udp_fd;

        flush_sends(c);
        c->udp_fd = c->candidate_fd;
        c->candidate_fd = fd;
}

static void path_drop(void *userdata) {
        Client *c = userdata;

        if (c->candidate_fd >= 0)
                close(c->candidate_fd);
        c->candidate_fd = -EBADF;
}

static void on_check_message(ClientCore *core, const ControlMessage *m, void *userdata) {
        Client *c = userdata;

        if (m->type == CONTROL_TYPE_CHECK_REPORT)
                party_check_on_report(c->check, &m->check_report);
}

static void on_event(ClientCore *core, const ClientEvent *e, void *userdata) {
        Client *c = userdata;
        char line[CLIENT_STATUS_LINE_MAX + 64];

        if (e->type == CLIENT_EVENT_JOINED) {
                c->joined_at = now_ns();
                /* One automatic check per join: after a reconnect the
                 * way to the party may have changed (another relay
                 * address, a gateway that came back). */
                c->check_done = false;
        } else if (e->type == CLIENT_EVENT_DISCONNECTED || e->type == CLIENT_EVENT_STOPPED) {
                c->joined_at = 0;
                if (c->check && party_check_cancel(c->check)) {
                        /* Not done: --check waits for the rejoin (or its give-up). */
                        c->check_done = false;
                        if (e->type == CLIENT_EVENT_DISCONNECTED)
                                status("Party check interrupted: the connection to the relay dropped; it runs "
                                       "again after the rejoin.");
                }
        }

        if (client_status_event(e, line, sizeof(line)) > 0)
                status("%s", line);
        c->loop.status_dirty = true;
}

/* ---- periodic work -------------------------------------------------------------- */

/* ---- callbacks from the loop ---------------------------------------------------- */

static void loop_say(void *userdata, const char *line) {
        status("%s", line);
}

/* The first IPv4 address of the TAP, as DHCP (or the user) put it there. */
static void device_address_update(void *userdata) {
        Client *c = userdata;
        struct ifaddrs *ifa = NULL;
        char text[INET_ADDRSTRLEN] = "";

        if (frame_device_get_type(c->setup.device) != FRAME_DEVICE_TAP)
                return;
        if (getifaddrs(&ifa) < 0) {
                log_debug_errno(errno, "getifaddrs() failed, ignoring: %m");
                return;
        }
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
                if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
                    strcmp(i->ifa_name, frame_device_get_name(c->setup.device)) == 0) {
                        inet_ntop(AF_INET, &((struct sockaddr_in *) i->ifa_addr)->sin_addr, text, sizeof(text));
                        break;
                }
        freeifaddrs(ifa);
        client_core_set_device_ipv4(c->setup.core, text);
}

/* getifaddrs() is cheap: every tick. */
static const ClientLoopOps loop_ops = {
        .address_interval = CLIENT_LOOP_TICK_INTERVAL,
        .say = loop_say,
        .resolve = relay_lookup,
        .address_update = device_address_update,
        .path_open = path_open,
        .path_on_device = path_on_device,
        .path_swap = path_swap,
        .path_drop = path_drop,
};

/* ---- the loop ------------------------------------------------------------------- */

static void process_udp(Client *c, uint64_t now) {
        for (unsigned round = 0; round < UDP_RECV_ROUNDS && c->udp_fd >= 0; round++) {
                int n;

                for (size_t i = 0; i < UDP_RECV_BATCH; i++) {
                        c->recv_iovs[i] = (struct iovec) {.iov_base = c->recv_bufs[i], .iov_len = UDP_RECV_BUFFER};
                        c->recv_msgs[i] = (struct mmsghdr) {.msg_hdr = {.msg_iov = &c->recv_iovs[i], .msg_iovlen = 1}};
                }
                n = recvmmsg(c->udp_fd, c->recv_msgs, UDP_RECV_BATCH, MSG_DONTWAIT, NULL);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                break;
                        /* ICMP errors (ECONNREFUSED, ...) surface here; QUIC
                         * notices a dead relay by itself. */
                        log_debug_errno(errno, "recvmmsg() failed, ignoring: %m");
                        continue;
                }
                /* The socket is connected: every packet is from the last relay. */
                for (int i = 0; i < n && c->udp_fd >= 0 && c->loop.have_last; i++)
                        if (!(c->recv_msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
                                (void) client_core_read_packet(c->setup.core, &c->loop.last, c->recv_bufs[i],
                                                               c->recv_msgs[i].msg_len, now);
                if (n < UDP_RECV_BATCH)
                        break;
        }
        (void) client_core_write(c->setup.core, now);
}

/* ---- the party check ----------------------------------------------------------- */

/* --check waits CLIENT_CHECK_ADDRESS_WAIT_SEC after joining for the TAP's
 * address, then checks anyway (step 4 then says there is no DHCP answer),
 * and gives up when no check has run --check-timeout seconds after the
 * start (CLIENT_CHECK_GIVE_UP_SEC_DEFAULT; the relay unreachable, the room
 * not there yet): a one-shot must end. */

static void check_say(void *userdata, const char *line) {
        status("%s", line);
}

static void check_maybe_start(Client *c, uint64_t now) {
        ClientDiagnostics d;
        bool due;
        int r;

        if (party_check_is_running(c->check) || frame_device_get_type(c->setup.device) != FRAME_DEVICE_TAP ||
            c->loop.stopping)
                return;
        if (c->args.check_only && !c->check_done && now > c->check_give_up_at) {
                status("Party check: not joined to the room with an address after %u s, giving up.",
                       c->args.check_timeout_sec);
                c->check_failed = true;
                client_loop_stop(&c->loop, now);
                return;
        }
        client_core_get_diagnostics(c->setup.core, now, &d);
        if (d.phase != CLIENT_PHASE_JOINED)
                return;
        due = c->check_requested ||
              (!c->check_done && (client_check_address_ready(d.device_ipv4) ||
                                  (c->args.check_only && c->joined_at > 0 && now > c->joined_at &&
                                   now - c->joined_at > CLIENT_CHECK_ADDRESS_WAIT_SEC * QUIC_NS_PER_SEC)));
        if (!due)
                return;
        c->check_requested = false;
        c->check_done = true;
        r = party_check_start(c->check, c->setup.core, c->setup.device, now);
        if (r == -EAGAIN) {
                /* Too soon after the last one: it starts when it may. */
                c->check_requested = true;
                return;
        }
        if (r < 0) {
                status("Party check could not start: %s.", strerror(-r));
                c->check_failed = true;
                if (c->args.check_only)
                        client_loop_stop(&c->loop, now);
        } else
                status("Running the party check on %s (%s)...", frame_device_get_name(c->setup.device),
                       d.device_ipv4[0] ? d.device_ipv4 : "no IPv4 address");
}

static void check_tick(Client *c, uint64_t now) {
        ClientCheckOutcome o;

        if (party_check_tick(c->check, c->setup.core, now, &o) <= 0)
                return;
        client_check_describe(&o, check_say, c);
        c->check_failed = !client_check_passed(&o);
        if (c->args.check_only)
                client_loop_stop(&c->loop, now);
}

static void process_signals(Client *c, uint64_t now) {
        struct signalfd_siginfo si;

        while (read(c->signal_fd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                if (si.ssi_signo == SIGUSR1) {
                        c->check_requested = true;
                        continue;
                }
                if (!c->loop.stopping)
                        log_info("Received %s, leaving the room.", strsignal((int) si.ssi_signo));
                client_loop_stop(&c->loop, now);
        }
}

static int run_loop(Client *c) {
        client_loop_start(&c->loop, now_ns());
        c->check_give_up_at = now_ns() + (uint64_t) c->args.check_timeout_sec * QUIC_NS_PER_SEC;

        while (!client_core_is_done(c->setup.core)) {
                struct pollfd fds[4];
                uint64_t now;
                int timeout, r;

                now = now_ns();
                timeout = (int) party_check_timeout_ms(c->check, now, client_loop_timeout_ms(&c->loop, now));
                /* What the last round wrote, before we sleep. */
                flush_sends(c);
                /* Refused sends: our source address may be gone. */
                if (c->send.drops != c->send_drops_seen) {
                        uint64_t t = now_ns();

                        c->send_drops_seen = c->send.drops;
                        client_loop_send_refused(&c->loop, t);
                        flush_sends(c);
                }

                fds[0] = (struct pollfd) { .fd = c->signal_fd, .events = POLLIN };
                fds[1] = (struct pollfd) { .fd = c->udp_fd, .events = POLLIN };
                fds[2] = (struct pollfd) { .fd = frame_device_get_waitable(c->setup.device).fd, .events = POLLIN };
                fds[3] = (struct pollfd) { .fd = party_check_get_fd(c->check), .events = POLLIN };
                r = poll(fds, ELEMENTSOF(fds), timeout);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(errno, "poll() failed: %m");
                }
                now = now_ns();

                if (fds[0].revents)
                        process_signals(c, now);
                if (fds[1].fd >= 0 && fds[1].revents)
                        process_udp(c, now);
                if (fds[2].fd >= 0 && (fds[2].revents & POLLIN))
                        (void) client_core_process_device(c->setup.core, now);
                if (fds[3].fd >= 0 && (fds[3].revents & POLLIN))
                        party_check_process(c->check);
                client_loop_after_wait(&c->loop, now);
                check_tick(c, now);
                check_maybe_start(c, now);
        }
        flush_sends(c);
        return 0;
}

/* ---- start-up ------------------------------------------------------------------- */

static bool have_cap_net_admin(void) {
        _cleanup_(fclosep) FILE *f = NULL;
        char line[256];

        if (geteuid() == 0)
                return true;
        f = fopen("/proc/self/status", "re");
        if (!f)
                return false;
        while (fgets(line, sizeof(line), f)) {
                unsigned long long caps;

                if (sscanf(line, "CapEff: %llx", &caps) == 1)
                        return caps & (1ULL << CAP_NET_ADMIN_BIT);
        }
        return false;
}

static void help(void) {
        printf("Usage: %s [OPTIONS...] --invite-file FILE\n"
               "  or:  %s [OPTIONS...] - <FILE\n"
               "  or:  %s=LINK %s [OPTIONS...]\n"
               "  or:  %s [OPTIONS...] INVITE-LINK\n\n"
               "Joins a LAN party through its relay: a TAP interface on this machine becomes\n"
               "a port of the party's LAN. Needs root or CAP_NET_ADMIN for the TAP and routes.\n\n"
               "The invite link (lanparty://...) holds the room key, a secret. Every user of\n"
               "this computer can read a program's command line (ps, /proc/PID/cmdline), so\n"
               "give the link in one of these ways rather than as INVITE-LINK:\n"
               "  --invite-file FILE     a file only you may read (chmod 600; a file the group\n"
               "                         or others may access is refused), holding the link\n"
               "                         as client.exe's .lanparty files do: the first line\n"
               "                         that is not blank or a # comment\n"
               "  - or --invite-file -   standard input, up to the end of the link's line\n"
               "  %s        the environment variable, removed once read;\n"
               "                         used when no link is given otherwise\n"
               "An INVITE-LINK argument still works, with a warning: it is wiped from the\n"
               "command line once read, but other users could see it until then, and it\n"
               "stays in your shell's history.\n\n"
               "  -h --help               Show this help\n"
               "     --version            Show the version\n"
               "     --invite-file FILE   Read the invite link from FILE (\"-\": standard input)\n"
               "  -t --tap NAME           Name of the TAP interface (default: %s)\n"
               "  -n --name TEXT          Name the other players see (default: the host name)\n"
               "  -s --state-dir DIR      Keep the virtual MAC and the route state in DIR\n"
               "     --frame-device TYPE  tap (default) or null (no interface, for tests)\n"
               "     --accept-party-gateway\n"
               "                          Let the party's DHCP and router advertisements set this\n"
               "                          computer's default route and DNS servers; normally they\n"
               "                          are removed so your own internet keeps working\n"
               "     --check              Join, run the party check once the TAP has an address\n"
               "                          (or 30 s after joining), print it, and leave; exit\n"
               "                          status 0 only if every step passed (1 also when no\n"
               "                          check could run within --check-timeout)\n"
               "     --check-timeout SECONDS\n"
               "                          Give --check up after this long (default 90)\n"
               "  -v --verbose            Log debug messages to stderr\n\n"
               "The party check: once the TAP has an IPv4 address, the client checks that games\n"
               "on this computer will find the party, through the OS's network stack as games\n"
               "use it: 1. broadcasts (255.255.255.255, the LAN's broadcast address) and\n"
               "multicast (239.255.255.250) reach the party's gateway; 2. a broadcast from the gateway reaches a socket here (the\n"
               "firewall lets it in); 3. frames of the room's MTU make the round trip; 4. the\n"
               "TAP has an address from the party and a LAN host answers ARP. Each step prints\n"
               "a check mark or a cross with the cause and the fix. Send SIGUSR1 to run it\n"
               "again while joined (kill -USR1 PID).\n\n"
               "Status lines go to stdout, log messages to stderr. Ctrl-C leaves the room.\n"
               "Once connected, get an address on the TAP from the party, e.g. `dhclient lanparty0`.\n"
               "While it runs, what this computer sends to 255.255.255.255 or to a multicast group\n"
               "without choosing an interface goes to the party, as games expect (routes\n"
               "255.255.255.255/32 and 224.0.0.0/4 on the TAP, removed on exit).\n"
               "When this computer's own address changes (another network, Wi-Fi to cable), the\n"
               "connection moves along within about a second and the game goes on.\n",
               PROGRAM_NAME, PROGRAM_NAME, INVITE_INPUT_ENV, PROGRAM_NAME, PROGRAM_NAME, INVITE_INPUT_ENV,
               TAP_NAME_DEFAULT);
}

static int usage_error(const char *format, ...) _printf_(1, 2);
static int usage_error(const char *format, ...) {
        va_list ap;

        fprintf(stderr, "%s: ", PROGRAM_NAME);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return -EINVAL;
}

/* Returns 1 to run, 0 to exit successfully (help, version), -EINVAL. */
/* What the options say together, and the invite link argument. */
static int args_check(int argc, char *argv[], Args *args) {
        if (optind + 1 < argc)
                return usage_error("Too many arguments; expected one invite link.");
        if (optind < argc && args->invite_file)
                return usage_error("Give the invite link once: as an argument or with --invite-file, not both.");
        args->link = optind < argc ? argv[optind] : NULL;
        if (args->check_only && args->device_type != FRAME_DEVICE_TAP)
                return usage_error("--check needs the TAP: games and the check use the OS's network stack.");
        if (args->check_timeout_sec > 0 && !args->check_only)
                return usage_error("--check-timeout goes with --check.");
        if (args->check_only && args->check_timeout_sec == 0)
                args->check_timeout_sec = CLIENT_CHECK_GIVE_UP_SEC_DEFAULT;
        return 1;
}

static int parse_argv(int argc, char *argv[], Args *args) {
        enum { ARG_VERSION = 0x100, ARG_FRAME_DEVICE, ARG_ACCEPT_PARTY_GATEWAY, ARG_INVITE_FILE, ARG_CHECK,
               ARG_CHECK_TIMEOUT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "tap", required_argument, NULL, 't' },
                { "name", required_argument, NULL, 'n' },
                { "state-dir", required_argument, NULL, 's' },
                { "frame-device", required_argument, NULL, ARG_FRAME_DEVICE },
                { "accept-party-gateway", no_argument, NULL, ARG_ACCEPT_PARTY_GATEWAY },
                { "verbose", no_argument, NULL, 'v' },
                { "invite-file", required_argument, NULL, ARG_INVITE_FILE },
                { "check", no_argument, NULL, ARG_CHECK },
                { "check-timeout", required_argument, NULL, ARG_CHECK_TIMEOUT },
                {}
        };
        int c;

        *args = (Args) { .device_type = FRAME_DEVICE_TAP };
        while ((c = getopt_long(argc, argv, "ht:n:s:v", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("%s %s\n", PROGRAM_NAME, LANPARTY_VERSION);
                        return 0;
                case 't':
                        if (optarg[0] == '\0' || strlen(optarg) >= 16)
                                return usage_error("--tap: an interface name has 1 to 15 characters.");
                        args->tap_name = optarg;
                        break;
                case 'n':
                        if (strlen(optarg) > LP_CONTROL_NAME_MAX || !control_text_is_valid(optarg, strlen(optarg)))
                                return usage_error("--name: at most %d bytes of printable UTF-8.", LP_CONTROL_NAME_MAX);
                        args->name = optarg;
                        break;
                case 's':
                        if (optarg[0] != '/')
                                return usage_error("--state-dir: needs an absolute path.");
                        args->state_dir = optarg;
                        break;
                case ARG_FRAME_DEVICE:
                        args->device_type = frame_device_type_from_string(optarg);
                        if (args->device_type < 0)
                                return usage_error("--frame-device: expected \"tap\" or \"null\", got \"%s\".", optarg);
                        break;
                case ARG_ACCEPT_PARTY_GATEWAY:
                        args->accept_party_gateway = true;
                        break;
                case ARG_INVITE_FILE:
                        if (optarg[0] == '\0')
                                return usage_error("--invite-file: needs a file name, or \"-\" for standard input.");
                        args->invite_file = optarg;
                        break;
                case ARG_CHECK:
                        args->check_only = true;
                        break;
                case ARG_CHECK_TIMEOUT:
                        if (check_timeout_parse(optarg, &args->check_timeout_sec) < 0)
                                return usage_error("--check-timeout: expected whole seconds from 1 to %d, got \"%s\".",
                                                   CLIENT_CHECK_GIVE_UP_SEC_MAX, optarg);
                        break;
                case 'v':
                        args->verbose = true;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        return usage_error("Unhandled option.");
                }

        return args_check(argc, argv, args);
}

/* The invite link from wherever --help says, into `link`. $LANPARTY_INVITE
 * is wiped whether it is used or not. Returns 0, or -EINVAL after saying
 * why on stderr. */
static int read_invite_link(Args *args, char *link, size_t size) {
        char error[PATH_MAX + 256];
        const char *file = args->invite_file;
        int env, r;

        env = invite_input_take_env(INVITE_INPUT_ENV, link, size);
        if (env == -ENOBUFS)
                return usage_error("$%s is too long for an invite link.", INVITE_INPUT_ENV);
        if (env > 0 && (args->link || file))
                log_notice("Ignoring $%s: an invite link was given on the command line.", INVITE_INPUT_ENV);

        if (args->link && strcmp(args->link, "-") == 0)
                file = "-";
        if (file) {
                if (strcmp(file, "-") == 0 && isatty(STDIN_FILENO))
                        fprintf(stderr, "Paste the invite link and press Enter: ");
                r = invite_input_read_file(file, link, size, error, sizeof(error));
                if (r < 0)
                        return usage_error("%s", error);
                return 0;
        }
        if (args->link) {
                if (strlen(args->link) >= size)
                        return usage_error("This is not a valid invite link: it is too long.");
                strcpy(link, args->link);
                invite_input_wipe_argument(args->link);
                fprintf(stderr,
                        "%s: Warning: the invite link, room key included, was given on the command line, where "
                        "every user of this computer can read it (ps, /proc/PID/cmdline) and your shell may "
                        "keep it in its history. It is wiped from the command line now, but was visible until "
                        "then: use --invite-file FILE, \"-\" (standard input) or $%s instead.\n",
                        PROGRAM_NAME, INVITE_INPUT_ENV);
                return 0;
        }
        if (env > 0)
                return 0;
        return usage_error("Missing the invite link (see --help).");
}

static void host_name(char *buf, size_t size) {
        if (gethostname(buf, size) < 0)
                buf[0] = '\0';
}

static Client *client_free(Client *c) {
        if (!c)
                return NULL;
        party_check_free(c->check);
        client_core_free(c->setup.core);
        if (c->udp_fd >= 0)
                close(c->udp_fd);
        if (c->signal_fd >= 0)
                close(c->signal_fd);
        /* Routes first: the pin must not outlive us; the broadcast and
         * multicast routes go with the TAP anyway. */
        route_manager_free(c->setup.routes);
        frame_device_close(c->setup.device);
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Client *, client_free);

static int setup_fail(void *userdata, const ClientSetup *s, ClientSetupStep step, int error) {
        char text[CLIENT_ADDRESS_TEXT_MAX];

        switch (step) {
        case CLIENT_SETUP_STATE_DIR:
                return log_error_errno(error, "State directory %s: %m", s->state_dir);
        case CLIENT_SETUP_MAC:
                return log_error_errno(error, "Cannot load or create the virtual MAC: %m");
        case CLIENT_SETUP_RESOLVE:
                return log_error_errno(error, "Cannot find relay %s.", s->invite->host);
        case CLIENT_SETUP_RELAY_ADDRESS:
                return log_error_errno(error, "Unusable relay address %s.", client_addr_to_text(&s->loop->fresh, text));
        case CLIENT_SETUP_PIN:
                return log_error_errno(error, "Cannot pin the route to relay %s: %m",
                                       client_addr_to_text(&s->loop->fresh, text));
        case CLIENT_SETUP_CORE:
                return log_error_errno(error, "Failed to set up the client: %m");
        default: /* the route manager and the TAP said why */
                return error;
        }
}

static void setup_report(void *userdata, const ClientSetup *s, ClientSetupStep step, int result) {
        Client *c = userdata;

        if (step == CLIENT_SETUP_DISCOVERY_ROUTES)
                party_check_set_discovery_routes(c->check, result);
        if (result >= 0)
                return;
        if (step == CLIENT_SETUP_CARRIER)
                log_warning_errno(result, "Failed to turn the carrier of %s off, ignoring: %m",
                                  frame_device_get_name(s->device));
        else if (step == CLIENT_SETUP_DISCOVERY_ROUTES)
                log_warning_errno(result, "Cannot route 255.255.255.255 and 224.0.0.0/4 into %s, continuing: %m. "
                                          "Games that broadcast or multicast without choosing an interface may "
                                          "not find the party.",
                                  frame_device_get_name(s->device));
}

static const ClientSetupOps setup_ops = {
        .path_separator = '/',
        .path_max = PATH_MAX,
        .resolve = relay_lookup,
        .host_name = host_name,
        .fail = setup_fail,
        .report = setup_report,
};

static int signals_setup(Client *c) {
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGUSR1); /* run the party check again */
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");
        c->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (c->signal_fd < 0)
                return log_error_errno(errno, "Failed to create signalfd: %m");
        return 0;
}

static int client_setup_linux(Client *c) {
        const char *tap_hint = c->args.tap_name ? c->args.tap_name : TAP_NAME_DEFAULT;
        char instance[ROUTE_INSTANCE_MAX + 1];
        int r;

        r = signals_setup(c);
        if (r < 0)
                return r;
        client_route_instance(tap_hint, "%", instance, sizeof(instance));
        c->setup = (ClientSetup) {
                .invite = &c->invite,
                .state_dir = c->args.state_dir,
                .device_type = c->args.device_type,
                .device_hint = c->args.device_type == FRAME_DEVICE_TAP ? tap_hint : c->args.tap_name,
                .route_instance = instance,
                .name = c->args.name,
                .accept_party_gateway = c->args.accept_party_gateway,
                .callbacks = { .send = on_send, .connect = on_connect, .event = on_event, .check = on_check_message },
                .userdata = c,
                .loop = &c->loop,
        };
        r = client_setup(&c->setup, &setup_ops);
        if (r < 0)
                return r;
        client_loop_attach(&c->loop, c->setup.core, c->setup.routes, c->invite.host,
                           frame_device_get_name(c->setup.device));
        return 0;
}

static int run(int argc, char *argv[]) {
        _cleanup_(client_freep) Client *c = NULL;
        InviteError ie;
        const char *e;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        log_set_max_level(LOG_NOTICE);
        e = getenv("LANPARTY_LOG_LEVEL");
        if (e && log_level_from_string(e) >= 0)
                log_set_max_level(log_level_from_string(e));

        c = calloc(1, sizeof(Client));
        if (!c)
                return log_oom();
        c->udp_fd = c->candidate_fd = c->signal_fd = -EBADF;
        udp_send_batch_init(&c->send);
        client_loop_init(&c->loop, &loop_ops, c);
        r = party_check_new(&c->check);
        if (r < 0)
                return log_oom();

        r = parse_argv(argc, argv, &c->args);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        if (c->args.verbose)
                log_set_max_level(LOG_DEBUG);

        if (read_invite_link(&c->args, c->link, sizeof(c->link)) < 0)
                return EXIT_USAGE;
        r = invite_parse(c->link, &c->invite, &ie);
        explicit_bzero(c->link, sizeof(c->link));
        if (r < 0) {
                fprintf(stderr, "%s: This is not a valid invite link: %s.\n", PROGRAM_NAME, invite_error_to_string(ie));
                return EXIT_USAGE;
        }
        if (c->args.device_type == FRAME_DEVICE_TAP && !have_cap_net_admin()) {
                fprintf(stderr,
                        "%s: Creating the TAP interface and pinning the relay route need root or CAP_NET_ADMIN.\n"
                        "Run it with sudo, or try --frame-device null to test the link without an interface.\n",
                        PROGRAM_NAME);
                return EXIT_FAILURE;
        }

        r = client_setup_linux(c);
        if (r < 0)
                return EXIT_FAILURE;

        status("Joining room %s on relay %s as \"%s\" with MAC %s on %s.", c->invite.room, c->invite.host, c->setup.player_name,
               mac_to_string(&c->setup.mac, (char[LP_MAC_STR_MAX]) {}), frame_device_get_name(c->setup.device));
        r = client_core_start(c->setup.core, now_ns());
        if (r < 0)
                log_debug_errno(r, "First write failed, ignoring: %m");
        r = run_loop(c);
        if (r < 0)
                return EXIT_FAILURE;
        if (c->args.check_only && (!c->check_done || c->check_failed))
                return EXIT_FAILURE;
        return client_core_get_phase(c->setup.core) == CLIENT_PHASE_STOPPED ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char *argv[]) {
        return run(argc, argv);
}
