#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Builds the libraries src/common needs (gmp, nettle, GnuTLS, ngtcp2) as static
# archives for 64-bit Windows with mingw-w64, from Debian 12's source packages,
# into a prefix in a cache directory outside the clone, and writes a meson
# cross file that points at it. See docs/WINDOWS-BUILD.md.

set -euo pipefail

HOST=x86_64-w64-mingw32
CROSS_CC=$HOST-gcc-posix
CROSS_CXX=$HOST-g++-posix

# Debian 12 source packages, pinned. Bumping one changes this file, hence the
# prefix key, hence forces a rebuild into a fresh prefix.
GMP_VERSION=2:6.2.1+dfsg1-1.1
NETTLE_VERSION=3.8.1-2
GNUTLS_VERSION=3.7.9-2+deb12u7
NGTCP2_VERSION=0.12.1+dfsg-1+deb12u1

TOOL_PACKAGES=(gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
               mingw-w64-x86-64-dev gcc libc6-dev make cmake autoconf automake libtool autopoint gettext m4
               pkg-config dpkg-dev xz-utils)
WINE_PACKAGES=(wine wine64)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT="$ROOT/tools/build-windows-deps.sh"
CROSS_TEMPLATE="$ROOT/cross/mingw-w64.txt.in"
WINE_WRAPPER="$ROOT/tests/wine/wine-run.sh"
SMOKE_SOURCE="$ROOT/tests/wine/smoke.c"

usage() {
        cat <<EOF
Usage: tools/build-windows-deps.sh [OPTIONS]

Builds gmp $GMP_VERSION, nettle $NETTLE_VERSION, gnutls28 $GNUTLS_VERSION and
ngtcp2 $NGTCP2_VERSION (Debian 12 source packages, fetched with apt-get source)
as static libraries for $HOST, installs them into

  CACHE/windows-deps-KEY

and writes CACHE/windows-deps-KEY/meson-cross.txt, a meson cross file using
the mingw-w64 compilers, pkg-config limited to that prefix, static linking and
wine as exe_wrapper. KEY is a hash of this script, tests/wine/smoke.c and
the installed mingw-w64 toolchain's versions, so changing any of them builds
a new prefix. A build that stopped part way resumes after the last package it
finished. Old prefixes are not deleted. The cross file and the wine wrapper
(bin/lanparty-wine) are cheap: every run rewrites them from this clone's
cross/mingw-w64.txt.in and tests/wine/wine-run.sh.

Before stamping the prefix complete it links tests/wine/smoke.c against it
(statically; only system DLLs may be imported) and, unless --no-wine, creates
a wine prefix in CACHE/wine (once, headless) and runs the smoke program there
(GnuTLS hashing, RNG, RSA and ECDSA key generation, ngtcp2's GnuTLS glue).
A re-run that finds the stamp builds nothing: it rewrites the cross file and
the wrapper, makes sure the wine prefix exists and prints the path.

The cross file's path is the only thing printed on standard output; progress
goes to standard error, each step's output to a log file whose tail is shown
if the step fails. Missing Debian packages are installed with apt-get when
running as root; otherwise the script names them and stops.

Options:
  --cache-dir DIR   cache directory (default: \$LANPARTY_CACHE_DIR, else
                    \$HOME/.cache/lanparty; now: $CACHE_DIR)
  --jobs N          parallel build jobs (default: nproc = $JOBS)
  --force           rebuild even if a finished prefix exists
  --keep-work       keep sources and build trees (CACHE/windows-deps-KEY.work)
  --no-wine         do not install or set up wine, do not run the smoke test
                    (the cross file still names wine as exe_wrapper)
  -h, --help        show this help

Typical use:
  cross=\$(tools/build-windows-deps.sh)
  meson setup build-win --cross-file "\$cross"
  meson test -C build-win
EOF
}

CACHE_DIR=${LANPARTY_CACHE_DIR:-$HOME/.cache/lanparty}
JOBS=$(nproc)
FORCE=0
KEEP_WORK=0
WITH_WINE=1

while [ $# -gt 0 ]; do
        case "$1" in
        --cache-dir) CACHE_DIR=${2:?--cache-dir needs a directory}; shift 2 ;;
        --cache-dir=*) CACHE_DIR=${1#*=}; shift ;;
        --jobs) JOBS=${2:?--jobs needs a number}; shift 2 ;;
        --jobs=*) JOBS=${1#*=}; shift ;;
        --force) FORCE=1; shift ;;
        --keep-work) KEEP_WORK=1; shift ;;
        --no-wine) WITH_WINE=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-windows-deps: unknown option '$1' (see --help)" >&2; exit 2 ;;
        esac
