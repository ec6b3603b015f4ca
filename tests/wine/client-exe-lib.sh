# SPDX-License-Identifier: MIT
# Shared by the client.exe tests under wine (sourced, not run): a temporary
# directory, lanparty-relayd on loopback with a private bus, relay-test-peer
# processes driven through FIFOs, and client.exe started under wine in
# lanparty's own wine prefix (the one lanparty-wine, the meson
# exe_wrapper, uses; under wine-private.sh, the private one).
#
# The caller sets: wrapper (lanparty-wine), client (client.exe) for run,
# and for the relay parts calls native_build, which takes native (a
# native build directory with src/relayd/lanparty-relayd and
# tests/relay-test-peer) from $LANPARTY_NATIVE_BUILD, as
# tools/build-windows.sh passes it.

source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../lib-test.sh"

fail_hook() {
        local f
        for f in "$tmp"/*.out "$tmp"/*.err; do
                [ -s "$f" ] || continue
                echo "--- $(basename "$f") (tail)" >&2
                tail -n 25 "$f" >&2
        done
}
say() { echo "== $*"; }

cleanup_hook() {
        test_kill_pids
        # The private prefix's wineserver (and its desktop) would outlive
        # the display.
        if [ -n "$wine_x11" ]; then timeout 20 wineserver -k 2>/dev/null || true; fi
}
test_tmp lanparty-wine-test
# What wine runs is slow to start: expect waits 20 s unless told otherwise.
WAIT=20

# The native build directory ($LANPARTY_NATIVE_BUILD) the relay parts
# take their programs from, in $native; skips without one.
native_build() {
        [ -n "${LANPARTY_NATIVE_BUILD:-}" ] || skip "set LANPARTY_NATIVE_BUILD to a native build directory"
        native=$(realpath "$LANPARTY_NATIVE_BUILD")
}

# ---- wine ----------------------------------------------------------------------

# The wrapper's own prefix made ready, for the tests that need nothing
# else of wine.
wine_wrapper_init() {
        [ -x "$wrapper" ] || skip "no wine wrapper at $wrapper"
        "$wrapper" --init || fail "lanparty-wine --init failed"
}

# The wrapper carries the prefix it was made for ("${LANPARTY_WINEPREFIX:-/path}");
# read it rather than guess, so these tests share that prefix.
wine_setup() {
        [ -x "$wrapper" ] || skip "no wine wrapper at $wrapper"
        command -v wine >/dev/null || skip "wine is not installed"
        WINEPREFIX=${LANPARTY_WINEPREFIX:-$(sed -n 's/^WINEPREFIX=\${LANPARTY_WINEPREFIX:-\(.*\)}$/\1/p' "$wrapper")}
        [ -n "$WINEPREFIX" ] || fail "cannot read the wine prefix from $wrapper"
        export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree=d;mshtml=d"
        "$wrapper" --init || fail "lanparty-wine --init failed"
}

# Switches to the wine prefix of the tests with a display and of the
# installer test (WINEPREFIX-x11), made once under WINEPREFIX-x11.lock.
# Its wineserver is ended with the test. Call after wine_setup.
wine_prefix_x11() {
        WINEPREFIX=$WINEPREFIX-x11
        export WINEPREFIX
        wine_x11=1
        if [ ! -e "$WINEPREFIX/.lanparty-ready" ]; then
                (
                        flock 9
                        if [ ! -e "$WINEPREFIX/.lanparty-ready" ]; then
                                echo "creating wine prefix $WINEPREFIX (once)"
                                rm -rf "$WINEPREFIX"
                                env -u DISPLAY timeout 600 wineboot --init >/dev/null 2>&1 9>&- &&
                                        env -u DISPLAY timeout 120 wine reg add 'HKCU\Software\Wine\WineDbg' \
                                                /v ShowCrashDialog /t REG_DWORD /d 0 /f >/dev/null 2>&1 9>&- &&
                                        timeout 120 wineserver --wait 9>&- &&
                                        touch "$WINEPREFIX/.lanparty-ready"
                        fi
                ) 9>"$WINEPREFIX.lock"
                [ -e "$WINEPREFIX/.lanparty-ready" ] || fail "could not create wine prefix $WINEPREFIX"
        fi
}

# The same with a display: a private Xvfb and that prefix of its own, so
# the shared headless prefix's wineserver and desktop are never tied to a
# display that goes away with the test. Windows (client.exe's, and the
# hidden one its console face keeps for WM_CLOSE) need a display under
# wine.
wine_setup_x11() {
        wine_setup
        command -v Xvfb >/dev/null || skip "Xvfb is not installed (Debian package xvfb)"
        wine_prefix_x11
        Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
        pids+=($!)
        wait_for 20 test -s "$tmp/display" || fail "Xvfb did not start"
        DISPLAY=:$(cat "$tmp/display")
        export DISPLAY
}
wine_x11=

# run EXPECTED-STATUS ARGS...: client.exe ARGS through the wrapper, headless;
# output in $tmp/run.out and $tmp/run.err. 137 is a SIGKILL from outside:
# wine's loader is sometimes killed after the Windows process ended (seen
# once in ~60 runs, output complete, while other tests' wine processes came
# and went). client.exe never exits with it, so that one status is retried,
# at most twice; any other status counts.
run() {
        local want=$1 rc=0 attempt
        shift
        for attempt in 1 2 3; do
                rc=0
                timeout 60 "$wrapper" "$client" "$@" >"$tmp/run.out" 2>"$tmp/run.err" </dev/null || rc=$?
                [ "$rc" = 137 ] || break
                echo "note: wine killed client.exe $* (status 137), attempt $attempt; retrying" >&2
        done
        [ "$rc" = "$want" ] || fail "client.exe $* exited with $rc, expected $want: $(cat "$tmp/run.out" "$tmp/run.err")"
}
says() { grep -qF -- "$1" "$tmp/run.out" "$tmp/run.err" || fail "expected '$1' in: $(cat "$tmp/run.out" "$tmp/run.err")"; }

# A Unix path as wine sees it (drive Z: is /).
winpath() { printf 'Z:%s' "${1//\//\\}"; }

# wine_close IMAGE: asks a program to quit the way Windows does (WM_CLOSE).
# wine's taskkill says "Close message sent ..." when it found a window to
# post WM_CLOSE to; once in a while under load it did not (CI failed at
# "did not print 'Left the room.'" with nothing posted), so it is asked
# again, up to three times, and what it said stays in taskkill.log.
wine_close() {
        local attempt out
        for attempt in 1 2 3; do
                out=$(timeout 30 wine taskkill /im "$1" 2>&1 </dev/null) || true
                printf '%s\n' "$out" >>"$tmp/taskkill.log"
                grep -qi "close message sent" <<<"$out" && return 0
                echo "taskkill /im $1 (attempt $attempt) posted nothing: ${out:-no output}" >&2
                sleep 1
        done
}

# wine_bg NAME ARGS...: client.exe (or any program) under wine, headless;
# output in $tmp/NAME.out and .err, its pid (the Windows process itself:
# Debian's wine execs the loader) in WINE_PID.
wine_bg() {
        local name=$1
        shift
        if [ -n "$wine_x11" ]; then
                wine "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err" &
        else
                env -u DISPLAY -u WAYLAND_DISPLAY wine "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err" &
        fi
        WINE_PID=$!
        pids+=($WINE_PID)
}

# ---- relay and peers -----------------------------------------------------------------

relay_setup() {
        relayd=$native/src/relayd/lanparty-relayd
        peer_bin=$native/tests/relay-test-peer
        [ -x "$relayd" ] && [ -x "$peer_bin" ] ||
                skip "needs a native build with lanparty-relayd and relay-test-peer (set LANPARTY_NATIVE_BUILD; tools/build-windows.sh --test does)"
}

bus=
# A private bus when dbus-daemon and busctl are there: the relay's own view
# of the room then backs up what the peers print.
bus_start() {
        command -v dbus-daemon >/dev/null && command -v busctl >/dev/null || return 0
        local address="unix:path=$tmp/bus"
        bus_conf_write "$tmp/bus.conf" "$address"
        dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --nosyslog >"$tmp/dbus.log" 2>&1 &
        pids+=($!)
        wait_for 10 test -S "$tmp/bus" || fail "dbus-daemon did not start"
        bus=$address
}
prop() { timeout 10 busctl --address="$bus" get-property org.lanparty.Relay1 "$@"; }

# relayd_launch PORT: lanparty-relayd on 127.0.0.1:PORT, its pid in
# relayd_pid; fails (status 1) when it did not come up.
relayd_launch() {
        local bus_args=()
        if [ -n "$bus" ]; then
                bus_args=(--bus-address "$bus")
        fi
        : >"$tmp/relayd.err"
        # Without --bus-address a missing system bus only disables
        # D-Bus; point it at nothing so the machine's bus is left alone.
        DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/no-bus" "$relayd" --config "$tmp/relayd.conf" \
                --listen "127.0.0.1:$1" --dev-cert-dir "$tmp/cert" --state-dir "$tmp/state" \
                --gateway-token-file "$tmp/tokens" "${bus_args[@]}" </dev/null 2>"$tmp/relayd.err" &
        relayd_pid=$!
        if wait_for 10 grep -q "running" "$tmp/relayd.err"; then
                pids+=($relayd_pid)
                return 0
        fi
        kill $relayd_pid 2>/dev/null || true
        wait $relayd_pid 2>/dev/null || true
        relayd_pid=
        return 1
}

relayd_start() {
        local attempt
        # Any room: test-client-exe-model.sh opens one per scenario, and a
        # room outlives its gateway by the relay's grace period.
        echo "tok-0123456789abcdef * max-rooms=16" >"$tmp/tokens"
        chmod 600 "$tmp/tokens"
        : >"$tmp/relayd.conf"
        for attempt in 1 2 3 4 5; do
                port=$((20000 + RANDOM % 40000))
                relayd_launch $port && break
                grep -q "Failed to bind" "$tmp/relayd.err" || fail "relayd did not start"
        done
        [ -n "$relayd_pid" ] || fail "no free port for relayd"
        pin=$(relay_pin)
        [ ${#pin} = 43 ] || fail "no pin in the relay's log"
        # relay-test-peer's default room key: 32 bytes of 0x42 ('B').
        key=$(head -c 32 /dev/zero | tr '\0' 'B' | base64 -w0 | tr '+/' '-_' | tr -d '=')
        invite="lanparty://127.0.0.1:$port/party?k=$key&pin=$pin"
}

# relayd_restart: the relay stops (SIGTERM: it tells every peer it is
# shutting down, which they retry) and starts again on the same port,
# with the same certificate (pin) and state; its rooms are gone until
# their gateways come back. The old log is kept as relayd-N.err.
relayd_restart() {
        local n=1
        kill "$relayd_pid"
        wait "$relayd_pid" 2>/dev/null || true
        while [ -e "$tmp/relayd-$n.err" ]; do n=$((n + 1)); done
        cp "$tmp/relayd.err" "$tmp/relayd-$n.err"
        relayd_launch "$port" || fail "relayd did not start again on port $port: $(cat "$tmp/relayd.err")"
        [ "$(relay_pin)" = "$pin" ] || fail "the restarted relay has another pin"
}

# peer NAME ARGS...: a relay-test-peer; send it commands with cmd NAME LINE,
# wait for what it prints with lib-test.sh's expect. Not lib-test.sh's
# peer_start: a sleeping writer keeps the FIFO open, so the script holds no
# descriptor that wine (or the wineserver it starts) could inherit.
peer() {
        local name=$1
        shift
        mkfifo "$tmp/$name.in"
        sleep 100000 >"$tmp/$name.in" &
        pids+=($!)
        "$peer_bin" --relay "127.0.0.1:$port" --pin "$pin" "$@" <"$tmp/$name.in" >"$tmp/$name.out" 2>"$tmp/$name.err" &
        pids+=($!)
}
cmd() { printf '%s\n' "$2" >"$tmp/$1.in"; }

# ---- lanparty-service.exe under wine's service manager ------------------------------

# wine_say WHAT ARGS...: runs wine ARGS, prints the command, its output
# and its status; the status is left in $rc.
wine_say() {
        local what=$1
        shift
        rc=0
        timeout 60 wine "$@" >"$tmp/cmd.out" 2>&1 </dev/null || rc=$?
        echo "== $what: wine $* -> status $rc"
        sed 's/^/   | /' "$tmp/cmd.out"
}

# The service's log goes to %ProgramData%\lanparty\service.log. Which
# directory that is depends on the environment wine's service manager
# gives its services (wine 8.0: C:\users\Public, where `wine cmd` says
# C:\ProgramData), so the log is looked for after the run. The directory
# goes before each start (service_state_clean): under wine the service
# refuses a state directory it did not make itself (win-acl.h), and then
# logs nowhere and cannot join.
service_state_clean() {
        rm -rf "$WINEPREFIX/drive_c/users/Public/lanparty" "$WINEPREFIX/drive_c/ProgramData/lanparty"
}
service_log_find() { find "$WINEPREFIX/drive_c/" -path '*/lanparty/service.log' -print -quit 2>/dev/null; }
service_log() { cat "$(service_log_find)" 2>/dev/null || true; }
