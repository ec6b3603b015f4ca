/* SPDX-License-Identifier: MIT */
/* client.exe's window; see gui-win.h. Only the main thread touches the
 * window; the worker reaches it through PostMessageW() with heap copies. */
#include "gui-win.h"

#include <commctrl.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windowsx.h>

#include "client-win-args.h"
#include "client-win-rc.h"
#include "invite.h"
#include "log.h"
#include "platform-win.h"

#define GUI_TITLE L"lanparty"
#define GUI_MSG_LINE (WM_APP + 1)   /* lParam: char *, UTF-8, ours to free */
#define GUI_MSG_LIGHTS (WM_APP + 2) /* lParam: ClientLights *, ours to free */
#define GUI_MSG_DONE (WM_APP + 3)   /* wParam: failed; lParam: char * or NULL */
#define GUI_MSG_TRAY (WM_APP + 4)   /* the tray icon was clicked */
#define GUI_MSG_REFONT (WM_APP + 5) /* after a DPI change: remake the room font */
#define GUI_TRAY_ID 1 /* tests/wine/taskbar-restart.c removes it by this id */
/* The log keeps the last ~100k characters; a LAN party is long. */
#define GUI_LOG_MAX 100000
#define GUI_LINE_WIDE_MAX 1024

/* How a control follows the window when it is resized. */
typedef enum GuiAnchor {
        GUI_ANCHOR_TOP_STRETCH,    /* same place, width follows */
        GUI_ANCHOR_FILL,           /* width and height follow */
        GUI_ANCHOR_BOTTOM_RIGHT,   /* keeps its size, moves with the corner */
} GuiAnchor;

static const struct {
        int id;
        GuiAnchor anchor;
} gui_layout[] = {
        { IDC_ROOM, GUI_ANCHOR_TOP_STRETCH },          { IDC_LIGHT_RELAY, GUI_ANCHOR_TOP_STRETCH },
        { IDC_LIGHT_GATEWAY, GUI_ANCHOR_TOP_STRETCH }, { IDC_LIGHT_ADDRESS, GUI_ANCHOR_TOP_STRETCH },
        { IDC_LOG, GUI_ANCHOR_FILL },                  { IDC_LEAVE, GUI_ANCHOR_BOTTOM_RIGHT },
        { IDC_CHECK, GUI_ANCHOR_BOTTOM_RIGHT },
};

/* Explorer broadcasts it when it (re)creates the taskbar, after a crash or
 * a restart, which loses every tray icon: they must be added again
 * (Microsoft Learn, "Taskbar": Taskbar Creation Notification). */
static UINT taskbar_created;

struct Gui {
        HINSTANCE instance;
        HWND hwnd;
        HFONT room_font;
        GuiCallbacks callbacks;
        wchar_t title[128];
        wchar_t room_text[256];

        ClientLights lights;
        bool leave_requested;
        bool leave_forced;
        bool close_when_done;
        bool done;

        bool tray_added;
        NOTIFYICONDATAW tray;

        /* The layout as the template made it, for resizing. */
        SIZE client0;
        RECT rect0[ELEMENTSOF(gui_layout)];
        SIZE min_window;
};

/* client.exe's own icon (client-win.rc) at a system size, SM_CXICON or
 * SM_CXSMICON; shared, never destroyed. The stock one if it is missing. */
static HICON app_icon(HINSTANCE instance, int metric) {
        HICON icon = LoadImageW(instance, MAKEINTRESOURCEW(IDI_APP), IMAGE_ICON, GetSystemMetrics(metric),
                                GetSystemMetrics(metric == SM_CXICON ? SM_CYICON : SM_CYSMICON), LR_SHARED);

        return icon ? icon : LoadIconW(NULL, (LPCWSTR) IDI_APPLICATION);
}

static void window_icons_set(HWND hwnd, HINSTANCE instance) {
        SendMessageW(hwnd, WM_SETICON, ICON_BIG, (LPARAM) app_icon(instance, SM_CXICON));
        SendMessageW(hwnd, WM_SETICON, ICON_SMALL, (LPARAM) app_icon(instance, SM_CXSMICON));
}

