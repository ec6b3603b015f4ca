/* SPDX-License-Identifier: MIT */
#pragma once

/* Frame I/O on an overlapped handle that delivers one frame per read and
 * takes one per write: the TAP-Windows6 device node, or in tests a
 * message-mode named pipe. The event loop never waits here: one read is
 * always outstanding and its event is what the loop waits on; writes go
 * out through a few overlapped slots and are dropped (and counted) when
 * all are still busy. Windows only. */

#include <stdbool.h>
#include <stdint.h>
#include <winsock2.h> /* before windows.h, for whoever includes win-sys.h too */
#include <windows.h>

#include "ether.h"

/* A handful covers a burst while the driver hands frames to the stack;
 * more would only hide a stack that stopped taking them. */
#define TAP_WIN_IO_WRITE_SLOTS 16

typedef enum TapWinReadState {
        TAP_WIN_READ_IDLE,    /* nothing issued: before init, after a fatal error */
        TAP_WIN_READ_PENDING, /* ReadFile in flight */
        TAP_WIN_READ_DONE,    /* a result waits in read_result */
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
        int read_result; /* frame length, or -EMSGSIZE for a frame too big */
        int error;       /* sticky: the handle is unusable */
        uint8_t read_buf[LP_ETHER_FRAME_MAX];
        TapWinWriteSlot slots[TAP_WIN_IO_WRITE_SLOTS];

        uint64_t rx_oversized; /* frames dropped as larger than LP_ETHER_FRAME_MAX or the caller's buffer */
        uint64_t tx_dropped;   /* frames dropped because every slot was busy */
        uint64_t tx_errors;    /* writes the device refused */
} TapWinIo;

/* Creates the events and issues the first read. On failure nothing is
 * left to clean up. */
int tap_win_io_init(TapWinIo *io, HANDLE handle);
/* Cancels what is in flight, waits until the device let go of the
 * buffers, closes the events. The handle stays open. Idempotent. */
void tap_win_io_done(TapWinIo *io);

/* frame_device_read()'s contract: length, -EAGAIN, -EMSGSIZE (dropped), or
 * a sticky error once the device is gone (-ENETDOWN, -EIO, ...). */
int tap_win_io_read(TapWinIo *io, uint8_t *buf, size_t size);
/* 0 when handed over (or queued), -EAGAIN when every slot is busy (the
 * frame is dropped), -ENETDOWN when the device refuses frames now (media
 * disconnected), or a sticky error. */
int tap_win_io_write(TapWinIo *io, const uint8_t *frame, size_t len);
/* Manual-reset; signalled whenever tap_win_io_read() has something to say. */
HANDLE tap_win_io_get_event(const TapWinIo *io);
