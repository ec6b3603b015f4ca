/* SPDX-License-Identifier: MIT */
/* The TAP device node \\.\Global\{GUID}.tap: TapDeviceCreate, Read,
 * Write, Control, Cleanup and Close (device.c, txpath.c, rxpath.c at
 * 0cad866) behind CreateFileW, ReadFile, WriteFile, DeviceIoControl,
 * CancelIoEx, CloseHandle and GetOverlappedResult. Handles the model does
 * not own go to Windows. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "model.h"

/* tap-windows.h:37-56 */
#define TAP_IOCTL(n) CTL_CODE(FILE_DEVICE_UNKNOWN, n, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define TAP_WIN_IOCTL_GET_MAC TAP_IOCTL(1)
#define TAP_WIN_IOCTL_GET_VERSION TAP_IOCTL(2)
#define TAP_WIN_IOCTL_GET_MTU TAP_IOCTL(3)
#define TAP_WIN_IOCTL_GET_INFO TAP_IOCTL(4)
#define TAP_WIN_IOCTL_CONFIG_POINT_TO_POINT TAP_IOCTL(5)
#define TAP_WIN_IOCTL_SET_MEDIA_STATUS TAP_IOCTL(6)
#define TAP_WIN_IOCTL_CONFIG_DHCP_MASQ TAP_IOCTL(7)
#define TAP_WIN_IOCTL_CONFIG_DHCP_SET_OPT TAP_IOCTL(9)
#define TAP_WIN_IOCTL_CONFIG_TUN TAP_IOCTL(10)
#define TAP_WIN_IOCTL_PRIORITY_BEHAVIOR TAP_IOCTL(11)

/* "\\.\Global\{GUID}.tap" (tap-windows.h:76-79, device.c:1233-1269), or
 * "\\.\{GUID}.tap", which the object manager resolves to the same link. */
static bool path_is_tap(LPCWSTR path, GUID *ret) {
        char guid[39];
        size_t n;

        if (!path || wcsncmp(path, L"\\\\.\\", 4) != 0)
                return false;
        path += 4;
        if (_wcsnicmp(path, L"Global\\", 7) == 0)
                path += 7;
        n = wcslen(path);
        if (n != 38 + 4 || _wcsicmp(path + 38, L".tap") != 0)
                return false;
        for (size_t k = 0; k < 38; k++) {
                if (path[k] > 0x7f)
                        return false;
                guid[k] = (char) path[k];
        }
        guid[38] = '\0';
        return model_guid_parse(guid, ret) == 0;
}

static ModelFile *file_find(HANDLE h) {
        if (!h || h == INVALID_HANDLE_VALUE)
                return NULL;
        for (size_t k = 0; k < MODEL_FILES_MAX; k++)
                if (model.files[k].used && model.files[k].handle == h)
                        return &model.files[k];
        return NULL;
}

/* TapDeviceCreate (device.c:77-204): exclusive, STATUS_UNSUCCESSFUL
 * (ERROR_GEN_FAILURE) while another file object has it; a successful open
 * resets the adapter state (tapResetAdapterState, 50-74: TUN and DHCP
 * masquerade, which the model does not have). No device node while the
 * adapter is disabled or halted: the link is missing, so the object
 * manager fails with STATUS_OBJECT_NAME_NOT_FOUND, ERROR_FILE_NOT_FOUND. */
HANDLE WINAPI model_CreateFileW(LPCWSTR path, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa,
                                DWORD disposition, DWORD flags, HANDLE template_file) {
        ModelAdapter *a;
        ModelFile *f = NULL;
        GUID g;

        if (!path_is_tap(path, &g))
                return CreateFileW(path, access, share, sa, disposition, flags, template_file);
        model_lock();
        a = model_adapter_by_guid_bin(&g);
        if (!a || !a->ctx || !a->ctx->device_created) {
                char s[39];

                model_guid_format(&g, s);
                model_log("open-failed", "guid=%s error=file-not-found", s);
                model_unlock();
                SetLastError(model_nt_to_win32(MODEL_STATUS_OBJECT_NAME_NOT_FOUND));
                return INVALID_HANDLE_VALUE;
        }
        if (a->ctx->file) {
                model_log("open-failed", "guid=%s error=in-use", a->guid);
                model_unlock();
                SetLastError(model_nt_to_win32(MODEL_STATUS_UNSUCCESSFUL));
                return INVALID_HANDLE_VALUE;
        }
        for (size_t k = 0; k < MODEL_FILES_MAX && !f; k++)
                if (!model.files[k].used)
                        f = &model.files[k];
        if (!f || !(f->handle = CreateEventW(NULL, TRUE, FALSE, NULL))) {
                model_unlock();
                SetLastError(ERROR_NO_SYSTEM_RESOURCES);
                return INVALID_HANDLE_VALUE;
        }
        f->used = true;
        f->overlapped = flags & FILE_FLAG_OVERLAPPED;
        f->ctx = a->ctx;
        f->ctx->refs++;
        f->ctx->file = f;
        f->ctx->file_is_open = true;
        model_log("open", "guid=%s overlapped=%d", a->guid, f->overlapped);
        model_unlock();
        return f->handle;
}