static void wide_from(const char *s, wchar_t *buf, size_t size) {
        if (!s || utf8_to_wide(s, buf, size) < 0) {
                /* Never show nothing: a cut or broken string still says something. */
                size_t i = 0;

                for (; s && s[i] && i + 1 < size; i++)
                        buf[i] = (unsigned char) s[i] < 0x80 ? (wchar_t) s[i] : L'?';
                buf[i] = L'\0';
        }
}

int gui_message(Gui *g, UINT type, const char *text) {
        wchar_t *w;
        size_t n = strlen(text) + 1;
        int r;

        w = calloc(n, sizeof(wchar_t));
        if (!w)
                return 0;
        wide_from(text, w, n);
        r = MessageBoxW(g ? g->hwnd : NULL, w, GUI_TITLE, type | MB_SETFOREGROUND);
        free(w);
        return r;
}

/* ---- the paste dialog ---------------------------------------------------------- */

typedef struct PasteDialog {
        HINSTANCE instance;
        const char *hint;
        char *buf;
        size_t size;
} PasteDialog;

static int dialog_get_utf8(HWND dlg, int id, char *buf, size_t size) {
        wchar_t w[LP_INVITE_TEXT_MAX + 64];

        GetDlgItemTextW(dlg, id, w, (int) ELEMENTSOF(w));
        return wide_to_utf8(w, buf, size);
}

/* A link on the clipboard saves the player a paste. */
static void paste_prefill(HWND dlg) {
        char text[LP_INVITE_TEXT_MAX + 64], link[LP_INVITE_TEXT_MAX + 64];
        const wchar_t *w;
        HANDLE h;

        if (!OpenClipboard(dlg))
                return;
        h = GetClipboardData(CF_UNICODETEXT);
        w = h ? GlobalLock(h) : NULL;
        if (w) {
                if (wcslen(w) < ELEMENTSOF(text) && wide_to_utf8(w, text, sizeof(text)) >= 0 &&
                    invite_text_clean(text, link, sizeof(link)) >= 0 &&
                    invite_source_classify(link) == INVITE_SOURCE_LINK) {
                        wchar_t wl[LP_INVITE_TEXT_MAX + 64];

                        wide_from(link, wl, ELEMENTSOF(wl));
                        SetDlgItemTextW(dlg, IDC_LINK, wl);
                }
                GlobalUnlock(h);
        }
        CloseClipboard();
}

static INT_PTR CALLBACK paste_proc(HWND dlg, UINT msg, WPARAM wparam, LPARAM lparam) {
        PasteDialog *p = (PasteDialog *) GetWindowLongPtrW(dlg, DWLP_USER);

        switch (msg) {
        case WM_INITDIALOG: {
                wchar_t w[512];

                p = (PasteDialog *) lparam;
                SetWindowLongPtrW(dlg, DWLP_USER, (LONG_PTR) p);
                window_icons_set(dlg, p->instance);
                SendDlgItemMessageW(dlg, IDC_LINK, EM_SETLIMITTEXT, LP_INVITE_TEXT_MAX + 32, 0);
                if (p->hint) {
                        wide_from(p->hint, w, ELEMENTSOF(w));
                        SetDlgItemTextW(dlg, IDC_PASTE_ERROR, w);
                }
                paste_prefill(dlg);
                SetFocus(GetDlgItem(dlg, IDC_LINK));
                return FALSE; /* we set the focus */
        }
        case WM_COMMAND:
                switch (LOWORD(wparam)) {
                case IDOK: {
                        char text[LP_INVITE_TEXT_MAX + 64], link[LP_INVITE_TEXT_MAX + 64], msg_text[256];
                        wchar_t w[256];
                        InviteError ie = INVITE_ERROR_EMPTY;
                        Invite invite;
                        int r;

                        r = dialog_get_utf8(dlg, IDC_LINK, text, sizeof(text));
                        if (r >= 0)
                                r = invite_text_clean(text, link, sizeof(link));
                        if (r >= 0)
                                r = invite_parse(link, &invite, &ie);
                        if (r >= 0 && strlen(link) < p->size) {
                                memcpy(p->buf, link, strlen(link) + 1);
                                EndDialog(dlg, 1);
                                return TRUE;
                        }
                        snprintf(msg_text, sizeof(msg_text), "That is not an invite link: %s. Ask for the link again.",
                                 r == -ENOMSG ? "the field is empty" : invite_error_to_string(ie));
                        wide_from(msg_text, w, ELEMENTSOF(w));
                        SetDlgItemTextW(dlg, IDC_PASTE_ERROR, w);
                        SetFocus(GetDlgItem(dlg, IDC_LINK));
                        return TRUE;
                }
                case IDCANCEL:
                        EndDialog(dlg, 0);
                        return TRUE;
                }
                break;
        }
        return FALSE;
}

