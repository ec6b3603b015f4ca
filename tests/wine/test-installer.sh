#!/bin/bash
# SPDX-License-Identifier: MIT
# The NSIS installer under wine, silently (/S): client.exe lands in
# Program Files\lanparty, the lanparty:// scheme and the .lanparty type
# point at it, Add/Remove Programs lists it, the installed client.exe
# runs; then the uninstaller removes all of it.
#
# Wine has no TAP-Windows6. The installer looks for an adapter, not for
# the driver, and says which of the two is missing; a silent install
# writes what its message box would have said to standard output, which
# the test reads. Fake adapters are registry entries as in
# test-client-exe-tap-list.sh (class subkeys 9990-9999), here in the
# wine-x11 prefix, whose other user, client-exe-gui, never looks for one
# (--frame-device null); they are removed before and after.
#
# An unsigned tap-windows-9.99.exe beside the setup program must not run:
# it is tests/wine/recorder.c, which writes down that it ran.
#
# The Windows Firewall rule for client.exe: wine's netsh.exe is a stub
# that changes nothing and exits 0 (wine has no Windows Firewall), so the
# plain install only shows that the installer takes that as success. To
# see the commands themselves, the recorder stands in for netsh.exe in the
# prefix's System32 (wine loads it with the override netsh.exe=n): the
# install deletes an old rule of ours and adds the new one, a failing
# netsh is reported, and the uninstall deletes the rule.
#
# Usage: test-installer.sh LANPARTY-WINE SETUP.EXE RECORDER.EXE
# (RECORDER.EXE: the build's tests/installer-test-recorder.exe.)
# The installer is a 64-bit program (Target amd64-unicode), as wine64 runs.
set -euo pipefail

wrapper=$(realpath "$1")
setup=$(realpath "$2")
recorder=$(realpath "${3:?usage: test-installer.sh LANPARTY-WINE SETUP.EXE RECORDER.EXE}")
. "$(dirname "$(realpath "$0")")/client-exe-lib.sh"

