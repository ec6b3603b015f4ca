/* SPDX-License-Identifier: MIT */
/* tap-win-io.c against a message-mode named pipe, which like the
 * TAP-Windows6 device node hands over one frame per read and write. Runs
 * under wine or Windows; there is no TAP driver needed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <winsock2.h>
#include <windows.h>

#include "tap-win-io.h"
#include "test-util.h"

typedef struct Pipe {
        HANDLE device; /* our side, overlapped, given to TapWinIo */
        HANDLE peer;   /* the "driver" side, synchronous */
} Pipe;

static void pipe_open(Pipe *p, DWORD buffer_size) {
        static unsigned counter;
        wchar_t name[128];
        OVERLAPPED ov = {};
        DWORD mode = PIPE_READMODE_MESSAGE;

        swprintf(name, 128, L"\\\\.\\pipe\\lanparty-test-tap-win-io-%lu-%u", GetCurrentProcessId(), counter++);
        p->device = CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                                     PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT, 1, buffer_size,
                                     buffer_size, 0, NULL);
        CHECK(p->device != INVALID_HANDLE_VALUE);
        p->peer = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
        CHECK(p->peer != INVALID_HANDLE_VALUE);
        CHECK(SetNamedPipeHandleState(p->peer, &mode, NULL, NULL));
        ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
        CHECK(!ConnectNamedPipe(p->device, &ov));
        CHECK(GetLastError() == ERROR_PIPE_CONNECTED);
        CloseHandle(ov.hEvent);
}

static void pipe_close(Pipe *p) {
        if (p->peer != INVALID_HANDLE_VALUE)
                CloseHandle(p->peer);
        CloseHandle(p->device);
}

static void frame_fill(uint8_t *f, size_t len, uint32_t seq) {
        for (size_t i = 0; i < len; i++)
                f[i] = (uint8_t) (seq * 7 + i);
        if (len >= 4)
                memcpy(f, &seq, 4);
}

static void peer_send(Pipe *p, const uint8_t *f, size_t len) {
        DWORD n = 0;

        CHECK(WriteFile(p->peer, f, (DWORD) len, &n, NULL));
        CHECK_EQ_INT(n, len);
}

static bool event_is_set(const TapWinIo *io) {
        return WaitForSingleObject(tap_win_io_get_event(io), 0) == WAIT_OBJECT_0;
}

/* Waits for the event the way the client's loop does. */
static int read_waiting(TapWinIo *io, uint8_t *buf, size_t size) {
        CHECK(WaitForSingleObject(tap_win_io_get_event(io), 5000) == WAIT_OBJECT_0);
        return tap_win_io_read(io, buf, size);
}

static void test_hostile_args(void) {
        TapWinIo io;
        uint8_t b[1];

        CHECK_EQ_INT(tap_win_io_init(NULL, (HANDLE) 1), -EINVAL);
        CHECK_EQ_INT(tap_win_io_init(&io, NULL), -EINVAL);
        CHECK_EQ_INT(tap_win_io_init(&io, INVALID_HANDLE_VALUE), -EINVAL);
        CHECK_EQ_INT(tap_win_io_read(NULL, b, 1), -EINVAL);
        CHECK_EQ_INT(tap_win_io_write(NULL, b, 1), -EINVAL);
        tap_win_io_done(NULL);
}