int gui_ask_invite(HINSTANCE instance, const char *hint, char *buf, size_t size) {
        PasteDialog p = { .instance = instance, .hint = hint, .buf = buf, .size = size };
        INT_PTR r;

        if (!buf || size == 0)
                return -EINVAL;
        r = DialogBoxParamW(instance, MAKEINTRESOURCEW(IDD_PASTE), NULL, paste_proc, (LPARAM) &p);
        if (r < 0)
                return errno_from_win32(GetLastError());
        return r == 1;
}

/* ---- the main window ------------------------------------------------------------ */

static COLORREF light_color(ClientLightColor c) {
        switch (c) {
        case CLIENT_LIGHT_GREEN:
                return RGB(34, 177, 76);
        case CLIENT_LIGHT_YELLOW:
                return RGB(240, 180, 0);
        case CLIENT_LIGHT_RED:
                return RGB(220, 40, 40);
        default:
                return RGB(160, 160, 160);
        }
}

static ClientLightKind light_kind_from_id(int id) {
        switch (id) {
        case IDC_LIGHT_RELAY:
                return CLIENT_LIGHT_RELAY;
        case IDC_LIGHT_GATEWAY:
                return CLIENT_LIGHT_GATEWAY;
        case IDC_LIGHT_ADDRESS:
                return CLIENT_LIGHT_ADDRESS;
        default:
                return _CLIENT_LIGHT_KIND_INVALID;
        }
}

static void light_draw(Gui *g, const DRAWITEMSTRUCT *di) {
        ClientLightKind k = light_kind_from_id((int) di->CtlID);
        const ClientLight *l;
        wchar_t text[CLIENT_LIGHT_TEXT_MAX];
        RECT rc = di->rcItem, dot, label;
        int h = rc.bottom - rc.top, d = h - 2 > 6 ? h - 2 : 6;
        HBRUSH brush;
        HPEN pen;
        HGDIOBJ old_brush, old_pen, old_font;
        HFONT font = (HFONT) SendMessageW(g->hwnd, WM_GETFONT, 0, 0);

        if (k < 0)
                return;
        l = &g->lights.light[k];
        FillRect(di->hDC, &rc, GetSysColorBrush(COLOR_BTNFACE));

        dot = (RECT) { rc.left + 1, rc.top + (h - d) / 2, rc.left + 1 + d, rc.top + (h - d) / 2 + d };
        brush = CreateSolidBrush(light_color(l->color));
        pen = CreatePen(PS_SOLID, 1, RGB(90, 90, 90));
        old_brush = SelectObject(di->hDC, brush);
        old_pen = SelectObject(di->hDC, pen);
        Ellipse(di->hDC, dot.left, dot.top, dot.right, dot.bottom);
        SelectObject(di->hDC, old_pen);
        SelectObject(di->hDC, old_brush);
        DeleteObject(pen);
        DeleteObject(brush);

        wide_from(l->text, text, ELEMENTSOF(text));
        label = (RECT) { dot.right + d / 2 + 2, rc.top, rc.right, rc.bottom };
        old_font = SelectObject(di->hDC, font);
        SetBkMode(di->hDC, TRANSPARENT);
        SetTextColor(di->hDC, GetSysColor(COLOR_BTNTEXT));
        DrawTextW(di->hDC, text, -1, &label, DT_SINGLELINE | DT_VCENTER | DT_END_ELLIPSIS | DT_NOPREFIX);
        SelectObject(di->hDC, old_font);
}

static void room_font_update(Gui *g) {
        HFONT base = (HFONT) SendMessageW(g->hwnd, WM_GETFONT, 0, 0);
        LOGFONTW lf;
        HFONT f;

        if (!base || GetObjectW(base, sizeof(lf), &lf) == 0)
                return;
        lf.lfWeight = FW_BOLD;
        lf.lfHeight = lf.lfHeight * 4 / 3;
        f = CreateFontIndirectW(&lf);
        if (!f)
                return;
        SendDlgItemMessageW(g->hwnd, IDC_ROOM, WM_SETFONT, (WPARAM) f, TRUE);
        if (g->room_font)
                DeleteObject(g->room_font);
        g->room_font = f;
}

