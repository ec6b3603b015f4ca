#!/usr/bin/env bash
# Builds the Debian packages (lanparty-relayd, lanparty-gatewayd,
# lanparty-client, lanparty-doc) with dpkg-buildpackage -us -uc -b in a
# scratch copy of this checkout, so the checkout stays clean; checks them
# with lintian (warnings and errors fail, see debian/*.lintian-overrides);
# prints where they are.
#
# Usage: tools/build-debs.sh [--nocheck] [--no-lintian] [OUTDIR]
#   OUTDIR        where the .debs, .changes and .buildinfo go, replacing
#                 what an earlier run left there (default: ./build-debs)
#   --nocheck     skip the unit tests during the build (DEB_BUILD_OPTIONS)
#   --no-lintian  skip lintian
# The copy holds the files git knows, as they are in the work tree
# (uncommitted changes included, ignored files such as build directories
# not). Installs the Debian packages it needs first (as root).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

out=$top/build-debs
lintian=1
for a in "$@"; do
        case "$a" in
                --nocheck) export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }nocheck" ;;
                --no-lintian) lintian=0 ;;
                -h|--help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
                -*) echo "build-debs.sh: unknown option '$a'" >&2; exit 2 ;;
                *) out=$(realpath -m "$a") ;;
        esac
done

tools/install-deps.sh deb

version=$(dpkg-parsechangelog -S Version)
scratch=$(mktemp -d /tmp/lanparty-debs.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
src=$scratch/lanparty-$version
mkdir "$src"
git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf - | tar -C "$src" -xf -

echo "==> dpkg-buildpackage in $src"
start=$SECONDS
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$scratch/build.log" 2>&1 || {
        tail -n 60 "$scratch/build.log" >&2
        echo "build-debs.sh: dpkg-buildpackage failed" >&2
        exit 1
}
echo "built in $((SECONDS - start)) s"

rm -rf "$out"
mkdir -p "$out"
mv "$scratch"/*.deb "$scratch"/*.changes "$scratch"/*.buildinfo "$out/"
cp "$scratch/build.log" "$out/build.log"
changes=$(ls "$out"/*.changes)

if [ "$lintian" = 1 ]; then
        echo "==> lintian"
        # Every tag down to "info" is shown; warnings and errors fail.
        # Overrides, each explained, are in debian/*.lintian-overrides.
        # Not as root, which lintian advises against (it unpacks what it checks).
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
