/* SPDX-License-Identifier: MIT */
/* SetupAPI for the network class: the model's adapters as device
 * information elements, their driver keys, and DIF_PROPERTYCHANGE, which
 * stops and starts the adapter (SP_PROPCHANGE_PARAMS, Microsoft Learn:
 * "DICS_PROPCHANGE ... stops and restarts the device") so the driver
 * reads NetworkAddress again. Other device information sets go to
 * Windows.
 *
 * Restarting while the device node is open: the driver's halt path is
 * written for exactly that (device.c:1473-1496: pending reads cancelled,
 * "user-space" should close its handle) and NDIS does not veto the stop,
 * so by default the restart happens and the old handle is left with a
 * halted adapter. restart_with_open_handle=veto makes Windows refuse the
 * stop instead, which SetupDiChangeState reports as DI_NEEDREBOOT in the
 * device's install params; the sources say nothing either way, so the
 * model offers both. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const GUID net_class = { 0x4d36e972, 0xe325, 0x11ce, { 0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18 } };

typedef struct DevElem {
        GUID guid;
        bool have_params;
        SP_PROPCHANGE_PARAMS params;
        DWORD flags; /* SP_DEVINSTALL_PARAMS.Flags */
} DevElem;

typedef struct DevSet {
        DevElem elems[WIN_MODEL_ADAPTERS_MAX];
        size_t n;
} DevSet;

static DevSet *sets[8];

bool model_devinfo_owned(HDEVINFO devs) {
        for (size_t k = 0; k < ELEMENTSOF(sets); k++)
                if (sets[k] && (HDEVINFO) sets[k] == devs)
                        return true;
        return false;
}

static DevElem *elem_get(HDEVINFO devs, const SP_DEVINFO_DATA *info) {
        DevSet *s = (DevSet *) devs;

        if (!info || info->cbSize != sizeof(SP_DEVINFO_DATA)) {
                SetLastError(ERROR_INVALID_USER_BUFFER);
                return NULL;
        }
        if (info->Reserved == 0 || info->Reserved > s->n) {
                SetLastError(ERROR_INVALID_PARAMETER);
                return NULL;
        }
        return &s->elems[info->Reserved - 1];
}

HDEVINFO WINAPI model_SetupDiGetClassDevsW(const GUID *class_guid, PCWSTR enumerator, HWND parent, DWORD flags) {
        DevSet *s;
        size_t slot = ELEMENTSOF(sets);

        if (!class_guid || !model_guid_equal(class_guid, &net_class) || enumerator ||
            (flags & (DIGCF_ALLCLASSES | DIGCF_DEVICEINTERFACE)))
                return SetupDiGetClassDevsW(class_guid, enumerator, parent, flags);
        model_lock();
        for (size_t k = 0; k < ELEMENTSOF(sets); k++)
                if (!sets[k])
                        slot = k;
        s = slot < ELEMENTSOF(sets) ? calloc(1, sizeof(*s)) : NULL;
        if (!s) {
                model_unlock();
                SetLastError(ERROR_NOT_ENOUGH_MEMORY);
                return INVALID_HANDLE_VALUE;
        }
        /* DIGCF_PRESENT: installed devices, enabled or not. */
        for (size_t k = 0; k < WIN_MODEL_ADAPTERS_MAX; k++)
                if (model.adapters[k].used)
                        s->elems[s->n++].guid = model.adapters[k].guid_bin;
        sets[slot] = s;
        model_unlock();
        return (HDEVINFO) s;
}

BOOL WINAPI model_SetupDiEnumDeviceInfo(HDEVINFO devs, DWORD index, PSP_DEVINFO_DATA info) {
        DevSet *s = (DevSet *) devs;
        BOOL ok = FALSE;

        model_lock();
        if (!model_devinfo_owned(devs)) {
                model_unlock();
                return SetupDiEnumDeviceInfo(devs, index, info);
        }
        if (!info || info->cbSize != sizeof(SP_DEVINFO_DATA))
                SetLastError(ERROR_INVALID_USER_BUFFER);
        else if (index >= s->n)
                SetLastError(ERROR_NO_MORE_ITEMS);
        else {
                info->ClassGuid = net_class;
                info->DevInst = 0x1000 + index;
                info->Reserved = index + 1;
                ok = TRUE;
        }
        model_unlock();
        return ok;
}

HKEY WINAPI model_SetupDiOpenDevRegKey(HDEVINFO devs, PSP_DEVINFO_DATA info, DWORD scope, DWORD profile,
                                       DWORD key_type, REGSAM access) {
        DevElem *e;
        ModelAdapter *a;
        HKEY k = NULL;

        model_lock();
        if (!model_devinfo_owned(devs)) {
                model_unlock();
                return SetupDiOpenDevRegKey(devs, info, scope, profile, key_type, access);
        }
        e = elem_get(devs, info);
        if (e && key_type != DIREG_DRV) {
                /* The hardware key (DIREG_DEV) holds nothing the client reads. */
                model_log("unmodelled", "what=SetupDiOpenDevRegKey-DIREG_DEV");
                SetLastError(ERROR_INVALID_FLAGS);
        } else if (e) {
                a = model_adapter_by_guid_bin(&e->guid);
                k = a ? model_registry_open(a, access) : NULL;
                if (!k)
                        SetLastError(ERROR_KEY_DOES_NOT_EXIST);
        }
        model_unlock();
        return k ? k : INVALID_HANDLE_VALUE;
}