static void log_append(Gui *g, const char *text) {
        HWND log = GetDlgItem(g->hwnd, IDC_LOG);
        wchar_t line[GUI_LINE_WIDE_MAX + 32], body[GUI_LINE_WIDE_MAX];
        SYSTEMTIME t;
        int len;

        if (!log)
                return;
        GetLocalTime(&t);
        wide_from(text, body, ELEMENTSOF(body));
        _snwprintf(line, ELEMENTSOF(line), L"%s[%02u:%02u:%02u] %ls", GetWindowTextLengthW(log) > 0 ? L"\r\n" : L"",
                   (unsigned) t.wHour, (unsigned) t.wMinute, (unsigned) t.wSecond, body);
        line[ELEMENTSOF(line) - 1] = L'\0';

        len = GetWindowTextLengthW(log);
        if (len > GUI_LOG_MAX) {
                SendMessageW(log, EM_SETSEL, 0, len - GUI_LOG_MAX / 2);
                SendMessageW(log, EM_REPLACESEL, FALSE, (LPARAM) L"");
                len = GetWindowTextLengthW(log);
        }
        SendMessageW(log, EM_SETSEL, len, len);
        SendMessageW(log, EM_REPLACESEL, FALSE, (LPARAM) line);
        SendMessageW(log, EM_SCROLLCARET, 0, 0);
}

static void tray_update(Gui *g) {
        wchar_t tip[ELEMENTSOF(g->tray.szTip)];

        if (!g->tray_added)
                return;
        wide_from(g->lights.light[CLIENT_LIGHT_RELAY].text, tip, ELEMENTSOF(tip));
        _snwprintf(g->tray.szTip, ELEMENTSOF(g->tray.szTip), L"%ls\n%ls", g->title, tip);
        g->tray.szTip[ELEMENTSOF(g->tray.szTip) - 1] = L'\0';
        g->tray.uFlags = NIF_TIP;
        Shell_NotifyIconW(NIM_MODIFY, &g->tray);
}

static void tray_add(Gui *g) {
        bool had = g->tray_added;

        g->tray = (NOTIFYICONDATAW) {
                .cbSize = sizeof(NOTIFYICONDATAW),
                .hWnd = g->hwnd,
                .uID = GUI_TRAY_ID,
                .uFlags = NIF_MESSAGE | NIF_ICON | NIF_TIP,
                .uCallbackMessage = GUI_MSG_TRAY,
                .hIcon = app_icon(g->instance, SM_CXSMICON),
        };
        _snwprintf(g->tray.szTip, ELEMENTSOF(g->tray.szTip), L"%ls", g->title);
        g->tray.szTip[ELEMENTSOF(g->tray.szTip) - 1] = L'\0';
        /* Optional: a shell without a tray (or wine without one) is fine.
         * Added again after TaskbarCreated, it may still be there (a
         * broadcast without a new Explorer): then it is updated. */
        g->tray_added = Shell_NotifyIconW(NIM_ADD, &g->tray) || (had && Shell_NotifyIconW(NIM_MODIFY, &g->tray));
        tray_update(g);
}

static void tray_remove(Gui *g) {
        if (g->tray_added)
                Shell_NotifyIconW(NIM_DELETE, &g->tray);
        g->tray_added = false;
}

static void layout_record(Gui *g) {
        RECT rc, wr;

        GetClientRect(g->hwnd, &rc);
        g->client0 = (SIZE) { rc.right - rc.left, rc.bottom - rc.top };
        for (size_t i = 0; i < ELEMENTSOF(gui_layout); i++) {
                HWND h = GetDlgItem(g->hwnd, gui_layout[i].id);

                GetWindowRect(h, &g->rect0[i]);
                MapWindowPoints(NULL, g->hwnd, (POINT *) &g->rect0[i], 2);
        }
        /* Not smaller than the template: the lights must stay readable. */
        GetWindowRect(g->hwnd, &wr);
        g->min_window = (SIZE) { (wr.right - wr.left) * 3 / 4, (wr.bottom - wr.top) * 3 / 4 };
}

