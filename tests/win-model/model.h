/* SPDX-License-Identifier: MIT */
#pragma once

/* The model's shared state and the calls between its parts. One lock
 * guards all of it; entry points take it with model_lock() (which also
 * starts the model on first use) and never hold it while calling back
 * into the program (notification callbacks) or while blocking. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <winsock2.h>
#include <ws2ipdef.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <setupapi.h>

#include "macro.h"
#include "win-model.h"
#include "win-sys.h"

#define MODEL_IFS_MAX (WIN_MODEL_ADAPTERS_MAX + 2)
#define MODEL_ROUTES_MAX 256
#define MODEL_FILES_MAX 16
#define MODEL_ADDRS_MAX 6
#define MODEL_DNS_MAX 4
/* More outstanding reads than this is a client bug; the NDIS 6 driver
 * itself sets no limit (txpath.c:1291-1296). */
#define MODEL_READS_MAX 256
/* constants.h:95: above this many queued bytes the driver holds the
 * stack's sends (flow control, txpath.c:1135-1159); the model drops. */
#define MODEL_TAP_BUFFER_SIZE 0x400000
#define MODEL_FRAME_MAX 2048

/* NTSTATUS values the driver and the I/O manager use (ntstatus.h). */
#define MODEL_STATUS_SUCCESS ((LONG) 0x00000000)
#define MODEL_STATUS_PENDING ((LONG) 0x00000103)
#define MODEL_STATUS_BUFFER_OVERFLOW ((LONG) 0x80000005)
#define MODEL_STATUS_UNSUCCESSFUL ((LONG) 0xC0000001)
#define MODEL_STATUS_INVALID_PARAMETER ((LONG) 0xC000000D)
#define MODEL_STATUS_INVALID_DEVICE_REQUEST ((LONG) 0xC0000010)
#define MODEL_STATUS_BUFFER_TOO_SMALL ((LONG) 0xC0000023)
#define MODEL_STATUS_OBJECT_NAME_NOT_FOUND ((LONG) 0xC0000034)
#define MODEL_STATUS_INSUFFICIENT_RESOURCES ((LONG) 0xC000009A)
#define MODEL_STATUS_CANCELLED ((LONG) 0xC0000120)
#define MODEL_NT_ERROR(s) ((ULONG) (s) >> 30 == 3)

typedef enum ModelWho {
        MODEL_BY_CLIENT, /* through win_sys */
        MODEL_BY_STACK,  /* the model's DHCP client, RA processing, media sense */
        MODEL_BY_TEST,   /* win-model.h */
} ModelWho;

typedef struct ModelFrame {
        struct ModelFrame *next;
        size_t len;
        uint8_t data[];
} ModelFrame;

typedef struct ModelFile ModelFile;

/* A read IRP in the driver's PendingReadIrpQueue. */
typedef struct ModelIrp {
        struct ModelIrp *next;
        ModelFile *file;
        OVERLAPPED *ov;
        void *buf;
        DWORD size;
} ModelIrp;

/* TAP_ADAPTER_CONTEXT: what one MiniportInitialize (AdapterCreate,
 * adapter.c:610) sets up. An open file keeps it alive after a halt, as
 * the file object's reference does (device.c:180). */
typedef struct ModelTapCtx {
        unsigned refs;
        struct ModelAdapter *adapter; /* NULL once halted */
        bool device_created;          /* TapDeviceCreated */
        bool paused;                  /* MiniportPaused/Pausing */
        ModelFile *file;              /* TapFileObject */
        bool file_is_open;            /* TapFileIsOpen */
        uint8_t media;                /* LogicalMediaState, a BOOLEAN */
        bool always_connected;        /* MediaStateAlwaysConnected */
        unsigned power;               /* CurrentPowerState - D0 */
        uint8_t mac[6], permanent_mac[6];
        ULONG mtu;
        ULONG priority_behavior;
        ULONG version_major, version_minor;
        ModelFrame *sendq_head, *sendq_tail;
        size_t sendq_count, sendq_bytes;
        ModelIrp *reads;
        size_t n_reads;
} ModelTapCtx;