BOOL WINAPI model_SetupDiSetClassInstallParamsW(HDEVINFO devs, PSP_DEVINFO_DATA info, PSP_CLASSINSTALL_HEADER params,
                                                DWORD size) {
        DevElem *e;
        BOOL ok = FALSE;

        model_lock();
        if (!model_devinfo_owned(devs)) {
                model_unlock();
                return SetupDiSetClassInstallParamsW(devs, info, params, size);
        }
        e = elem_get(devs, info);
        if (!e)
                ;
        else if (!params) {
                e->have_params = false;
                ok = TRUE;
        } else if (params->cbSize != sizeof(SP_CLASSINSTALL_HEADER))
                SetLastError(ERROR_INVALID_USER_BUFFER);
        else if (params->InstallFunction != DIF_PROPERTYCHANGE || size != sizeof(SP_PROPCHANGE_PARAMS))
                SetLastError(ERROR_INVALID_PARAMETER);
        else {
                memcpy(&e->params, params, sizeof(e->params));
                e->have_params = true;
                ok = TRUE;
        }
        model_unlock();
        return ok;
}

static void propchange(DevElem *e, ModelAdapter *a) {
        switch (e->params.StateChange) {
        case DICS_PROPCHANGE:
                if (a->ctx && a->ctx->file && model.settings.veto_restart_when_open) {
                        e->flags |= DI_NEEDREBOOT;
                        model_log("restart", "guid=%s result=need-reboot", a->guid);
                        return;
                }
                model_tap_halt(a);
                if (a->enabled)
                        model_tap_start(a);
                model_log("restart", "guid=%s result=restarted", a->guid);
                return;
        case DICS_DISABLE:
        case DICS_STOP:
                a->enabled = false;
                model_tap_halt(a);
                model_log("restart", "guid=%s result=disabled", a->guid);
                return;
        case DICS_ENABLE:
        case DICS_START:
                a->enabled = true;
                model_tap_start(a);
                model_log("restart", "guid=%s result=enabled", a->guid);
                return;
        }
}

BOOL WINAPI model_SetupDiCallClassInstaller(DI_FUNCTION function, HDEVINFO devs, PSP_DEVINFO_DATA info) {
        DevElem *e;
        ModelAdapter *a;
        BOOL ok = FALSE;

        model_lock();
        if (!model_devinfo_owned(devs)) {
                model_unlock();
                return SetupDiCallClassInstaller(function, devs, info);
        }
        e = elem_get(devs, info);
        if (!e)
                ;
        else if (function != DIF_PROPERTYCHANGE) {
                model_log("unmodelled", "what=SetupDiCallClassInstaller-dif-%lu", (unsigned long) function);
                SetLastError(ERROR_INVALID_PARAMETER);
        } else if (!e->have_params)
                SetLastError(ERROR_NO_CLASSINSTALL_PARAMS);
        else if (!model.settings.elevated) /* SetupDiChangeState: administrators only */
                SetLastError(ERROR_ACCESS_DENIED);
        else if (!(a = model_adapter_by_guid_bin(&e->guid)))
                SetLastError(ERROR_NO_SUCH_DEVINST);
        else {
                propchange(e, a);
                ok = TRUE;
        }
        model_unlock();
        return ok;
}

BOOL WINAPI model_SetupDiGetDeviceInstallParamsW(HDEVINFO devs, PSP_DEVINFO_DATA info, PSP_DEVINSTALL_PARAMS_W params) {
        DevElem *e;
        BOOL ok = FALSE;

        model_lock();
        if (!model_devinfo_owned(devs)) {
                model_unlock();
                return SetupDiGetDeviceInstallParamsW(devs, info, params);
        }
        e = elem_get(devs, info);
        if (e && (!params || params->cbSize != sizeof(SP_DEVINSTALL_PARAMS_W)))
                SetLastError(ERROR_INVALID_USER_BUFFER);
        else if (e) {
                memset((uint8_t *) params + sizeof(DWORD), 0, sizeof(*params) - sizeof(DWORD));
                params->Flags = e->flags;
                ok = TRUE;
        }
        model_unlock();
        return ok;
}

BOOL WINAPI model_SetupDiDestroyDeviceInfoList(HDEVINFO devs) {
        model_lock();
        for (size_t k = 0; k < ELEMENTSOF(sets); k++)
                if (sets[k] && (HDEVINFO) sets[k] == devs) {
                        free(sets[k]);
                        sets[k] = NULL;
                        model_unlock();
                        return TRUE;
                }
        model_unlock();
        return SetupDiDestroyDeviceInfoList(devs);
}