static void layout_apply(Gui *g, int width, int height) {
        int dx = width - g->client0.cx, dy = height - g->client0.cy;
        HDWP dwp = BeginDeferWindowPos((int) ELEMENTSOF(gui_layout));

        for (size_t i = 0; i < ELEMENTSOF(gui_layout) && dwp; i++) {
                RECT r = g->rect0[i];
                HWND h = GetDlgItem(g->hwnd, gui_layout[i].id);

                switch (gui_layout[i].anchor) {
                case GUI_ANCHOR_TOP_STRETCH:
                        r.right += dx;
                        break;
                case GUI_ANCHOR_FILL:
                        r.right += dx;
                        r.bottom += dy;
                        break;
                case GUI_ANCHOR_BOTTOM_RIGHT:
                        OffsetRect(&r, dx, dy);
                        break;
                }
                dwp = DeferWindowPos(dwp, h, NULL, r.left, r.top, r.right - r.left, r.bottom - r.top,
                                     SWP_NOZORDER | SWP_NOACTIVATE);
        }
        if (dwp)
                EndDeferWindowPos(dwp);
        InvalidateRect(g->hwnd, NULL, TRUE);
}

static void leave_button_set(Gui *g, const wchar_t *text, bool enabled) {
        SetDlgItemTextW(g->hwnd, IDC_LEAVE, text);
        EnableWindow(GetDlgItem(g->hwnd, IDC_LEAVE), enabled);
}

/* Leave, the window's X and Alt-F4 all end up here. */
static void gui_leave(Gui *g) {
        if (g->done) {
                DestroyWindow(g->hwnd);
                return;
        }
        g->close_when_done = true;
        if (!g->leave_requested) {
                g->leave_requested = true;
                leave_button_set(g, L"Leave &now", true);
        } else if (!g->leave_forced) {
                /* Pressed again: do not wait for the relay's goodbye. */
                g->leave_forced = true;
                leave_button_set(g, L"Leaving...", false);
        } else
                return;
        if (g->callbacks.leave)
                g->callbacks.leave(g->callbacks.userdata);
}

static void gui_done(Gui *g, bool failed, char *text) {
        g->done = true;
        if (!failed && g->close_when_done) {
                DestroyWindow(g->hwnd);
                return;
        }
        leave_button_set(g, L"&Close", true);
        /* Nothing left to check. */
        EnableWindow(GetDlgItem(g->hwnd, IDC_CHECK), FALSE);
        if (failed && text) {
                ShowWindow(g->hwnd, SW_SHOWNORMAL);
                SetForegroundWindow(g->hwnd);
                gui_message(g, MB_OK | MB_ICONERROR, text);
        }
}

static INT_PTR main_init(HWND hwnd, Gui *g) {
        g->hwnd = hwnd;
        SetWindowLongPtrW(hwnd, DWLP_USER, (LONG_PTR) g);
        SetWindowTextW(hwnd, g->title);
        SetDlgItemTextW(hwnd, IDC_ROOM, g->room_text);
        window_icons_set(hwnd, g->instance);
        room_font_update(g);
        layout_record(g);
        tray_add(g);
        /* Without the lanparty service client.exe runs elevated, Explorer
         * does not: User Interface Privilege Isolation drops its
         * broadcast to us unless this window lets it through. */
        if (taskbar_created && !ChangeWindowMessageFilterEx(hwnd, taskbar_created, MSGFLT_ALLOW, NULL))
                log_debug_errno(errno_from_win32(GetLastError()),
                                "Cannot let TaskbarCreated through to the window, ignoring: %m");
        SetFocus(GetDlgItem(hwnd, IDC_LEAVE));
        return FALSE;
}

/* What the worker posts (gui_post_*()): the heap copy is ours to free. */
static INT_PTR main_worker_message(Gui *g, HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
        switch (msg) {
        case GUI_MSG_LINE:
                if (g)
                        log_append(g, (const char *) lparam);
                break;
        case GUI_MSG_LIGHTS:
                if (g) {
                        g->lights = *(const ClientLights *) lparam;
                        InvalidateRect(GetDlgItem(hwnd, IDC_LIGHT_RELAY), NULL, TRUE);
                        InvalidateRect(GetDlgItem(hwnd, IDC_LIGHT_GATEWAY), NULL, TRUE);
                        InvalidateRect(GetDlgItem(hwnd, IDC_LIGHT_ADDRESS), NULL, TRUE);
                        tray_update(g);
                }
                break;
        case GUI_MSG_DONE:
                if (g)
                        gui_done(g, wparam != 0, (char *) lparam);
                break;
        default:
                return FALSE;
        }
        free((void *) lparam);
        return TRUE;
}

