/* SPDX-License-Identifier: MIT */
#pragma once

/* The Windows calls through which client.exe drives the TAP-Windows6
 * driver and Windows' IP configuration: the adapter's device node, the
 * SetupAPI restart that makes the driver read its new MAC, and the IP
 * Helper and Network List calls for routes, interface settings,
 * addresses, DHCP renewal and the network category.
 *
 * wine has no TAP driver and implements little of the rest, and what it
 * has behaves like no real Windows. So these calls go through one table:
 * client.exe links win-sys.c, where each entry is the Windows function
 * itself; the model tests link tests/win-model/ instead, a model of
 * TAP-Windows6 written from the driver's source and of Windows' IP stack
 * written from Microsoft's documentation. tap-win.c, tap-win-io.c,
 * route-win.c and main-win.c run unchanged against either. The choice is
 * made when linking: nothing in client.exe can select the model.
 *
 * Every entry has the signature, the error convention (BOOL + last
 * error, a Win32 error code, an HRESULT) and the OVERLAPPED contract of
 * the Windows function it is named after, so a caller cannot tell them
 * apart. The two Network List entries are the exception: COM's
 * INetworkListManager walk (connection -> adapter id -> network) is
 * folded into one call each. */

#include <winsock2.h>
#include <ws2ipdef.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <setupapi.h>

/* NLM_NETWORK_CATEGORY's values (netlistmgr.h), without pulling COM
 * headers into every user. */
typedef enum WinNetworkCategory {
        WIN_NETWORK_CATEGORY_PUBLIC = 0,
        WIN_NETWORK_CATEGORY_PRIVATE = 1,
        WIN_NETWORK_CATEGORY_DOMAIN_AUTHENTICATED = 2,
} WinNetworkCategory;

