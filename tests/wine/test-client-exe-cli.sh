#!/bin/bash
# SPDX-License-Identifier: MIT
# client.exe's console face under wine, without a relay: --help,
# --version, usage errors, invite links and .lanparty files (UTF-8 with
# BOM and CRLF, UTF-16 as Notepad writes it, broken ones), and the
# message a player without TAP-Windows6 gets (wine has no such adapter;
# the tests that fake one do it in their own prefix, see wine-private.sh).
#
# Usage: test-client-exe-cli.sh LANPARTY-WINE CLIENT.EXE
set -euo pipefail

wrapper=$(realpath "$1")
client=$(realpath "$2")
. "$(dirname "$(realpath "$0")")/client-exe-lib.sh"

wine_wrapper_init

link='lanparty://192.0.2.1:4433/party?k=QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI'

say "the manifest asks for no elevation (issue 13: the service holds the rights)"
# client-win.rc links client.manifest in as it is: its text is in the file.
grep -aq '<requestedExecutionLevel level="asInvoker" uiAccess="false"/>' "$client" ||
        fail "client.exe's manifest does not say asInvoker: $(grep -ao '<requestedExecutionLevel[^>]*>' "$client")"

say "--version and --help"
run 0 --version
tr -d "\r" <"$tmp/run.out" | grep -qx "lanparty client.exe [0-9.]*" || fail "odd version: $(cat "$tmp/run.out")"
run 0 --help
says "--tap-instance-id"
says "--list-tap-adapters"
says "--accept-party-gateway"
says "--check-timeout SECONDS"
says "sc start lanparty"
says "The next five apply when client.exe runs the session itself"

say "usage errors name the option"
run 2 --bogus
says "Unknown option \"--bogus\""
run 2 --cli
says "missing the invite link"
run 2 --cli --frame-device tun "$link"
says "--frame-device: expected \"tap\" or \"null\""
run 2 --cli 'lanparty://relay.example.org/party?k=short'
says "This is not a valid invite link: room key must be"
run 2 --check
says "--check: missing the invite link"
run 2 --check --frame-device null "$link"
says "--check needs the TAP adapter"
run 2 --check --check-timeout 0 "$link"
says "--check-timeout: expected whole seconds from 1 to 3600"

say "no TAP-Windows6 adapter: what to install"
run 1 --cli "$link"
says "no TAP-Windows6 adapter found"
says "TAP-Windows"
run 1 --list-tap-adapters
says "no TAP-Windows6 adapter found"

say ".lanparty files"
printf '\xef\xbb\xbf# Saturday\r\n%s\r\n' "$link" >"$tmp/party.lanparty"
run 1 --cli "$(winpath "$tmp/party.lanparty")"
says "no TAP-Windows6 adapter found"
# UTF-16LE with BOM, what Notepad saves as "Unicode".
{ printf '\xff\xfe'; printf '%s\r\n' "$link" | iconv -f UTF-8 -t UTF-16LE; } >"$tmp/unicode.lanparty"
run 1 --cli "$(winpath "$tmp/unicode.lanparty")"
says "no TAP-Windows6 adapter found"
printf 'Join us at %s\n' "$link" >"$tmp/chatty.lanparty"
run 2 --cli "$(winpath "$tmp/chatty.lanparty")"
says "does not hold a lanparty:// invite link"
run 2 --cli "$(winpath "$tmp/missing.lanparty")"
says "it does not exist"
head -c 5000 /dev/zero | tr '\0' 'a' >"$tmp/big.lanparty"
run 2 --cli "$(winpath "$tmp/big.lanparty")"
says "far too big"

echo "PASS: client.exe's console face says what is wrong"