done

case "$JOBS" in
''|*[!0-9]*|0) echo "build-windows-deps: --jobs wants a positive number, got '$JOBS'" >&2; exit 2 ;;
esac

T0=$SECONDS
CURRENT_STEP=
CURRENT_LOG=

say() {
        printf 'build-windows-deps: %s\n' "$*" >&2
}

elapsed() {
        local s=$(( SECONDS - $1 ))
        if [ "$s" -ge 60 ]; then
                printf '%dm%02ds' $((s / 60)) $((s % 60))
        else
                printf '%ds' "$s"
        fi
}

on_exit() {
        local rc=$?
        if [ "$rc" -ne 0 ] && [ -n "$CURRENT_STEP" ]; then
                printf ' FAILED\n' >&2
                say "$CURRENT_STEP failed (exit $rc); last lines of $CURRENT_LOG:"
                tail -n 40 "$CURRENT_LOG" >&2 || :
                say "full log: $CURRENT_LOG"
        fi
}
trap on_exit EXIT
# Die through exit so the EXIT trap names the step that was interrupted.
trap 'exit 130' INT
trap 'exit 143' TERM

# step PACKAGE PHASE COMMAND... runs COMMAND with its output in a log file.
# Not called from a condition, so `set -e` stays in force inside COMMAND and
# the EXIT trap reports the step that failed.
step() {
        local pkg=$1 phase=$2 t=$SECONDS
        shift 2
        CURRENT_STEP="$pkg $phase"
        CURRENT_LOG="$LOG_DIR/$pkg-$phase.log"
        printf 'build-windows-deps: %-8s %-10s ...' "$pkg" "$phase" >&2
        # A subshell, so a step's cd or export stays in it; fd 8 (the prefix
        # lock) is not handed to daemons a step may start (wineserver).
        ( "$@" ) >"$CURRENT_LOG" 2>&1 </dev/null 8>&-
        printf ' ok (%s)\n' "$(elapsed "$t")" >&2
        CURRENT_STEP=
}

# --- tools --------------------------------------------------------------------