/* The window's size, its smallest size, and the monitor's DPI. */
static INT_PTR main_layout_message(Gui *g, HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
        switch (msg) {
        case WM_SIZE:
                if (g && wparam != SIZE_MINIMIZED && g->client0.cx > 0)
                        layout_apply(g, LOWORD(lparam), HIWORD(lparam));
                return TRUE;
        case WM_GETMINMAXINFO:
                if (g && g->min_window.cx > 0) {
                        MINMAXINFO *mm = (MINMAXINFO *) lparam;

                        mm->ptMinTrackSize = (POINT) { g->min_window.cx, g->min_window.cy };
                }
                return TRUE;
        case WM_DPICHANGED:
                /* DefDlgProc rescales the template; the room font is ours. */
                PostMessageW(hwnd, GUI_MSG_REFONT, 0, 0);
                return FALSE;
        case GUI_MSG_REFONT:
                if (g) {
                        room_font_update(g);
                        layout_record(g);
                }
                return TRUE;
        default:
                return FALSE;
        }
}

/* Leave, the window's X, a logoff. */
static INT_PTR main_leave_message(Gui *g, HWND hwnd, UINT msg, WPARAM wparam) {
        switch (msg) {
        case WM_COMMAND:
                if (LOWORD(wparam) == IDC_LEAVE) {
                        if (g)
                                gui_leave(g);
                        return TRUE;
                }
                /* Escape must not drop a player out of the party. */
                return LOWORD(wparam) == IDCANCEL;
        case WM_CLOSE:
                if (g)
                        gui_leave(g);
                return TRUE;
        case WM_QUERYENDSESSION:
                SetWindowLongPtrW(hwnd, DWLP_MSGRESULT, TRUE);
                return TRUE;
        case WM_ENDSESSION:
                /* Logoff or shutdown: this process ends when we return, so
                 * leave now and let the worker put the routes back. */
                if (g && wparam && !g->done && g->callbacks.shutdown)
                        g->callbacks.shutdown(g->callbacks.userdata);
                return TRUE;
        default:
                return FALSE;
        }
}

static INT_PTR CALLBACK main_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
        Gui *g = (Gui *) GetWindowLongPtrW(hwnd, DWLP_USER);

        /* A registered message, no case label for it. */
        if (msg == taskbar_created && msg != 0) {
                if (g) {
                        tray_add(g);
                        log_debug("The taskbar was created anew (Explorer restarted?): %s the tray icon again.",
                                  g->tray_added ? "added" : "could not add");
                }
                return TRUE;
        }
        switch (msg) {
        case WM_INITDIALOG:
                return main_init(hwnd, (Gui *) lparam);
        case WM_DRAWITEM:
                if (!g)
                        return FALSE;
                light_draw(g, (const DRAWITEMSTRUCT *) lparam);
                return TRUE;
        case WM_CTLCOLORSTATIC:
                /* The read-only log reads better on a white page than on grey. */
                if (g && (HWND) lparam == GetDlgItem(hwnd, IDC_LOG)) {
                        SetBkColor((HDC) wparam, GetSysColor(COLOR_WINDOW));
                        SetTextColor((HDC) wparam, GetSysColor(COLOR_WINDOWTEXT));
                        return (INT_PTR) GetSysColorBrush(COLOR_WINDOW);
                }
                return FALSE;
        case WM_SIZE:
        case WM_GETMINMAXINFO:
        case WM_DPICHANGED:
        case GUI_MSG_REFONT:
                return main_layout_message(g, hwnd, msg, wparam, lparam);
        case WM_COMMAND:
                if (LOWORD(wparam) == IDC_CHECK) {
                        if (g && !g->done && g->callbacks.check)
                                g->callbacks.check(g->callbacks.userdata);
                        return TRUE;
                }
                return main_leave_message(g, hwnd, msg, wparam);
        case WM_CLOSE:
        case WM_QUERYENDSESSION:
        case WM_ENDSESSION:
                return main_leave_message(g, hwnd, msg, wparam);
        case GUI_MSG_LINE:
        case GUI_MSG_LIGHTS:
        case GUI_MSG_DONE:
                return main_worker_message(g, hwnd, msg, wparam, lparam);
        case GUI_MSG_TRAY:
                if (g && (LOWORD(lparam) == WM_LBUTTONUP || LOWORD(lparam) == WM_LBUTTONDBLCLK)) {
                        ShowWindow(hwnd, SW_RESTORE);
                        SetForegroundWindow(hwnd);
                }
                return TRUE;
        case WM_DESTROY:
                if (g) {
                        tray_remove(g);
                        g->hwnd = NULL;
                }
                PostQuitMessage(0);
                return TRUE;
        default:
                return FALSE;
        }
}

