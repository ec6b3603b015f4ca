/* SPDX-License-Identifier: MIT */
/* The consent dialog (issue 13): once client.exe runs unelevated, a link
 * on a web page joins without a UAC prompt, so the player is asked once
 * per room. The template is IDD_CONSENT in client-win.rc; the question
 * and the check box's label are consent-store.c's. Cancel is the default
 * button, so a stray Enter joins nothing. */
#include "service-face-win.h"

#include <commctrl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client-win-rc.h"
#include "consent-store.h"
#include "platform-win.h"

typedef struct ConsentDialog {
        HINSTANCE instance;
        const char *question;
        bool always;
} ConsentDialog;

/* Never an empty dialog: text that is not UTF-8 is shown byte by byte. */
static void dialog_text_set(HWND dlg, int id, const char *text) {
        wchar_t w[CONSENT_DIALOG_TEXT_MAX + 1];

        if (utf8_to_wide(text, w, ELEMENTSOF(w)) < 0) {
                size_t i = 0;

                for (; text[i] && i + 1 < ELEMENTSOF(w); i++)
                        w[i] = (unsigned char) text[i] < 0x80 ? (wchar_t) text[i] : L'?';
                w[i] = L'\0';
        }
        SetDlgItemTextW(dlg, id, w);
}

static void dialog_icons_set(HWND dlg, HINSTANCE instance) {
        HICON big = LoadImageW(instance, MAKEINTRESOURCEW(IDI_APP), IMAGE_ICON, GetSystemMetrics(SM_CXICON),
                               GetSystemMetrics(SM_CYICON), LR_SHARED);
        HICON small = LoadImageW(instance, MAKEINTRESOURCEW(IDI_APP), IMAGE_ICON, GetSystemMetrics(SM_CXSMICON),
                                 GetSystemMetrics(SM_CYSMICON), LR_SHARED);

        if (big)
                SendMessageW(dlg, WM_SETICON, ICON_BIG, (LPARAM) big);
        if (small)
                SendMessageW(dlg, WM_SETICON, ICON_SMALL, (LPARAM) small);
}

static INT_PTR CALLBACK consent_proc(HWND dlg, UINT msg, WPARAM wparam, LPARAM lparam) {
        ConsentDialog *d = (ConsentDialog *) GetWindowLongPtrW(dlg, DWLP_USER);

        switch (msg) {
        case WM_INITDIALOG:
                d = (ConsentDialog *) lparam;
                SetWindowLongPtrW(dlg, DWLP_USER, (LONG_PTR) d);
                dialog_icons_set(dlg, d->instance);
                dialog_text_set(dlg, IDC_CONSENT_TEXT, d->question);
                dialog_text_set(dlg, IDC_CONSENT_ALWAYS, CONSENT_DIALOG_ALWAYS_LABEL);
                /* A link from a browser: the dialog must not hide behind it. */
                SetForegroundWindow(dlg);
                SetFocus(GetDlgItem(dlg, IDCANCEL));
                return FALSE; /* we set the focus */
        case WM_COMMAND:
                switch (LOWORD(wparam)) {
                case IDOK:
                        d->always = IsDlgButtonChecked(dlg, IDC_CONSENT_ALWAYS) == BST_CHECKED;
                        EndDialog(dlg, 1);
                        return TRUE;
                case IDCANCEL:
                        EndDialog(dlg, 0);
                        return TRUE;
                }
                break;
        }
        return FALSE;
}

int consent_dialog_ask(HINSTANCE instance, const char *question, bool *ret_always) {
        INITCOMMONCONTROLSEX icc = { .dwSize = sizeof(icc), .dwICC = ICC_STANDARD_CLASSES };
        ConsentDialog d = { .instance = instance, .question = question };
        INT_PTR r;

        if (!question || !ret_always)
                return -EINVAL;
        InitCommonControlsEx(&icc);
        r = DialogBoxParamW(instance, MAKEINTRESOURCEW(IDD_CONSENT), NULL, consent_proc, (LPARAM) &d);
        if (r < 0)
                return errno_from_win32(GetLastError());
        *ret_always = r == 1 && d.always;
        return r == 1;
}