/* The installed device: its registry entry and PnP state. */
typedef struct ModelAdapter {
        bool used;
        char guid[39];
        GUID guid_bin;
        unsigned subkey;
        wchar_t alias[64];
        char component_id[32];
        ULONG version_major, version_minor;
        bool enabled;
        bool remove_pending;
        ModelTapCtx *ctx; /* running miniport, NULL while disabled */
        struct ModelIf *iface;
        WinModelFrameInfo received[WIN_MODEL_RECEIVED_MAX];
        size_t n_received; /* total; the ring holds the last MAX */
} ModelAdapter;

/* A handle from CreateFileW on the device node: the file object. The
 * handle value is a real event, which plays FileObject->Event. */
struct ModelFile {
        bool used;
        HANDLE handle;
        bool overlapped;
        ModelTapCtx *ctx;
};

typedef struct ModelAddr {
        ADDRESS_FAMILY family;
        uint8_t bytes[16];
        uint8_t plen;
        NL_PREFIX_ORIGIN prefix_origin;
        NL_SUFFIX_ORIGIN suffix_origin;
        ULONG lifetime; /* seconds, 0xffffffff infinite */
} ModelAddr;

typedef enum ModelDhcpState {
        MODEL_DHCP_OFF,       /* media down */
        MODEL_DHCP_INIT,      /* discovering */
        MODEL_DHCP_REBOOTING, /* INIT-REBOOT: REQUEST for the remembered address */
        MODEL_DHCP_REQUESTING,
        MODEL_DHCP_BOUND,
        MODEL_DHCP_AUTOCONF, /* APIPA address, retrying every dhcp_retry_ms */
} ModelDhcpState;

typedef struct ModelDhcp {
        ModelDhcpState state;
        uint32_t xid;
        uint64_t started_ms;  /* this round of DISCOVERs */
        uint64_t next_ms;     /* next send or timeout; 0 none */
        unsigned tries;
        uint8_t offered[4], server[4], server_mac[6];
        uint8_t remembered[4]; /* the last lease, for INIT-REBOOT */
        bool have_remembered;
        uint64_t t1_ms, expiry_ms;
        HANDLE bound_event; /* set on ACK: IpRenewAddress waits for it */
} ModelDhcp;

/* The network Network List Manager identified on an interface. */
typedef struct ModelNet {
        bool identified;
        bool unidentified_name; /* "Unidentified network": no gateway */
        uint8_t gateway_mac[6];
        WinNetworkCategory category;
} ModelNet;

typedef struct ModelIf {
        bool used;
        bool present; /* its adapter is running */
        bool connected;
        NET_LUID luid;
        NET_IFINDEX index;
        GUID guid;
        wchar_t alias[64];
        wchar_t description[64];
        IFTYPE type;
        uint64_t speed_bps;
        uint8_t mac[6];
        ULONG link_mtu;
        MIB_IPINTERFACE_ROW row[2]; /* [0] IPv4, [1] IPv6: the settings */
        ModelAddr addrs[MODEL_ADDRS_MAX];
        size_t n_addrs;
        uint8_t dns4[MODEL_DNS_MAX][4];
        size_t n_dns4;
        uint8_t dns6[MODEL_DNS_MAX][16];
        size_t n_dns6;
        ModelDhcp dhcp;
        uint64_t burst_ms; /* media connected: the stack's first frames due */
        ModelNet net;
        ModelAdapter *adapter; /* NULL for loopback and the uplink */
} ModelIf;

typedef struct ModelRoute {
        bool used;
        bool system;     /* the stack's own (on-link, host, broadcast, multicast) */
        bool owned;      /* made for the address in owner[] */
        uint8_t owner[16];
        bool persistent; /* survives a reboot (none made through the API do) */
        ModelWho who;
        uint64_t created_ms;
        MIB_IPFORWARD_ROW2 row;
} ModelRoute;

