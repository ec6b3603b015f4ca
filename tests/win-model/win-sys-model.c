/* SPDX-License-Identifier: MIT */
/* The model's win_sys (src/client/win-sys.h): a program linked with
 * libwinmodel instead of win-sys.c calls the model through the same
 * table. Each entry hands what the model does not own (files, device
 * information sets, tables, notification handles) to Windows. */
#include "model.h"

static const WinSys model_table = {
        .CreateFileW = model_CreateFileW,
        .DeviceIoControl = model_DeviceIoControl,
        .ReadFile = model_ReadFile,
        .WriteFile = model_WriteFile,
        .GetOverlappedResult = model_GetOverlappedResult,
        .CancelIoEx = model_CancelIoEx,
        .CloseHandle = model_CloseHandle,
        .SetupDiGetClassDevsW = model_SetupDiGetClassDevsW,
        .SetupDiEnumDeviceInfo = model_SetupDiEnumDeviceInfo,
        .SetupDiOpenDevRegKey = model_SetupDiOpenDevRegKey,
        .SetupDiSetClassInstallParamsW = model_SetupDiSetClassInstallParamsW,
        .SetupDiCallClassInstaller = model_SetupDiCallClassInstaller,
        .SetupDiGetDeviceInstallParamsW = model_SetupDiGetDeviceInstallParamsW,
        .SetupDiDestroyDeviceInfoList = model_SetupDiDestroyDeviceInfoList,
        .GetBestRoute2 = model_GetBestRoute2,
        .GetIpForwardTable2 = model_GetIpForwardTable2,
        .GetIpForwardEntry2 = model_GetIpForwardEntry2,
        .CreateIpForwardEntry2 = model_CreateIpForwardEntry2,
        .DeleteIpForwardEntry2 = model_DeleteIpForwardEntry2,
        .NotifyRouteChange2 = model_NotifyRouteChange2,
        .CancelMibChangeNotify2 = model_CancelMibChangeNotify2,
        .FreeMibTable = model_FreeMibTable,
        .InitializeIpForwardEntry = model_InitializeIpForwardEntry,
        .GetIpInterfaceEntry = model_GetIpInterfaceEntry,
        .SetIpInterfaceEntry = model_SetIpInterfaceEntry,
        .GetIpInterfaceTable = model_GetIpInterfaceTable,
        .ConvertInterfaceGuidToLuid = model_ConvertInterfaceGuidToLuid,
        .ConvertInterfaceLuidToIndex = model_ConvertInterfaceLuidToIndex,
        .ConvertInterfaceIndexToLuid = model_ConvertInterfaceIndexToLuid,
        .ConvertInterfaceLuidToAlias = model_ConvertInterfaceLuidToAlias,
        .ConvertInterfaceLuidToGuid = model_ConvertInterfaceLuidToGuid,
        .GetAdaptersAddresses = model_GetAdaptersAddresses,
        .NotifyUnicastIpAddressChange = model_NotifyUnicastIpAddressChange,
        .socket = model_socket,
        .closesocket = model_closesocket,
        .bind = model_bind,
        .getsockname = model_getsockname,
        .setsockopt = model_setsockopt,
        .ioctlsocket = model_ioctlsocket,
        .sendto = model_sendto,
        .recv = model_recv,
        .GetIpNetEntry2 = model_GetIpNetEntry2,
        .GetInterfaceInfo = model_GetInterfaceInfo,
        .IpRenewAddress = model_IpRenewAddress,
        .network_category_get = model_network_category_get,
        .network_category_set = model_network_category_set,
};

const WinSys *const win_sys = &model_table;
