# SPDX-License-Identifier: MIT
# Sourced by tools/test.sh (and by tests/test-results.sh, which checks it
# on made-up logs), not run: the run's totals in $passed, $skipped,
# $failed and the lines of $failures, and the functions that add to them.
#
# tools/test.sh is CI: it runs as root after tools/install-deps.sh has
# installed everything the tests need, so every test meson registers is
# one CI must run. A skip (meson's SKIP, exit 77) there means a missing
# dependency or root, not a test that does not apply: it is counted and
# shown as a skip, and it fails the run like a failure does.

passed=0
skipped=0
failed=0
failures=()

# record STATUS WHAT: one step that is not a meson test run; STATUS is
# its exit code (0 passed, 77 skipped, anything else failed).
record() {
        case "$1" in
        0) passed=$((passed + 1)) ;;
        77)
                skipped=$((skipped + 1))
                failures+=("$2: skipped, but CI must run it")
                ;;
        *)
                failed=$((failed + 1))
                failures+=("$2")
                ;;
        esac
}

# count_meson BUILD_DIR LABEL [LOG]: adds meson's per-test results from
# BUILD_DIR/meson-logs/LOG.json (default testlog) and names every test
# that failed or was skipped, with its SKIP reason.
count_meson() {
        local log="$1/meson-logs/${3:-testlog}.json" counts ok bad skip line
        local -a named

        [ -f "$log" ] || {
                record 1 "$2: no test log"
                return 0
        }
        # One JSON object a line (meson's format): "OK FAILED SKIPPED",
        # then a line for each test that did not pass.
        mapfile -t named < <(python3 -c '
import json, sys
ok = bad = skip = 0
named = []
for line in open(sys.argv[1]):
    t = json.loads(line)
    result = t["result"]
    if result in ("OK", "EXPECTEDFAIL"):
        ok += 1
        continue
    if result == "SKIP":
        skip += 1
        lines = [l for l in t.get("stdout", "").splitlines() if l.startswith("SKIP")]
        named.append("%s skipped, but CI must run it%s" % (t["name"], ": " + lines[-1] if lines else ""))
    else:
        bad += 1
        named.append("%s %s" % (t["name"], result))
print(ok, bad, skip)
print("\n".join(named))' "$log") || {
                record 1 "$2: cannot read $log"
                return 0
        }
        counts=${named[0]:-}
        read -r ok bad skip <<<"$counts"
        [ -n "${skip:-}" ] || {
                record 1 "$2: cannot read $log"
                return 0
        }
        passed=$((passed + ok))
        failed=$((failed + bad))
        skipped=$((skipped + skip))
        for line in "${named[@]:1}"; do
                [ -n "$line" ] && failures+=("$2: $line")
        done
        [ $((bad + skip)) -eq 0 ] || echo "$2: $ok passed, $skip skipped, $bad failed (see $log)"
        return 0
}

# summary: prints the failures and the totals; returns 0 only if nothing
# failed or was skipped.
summary() {
        local f

        echo
        for f in "${failures[@]}"; do echo "FAILED: $f"; done
        echo "$passed passed, $skipped skipped, $failed failed"
        [ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
}
