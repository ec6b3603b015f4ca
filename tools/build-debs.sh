#!/usr/bin/env bash
# Builds the Debian packages (lanparty-relayd, lanparty-gatewayd,
# lanparty-client, lanparty-doc) with dpkg-buildpackage -us -uc -b in a
# scratch copy of this checkout, so the checkout stays clean; checks them
# with lintian (warnings and errors fail, see debian/*.lintian-overrides);
# prints where they are.
#
# Usage: tools/build-debs.sh [--nocheck] [--no-lintian] [OUTDIR]
#        tools/build-debs.sh --export DIR
#   OUTDIR        where the .debs, .changes and .buildinfo go, replacing
#                 what an earlier run left there (default: ./build-debs)
#   --nocheck     skip the unit tests during the build (DEB_BUILD_OPTIONS)
#   --no-lintian  skip lintian
#   --export DIR  only copy the checkout's files (see below) to DIR, which
#                 must be empty; tools/build-trixie.sh --debs builds that
#                 copy on Debian 13
# The copy holds the files git knows, as they are in the work tree
# (uncommitted changes included, ignored files such as build directories
# not); outside a git checkout (such a copy), every file. Installs the
# Debian 12 packages it needs first (as root, tools/install-deps.sh) unless
# dpkg-checkbuilddeps and lintian find them all there.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

out=$top/build-debs
lintian=1
export_to=
while [ $# -gt 0 ]; do
        case "$1" in
                --nocheck) export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }nocheck" ;;
                --no-lintian) lintian=0 ;;
                --export) export_to=$(realpath -m "${2:?--export needs a directory}"); shift ;;
                -h|--help) sed -n '2,22s/^# \{0,1\}//p' "$0"; exit 0 ;;
                -*) echo "build-debs.sh: unknown option '$1'" >&2; exit 2 ;;
                *) out=$(realpath -m "$1") ;;
        esac
        shift
done

# copy_checkout DIR: the files the packages are built from, into DIR.
copy_checkout() {
        if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
                git ls-files -z --cached --others --exclude-standard |
                        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done
        else
                find . -mindepth 1 ! -type d -printf '%P\0'
        fi | tar --null -T - -cf - | tar -C "$1" -xf -
}

if [ -n "$export_to" ]; then
        mkdir -p "$export_to"
        [ -z "$(ls -A "$export_to")" ] || { echo "build-debs.sh: $export_to is not empty" >&2; exit 2; }
        copy_checkout "$export_to"
        exit 0
fi

# Debian 13's root (tools/build-trixie.sh) has it all; install-deps.sh
# knows Debian 12's package names.
if ! command -v dpkg-checkbuilddeps >/dev/null || ! dpkg-checkbuilddeps >/dev/null 2>&1 ||
        ! command -v lintian >/dev/null; then
        tools/install-deps.sh deb
fi

version=$(dpkg-parsechangelog -S Version)
scratch=$(mktemp -d /tmp/lanparty-debs.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
src=$scratch/lanparty-$version
mkdir "$src"
copy_checkout "$src"

echo "==> dpkg-buildpackage in $src"
start=$SECONDS
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$scratch/build.log" 2>&1 || {
        tail -n 60 "$scratch/build.log" >&2
        echo "build-debs.sh: dpkg-buildpackage failed" >&2
        exit 1
}
echo "built in $((SECONDS - start)) s"

# Emptied, not removed: it may be a mount point (tools/build-trixie.sh).
mkdir -p "$out"
find "$out" -mindepth 1 -delete
mv "$scratch"/*.deb "$scratch"/*.changes "$scratch"/*.buildinfo "$out/"
cp "$scratch/build.log" "$out/build.log"
changes=$(ls "$out"/*.changes)

if [ "$lintian" = 1 ]; then
        echo "==> lintian"
        # Every tag down to "info" is shown; warnings and errors fail.
        # Overrides, each explained, are in debian/*.lintian-overrides.
        # Not as root, which lintian advises against (it unpacks what it checks).
        # In OUTDIR: the checkout may be a directory nobody may enter.
        cd "$out"
        as_user=()
        if [ "$(id -u)" = 0 ]; then
                as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp TMPDIR=/tmp)
                "${as_user[@]}" test -r "$changes" || as_user=() # a checkout nobody may read
        fi
        if ! "${as_user[@]}" lintian --display-info --fail-on error,warning "$changes" | tee "$out/lintian.log"; then
                echo "build-debs.sh: lintian found warnings or errors (above)" >&2
                exit 1
        fi
        [ -s "$out/lintian.log" ] || echo "lintian: nothing to say"
fi

echo "==> packages in $out:"
ls -1 "$out"/*.deb
