/* SPDX-License-Identifier: MIT */
#include "tap-win-io.h"

#include <errno.h>
#include <string.h>

#include "platform-win.h"
#include "win-sys.h"

/* Errors after which the handle will not work again: the adapter was
 * disabled or removed, or the handle itself is bad. Anything else fails
 * one frame. */
static bool error_is_fatal(DWORD e) {
        switch (e) {
        case ERROR_DEVICE_NOT_CONNECTED:
        case ERROR_DEV_NOT_EXIST:
        case ERROR_FILE_INVALID:
        case ERROR_INVALID_HANDLE:
        case ERROR_BROKEN_PIPE:
        case ERROR_NO_DATA:
        case ERROR_PIPE_NOT_CONNECTED:
        case ERROR_BAD_COMMAND:
        case ERROR_NOT_READY:
                return true;
        default:
                return false;
        }
}

static int io_fail(TapWinIo *io, DWORD e) {
        int r = errno_from_win32(e);

        io->error = r < 0 ? r : -EIO;
        /* A read still in flight stays PENDING so closing waits for it. */
        if (io->read_state != TAP_WIN_READ_PENDING)
                io->read_state = TAP_WIN_READ_IDLE;
        /* Keep the loop waking up so it hears about it. */
        SetEvent(io->read_ov.hEvent);
        return io->error;
}

/* Keeps one read in flight. A read may complete at once; then its result
 * waits in read_result and the event stays signalled. */
static void read_issue(TapWinIo *io) {
        HANDLE event = io->read_ov.hEvent;
        DWORD n = 0, e;

        io->read_ov = (OVERLAPPED) { .hEvent = event };
        if (win_sys->ReadFile(io->handle, io->read_buf, sizeof(io->read_buf), &n, &io->read_ov)) {
                io->read_state = TAP_WIN_READ_DONE;
                io->read_result = (int) n;
                return;
        }
        e = GetLastError();
        if (e == ERROR_IO_PENDING) {
                io->read_state = TAP_WIN_READ_PENDING;
                return;
        }
        if (e == ERROR_MORE_DATA) {
                io->read_state = TAP_WIN_READ_DONE;
                io->read_result = -EMSGSIZE;
                SetEvent(event);
                return;
        }
        /* A read refused outright would be refused again at once; retrying
         * from the event loop would spin. */
        (void) io_fail(io, e);
}

int tap_win_io_init(TapWinIo *io, HANDLE handle) {
        if (!io || !handle || handle == INVALID_HANDLE_VALUE)
                return -EINVAL;

        *io = (TapWinIo) { .handle = handle };
        io->read_ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (!io->read_ov.hEvent)
                return errno_from_win32(GetLastError());
        for (size_t i = 0; i < TAP_WIN_IO_WRITE_SLOTS; i++) {
                io->slots[i].ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
                if (!io->slots[i].ov.hEvent) {
                        int r = errno_from_win32(GetLastError());

                        tap_win_io_done(io);
                        return r;
                }
        }

        read_issue(io);
        if (io->error < 0) {
                int r = io->error;

                tap_win_io_done(io);
                return r;
        }
        return 0;
}

void tap_win_io_done(TapWinIo *io) {
        DWORD n;

        if (!io || !io->handle)
                return;

        /* The device writes into our buffers until each operation has
         * completed, cancelled or not; they must outlive that. */
        if (io->read_state == TAP_WIN_READ_PENDING) {
                win_sys->CancelIoEx(io->handle, &io->read_ov);
                (void) win_sys->GetOverlappedResult(io->handle, &io->read_ov, &n, TRUE);
        }
        for (size_t i = 0; i < TAP_WIN_IO_WRITE_SLOTS; i++)
                if (io->slots[i].busy) {
                        win_sys->CancelIoEx(io->handle, &io->slots[i].ov);
                        (void) win_sys->GetOverlappedResult(io->handle, &io->slots[i].ov, &n, TRUE);
                        io->slots[i].busy = false;
                }

        if (io->read_ov.hEvent)
                CloseHandle(io->read_ov.hEvent);
        for (size_t i = 0; i < TAP_WIN_IO_WRITE_SLOTS; i++)
                if (io->slots[i].ov.hEvent)
                        CloseHandle(io->slots[i].ov.hEvent);
        *io = (TapWinIo) {};
}

