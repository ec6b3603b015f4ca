/* SPDX-License-Identifier: MIT */
/* A relay Manager on a given bus, with rooms and peers made up instead of
 * admitted over QUIC, for tests/test-relayd-bus.sh. Not installed. Reads
 * commands on stdin, one per line:
 *
 *     add-peer ROOM MAC NAME      adds a client, prints "added ID"
 *     open-room ROOM MAC          opens a room with a gateway, prints "opened"
 *     quit
 *
 * and prints "ready" once the initial rooms are on the bus and
 * "disconnect ROOM ID REASON TEXT" whenever the relay disconnects a peer
 * (what the QUIC side will do in the hook). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ether.h"
#include "log.h"
#include "platform-journal.h"
#include "relayd-config.h"
#include "relayd-manager.h"
#include "relayd-room.h"

static void on_peer_disconnect(Peer *peer, LeaveReason reason, const char *text, void *userdata) {
        printf("disconnect %s %u %s %s\n", peer->room->name, peer->id, leave_reason_to_string(reason),
               text ? text : "");
        fflush(stdout);
}

static int add_client(Room *room, const char *mac_str, const char *name, const char *ip, uint16_t port,
                      Peer **ret) {
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
        MacAddr mac;
        int r;

        r = mac_from_string(mac_str, &mac);
        if (r < 0)
                return r;
        if (inet_pton(AF_INET, ip, &in.sin_addr) != 1)
                return -EINVAL;
        return peer_new(room, PEER_ROLE_CLIENT, &mac, name, (struct sockaddr *) &in, sizeof(in), ret);
}

static int populate(Manager *m) {
        static const uint8_t key[LP_CONTROL_AUTH_SIZE] = { 1, 2, 3 };
        struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(6000) };
        Room *party, *lan2;
        Peer *gw, *alice, *gw2;
        MacAddr mac;
        int r;

        r = room_new(m, "party", key, 1390, &party);
        if (r < 0)
                return r;
        r = mac_from_string("02:00:00:00:00:01", &mac);
        if (r < 0)
                return r;
        inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
        r = peer_new(party, PEER_ROLE_GATEWAY, &mac, "gw", (struct sockaddr *) &in6, sizeof(in6), &gw);
        if (r < 0)
                return r;
        r = add_client(party, "02:00:00:00:00:02", "alice's PC", "192.0.2.10", 5000, &alice);
        if (r < 0)
                return r;

        /* Counters the test reads back, as forwarding would leave them. */
        alice->counters.rx_frames = 10;
        alice->counters.rx_bytes = 1000;
        alice->counters.tx_frames = 20;
        alice->counters.tx_bytes = 2000;
        peer_count_drop(alice, "spoofed_source");
        peer_count_drop(alice, "spoofed_source");
        peer_count_drop(alice, "dhcp_server");
        gw->counters.rx_frames = 5;
        peer_set_rtt(alice, 12345);

        /* "lan-2" has a character sd_bus_path_encode() escapes. */
        r = room_new(m, "lan-2", key, 1200, &lan2);
        if (r < 0)
                return r;
        r = mac_from_string("02:00:00:00:00:03", &mac);
        if (r < 0)
                return r;
        return peer_new(lan2, PEER_ROLE_GATEWAY, &mac, "gw2", NULL, 0, &gw2);
}

static int on_stdin(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        char line[512], room_name[64], mac[64], name[128];
        Peer *peer;
        int r;

        if (!fgets(line, sizeof(line), stdin))
                return sd_event_exit(m->event, 0);
        if (strncmp(line, "quit", 4) == 0)
                return sd_event_exit(m->event, 0);
        if (sscanf(line, "add-peer %63s %63s %127s", room_name, mac, name) == 3) {
                r = add_client(room_get_by_name(m, room_name), mac, name, "198.51.100.1", 7000, &peer);
                if (r < 0)
                        printf("error %s\n", strerror(-r));
                else
                        printf("added %u\n", peer->id);
        } else if (sscanf(line, "open-room %63s %63s", room_name, mac) == 2) {
                static const uint8_t key[LP_CONTROL_AUTH_SIZE] = { 4, 5, 6 };
                MacAddr gw_mac;
                Room *room;

                r = mac_from_string(mac, &gw_mac);
                if (r >= 0)
                        r = room_new(m, room_name, key, 1400, &room);
                if (r >= 0)
                        r = peer_new(room, PEER_ROLE_GATEWAY, &gw_mac, "gw", NULL, 0, &peer);
                if (r < 0)
                        printf("error %s\n", strerror(-r));
                else
                        printf("opened\n");
        } else
                printf("error unknown command\n");
        fflush(stdout);
        return 0;
}

static int run(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *error = NULL;
        RelayConfig *config = NULL;
        int r;

        log_setup_linux();
        if (argc != 2) {
                fprintf(stderr, "usage: %s BUS_ADDRESS\n", argv[0]);
                return -EINVAL;
        }

        {
                /* The same path as the daemon's command line. */
                char *args[] = { argv[0], "--insecure-open-gateways", "--bus-address", argv[1],
                                 "--max-peers-per-room", "4", NULL };
                _cleanup_(relay_config_freep) RelayConfig *cli = NULL;

                r = relay_config_parse_argv((int) ELEMENTSOF(args) - 1, args, &cli, &error);
                if (r >= 0)
                        r = relay_config_merge(cli, NULL, "/nonexistent", &config, &error);
                if (r < 0) {
                        fprintf(stderr, "config: %s\n", error ? error : "out of memory");
                        return r;
                }
        }

        r = manager_new(&m, config, NULL);
        if (r < 0) {
                relay_config_free(config);
                return log_error_errno(r, "manager_new: %m");
        }
        manager_set_hooks(m, &(ManagerHooks) { .peer_disconnect = on_peer_disconnect });

        r = manager_connect_bus(m);
        if (r < 0)
                return r;
        r = populate(m);
        if (r < 0)
                return log_error_errno(r, "populate: %m");

        r = sd_event_add_io(m->event, NULL, STDIN_FILENO, EPOLLIN, on_stdin, m);
        if (r < 0)
                return log_error_errno(r, "stdin: %m");
        r = sd_event_add_signal(m->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "SIGTERM: %m");

        printf("ready\n");
        fflush(stdout);
        return manager_run(m);
}

int main(int argc, char *argv[]) {
        return run(argc, argv) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