wine_setup
# Not the shared prefix the unit tests use: installing changes it.
wine_prefix_x11
w() { env -u DISPLAY timeout 120 wine "$@" </dev/null; }
CLASS='HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Class\{4D36E972-E325-11CE-BFC1-08002BE10318}'
SERVICE='HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\tap0901'
fakes_remove() {
        {
                echo 'Windows Registry Editor Version 5.00'
                for i in 0 1 2 3 4 5 6 7 8 9; do echo "[-$CLASS\\999$i]"; done
                echo "[-$SERVICE]"
        } >"$tmp/remove.reg"
        w reg import "$(winpath "$tmp/remove.reg")" >/dev/null 2>&1
}
# What a crashed client.exe leaves in %ProgramData%\lanparty; planted
# below, and gone at the end even when the test fails half-way.
state=$(w winepath -u 'C:\ProgramData\lanparty' | tr -d '\r')
[ -n "$state" ] || fail "no Unix path for C:\ProgramData\lanparty"
# wine's own netsh.exe, put back after the recorder stood in for it.
system32=$(w winepath -u 'C:\windows\system32' | tr -d '\r')
[ -f "$system32/netsh.exe" ] || fail "no netsh.exe in $system32"
cp "$system32/netsh.exe" "$tmp/netsh.exe.wine"
netsh_restore() { cp "$tmp/netsh.exe.wine" "$system32/netsh.exe"; }
trap 'netsh_restore || true; fakes_remove || true; rm -rf "$state"; test_cleanup' EXIT
fakes_remove
rm -rf "$state"
# fake KEY NAME VALUE...: REG_SZ values under a class subkey or the service.
fake() {
        local key=$1
        shift
        while [ $# -gt 1 ]; do
                w reg add "$key" /v "$1" /t REG_SZ /d "$2" /f >/dev/null 2>&1 || fail "reg add $key $1"
                shift 2
        done
}
# install NAME [SETUP]: the silent install, its standard output in $tmp/NAME.out.
install() {
        w "${2:-$setup}" /S >"$tmp/$1.out" 2>"$tmp/$1.err" || fail "the installer failed ($1)"
        tr -d '\r' <"$tmp/$1.out" >"$tmp/$1.txt"
}
said() { grep -qF -- "$2" "$tmp/$1.txt" || fail "the installer ($1) did not say '$2': $(cat "$tmp/$1.txt")"; }
not_said() { ! grep -qF -- "$2" "$tmp/$1.txt" || fail "the installer ($1) said '$2': $(cat "$tmp/$1.txt")"; }

# reg_value KEY [NAME]: a REG_SZ value, the key's default without NAME.
reg_value() {
        local which=(/ve)
        [ $# -lt 2 ] || which=(/v "$2")
        w reg query "$1" "${which[@]}" 2>/dev/null | tr -d '\r' | sed -n 's/.*REG_SZ *//p' | head -1
}

say "silent install, no TAP-Windows6 at all"
install plain
said plain "lanparty needs the TAP-Windows6 virtual network adapter (from the OpenVPN project), which is not installed."
said plain "https://github.com/OpenVPN/tap-windows6/releases"
pf=$(w cmd /c 'echo %ProgramW6432%' | tr -d '\r')
unix_pf=$(w winepath -u "$pf\\lanparty" | tr -d '\r')
[ -f "$unix_pf/client.exe" ] || fail "no client.exe in $unix_pf"
[ -f "$unix_pf/uninstall.exe" ] || fail "no uninstall.exe in $unix_pf"
# wine's netsh stub said yes.
said plain "Windows Firewall lets client.exe in on all networks (inbound rule \"lanparty\")."

say "URL scheme, file type, Add/Remove Programs"
cmdline=$(reg_value 'HKCR\lanparty\shell\open\command')
[[ $cmdline == *'\lanparty\client.exe" -- "%1"' ]] || fail "lanparty:// command: '$cmdline'"
w reg query 'HKCR\lanparty' /v "URL Protocol" >/dev/null 2>&1 || fail "no URL Protocol value"
[ "$(reg_value 'HKCR\.lanparty')" = lanparty.invite ] || fail ".lanparty type: '$(reg_value 'HKCR\.lanparty')'"
cmdline=$(reg_value 'HKCR\lanparty.invite\shell\open\command')
[[ $cmdline == *'\lanparty\client.exe" -- "%1"' ]] || fail ".lanparty command: '$cmdline'"
uninstall_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\lanparty'
[ "$(reg_value "$uninstall_key" DisplayName)" = lanparty ] || fail "not in Add/Remove Programs"
[ -n "$(reg_value "$uninstall_key" UninstallString)" ] || fail "no UninstallString"

say "the installed client.exe runs"
w "$pf\\lanparty\\client.exe" --version >"$tmp/version.out" 2>&1 || fail "installed client.exe --version failed"
grep -q "lanparty client.exe" "$tmp/version.out" || fail "installed client.exe: $(cat "$tmp/version.out")"

say "a crafted link adds no options (opened the way a browser opens it)"
# Its quotes close the handler's "%1": with the old handler client.exe
# ran --cli with a state directory of the link's choosing. The relay
# address is unreachable, so nothing else happens either way.
room_key=$(head -c 32 /dev/zero | tr '\0' 'B' | base64 -w0 | tr '+/' '-_' | tr -d '=')
inject=$tmp/inject
link="lanparty://192.0.2.1:4433/party?k=$room_key\" --cli --frame-device null --state-dir \"$(winpath "$inject")"
rc=0
env -u DISPLAY timeout 30 wine start /wait "$link" </dev/null >"$tmp/link.out" 2>&1 || rc=$?
[ ! -e "$inject" ] || fail "the link added options: client.exe made $(winpath "$inject")"
# 2 is client.exe's usage error ("Too many arguments after "--"", in a
# message box that headless wine does not show).
[ "$rc" = 2 ] || fail "client.exe, opened with the crafted link, exited with $rc, expected 2 (a usage error)"

say "TAP-Windows6: the driver without an adapter is not enough"
# Another driver's adapter, and a tap0901 entry without the adapter's
# GUID (a half-removed device), do not count either.
fake "$SERVICE" ImagePath 'System32\drivers\tap0901.sys'
fake "$CLASS\\9990" ComponentId tap0901
fake "$CLASS\\9991" ComponentId wintun NetCfgInstanceId '{22222222-3333-4444-5555-666666666666}'
install driver
said driver "TAP-Windows6 is installed, but this computer has no TAP-Windows6 network adapter"
said driver "Run the TAP-Windows installer again"
not_said driver "A TAP-Windows6 adapter is installed."

say "TAP-Windows6: an adapter as tap-windows6's own installers make it (root\\tap0901)"
fakes_remove
fake "$CLASS\\9992" ComponentId 'ROOT\TAP0901' NetCfgInstanceId '{11111111-2222-3333-4444-555555555555}'
install root
said root "A TAP-Windows6 adapter is installed."
not_said root "not installed"
not_said root "no TAP-Windows6 network adapter"

say "TAP-Windows6: an adapter as OpenVPN's older installers make it (tap0901)"
fakes_remove
fake "$SERVICE" ImagePath 'System32\drivers\tap0901.sys'
fake "$CLASS\\9993" ComponentId tap0901 NetCfgInstanceId '{11111111-2222-3333-4444-555555555556}'
install plain-id
said plain-id "A TAP-Windows6 adapter is installed."
fakes_remove

say "an unsigned tap-windows-*.exe beside the setup program is not run"
mkdir "$tmp/download"
cp "$setup" "$tmp/download/lanparty-setup.exe"
cp "$recorder" "$tmp/download/tap-windows-9.99.exe"
LANPARTY_TEST_RECORD=$(winpath "$tmp/tap-ran")
export LANPARTY_TEST_RECORD
install unsigned "$tmp/download/lanparty-setup.exe"
[ ! -e "$tmp/tap-ran" ] || fail "the installer ran the unsigned tap-windows-9.99.exe: $(cat "$tmp/tap-ran")"
said unsigned "tap-windows-9.99.exe, next to this setup program, is not signed, so it was not run"
said unsigned "https://github.com/OpenVPN/tap-windows6/releases"
[ ! -e "$unix_pf/tap-windows-setup.exe" ] || fail "the checked copy stayed in $unix_pf"
unset LANPARTY_TEST_RECORD

say "the firewall rule: netsh deletes an old one and adds ours for client.exe, on all profiles"
cp "$recorder" "$system32/netsh.exe"
export WINEDLLOVERRIDES="$WINEDLLOVERRIDES;netsh.exe=n"
LANPARTY_TEST_RECORD=$(winpath "$tmp/netsh-install")
export LANPARTY_TEST_RECORD
install firewall
unset LANPARTY_TEST_RECORD
tr -d '\r' <"$tmp/netsh-install" >"$tmp/netsh-install.txt"
sed 's/^/  netsh: /' "$tmp/netsh-install.txt"
netsh_args=' advfirewall firewall'
program="program=\"$pf\\lanparty\\client.exe\""
[ "$(wc -l <"$tmp/netsh-install.txt")" = 2 ] || fail "the installer ran netsh $(wc -l <"$tmp/netsh-install.txt") times, expected 2"
sed -n 1p "$tmp/netsh-install.txt" | grep -qixF "\"c:\\windows\\system32\\netsh.exe\"$netsh_args delete rule name=\"lanparty\" dir=in" ||
        fail "the installer's first netsh is not the delete of an old rule: $(sed -n 1p "$tmp/netsh-install.txt")"
sed -n 2p "$tmp/netsh-install.txt" |
        grep -qixF "\"c:\\windows\\system32\\netsh.exe\"$netsh_args add rule name=\"lanparty\" dir=in action=allow $program enable=yes profile=any" ||
        fail "the installer's second netsh does not add the rule: $(sed -n 2p "$tmp/netsh-install.txt")"
said firewall "Windows Firewall lets client.exe in on all networks"

say "a netsh that fails is reported"
# Without LANPARTY_TEST_RECORD the recorder exits 3.
install firewall-fails
said firewall-fails "lanparty could not add its Windows Firewall rule (netsh: 3)"
not_said firewall-fails "Windows Firewall lets client.exe in"

# The uninstaller copies itself away and returns at once; _?= keeps it in
# place. NSIS finds _?= only unquoted, and wine quotes an argument with
# spaces: hence the short name of Program Files.
short=$(w winepath -s "$pf\\lanparty" | tr -d '\r')
[[ $short != *' '* ]] || fail "no short name for $pf\\lanparty: '$short'"
# uninstall NAME: the silent uninstall, its standard output in $tmp/NAME.txt.
uninstall() {
        w "$unix_pf/uninstall.exe" /S "_?=$short" >"$tmp/$1.out" 2>"$tmp/$1.err" || fail "the uninstaller failed ($1)"
        tr -d '\r' <"$tmp/$1.out" >"$tmp/$1.txt"
        rm -f "$unix_pf/uninstall.exe"
}
state_plant() {
        mkdir -p "$state"
        printf 'lanparty-client-routes 1\nroute 4 cb007107/32 c6336401 4000000000 0 0\n' >"$state/routes-planted.state"
        : >"$state/routes-planted.lock"
}

say "silent uninstall: client.exe --restore first, then %ProgramData%\\lanparty goes"
# The recorder stands in for client.exe: how it was started, and whether
# the state was still there then.
state_plant
cp "$recorder" "$unix_pf/client.exe"
LANPARTY_TEST_RECORD=$(winpath "$tmp/restore-ran")
LANPARTY_TEST_RECORD_CHECK='C:\ProgramData\lanparty\routes-planted.state'
export LANPARTY_TEST_RECORD LANPARTY_TEST_RECORD_CHECK
uninstall recorded
unset LANPARTY_TEST_RECORD LANPARTY_TEST_RECORD_CHECK
[ -s "$tmp/restore-ran" ] || fail "the uninstaller did not run client.exe"
grep -q 'client.exe" --restore |' "$tmp/restore-ran" || fail "the uninstaller ran client.exe as $(cat "$tmp/restore-ran")"
# The recorder is netsh.exe too: the rule went.
tr -d '\r' <"$tmp/restore-ran" | grep -F "netsh.exe" >"$tmp/netsh-uninstall.txt" || true
sed 's/^/  netsh: /' "$tmp/netsh-uninstall.txt"
[ "$(wc -l <"$tmp/netsh-uninstall.txt")" = 1 ] &&
        grep -qiF "\"c:\\windows\\system32\\netsh.exe\"$netsh_args delete rule name=\"lanparty\" dir=in |" "$tmp/netsh-uninstall.txt" ||
        fail "the uninstaller did not delete the firewall rule: $(cat "$tmp/netsh-uninstall.txt")"
netsh_restore
WINEDLLOVERRIDES=${WINEDLLOVERRIDES%;netsh.exe=n}
grep -q 'routes-planted.state exists$' "$tmp/restore-ran" ||
        fail "client.exe --restore ran after the state was gone: $(cat "$tmp/restore-ran")"
[ ! -e "$state" ] || fail "%ProgramData%\\lanparty left behind: $(ls -la "$state")"
[ ! -e "$unix_pf/client.exe" ] || fail "client.exe left behind"
w reg query 'HKCR\lanparty' >/dev/null 2>&1 && fail "lanparty:// still registered"
w reg query "$uninstall_key" >/dev/null 2>&1 && fail "still in Add/Remove Programs"

say "silent uninstall with the real client.exe --restore"
# Wine makes every directory the wine user's, so client.exe refuses the
# planted one (win-acl.h) and the uninstaller says so; it still goes.
# Undoing its route could not be tried anyway: wine 8 lacks
# DeleteIpForwardEntry2().
install again
state_plant
uninstall real
said real "lanparty could not put back everything it changed on this computer (client.exe --restore: 1)"
said real "C:\\ProgramData\\lanparty is owned by"
[ ! -e "$state" ] || fail "%ProgramData%\\lanparty left behind: $(ls -la "$state")"
[ ! -e "$unix_pf/client.exe" ] || fail "client.exe left behind"
rmdir "$unix_pf" 2>/dev/null || true

echo "PASS: the installer installs, registers lanparty:// and .lanparty, allows client.exe through the firewall, and uninstalls"
