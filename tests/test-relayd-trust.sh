#!/bin/bash
# SPDX-License-Identifier: MIT
# What lanparty-relayd trusts a gateway token, a client's MAC and an
# unauthenticated stranger with, against the real daemon and real QUIC
# test peers (relay-test-peer): tokens bound to rooms and their room
# quota, a client refused a MAC learned behind the gateway, rejected
# HELLOs logged at a bounded rate, and secret files (token file, dev
# certificate key, --key) and the state directory refused when other users
# may use them.
#
# Usage: test-relayd-trust.sh RELAYD TEST_PEER SOURCE_ROOT
# $RELAYD_TEST_WRAPPER, if set, runs the daemon under it (e.g. valgrind);
# it must still exit 0.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

relayd=$(realpath "$1")
peer_bin=$(realpath "$2")
srcdir=$(realpath "$3")

relayd_test_begin test-relayd-trust

peer() {
        local name=$1
        shift
        peer_start "$name" "$peer_bin" --relay "127.0.0.1:$port" --pin "$pin" "$@"
}
stop_relayd() {
        kill -TERM "$relayd_pid"
        local rc=0
        wait "$relayd_pid" || rc=$?
        [ $rc = 0 ] || fail "relayd exited with $rc"
}

GW=00:11:22:33:44:01
PHONE=02:aa:bb:cc:dd:01
BCAST=ff:ff:ff:ff:ff:ff

mkdir -m 700 "$tmp/state"
: >"$tmp/relayd.conf"
relayd_cmd=(${RELAYD_TEST_WRAPPER:-} "$relayd" --config "$tmp/relayd.conf" --state-dir "$tmp/state" --bus-address "$address"
        --max-peers-per-room 8)
tokens() { printf '%s\n' "$@" >"$tmp/tokens" && chmod 600 "$tmp/tokens"; }

echo "== gateway tokens bound to rooms, with a room quota"
tokens "# token  rooms  [max-rooms=N]" "tok-party-0123456789 party" "tok-lan-0123456789ab lan-1,lan-2" \
        "tok-any-0123456789ab * max-rooms=2" "tok-old-0123456789ab"
port=
start_relayd --gateway-token-file "$tmp/tokens"
pin=$(relay_pin)
grep -q "Loaded 4 gateway tokens" "$tmp/relayd.err" || fail "tokens not loaded: $(cat "$tmp/relayd.err")"
# A token alone on its line (the format before rooms): any one room at a
# time, and a warning that says how to bind it.
expect_contains "$(cat "$tmp/relayd.err")" "line 5: a token without rooms may open any one room at a time" \
        "warning about the unbound token"
# A token for one party cannot take another party's room name first.
peer squat --role gateway --mac 00:11:22:33:44:0a --token tok-lan-0123456789ab --room party
expect squat "reject bad_gateway_token"
expect squat "this gateway token may not open room 'party'"
peer lan1 --role gateway --mac 00:11:22:33:44:0b --token tok-lan-0123456789ab --room lan-1
expect lan1 "welcome 1"
peer lan2 --role gateway --mac 00:11:22:33:44:0c --token tok-lan-0123456789ab --room lan-2
expect lan2 "welcome 1"
# A wildcard token opens any room, but no more than its quota.
peer any1 --role gateway --mac 00:11:22:33:44:0d --token tok-any-0123456789ab --room any-1
expect any1 "welcome 1"
peer any2 --role gateway --mac 00:11:22:33:44:0e --token tok-any-0123456789ab --room any-2
expect any2 "welcome 1"
peer any3 --role gateway --mac 00:11:22:33:44:0f --token tok-any-0123456789ab --room any-3
expect any3 "reject too_many_rooms"
expect any3 "this gateway token holds 2 rooms, its max-rooms"
peer old1 --role gateway --mac 00:11:22:33:44:10 --token tok-old-0123456789ab --room old-1
expect old1 "welcome 1"
peer old2 --role gateway --mac 00:11:22:33:44:11 --token tok-old-0123456789ab --room old-2
expect old2 "reject too_many_rooms"
# A room closing gives its place in the quota back.
cmd any2 "disconnect quit"
expect any2 "closed"
wait_for eval '! bus tree --list org.lanparty.Relay1 | grep -q room/any_2d2' || fail "room any-2 still open"
peer any4 --role gateway --mac 00:11:22:33:44:12 --token tok-any-0123456789ab --room any-4
expect any4 "welcome 1"

