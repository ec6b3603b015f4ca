#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs a Windows console program under wine, headless, in lanparty's own wine
# prefix. tools/build-windows-deps.sh installs this as $PREFIX/bin/lanparty-wine
# (with the wine prefix path filled in) and names it as exe_wrapper in the meson cross
# file, so `meson test` runs the .exe unit tests through it.
#
# Usage: lanparty-wine PROGRAM.exe [ARGS...]   run a program, exit with its status
#        lanparty-wine --init                   only create the wine prefix
#
# Environment: LANPARTY_WINEPREFIX overrides the prefix (not WINEPREFIX: a
# developer's own wine prefix should never be touched by the test suite);
# LANPARTY_WINEBOOT_TIMEOUT (seconds, default 600) bounds the first start.

set -eu

WINEPREFIX=${LANPARTY_WINEPREFIX:-@WINEPREFIX@}
export WINEPREFIX
# Quiet wine's own tracing so test output is the program's alone; no display so
# nothing ever waits on a window; no Mono/Gecko so the first start does not try
# to offer installing them.
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree=d;mshtml=d"
unset DISPLAY WAYLAND_DISPLAY

ready="$WINEPREFIX/.lanparty-ready"

# The ready file holds the wine version that made the prefix: after a wine
# upgrade the prefix is made anew here, once, rather than updated by the first
# test that happens to start (and then overruns its timeout).
wine_init() {
        version=$(wine --version 2>/dev/null) || version=unknown
        [ "$(cat "$ready" 2>/dev/null)" = "$version" ] && return 0

        mkdir -p "$(dirname "$WINEPREFIX")"
        # meson runs tests in parallel: the first one creates the prefix, the
        # others wait here instead of racing wineboot on a half-made prefix.
        exec 9>"$WINEPREFIX.lock"
        flock 9
        if [ "$(cat "$ready" 2>/dev/null)" = "$version" ]; then
                exec 9>&-
                return 0
        fi

        echo "lanparty-wine: creating wine prefix $WINEPREFIX (first start, may take a minute)" >&2
        # 9>&- everywhere below: a wineserver started here must not inherit,
        # and so keep holding, the lock.
        wineserver --kill >/dev/null 2>&1 9>&- || :
        rm -rf "$WINEPREFIX"
        if ! timeout "${LANPARTY_WINEBOOT_TIMEOUT:-600}" wineboot --init >/dev/null 2>&1 9>&- ||
           ! timeout 120 wineserver --wait 9>&-; then
                wineserver --kill >/dev/null 2>&1 || :
                rm -rf "$WINEPREFIX"
                echo "lanparty-wine: wineboot failed or timed out; is wine64 installed?" >&2
                exit 125
        fi
        # A crashing test must fail, not sit behind a crash dialog that no one
        # can click; winedbg still prints the backtrace to the console.
        timeout 120 wine reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog /t REG_DWORD /d 0 /f \
                >/dev/null 2>&1 9>&-
        timeout 120 wineserver --wait 9>&-
        echo "$version" >"$ready"
        exec 9>&-
}

if [ $# -eq 0 ]; then
        echo "usage: lanparty-wine PROGRAM.exe [ARGS...] | --init" >&2
        exit 2
fi

if ! command -v wine >/dev/null 2>&1; then
        echo "lanparty-wine: no wine command; install Debian's wine and wine64 packages" >&2
        exit 127
fi

wine_init
[ "$1" = "--init" ] && exit 0

# wineserver keeps the Unix fds behind a program's standard handles until the
# server itself exits, seconds after its last client. Handed meson's pipes, it
# would make a test look unfinished until every other test had ended (and then
# time out). So the program writes to files, and tail relays them as they
# grow and stops once the program is gone and the files are read to the end.
out=$(mktemp "${TMPDIR:-/tmp}/lanparty-wine.XXXXXX")
err=$(mktemp "${TMPDIR:-/tmp}/lanparty-wine.XXXXXX")
trap 'rm -f "$out" "$err"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

wine "$@" >"$out" 2>"$err" &
pid=$!
tail -q -s 0.05 -n +1 -f --pid="$pid" "$out" &
relay_out=$!
tail -q -s 0.05 -n +1 -f --pid="$pid" "$err" >&2 &
relay_err=$!

rc=0
wait "$pid" || rc=$?
wait "$relay_out" "$relay_err" || :
exit "$rc"
