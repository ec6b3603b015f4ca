#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Builds this checkout on Debian 13 (trixie), and with --test runs its unit
# and integration tests there: ngtcp2 1.x, GnuTLS 3.8, systemd 257, gcc 14.
# With --debs it builds the Debian packages there instead, with
# --test-debs it boots that Debian 13 with systemd as PID 1 in a container
# and tests the packages in it. The Debian 13 root file system is made with
# debootstrap from Debian's archive into a cache directory outside the
# clone and reused.

set -euo pipefail

SUITE=trixie
# Everything meson needs to build lanparty, what the unit and integration
# suites call (tests skip when a tool is missing, so a missing package here
# hides tests instead of failing them), what the Debian packages are built
# with and what their container test needs. Changing the list changes this
# file, hence the key, hence makes a new root file system.
PACKAGES=(
        # build
        meson ninja-build pkgconf build-essential
        libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev
        libsystemd-dev libglib2.0-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
        # test: private buses, busctl, unit checks, sysusers, journald,
        # network namespaces, setpriv, the polkit DTD, certificate pins (dbus
        # and libpam-systemd: what polkitd needs among alternatives)
        dbus dbus-daemon dbus-bin systemd libpam-systemd libxml2-utils iproute2 util-linux procps
        python3 polkitd openssl
        # the Debian packages (tools/build-debs.sh): debhelper (which has
        # dh_installsysusers on 13), lintian, help2man for the man pages,
        # the .pc files that say where units, D-Bus policies and polkit
        # actions go
        debhelper lintian help2man systemd-dev libdbus-1-dev libpolkit-gobject-1-dev
        # their test under systemd as PID 1 (tests/systemd/): the party LAN's
        # DHCP server, the player's DHCP client, ping, ethtool, and man for
        # the Documentation= check of systemd-analyze verify
        dnsmasq-base isc-dhcp-client iputils-ping ethtool man-db
)
# A cached root file system is brought up to date (apt-get upgrade: point
# releases and security fixes) when it is older than this.
MAX_AGE_DAYS=${LANPARTY_TRIXIE_MAX_AGE_DAYS:-7}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT="$ROOT/tools/build-trixie.sh"

usage() {
        cat <<EOF
Usage: tools/build-trixie.sh [OPTIONS]

Makes (once) a Debian 13 ($SUITE) root file system with debootstrap, from the
Debian archive this machine's apt sources name, with lanparty's build and
test dependencies (ngtcp2 1.x among them, debhelper and lintian, what the
container test needs), in

  CACHE/trixie-rootfs-KEY

KEY is a hash of this script, which holds the package list. A root file
system older than $MAX_AGE_DAYS days (\$LANPARTY_TRIXIE_MAX_AGE_DAYS) is upgraded
with apt-get first; if that fails the old one is used. The cached tree is
never written by a build: each run mounts an overlay on it.

Then it builds this checkout there with meson (-Dwerror=true): the source
mounted read-only at /src, the build directory at /build, in a mount
namespace of its own, so every mount goes away with the run, also when it
fails or is interrupted (the script unmounts them itself as well). The
build runs as root under chroot, in the host's network namespace: the
tests that make network namespaces work as they do on the host.

With --debs or --test-debs, instead of the meson build:
  --debs DIR        build the Debian packages for Debian 13 into DIR (emptied
                    first): tools/build-debs.sh, lintian included, under
                    chroot from a copy of the checkout (tools/build-debs.sh
                    --export)
  --test-debs DIR   then (or alone) boot the root file system in a container
                    with systemd as PID 1 and test the packages in DIR there:
                    tests/systemd/test-debs-in-container.sh --rootfs; it runs
                    on an overlay, the cached tree is not written. Exit 77:
                    skipped (see that script)

Options:
  --test            also run: meson test --suite unit --suite integration
  --test-meson-install
                    with --test, then `meson install` of that build (prefix
                    /usr/local) booted with systemd as PID 1 in a container
                    on the root file system, README's steps after it:
                    tests/systemd/test-debs-in-container.sh --meson-staged
  --build-dir DIR   build directory on the host (default: \$BUILD_ROOT/trixie
                    if BUILD_ROOT is set, else ./build-trixie; now: $BUILD_DIR)
  --cache-dir DIR   cache directory (default: \$LANPARTY_CACHE_DIR, else
                    \$HOME/.cache/lanparty; now: $CACHE_DIR)
  --update          upgrade the cached root file system now, whatever its age
  --force           make a new root file system even if one exists
  --shell           an interactive shell in the root file system instead of
                    the build (with the same mounts)
  -h, --help        show this help

Needs root (debootstrap, mounts, chroot). Installs debootstrap on the host
if it is missing. Progress goes to standard error, each step's output to a
log file whose tail is shown if the step fails; the test log is printed.
EOF
}