typedef struct ModelSettings {
        unsigned apipa_delay_ms;
        unsigned dhcp_retry_ms;
        unsigned renew_timeout_ms;
        unsigned connect_delay_ms;
        uint64_t uplink_speed_mbps, tap_speed_mbps;
        uint8_t uplink_address[4], uplink_plen, uplink_gateway[4];
        ULONG uplink_metric;
        bool veto_restart_when_open;
        bool elevated;
        /* Group policy "users cannot change the network location" (Policy
         * CSP NetworkListManager/AllNetworks_NetworkLocation = 1):
         * INetwork::SetCategory refuses. */
        bool category_locked;
        /* The Windows Defender Firewall profiles (1 public, 2 private, 4
         * domain) in which an inbound rule allows client.exe; the
         * installer's rule says profile=any (7). Datagrams for client.exe's
         * sockets arriving on a network of another profile are dropped. */
        unsigned firewall_client_profiles;
        unsigned burst; /* MODEL_BURST_* */
} ModelSettings;

#define MODEL_BURST_DHCP 1u
#define MODEL_BURST_RS 2u
#define MODEL_BURST_IGMP 4u
#define MODEL_BURST_MLD 8u
#define MODEL_BURST_LLMNR 16u

typedef struct Model {
        CRITICAL_SECTION lock;
        ModelSettings settings;
        WinModelAdapterConfig pending[WIN_MODEL_ADAPTERS_MAX]; /* from the config, added at start */
        char pending_strings[WIN_MODEL_ADAPTERS_MAX][7][64];
        ModelAdapter adapters[WIN_MODEL_ADAPTERS_MAX];
        ModelIf ifs[MODEL_IFS_MAX];
        ModelRoute routes[MODEL_ROUTES_MAX];
        ModelFile files[MODEL_FILES_MAX];
        NET_IFINDEX next_index;
        uint64_t t0_ms;
        size_t violations;
        HANDLE stack_wake;
} Model;

extern Model model;

/* model-core.c */
void model_lock(void);
void model_unlock(void);
uint64_t model_now_ms(void);
void model_wake_stack(void);
void model_violation(const char *what);
bool model_registry_allowed(void);

/* model-log.c: one line per event, "EVENT key=value ... t=MS". */
void model_log(const char *event, const char *format, ...) __attribute__((format(gnu_printf, 2, 3)));
void model_log_open(void);
void model_log_reset(void);

/* model-control.c: commands from a test in another process. */
#define MODEL_CONTROL_POLL_MS 100
void model_control_open(void);
bool model_control_enabled(void);
void model_control_poll(void);

/* model-config.c */
void model_settings_default(ModelSettings *s);
int model_config_apply(const char *key, const char *value);
int model_config_load_file(const char *path);
void model_config_add_pending(void);

/* model-iom.c: the I/O manager's half of a request (ReactOS
 * ntoskrnl/io/iomgr/irp.c IopCompleteRequest, iofunc.c NtReadFile). */
DWORD model_nt_to_win32(LONG status);
void model_iom_start(ModelFile *f, OVERLAPPED *ov);
BOOL model_iom_sync(ModelFile *f, OVERLAPPED *ov, LONG status, ULONG_PTR info, LPDWORD ret);
void model_iom_complete(ModelFile *f, OVERLAPPED *ov, LONG status, ULONG_PTR info);
BOOL model_get_overlapped_result(HANDLE file, OVERLAPPED *ov, LPDWORD ret, BOOL wait);

/* tap-driver-model.c: the miniport. */
int model_adapter_add_locked(const WinModelAdapterConfig *c);
ModelAdapter *model_adapter_by_guid(const char *guid);
ModelAdapter *model_adapter_by_guid_bin(const GUID *g);
int model_tap_start(ModelAdapter *a);
void model_tap_halt(ModelAdapter *a);
void model_tap_ctx_unref(ModelTapCtx *c);
bool model_tap_rw_ready(const ModelTapCtx *c);
bool model_tap_send_ready(const ModelTapCtx *c);
void model_tap_set_media(ModelTapCtx *c, uint8_t state);
int model_tap_stack_send(ModelAdapter *a, const uint8_t *frame, size_t len);
void model_tap_process_queue(ModelTapCtx *c);
void model_tap_flush(ModelTapCtx *c);
void model_tap_cancel_reads(ModelTapCtx *c, ModelFile *f, const OVERLAPPED *only, LONG status, size_t *ret_n);
LONG model_tap_write(ModelTapCtx *c, const uint8_t *frame, size_t len, bool *ret_pending);