echo "== a client may not claim a MAC the relay learned behind the gateway"
peer gw --role gateway --mac $GW --token tok-party-0123456789 --name gw
expect gw "welcome 1"
peer alice --mac 02:00:00:00:00:02 --name alice
expect alice "welcome 2"
# A phone on the party LAN with a randomised (locally administered) MAC.
cmd gw "frame $BCAST $PHONE 0806 28"
expect alice "frame from=1 dst=$BCAST src=$PHONE"
peer squatter --mac $PHONE --name squatter
expect squatter "reject duplicate_mac"
expect squatter "in use on the party's LAN"
# Unicast to the phone still goes to the gateway, not to anybody else.
cmd alice "frame $PHONE self 88b5 20"
expect gw "frame from=2 dst=$PHONE src=02:00:00:00:00:02 type=88b5 len=34"
expect_not squatter "dst=$PHONE"

stop_relayd

echo "== a burst of rejected HELLOs: a bounded number of log lines, and the rest counted"
start_relayd --gateway-token-file "$tmp/tokens"
pin=$(relay_pin)
# As the relay limits them (relayd-conn.c): 10 at once, then 1 a second,
# and a summary of what was held back at most every 5 s.
BURST=10
N=60
# In waves of 12: every peer comes from 127.0.0.1, and the relay lets one
# address have at most 16 connections in progress (quic-server.h); more
# at once would be refused before their HELLO, not rejected after it.
WAVE=12
rejected() { grep -l "reject bad_gateway_token" "$tmp"/burst*.out 2>/dev/null | wc -l; }
start=$(date +%s.%N)
for ((i = 0; i < N; i++)); do
        sleep 20 | timeout 25 "$peer_bin" --relay "127.0.0.1:$port" --pin "$pin" --role gateway \
                --mac $GW --token "wrong-token-$i-0123456789" --no-pmtud-wait >"$tmp/burst$i.out" 2>&1 &
        pids+=($!)
        if (((i + 1) % WAVE == 0)); then
                WAIT=20 wait_for eval '[ "$(rejected)" -ge $((i + 1)) ]' ||
                        fail "$(rejected) of the first $((i + 1)) bad HELLOs rejected: $(cat "$tmp/burst$i.out")"
        fi
done
end=$(date +%s.%N)
lines() { grep -c "Rejected gateway from .*bad_gateway_token" "$tmp/relayd.err" || true; }
suppressed() { sed -n 's/.*Not logged: \([0-9]*\) more rejected HELLO.*/\1/p' "$tmp/relayd.err" | awk '{ s += $1 } END { print s + 0 }'; }
# Everything is accounted for once the summary came.
WAIT=15 wait_for eval '[ $(($(lines) + $(suppressed))) -ge $N ]' ||
        fail "$(lines) rejected HELLOs logged and $(suppressed) counted as not logged, of $N"
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", b - a + 1 }')
bound=$((BURST + secs + secs / 5 + 1))
echo "$N rejected HELLOs in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s:" \
        "$(lines) logged, $(suppressed) summarised (bound $bound lines over $secs s)"
[ "$(lines)" -le "$bound" ] || fail "$(lines) log lines for $N rejected HELLOs in $secs s, more than $bound"
expect_eq "$(($(lines) + $(suppressed)))" "$N" "rejected HELLOs logged plus summarised"
stop_relayd

