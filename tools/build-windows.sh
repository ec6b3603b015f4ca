#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# One command for the Windows client: the static dependency prefix (cached),
# the meson cross build, a stripped client.exe and lanparty-service.exe, the
# NSIS installer carrying both, and with
# --test the unit tests and client.exe's own tests under wine. Prints where
# the outputs are. See docs/WINDOWS-BUILD.md and docs/WINDOWS.md.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${LANPARTY_CACHE_DIR:-$HOME/.cache/lanparty}
BUILD_ROOT=${LANPARTY_WIN_BUILD_DIR:-$ROOT/build-windows}
RUN_TESTS=0

# What this script itself needs beyond tools/build-windows-deps.sh (which
# installs mingw-w64 and wine) and tools/install-deps.sh (native build).
PACKAGES=(wine wine64 nsis xvfb imagemagick xdotool dbus systemd)
# client.exe and lanparty-service.exe may import these and nothing else:
# all ship with Windows.
SYSTEM_DLLS="advapi32.dll bcrypt.dll comctl32.dll crypt32.dll gdi32.dll iphlpapi.dll kernel32.dll msvcrt.dll
ncrypt.dll ole32.dll setupapi.dll shell32.dll user32.dll ws2_32.dll"

usage() {
        cat <<EOF
Usage: tools/build-windows.sh [--test] [--build-dir DIR] [--cache-dir DIR]

Builds client.exe and the lanparty service for 64-bit Windows and their
installer:

  1. tools/build-windows-deps.sh: static GnuTLS/ngtcp2 for mingw-w64, in
     CACHE/windows-deps-KEY (built once, ~7 min; later runs take a second);
  2. meson cross build in BUILD/win (-Dwerror=true);
  3. BUILD/dist/client.exe and BUILD/dist/lanparty-service.exe, stripped,
     checked to import system DLLs only;
  4. BUILD/dist/lanparty-setup-VERSION.exe with makensis -WX, which
     installs both and the service.

With --test also:
  5. a native build in BUILD/native (lanparty-relayd, relay-test-peer);
  6. meson test in BUILD/win: unit tests under wine, client.exe's console
     face, client.exe against lanparty-relayd, its window under Xvfb (the
     screenshot is kept as BUILD/win/tests/client-exe-gui.png);
  7. tests/wine/test-installer.sh: the 64-bit installer under wine64
     (install, registry, the service under wine's service manager,
     upgrade, uninstall); it must not skip.

Missing Debian packages are installed with apt-get when running as root.

Options:
  --test            also run the tests
  --build-dir DIR   build root (default: \$LANPARTY_WIN_BUILD_DIR, else
                    ROOT/build-windows; now: $BUILD_ROOT)
  --cache-dir DIR   cache for the dependency prefix and the wine prefixes
                    (default: \$LANPARTY_CACHE_DIR, else ~/.cache/lanparty;
                    now: $CACHE_DIR)
  -h, --help        show this help
EOF
}

while [ $# -gt 0 ]; do
        case "$1" in
        --test) RUN_TESTS=1; shift ;;
        --build-dir) BUILD_ROOT=${2:?--build-dir needs a directory}; shift 2 ;;
        --build-dir=*) BUILD_ROOT=${1#*=}; shift ;;
        --cache-dir) CACHE_DIR=${2:?--cache-dir needs a directory}; shift 2 ;;
        --cache-dir=*) CACHE_DIR=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-windows: unknown option '$1' (see --help)" >&2; exit 2 ;;
        esac
done
export LANPARTY_CACHE_DIR=$CACHE_DIR
mkdir -p "$BUILD_ROOT"
BUILD_ROOT=$(cd "$BUILD_ROOT" && pwd)

