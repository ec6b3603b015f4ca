# SPDX-License-Identifier: MIT
# Sourced, not run, by every shell test (tests/test-*.sh, and through
# e2e/lib.sh and wine/client-exe-lib.sh the end-to-end and wine tests):
# exits meson understands, a temporary directory whose processes die with
# the script, retries, a private dbus-daemon that loads our real bus
# policy, and the checks of a polkit action file and of units.

source "$(dirname "${BASH_SOURCE[0]}")/lib-bus.sh"

# skip WHY...: meson counts exit 77 as skipped.
skip() { echo "SKIP: $*"; exit 77; }

# fail WHY...: exit 1. A script that has logs worth showing defines
# fail_hook, which runs after the message.
fail() {
        echo "FAIL: $*" >&2
        if declare -F fail_hook >/dev/null; then fail_hook; fi
        exit 1
}

# test_tmp NAME: makes $tmp (${TMPDIR:-/tmp}/NAME.XXXXXX) and the array $pids. On
# exit the processes in $pids are killed and reaped (after cleanup_hook, if
# the script defines one), the namespaces test_netns made are deleted and
# $tmp is removed, or kept with KEEP_TMP=1.
test_tmp() {
        tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
        pids=()
        test_namespaces=()
        trap test_cleanup EXIT
}
test_cleanup() {
        local n

        if declare -F cleanup_hook >/dev/null; then cleanup_hook; fi
        test_kill_pids
        for n in "${test_namespaces[@]}"; do ip netns del "$n" 2>/dev/null || true; done
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}

