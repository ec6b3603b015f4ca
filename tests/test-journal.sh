#!/usr/bin/env bash
# The relay's log as an operator reads it: a real systemd-journald (started
# here in a private mount namespace, so the host's journal is untouched)
# receives lanparty-relayd's structured fields, `journalctl ROOM=… PEER=…`
# finds admissions and rejects, `journalctl -x` explains them from our
# message catalog, and every entry names the line that logged it once, by
# its path in the source tree (CODE_FILE=src/relayd/…, as systemd's own).
#
# Usage: test-journal.sh RELAYD TEST_PEER SRCDIR
set -u
relayd=$1 test_peer=$2 srcdir=$3
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (mount namespace, journald)"
journald=$(command -v systemd-journald || echo /lib/systemd/systemd-journald)
[ -x "$journald" ] || skip "systemd-journald is not installed"

if [ "${JOURNAL_TEST_INNER:-}" != 1 ]; then
        # Everything below runs with private tmpfs on /run/systemd, /run/log
        # and the catalog database, gone when the namespace ends.
        exec env JOURNAL_TEST_INNER=1 timeout 120 unshare --mount --propagation private bash "$0" "$@"
fi

test_tmp lanparty-journal

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
relayd_pid=$!
pids+=($relayd_pid)
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

# Where each entry was logged: CODE_FILE, CODE_LINE and CODE_FUNC once
# each (sd-journal adds its own unless told not to, which would name
# platform-journal.c beside the real place), and CODE_FILE a path in the
# source tree, the same for every build directory.
jctl _PID="$relayd_pid" -o export >"$tmp/export" || fail "journalctl -o export"
entries=$(awk 'BEGIN { RS = "" } /MESSAGE=/ { n++ } END { print n + 0 }' "$tmp/export")
[ "$entries" -ge 3 ] || fail "only $entries entries from the relay: $(cat "$tmp/export")"
for field in CODE_FILE CODE_LINE CODE_FUNC; do
        bad=$(awk -v f="$field=" 'BEGIN { RS = ""; FS = "\n" }
                { n = 0; seen = ""
                  for (i = 1; i <= NF; i++) if (index($i, f) == 1) { n++; seen = seen " " $i }
                  if (n != 1) { print n " times:" seen; exit } }' "$tmp/export")
        [ -z "$bad" ] || fail "an entry does not carry $field exactly once: $bad"
done
sed -n 's/^CODE_FILE=//p' "$tmp/export" | sort -u >"$tmp/code-files"
while read -r file; do
        case $file in
        src/*) [ -f "$srcdir/$file" ] || fail "CODE_FILE=$file is not a file in the source tree" ;;
        *) fail "CODE_FILE=$file is not a path in the source tree (src/...)" ;;
        esac
done <"$tmp/code-files"
echo "code location: once per entry, $(tr '\n' ' ' <"$tmp/code-files")"
echo "PASS"