T0=$SECONDS
say() { printf 'build-windows: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
elapsed() { local s=$((SECONDS - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

ensure_packages() {
        local missing=() p
        for p in "$@"; do
                [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})"
        say "installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# meson_setup DIR ARGS...: configures once, reconfigures when the tree changed.
meson_setup() {
        local dir=$1
        shift
        if [ -e "$dir/build.ninja" ]; then
                meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1 ||
                        { tail -30 "$dir.setup.log" >&2; die "meson setup $dir failed"; }
        else
                meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 ||
                        { tail -30 "$dir.setup.log" >&2; die "meson setup $dir failed"; }
        fi
}

ensure_packages "${PACKAGES[@]}"
"$ROOT/tools/install-deps.sh" build

t=$SECONDS
say "dependency prefix (cached in $CACHE_DIR)"
cross=$("$ROOT/tools/build-windows-deps.sh" --cache-dir "$CACHE_DIR")
[ -f "$cross" ] || die "tools/build-windows-deps.sh gave no cross file"
say "dependencies ready ($(elapsed $t)): $cross"

t=$SECONDS
say "cross build in $BUILD_ROOT/win"
meson_setup "$BUILD_ROOT/win" "$ROOT" --cross-file "$cross" -Dwerror=true
ninja -C "$BUILD_ROOT/win" >"$BUILD_ROOT/win.ninja.log" 2>&1 ||
        { grep -E -A5 'FAILED|error' "$BUILD_ROOT/win.ninja.log" | head -60 >&2; die "cross build failed"; }
say "cross build done ($(elapsed $t))"

version=$(meson introspect --projectinfo "$BUILD_ROOT/win" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
dist=$BUILD_ROOT/dist
mkdir -p "$dist"
# What the installer carries: each stripped, each importing system DLLs only.
SHIPPED_EXES=(client.exe lanparty-service.exe)
for exe in "${SHIPPED_EXES[@]}"; do
        x86_64-w64-mingw32-strip -o "$dist/$exe" "$BUILD_ROOT/win/src/client/$exe"
        bad=$(x86_64-w64-mingw32-objdump -p "$dist/$exe" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr 'A-Z' 'a-z' |
                while read -r dll; do grep -qw -- "$dll" <<<"$SYSTEM_DLLS" || echo "$dll"; done)
        [ -z "$bad" ] || die "$exe imports DLLs that Windows does not ship: $bad"
        say "$exe imports only system DLLs"
done

t=$SECONDS
setup="$dist/lanparty-setup-$version.exe"
makensis -WX -V2 -DVERSION="$version" -DCLIENT_EXE="$dist/client.exe" \
        -DSERVICE_EXE="$dist/lanparty-service.exe" -DICON="$BUILD_ROOT/win/src/client/client.ico" -DOUTFILE="$setup" \
        "$ROOT/installer/lanparty.nsi" >"$BUILD_ROOT/makensis.log" 2>&1 ||
        { cat "$BUILD_ROOT/makensis.log" >&2; die "makensis failed (warnings count as errors)"; }
say "installer built ($(elapsed $t))"

if [ "$RUN_TESTS" = 1 ]; then
        "$ROOT/tools/install-deps.sh" all
        t=$SECONDS
        say "native build for the relay tests in $BUILD_ROOT/native"
        meson_setup "$BUILD_ROOT/native" "$ROOT" -Dwerror=true
        ninja -C "$BUILD_ROOT/native" src/relayd/lanparty-relayd tests/relay-test-peer \
                >"$BUILD_ROOT/native.ninja.log" 2>&1 ||
                { tail -40 "$BUILD_ROOT/native.ninja.log" >&2; die "native build failed"; }
        say "native build done ($(elapsed $t))"

        t=$SECONDS
        say "tests under wine"
        LANPARTY_NATIVE_BUILD="$BUILD_ROOT/native" meson test -C "$BUILD_ROOT/win" --print-errorlogs ||
                die "Windows tests failed (log: $BUILD_ROOT/win/meson-logs/testlog.txt)"
        rc=0
        "$ROOT/tests/wine/test-installer.sh" "$(dirname "$cross")/bin/lanparty-wine" "$setup" \
                "$BUILD_ROOT/win/tests/installer-test-recorder.exe" \
                "$BUILD_ROOT/win/tests/service-pipe-probe.exe" || rc=$?
        # wine and wine64 are installed above: nothing is missing that
        # would excuse a skip, and a skipped test would pass CI unseen.
        case $rc in
        0) ;;
        77) die "installer test skipped (see above); it must run" ;;
        *) die "installer test failed" ;;
        esac
        say "tests done ($(elapsed $t))"
fi

say "done in $(elapsed $T0)"
echo "client.exe:  $dist/client.exe"
echo "service:     $dist/lanparty-service.exe"
echo "installer:   $setup"
if [ "$RUN_TESTS" = 1 ]; then
        echo "screenshot:  $BUILD_ROOT/win/tests/client-exe-gui.png"
        echo "test log:    $BUILD_ROOT/win/meson-logs/testlog.txt"
fi
