/* SPDX-License-Identifier: MIT */
#pragma once

/* The test side of the Windows model (tests/win-model/): a model of the
 * TAP-Windows6 driver, written from its source (OpenVPN/tap-windows6 at
 * 0cad866), and of the parts of Windows' IP stack that client.exe uses,
 * written from Microsoft's documentation. Linking libwinmodel gives the
 * program a `win_sys` (src/client/win-sys.h) whose entries are the model;
 * code under test calls those and cannot tell them from Windows. Tests
 * drive the other side with the functions here: install adapters, play
 * the party's DHCP server through the device node, disable an adapter
 * while it is open, ask which interface a broadcast would leave through.
 *
 * A whole client.exe linked against the model is configured by
 * LANPARTY_WIN_MODEL_CONFIG (a file of key=value lines, the keys of
 * win_model_config_set() below), logs every event to the file named by
 * LANPARTY_WIN_MODEL_LOG (one line each, "EVENT key=value ... t=MS") and
 * keeps the machine's state in the file named by LANPARTY_WIN_MODEL_STATE,
 * so a second process finds what a killed first one left behind, as on a
 * real PC. All three are read on the first call into the model. A test
 * outside such a program appends commands (disable or enable an adapter,
 * ask whether a game's broadcast gets in) to the file named by
 * LANPARTY_WIN_MODEL_CONTROL; see model-control.c.
 *
 * Adapters exist as registry entries under the network class key, which
 * client code reads itself; the model writes them only under wine with
 * LANPARTY_WINE_PRIVATE=1 (tests/wine/wine-private.sh) and refuses
 * otherwise, so a real Windows registry is never touched.
 *
 * Every function takes the model's lock; none may be called from a
 * notification callback the model is delivering. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <winsock2.h>
#include <ws2ipdef.h>
#include <windows.h>
#include <iphlpapi.h>

#define WIN_MODEL_ADAPTERS_MAX 8
/* Class subkeys the wine tests own (test-tap-win.c uses them too). */
#define WIN_MODEL_SUBKEY_FIRST 9990
#define WIN_MODEL_SUBKEY_LAST 9999

/* TAP-Windows6 at 0cad866, version.m4: PRODUCT_TAP_WIN_MAJOR/MINOR. */
#define WIN_MODEL_DRIVER_MAJOR 9
#define WIN_MODEL_DRIVER_MINOR 27

typedef struct WinModelAdapterConfig {
        const char *guid;            /* NetCfgInstanceId "{...}", required */
        unsigned subkey;             /* class subkey 9990..9999; 0: the next free one */
        const char *alias;           /* connection name; NULL: "Ethernet N" */
        const char *component_id;    /* NULL: "tap0901"; or "root\\tap0901" */
        const char *network_address; /* NetworkAddress when first installed; NULL: none */
        const char *mtu;             /* "MTU" value (REG_SZ, as the INF writes it); NULL: none */
        int media_status;            /* "MediaStatus": -1 none, else the value */
        unsigned version_major;      /* 0: WIN_MODEL_DRIVER_MAJOR.MINOR */
        unsigned version_minor;
        bool disabled;               /* installed but disabled */
} WinModelAdapterConfig;

/* ---- the model itself ---- */

/* One setting, as the config file has it: apipa_delay_ms, dhcp_retry_ms,
 * renew_timeout_ms, connect_delay_ms, uplink_speed_mbps, uplink_address
 * (a.b.c.d/len), uplink_gateway, uplink_metric (0: automatic),
 * tap_speed_mbps, restart_with_open_handle (halt|veto), elevated (0|1),
 * category_locked (0|1), firewall_client_profiles (0..7),
 * connect_burst (comma list of dhcp,rs,igmp,mld,llmnr), adapter.N.KEY for
 * the fields of WinModelAdapterConfig (guid, subkey, alias, component_id,
 * network_address, mtu, media_status, version "9.27", enabled). Returns 0,
 * -EINVAL for an unknown key or a bad value. */
int win_model_config_set(const char *key, const char *value);
/* Reads a config file of such lines ('#' starts a comment). */
int win_model_config_load(const char *path);

/* Back to a machine with only loopback and the uplink: closes nothing the
 * test opened (it must have closed its handles), removes the model's
 * adapters and their registry entries, forgets routes, settings, the log
 * and, with forget_state, the state file's contents and every registry
 * entry in the wine tests' subkeys (another test program's leftovers). */
int win_model_reset(bool forget_state);
/* What a reboot forgets: routes made with CreateIpForwardEntry2 (the
 * active store), leases, networks' "Unidentified" profiles; kept are
 * interface settings (SetIpInterfaceEntry persists) and the registry. */
int win_model_reboot(void);

/* ---- adapters (the driver side) ---- */

int win_model_adapter_add(const WinModelAdapterConfig *config);
/* Uninstall: the NDIS halt path (adapter.c AdapterHalt), then the
 * registry entry goes. */
