#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tools/test.sh's counting (tools/test-results.sh) on made-up meson test
# logs: a skipped test is shown as a skip, named with its reason, and
# fails the run, as a failed one does; only a log of passes lets the run
# succeed. Usage: test-results.sh SOURCE_ROOT
set -euo pipefail

srcdir=$1
source "$srcdir/tests/lib-test.sh"
test_tmp lanparty-test-results

# testlog NAME RESULT STDOUT...: one line of a meson testlog.json.
testlog() {
        python3 -c 'import json, sys; print(json.dumps({"name": sys.argv[1], "stdout": sys.argv[3], "result": sys.argv[2], "returncode": 0}))' "$@"
}

# counted COMMAND...: each COMMAND (a call of the counting functions) in
# a fresh shell that sourced tools/test-results.sh, then the summary, as
# tools/test.sh ends; the output in $out, the exit status in $rc.
counted() {
        rc=0
        out=$(
                source "$srcdir/tools/test-results.sh"
                for c in "$@"; do eval "$c"; done
                summary
        ) || rc=$?
        echo "$out"
}

# run_count LOG_LINES...: counted on a build directory whose testlog.json
# holds LOG_LINES.
run_count() {
        rm -rf "$tmp/build"
        mkdir -p "$tmp/build/meson-logs"
        printf '%s\n' "$@" >"$tmp/build/meson-logs/testlog.json"
        counted "count_meson '$tmp/build' 'tests (release)'"
}

# expect_failed_run WHAT TOTALS LINE: WHAT made the run fail, and its
# output has the TOTALS and LINE.
expect_failed_run() {
        [ "$rc" -ne 0 ] || fail "$1 did not fail the run"
        expect_contains "$out" "$2" "$1: totals"
        expect_contains "$out" "$3" "$1"
}

ok_line=$(testlog "lanparty:unit / log" OK "")
skip_line=$(testlog "lanparty:netns / tap-linux" SKIP $'starting\nSKIP: needs root for network namespaces\n')
fail_line=$(testlog "lanparty:unit / control" FAIL "")

echo "== every test passed"
run_count "$ok_line" "$(testlog "lanparty:unit / control" OK "")"
[ "$rc" -eq 0 ] || fail "a log of passes failed the run"
expect_contains "$out" "2 passed, 0 skipped, 0 failed" "totals"

echo "== a required test was skipped"
run_count "$ok_line" "$skip_line"
expect_failed_run "a skipped test" "1 passed, 1 skipped, 0 failed" \
        "FAILED: tests (release): lanparty:netns / tap-linux skipped, but CI must run it: SKIP: needs root for network namespaces"

echo "== a test failed"
run_count "$ok_line" "$fail_line"
expect_failed_run "a failed test" "1 passed, 0 skipped, 1 failed" "FAILED: tests (release): lanparty:unit / control FAIL"

echo "== no test log"
counted "count_meson '$tmp/nothing' 'tests (release)'"
expect_failed_run "a missing test log" "0 passed, 0 skipped, 1 failed" "FAILED: tests (release): no test log"

echo "== a step that skipped (exit 77)"
counted 'record 0 build' 'record 77 "the packages under systemd"'
expect_failed_run "a skipped step" "1 passed, 1 skipped, 0 failed" \
        "FAILED: the packages under systemd: skipped, but CI must run it"

echo "== tools/test.sh ends with the summary, its exit status"
expect_eq "$(grep -v '^[[:space:]]*$' "$srcdir/tools/test.sh" | tail -n 1)" "summary" "the last command of tools/test.sh"

echo "OK"