static const char *guid_of(const ModelFile *f) {
        return f->ctx->adapter ? f->ctx->adapter->guid : "halted";
}

static const char *why_not_ready(const ModelTapCtx *c) {
        if (!c->device_created)
                return "halted";
        if (!c->media)
                return "media-off";
        if (c->power)
                return "low-power";
        return "closing";
}

/* Synchronous handles (no FILE_FLAG_OVERLAPPED) and calls without an
 * OVERLAPPED wait in the I/O manager until the request completes. */
static BOOL wait_sync(ModelFile *f, OVERLAPPED *local, OVERLAPPED *user, LPDWORD ret) {
        BOOL ok;

        model_unlock();
        WaitForSingleObject(local->hEvent, INFINITE);
        CloseHandle(local->hEvent);
        if (user) {
                user->Internal = local->Internal;
                user->InternalHigh = local->InternalHigh;
        }
        (void) f;
        ok = (LONG) local->Internal >= 0 && (LONG) local->Internal != MODEL_STATUS_BUFFER_OVERFLOW;
        if (ret)
                *ret = (DWORD) local->InternalHigh;
        if (!ok)
                SetLastError(model_nt_to_win32((LONG) local->Internal));
        return ok;
}

/* The start reads and writes share: calls that wait in the I/O manager
 * get an OVERLAPPED of their own; the events are reset; the request is
 * refused (STATUS_CANCELLED) unless tapAdapterReadAndWriteReady, and a
 * zero-length one has no MDL (STATUS_INVALID_PARAMETER, txpath.c:
 * 1240-1251, rxpath.c:656-667). */
static LONG io_start(ModelFile *f, const char *what, const void *buf, DWORD size, OVERLAPPED **o, OVERLAPPED *local,
                     LPDWORD ret) {
        if (ret)
                *ret = 0;
        if (!*o || !f->overlapped) {
                local->hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
                *o = local;
        }
        model_iom_start(f, *o);
        if (!model_tap_rw_ready(f->ctx)) {
                model_log(what, "guid=%s reason=%s", guid_of(f), why_not_ready(f->ctx));
                return MODEL_STATUS_CANCELLED;
        }
        return size == 0 || !buf ? MODEL_STATUS_INVALID_PARAMETER : MODEL_STATUS_SUCCESS;
}

/* TapDeviceRead (txpath.c:1197-1305): past io_start, queued (always
 * pended: IoCsqInsertIrp marks it pending even when a frame is waiting)
 * and served from the send packet queue. */
BOOL WINAPI model_ReadFile(HANDLE h, LPVOID buf, DWORD size, LPDWORD ret, LPOVERLAPPED ov) {
        OVERLAPPED local = {};
        OVERLAPPED *o = ov;
        ModelFile *f;
        ModelIrp *irp = NULL;
        LONG st;

        model_lock();
        f = file_find(h);
        if (!f) {
                model_unlock();
                return ReadFile(h, buf, size, ret, ov);
        }
        st = io_start(f, "read-refused", buf, size, &o, &local, ret);
        if (st != MODEL_STATUS_SUCCESS)
                ;
        else if (f->ctx->n_reads >= MODEL_READS_MAX) {
                model_violation("more than MODEL_READS_MAX reads outstanding");
                st = MODEL_STATUS_INSUFFICIENT_RESOURCES;
        } else if (!(irp = calloc(1, sizeof(*irp))))
                st = MODEL_STATUS_INSUFFICIENT_RESOURCES;
        if (st != MODEL_STATUS_SUCCESS) {
                BOOL ok = model_iom_sync(f, o == &local ? ov : o, st, 0, ret);

                if (o == &local)
                        CloseHandle(local.hEvent);
                model_unlock();
                return ok;
        }
        *irp = (ModelIrp) { .file = f, .ov = o, .buf = buf, .size = size };
        {
                ModelIrp **p = &f->ctx->reads;

                while (*p)
                        p = &(*p)->next;
                *p = irp;
                f->ctx->n_reads++;
        }
        model_tap_process_queue(f->ctx);
        if (o == &local)
                return wait_sync(f, &local, ov, ret);
        model_unlock();
        SetLastError(ERROR_IO_PENDING);
        return FALSE;
}