ensure_packages() {
        local wanted=("${TOOL_PACKAGES[@]}") missing=() p
        [ "$WITH_WINE" = 1 ] && wanted+=("${WINE_PACKAGES[@]}")

        for p in "${wanted[@]}"; do
                if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" != "ii " ]; then
                        missing+=("$p")
                fi
        done
        [ ${#missing[@]} -eq 0 ] && return 0

        if [ "$(id -u)" -ne 0 ]; then
                say "missing Debian packages: ${missing[*]}"
                say "install them as root: apt-get install --no-install-recommends ${missing[*]}"
                exit 1
        fi

        mkdir -p "$CACHE_DIR"
        LOG_DIR=$CACHE_DIR
        step apt install apt_install "${missing[@]}"
}

apt_install() {
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends "$@"
}

# --- key and paths ------------------------------------------------------------

compute_key() {
        {
                cat "$SCRIPT" "$SMOKE_SOURCE"
                dpkg-query -W -f='${Package} ${Version}\n' \
                        gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev
        } | sha256sum | cut -c1-12
}

# --- sources ------------------------------------------------------------------

# The machine's apt sources may list only binary packages. A private apt
# configuration with deb-src copies of its Debian entries fetches the sources
# without touching the system's configuration or lists.
write_deb_src_config() {
        local parts=$1 f found=0

        for f in /etc/apt/sources.list.d/*.sources; do
                [ -e "$f" ] || continue
                # deb822 stanzas are separated by blank lines; keep Debian's own.
                awk 'BEGIN { RS = ""; ORS = "\n\n" }
                     /debian-archive-keyring|debian\.org/ && /Types:[^\n]*deb/ {
                             sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" \
                        >"$parts/$(basename "$f")"
                [ -s "$parts/$(basename "$f")" ] && found=1
        done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [ -e "$f" ] || continue
                sed -n 's/^[[:space:]]*deb[[:space:]]\(.*debian\.org.*\)$/deb-src \1/p' "$f" \
                        >"$parts/$(basename "$f").list"
                [ -s "$parts/$(basename "$f").list" ] && found=1
        done
        if [ "$found" = 0 ]; then
                echo "no Debian entry found in /etc/apt/sources.list{,.d} to derive deb-src entries from" >&2
                return 1
        fi
        cat "$parts"/* >&2
}

apt_private() {
        local sandbox=()
        # As root apt drops to _apt for downloads, which cannot write to a
        # cache directory under root's home.
        [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
        apt-get -q -o Dir::Etc::SourceParts="$WORK/apt/parts" -o Dir::Etc::SourceList=/dev/null \
                -o Dir::State::Lists="$WORK/apt/lists" -o Dir::Cache="$WORK/apt/cache" \
                -o Dir::State::status=/var/lib/dpkg/status "${sandbox[@]}" "$@"
}

fetch_sources() {
        rm -rf "$WORK/apt" "$WORK/dl"
        mkdir -p "$WORK/apt/parts" "$WORK/apt/lists/partial" "$WORK/apt/cache/archives/partial" "$WORK/dl"
        write_deb_src_config "$WORK/apt/parts"
        apt_private update
        cd "$WORK/dl"
        apt_private source --download-only \
                "gmp=$GMP_VERSION" "nettle=$NETTLE_VERSION" \
                "gnutls28=$GNUTLS_VERSION" "ngtcp2=$NGTCP2_VERSION"
        ls -l "$WORK/dl"
}

# unpack SOURCE-PACKAGE VERSION: a fresh tree in $WORK/src/SOURCE-PACKAGE.
unpack() {
        local pkg=$1 version=$2 dsc
        version=${version#*:}
        dsc="$WORK/dl/${pkg}_$version.dsc"
        rm -rf "${WORK:?}/src/$pkg" "${WORK:?}/build/$pkg"
        mkdir -p "$WORK/src" "$WORK/build/$pkg"
        # dpkg-source checks the files against the .dsc; apt already checked the
        # .dsc against the signed Release file.
        dpkg-source -x "$dsc" "$WORK/src/$pkg"
}

# --- packages -----------------------------------------------------------------

BUILD_TRIPLET=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)

# Only the prefix's .pc files are visible to the builds, never the machine's
# Linux ones.
export PKG_CONFIG_LIBDIR=
export PKG_CONFIG_PATH=

autotools_configure() {
        local pkg=$1
        shift
        cd "$WORK/build/$pkg"
        "$WORK/src/$pkg/configure" --host="$HOST" --build="$BUILD_TRIPLET" \
                --prefix="$PREFIX" --libdir="$PREFIX/lib" --includedir="$PREFIX/include" \
                --enable-static --disable-shared \
                CC="$CROSS_CC" CXX="$CROSS_CXX" AR="$HOST-gcc-ar-posix" RANLIB="$HOST-gcc-ranlib-posix" \
                PKG_CONFIG=pkg-config PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig" \
                CPPFLAGS="-I$PREFIX/include" LDFLAGS="-L$PREFIX/lib" "$@"
}

gmp_prepare() {
        cd "$WORK/src/gmp"
        autoreconf -fi
}

gmp_configure() {
        # gmp picks its own CFLAGS (and assembly) for the host CPU family.
        autotools_configure gmp --disable-cxx
}

gmp_build() {
        make -C "$WORK/build/gmp" -j"$JOBS"
}

gmp_install() {
        make -C "$WORK/build/gmp" install
}

nettle_configure() {
        autotools_configure nettle --disable-documentation --disable-openssl \
                --disable-mini-gmp CFLAGS="-O2"
}

# SUBDIRS= keeps make to the libraries: tools, testsuite and examples are
# neither needed nor installed.
nettle_build() {
        make -C "$WORK/build/nettle" -j"$JOBS" SUBDIRS=
}

nettle_install() {
        make -C "$WORK/build/nettle" SUBDIRS= install
}

gnutls_prepare() {
        cd "$WORK/src/gnutls28"
        # As debian/rules does: these gettext macros are older than the
        # autopoint that autoreconf runs, and would shadow its own.
        grep -rl gettext-0.20 m4/ | xargs -r rm -v
        GTKDOCIZE=true autoreconf -fi
}

gnutls_configure() {
        # Bundled libtasn1 and libunistring; nothing optional that would need
        # another Windows library. --disable-gcc-warnings matters: the default
        # compiles every file with -fanalyzer, several times slower.
        autotools_configure gnutls28 CFLAGS="-O2" \
                --with-included-libtasn1 --with-included-unistring \
                --without-p11-kit --without-idn --without-brotli --without-zstd --without-zlib \
                --without-tpm --without-tpm2 --disable-libdane \
                --disable-doc --disable-manpages --disable-gtk-doc --disable-tools --disable-tests \
                --disable-nls --disable-cxx --disable-guile --disable-full-test-suite \
                --disable-valgrind-tests --disable-gcc-warnings
}

# gl (gnulib) and lib are all the library needs; the rest is tools, tests and
# docs.
gnutls_build() {
        make -C "$WORK/build/gnutls28/gl" -j"$JOBS"
        make -C "$WORK/build/gnutls28/lib" -j"$JOBS"
}

gnutls_install() {
        make -C "$WORK/build/gnutls28/lib" install
}

ngtcp2_configure() {
        local toolchain="$WORK/build/ngtcp2-toolchain.cmake"
        cat >"$toolchain" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $CROSS_CC)
set(CMAKE_CXX_COMPILER $CROSS_CXX)
set(CMAKE_RC_COMPILER $HOST-windres)
set(CMAKE_AR $(command -v "$HOST-gcc-ar-posix"))
set(CMAKE_RANLIB $(command -v "$HOST-gcc-ranlib-posix"))
set(CMAKE_FIND_ROOT_PATH "$PREFIX" /usr/$HOST)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
EOF
        cat "$toolchain"
        PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig" cmake \
                -S "$WORK/src/ngtcp2" -B "$WORK/build/ngtcp2" -G "Unix Makefiles" \
                -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
                -DCMAKE_BUILD_TYPE=Release \
                -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib \
                -DENABLE_GNUTLS=ON -DENABLE_OPENSSL=OFF \
                -DENABLE_SHARED_LIB=OFF -DENABLE_STATIC_LIB=ON \
                -DCMAKE_DISABLE_FIND_PACKAGE_Libev=ON \
                -DCMAKE_DISABLE_FIND_PACKAGE_Libnghttp3=ON \
                -DCMAKE_DISABLE_FIND_PACKAGE_CUnit=ON \
                -DCMAKE_DISABLE_FIND_PACKAGE_Jemalloc=ON
}

ngtcp2_build() {
        cmake --build "$WORK/build/ngtcp2" -j"$JOBS" --target ngtcp2_static ngtcp2_crypto_gnutls_static
}

# ngtcp2's CMake names the static archives *_static.a while the .pc files it
# installs say -lngtcp2 / -lngtcp2_crypto_gnutls, and its headers declare
# everything dllimport unless NGTCP2_STATICLIB is defined. Make the installed
# files agree with each other so consumers need no special case.
ngtcp2_install() {
        local lib pc
        cmake --install "$WORK/build/ngtcp2"
        for lib in ngtcp2 ngtcp2_crypto_gnutls; do
                mv "$PREFIX/lib/lib${lib}_static.a" "$PREFIX/lib/lib$lib.a"
                ln -s "lib$lib.a" "$PREFIX/lib/lib${lib}_static.a"
                pc="$PREFIX/lib/pkgconfig/lib$lib.pc"
                sed -i 's/^Cflags: \(.*\)$/Cflags: \1 -DNGTCP2_STATICLIB/' "$pc"
                grep -q -- '-DNGTCP2_STATICLIB' "$pc"
        done
        # The crypto glue calls into both ngtcp2 and GnuTLS: with static
        # archives they must follow it on the link line.
        sed -i 's/^Libs: .*-lngtcp2_crypto_gnutls$/&\nRequires.private: libngtcp2, gnutls/' \
                "$PREFIX/lib/pkgconfig/libngtcp2_crypto_gnutls.pc"
        grep -q '^Requires.private: libngtcp2, gnutls$' "$PREFIX/lib/pkgconfig/libngtcp2_crypto_gnutls.pc"
        cat "$PREFIX"/lib/pkgconfig/*.pc
}

# --- cross file, wine, smoke test ---------------------------------------------

install_cross_files() {
        mkdir -p "$PREFIX/bin"
        sed "s|@WINEPREFIX@|$CACHE_DIR/wine|g" "$WINE_WRAPPER" >"$PREFIX/bin/lanparty-wine"
        chmod +x "$PREFIX/bin/lanparty-wine"
        sed "s|@PREFIX@|$PREFIX|g" "$CROSS_TEMPLATE" >"$PREFIX/meson-cross.txt"
        cat "$PREFIX/meson-cross.txt"
}

smoke_link() {
        local flags
        flags=$(PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig" pkg-config --static --cflags --libs \
                libngtcp2_crypto_gnutls)
        echo "flags: $flags"
        # shellcheck disable=SC2086 # pkg-config output is a word list
        "$CROSS_CC" -std=c11 -Wall -Wextra -Werror -O2 -static -o "$WORK/smoke.exe" \
                "$SMOKE_SOURCE" $flags
        # Only system DLLs may be imported: the point of the static build.
        "$HOST-objdump" -p "$WORK/smoke.exe" | grep 'DLL Name'
        if "$HOST-objdump" -p "$WORK/smoke.exe" | grep 'DLL Name' |
                grep -viE 'DLL Name: (kernel32|msvcrt|ws2_32|crypt32|ncrypt|bcrypt|advapi32|user32)\.dll'; then
                echo "smoke.exe imports a non-system DLL" >&2
                return 1
        fi
}

wine_init() {
        "$PREFIX/bin/lanparty-wine" --init
}

smoke_run() {
        "$PREFIX/bin/lanparty-wine" "$WORK/smoke.exe"
}

# --- main ---------------------------------------------------------------------

ensure_packages

KEY=$(compute_key)
mkdir -p "$CACHE_DIR"
CACHE_DIR=$(cd "$CACHE_DIR" && pwd)
PREFIX="$CACHE_DIR/windows-deps-$KEY"
WORK="$PREFIX.work"
STAMP="$PREFIX/.lanparty-complete"

# Two clones (or two CI jobs) sharing a cache build the same key once.
exec 8>"$PREFIX.lock"
if ! flock -n 8; then
        say "waiting for another build of $PREFIX to finish"
        flock 8
fi

if [ "$FORCE" = 1 ]; then
        rm -rf "$PREFIX" "$WORK"
fi

if [ -e "$STAMP" ]; then
        say "using cached prefix $PREFIX"
        LOG_DIR="$PREFIX/share/lanparty/build-logs"
        step cross files install_cross_files
        if [ "$WITH_WINE" = 1 ]; then
                step wine init wine_init
        fi
        say "done in $(elapsed "$T0")"
        echo "$PREFIX/meson-cross.txt"
        exit 0
fi

# A previous run of the same key that stopped part way leaves per-package
# stamps in $WORK/done; anything else is stale and starts over.
if [ ! -d "$WORK/done" ]; then
        rm -rf "$PREFIX" "$WORK"
fi
mkdir -p "$PREFIX" "$WORK/done" "$WORK/logs"
LOG_DIR="$WORK/logs"
say "building into $PREFIX with $JOBS jobs (logs in $LOG_DIR)"

if [ ! -e "$WORK/done/fetch" ]; then
        step sources fetch fetch_sources
        touch "$WORK/done/fetch"
fi

if [ ! -e "$WORK/done/gmp" ]; then
        step gmp unpack unpack gmp "$GMP_VERSION"
        step gmp autoreconf gmp_prepare
        step gmp configure gmp_configure
        step gmp build gmp_build
        step gmp install gmp_install
        touch "$WORK/done/gmp"
fi

if [ ! -e "$WORK/done/nettle" ]; then
        step nettle unpack unpack nettle "$NETTLE_VERSION"
        step nettle configure nettle_configure
        step nettle build nettle_build
        step nettle install nettle_install
        touch "$WORK/done/nettle"
fi

if [ ! -e "$WORK/done/gnutls" ]; then
        step gnutls unpack unpack gnutls28 "$GNUTLS_VERSION"
        step gnutls autoreconf gnutls_prepare
        step gnutls configure gnutls_configure
        step gnutls build gnutls_build
        step gnutls install gnutls_install
        touch "$WORK/done/gnutls"
fi

if [ ! -e "$WORK/done/ngtcp2" ]; then
        step ngtcp2 unpack unpack ngtcp2 "$NGTCP2_VERSION"
        step ngtcp2 configure ngtcp2_configure
        step ngtcp2 build ngtcp2_build
        step ngtcp2 install ngtcp2_install
        touch "$WORK/done/ngtcp2"
fi

step cross files install_cross_files
step smoke link smoke_link
if [ "$WITH_WINE" = 1 ]; then
        step wine init wine_init
        step smoke run smoke_run
fi

{
        echo "key $KEY"
        echo "gmp $GMP_VERSION"
        echo "nettle $NETTLE_VERSION"
        echo "gnutls28 $GNUTLS_VERSION"
        echo "ngtcp2 $NGTCP2_VERSION"
        dpkg-query -W -f='${Package} ${Version}\n' \
                gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev
        echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(elapsed "$T0")"
} >"$PREFIX/versions.txt"
mkdir -p "$PREFIX/share/lanparty"
rm -rf "$PREFIX/share/lanparty/build-logs"
cp -r "$WORK/logs" "$PREFIX/share/lanparty/build-logs"
[ "$KEEP_WORK" = 1 ] || rm -rf "$WORK"
cp "$PREFIX/versions.txt" "$STAMP"

say "done in $(elapsed "$T0")"
say "meson setup build-win --cross-file $PREFIX/meson-cross.txt"
echo "$PREFIX/meson-cross.txt"
