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

/* The device is gone: every later call says -ENODEV. The event is set
 * once so the loop comes to hear it from tap_win_io_read(), which then
 * withdraws it. */
static int io_fail(TapWinIo *io, DWORD e) {
        io->error = -ENODEV;
        io->win32_error = e;
        /* A read still in flight stays PENDING so closing waits for it. */
        if (io->read_state != TAP_WIN_READ_PENDING)
                io->read_state = TAP_WIN_READ_IDLE;
        if (!io->error_reported)
                SetEvent(io->read_ov.hEvent);
        return io->error;
}

/* Nothing to read until the link comes up again. A completed read left
 * the manual-reset event signalled: reset it, or the loop spins. */
static void read_idle(TapWinIo *io) {
        io->read_state = TAP_WIN_READ_IDLE;
        io->refusals = 0;
        CancelWaitableTimer(io->retry_timer);
        ResetEvent(io->read_ov.hEvent);
}

/* The driver refused the read with the link up: try again shortly, with
 * the timer as what the loop waits on. */
static void read_refused(TapWinIo *io, DWORD e) {
        LARGE_INTEGER due = { .QuadPart = -10000LL * TAP_WIN_IO_RETRY_MS };

        ResetEvent(io->read_ov.hEvent);
        if (++io->refusals > TAP_WIN_IO_REFUSALS_MAX) {
                io->read_state = TAP_WIN_READ_IDLE;
                (void) io_fail(io, e);
                return;
        }
        io->read_state = TAP_WIN_READ_REFUSED;
        if (!SetWaitableTimer(io->retry_timer, &due, 0, NULL, NULL, FALSE))
                (void) io_fail(io, GetLastError());
}

/* Keeps one read in flight while the link is up. A read may complete at
 * once; then its result waits in read_result and the event stays
 * signalled. */
static void read_issue(TapWinIo *io) {
        HANDLE event = io->read_ov.hEvent;
        DWORD n = 0, e;

        if (!io->link_up || io->error < 0) {
                read_idle(io);
                return;
        }
        io->read_ov = (OVERLAPPED) { .hEvent = event };
        if (win_sys->ReadFile(io->handle, io->read_buf, sizeof(io->read_buf), &n, &io->read_ov)) {
                io->read_state = TAP_WIN_READ_DONE;
                io->read_result = (int) n;
                io->refusals = 0;
                SetEvent(event);
                return;
        }
        e = GetLastError();
        if (e == ERROR_IO_PENDING) {
                io->read_state = TAP_WIN_READ_PENDING;
                io->refusals = 0;
                return;
        }
        if (e == ERROR_MORE_DATA) {
                io->read_state = TAP_WIN_READ_DONE;
                io->read_result = -EMSGSIZE;
                SetEvent(event);
                return;
        }
        /* The driver is not ready although we connected the media: the
         * adapter is not fully powered (sleep, wake-up), or it is halting. */
        if (e == ERROR_OPERATION_ABORTED) {
                read_refused(io, e);
                return;
        }
        /* A read refused outright for any other reason would be refused
         * again at once; retrying from the event loop would spin. */
        (void) io_fail(io, e);
}

int tap_win_io_init(TapWinIo *io, HANDLE handle) {
        if (!io || !handle || handle == INVALID_HANDLE_VALUE)
                return -EINVAL;

        *io = (TapWinIo) { .handle = handle };
        io->read_ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (!io->read_ov.hEvent)
                return errno_from_win32(GetLastError());
        io->retry_timer = CreateWaitableTimerW(NULL, TRUE, NULL);
        if (!io->retry_timer) {
                int r = errno_from_win32(GetLastError());

                tap_win_io_done(io);
                return r;
        }
        for (size_t i = 0; i < TAP_WIN_IO_WRITE_SLOTS; i++) {
                io->slots[i].ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
                if (!io->slots[i].ov.hEvent) {
                        int r = errno_from_win32(GetLastError());

                        tap_win_io_done(io);
                        return r;
                }
        }
        return 0;
}

void tap_win_io_set_link(TapWinIo *io, bool up) {
        if (!io || !io->handle || io->link_up == up)
                return;
        io->link_up = up;
        /* Down: a read in flight stays queued in the driver and delivers
         * after the next connect; a result already here is still read. */
        if (up && io->read_state == TAP_WIN_READ_IDLE)
                read_issue(io);
        else if (!up && io->read_state == TAP_WIN_READ_REFUSED)
                read_idle(io);
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
        if (io->retry_timer)
                CloseHandle(io->retry_timer);
        for (size_t i = 0; i < TAP_WIN_IO_WRITE_SLOTS; i++)
                if (io->slots[i].ov.hEvent)
                        CloseHandle(io->slots[i].ov.hEvent);
        *io = (TapWinIo) {};
}

HANDLE tap_win_io_get_event(const TapWinIo *io) {
        if (!io || io->error_reported)
                return NULL;
        if (io->error == 0 && io->read_state == TAP_WIN_READ_REFUSED)
                return io->retry_timer;
        return io->read_ov.hEvent;
}

/* The failure, once; the event is withdrawn after it. */
static int read_report_error(TapWinIo *io) {
        if (!io->error_reported) {
                io->error_reported = true;
                ResetEvent(io->read_ov.hEvent);
        }
        return io->error;
}

int tap_win_io_read(TapWinIo *io, uint8_t *buf, size_t size) {
        int result;

        if (!io || !io->handle || !buf)
                return -EINVAL;
        if (io->error < 0)
                return read_report_error(io);

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
                        else if (error_is_fatal(e) || e == ERROR_GEN_FAILURE || e == ERROR_OPERATION_ABORTED) {
                                /* ERROR_OPERATION_ABORTED: we cancel only
                                 * when closing, so it was the driver
                                 * flushing its read queue as the adapter
                                 * halts (DestroyTapDevice, device.c), which
                                 * wants our handle closed. */
                                io->read_state = TAP_WIN_READ_IDLE;
                                (void) io_fail(io, e);
                                return read_report_error(io);
                        } else
                                /* One frame lost, the device still works. */
                                io->read_result = 0;
                }
                io->read_state = TAP_WIN_READ_DONE;
        }
        if (io->read_state == TAP_WIN_READ_REFUSED) {
                if (WaitForSingleObject(io->retry_timer, 0) != WAIT_OBJECT_0)
                        return -EAGAIN;
                read_issue(io);
                if (io->error < 0)
                        return read_report_error(io);
                return -EAGAIN;
        }
        if (io->read_state != TAP_WIN_READ_DONE) {
                /* Idle: make sure the loop does not come back for nothing. */
                ResetEvent(io->read_ov.hEvent);
                return -EAGAIN;
        }

        result = io->read_result;
        if (result > 0 && (size_t) result > size)
                result = -EMSGSIZE;
        if (result > 0)
                memcpy(buf, io->read_buf, (size_t) result);
        else if (result == -EMSGSIZE)
                io->rx_oversized++;

        /* The next read resets the event; if it completes at once the event
         * is set again and the loop comes back for it. With the link down
         * the reader goes idle and resets it itself. */
        read_issue(io);
        if (io->error < 0 && result <= 0)
                return read_report_error(io);
        if (result == 0)
                return -EAGAIN;
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