/* TapDeviceWrite (rxpath.c:613-869); see model_tap_write. A write the
 * stack took is pended and completed when the NBL comes back, so even
 * an at-once completion reports ERROR_IO_PENDING (IoMarkIrpPending,
 * rxpath.c:581). */
BOOL WINAPI model_WriteFile(HANDLE h, LPCVOID buf, DWORD size, LPDWORD ret, LPOVERLAPPED ov) {
        OVERLAPPED local = {};
        OVERLAPPED *o = ov;
        ModelFile *f;
        LONG st;
        bool pending = false;
        BOOL ok;

        model_lock();
        f = file_find(h);
        if (!f) {
                model_unlock();
                return WriteFile(h, buf, size, ret, ov);
        }
        st = io_start(f, "write-refused", buf, size, &o, &local, ret);
        if (st == MODEL_STATUS_SUCCESS)
                st = model_tap_write(f->ctx, buf, size, &pending);
        if (pending) {
                model_iom_complete(f, o, st, size);
                if (o == &local)
                        return wait_sync(f, &local, ov, ret);
                model_unlock();
                SetLastError(ERROR_IO_PENDING);
                return FALSE;
        }
        ok = model_iom_sync(f, o == &local ? ov : o, st, MODEL_NT_ERROR(st) ? 0 : size, ret);
        if (o == &local)
                CloseHandle(local.hEvent);
        model_unlock();
        return ok;
}

static LONG ioctl_dispatch(ModelTapCtx *c, DWORD code, uint8_t *sys, DWORD in_size, DWORD out_size,
                           ULONG_PTR *info) {
        ULONG parm;

        switch (code) {
        case TAP_WIN_IOCTL_GET_MAC: /* device.c:359-376 */
                if (out_size < 6)
                        return MODEL_STATUS_BUFFER_TOO_SMALL;
                memcpy(sys, c->mac, 6);
                *info = 6;
                return MODEL_STATUS_SUCCESS;
        case TAP_WIN_IOCTL_GET_VERSION: /* 378-404; a release build reports debug 0 */
                if (out_size < 12)
                        return MODEL_STATUS_BUFFER_TOO_SMALL;
                memcpy(sys, &c->version_major, 4);
                memcpy(sys + 4, &c->version_minor, 4);
                memset(sys + 8, 0, 4);
                *info = 12;
                return MODEL_STATUS_SUCCESS;
        case TAP_WIN_IOCTL_GET_MTU: /* 406-423 */
                if (out_size < 4)
                        return MODEL_STATUS_BUFFER_TOO_SMALL;
                memcpy(sys, &c->mtu, 4);
                *info = 4;
                return MODEL_STATUS_SUCCESS;
        case TAP_WIN_IOCTL_SET_MEDIA_STATUS: /* 674-688 */
                if (in_size < 4)
                        return MODEL_STATUS_INVALID_PARAMETER;
                memcpy(&parm, sys, 4);
                model_tap_set_media(c, (uint8_t) parm);
                *info = 1;
                return MODEL_STATUS_SUCCESS;
        case TAP_WIN_IOCTL_PRIORITY_BEHAVIOR: /* 690-705 */
                if (in_size < 4)
                        return MODEL_STATUS_INVALID_PARAMETER;
                memcpy(&parm, sys, 4);
                if (parm > 2)
                        return MODEL_STATUS_INVALID_PARAMETER;
                c->priority_behavior = parm;
                *info = 1;
                return MODEL_STATUS_SUCCESS;
        case TAP_WIN_IOCTL_CONFIG_POINT_TO_POINT:
        case TAP_WIN_IOCTL_CONFIG_DHCP_MASQ:
        case TAP_WIN_IOCTL_CONFIG_DHCP_SET_OPT:
        case TAP_WIN_IOCTL_CONFIG_TUN:
                /* The driver has these (425-582); TUN mode and the DHCP
                 * masquerade are not modelled, so say so loudly. */
                model_violation("unmodelled TAP ioctl (TUN/P2P/DHCP masquerade)");
                return MODEL_STATUS_INVALID_DEVICE_REQUEST;
        case TAP_WIN_IOCTL_GET_INFO: /* 584-654: not implemented, fails */
        default:                     /* 707-713; GET_LOG_LINE only in DBG builds */
                return MODEL_STATUS_INVALID_DEVICE_REQUEST;
        }
}

