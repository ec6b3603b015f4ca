# SPDX-License-Identifier: MIT
# Shared by test-tap-linux.sh and test-client-route.sh: a private network
# namespace and client-netns-helper driven over two FIFOs (fd 3 commands,
# fd 4 answers). Sourced, not run.

source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "needs iproute2"

ns=
helper_pid=

fail_hook() {
        if [ -s "$tmp/helper.log" ]; then
                echo "--- helper log (last 40 lines)"
                tail -n 40 "$tmp/helper.log"
        fi
}
cleanup_hook() {
        if [ -n "$helper_pid" ]; then kill -9 "$helper_pid" 2>/dev/null || true; fi
}
test_tmp lanparty-client-netns

step() {
        echo "== $*"
}

# new_netns PREFIX: creates the namespace the helper and nsx run in,
# PREFIX-PID, in $ns (test_netns: another one for a router, say).
new_netns() {
        ns=$1-$$
        test_netns "$ns"
}

nsx() {
        ip netns exec "$ns" "$@"
}

# start_helper [ENV=VALUE...]: the driver inside the namespace.
start_helper() {
        rm -f "$tmp/in" "$tmp/out"
        mkfifo "$tmp/in" "$tmp/out"
        ip netns exec "$ns" env "$@" "$helper" <"$tmp/in" >"$tmp/out" 2>>"$tmp/helper.log" &
        exec 3>"$tmp/in" 4<"$tmp/out"
        call pid
        [[ $ans == ok* ]] || fail "helper did not start"
        helper_pid=${ans#ok }
}

# Orderly stop: EOF makes the helper undo everything and close the TAP.
# Its exit status counts: sanitizer reports end in a nonzero one.
stop_helper() {
        local rc
        exec 3>&- 4<&-
        wait "$helper_pid" 2>/dev/null
        rc=$?
        helper_pid=
        [ $rc -eq 0 ] || fail "helper exited with status $rc"
}

crash_helper() {
        kill -9 "$helper_pid"
        exec 3>&- 4<&-
        wait "$helper_pid" 2>/dev/null
        helper_pid=
}

# call CMD...: sets $ans to the helper's one-line answer.
call() {
        echo "$*" >&3
        IFS= read -r -t 15 ans <&4 || fail "no answer to '$*'"
}

# ok CMD...: as call, and the answer must start with "ok".
ok() {
        call "$@"
        [[ $ans == ok* ]] || fail "'$*' answered '$ans'"
}

# expect ANSWER CMD...: the answer must be exactly ANSWER.
expect() {
        local want=$1
        shift
        call "$@"
        [ "$ans" = "$want" ] || fail "'$*' answered '$ans', expected '$want'"
}

# once ENV... -- CMD: a one-shot helper in the namespace; prints its answer.
once() {
        local envs=()
        while [ "$1" != "--" ]; do envs+=("$1"); shift; done
        shift
        local out rc
        out=$(echo "$*" | ip netns exec "$ns" env "${envs[@]}" "$helper" 2>>"$tmp/once.log")
        rc=$?
        [ $rc -eq 0 ] || fail "one-shot helper for '$*' exited with status $rc"
        echo "$out"
}

# `ip -j` prints compact JSON; these look for one exact "key":value pair.
json_has() { # JSON, "key":value
        grep -qF -- "$2" <<<"$1"
}

link_json() {
        nsx ip -j link show dev "$1"
}

link_flags() {
        grep -o '"flags":\[[^]]*\]' <<<"$1" | head -n 1
}