HANDLE tap_win_io_get_event(const TapWinIo *io) {
        return io ? io->read_ov.hEvent : NULL;
}

int tap_win_io_read(TapWinIo *io, uint8_t *buf, size_t size) {
        int result;

        if (!io || !io->handle || !buf)
                return -EINVAL;
        if (io->error < 0)
                return io->error;

        if (io->read_state == TAP_WIN_READ_PENDING) {
                DWORD n = 0, e;

                if (win_sys->GetOverlappedResult(io->handle, &io->read_ov, &n, FALSE))
                        io->read_result = (int) n;
                else {
                        e = GetLastError();
                        if (e == ERROR_IO_INCOMPLETE)
                                return -EAGAIN;
                        if (e == ERROR_MORE_DATA)
                                io->read_result = -EMSGSIZE;
                        else if (e == ERROR_OPERATION_ABORTED)
                                /* Not us (we cancel only when closing): some
                                 * other thread's CancelIo. Read again. */
                                io->read_result = 0;
                        else if (error_is_fatal(e) || e == ERROR_GEN_FAILURE) {
                                io->read_state = TAP_WIN_READ_IDLE;
                                return io_fail(io, e);
                        }
                        else
                                io->read_result = errno_from_win32(e);
                }
                io->read_state = TAP_WIN_READ_DONE;
        }
        if (io->read_state != TAP_WIN_READ_DONE)
                return -EAGAIN;

        result = io->read_result;
        if (result > 0 && (size_t) result > size)
                result = -EMSGSIZE;
        if (result > 0)
                memcpy(buf, io->read_buf, (size_t) result);
        else if (result == -EMSGSIZE)
                io->rx_oversized++;

        /* The next read resets the event; if it completes at once the event
         * is set again and the loop comes back for it. */
        read_issue(io);
        if (result == 0)
                return io->error < 0 ? io->error : -EAGAIN;
        return result;
}

/* Returns the slot to the pool once the device is done with it. */
static void slot_reap(TapWinIo *io, TapWinWriteSlot *s) {
        DWORD n = 0;

        if (!s->busy || !HasOverlappedIoCompleted(&s->ov))
                return;
        s->busy = false;
        if (!win_sys->GetOverlappedResult(io->handle, &s->ov, &n, FALSE)) {
                DWORD e = GetLastError();

                io->tx_errors++;
                if (error_is_fatal(e))
                        (void) io_fail(io, e);
        } else if (n != s->len)
                io->tx_errors++;
}

int tap_win_io_write(TapWinIo *io, const uint8_t *frame, size_t len) {
        TapWinWriteSlot *s = NULL;
        DWORD n = 0, e;

        if (!io || !io->handle || !frame)
                return -EINVAL;
        if (len > LP_ETHER_FRAME_MAX)
                return -EMSGSIZE;
        if (io->error < 0)
                return io->error;

        for (size_t i = 0; i < TAP_WIN_IO_WRITE_SLOTS; i++) {
                slot_reap(io, &io->slots[i]);
                if (!s && !io->slots[i].busy)
                        s = &io->slots[i];
        }
        if (io->error < 0)
                return io->error;
        if (!s) {
                io->tx_dropped++;
                return -EAGAIN;
        }

        memcpy(s->buf, frame, len);
        s->len = (DWORD) len;
        s->ov = (OVERLAPPED) { .hEvent = s->ov.hEvent };
        if (win_sys->WriteFile(io->handle, s->buf, s->len, &n, &s->ov)) {
                if (n != s->len) {
                        io->tx_errors++;
                        return -EIO;
                }
                return 0;
        }
        e = GetLastError();
        if (e == ERROR_IO_PENDING) {
                s->busy = true;
                return 0;
        }
        io->tx_errors++;
        if (error_is_fatal(e))
                return io_fail(io, e);
        /* TAP-Windows6 cancels writes while it is not ready (paused, low
         * power): a lost frame, not a lost device. */
        if (e == ERROR_OPERATION_ABORTED || e == ERROR_GEN_FAILURE)
                return -ENETDOWN;
        return errno_from_win32(e);
}
