#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Builds Debian 13's ngtcp2 (1.x) on this Debian 12 machine into a prefix in
# the cache, to measure lanparty with ngtcp2 1.x on the same kernel,
# compiler and GnuTLS as with Debian 12's 0.12 (docs/PERFORMANCE.md). The
# source package comes from the trixie suite of the archive the machine's
# apt sources name, through a private apt configuration; nothing is
# installed system-wide. Prints the prefix's pkg-config directory:
#
#   PKG_CONFIG_PATH=$(bench/ngtcp2-prefix.sh) meson setup build-bench-1x --buildtype=release
#   bench/relay-micro.sh   (with BUILD_DIR=build-bench-1x)
#
# The programs find the libraries through the rpath meson gives them.
# Usage: bench/ngtcp2-prefix.sh [--cache-dir DIR]   (default: $LANPARTY_CACHE_DIR,
#        else ~/.cache/lanparty)
set -euo pipefail

CACHE_DIR=${LANPARTY_CACHE_DIR:-$HOME/.cache/lanparty}
case "${1:-}" in
--cache-dir) CACHE_DIR=${2:?--cache-dir needs a directory} ;;
-h|--help) sed -n '4,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
'') ;;
*) echo "ngtcp2-prefix: unknown option '$1'" >&2; exit 2 ;;
esac

say() { printf 'ngtcp2-prefix: %s\n' "$*" >&2; }

mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        grep -oE 'https?://[^ ]*debian/?( |$)' | head -n 1 | tr -d ' ' || :)
mirror=${mirror:-http://deb.debian.org/debian}
mkdir -p "$CACHE_DIR"
CACHE_DIR=$(cd "$CACHE_DIR" && pwd)
apt_dir="$CACHE_DIR/ngtcp2-trixie.apt"
mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
cat >"$apt_dir/parts/trixie.sources" <<EOF
Types: deb-src
URIs: ${mirror%/}
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_opts=(-o Dir::Etc::SourceParts="$apt_dir/parts" -o Dir::Etc::SourceList=/dev/null
        -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
        -o Dir::State::status=/var/lib/dpkg/status)
# As root apt drops to _apt for downloads, which cannot write to a cache
# under root's home.
[ "$(id -u)" -eq 0 ] && apt_opts+=(-o APT::Sandbox::User=root)
apt_private() { apt-get -q "${apt_opts[@]}" "$@"; }
apt_private update >&2
version=$(apt-cache "${apt_opts[@]}" showsrc ngtcp2 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
[ -n "$version" ] || { say "no ngtcp2 source package in trixie at $mirror"; exit 1; }

key=$( { cat "$0"; echo "$version"; } | sha256sum | cut -c1-12)
prefix="$CACHE_DIR/ngtcp2-$version-$key"
if [ -e "$prefix/.lanparty-complete" ]; then
        say "using $prefix"
        echo "$prefix/lib/pkgconfig"
        exit 0
fi

work="$prefix.work"
rm -rf "$work" "$prefix"
mkdir -p "$work/dl"
say "building ngtcp2 $version into $prefix"
# apt checks what it downloads against the signed Sources index. Should
# the archive lack the .dsc (seen on some mirrors), the tarballs apt did
# fetch and check are unpacked by hand.
if ! (cd "$work/dl" && apt_private source --download-only "ngtcp2=$version") >&2; then
        say "apt-get source failed; unpacking the checked tarballs without the .dsc"
fi
upstream=${version%-*}
upstream=${upstream#*:}
src="$work/src"
if [ -e "$work/dl/ngtcp2_${version#*:}.dsc" ]; then
        dpkg-source -x "$work/dl/ngtcp2_${version#*:}.dsc" "$src" >&2
else
        mkdir -p "$src"
        tar -xf "$work/dl/ngtcp2_$upstream.orig.tar.xz" -C "$src" --strip-components=1
        tar -xf "$work/dl/ngtcp2_${version#*:}.debian.tar.xz" -C "$src"
        if [ -f "$src/debian/patches/series" ]; then
                while read -r p _; do
                        case "$p" in ''|'#'*) continue ;; esac
                        patch -d "$src" -p1 <"$src/debian/patches/$p" >&2
                done <"$src/debian/patches/series"
        fi
fi

# Debian's compiler flags, as its own build uses and as 0.12 was built with.
mkdir -p "$work/build"
(cd "$work/build" && "$src/configure" --prefix="$prefix" --with-gnutls --without-openssl --disable-static \
        --without-libev --without-libnghttp3 --without-jemalloc \
        CFLAGS="$(dpkg-buildflags --get CFLAGS)" CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" \
        LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" >"$work/configure.log" 2>&1) ||
        { tail -n 30 "$work/configure.log" >&2; exit 1; }
for d in lib crypto; do
        make -C "$work/build/$d" -j"$(nproc)" install >>"$work/make.log" 2>&1 ||
                { tail -n 30 "$work/make.log" >&2; exit 1; }
done
echo "ngtcp2 $version" >"$prefix/.lanparty-complete"
rm -rf "$work"
say "done: $prefix"
echo "$prefix/lib/pkgconfig"