typedef struct WinSys {
        /* The TAP device node (kernel32). */
        HANDLE(WINAPI *CreateFileW)(LPCWSTR path, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa,
                                    DWORD disposition, DWORD flags, HANDLE template_file);
        BOOL(WINAPI *DeviceIoControl)(HANDLE device, DWORD code, LPVOID in, DWORD in_size, LPVOID out,
                                      DWORD out_size, LPDWORD ret_size, LPOVERLAPPED ov);
        BOOL(WINAPI *ReadFile)(HANDLE file, LPVOID buf, DWORD size, LPDWORD ret_size, LPOVERLAPPED ov);
        BOOL(WINAPI *WriteFile)(HANDLE file, LPCVOID buf, DWORD size, LPDWORD ret_size, LPOVERLAPPED ov);
        BOOL(WINAPI *GetOverlappedResult)(HANDLE file, LPOVERLAPPED ov, LPDWORD ret_size, BOOL wait);
        BOOL(WINAPI *CancelIoEx)(HANDLE file, LPOVERLAPPED ov);
        BOOL(WINAPI *CloseHandle)(HANDLE handle);

        /* Restarting the adapter (setupapi). */
        HDEVINFO(WINAPI *SetupDiGetClassDevsW)(const GUID *class_guid, PCWSTR enumerator, HWND parent, DWORD flags);
        BOOL(WINAPI *SetupDiEnumDeviceInfo)(HDEVINFO devs, DWORD index, PSP_DEVINFO_DATA info);
        HKEY(WINAPI *SetupDiOpenDevRegKey)(HDEVINFO devs, PSP_DEVINFO_DATA info, DWORD scope, DWORD profile,
                                           DWORD key_type, REGSAM access);
        BOOL(WINAPI *SetupDiSetClassInstallParamsW)(HDEVINFO devs, PSP_DEVINFO_DATA info,
                                                    PSP_CLASSINSTALL_HEADER params, DWORD size);
        BOOL(WINAPI *SetupDiCallClassInstaller)(DI_FUNCTION function, HDEVINFO devs, PSP_DEVINFO_DATA info);
        BOOL(WINAPI *SetupDiGetDeviceInstallParamsW)(HDEVINFO devs, PSP_DEVINFO_DATA info,
                                                     PSP_DEVINSTALL_PARAMS_W params);
        BOOL(WINAPI *SetupDiDestroyDeviceInfoList)(HDEVINFO devs);

        /* Routes (iphlpapi). */
        DWORD(WINAPI *GetBestRoute2)(NET_LUID *luid, NET_IFINDEX index, const SOCKADDR_INET *source,
                                     const SOCKADDR_INET *destination, ULONG options,
                                     PMIB_IPFORWARD_ROW2 ret_route, SOCKADDR_INET *ret_source);
        DWORD(WINAPI *GetIpForwardTable2)(ADDRESS_FAMILY family, PMIB_IPFORWARD_TABLE2 *ret_table);
        DWORD(WINAPI *GetIpForwardEntry2)(PMIB_IPFORWARD_ROW2 row);
        DWORD(WINAPI *CreateIpForwardEntry2)(const MIB_IPFORWARD_ROW2 *row);
        DWORD(WINAPI *DeleteIpForwardEntry2)(const MIB_IPFORWARD_ROW2 *row);
        DWORD(WINAPI *NotifyRouteChange2)(ADDRESS_FAMILY family, PIPFORWARD_CHANGE_CALLBACK callback, PVOID context,
                                          BOOLEAN initial_notification, HANDLE *ret_handle);
        DWORD(WINAPI *CancelMibChangeNotify2)(HANDLE handle);
        void(WINAPI *FreeMibTable)(PVOID table);
        /* wine's iphlpapi has no InitializeIpForwardEntry (a stub that
         * kills the process), so under wine a route row cannot be made
         * without the table. */
        void(WINAPI *InitializeIpForwardEntry)(PMIB_IPFORWARD_ROW2 row);

        /* Interfaces and their addresses (iphlpapi). */
        DWORD(WINAPI *GetIpInterfaceEntry)(PMIB_IPINTERFACE_ROW row);
        DWORD(WINAPI *SetIpInterfaceEntry)(PMIB_IPINTERFACE_ROW row);
        DWORD(WINAPI *GetIpInterfaceTable)(ADDRESS_FAMILY family, PMIB_IPINTERFACE_TABLE *ret_table);
        DWORD(WINAPI *ConvertInterfaceGuidToLuid)(const GUID *guid, PNET_LUID ret_luid);
        DWORD(WINAPI *ConvertInterfaceLuidToIndex)(const NET_LUID *luid, PNET_IFINDEX ret_index);
        DWORD(WINAPI *ConvertInterfaceIndexToLuid)(NET_IFINDEX index, PNET_LUID ret_luid);
        DWORD(WINAPI *ConvertInterfaceLuidToAlias)(const NET_LUID *luid, PWSTR alias, SIZE_T length);
        DWORD(WINAPI *ConvertInterfaceLuidToGuid)(const NET_LUID *luid, GUID *ret_guid);
        ULONG(WINAPI *GetAdaptersAddresses)(ULONG family, ULONG flags, PVOID reserved,
                                            PIP_ADAPTER_ADDRESSES addresses, PULONG size);
        DWORD(WINAPI *NotifyUnicastIpAddressChange)(ADDRESS_FAMILY family,
                                                    PUNICAST_IPADDRESS_CHANGE_CALLBACK callback, PVOID context,
                                                    BOOLEAN initial_notification, HANDLE *ret_handle);

        /* UDP sockets as a game opens them (ws2_32), for the party
         * check's probes: what they send must go where Windows' routes
         * take it, which in the model is its TAP. Errors: SOCKET_ERROR or
         * INVALID_SOCKET with the code in WSAGetLastError(). The relay's
         * socket is not among them: it talks to a real relay. */
        SOCKET(WSAAPI *socket)(int af, int type, int protocol);
        int(WSAAPI *closesocket)(SOCKET s);
        int(WSAAPI *bind)(SOCKET s, const struct sockaddr *name, int namelen);
        int(WSAAPI *getsockname)(SOCKET s, struct sockaddr *name, int *namelen);
        int(WSAAPI *setsockopt)(SOCKET s, int level, int optname, const char *optval, int optlen);
        int(WSAAPI *ioctlsocket)(SOCKET s, long cmd, u_long *argp);
        int(WSAAPI *sendto)(SOCKET s, const char *buf, int len, int flags, const struct sockaddr *to, int tolen);
        int(WSAAPI *recv)(SOCKET s, char *buf, int len, int flags);

        /* The neighbour (ARP) table (iphlpapi): looks an entry up,
         * resolves nothing. */
        DWORD(WINAPI *GetIpNetEntry2)(PMIB_IPNET_ROW2 row);

        /* DHCP (iphlpapi): the adapter index map IpRenewAddress() wants. */
        DWORD(WINAPI *GetInterfaceInfo)(PIP_INTERFACE_INFO table, PULONG size);
        DWORD(WINAPI *IpRenewAddress)(PIP_ADAPTER_INDEX_MAP adapter);

        /* The category of the network Windows identified on an adapter
         * (INetworkListManager, INetworkConnection::GetAdapterId,
         * INetwork::GetCategory/SetCategory). S_OK, or
         * HRESULT_FROM_WIN32(ERROR_NOT_FOUND) while no network is
         * connected through that adapter, or COM's error. */
        HRESULT (*network_category_get)(const GUID *adapter_id, WinNetworkCategory *ret_category);
        HRESULT (*network_category_set)(const GUID *adapter_id, WinNetworkCategory category);
} WinSys;

/* client.exe's is Windows itself (win-sys.c); the model tests' is the
 * model. */
extern const WinSys *const win_sys;
