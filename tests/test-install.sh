#!/bin/bash
# SPDX-License-Identifier: MIT
# `meson install` as a sysadmin runs it, with the default prefix
# (/usr/local) and with -Dprefix=/usr, each into a DESTDIR of its own:
# - the service files land where the system's daemons read them, which is
#   what pkg-config of systemd, dbus-1 and polkit-gobject-1 says, whatever
#   the prefix (dbus-daemon and polkitd never look under /usr/local);
# - the programs, the units and the example agree on one config directory
#   (meson's sysconfdir: /usr/local/etc or /etc) and one state directory
#   (/var/lib, where systemd's StateDirectory= puts it);
# - `lanparty-gatewayd --print-invite` run by hand before the first start
#   makes the room key where the service will look for it.
#
# Usage: test-install.sh SOURCE_ROOT
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

srcdir=$(realpath "$1")
for tool in meson ninja pkg-config python3 systemd-analyze; do
        command -v $tool >/dev/null || skip "$tool is not installed"
done
pkg-config --exists systemd || skip "systemd.pc is not installed (systemd, or systemd-dev from Debian 13)"

test_tmp test-install
fail_hook() { tail -n 20 "$tmp"/*.log >&2 2>/dev/null || true; }

# Where the files must go: what the daemons' own pkg-config files say, and
# for D-Bus and polkit the directories Debian's daemons read when the -dev
# package with the .pc file is not installed.
pc() { pkg-config --variable="$2" "$1"; }
unitdir=$(pc systemd systemdsystemunitdir)
sysusersdir=$(pc systemd sysusersdir)
tmpfilesdir=$(pc systemd tmpfilesdir)
catalogdir=$(pc systemd catalogdir)
if pkg-config --exists dbus-1; then dbusdir=$(pc dbus-1 datadir)/dbus-1/system.d; else dbusdir=/usr/share/dbus-1/system.d; fi
if pkg-config --exists polkit-gobject-1; then
        polkitdir=$(pc polkit-gobject-1 actiondir)
else
        polkitdir=/usr/share/polkit-1/actions
fi
echo "unit $unitdir, sysusers $sysusersdir, tmpfiles $tmpfilesdir, catalog $catalogdir,"
echo "D-Bus $dbusdir, polkit $polkitdir"

# ... and that is indeed where the daemons look.
systemd-analyze unit-paths | grep -qxF "$unitdir" || fail "$unitdir is not in systemd's unit search path"
if [ -f /usr/share/dbus-1/system.conf ]; then
        grep -qE "<includedir>(system\.d|$dbusdir)</includedir>" /usr/share/dbus-1/system.conf &&
                [ "$(dirname "$dbusdir")" = /usr/share/dbus-1 ] || [ "$dbusdir" = /etc/dbus-1/system.d ] ||
                fail "dbus-daemon's system.conf does not read $dbusdir"
fi

# help_default BINARY FLAG: the path --help gives as FLAG's default.
help_default() {
        "$1" --help | tr -s ' \n' ' ' | sed -n "s/.* $2 [A-Z]* [^(]*(default: \(\$STATE_DIRECTORY, else \)\{0,1\}\([^ ,)]*\).*/\2/p"
}

