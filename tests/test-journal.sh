#!/usr/bin/env bash
# The relay's log as an operator reads it: a real systemd-journald (started
# here in a private mount namespace, so the host's journal is untouched)
# receives lanparty-relayd's structured fields, `journalctl ROOM=… PEER=…`
# finds admissions and rejects, and `journalctl -x` explains them from our
# message catalog.
#
# Usage: test-journal.sh RELAYD TEST_PEER SRCDIR
set -u
relayd=$1 test_peer=$2 srcdir=$3

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (mount namespace, journald)"; exit 77; }
journald=$(command -v systemd-journald || echo /lib/systemd/systemd-journald)
[ -x "$journald" ] || { echo "SKIP: systemd-journald is not installed"; exit 77; }

if [ "${JOURNAL_TEST_INNER:-}" != 1 ]; then
        # Everything below runs with private tmpfs on /run/systemd, /run/log
        # and the catalog database, gone when the namespace ends.
        exec env JOURNAL_TEST_INNER=1 timeout 120 unshare --mount --propagation private bash "$0" "$@"
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
        wait 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT
wait_for() { # seconds, command...
        local deadline=$((SECONDS + $1)); shift
        until "$@" >/dev/null 2>&1; do
                [ $SECONDS -lt $deadline ] || return 1
                sleep 0.1
        done
}

mkdir -p /run/systemd /run/log /var/lib/systemd/catalog
mount -t tmpfs tmpfs /run/systemd && mount -t tmpfs tmpfs /run/log &&
        mount -t tmpfs tmpfs /var/lib/systemd/catalog || fail "private tmpfs mounts"
mkdir -p /run/systemd/journal
"$journald" >"$tmp/journald.log" 2>&1 &
pids+=($!)
wait_for 10 test -S /run/systemd/journal/socket || fail "journald did not start: $(cat "$tmp/journald.log")"
jctl() { journalctl --directory=/run/log/journal --no-pager "$@"; }

# Our catalog next to the system's, as `meson install` puts it.
mkdir -p "$tmp/catalog"
cp /usr/lib/systemd/catalog/*.catalog "$tmp/catalog/" 2>/dev/null
cp "$srcdir/src/relayd/lanparty-relayd.catalog" "$tmp/catalog/"
mount --bind "$tmp/catalog" /usr/lib/systemd/catalog || fail "catalog bind mount"
journalctl --update-catalog || fail "journalctl --update-catalog rejected the catalog"

port=$((20000 + RANDOM % 20000))
LANPARTY_LOG_TARGET=journal "$relayd" --listen "127.0.0.1:$port" --insecure-open-gateways \
        --state-dir "$tmp/state" >"$tmp/relayd.out" 2>&1 &
pids+=($!)
wait_for 10 test -f "$tmp/state/dev-cert/cert.pem" || fail "relayd did not start: $(cat "$tmp/relayd.out")"
pin=$(openssl x509 -in "$tmp/state/dev-cert/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')
# Under journald nothing may go to stderr but what could not be logged.
[ ! -s "$tmp/relayd.out" ] || fail "relayd wrote to stderr instead of the journal: $(cat "$tmp/relayd.out")"

run_peer() { # log name, args...
        local name=$1; shift
        { sleep 4; echo quit; } | timeout 20 "$test_peer" --relay "127.0.0.1:$port" --pin "$pin" "$@" \
                >"$tmp/$name.out" 2>&1
}
key=0101010101010101010101010101010101010101010101010101010101010101
run_peer gateway --role gateway --room party --mac 00:11:22:33:44:01 --token any-token-0123456789 \
        --room-key "$key" &
pids+=($!)
wait_for 10 grep -q '^welcome' "$tmp/gateway.out" || fail "gateway not admitted: $(cat "$tmp/gateway.out")"
run_peer intruder --role client --room party --mac 02:00:00:00:00:09 --room-key "$key" --wrong-proof
grep -q '^reject auth_failed' "$tmp/intruder.out" || fail "intruder not rejected: $(cat "$tmp/intruder.out")"

joined=$(jctl ROOM=party PEER=1 MESSAGE_ID=6eb55fb37d6f4e6ba289ed605693fd14 -o json | head -1)
[ -n "$joined" ] || fail "no 'joined' entry with ROOM=party PEER=1: $(jctl -o verbose | tail -40)"
for field in '"MAC":"00:11:22:33:44:01"' '"ROLE":"gateway"' '"PRIORITY":"'; do
        grep -qF "$field" <<<"$joined" || fail "joined entry lacks $field: $joined"
done
echo "joined: $(jctl ROOM=party PEER=1 MESSAGE_ID=6eb55fb37d6f4e6ba289ed605693fd14 -o cat | head -1)"

rejected=$(jctl ROOM=party REASON=auth_failed -o cat | head -1)
[ -n "$rejected" ] || fail "no reject entry with ROOM=party REASON=auth_failed: $(jctl -o cat | tail -20)"
echo "rejected: $rejected"

explained=$(jctl -x ROOM=party PEER=1 MESSAGE_ID=6eb55fb37d6f4e6ba289ed605693fd14 | head -20)
grep -q "was admitted to room party" <<<"$explained" ||
        fail "journalctl -x shows no catalog text: $explained"
echo "catalog: ok"
echo "PASS"
