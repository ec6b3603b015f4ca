#!/bin/bash
# SPDX-License-Identifier: MIT
# client.exe --list-tap-adapters when TAP-Windows6 adapters are installed.
# Wine has no TAP driver, so the adapters are registry entries written the
# way an install writes them: a subkey of the network class key with
# ComponentId tap0901 and NetCfgInstanceId (the adapter's GUID), and the
# connection name under the Network key. Each adapter must be listed by
# its GUID and connection name, the two things --tap-instance-id takes
# (--help: "by GUID or connection name"); another driver's adapter and a
# half-installed TAP entry must be left out, quietly. With the entries gone
# the listing tells the player what to install again.
#
# client.exe takes the connection name from the adapter's network
# interface (iphlpapi), not from the registry. Wine has interfaces only for
# the host's own, with GUID {IFINDEX-0000-0000-0000-4E6574446576} and the
# Linux interface's name. So one fake adapter borrows the loopback's GUID
# (ifindex 1 in every Linux network namespace) and must be listed as "lo";
# the other has no interface behind it, as for an adapter without its
# driver, and must be listed with "(no connection name)".
#
# Writes to the registry, so it runs only in the private wine prefix.
# Usage: wine-private.sh LANPARTY-WINE bash test-client-exe-tap-list.sh LANPARTY-WINE CLIENT.EXE
set -euo pipefail

wrapper=$(realpath "$1")
client=$(realpath "$2")
. "$(dirname "$(realpath "$0")")/client-exe-lib.sh"

[ "${LANPARTY_WINE_PRIVATE:-}" = 1 ] ||
        fail "this test writes fake TAP adapters into the registry: run it through tests/wine/wine-private.sh"
[ -x "$wrapper" ] || skip "no wine wrapper at $wrapper"

CLASS='HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Class\{4D36E972-E325-11CE-BFC1-08002BE10318}'
NETWORK='HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Network\{4D36E972-E325-11CE-BFC1-08002BE10318}'
LO='{00000001-0000-0000-0000-4E6574446576}'
PARTY='{11111111-2222-3333-4444-555555555555}'
WINTUN='{22222222-3333-4444-5555-666666666666}'

# reg_import NAME: $tmp/NAME.reg into the registry, in one wine start.
reg_import() {
        timeout 60 "$wrapper" reg import "$(winpath "$tmp/$1.reg")" >"$tmp/reg-$1.out" 2>&1 </dev/null
}

# Subkeys 9990-9999 are the wine tests' fakes (test-tap-win.c uses them
# too): all are removed, whoever left them.
fakes_remove() {
        local i guid
        {
                echo 'Windows Registry Editor Version 5.00'
                for i in 0 1 2 3 4 5 6 7 8 9; do echo "[-$CLASS\\999$i]"; done
                for guid in "$LO" "$PARTY" "$WINTUN"; do echo "[-$NETWORK\\$guid]"; done
        } >"$tmp/remove.reg"
        reg_import remove
}
# A failing test leaves none behind either (the next one would clean up,
# but the prefix should not hold a test's leftovers).
trap 'fakes_remove || true; test_cleanup' EXIT

fakes_add() {
        cat >"$tmp/add.reg" <<EOF
Windows Registry Editor Version 5.00

[$CLASS\\9990]
"ComponentId"="tap0901"
"NetCfgInstanceId"="$LO"

[$NETWORK\\$LO\\Connection]
"Name"="lo"

[$CLASS\\9991]
"ComponentId"="tap0901"
"NetCfgInstanceId"="$PARTY"

[$NETWORK\\$PARTY\\Connection]
"Name"="LAN Party"

[$CLASS\\9992]
"ComponentId"="wintun"
"NetCfgInstanceId"="$WINTUN"

[$CLASS\\9993]
"ComponentId"="tap0901"
"NetCfgInstanceId"="not-a-guid"
EOF
        reg_import add
}

say "--help promises adapters by GUID or connection name"
run 0 --help
says "--list-tap-adapters"
says "by GUID or connection name"

say "two TAP-Windows6 adapters, another driver's and a half-installed one"
fakes_remove || fail "cannot remove old fake adapters"
fakes_add || fail "cannot add the fake adapters"
run 0 --list-tap-adapters
# The order is the registry's; the header comes first.
tr -d '\r' <"$tmp/run.out" >"$tmp/list.txt"
{
        head -n 1 "$tmp/list.txt"
        tail -n +2 "$tmp/list.txt" | sort
} >"$tmp/got.txt"
{
        echo 'TAP-Windows6 adapters (use one with --tap-instance-id):'
        printf '  %s  %s\n' "$LO" '"lo"' "$PARTY" '(no connection name)' | sort
} >"$tmp/want.txt"
diff -u "$tmp/want.txt" "$tmp/got.txt" >"$tmp/diff.txt" ||
        fail "--list-tap-adapters printed other adapters than were installed:$(printf '\n'; cat "$tmp/diff.txt")"
[ ! -s "$tmp/run.err" ] || fail "--list-tap-adapters is meant to be quiet, but said: $(cat "$tmp/run.err")"

say "the fakes removed: what to install"
fakes_remove || fail "cannot remove the fake adapters"
run 1 --list-tap-adapters
says "no TAP-Windows6 adapter found"

echo "PASS: client.exe lists each TAP-Windows6 adapter by GUID and connection name"
