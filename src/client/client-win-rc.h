/* SPDX-License-Identifier: MIT */
#pragma once

/* Resource ids shared by client-win.rc and gui-win.c. Plain #defines: the
 * resource compiler reads this file too. */

/* The application icon: the lowest id, so Explorer shows it for client.exe. */
#define IDI_APP 1

#define IDD_MAIN 100
#define IDD_PASTE 101

#define IDC_ROOM 1001
#define IDC_LIGHT_RELAY 1002
#define IDC_LIGHT_GATEWAY 1003
#define IDC_LIGHT_ADDRESS 1004
#define IDC_LOG 1005
#define IDC_LEAVE 1006
#define IDC_CHECK 1007

#define IDC_LINK 1101
#define IDC_PASTE_HINT 1102
#define IDC_PASTE_ERROR 1103

/* The consent dialog (consent-dialog-win.c): "Join room X on relay Y?". */
#define IDD_CONSENT 102
#define IDC_CONSENT_TEXT 1201
#define IDC_CONSENT_ALWAYS 1202
