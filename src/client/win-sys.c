/* SPDX-License-Identifier: MIT */
/* win-sys.h for client.exe: Windows itself. Each entry is the Windows
 * function it is named after; only the network category needs code of
 * its own, the COM walk that INetworkListManager asks for. */
#define COBJMACROS
#include "win-sys.h"

#include <stdbool.h>

#include <initguid.h>
#include <netlistmgr.h>
#include <objbase.h>

/* CoInitializeEx() for the calling thread, if it has not been done: the
 * worker thread of the window and the console's main thread both ask. A
 * thread already in a single-threaded apartment is fine as it is. */
static HRESULT com_enter(bool *ret_leave) {
        HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);

        *ret_leave = SUCCEEDED(hr);
        return hr == RPC_E_CHANGED_MODE ? S_OK : hr;
}

/* The network reached through adapter `adapter_id`, as Network List
 * Manager sees it: INetworkListManager::GetNetworkConnections(), the
 * connection whose INetworkConnection::GetAdapterId() matches, then
 * INetworkConnection::GetNetwork(). HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
 * while Windows has not identified a network on it. */
static HRESULT network_find(const GUID *adapter_id, INetwork **ret) {
        INetworkListManager *nlm = NULL;
        IEnumNetworkConnections *conns = NULL;
        INetworkConnection *conn = NULL;
        HRESULT hr;

        *ret = NULL;
        hr = CoCreateInstance(&CLSID_NetworkListManager, NULL, CLSCTX_ALL, &IID_INetworkListManager, (void **) &nlm);
        if (FAILED(hr))
                return hr;
        hr = INetworkListManager_GetNetworkConnections(nlm, &conns);
        if (FAILED(hr))
                goto out;
        hr = HRESULT_FROM_WIN32(ERROR_NOT_FOUND);
        for (;;) {
                ULONG n = 0;
                GUID id;

                if (IEnumNetworkConnections_Next(conns, 1, &conn, &n) != S_OK || n != 1)
                        break;
                if (SUCCEEDED(INetworkConnection_GetAdapterId(conn, &id)) && IsEqualGUID(&id, adapter_id)) {
                        hr = INetworkConnection_GetNetwork(conn, ret);
                        INetworkConnection_Release(conn);
                        break;
                }
                INetworkConnection_Release(conn);
        }
        IEnumNetworkConnections_Release(conns);
out:
        INetworkListManager_Release(nlm);
        return hr;
}

/* Reads (set false) or writes (set true) *category, the category of the
 * network on adapter `adapter_id`: one COM walk for both directions. */
static HRESULT network_category_access(const GUID *adapter_id, bool set, WinNetworkCategory *category) {
        NLM_NETWORK_CATEGORY current;
        INetwork *network = NULL;
        bool leave;
        HRESULT hr;

        hr = com_enter(&leave);
        if (FAILED(hr))
                return hr;
        hr = network_find(adapter_id, &network);
        if (SUCCEEDED(hr)) {
                if (set)
                        hr = INetwork_SetCategory(network, (NLM_NETWORK_CATEGORY) *category);
                else {
                        hr = INetwork_GetCategory(network, &current);
                        if (SUCCEEDED(hr))
                                *category = (WinNetworkCategory) current;
                }
                INetwork_Release(network);
        }
        if (leave)
                CoUninitialize();
        return hr;
}

static HRESULT network_category_get(const GUID *adapter_id, WinNetworkCategory *ret_category) {
        return network_category_access(adapter_id, false, ret_category);
}

static HRESULT network_category_set(const GUID *adapter_id, WinNetworkCategory category) {
        return network_category_access(adapter_id, true, &category);
}

static const WinSys win_sys_windows = {
        .CreateFileW = CreateFileW,
        .DeviceIoControl = DeviceIoControl,
        .ReadFile = ReadFile,
        .WriteFile = WriteFile,
        .GetOverlappedResult = GetOverlappedResult,
        .CancelIoEx = CancelIoEx,
        .CloseHandle = CloseHandle,

        .SetupDiGetClassDevsW = SetupDiGetClassDevsW,
        .SetupDiEnumDeviceInfo = SetupDiEnumDeviceInfo,
        .SetupDiOpenDevRegKey = SetupDiOpenDevRegKey,
        .SetupDiSetClassInstallParamsW = SetupDiSetClassInstallParamsW,
        .SetupDiCallClassInstaller = SetupDiCallClassInstaller,
        .SetupDiGetDeviceInstallParamsW = SetupDiGetDeviceInstallParamsW,
        .SetupDiDestroyDeviceInfoList = SetupDiDestroyDeviceInfoList,

        .GetBestRoute2 = GetBestRoute2,
        .GetIpForwardTable2 = GetIpForwardTable2,
        .GetIpForwardEntry2 = GetIpForwardEntry2,
        .CreateIpForwardEntry2 = CreateIpForwardEntry2,
        .DeleteIpForwardEntry2 = DeleteIpForwardEntry2,
        .InitializeIpForwardEntry = InitializeIpForwardEntry,
        .NotifyRouteChange2 = NotifyRouteChange2,
        .CancelMibChangeNotify2 = CancelMibChangeNotify2,
        .FreeMibTable = FreeMibTable,

        .GetIpInterfaceEntry = GetIpInterfaceEntry,
        .SetIpInterfaceEntry = SetIpInterfaceEntry,
        .GetIpInterfaceTable = GetIpInterfaceTable,
        .ConvertInterfaceGuidToLuid = ConvertInterfaceGuidToLuid,
        .ConvertInterfaceLuidToIndex = ConvertInterfaceLuidToIndex,
        .ConvertInterfaceIndexToLuid = ConvertInterfaceIndexToLuid,
        .ConvertInterfaceLuidToAlias = ConvertInterfaceLuidToAlias,
        .ConvertInterfaceLuidToGuid = ConvertInterfaceLuidToGuid,
        .GetAdaptersAddresses = GetAdaptersAddresses,
        .NotifyUnicastIpAddressChange = NotifyUnicastIpAddressChange,

        .socket = socket,
        .closesocket = closesocket,
        .bind = bind,
        .getsockname = getsockname,
        .setsockopt = setsockopt,
        .ioctlsocket = ioctlsocket,
        .sendto = sendto,
        .recv = recv,
        .GetIpNetEntry2 = GetIpNetEntry2,

        .GetInterfaceInfo = GetInterfaceInfo,
        .IpRenewAddress = IpRenewAddress,

        .network_category_get = network_category_get,
        .network_category_set = network_category_set,
};

const WinSys *const win_sys = &win_sys_windows;
