#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages under a real systemd as PID 1, checked as a sysadmin
# would (tests/systemd/in-container.sh says what): a container booted with
# systemd-nspawn on an overlay whose lower layer is a root filesystem,
# the host's own / (Debian 12 here) or a Debian rootfs made with
# debootstrap; the overlay keeps that filesystem untouched. The packages
# are installed with dpkg -i in the container; or, with --meson-install,
# what `meson install` installs from a build directory.
#
# Usage: test-debs-in-container.sh [--rootfs DIR] DEB_DIR
#        test-debs-in-container.sh [--rootfs DIR] --meson-install BUILD_DIR
#        test-debs-in-container.sh [--rootfs DIR] --meson-staged STAGE PREFIX
#        test-debs-in-container.sh --help
#   DEB_DIR        the packages built for that root filesystem's release
#                  (tools/build-debs.sh; for Debian 13 tools/build-trixie.sh
#                  --debs): lanparty-relayd, -gatewayd and -client *.deb
#   --rootfs DIR   the root filesystem to boot (default /, the host's;
#                  tools/build-trixie.sh --test-debs boots its Debian 13
#                  root). It needs what the packages depend on and the
#                  test's tools: systemd, dbus, polkitd, iproute2,
#                  dnsmasq-base, isc-dhcp-client, iputils-ping, util-linux,
#                  procps, man-db.
#   --meson-install BUILD_DIR
#                  instead of packages, `meson install` of that build
#                  directory (built for that root filesystem's release) with
#                  its prefix (/usr/local by default), then README's steps
#                  after it: systemd-sysusers, systemd-tmpfiles --create,
#                  daemon-reload, dbus reload, journalctl --update-catalog.
#                  The same checks but dpkg's own (upgrade, removal).
#   --meson-staged STAGE PREFIX
#                  the same with what `meson install --destdir STAGE` of a
#                  build for PREFIX installed already (tools/build-trixie.sh
#                  --test-meson-install stages its Debian 13 build so: this
#                  machine's meson cannot read that build directory).
# Exit: 0 passed, 1 failed, 77 skipped (not root, no systemd-nspawn).
# The container, every process in it and the overlay go away however the
# script ends; KEEP_TMP=1 keeps the overlay's upper layer (its journal in
# var/log/journal) for a look afterwards.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib-test.sh"

case "${1:-}" in -h|--help) sed -n '3,39s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rootfs=/
if [ "${1:-}" = --rootfs ]; then
        rootfs=$(realpath "${2:?--rootfs needs a directory}")
        shift 2
fi
usage="usage: test-debs-in-container.sh [--rootfs DIR] DEB_DIR|--meson-install BUILD_DIR|--meson-staged STAGE PREFIX"
meson_build= stage=
if [ "${1:-}" = --meson-install ]; then
        meson_build=$(realpath "${2:?$usage}")
        [ -f "$meson_build/meson-private/coredata.dat" ] || fail "$meson_build is not a meson build directory"
elif [ "${1:-}" = --meson-staged ]; then
        stage=$(realpath "${2:?$usage}") prefix=${3:?$usage}
        [ -d "$stage$prefix/bin" ] || fail "$stage has no $prefix/bin: not a meson install --destdir for $prefix"
else
        debs=$(realpath "${1:?$usage}")
fi

[ "$(id -u)" = 0 ] || skip "needs root to mount the overlay and boot the container"
for tool in systemd-nspawn nsenter mountpoint; do
        command -v $tool >/dev/null || skip "$tool is not installed (systemd-container, util-linux)"
done
[ -x "$rootfs/lib/systemd/systemd" ] || [ -x "$rootfs/usr/lib/systemd/systemd" ] ||
        fail "$rootfs has no systemd to boot"
if [ -z "$meson_build$stage" ]; then
        for p in lanparty-relayd lanparty-gatewayd lanparty-client; do
                compgen -G "$debs/${p}_*.deb" >/dev/null || fail "no $p package in $debs"
        done
fi

# A TERM or INT (a test runner's timeout, ^C) becomes an ordinary exit so
# the EXIT trap (test_cleanup, which runs cleanup_hook below) runs.
trap 'exit 143' TERM
trap 'exit 130' INT
test_tmp lanparty-container
nspawn_pid= init_pid=
root=$tmp/root

