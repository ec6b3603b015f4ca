/* SPDX-License-Identifier: MIT */
/* A stand-in program for tests/wine/test-installer.sh, put where the
 * installer would run TAP-Windows6's installer and where the uninstaller
 * runs client.exe. It appends one line to the file $LANPARTY_TEST_RECORD
 * names: its command line and, when $LANPARTY_TEST_RECORD_CHECK names a
 * path, whether that exists at this moment. Exits 0. */
#include <stdio.h>
#include <windows.h>

int wmain(void);
int wmain(void) {
        const wchar_t *record = _wgetenv(L"LANPARTY_TEST_RECORD"), *check = _wgetenv(L"LANPARTY_TEST_RECORD_CHECK");
        FILE *f;

        if (!record)
                return 3;
        f = _wfopen(record, L"ab");
        if (!f)
                return 4;
        fprintf(f, "%ls", GetCommandLineW());
        if (check)
                fprintf(f, " | %ls %s", check, GetFileAttributesW(check) != INVALID_FILE_ATTRIBUTES ? "exists" : "missing");
        fputs("\n", f);
        return fclose(f) == 0 ? 0 : 5;
}