/* tap-adapter-model.c */
int model_adapter_set_enabled_locked(ModelAdapter *a, bool enabled);

/* tap-registry-model.c */
int model_registry_write_adapter(const ModelAdapter *a, const WinModelAdapterConfig *c, bool fresh);
void model_registry_delete_adapter(const ModelAdapter *a);
void model_registry_delete_test_subkeys(void);
void model_registry_read_config(const ModelAdapter *a, ModelTapCtx *c);
HKEY model_registry_open(const ModelAdapter *a, REGSAM access);
bool model_registry_subkey_exists(unsigned subkey);

/* ip-stack-model.c */
ModelIf *model_if_by_luid(const NET_LUID *luid);
ModelIf *model_if_by_index(NET_IFINDEX index);
ModelIf *model_if_by_guid(const GUID *g);
ModelIf *model_if_new(IFTYPE type, const GUID *guid, const wchar_t *alias);
void model_stack_init(void);
void model_if_set_present(ModelIf *i, bool present);
void model_if_media(ModelIf *i, bool connected);
ULONG model_if_metric(const ModelIf *i, ADDRESS_FAMILY family);
int model_addr_add(ModelIf *i, const ModelAddr *a, ModelWho who);
void model_addr_remove_origin(ModelIf *i, ADDRESS_FAMILY family, NL_PREFIX_ORIGIN origin, ModelWho who);
ModelRoute *model_route_add(ModelIf *i, ADDRESS_FAMILY family, const uint8_t *dst, uint8_t plen,
                            const uint8_t *next_hop, ULONG metric, NL_ROUTE_PROTOCOL proto, ModelWho who, bool system);
void model_route_remove(ModelRoute *r, ModelWho who);
void model_routes_remove_if(ModelIf *i, bool keep_client, ModelWho who);
void model_routes_remove_learned(ModelIf *i, ADDRESS_FAMILY family, NL_ROUTE_PROTOCOL proto);
const char *model_addr_str(ADDRESS_FAMILY family, const uint8_t *bytes, char *buf, size_t size);

/* ip-notify-model.c */
void model_notify_route(const MIB_IPFORWARD_ROW2 *row, MIB_NOTIFICATION_TYPE type);
void model_notify_address(const ModelIf *i, const ModelAddr *a, MIB_NOTIFICATION_TYPE type);
void model_notify_reset(void);

/* dhcp-client-model.c, ndp-model.c: the OS's own traffic on a TAP. */
void model_dhcp_media(ModelIf *i, bool connected);
void model_dhcp_timer(ModelIf *i, uint64_t now);
void model_dhcp_receive(ModelIf *i, const uint8_t *frame, size_t len, WinModelFrameInfo *info);
int model_dhcp_renew(ModelIf *i);
void model_burst_timer(ModelIf *i, uint64_t now);
void model_ndp_receive(ModelIf *i, const uint8_t *frame, size_t len, WinModelFrameInfo *info);
void model_stack_receive(ModelAdapter *a, const uint8_t *frame, size_t len, bool filtered);

/* frame-model.c */
size_t model_frame_udp4(uint8_t *buf, const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t src[4],
                        const uint8_t dst[4], uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len);
size_t model_frame_ip6(uint8_t *buf, const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t src[16],
                       const uint8_t dst[16], uint8_t next, uint8_t hop_limit, const uint8_t *payload, size_t len);
size_t model_frame_ip4(uint8_t *buf, const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t src[4],
                       const uint8_t dst[4], uint8_t proto, uint8_t ttl, const uint8_t *payload, size_t len);