# Stops what this script started, by PID: the container's systemd with
# the signal that asks it to halt (everything in the container goes with
# it), systemd-nspawn then exits; SIGKILL to both after 30 s. Then the
# overlay.
cleanup_hook() {
        local i
        set +e
        if [ -n "$init_pid" ] && kill -0 "$init_pid" 2>/dev/null; then
                kill -RTMIN+4 "$init_pid"
        fi
        if [ -n "$nspawn_pid" ]; then
                for ((i = 0; i < 300; i++)); do
                        kill -0 "$nspawn_pid" 2>/dev/null || break
                        sleep 0.1
                done
                if kill -0 "$nspawn_pid" 2>/dev/null; then
                        echo "the container did not halt in 30 s: SIGKILL" >&2
                        [ -n "$init_pid" ] && kill -KILL "$init_pid" 2>/dev/null
                        kill -KILL "$nspawn_pid" 2>/dev/null
                fi
                wait "$nspawn_pid" 2>/dev/null
        fi
        if mountpoint -q "$root"; then
                umount "$root" || { sleep 1; umount "$root"; } || umount --lazy "$root"
        fi
        # The upper layer holds the container's journal; its copy of the
        # lower layer's /tmp is not worth keeping.
        [ -z "${KEEP_TMP:-}" ] || echo "container's files: $tmp/upper"
}
fail_hook() {
        echo "--- console (tail)" >&2
        tail -n 20 "$tmp/console.log" >&2 2>/dev/null || true
}

echo "== booting $rootfs in a container"
start=$SECONDS
mkdir "$tmp/upper" "$tmp/work" "$root"
mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$tmp/upper,workdir=$tmp/work" "$root"
# What the container needs from here, copied into the upper layer (not
# under /run or /tmp, which nspawn and systemd mount over).
if [ -n "$meson_build" ]; then
        # Installed into a staging directory here, copied over the
        # container's / inside it (in-container.sh), as `meson install`
        # would have written it there.
        stage=$tmp/stage
        meson install -C "$meson_build" --no-rebuild --quiet --destdir "$stage" >"$tmp/install.log" 2>&1 ||
                { cat "$tmp/install.log" >&2; fail "meson install -C $meson_build"; }
        prefix=$(meson introspect --buildoptions "$meson_build" |
                python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
fi
if [ -n "$stage" ]; then
        mkdir -p "$root/srv/lanparty-test"
        cp -a "$stage" "$root/srv/lanparty-test/stage"
        install_args=(--meson-install /srv/lanparty-test/stage "$prefix")
else
        mkdir -p "$root/srv/lanparty-test/debs"
        cp "$debs"/lanparty-{relayd,gatewayd,client}_*.deb "$root/srv/lanparty-test/debs/"
        install_args=(/srv/lanparty-test/debs)
fi
cp -r "$here/../e2e" "$here/../lib-test.sh" "$here/../lib-bus.sh" "$here/in-container.sh" "$root/srv/lanparty-test/"
# No udev in a container, no network but its own loopback (the test makes
# its veths inside), no machine registration with a host systemd (there
# may be none), and the journal stays inside.
systemd-nspawn -D "$root" --machine=lanparty-test --register=no --keep-unit --link-journal=no \
        --private-network --console=read-only -b </dev/null >"$tmp/console.log" 2>&1 &
nspawn_pid=$!
find_init() {
        local pid
        for pid in $(pgrep -P "$nspawn_pid"); do
                [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] && init_pid=$pid && return 0
        done
        return 1
}
WAIT=30 wait_for find_init || fail "systemd-nspawn started no systemd"
in_container() { nsenter -t "$init_pid" -a "$@"; }
# systemctl needs systemd's private socket, there once it has set up.
WAIT=30 wait_for in_container test -S /run/systemd/private || fail "systemd in the container does not answer"
state=$(in_container timeout 60 systemctl is-system-running --wait 2>&1) || true
case $state in
running) ;;
degraded) echo "the container booted degraded: $(in_container systemctl --failed --no-legend --plain | tr '\n' ';')" ;;
*) fail "the container did not boot: '$state'" ;;
esac
echo "systemd $(in_container systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') is PID 1 of" \
        "$(in_container sh -c '. /etc/os-release; echo "$PRETTY_NAME"'), $state after $((SECONDS - start)) s"

in_container env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb \
        bash /srv/lanparty-test/in-container.sh "${install_args[@]}" ||
        fail "the checks inside the container failed (above)"
echo "PASS ($((SECONDS - start)) s)"
