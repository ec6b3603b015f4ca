/* SPDX-License-Identifier: MIT */
#pragma once

/* Frame I/O on an overlapped handle that delivers one frame per read and
 * takes one per write: the TAP-Windows6 device node (through win-sys.h),
 * or in tests a message-mode named pipe or the driver model. The event
 * loop never waits here: while the link is up one read is outstanding and
 * its event is what the loop waits on; writes go out through a few
 * overlapped slots and are dropped (and counted) when all are still busy.
 *
 * The reader follows the link. TAP-Windows6 refuses every read and write
 * (STATUS_CANCELLED, ERROR_OPERATION_ABORTED at once) while it is not
 * ready: media disconnected, or the adapter not fully powered
 * (TapDeviceRead in src/txpath.c checks tapAdapterReadAndWriteReady,
 * src/adapter.c). So a read is queued only after the media is connected,
 * and with the link down the reader is idle, its event reset. A read
 * queued before a disconnect stays queued in the driver (nothing in
 * tapSetMediaConnectStatus completes it) and simply delivers again after
 * the next connect. A read refused while the link is up (a power
 * transition: the PC going to sleep or waking up) is tried again every
 * TAP_WIN_IO_RETRY_MS on a timer, which the loop then waits on instead.
 *
 * A queued read that the driver completes as cancelled means the adapter
 * is going away: DestroyTapDevice (src/device.c) flushes the read queue
 * when the adapter halts (disabled, removed, restarted) and asks
 * user-space to close its handle so the driver can unload. That, a read
 * still refused after TAP_WIN_IO_REFUSALS_MAX tries, or an error no
 * working device gives is reported once as -ENODEV, after which the
 * event is no longer offered to the loop. Windows only. */

#include <stdbool.h>
#include <stdint.h>
#include <winsock2.h> /* before windows.h, for whoever includes win-sys.h too */
#include <windows.h>

#include "ether.h"

/* A handful covers a burst while the driver hands frames to the stack;
 * more would only hide a stack that stopped taking them. */
#define TAP_WIN_IO_WRITE_SLOTS 16
/* A refused read is tried again this often, this many times: waking up
 * takes NDIS a moment; an adapter refusing for ten seconds is not coming
 * back. */
#define TAP_WIN_IO_RETRY_MS 1000
#define TAP_WIN_IO_REFUSALS_MAX 10

typedef enum TapWinReadState {
        TAP_WIN_READ_IDLE,    /* nothing issued: link down, driver not ready, after a fatal error */
        TAP_WIN_READ_PENDING, /* ReadFile in flight */
        TAP_WIN_READ_DONE,    /* a result waits in read_result */
        TAP_WIN_READ_REFUSED, /* the driver was not ready with the link up: retry_timer runs */
        _TAP_WIN_READ_STATE_MAX,
        _TAP_WIN_READ_STATE_INVALID = -EINVAL,
} TapWinReadState;

typedef struct TapWinWriteSlot {
        OVERLAPPED ov;
        bool busy;
        DWORD len;
        uint8_t buf[LP_ETHER_FRAME_MAX];
} TapWinWriteSlot;

typedef struct TapWinIo {
        HANDLE handle; /* not owned */
        OVERLAPPED read_ov;
        TapWinReadState read_state;
        HANDLE retry_timer; /* manual-reset waitable timer */
        unsigned refusals;  /* in a row */
        int read_result; /* frame length, or -EMSGSIZE for a frame too big */
        bool link_up;    /* the media is connected: reads may be queued */
        int error;       /* sticky -ENODEV: the handle is unusable */
        bool error_reported; /* tap_win_io_read() said so; the event is withdrawn */
        unsigned long win32_error; /* what Windows said when it failed */
        uint8_t read_buf[LP_ETHER_FRAME_MAX];
        TapWinWriteSlot slots[TAP_WIN_IO_WRITE_SLOTS];

        uint64_t rx_oversized; /* frames dropped as larger than LP_ETHER_FRAME_MAX or the caller's buffer */
        uint64_t tx_dropped;   /* frames dropped because every slot was busy */
        uint64_t tx_errors;    /* writes the device refused */
} TapWinIo;

/* Creates the events, with the link down: no read is queued until
 * tap_win_io_set_link(io, true). On failure nothing is left to clean up. */
int tap_win_io_init(TapWinIo *io, HANDLE handle);
/* Call after the media was connected (up) and before it is disconnected
 * (down). Up queues the read if none is; down queues no new one. */
void tap_win_io_set_link(TapWinIo *io, bool up);
/* Cancels what is in flight, waits until the device let go of the
 * buffers, closes the events. The handle stays open. Idempotent. */
void tap_win_io_done(TapWinIo *io);

/* frame_device_read()'s contract: length, -EAGAIN, -EMSGSIZE (dropped), or
 * -ENODEV once the device is gone (then again on every call). */
int tap_win_io_read(TapWinIo *io, uint8_t *buf, size_t size);
/* 0 when handed over (or queued), -EAGAIN when every slot is busy (the
 * frame is dropped), -ENETDOWN when the device refuses frames now (media
 * disconnected), or -ENODEV once the device is gone. */
int tap_win_io_write(TapWinIo *io, const uint8_t *frame, size_t len);
/* Manual-reset; signalled whenever tap_win_io_read() has something to
 * say (or, after a refusal, when it is time to try again). NULL once a
 * failure was reported: there is nothing left to wait for, and a
 * signalled event nobody resets would spin the loop. */
HANDLE tap_win_io_get_event(const TapWinIo *io);
