#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lanparty-client as a user runs it, in network namespaces this script
# makes: a relay namespace (client-test-relayd: a relay with a virtual
# gateway that prints each join and each frame it gets, so the checks
# need no lanparty-gatewayd and no LAN) and a client namespace joined to
# it by a veth pair. Checks the CLI errors, the
# join (TAP MTU = room MTU, carrier, MAC from the state directory, relay
# route pinned, broadcast route), a broadcast from the client reaching the
# gateway, broadcast traffic arriving, a reconnect with the same MAC after
# the relay is killed and restarted, a wrong room key, that SIGTERM
# leaves with exit status 0 and takes routes and TAP along, and the ways
# the invite link (a secret) comes in: a private file, stdin, the
# environment, and the command line with its warning; none of them leaves
# the room key in /proc/PID/cmdline or /proc/PID/environ once joined; and
# --check giving up after --check-timeout when the relay does not answer.
# Needs root; skips (77) without it.
#
# Usage: test-client-linux.sh LANPARTY-CLIENT CLIENT-TEST-RELAYD
set -uo pipefail

client=${1:?usage: test-client-linux.sh LANPARTY-CLIENT CLIENT-TEST-RELAYD}
relayd=${2:?usage: test-client-linux.sh LANPARTY-CLIENT CLIENT-TEST-RELAYD}

source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"
test_tmp lanparty-client-linux
chmod 755 "$tmp"
ns_relay=lpcr-$$
ns_client=lpcc-$$
relay_pid=
client_pid=