CACHE_DIR=${LANPARTY_CACHE_DIR:-$HOME/.cache/lanparty}
if [ -n "${BUILD_ROOT:-}" ]; then
        BUILD_DIR=$BUILD_ROOT/trixie
else
        BUILD_DIR=$PWD/build-trixie
fi
RUN_TESTS=0
TEST_MESON_INSTALL=0
DEBS_DIR=
TEST_DEBS_DIR=
FORCE=0
UPDATE=0
SHELL_ONLY=0

while [ $# -gt 0 ]; do
        case "$1" in
        --test) RUN_TESTS=1; shift ;;
        --test-meson-install) TEST_MESON_INSTALL=1; shift ;;
        --debs) DEBS_DIR=${2:?--debs needs a directory}; shift 2 ;;
        --debs=*) DEBS_DIR=${1#*=}; shift ;;
        --test-debs) TEST_DEBS_DIR=${2:?--test-debs needs a directory}; shift 2 ;;
        --test-debs=*) TEST_DEBS_DIR=${1#*=}; shift ;;
        --build-dir) BUILD_DIR=${2:?--build-dir needs a directory}; shift 2 ;;
        --build-dir=*) BUILD_DIR=${1#*=}; shift ;;
        --cache-dir) CACHE_DIR=${2:?--cache-dir needs a directory}; shift 2 ;;
        --cache-dir=*) CACHE_DIR=${1#*=}; shift ;;
        --update) UPDATE=1; shift ;;
        --force) FORCE=1; shift ;;
        --shell) SHELL_ONLY=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-trixie: unknown option '$1' (see --help)" >&2; exit 2 ;;
        esac
done

if [ "$TEST_MESON_INSTALL" = 1 ] && [ "$RUN_TESTS" = 0 ]; then
        echo "build-trixie: --test-meson-install goes with --test" >&2
        exit 2
fi
if [ -n "$DEBS_DIR$TEST_DEBS_DIR" ] && [ "$RUN_TESTS$SHELL_ONLY" != 00 ]; then
        echo "build-trixie: --debs and --test-debs go without --test and --shell" >&2
        exit 2
fi

T0=$SECONDS
CURRENT_STEP=
CURRENT_LOG=
LOG_DIR=
SRC_COPY=

say() {
        printf 'build-trixie: %s\n' "$*" >&2
}

die() {
        say "$*"
        exit 1
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
        [ -z "$SRC_COPY" ] || rm -rf "$SRC_COPY"
        if [ "$rc" -ne 0 ] && [ -n "$CURRENT_STEP" ]; then
                printf ' FAILED\n' >&2
                say "$CURRENT_STEP failed (exit $rc); last lines of $CURRENT_LOG:"
                tail -n 40 "$CURRENT_LOG" >&2 || :
                say "full log: $CURRENT_LOG"
        fi
}
trap on_exit EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# step NAME COMMAND... runs COMMAND with its output in LOG_DIR/NAME.log.
step() {
        local name=$1 t=$SECONDS
        shift
        CURRENT_STEP=$name
        CURRENT_LOG="$LOG_DIR/$name.log"
        printf 'build-trixie: %-18s ...' "$name" >&2
        ( "$@" ) >"$CURRENT_LOG" 2>&1 </dev/null 8>&-
        printf ' ok (%s)\n' "$(elapsed "$t")" >&2
        CURRENT_STEP=
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mounts, chroot)"

# --- the archive ----------------------------------------------------------------

# The archive addresses the machine's apt sources name, deb822 or one-line
# style, in order; not those in comments (Debian's images keep the
# snapshot.debian.org address they were made from in one, and that host
# may be unreachable).
source_uris() {
        local f
        for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [ -e "$f" ] || continue
                grep -v '^[[:space:]]*#' "$f" | grep -oE '(https?|file)://[^ ]*' || :
        done
}