echo "== secrets and the state directory: refused when other users may use them"
# relayd_refuses NEEDLE ARG...: the relay does not start, and says NEEDLE.
relayd_refuses() {
        local rc=0
        timeout 20 "${relayd_cmd[@]}" --listen "127.0.0.1:$port" "${@:2}" >"$tmp/refused.err" 2>&1 || rc=$?
        [ $rc != 0 ] && [ $rc != 124 ] || fail "relayd ran with ${*:2} (exit $rc): $(cat "$tmp/refused.err")"
        expect_contains "$(cat "$tmp/refused.err")" "$1" "relayd with ${*:2}"
}
# A group this test (root) is not in.
other_group=$(getent group nogroup | cut -d: -f1)
[ -n "$other_group" ] || other_group=$(getent group 65534 | cut -d: -f1)
chmod 644 "$tmp/tokens"
relayd_refuses "tokens: may be read by other users (mode 0644); refusing to use it" --gateway-token-file "$tmp/tokens"
chmod 640 "$tmp/tokens"
chgrp "$other_group" "$tmp/tokens"
relayd_refuses "may be read by the members of group $other_group (mode 0640)" --gateway-token-file "$tmp/tokens"
# Through the service's own group (here root's): the documented way.
chgrp "$(id -gn)" "$tmp/tokens"
start_relayd same-port --gateway-token-file "$tmp/tokens"
stop_relayd
# The dev certificate's key, made 0600 by the relay, and its directory.
chmod 644 "$tmp/state/dev-cert/key.pem"
relayd_refuses "dev-cert/key.pem: may be read by other users (mode 0644)" --gateway-token-file "$tmp/tokens"
chmod 600 "$tmp/state/dev-cert/key.pem"
chmod 777 "$tmp/state/dev-cert"
relayd_refuses "dev-cert: may be changed by other users (mode 0777)" --gateway-token-file "$tmp/tokens"
chmod 700 "$tmp/state/dev-cert"
# An existing state directory others could write to: they could swap
# the key or the reset secret.
chmod 777 "$tmp/state"
relayd_refuses "state: may be changed by other users (mode 0777)" --gateway-token-file "$tmp/tokens"
chmod 1777 "$tmp/state"
relayd_refuses "(mode 1777)" --gateway-token-file "$tmp/tokens"
chmod 755 "$tmp/state"
start_relayd same-port --gateway-token-file "$tmp/tokens"
stop_relayd
# The stateless-reset secret: whoever reads it can end anyone's session
# with a forged reset. Found readable, it is replaced (only the relay
# uses it; its clients merely wait out their idle timeout once), not used.
chmod 644 "$tmp/state/reset-secret"
old_secret=$(sha256sum <"$tmp/state/reset-secret")
start_relayd same-port --gateway-token-file "$tmp/tokens"
stop_relayd
expect_contains "$(cat "$tmp/relayd.err")" "reset-secret: may be read by other users (mode 0644)" "the exposed reset secret"
expect_eq "$(stat -c %a "$tmp/state/reset-secret")" 600 "the new reset secret's mode"
[ "$(sha256sum <"$tmp/state/reset-secret")" != "$old_secret" ] || fail "the exposed reset secret was kept"
# --key, like the token file: only through our own group.
cp "$tmp/state/dev-cert/cert.pem" "$tmp/cert.pem"
install -m 644 "$tmp/state/dev-cert/key.pem" "$tmp/key.pem"
relayd_refuses "key.pem: may be read by other users (mode 0644)" --gateway-token-file "$tmp/tokens" \
        --cert "$tmp/cert.pem" --key "$tmp/key.pem"
chmod 640 "$tmp/key.pem"
start_relayd same-port --gateway-token-file "$tmp/tokens" --cert "$tmp/cert.pem" --key "$tmp/key.pem"
# A SIGHUP finding the key exposed keeps the old one.
chmod 604 "$tmp/key.pem"
kill -HUP "$relayd_pid"
wait_for grep -q "keeping the previous one" "$tmp/relayd.err" || fail "exposed key on reload not refused"
expect_contains "$(cat "$tmp/relayd.err")" "(mode 0604)" "the exposed key on reload"
stop_relayd

echo "PASS"