/* TapDeviceControl (device.c:305-725): always completes at once, so on an
 * overlapped handle success returns TRUE with the OVERLAPPED written and
 * its event set, and failures return FALSE with neither. METHOD_BUFFERED:
 * one system buffer of max(in, out) bytes, copied back (Information
 * bytes) only on success. The control path checks no adapter state: it
 * still answers on a handle whose adapter was halted. */
BOOL WINAPI model_DeviceIoControl(HANDLE h, DWORD code, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size,
                                  LPDWORD ret, LPOVERLAPPED ov) {
        ModelFile *f;
        uint8_t *sys;
        ULONG_PTR info = 0;
        LONG st;
        BOOL ok;

        model_lock();
        f = file_find(h);
        if (!f) {
                model_unlock();
                return DeviceIoControl(h, code, in, in_size, out, out_size, ret, ov);
        }
        sys = calloc(1, MAX(MAX(in_size, out_size), 16u));
        if (!sys) {
                model_unlock();
                SetLastError(ERROR_NOT_ENOUGH_MEMORY);
                return FALSE;
        }
        if (in && in_size)
                memcpy(sys, in, in_size);
        model_iom_start(f, ov);
        st = ioctl_dispatch(f->ctx, code, sys, in ? in_size : 0, out ? out_size : 0, &info);
        model_log("ioctl", "guid=%s code=%lu status=0x%08lx", guid_of(f), (unsigned long) (code >> 2 & 0xfff),
                  (unsigned long) st);
        if (!MODEL_NT_ERROR(st) && out && out_size)
                memcpy(out, sys, MIN((size_t) info, (size_t) out_size));
        free(sys);
        ok = model_iom_sync(f, ov, st, info, ret);
        model_unlock();
        return ok;
}

/* CancelIoEx (Microsoft Learn): TRUE when a cancel was requested,
 * ERROR_NOT_FOUND when nothing matched. Pending reads sit in the driver's
 * cancel-safe queue and complete with STATUS_CANCELLED (mem.c:332-342);
 * writes are never pending in the model (the stack returns at once) and
 * cannot be cancelled in the driver either (rxpath.c:583-584). */
BOOL WINAPI model_CancelIoEx(HANDLE h, LPOVERLAPPED ov) {
        ModelFile *f;
        size_t n = 0;

        model_lock();
        f = file_find(h);
        if (!f) {
                model_unlock();
                return CancelIoEx(h, ov);
        }
        model_tap_cancel_reads(f->ctx, f, ov, MODEL_STATUS_CANCELLED, &n);
        if (n > 0)
                model_log("read-cancelled", "guid=%s count=%zu reason=cancel", guid_of(f), n);
        model_unlock();
        if (n == 0) {
                SetLastError(ERROR_NOT_FOUND);
                return FALSE;
        }
        return TRUE;
}

/* The last handle closed: IRP_MJ_CLEANUP, TapDeviceCleanup (device.c:
 * 741-843): media disconnected, state reset, send queue and pending reads
 * flushed; then IRP_MJ_CLOSE, TapDeviceClose (846-933), frees the
 * exclusive open. */
BOOL WINAPI model_CloseHandle(HANDLE h) {
        ModelFile *f;
        ModelTapCtx *c;

        model_lock();
        f = file_find(h);
        if (!f) {
                model_unlock();
                return CloseHandle(h);
        }
        c = f->ctx;
        model_log("close", "guid=%s", guid_of(f));
        c->file_is_open = false;
        model_tap_set_media(c, 0);
        model_tap_flush(c);
        c->file = NULL;
        *f = (ModelFile) {};
        model_tap_ctx_unref(c);
        model_unlock();
        return CloseHandle(h);
}

BOOL WINAPI model_GetOverlappedResult(HANDLE h, LPOVERLAPPED ov, LPDWORD ret, BOOL wait) {
        ModelFile *f;

        model_lock();
        f = file_find(h);
        if (f && wait && (LONG) ov->Internal == MODEL_STATUS_PENDING) {
                bool queued = false;

                for (ModelIrp *irp = f->ctx->reads; irp; irp = irp->next)
                        queued = queued || irp->ov == ov;
                /* Nothing will ever complete it: a request that failed at
                 * once leaves Internal at STATUS_PENDING. Windows waits
                 * forever here; so does the model, after saying so. */
                if (!queued)
                        model_violation("GetOverlappedResult waits for an OVERLAPPED no request holds");
        }
        model_unlock();
        if (!f)
                return GetOverlappedResult(h, ov, ret, wait);
        return model_get_overlapped_result(h, ov, ret, wait);
}
