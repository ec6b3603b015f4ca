/* SPDX-License-Identifier: MIT */
/* Plays Explorer restarting, for tests/wine/test-client-exe-gui.sh: a
 * dying Explorer takes every tray icon with it, and a new one broadcasts
 * TaskbarCreated so programs add theirs again. This removes the tray
 * icon of the window titled TITLE (id 1, as gui-win.c adds it) and, unless
 * --remove-only, then broadcasts TaskbarCreated.
 *
 * Usage: taskbar-restart.exe TITLE [--remove-only] */
#include <stdio.h>
#include <wchar.h>
#include <windows.h>
#include <shellapi.h>

int wmain(int argc, wchar_t **argv);
int wmain(int argc, wchar_t **argv) {
        NOTIFYICONDATAW nid = { .cbSize = sizeof(nid), .uID = 1 };
        DWORD_PTR result;
        UINT msg;

        if (argc < 2)
                return 2;
        nid.hWnd = FindWindowW(NULL, argv[1]);
        if (!nid.hWnd) {
                fprintf(stderr, "no window titled \"%ls\"\n", argv[1]);
                return 1;
        }
        printf("removed the tray icon: %s\n", Shell_NotifyIconW(NIM_DELETE, &nid) ? "yes" : "no");
        if (argc > 2 && wcscmp(argv[2], L"--remove-only") == 0)
                return 0;
        msg = RegisterWindowMessageW(L"TaskbarCreated");
        if (!msg || !SendMessageTimeoutW(HWND_BROADCAST, msg, 0, 0, SMTO_ABORTIFHUNG, 5000, &result)) {
                fprintf(stderr, "cannot broadcast TaskbarCreated (error %lu)\n", GetLastError());
                return 1;
        }
        printf("broadcast TaskbarCreated\n");
        return 0;
}
