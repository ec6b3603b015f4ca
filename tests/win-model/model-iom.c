/* SPDX-License-Identifier: MIT */
/* The I/O manager's half of a request on the model's device node, which
 * decides what ReadFile/WriteFile/DeviceIoControl return and when the
 * OVERLAPPED is written, as ReactOS does it (ntoskrnl/io/iomgr/irp.c,
 * IopCompleteRequest; kernel32's ReadFile sets Internal to STATUS_PENDING
 * before NtReadFile, which clears the event first):
 *
 *  - a request the driver completes at once with an error (NT_ERROR, not
 *    pended) fails the call with that error and writes nothing: no
 *    IO_STATUS_BLOCK (Internal stays STATUS_PENDING), no event;
 *  - completed at once with success or a warning: the IO_STATUS_BLOCK is
 *    written and the event set; success returns TRUE, a warning FALSE
 *    with its error (STATUS_BUFFER_OVERFLOW: ERROR_MORE_DATA);
 *  - pended: the call returns FALSE with ERROR_IO_PENDING; completion
 *    writes InternalHigh, then Internal, then sets the event (the file's
 *    own event when the OVERLAPPED has none), error or not.
 *
 * NTSTATUS to Win32 error is RtlNtStatusToDosError, the table Windows
 * uses (Microsoft Learn, "RtlNtStatusToDosError function"), called in
 * ntdll itself. */
#include "model.h"

typedef ULONG(WINAPI *RtlNtStatusToDosErrorFn)(LONG status);

DWORD model_nt_to_win32(LONG status) {
        static RtlNtStatusToDosErrorFn fn;

        if (!fn)
                fn = (RtlNtStatusToDosErrorFn) (void (*)(void)) GetProcAddress(GetModuleHandleW(L"ntdll.dll"),
                                                                              "RtlNtStatusToDosError");
        if (fn)
                return fn(status);
        /* Without ntdll's table: the ones this model produces. */
        switch (status) {
        case MODEL_STATUS_SUCCESS:
                return ERROR_SUCCESS;
        case MODEL_STATUS_PENDING:
                return ERROR_IO_PENDING;
        case MODEL_STATUS_BUFFER_OVERFLOW:
                return ERROR_MORE_DATA;
        case MODEL_STATUS_UNSUCCESSFUL:
                return ERROR_GEN_FAILURE;
        case MODEL_STATUS_INVALID_PARAMETER:
                return ERROR_INVALID_PARAMETER;
        case MODEL_STATUS_INVALID_DEVICE_REQUEST:
                return ERROR_INVALID_FUNCTION;
        case MODEL_STATUS_BUFFER_TOO_SMALL:
                return ERROR_INSUFFICIENT_BUFFER;
        case MODEL_STATUS_OBJECT_NAME_NOT_FOUND:
                return ERROR_FILE_NOT_FOUND;
        case MODEL_STATUS_INSUFFICIENT_RESOURCES:
                return ERROR_NO_SYSTEM_RESOURCES;
        case MODEL_STATUS_CANCELLED:
                return ERROR_OPERATION_ABORTED;
        default:
                return ERROR_MR_MID_NOT_FOUND;
        }
}

static HANDLE user_event(const OVERLAPPED *ov) {
        /* The low bit only says "no completion port packet". */
        return ov && ov->hEvent ? (HANDLE) ((ULONG_PTR) ov->hEvent & ~(ULONG_PTR) 1) : NULL;
}

static void signal(ModelFile *f, OVERLAPPED *ov) {
        HANDLE e = user_event(ov);

        SetEvent(e ? e : f->handle);
}

void model_iom_start(ModelFile *f, OVERLAPPED *ov) {
        if (user_event(ov))
                ResetEvent(user_event(ov));
        ResetEvent(f->handle);
        if (ov)
                ov->Internal = (ULONG_PTR) (ULONG) MODEL_STATUS_PENDING;
}

BOOL model_iom_sync(ModelFile *f, OVERLAPPED *ov, LONG status, ULONG_PTR info, LPDWORD ret) {
        if (MODEL_NT_ERROR(status)) {
                SetLastError(model_nt_to_win32(status));
                return FALSE;
        }
        if (ov) {
                ov->InternalHigh = info;
                MemoryBarrier();
                ov->Internal = (ULONG_PTR) (ULONG) status; /* NTSTATUS in the low half */
        }
        signal(f, ov);
        if (status != MODEL_STATUS_SUCCESS) {
                SetLastError(model_nt_to_win32(status));
                return FALSE;
        }
        if (ret)
                *ret = (DWORD) info;
        return TRUE;
}

void model_iom_complete(ModelFile *f, OVERLAPPED *ov, LONG status, ULONG_PTR info) {
        ov->InternalHigh = info;
        MemoryBarrier();
        ov->Internal = (ULONG_PTR) (ULONG) status; /* NTSTATUS in the low half */
        signal(f, ov);
}

/* GetOverlappedResult as documented (Microsoft Learn, "GetOverlappedResult
 * function"): it reads the OVERLAPPED only; waiting is on its event, or on
 * the file handle when it has none. */
BOOL model_get_overlapped_result(HANDLE file, OVERLAPPED *ov, LPDWORD ret, BOOL wait) {
        if ((LONG) ov->Internal == MODEL_STATUS_PENDING) {
                if (!wait) {
                        SetLastError(ERROR_IO_INCOMPLETE);
                        return FALSE;
                }
                WaitForSingleObject(user_event(ov) ? user_event(ov) : file, INFINITE);
        }
        if (ret)
                *ret = (DWORD) ov->InternalHigh;
        if ((LONG) ov->Internal < 0) {
                SetLastError(model_nt_to_win32((LONG) ov->Internal));
                return FALSE;
        }
        return TRUE;
}