int win_model_adapter_remove(const char *guid);
/* Device Manager's Disable/Enable: halt, or MiniportInitialize anew
 * (which reads NetworkAddress, MTU and MediaStatus again). */
int win_model_adapter_set_enabled(const char *guid, bool enabled);
/* NDIS device power state: 0 for D0, 1..3 for D1..D3. */
int win_model_adapter_set_power(const char *guid, unsigned d_state);
/* A frame the OS sends through the adapter (it goes to the application's
 * reads), as if from any protocol. -ENETDOWN when the driver drops it. */
int win_model_adapter_inject(const char *guid, const void *frame, size_t len);

typedef struct WinModelAdapterState {
        bool present;        /* installed */
        bool running;        /* MiniportInitialize'd, not halted */
        bool open;           /* TapFileObject set */
        bool media;          /* LogicalMediaState */
        bool always_connected;
        unsigned power;      /* 0 = D0 */
        uint8_t mac[6];      /* CurrentAddress */
        uint8_t permanent_mac[6];
        unsigned long mtu;   /* MtuSize */
        size_t reads_pending;
        size_t frames_queued; /* SendPacketQueue.Count */
        NET_IFINDEX ifindex;
        NET_LUID luid;
} WinModelAdapterState;

int win_model_adapter_state(const char *guid, WinModelAdapterState *ret);

/* The frames the application wrote that reached the OS, oldest first
 * (bounded: the last WIN_MODEL_RECEIVED_MAX). */
#define WIN_MODEL_RECEIVED_MAX 64
typedef struct WinModelFrameInfo {
        char kind[24];      /* dhcp-offer, dhcp-ack, ra, arp, ipv4, ... */
        uint8_t options[64]; /* DHCP option codes, or NDP option types for an RA */
        size_t n_options;
        size_t len;
        bool filtered;      /* dropped by the packet filter (not for the adapter's MAC) */
} WinModelFrameInfo;
size_t win_model_received_count(const char *guid);
int win_model_received_get(const char *guid, size_t index, WinModelFrameInfo *ret);

/* ---- the IP stack ---- */

/* The interface a UDP send to 255.255.255.255 from an unbound socket
 * leaves through: the connected interface with the lowest interface
 * metric. -ENETUNREACH when none; *ret_tie when another one has the same
 * metric (Windows' choice between them is not documented). */
int win_model_limited_broadcast_interface(NET_IFINDEX *ret, bool *ret_tie);

/* Whether an inbound UDP broadcast to a game whose firewall rule allows
 * the profiles in `rule_profiles` (1 public, 2 private, 4 domain) gets in
 * on this adapter now: the profile is the category of the network
 * identified on it, or public while there is none. */
int win_model_inbound_allowed(const char *guid, unsigned rule_profiles, bool *ret);

/* The TAP's IPv4 address as GetAdaptersAddresses shows it, "" for none. */
int win_model_ipv4_address(const char *guid, char *buf, size_t size);

/* ---- the event log ---- */

/* Waits until a log line containing `needle` has been written since the
 * last win_model_log_mark() (or since the start), at most timeout_ms.
 * Returns 0, or -ETIMEDOUT. */
int win_model_log_wait(const char *needle, unsigned timeout_ms);
/* How many lines containing `needle` since the mark. */
size_t win_model_log_count(const char *needle);
void win_model_log_mark(void);
/* Rule breaks the model saw (a callback cancelling its own
 * notification, I/O on a closed handle); tests expect none. */
size_t win_model_violations(void);

/* ---- the other end of the TAP, for tests ---- */

/* A DHCP server's reply to `request` (a DISCOVER or REQUEST frame the
 * test read from the device node), addressed as a server answers a
 * client with the BROADCAST flag: to ff:ff:ff:ff:ff:ff, 255.255.255.255. */
typedef struct WinModelDhcpReply {
        uint8_t type; /* 2 OFFER, 5 ACK, 6 NAK */
        uint8_t yiaddr[4], server[4], server_mac[6];
        uint8_t plen;        /* option 1; 0: none */
        bool has_router;     /* option 3 */
        uint8_t router[4];
        bool has_dns;        /* option 6 */
        uint8_t dns[4];
        uint32_t lease;      /* option 51; 0: 86400 */
        const uint8_t *classless; /* option 121 as on the wire */
        size_t classless_len;
} WinModelDhcpReply;
/* Returns the frame's length, 0 when `request` is no DHCP request. */
size_t win_model_dhcp_reply(const uint8_t *request, size_t len, const WinModelDhcpReply *reply, uint8_t *buf,
                            size_t size);

/* A Router Advertisement from fe80::1 (router_mac) to ff02::1: router
 * lifetime, optionally a /64 prefix (on-link, autonomous), an RDNSS
 * server and an MTU option (0: none). */
size_t win_model_router_advertisement(const uint8_t router_mac[6], uint16_t lifetime, const uint8_t *prefix64,
                                      const uint8_t *rdnss, uint32_t mtu, uint8_t *buf, size_t size);
