/* SPDX-License-Identifier: MIT */
/* Reads what a window shows, for tests/wine/test-client-exe-model.sh: the
 * text of control ID (a dialog item, e.g. client.exe's log pane, IDC_LOG
 * in client-win-rc.h) of the top-level window titled TITLE, printed as
 * UTF-8. WM_GETTEXT crosses processes (the system copies the text), so
 * this sees exactly what the player's window holds.
 *
 * With "click" after the ID it presses the control instead (BM_CLICK: a
 * button, a check box), for tests/wine/test-client-exe-service.sh's
 * dialogs; like a player's click, the button tells its dialog. With
 * "close" it posts WM_CLOSE to the window, as its X does (ID unused).
 *
 * Usage: window-text.exe TITLE ID [click|close]
 * Exit: 0 printed (or clicked), 1 no such window or control. */
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>
#include <windows.h>

int wmain(int argc, wchar_t **argv);
int wmain(int argc, wchar_t **argv) {
        HWND window, control;
        LRESULT len;
        wchar_t *text;
        char *utf8;
        int n;

        if (argc != 3 && !(argc == 4 && (wcscmp(argv[3], L"click") == 0 || wcscmp(argv[3], L"close") == 0)))
                return 2;
        window = FindWindowW(NULL, argv[1]);
        if (!window) {
                fprintf(stderr, "no window titled \"%ls\"\n", argv[1]);
                return 1;
        }
        if (argc == 4 && wcscmp(argv[3], L"close") == 0)
                return PostMessageW(window, WM_CLOSE, 0, 0) ? 0 : 1;
        control = GetDlgItem(window, (int) wcstol(argv[2], NULL, 10));
        if (!control) {
                fprintf(stderr, "the window has no control %ls\n", argv[2]);
                return 1;
        }
        if (argc == 4) {
                SendMessageW(control, BM_CLICK, 0, 0);
                return 0;
        }
        len = SendMessageW(control, WM_GETTEXTLENGTH, 0, 0);
        text = calloc((size_t) len + 1, sizeof(wchar_t));
        if (!text)
                return 1;
        SendMessageW(control, WM_GETTEXT, (WPARAM) len + 1, (LPARAM) text);
        n = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
        utf8 = n > 0 ? malloc((size_t) n) : NULL;
        if (!utf8 || WideCharToMultiByte(CP_UTF8, 0, text, -1, utf8, n, NULL, NULL) <= 0)
                return 1;
        fwrite(utf8, 1, strlen(utf8), stdout);
        putchar('\n');
        free(utf8);
        free(text);
        return 0;
}