# test_netns NAME...: network namespaces with their loopback up, deleted
# on exit. Skips if the first of the test cannot be made (no root, no
# namespaces in this kernel or container); fails on a later one.
test_netns() {
        local n

        for n in "$@"; do
                if ! ip netns add "$n"; then
                        [ ${#test_namespaces[@]} -gt 0 ] || skip "cannot create a network namespace"
                        fail "cannot create network namespace $n"
                fi
                test_namespaces+=("$n")
                ip netns exec "$n" ip link set lo up
        done
}

# test_kill_pids: kills and reaps the processes in $pids and empties it,
# for a cleanup_hook that must end them before what they run in (a
# network namespace, a wine prefix).
test_kill_pids() {
        local p
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
        pids=()
}

# wait_for [SECONDS] [WHAT] CMD...: runs CMD, its output discarded, every
# 0.1 s until it succeeds or SECONDS (default $WAIT, or 10) have passed;
# returns whether it did. WHAT, told apart from a command by the space in
# it ("the relay to start"), is named on stderr when the time runs out.
wait_for() {
        local seconds=${WAIT:-10} what='' deadline

        if [[ $1 =~ ^[0-9]+$ ]]; then
                seconds=$1
                shift
        fi
        if [[ $1 == *" "* ]]; then
                what=$1
                shift
        fi
        deadline=$((${EPOCHREALTIME//[!0-9]/} + seconds * 1000000))
        until "$@" >/dev/null 2>&1; do
                if [ "${EPOCHREALTIME//[!0-9]/}" -ge "$deadline" ]; then
                        [ -z "$what" ] || echo "timed out after ${seconds}s waiting for $what" >&2
                        return 1
                fi
                sleep 0.1
        done
}

# file_has FILE PATTERN [COUNT]: FILE has at least COUNT (default 1)
# lines matching PATTERN (grep's basic regular expression). One grep
# decides: asking first whether the file exists would let a file created
# in between pass for a match (a background program's output file appears
# when it starts, not when it has written).
file_has() {
        local n
        n=$(grep -c -- "$2" "$1" 2>/dev/null) || true
        [ "${n:-0}" -ge "${3:-1}" ]
}

# expect_lines SECONDS FILE PATTERN [COUNT]: waits until FILE has COUNT
# lines matching PATTERN (file_has), or fails.
expect_lines() {
        wait_for "$1" file_has "$2" "$3" "${4:-1}" ||
                fail "timed out waiting for '$3' (x${4:-1}) in $(basename "$2")"
}

expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }
expect_contains() { grep -qF -- "$2" <<<"$1" || fail "$3: '$2' not in: $1"; }

# test_bus_start POLICY [eavesdrop]: a dbus-daemon on $tmp/bus (address in
# $address, pid added to $pids) that allows everything except what POLICY,
# one of our dbus/*.conf files, forbids (see bus_conf_write). A typo in
# POLICY fails the start: returns 1, dbus-daemon's errors in $tmp/dbus.err.
test_bus_start() {
        address="unix:path=$tmp/bus"
        bus_conf_write "$tmp/bus.conf" "$address" ${2:+"$2"} "$1"
        dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --nosyslog 2>"$tmp/dbus.err" &
        pids+=($!)
        wait_for test -S "$tmp/bus"
}
bus() { timeout 10 busctl --address="$address" "$@"; }

# relay_pin [LOG]: the certificate pin lanparty-relayd logged in LOG
# (default $tmp/relayd.err) for invite links.
relay_pin() {
        sed -n 's/.*pin= in invite links): \([A-Za-z0-9_-]*\).*/\1/p' "${1:-$tmp/relayd.err}" | head -1
}

# peer_start NAME COMMAND...: runs COMMAND (relay-test-peer and its
# options, maybe behind `ip netns exec`) in the background, reading the
# FIFO $tmp/NAME.in, which the script holds open in ${FD[NAME]} for cmd,
# its events in $tmp/NAME.out, its errors in $tmp/NAME.err; adds it to
# $pids. Each script wraps it in a peer() with its relay's address and pin.
declare -gA FD
peer_start() {
        local name=$1 fd
        shift
        mkfifo "$tmp/$name.in"
        "$@" <"$tmp/$name.in" >"$tmp/$name.out" 2>"$tmp/$name.err" &
        pids+=($!)
        exec {fd}>"$tmp/$name.in"
        FD[$name]=$fd
}
# cmd NAME LINE: one command to peer NAME.
cmd() { echo "$2" >&"${FD[$1]}"; }
# has NAME TEXT: peer NAME printed TEXT.
has() { grep -qF -- "$2" "$tmp/$1.out" 2>/dev/null; }
# expect NAME TEXT [SECONDS]: waits until peer NAME prints TEXT, or fails.
expect() {
        wait_for "${3:-${WAIT:-10}}" has "$1" "$2" || fail "$1 did not see '$2': $(cat "$tmp/$1.out" "$tmp/$1.err")"
}
# expect_not NAME TEXT: peer NAME has not printed TEXT.
expect_not() { ! has "$1" "$2" || fail "$1 saw '$2': $(cat "$tmp/$1.out")"; }

# relayd_test_begin NAME: what every test of the real relay on a private
# bus starts with: skips without dbus-daemon, busctl or root (our bus
# policy lets only root or the lanparty-relayd user own org.lanparty.Relay1),
# $tmp, the relay's log tail on failure, and the bus with the relay's
# policy from $srcdir.
relayd_test_begin() {
        command -v dbus-daemon >/dev/null || skip "dbus-daemon is not installed"
        command -v busctl >/dev/null || skip "busctl is not installed"
        [ "$(id -u)" = 0 ] || skip "needs root: the relay owns org.lanparty.Relay1 on the test bus"
        fail_hook() {
                echo "--- relayd log (tail)" >&2
                tail -n 40 "$tmp/relayd.err" >&2 || true
        }
        test_tmp "$1"
        test_bus_start "$srcdir/dbus/org.lanparty.Relay1.conf" || fail "dbus-daemon did not start: $(cat "$tmp/dbus.err")"
}

# check_polkit_action POLICY ACTION BUS_HEADER USER: POLICY validates
# (against the DTD when installed), defines ACTION (one of its actions) owned by USER, the
# daemon's service user, and the daemon's BUS_HEADER asks for that ACTION.
check_polkit_action() {
        local policy=$1 action=$2 header=$3 user=$4 dtd=/usr/share/polkit-1/policyconfig-1.dtd

        echo "== polkit action"
        if [ -f "$dtd" ]; then
                xmllint --noout --dtdvalid "$dtd" "$policy" || fail "$policy does not validate against $dtd"
        else
                echo "$dtd missing: checking well-formedness only"
                xmllint --noout "$policy" || fail "$policy is not well-formed"
        fi
        [ "$(xmllint --xpath "string(//action[@id='$action']/@id)" "$policy")" = "$action" ] ||
                fail "no action $action in $policy"
        [ "$(xmllint --xpath "string(//action[@id='$action']/annotate[@key='org.freedesktop.policykit.owner'])" \
                "$policy")" = "unix-user:$user" ] || fail "$action: policykit.owner annotation is not unix-user:$user"
        grep -q "\"$action\"" "$header" || fail "the daemon does not ask for the action the policy defines"
}

# check_sysusers SYSUSERS_FILE USER: systemd-sysusers makes USER and its
# group from SYSUSERS_FILE (in $tmp/root, not on this machine).
check_sysusers() {
        local sysusers=$1 user=$2

        echo "== sysusers"
        if ! command -v systemd-sysusers >/dev/null; then
                echo "systemd-sysusers missing: not checked"
                return 0
        fi
        mkdir -p "$tmp/root/etc"
        systemd-sysusers --root="$tmp/root" "$sysusers" 2>"$tmp/sysusers.err" ||
                fail "systemd-sysusers: $(cat "$tmp/sysusers.err")"
        grep -q "^$user:" "$tmp/root/etc/passwd" || fail "sysusers did not create $user"
        grep -q "^$user:" "$tmp/root/etc/group" || fail "sysusers did not create the $user group"
}

# check_exposure UNIT_FILE MAX: `systemd-analyze security` rates the unit
# at most MAX.
check_exposure() {
        local unit=$1 max=$2 name out score

        name=$(basename "$unit")
        echo "== systemd-analyze security"
        out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
        score=$(sed -n "s/.*Overall exposure level for $name: \([0-9][0-9.]*\).*/\1/p" <<<"$out")
        [ -n "$score" ] || fail "no exposure level in: $out"
        echo "exposure level $score (at most $max)"
        awk -v s="$score" -v max="$max" 'BEGIN { exit !(s + 0 <= max + 0) }' ||
                fail "exposure level $score is above $max: $out"
}

# unit_seconds VALUE: a systemd time span of the forms units use here
# ("5", "5s", "2min", "1min 30s", "500ms") in whole seconds, rounded down.
unit_seconds() {
        local total=0 part n
        for part in $1; do
                n=${part%%[a-z]*}
                case ${part#"$n"} in
                "" | s | sec) total=$((total + n)) ;;
                ms | msec) total=$((total + n / 1000)) ;;
                m | min) total=$((total + n * 60)) ;;
                h | hr) total=$((total + n * 3600)) ;;
                *) fail "unit_seconds: cannot read '$1'" ;;
                esac
        done
        echo "$total"
}

# unit_setting UNIT_FILE SECTION KEY: the last value of KEY in [SECTION].
unit_setting() {
        awk -v section="[$2]" -v key="$3" '
                /^\[/ { in_section = ($0 == section) }
                in_section && index($0, key "=") == 1 { value = substr($0, length(key) + 2) }
                END { print value }' "$1"
}

# check_restart UNIT_FILE: Restart=on-failure waits RestartSec= (at least a
# second) between attempts, and the start limit can be reached: the
# StartLimitBurst= attempts fit in StartLimitIntervalSec= ([Unit], where
# systemd reads them), so a broken config ends in a failed unit after a
# few tries instead of retrying for ever (or burning the default five
# tries in about a second with the default RestartSec=100ms).
check_restart() {
        local unit=$1 restart interval burst

        echo "== restart and start limit"
        [ "$(unit_setting "$unit" Service Restart)" = on-failure ] || fail "$unit: Restart= is not on-failure"
        restart=$(unit_setting "$unit" Service RestartSec)
        [ -n "$restart" ] || fail "$unit lacks RestartSec= (the default 100ms burns the start limit in a second)"
        restart=$(unit_seconds "$restart")
        [ "$restart" -ge 1 ] || fail "$unit: RestartSec= below a second"
        interval=$(unit_setting "$unit" Unit StartLimitIntervalSec)
        burst=$(unit_setting "$unit" Unit StartLimitBurst)
        [ -n "$interval" ] && [ -n "$burst" ] ||
                fail "$unit lacks StartLimitIntervalSec= or StartLimitBurst= in [Unit]"
        interval=$(unit_seconds "$interval")
        [ $((burst * restart)) -lt "$interval" ] ||
                fail "$unit: $burst attempts $restart s apart never reach the start limit of $interval s"
        [ "$interval" -le 600 ] || fail "$unit: a start limit interval of $interval s keeps a fixed unit from starting"
        echo "restart after $restart s, at most $burst starts in $interval s"
}

# start_relayd [same-port] [ARG...]: runs the command in the array
# $relayd_cmd (lanparty-relayd and the script's options) with
# --listen 127.0.0.1:$port and ARG..., on a random free port (again on
# $port with same-port), its stderr in $tmp/relayd.err, and waits until it
# runs. Sets $relayd_pid and adds it to $pids.
start_relayd() {
        local attempt same=

        if [ "${1:-}" = same-port ]; then
                same=1
                shift
        fi
        for attempt in 1 2 3 4 5; do
                [ -n "${port:-}" ] && [ -n "$same" ] || port=$((20000 + RANDOM % 40000))
                : >"$tmp/relayd.err"
                "${relayd_cmd[@]}" --listen "127.0.0.1:$port" "$@" 2>"$tmp/relayd.err" &
                relayd_pid=$!
                if wait_for grep -q "running" "$tmp/relayd.err"; then
                        pids+=($relayd_pid)
                        return 0
                fi
                kill $relayd_pid 2>/dev/null || true
                wait $relayd_pid 2>/dev/null || true
                grep -q "Failed to bind" "$tmp/relayd.err" || fail "relayd did not start: $(cat "$tmp/relayd.err")"
        done
        fail "no free port for relayd"
}