int gui_new(Gui **ret, HINSTANCE instance, const char *room, const char *relay, const GuiCallbacks *callbacks) {
        _cleanup_(gui_freep) Gui *g = NULL;
        wchar_t wroom[LP_ROOM_NAME_MAX + 1], wrelay[LP_INVITE_HOST_MAX + 8];
        INITCOMMONCONTROLSEX icc = { .dwSize = sizeof(icc), .dwICC = ICC_STANDARD_CLASSES };
        HWND hwnd;

        if (!ret || !room || !relay)
                return -EINVAL;
        InitCommonControlsEx(&icc);
        if (!taskbar_created)
                taskbar_created = RegisterWindowMessageW(L"TaskbarCreated");

        g = calloc(1, sizeof(Gui));
        if (!g)
                return -ENOMEM;
        g->instance = instance;
        if (callbacks)
                g->callbacks = *callbacks;
        wide_from(room, wroom, ELEMENTSOF(wroom));
        wide_from(relay, wrelay, ELEMENTSOF(wrelay));
        _snwprintf(g->title, ELEMENTSOF(g->title), L"lanparty - %ls", wroom);
        g->title[ELEMENTSOF(g->title) - 1] = L'\0';
        _snwprintf(g->room_text, ELEMENTSOF(g->room_text), L"Room %ls on %ls", wroom, wrelay);
        g->room_text[ELEMENTSOF(g->room_text) - 1] = L'\0';
        client_lights_decide(&(ClientDiagnostics) { .phase = CLIENT_PHASE_IDLE }, &g->lights);

        hwnd = CreateDialogParamW(instance, MAKEINTRESOURCEW(IDD_MAIN), NULL, main_proc, (LPARAM) g);
        if (!hwnd)
                return errno_from_win32(GetLastError());
        ShowWindow(hwnd, SW_SHOWNORMAL);
        UpdateWindow(hwnd);
        *ret = TAKE_PTR(g);
        return 0;
}

Gui *gui_free(Gui *g) {
        if (!g)
                return NULL;
        if (g->hwnd)
                DestroyWindow(g->hwnd);
        if (g->room_font)
                DeleteObject(g->room_font);
        free(g);
        return NULL;
}

int gui_run(Gui *g) {
        MSG msg;
        BOOL r;

        while ((r = GetMessageW(&msg, NULL, 0, 0)) != 0) {
                if (r < 0)
                        return errno_from_win32(GetLastError());
                if (g->hwnd && IsDialogMessageW(g->hwnd, &msg))
                        continue;
                TranslateMessage(&msg);
                DispatchMessageW(&msg);
        }
        return 0;
}

static void post(Gui *g, UINT msg, WPARAM wparam, void *data) {
        HWND hwnd = g ? g->hwnd : NULL;

        if (!hwnd || !PostMessageW(hwnd, msg, wparam, (LPARAM) data))
                free(data);
}

void gui_post_line(Gui *g, const char *text) {
        post(g, GUI_MSG_LINE, 0, text ? strdup(text) : NULL);
}

void gui_post_lights(Gui *g, const ClientLights *lights) {
        ClientLights *copy = malloc(sizeof(ClientLights));

        if (!copy)
                return;
        *copy = *lights;
        post(g, GUI_MSG_LIGHTS, 0, copy);
}

void gui_post_done(Gui *g, bool failed, const char *text) {
        char *copy = text ? strdup(text) : NULL;

        if (!g || !g->hwnd || !PostMessageW(g->hwnd, GUI_MSG_DONE, failed, (LPARAM) copy))
                free(copy);
}