const char *model_mac_str(const uint8_t mac[6], char buf[static 18]);
uint16_t model_csum(uint32_t sum, const uint8_t *p, size_t len);
void model_frame_classify(const uint8_t *frame, size_t len, WinModelFrameInfo *info);

/* network-list-model.c */
void model_net_update(ModelIf *i);
void model_net_forget(ModelIf *i);
void model_net_profile_set(const uint8_t mac[6], WinNetworkCategory category);
size_t model_net_profiles(uint8_t (*macs)[6], WinNetworkCategory *categories, size_t max);
void model_net_profiles_clear(void);
int model_net_inbound_allowed(const ModelIf *i, unsigned rule_profiles, bool *ret);

/* model-persist.c */
void model_persist_load(void);
bool model_persist_knows_adapter(const char *guid);
void model_persist_save(void);
void model_persist_apply_if(ModelIf *i);
void model_persist_apply_routes(ModelIf *i);
void model_persist_forget(void);

/* mib-table-model.c: tables the model hands out, for FreeMibTable. */
void *model_table_alloc(size_t size);
bool model_table_free(void *table);

/* setupapi-model.c */
bool model_devinfo_owned(HDEVINFO devs);

/* Small helpers. */
int model_guid_parse(const char *s, GUID *ret);
void model_guid_format(const GUID *g, char buf[static 39]);
bool model_guid_equal(const GUID *a, const GUID *b);

/* The win_sys entries (win-sys-model.c puts them in the table). */
HANDLE WINAPI model_CreateFileW(LPCWSTR path, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa, DWORD disposition,
                                DWORD flags, HANDLE template_file);
BOOL WINAPI model_DeviceIoControl(HANDLE device, DWORD code, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size,
                                  LPDWORD ret_size, LPOVERLAPPED ov);
BOOL WINAPI model_ReadFile(HANDLE file, LPVOID buf, DWORD size, LPDWORD ret_size, LPOVERLAPPED ov);
BOOL WINAPI model_WriteFile(HANDLE file, LPCVOID buf, DWORD size, LPDWORD ret_size, LPOVERLAPPED ov);
BOOL WINAPI model_GetOverlappedResult(HANDLE file, LPOVERLAPPED ov, LPDWORD ret_size, BOOL wait);
BOOL WINAPI model_CancelIoEx(HANDLE file, LPOVERLAPPED ov);
BOOL WINAPI model_CloseHandle(HANDLE handle);
HDEVINFO WINAPI model_SetupDiGetClassDevsW(const GUID *class_guid, PCWSTR enumerator, HWND parent, DWORD flags);
BOOL WINAPI model_SetupDiEnumDeviceInfo(HDEVINFO devs, DWORD index, PSP_DEVINFO_DATA info);
HKEY WINAPI model_SetupDiOpenDevRegKey(HDEVINFO devs, PSP_DEVINFO_DATA info, DWORD scope, DWORD profile,
                                       DWORD key_type, REGSAM access);
BOOL WINAPI model_SetupDiSetClassInstallParamsW(HDEVINFO devs, PSP_DEVINFO_DATA info, PSP_CLASSINSTALL_HEADER params,
                                                DWORD size);
BOOL WINAPI model_SetupDiCallClassInstaller(DI_FUNCTION function, HDEVINFO devs, PSP_DEVINFO_DATA info);
BOOL WINAPI model_SetupDiGetDeviceInstallParamsW(HDEVINFO devs, PSP_DEVINFO_DATA info,
                                                 PSP_DEVINSTALL_PARAMS_W params);
BOOL WINAPI model_SetupDiDestroyDeviceInfoList(HDEVINFO devs);
DWORD WINAPI model_GetBestRoute2(NET_LUID *luid, NET_IFINDEX index, const SOCKADDR_INET *source,
                                 const SOCKADDR_INET *destination, ULONG options, PMIB_IPFORWARD_ROW2 ret_route,
                                 SOCKADDR_INET *ret_source);