# The first Debian archive (not the security one) they name;
# deb.debian.org if there is none.
debian_mirror() {
        local uri
        uri=$(source_uris | grep -v -- '-security' | grep -E '/debian/?$' | head -n 1 || :)
        uri=${uri:-http://deb.debian.org/debian}
        echo "${uri%/}"
}

# The security archive beside it (deb.debian.org/debian-security and the
# like), or nothing.
security_mirror() {
        local uri
        uri=$(source_uris | grep -E 'debian-security/?$' | head -n 1 || :)
        [ -z "$uri" ] || echo "${uri%/}"
}

MIRROR=${LANPARTY_TRIXIE_MIRROR:-$(debian_mirror)}
SECURITY_MIRROR=${LANPARTY_TRIXIE_SECURITY_MIRROR-$(security_mirror)}

# --- the root file system -------------------------------------------------------

ensure_debootstrap() {
        command -v debootstrap >/dev/null && return 0
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends debootstrap
}

# The base system. PACKAGES are installed afterwards with apt, which knows
# virtual packages: debootstrap --include does not (lintian's
# libnet-ssleay-perl depends on perl-openssl-abi-3, libpolkit-gobject-1-dev
# on gir1.2-gio-2.0-dev, both only provided by other packages, and
# debootstrap gave up on them).
make_rootfs() {
        rm -rf "$NEW"
        # debootstrap mounts /proc and /sys in the new tree while it works: in
        # a mount namespace of its own those go away even if it is killed.
        unshare --mount --propagation private -- debootstrap --variant=minbase \
                --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
                "$SUITE" "$NEW" "$MIRROR"
        {
                echo "Types: deb"
                echo "URIs: $MIRROR"
                echo "Suites: $SUITE $SUITE-updates"
                echo "Components: main"
                echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
                if [ -n "$SECURITY_MIRROR" ]; then
                        echo
                        echo "Types: deb"
                        echo "URIs: $SECURITY_MIRROR"
                        echo "Suites: $SUITE-security"
                        echo "Components: main"
                        echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
                fi
        } >"$NEW/etc/apt/sources.list.d/debian.sources"
        : >"$NEW/etc/apt/sources.list"
        # dbus-daemon and journald want a machine id; any fixed one will do.
        [ -s "$NEW/etc/machine-id" ] || echo 6c616e70617274792d7472697869650a >"$NEW/etc/machine-id"
}

install_packages() {
        cp /etc/resolv.conf "$NEW/etc/resolv.conf"
        chroot_run "$NEW" 0 "" "" apt-get update
        chroot_run "$NEW" 0 "" "" apt-get install -y --no-install-recommends "${PACKAGES[@]}"
        chroot_run "$NEW" 0 "" "" apt-get clean
        # No documentation: smaller, and nothing in it is used.
        rm -rf "$NEW"/usr/share/doc/* "$NEW"/usr/share/man/*
}

# chroot_run ROOTFS OVERLAY SRC BUILD COMMAND...: COMMAND as root under
# chroot in ROOTFS with /proc, /sys, /dev and fresh /run and /tmp; with
# OVERLAY=1 on an overlay of ROOTFS in a tmpfs, so the cached tree is not
# written; SRC (read-only) at /src and BUILD at /build unless empty.
# It runs in a mount namespace of its own (unshare): the mounts exist only
# there and the kernel drops them when its last process ends. The trap
# unmounts them all the same, and first ends (by PID) what was started in
# the chroot and outlived COMMAND.
# shellcheck disable=SC2016 # expanded by the inner bash
RUNNER='
set -eu
rootfs=$1 overlay=$2 src=$3 build=$4; shift 4
work=$(mktemp -d /tmp/lanparty-trixie.XXXXXX)
root=$rootfs
cleanup() {
        rc=$?
        for p in /proc/[0-9]*; do
                r=$(readlink "$p/root" 2>/dev/null) || continue
                case "$r" in "$root"|"$root"/*) kill -KILL "${p#/proc/}" 2>/dev/null || : ;; esac
        done
        for m in build src tmp run dev sys proc; do
                mountpoint -q "$root/$m" && { umount -R "$root/$m" || umount -R -l "$root/$m"; }
        done
        if [ "$overlay" = 1 ]; then
                mountpoint -q "$root" && umount "$root"
                mountpoint -q "$work" && umount "$work"
        fi
        rm -rf "$work"
        exit $rc
}
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM
if [ "$overlay" = 1 ]; then
        mount -t tmpfs -o mode=0755 lanparty-trixie "$work"
        mkdir "$work/upper" "$work/work" "$work/root"
        root=$work/root
        mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$work/upper,workdir=$work/work" "$root"
fi
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
if [ -n "$src" ]; then
        mkdir -p "$root/src"
        mount --bind "$src" "$root/src"
        mount -o remount,bind,ro "$root/src"
fi
if [ -n "$build" ]; then
        mkdir -p "$root/build"
        mount --bind "$build" "$root/build"
fi
# In the background, so a signal reaches the trap now, not when it ends.
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb \
        DEBIAN_FRONTEND=noninteractive "$@" <&0 &
wait $!
'

# A signal to this script is passed on to the runner, whose trap then ends
# what runs in the chroot and unmounts; this script waits for that.
CHILD=
chroot_run() {
        local rc=0
        unshare --mount --propagation private -- bash -c "$RUNNER" chroot_run "$@" <&0 8>&- &
        CHILD=$!
        wait "$CHILD" || rc=$?
        CHILD=
        return "$rc"
}

on_signal() {
        if [ -n "$CHILD" ]; then
                kill -TERM "$CHILD" 2>/dev/null || :
                wait "$CHILD" || :
        fi
        exit "$1"
}

# in_rootfs COMMAND...: in the cached tree itself (apt).
in_rootfs() {
        chroot_run "$ROOTFS" 0 "" "" "$@"
}

# Point releases and security fixes, into the cached tree itself. Written
# without set -e: it also runs where a failure is only a warning.
update_rootfs() {
        cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf" || return 1
        in_rootfs apt-get update || return 1
        in_rootfs apt-get -y -o Dpkg::Options::=--force-confold upgrade || return 1
        in_rootfs apt-get clean || return 1
        # shellcheck disable=SC2016 # a dpkg-query format
        in_rootfs dpkg-query -W -f='${Package} ${Version}\n' libngtcp2-dev gcc meson || return 1
        touch "$STAMP"
}

try_update_rootfs() {
        local t=$SECONDS
        printf 'build-trixie: %-18s ...' upgrade >&2
        if update_rootfs >"$LOG_DIR/upgrade.log" 2>&1 </dev/null 8>&-; then
                printf ' ok (%s)\n' "$(elapsed "$t")" >&2
        else
                printf ' FAILED\n' >&2
                tail -n 10 "$LOG_DIR/upgrade.log" >&2 || :
                say "upgrade failed, using the root file system as it is"
        fi
}

KEY=$(sha256sum "$SCRIPT" | cut -c1-12)
mkdir -p "$CACHE_DIR"
CACHE_DIR=$(cd "$CACHE_DIR" && pwd)
ROOTFS="$CACHE_DIR/trixie-rootfs-$KEY"
NEW="$ROOTFS.new"
STAMP="$ROOTFS/.lanparty-complete"
LOG_DIR="$CACHE_DIR/trixie-logs-$KEY"
mkdir -p "$LOG_DIR"

# Two clones (or CI jobs) sharing the cache make the root file system once;
# runs hold the lock shared, so it is not upgraded under a build.
exec 8>"$ROOTFS.lock"
if [ "$FORCE" = 1 ] || [ ! -e "$STAMP" ] || [ "$UPDATE" = 1 ] ||
        [ -n "$(find "$STAMP" -mtime +"$MAX_AGE_DAYS" 2>/dev/null)" ]; then
        if ! flock -n 8; then
                say "waiting for another run using $ROOTFS"
                flock 8
        fi
        if [ "$FORCE" = 1 ] || [ ! -e "$STAMP" ]; then
                say "making a Debian 13 root file system in $ROOTFS from $MIRROR (logs in $LOG_DIR)"
                step debootstrap-tool ensure_debootstrap
                step debootstrap make_rootfs
                step packages install_packages
                rm -rf "$ROOTFS"
                mv "$NEW" "$ROOTFS"
                step upgrade update_rootfs
        elif [ "$UPDATE" = 1 ] || [ -n "$(find "$STAMP" -mtime +"$MAX_AGE_DAYS" 2>/dev/null)" ]; then
                # An upgrade that fails (no network) leaves a usable tree.
                try_update_rootfs
        fi
        flock -u 8
fi
flock -s 8
say "root file system $ROOTFS ($(grep -F 'libngtcp2-dev ' "$LOG_DIR/upgrade.log" 2>/dev/null | tail -n 1 || :))"

# --- the build ------------------------------------------------------------------

mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
if [ -n "$(ls -A "$BUILD_DIR")" ] && [ ! -f "$BUILD_DIR/meson-private/coredata.dat" ]; then
        die "$BUILD_DIR is neither empty nor a meson build directory"
fi
# What runs inside: meson in /build from /src. A build directory made by
# another root file system is set up anew.
# shellcheck disable=SC2016 # expanded inside the chroot
INNER='
set -u
cd /build
if [ -f meson-private/coredata.dat ] && [ "$(cat .lanparty-rootfs 2>/dev/null)" = "$KEY" ]; then
        meson setup --reconfigure /build /src -Dwerror=true >setup.log 2>&1
else
        find /build -mindepth 1 -delete
        meson setup /build /src -Dwerror=true >setup.log 2>&1
fi || { cat setup.log; exit 1; }
echo "$KEY" >.lanparty-rootfs
grep -E "libngtcp2|C compiler for the host" setup.log
ninja -C /build >build.log 2>&1 || { tail -n 60 build.log; exit 1; }
echo "built: $(ninja -C /build -t targets all | grep -c ":")" targets
[ "$RUN_TESTS" = 1 ] || exit 0
meson test -C /build --suite unit --suite integration --print-errorlogs || exit
[ "$TEST_MESON_INSTALL" = 1 ] || exit 0
rm -rf /build/stage
meson install -C /build --no-rebuild --quiet --destdir /build/stage >install.log 2>&1 || { cat install.log; exit 1; }
'

if [ "$SHELL_ONLY" = 1 ]; then
        say "shell in $ROOTFS (source at /src, read-only; build directory at /build)"
        CURRENT_STEP=
        chroot_run "$ROOTFS" 1 "$ROOT" "$BUILD_DIR" /bin/bash -i
        exit
fi

# The packages, from a copy of the files of the checkout git knows (the
# root has no git, and a worktree's .git points outside the checkout),
# built under chroot by tools/build-debs.sh into DEBS_DIR mounted at /build.
build_debs() {
        local t=$SECONDS rc=0
        mkdir -p "$DEBS_DIR"
        DEBS_DIR=$(cd "$DEBS_DIR" && pwd)
        SRC_COPY=$(mktemp -d /tmp/lanparty-trixie-src.XXXXXX)
        "$ROOT/tools/build-debs.sh" --export "$SRC_COPY"
        say "building the Debian packages into $DEBS_DIR"
        chroot_run "$ROOTFS" 1 "$SRC_COPY" "$DEBS_DIR" /src/tools/build-debs.sh /build || rc=$?
        rm -rf "$SRC_COPY"
        SRC_COPY=
        say "packages $([ $rc = 0 ] && echo ok || echo "failed (exit $rc)") in $(elapsed "$t")"
        return $rc
}

# The container test on the host, with this root file system as the
# overlay's lower layer (held by the shared lock, so not upgraded under it).
test_debs() {
        local t=$SECONDS rc=0
        say "testing the packages in $TEST_DEBS_DIR under systemd as PID 1 in a container on $ROOTFS"
        bash "$ROOT/tests/systemd/test-debs-in-container.sh" --rootfs "$ROOTFS" "$TEST_DEBS_DIR" </dev/null 8>&- &
        CHILD=$!
        wait "$CHILD" || rc=$?
        CHILD=
        say "container test $([ $rc = 0 ] && echo ok || echo "failed (exit $rc)") in $(elapsed "$t"); all in $(elapsed "$T0")"
        return $rc
}

if [ -n "$DEBS_DIR$TEST_DEBS_DIR" ]; then
        rc=0
        [ -z "$DEBS_DIR" ] || build_debs || rc=$?
        [ "$rc" != 0 ] || [ -z "$TEST_DEBS_DIR" ] || test_debs || rc=$?
        exit $rc
fi

t=$SECONDS
say "building in $BUILD_DIR$([ "$RUN_TESTS" = 1 ] && echo ", then the unit and integration tests")"
rc=0
chroot_run "$ROOTFS" 1 "$ROOT" "$BUILD_DIR" /usr/bin/env KEY="$KEY" RUN_TESTS="$RUN_TESTS" \
        TEST_MESON_INSTALL="$TEST_MESON_INSTALL" /bin/bash -c "$INNER" || rc=$?
say "build$([ "$RUN_TESTS" = 1 ] && echo " and tests") $([ $rc = 0 ] && echo ok || echo "failed (exit $rc)") in $(elapsed "$t"); all in $(elapsed "$T0")"
if [ $rc = 0 ] && [ "$TEST_MESON_INSTALL" = 1 ]; then
        t=$SECONDS
        say "testing meson install of $BUILD_DIR under systemd as PID 1 in a container on $ROOTFS"
        bash "$ROOT/tests/systemd/test-debs-in-container.sh" --rootfs "$ROOTFS" \
                --meson-staged "$BUILD_DIR/stage" /usr/local </dev/null 8>&- &
        CHILD=$!
        wait "$CHILD" || rc=$?
        CHILD=
        say "meson install test $([ $rc = 0 ] && echo ok || echo "failed (exit $rc)") in $(elapsed "$t"); all in $(elapsed "$T0")"
fi
exit $rc