static void test_read(void) {
        uint8_t f[LP_ETHER_FRAME_MAX + 16], got[LP_ETHER_FRAME_MAX];
        TapWinIo io;
        Pipe p;

        pipe_open(&p, 65536);
        CHECK_EQ_INT(tap_win_io_init(&io, p.device), 0);
        CHECK(!event_is_set(&io));
        CHECK_EQ_INT(tap_win_io_read(&io, got, sizeof(got)), -EAGAIN);
        /* Link down: nothing is queued, so a frame waiting does not wake
         * the loop. */
        frame_fill(f, 60, 1);
        peer_send(&p, f, 60);
        CHECK(WaitForSingleObject(tap_win_io_get_event(&io), 100) == WAIT_TIMEOUT);
        CHECK_EQ_INT(tap_win_io_read(&io, got, sizeof(got)), -EAGAIN);
        tap_win_io_set_link(&io, true);

        /* Three frames, including the smallest and the largest. */
        frame_fill(f, LP_ETHER_HEADER_LEN, 2);
        peer_send(&p, f, LP_ETHER_HEADER_LEN);
        frame_fill(f, LP_ETHER_FRAME_MAX, 3);
        peer_send(&p, f, LP_ETHER_FRAME_MAX);

        CHECK_EQ_INT(read_waiting(&io, got, sizeof(got)), 60);
        frame_fill(f, 60, 1);
        CHECK_MEM(got, f, 60);
        CHECK_EQ_INT(read_waiting(&io, got, sizeof(got)), LP_ETHER_HEADER_LEN);
        frame_fill(f, LP_ETHER_HEADER_LEN, 2);
        CHECK_MEM(got, f, LP_ETHER_HEADER_LEN);
        CHECK_EQ_INT(read_waiting(&io, got, sizeof(got)), LP_ETHER_FRAME_MAX);
        frame_fill(f, LP_ETHER_FRAME_MAX, 3);
        CHECK_MEM(got, f, LP_ETHER_FRAME_MAX);
        CHECK_EQ_INT(tap_win_io_read(&io, got, sizeof(got)), -EAGAIN);
        CHECK(!event_is_set(&io));

        /* Larger than the caller's buffer: dropped whole, counted, and the
         * next frame is intact. */
        frame_fill(f, 100, 4);
        peer_send(&p, f, 100);
        frame_fill(f, 70, 5);
        peer_send(&p, f, 70);
        CHECK_EQ_INT(read_waiting(&io, got, 99), -EMSGSIZE);
        CHECK_EQ_INT(io.rx_oversized, 1);
        CHECK_EQ_INT(read_waiting(&io, got, sizeof(got)), 70);
        CHECK_MEM(got, f, 70);

        /* Larger than any frame: the driver drops it whole (a pipe keeps
         * the tail for the next read, which is what shows up after). */
        frame_fill(f, LP_ETHER_FRAME_MAX + 16, 6);
        peer_send(&p, f, LP_ETHER_FRAME_MAX + 16);
        CHECK_EQ_INT(read_waiting(&io, got, sizeof(got)), -EMSGSIZE);
        CHECK_EQ_INT(io.rx_oversized, 2);
        CHECK_EQ_INT(read_waiting(&io, got, sizeof(got)), 16);
        CHECK_EQ_INT(tap_win_io_read(&io, got, sizeof(got)), -EAGAIN);

        /* The peer going away is final, for reads and writes alike; it
         * is reported once, then the event is no longer offered to the
         * loop (a signalled event that nobody resets would spin it). */
        CloseHandle(p.peer);
        p.peer = INVALID_HANDLE_VALUE;
        CHECK_EQ_INT(read_waiting(&io, got, sizeof(got)), -ENODEV);
        CHECK(tap_win_io_get_event(&io) == NULL);
        CHECK_EQ_INT(tap_win_io_read(&io, got, sizeof(got)), -ENODEV);
        CHECK_EQ_INT(tap_win_io_write(&io, f, 60), -ENODEV);

        tap_win_io_done(&io);
        tap_win_io_done(&io);
        pipe_close(&p);
}

static void test_write(void) {
        uint8_t f[LP_ETHER_FRAME_MAX], got[LP_ETHER_FRAME_MAX + 1];
        unsigned sent = 0, dropped = 0;
        uint32_t expect = 0;
        TapWinIo io;
        DWORD n;
        Pipe p;

        /* A small pipe buffer: the peer not reading must fill the slots. */
        pipe_open(&p, 4096);
        CHECK_EQ_INT(tap_win_io_init(&io, p.device), 0);
        tap_win_io_set_link(&io, true);

        CHECK_EQ_INT(tap_win_io_write(&io, f, LP_ETHER_FRAME_MAX + 1), -EMSGSIZE);

        frame_fill(f, 64, 1000);
        CHECK_EQ_INT(tap_win_io_write(&io, f, 64), 0);
        CHECK(ReadFile(p.peer, got, sizeof(got), &n, NULL));
        CHECK_EQ_INT(n, 64);
        CHECK_MEM(got, f, 64);

        /* Nobody reads: writes must neither block nor fail, only drop. */
        for (uint32_t seq = 0; seq < 4 * TAP_WIN_IO_WRITE_SLOTS; seq++) {
                int r;

                frame_fill(f, LP_ETHER_FRAME_MAX, seq);
                r = tap_win_io_write(&io, f, LP_ETHER_FRAME_MAX);
                if (r == -EAGAIN)
                        dropped++;
                else {
                        CHECK_EQ_INT(r, 0);
                        sent++;
                }
        }
        CHECK(dropped > 0);
        CHECK_EQ_INT(io.tx_dropped, dropped);
        CHECK(sent >= TAP_WIN_IO_WRITE_SLOTS);

        /* What was accepted arrives whole and in order: the slots' buffers
         * stayed untouched while the writes were in flight. */
        for (unsigned i = 0; i < sent; i++) {
                uint32_t seq;

                CHECK(ReadFile(p.peer, got, sizeof(got), &n, NULL));
                CHECK_EQ_INT(n, LP_ETHER_FRAME_MAX);
                memcpy(&seq, got, 4);
                CHECK(seq >= expect);
                expect = seq + 1;
                frame_fill(f, LP_ETHER_FRAME_MAX, seq);
                CHECK_MEM(got, f, LP_ETHER_FRAME_MAX);
        }

        /* Drained: the slots come back. */
        frame_fill(f, 80, 2000);
        CHECK_EQ_INT(tap_win_io_write(&io, f, 80), 0);
        CHECK(ReadFile(p.peer, got, sizeof(got), &n, NULL));
        CHECK_EQ_INT(n, 80);
        CHECK_MEM(got, f, 80);
        CHECK_EQ_INT(io.tx_errors, 0);

        /* Closing with writes and the read in flight waits for them. */
        for (unsigned i = 0; i < 2 * TAP_WIN_IO_WRITE_SLOTS; i++)
                (void) tap_win_io_write(&io, f, LP_ETHER_FRAME_MAX);
        tap_win_io_done(&io);
        pipe_close(&p);
}

int main(void) {
        RUN(test_hostile_args);
        RUN(test_read);
        RUN(test_write);
        return 0;
}