fail_hook() {
        local f
        for f in "$tmp"/*.out "$tmp"/*.err; do
                [ -s "$f" ] || continue
                echo "--- $f (last 30 lines)"
                tail -n 30 "$f"
        done
}
cleanup_hook() {
        if [ -n "$client_pid" ]; then kill -9 "$client_pid" 2>/dev/null || true; fi
        if [ -n "$relay_pid" ]; then kill -9 "$relay_pid" 2>/dev/null || true; fi
        wait 2>/dev/null
}

step() {
        echo "== $*"
}

# client_exits SECONDS STATUS WHAT: the client ($client_pid) ends within
# SECONDS with exit status STATUS; WHAT names the case in a failure.
client_gone() { ! kill -0 "$client_pid" 2>/dev/null; }
client_exits() {
        local rc

        wait_for "$1" client_gone || fail "$3: client still running $1 s later"
        wait "$client_pid"
        rc=$?
        client_pid=
        [ "$rc" -eq "$2" ] || fail "$3: exit status $rc, expected $2"
}

step "CLI errors need no privileges"
out=$("$client" --version) || fail "--version failed"
[[ $out == "lanparty-client "* ]] || fail "--version printed '$out'"
"$client" --help | grep -q -- "--state-dir" || fail "--help does not mention --state-dir"
"$client" --help | grep -q -- "--accept-party-gateway" || fail "--help does not mention --accept-party-gateway"
"$client" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no link: expected exit 2"
err=$("$client" 'lanparty://relay.example.org/party?k=short' 2>&1)
[ $? -eq 2 ] || fail "bad link: expected exit 2"
[[ $err == *"not a valid invite link: room key must be"* ]] || fail "bad link message: $err"
err=$("$client" --frame-device bogus 'lanparty://x/y?k=z' 2>&1)
[ $? -eq 2 ] || fail "bad --frame-device: expected exit 2"
[[ $err == *"--frame-device"* ]] || fail "bad --frame-device message: $err"
err=$("$client" --name $'bad\tname' 'lanparty://x/y?k=z' 2>&1)
[ $? -eq 2 ] || fail "bad --name: expected exit 2"
"$client" --help | grep -q -- "--check-timeout SECONDS" || fail "--help does not mention --check-timeout"
err=$("$client" --check-timeout 5 'lanparty://x/y?k=z' 2>&1)
[ $? -eq 2 ] || fail "--check-timeout without --check: expected exit 2"
[[ $err == *"--check-timeout goes with --check."* ]] || fail "--check-timeout without --check: message '$err'"
err=$("$client" --check --check-timeout 0 'lanparty://x/y?k=z' 2>&1)
[ $? -eq 2 ] || fail "--check-timeout 0: expected exit 2"
[[ $err == *"--check-timeout: expected whole seconds from 1 to 3600, got \"0\""* ]] ||
        fail "--check-timeout 0: message '$err'"

step "invite files others may read are refused; --help says where links come from"
help=$("$client" --help) || fail "--help failed"
grep -q -- "--invite-file FILE" <<<"$help" || fail "--help does not mention --invite-file"
grep -q -- "LANPARTY_INVITE" <<<"$help" || fail "--help does not mention LANPARTY_INVITE"
grep -q -- "/proc/PID/cmdline" <<<"$help" || fail "--help does not say why"
printf '# the party\nlanparty://192.0.2.1/party?k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' >"$tmp/invite"
for mode in 644 640 604 660; do
        chmod "$mode" "$tmp/invite"
        err=$("$client" --frame-device null --invite-file "$tmp/invite" 2>&1 </dev/null)
        rc=$?
        [ $rc -eq 2 ] || fail "invite file mode $mode: expected exit 2, got $rc ($err)"
        [[ $err == *"Invite file $tmp/invite may be "*"(mode 0$mode); refusing to use it"*"chmod 600"* ]] ||
                fail "invite file mode $mode: message '$err'"
done
printf 'not a link\n' >"$tmp/junk"
chmod 600 "$tmp/junk"
err=$("$client" --invite-file "$tmp/junk" 2>&1 </dev/null)
rc=$?
[ $rc -eq 2 ] || fail "invite file without a link: expected exit 2, got $rc"
[[ $err == *"holds no invite link"* ]] || fail "invite file without a link: message '$err'"
err=$("$client" --invite-file /dev/null 'lanparty://x/y?k=z' 2>&1)
[ $? -eq 2 ] || fail "link twice: expected exit 2"
[[ $err == *"Give the invite link once"* ]] || fail "link twice: message '$err'"

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "needs iproute2"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

if command -v setpriv >/dev/null; then
        step "without CAP_NET_ADMIN: a clear refusal"
        link='lanparty://192.0.2.1/party?k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
        err=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$client" "$link" 2>&1)
        rc=$?
        [ $rc -eq 1 ] || fail "unprivileged: expected exit 1, got $rc ($err)"
        [[ $err == *"need root or CAP_NET_ADMIN"* ]] || fail "unprivileged message: $err"
fi

test_netns "$ns_relay" "$ns_client"
rx() { ip netns exec "$ns_relay" "$@"; }
cx() { ip netns exec "$ns_client" "$@"; }
ip link add lpc-r netns "$ns_relay" type veth peer name lpc-c netns "$ns_client" || fail "veth"
rx ip addr add 198.51.100.1/24 dev lpc-r
cx ip addr add 198.51.100.11/24 dev lpc-c
rx ip link set lpc-r up
cx ip link set lpc-c up
# Quiet TAP: no IPv6 autoconfiguration chatter in the checks.
cx sysctl -qw net.ipv6.conf.default.disable_ipv6=1

start_relay() { # output file
        # Not through rx(): a function in the background is a subshell, and
        # its pid is not the program's.
        ip netns exec "$ns_relay" "$relayd" "$tmp/relay-state" 198.51.100.1 4433 1300 >"$1" 2>"$1.err" &
        relay_pid=$!
        expect_lines 10 "$1" '^invite '
}

start_relay "$tmp/relay1.out"
invite=$(sed -n 's/^invite //p' "$tmp/relay1.out")
wrong_invite=$(sed -n 's/^wrong-invite //p' "$tmp/relay1.out")
[[ $invite == lanparty://198.51.100.1:4433/party?k=*'&pin='* ]] || fail "odd invite '$invite'"

step "join: the TAP gets the room MTU and the stored MAC; routes are pinned"
ip netns exec "$ns_client" "$client" --tap lp0 --state-dir "$tmp/state" --name tester "$invite" \
        >"$tmp/client.out" 2>"$tmp/client.err" </dev/null &
client_pid=$!
expect_lines 15 "$tmp/client.out" '^Connected to relay 198.51.100.1:4433 (RTT '
grep -q '^Joined room party as peer [0-9]* (room MTU 1300)\.$' "$tmp/client.out" || fail "no join line"
grep -q "^The party's gateway (party-gateway) is connected\.$" "$tmp/client.out" || fail "no gateway line"
mac=$(tr -d '\n' <"$tmp/state/client-mac") || fail "no MAC stored in the state directory"
j=$(cx ip -j link show dev lp0) || fail "no lp0"
grep -qF '"mtu":1300,' <<<"$j" || fail "lp0 MTU is not the room's: $j"
grep -qF "\"address\":\"$mac\"" <<<"$j" || fail "lp0 MAC is not $mac: $j"
grep -q '"LOWER_UP"' <<<"$j" || fail "lp0 has no carrier while joined: $j"
grep -q "^joined [0-9]* $mac tester$" "$tmp/relay1.out" || fail "the relay did not see $mac join"
routes=$(cx ip -4 route show proto 76)
grep -q '^198\.51\.100\.1 dev lpc-c' <<<"$routes" || fail "relay route not pinned: $routes"
grep -q '^255\.255\.255\.255 dev lp0' <<<"$routes" || fail "no broadcast route: $routes"
grep -q '^224\.0\.0\.0/4 dev lp0' <<<"$routes" || fail "no multicast route: $routes"

step "a broadcast to 255.255.255.255 reaches the gateway; the gateway's broadcasts arrive"
cx ip addr add 192.0.2.50/24 dev lp0
cx "$relayd" --udp-broadcast 9999 || fail "cannot send a UDP broadcast from the client namespace"
expect_lines 5 "$tmp/relay1.out" "^gateway-frame $mac ff:ff:ff:ff:ff:ff 0800 [0-9]* ipv4-dst 255.255.255.255$"
expect_lines 15 "$tmp/client.out" '^Broadcast traffic seen (game discovery works)$'
expect_lines 5 "$tmp/client.out" '^Got address 192.0.2.50 on lp0$'

step "the relay dies and comes back: the client rejoins with the same MAC"
kill -9 "$relay_pid"
wait "$relay_pid" 2>/dev/null
start_relay "$tmp/relay2.out"
# The next keepalive meets a stateless reset (same secret), then backoff.
expect_lines 30 "$tmp/client.out" '^Joined room party as peer' 2
expect_lines 5 "$tmp/relay2.out" "^joined [0-9]* $mac tester$"
grep -q 'Reconnecting in' "$tmp/client.out" || fail "no reconnect line"
grep -q '"LOWER_UP"' <<<"$(cx ip -j link show dev lp0)" || fail "no carrier after the rejoin"
grep -qF '"mtu":1300,' <<<"$(cx ip -j link show dev lp0)" || fail "MTU lost over the rejoin"

step "SIGTERM: goodbye, exit 0, routes and TAP gone"
kill -TERM "$client_pid"
client_exits 5 0 "SIGTERM"
[ "$(tail -n 1 "$tmp/client.out")" = "Left the room." ] || fail "last line: $(tail -n 1 "$tmp/client.out")"
cx ip link show dev lp0 >/dev/null 2>&1 && fail "lp0 still exists"
[ -z "$(cx ip -4 route show proto 76)" ] || fail "routes left behind: $(cx ip -4 route show proto 76)"

step "a second run keeps the MAC"
ip netns exec "$ns_client" "$client" --tap lp0 --state-dir "$tmp/state" "$invite" >"$tmp/client2.out" 2>"$tmp/client2.err" </dev/null &
client_pid=$!
expect_lines 15 "$tmp/client2.out" '^Connected to relay '
grep -qF "\"address\":\"$mac\"" <<<"$(cx ip -j link show dev lp0)" || fail "the MAC changed between runs: want $mac, lp0: $(cx ip -j link show dev lp0 2>&1)"
kill -INT "$client_pid"
client_exits 5 0 "SIGINT"

step "the TAP deleted under a joined client: it leaves the room and fails, once, without spinning"
ip netns exec "$ns_client" "$client" --tap lp0 --state-dir "$tmp/state" "$invite" >"$tmp/gone.out" 2>"$tmp/gone.err" </dev/null &
client_pid=$!
expect_lines 15 "$tmp/gone.out" '^Connected to relay '
cx ip link del dev lp0
client_exits 10 1 "TAP deleted"
grep -q 'Adapter lp0 stopped working (was it disabled or removed?); left the room\.' "$tmp/gone.out" "$tmp/gone.err" ||
        fail "TAP deleted: no clear line ($(tail -n 3 "$tmp/gone.out" "$tmp/gone.err"))"
n=$(grep -c 'stopped working' "$tmp/gone.err") || true
[ "${n:-0}" -le 1 ] || fail "TAP deleted: the error was logged $n times"
grep -q 'Failed to read from' "$tmp/gone.err" && fail "TAP deleted: read errors were logged as warnings"
[ -z "$(cx ip -4 route show proto 76)" ] || fail "routes left behind after the TAP went away"

step "a wrong room key stops the client with a clear message"
cx timeout 20 "$client" --tap lp0 --state-dir "$tmp/state" "$wrong_invite" >"$tmp/wrong.out" 2>"$tmp/wrong.err" </dev/null
rc=$?
[ $rc -eq 1 ] || fail "wrong key: exit status $rc, expected 1"
grep -q 'The relay refused to let us in: auth_failed.*ask for a new link' "$tmp/wrong.out" ||
        fail "wrong key: no auth_failed line"
cx ip link show dev lp0 >/dev/null 2>&1 && fail "lp0 left behind after a failure"
[ -z "$(cx ip -4 route show proto 76)" ] || fail "routes left behind after a failure"

# joined_privately NAME: the client ($client_pid) joined, and the room key
# is in neither its command line nor its environment.
key=${invite#*k=}
key=${key%%&*}
joined_privately() {
        expect_lines 15 "$tmp/$1.out" '^Joined room party as peer '
        # The /proc files below are the client's own, not those of the
        # shell or `ip netns exec` that started it (which have not
        # necessarily exec'd yet right after the fork).
        [ "$(readlink "/proc/$client_pid/exe")" = "$(readlink -f "$client")" ] ||
                fail "$1: $client_pid is not the client but $(readlink "/proc/$client_pid/exe")"
        grep -qaF -- "$key" "/proc/$client_pid/cmdline" && fail "$1: the room key is in /proc/$client_pid/cmdline"
        grep -qaF -- "$key" "/proc/$client_pid/environ" && fail "$1: the room key is in /proc/$client_pid/environ"
        grep -q "Warning: the invite link" "$tmp/$1.err" && fail "$1: warned about the command line"
        kill -TERM "$client_pid"
        client_exits 5 0 "$1"
}

step "the invite link from a private file, from stdin and from \$LANPARTY_INVITE"
printf '# lanparty invite\r\n\r\n%s\r\n' "$invite" >"$tmp/invite.lanparty"
chmod 600 "$tmp/invite.lanparty"
ip netns exec "$ns_client" "$client" --frame-device null --state-dir "$tmp/state" --invite-file "$tmp/invite.lanparty" \
        >"$tmp/from-file.out" 2>"$tmp/from-file.err" </dev/null &
client_pid=$!
joined_privately from-file
ip netns exec "$ns_client" "$client" --frame-device null --state-dir "$tmp/state" - \
        >"$tmp/from-stdin.out" 2>"$tmp/from-stdin.err" <<<"$invite" &
client_pid=$!
joined_privately from-stdin
LANPARTY_INVITE=$invite ip netns exec "$ns_client" "$client" --frame-device null --state-dir "$tmp/state" \
        >"$tmp/from-env.out" 2>"$tmp/from-env.err" </dev/null &
client_pid=$!
joined_privately from-env

step "the invite link as an argument: a warning, and it is wiped from the command line"
ip netns exec "$ns_client" "$client" --frame-device null --state-dir "$tmp/state" "$invite" \
        >"$tmp/from-argv.out" 2>"$tmp/from-argv.err" </dev/null &
client_pid=$!
expect_lines 15 "$tmp/from-argv.out" '^Joined room party as peer '
grep -q "Warning: the invite link, room key included, was given on the command line, where every user of this computer can read it" \
        "$tmp/from-argv.err" || fail "no warning for a link on the command line: $(cat "$tmp/from-argv.err")"
grep -qaF -- "$key" "/proc/$client_pid/cmdline" && fail "the room key is still in /proc/$client_pid/cmdline"
kill -TERM "$client_pid"
client_exits 5 0 "invite link as an argument"

step "--check gives up after --check-timeout when no check can run (the relay does not answer)"
unreachable=${invite/:4433\//:4434\/}
t0=$SECONDS
cx timeout 30 "$client" --check --check-timeout 3 --tap lp0 --state-dir "$tmp/state" "$unreachable" \
        >"$tmp/giveup.out" 2>"$tmp/giveup.err" </dev/null
rc=$?
[ $rc -eq 1 ] || fail "--check --check-timeout 3: exit status $rc, expected 1"
grep -q '^Party check: not joined to the room with an address after 3 s, giving up\.$' "$tmp/giveup.out" ||
        fail "--check --check-timeout 3: no giving-up line"
[ $((SECONDS - t0)) -lt 15 ] || fail "--check --check-timeout 3 took $((SECONDS - t0)) s"
cx ip link show dev lp0 >/dev/null 2>&1 && fail "lp0 left behind after --check gave up"
[ -z "$(cx ip -4 route show proto 76)" ] || fail "routes left behind after --check gave up"

step "the null frame device joins without a TAP"
ip netns exec "$ns_client" "$client" --frame-device null --state-dir "$tmp/state" "$invite" >"$tmp/null.out" 2>"$tmp/null.err" </dev/null &
client_pid=$!
expect_lines 15 "$tmp/null.out" '^Connected to relay '
[ -z "$(cx ip -4 route show proto 76)" ] || fail "the null device pinned routes"
kill -TERM "$client_pid"
client_exits 5 0 "null device"

echo "OK"