DWORD WINAPI model_GetIpForwardTable2(ADDRESS_FAMILY family, PMIB_IPFORWARD_TABLE2 *ret_table);
DWORD WINAPI model_GetIpForwardEntry2(PMIB_IPFORWARD_ROW2 row);
DWORD WINAPI model_CreateIpForwardEntry2(const MIB_IPFORWARD_ROW2 *row);
DWORD WINAPI model_DeleteIpForwardEntry2(const MIB_IPFORWARD_ROW2 *row);
DWORD WINAPI model_NotifyRouteChange2(ADDRESS_FAMILY family, PIPFORWARD_CHANGE_CALLBACK callback, PVOID context,
                                      BOOLEAN initial_notification, HANDLE *ret_handle);
DWORD WINAPI model_CancelMibChangeNotify2(HANDLE handle);
void WINAPI model_FreeMibTable(PVOID table);
DWORD WINAPI model_GetIpInterfaceEntry(PMIB_IPINTERFACE_ROW row);
DWORD WINAPI model_GetIpNetEntry2(PMIB_IPNET_ROW2 row);

/* udp-socket-model.c: UDP sockets on the model's stack. */
SOCKET WSAAPI model_socket(int af, int type, int protocol);
int WSAAPI model_closesocket(SOCKET s);
int WSAAPI model_bind(SOCKET s, const struct sockaddr *name, int namelen);
int WSAAPI model_getsockname(SOCKET s, struct sockaddr *name, int *namelen);
int WSAAPI model_setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen);
int WSAAPI model_ioctlsocket(SOCKET s, long cmd, u_long *argp);
int WSAAPI model_sendto(SOCKET s, const char *buf, int len, int flags, const struct sockaddr *to, int tolen);
int WSAAPI model_recv(SOCKET s, char *buf, int len, int flags);
/* An IPv4 UDP frame written to the TAP: to a socket bound to its port. */
void model_udp_receive(ModelIf *i, const uint8_t *frame, size_t len);

/* arp-model.c: the IPv4 neighbour table. True with the MAC when `dst` is
 * known; else asks (an ARP request from `src`) and returns false. */
bool model_arp_resolve(ModelIf *i, const uint8_t src[4], const uint8_t dst[4], uint8_t ret_mac[6]);
void model_arp_receive(ModelIf *i, const uint8_t *frame, size_t len);
DWORD WINAPI model_SetIpInterfaceEntry(PMIB_IPINTERFACE_ROW row);
DWORD WINAPI model_GetIpInterfaceTable(ADDRESS_FAMILY family, PMIB_IPINTERFACE_TABLE *ret_table);
DWORD WINAPI model_ConvertInterfaceGuidToLuid(const GUID *guid, PNET_LUID ret_luid);
DWORD WINAPI model_ConvertInterfaceLuidToIndex(const NET_LUID *luid, PNET_IFINDEX ret_index);
DWORD WINAPI model_ConvertInterfaceIndexToLuid(NET_IFINDEX index, PNET_LUID ret_luid);
DWORD WINAPI model_ConvertInterfaceLuidToAlias(const NET_LUID *luid, PWSTR alias, SIZE_T length);
DWORD WINAPI model_ConvertInterfaceLuidToGuid(const NET_LUID *luid, GUID *ret_guid);
void WINAPI model_InitializeIpForwardEntry(PMIB_IPFORWARD_ROW2 row);
ULONG WINAPI model_GetAdaptersAddresses(ULONG family, ULONG flags, PVOID reserved, PIP_ADAPTER_ADDRESSES addresses,
                                        PULONG size);
DWORD WINAPI model_NotifyUnicastIpAddressChange(ADDRESS_FAMILY family, PUNICAST_IPADDRESS_CHANGE_CALLBACK callback,
                                                PVOID context, BOOLEAN initial_notification, HANDLE *ret_handle);
DWORD WINAPI model_GetInterfaceInfo(PIP_INTERFACE_INFO table, PULONG size);
DWORD WINAPI model_IpRenewAddress(PIP_ADAPTER_INDEX_MAP adapter);
HRESULT model_network_category_get(const GUID *adapter_id, WinNetworkCategory *ret_category);
HRESULT model_network_category_set(const GUID *adapter_id, WinNetworkCategory category);