# check_prefix PREFIX SYSCONFDIR: builds what is installed, installs it
# into $tmp/root-NAME and checks it.
check_prefix() {
        local prefix=$1 sysconfdir=$2 name b root f unit expected relayd gatewayd
        name=$(basename "$prefix")
        b=$tmp/build-$name root=$tmp/root-$name
        echo "== -Dprefix=$prefix"
        meson setup "$b" "$srcdir" --prefix="$prefix" >"$tmp/setup-$name.log" 2>&1 || fail "meson setup for $prefix"
        # Only what gets installed, not the tests.
        mapfile -t targets < <(meson introspect --targets "$b" | python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    if t["installed"]:
        for f in t["filename"]:
            print(os.path.relpath(f, sys.argv[1]))' "$b")
        ninja -C "$b" "${targets[@]}" >"$tmp/build-$name.log" 2>&1 || fail "building for $prefix"
        meson install -C "$b" --no-rebuild --destdir "$root" >"$tmp/install-$name.log" 2>&1 ||
                fail "meson install for $prefix"

        # Every service file where the system reads it.
        expected=(
                "$prefix/bin/lanparty-relayd" "$prefix/bin/lanparty-gatewayd" "$prefix/bin/lanparty-client"
                "$unitdir/lanparty-relayd.service" "$unitdir/lanparty-gatewayd@.service"
                "$sysusersdir/lanparty-relayd.conf" "$sysusersdir/lanparty-gatewayd.conf"
                "$tmpfilesdir/lanparty-gatewayd.conf"
                "$catalogdir/lanparty-relayd.catalog"
                "$dbusdir/org.lanparty.Relay1.conf" "$dbusdir/org.lanparty.Gateway1.conf"
                "$polkitdir/org.lanparty.relay.policy" "$polkitdir/org.lanparty.gateway.policy"
                "$prefix/share/doc/lanparty/relayd.conf.example"
        )
        # The man pages, where help2man is installed (-Dman=auto).
        if command -v help2man >/dev/null; then
                expected+=("$prefix/share/man/man8/lanparty-relayd.8" "$prefix/share/man/man8/lanparty-gatewayd.8"
                        "$prefix/share/man/man1/lanparty-client.1")
        fi
        for f in "${expected[@]}"; do
                [ -f "$root$f" ] || fail "$f not installed for $prefix: $(cd "$root" && find . -type f | sort)"
        done
        # Nothing else lands outside the prefix, and nothing for D-Bus or
        # polkit inside it where they would not read it.
        while read -r f; do
                f=${f#.}
                case " ${expected[*]} " in *" $f "*) continue ;; esac
                case $f in
                */dbus-1/* | */polkit-1/* | */systemd/* | */sysusers.d/* | */tmpfiles.d/*)
                        fail "$f is installed where no daemon reads it" ;;
                "$prefix"/*) ;;
                *) fail "$f is installed outside $prefix" ;;
                esac
        done < <(cd "$root" && find . -type f)
        [ -d "$root$sysconfdir/lanparty" ] || fail "$sysconfdir/lanparty is not made"

        # One config directory and one state directory for programs and units.
        relayd=$root$prefix/bin/lanparty-relayd gatewayd=$root$prefix/bin/lanparty-gatewayd
        expect_eq "$(help_default "$relayd" --config)" "$sysconfdir/lanparty/relayd.conf" "relayd's config file"
        expect_eq "$(help_default "$relayd" --state-dir)" /var/lib/lanparty-relayd "relayd's state directory"
        expect_eq "$(help_default "$gatewayd" --config)" "$sysconfdir/lanparty/gatewayd-IFACE.conf" \
                "gatewayd's config file"
        expect_eq "$(help_default "$gatewayd" --state-dir)" /var/lib/lanparty-gatewayd/IFACE "gatewayd's state directory"
        unit=$root$unitdir/lanparty-relayd.service
        grep -qxF "ExecStart=$prefix/bin/lanparty-relayd" "$unit" || fail "relayd's unit does not start $prefix/bin"
        grep -qxF "StateDirectory=lanparty-relayd" "$unit" || fail "relayd's unit has another state directory"
        unit=$root$unitdir/lanparty-gatewayd@.service
        grep -qxF "ExecStart=$prefix/bin/lanparty-gatewayd --interface %I" "$unit" ||
                fail "gatewayd's unit does not start $prefix/bin"
        grep -qxF "StateDirectory=lanparty-gatewayd/%I" "$unit" || fail "gatewayd's unit has another state directory"
        # Whatever the units and the example say about config files names
        # the one directory.
        for f in "$root$unitdir/lanparty-relayd.service" "$root$unitdir/lanparty-gatewayd@.service" \
                "$root$prefix/share/doc/lanparty/relayd.conf.example"; do
                other=$(grep -oE '(/[a-z.]+)+/lanparty/[a-z@%.-]+' "$f" | grep -v "^$sysconfdir/lanparty/" || true)
                [ -z "$other" ] || fail "$(basename "$f") names config files outside $sysconfdir/lanparty: $other"
                other=$(grep -oE '(/[a-z.]+)+/lanparty-(relayd|gatewayd)' "$f" | grep -v '^/var/lib/' |
                        grep -v "^$prefix/bin/" || true)
                [ -z "$other" ] || fail "$(basename "$f") names state outside /var/lib: $other"
        done
        # The installed units as systemd would load them, the programs
        # still in DESTDIR.
        mkdir -p "$tmp/units-$name"
        for f in lanparty-relayd.service lanparty-gatewayd@.service; do
                sed "s|^ExecStart=$prefix/bin/|ExecStart=$root$prefix/bin/|" "$root$unitdir/$f" >"$tmp/units-$name/$f"
        done
        # Documentation= names the man pages installed with them (when
        # help2man made them; -Dman=auto).
        man=(--man=no)
        [ -f "$root$prefix/share/man/man8/lanparty-relayd.8" ] && man=()
        (cd "$tmp/units-$name" && MANPATH=$root$prefix/share/man systemd-analyze verify "${man[@]}" \
                lanparty-relayd.service lanparty-gatewayd@eth0.service) \
                >"$tmp/verify-$name.log" 2>&1 || fail "systemd-analyze verify: $(cat "$tmp/verify-$name.log")"
        [ ! -s "$tmp/verify-$name.log" ] ||
                fail "systemd-analyze verify of the installed units is not clean: $(cat "$tmp/verify-$name.log")"

        # The tmpfiles.d entry makes the gateways' parent state directory
        # as systemd would.
        if command -v systemd-tmpfiles >/dev/null; then
                mkdir -p "$tmp/tmpfiles-$name"
                systemd-tmpfiles --root="$tmp/tmpfiles-$name" --create "$root$tmpfilesdir/lanparty-gatewayd.conf" \
                        >"$tmp/tmpfiles-$name.log" 2>&1 || fail "systemd-tmpfiles: $(cat "$tmp/tmpfiles-$name.log")"
                expect_eq "$(stat -c '%a %U' "$tmp/tmpfiles-$name/var/lib/lanparty-gatewayd")" "755 root" \
                        "the directory tmpfiles.d makes"
        fi

        # README's order: --print-invite as root before the first start,
        # with nothing under /var/lib yet (a private tmpfs there).
        if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
                unshare --mount --propagation private bash -c '
                        set -e
                        mount -t tmpfs tmpfs /var/lib
                        "$1" --print-invite --interface eth1 --relay relay.example --room party >/dev/null
                        test -f /var/lib/lanparty-gatewayd/eth1/room-key
                        stat -c "%a %n" /var/lib/lanparty-gatewayd /var/lib/lanparty-gatewayd/eth1
                ' bash "$gatewayd" >"$tmp/invite-$name.log" 2>&1 ||
                        fail "--print-invite by hand did not make /var/lib/lanparty-gatewayd/eth1/room-key: $(cat "$tmp/invite-$name.log")"
                grep -qx "755 /var/lib/lanparty-gatewayd" "$tmp/invite-$name.log" &&
                        grep -qx "700 /var/lib/lanparty-gatewayd/eth1" "$tmp/invite-$name.log" ||
                        fail "state directory modes: $(cat "$tmp/invite-$name.log")"
        else
                echo "not root: --print-invite by hand not checked"
        fi
        echo "ok: $prefix (config in $sysconfdir/lanparty, state in /var/lib)"
}

check_prefix /usr/local /usr/local/etc
check_prefix /usr /etc

echo "PASS"
