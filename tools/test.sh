#!/usr/bin/env bash
# Runs every lanparty test: the unit, integration and end-to-end tests of a
# -Werror build, a -Werror build with its unit and integration tests on
# Debian 13 (ngtcp2 1.x, gcc 14) in a debootstrap root, the Debian packages
# for Debian 12 and for Debian 13 (built, lintian, installed in a container
# with systemd as PID 1 on that release), a `meson install` with the
# default prefix in such a container, the unit tests again under
# ASan+UBSan and valgrind, each libFuzzer target for a bounded time, and
# the Windows client cross-built with its tests under wine.
# Installs the Debian packages it needs first (as root), so every test
# must run: a skipped one (missing root or a dependency) fails the run.
#
# Usage: tools/test.sh [--quick] [--no-windows] [--no-trixie]
#   --quick        skip the Debian packages, meson install under systemd,
#                  sanitizer, valgrind and fuzzing passes
#   --no-windows   skip the Windows client (cross build, tests under wine)
#   --no-trixie    skip Debian 13 (tools/build-trixie.sh: --test, and
#                  --debs with --test-debs for the packages)
# Environment:
#   FUZZ_SECONDS   seconds per fuzz target (default 60)
#   FUZZ_JOBS      fuzz targets run at a time (default 2, 1 on one core)
#   BUILD_ROOT     where build directories go (default ./build-test)
#   LANPARTY_CACHE_DIR  cache for slow builds (the Windows dependencies,
#                  the Debian 13 root; default ~/.cache/lanparty)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

quick=0
windows=1
trixie=1
for a in "$@"; do
        case "$a" in
                --quick) quick=1 ;;
                --no-windows) windows=0 ;;
                --no-trixie) trixie=0 ;;
                -h|--help) sed -n '2,24s/^# \{0,1\}//p' "$0"; exit 0 ;;
                *) echo "test.sh: unknown argument '$a'" >&2; exit 2 ;;
        esac
done

fuzz_seconds=${FUZZ_SECONDS:-60}
fuzz_jobs=${FUZZ_JOBS:-$(($(nproc) >= 2 ? 2 : 1))}
[[ "$fuzz_jobs" =~ ^[1-9][0-9]{0,2}$ ]] || { echo "test.sh: FUZZ_JOBS must be a number from 1 to 999" >&2; exit 2; }
build_root=${BUILD_ROOT:-$top/build-test}

step() { printf '\n==> %s\n' "$*"; }

# The totals, count_meson, record and summary; every test is one CI must
# run, so a skip fails the run too (see there).
source "$top/tools/test-results.sh"

# Builds Debian packages with BUILD DIR and, if that worked, tests them
# under systemd as PID 1 with TEST DIR; records both (a skip, 77, as one).
debs_step() { # "BUILD command", "TEST command", package dir
        local start=$SECONDS
        # shellcheck disable=SC2086 # the commands are split into words
        if $1 "$3"; then
                record 0 "$1"
                $2 "$3"
                record $? "the packages under systemd ($2)"
        else
                record 1 "$1"
        fi
        echo "packages and their test: $((SECONDS - start)) s"
}

setup_build() { # dir, extra meson args...
        local dir=$1; shift
        if [ -f "$dir/meson-private/coredata.dat" ]; then
                meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1
        else
                rm -rf "$dir"
                meson setup "$dir" "$@" >"$dir.setup.log" 2>&1
        fi || { cat "$dir.setup.log"; return 1; }
        echo "building $dir"
        ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -n 60 "$dir.build.log"; return 1; }
}

step "dependencies"
tools/install-deps.sh all || { echo "test.sh: cannot install dependencies" >&2; exit 1; }
mkdir -p "$build_root"

step "build with -Wall -Wextra -Werror and run all tests"
if setup_build "$build_root/release" -Dwerror=true; then
        meson test -C "$build_root/release" --print-errorlogs
        count_meson "$build_root/release" "tests (release)"
else
        record 1 "build (release)"
fi

if [ "$trixie" -eq 1 ]; then
        step "Debian 13 (ngtcp2 1.x, gcc 14): -Werror build, unit and integration tests in a debootstrap root"
        # A log from an earlier run must not count for this one.
        rm -f "$build_root/trixie/meson-logs/testlog.json"
        # Not --quick: also its meson install (prefix /usr/local) booted
        # under its systemd 257, as tests/systemd does on Debian 12.
        meson_install_test=()
        [ "$quick" -eq 1 ] || meson_install_test=(--test-meson-install)
        if tools/build-trixie.sh --test "${meson_install_test[@]}" --build-dir "$build_root/trixie"; then
                count_meson "$build_root/trixie" "tests (Debian 13)"
        else
                count_meson "$build_root/trixie" "tests (Debian 13)"
                record 1 "tools/build-trixie.sh --test ${meson_install_test[*]}"
        fi
fi

if [ "$quick" -eq 0 ]; then
        step "Debian packages: build, lintian, and a test under systemd as PID 1"
        # The packages from a scratch copy of this checkout, then booted
        # in a container on an overlay of this machine's / (tests/systemd/).
        debs_step tools/build-debs.sh "bash tests/systemd/test-debs-in-container.sh" "$build_root/debs"

        step "meson install (default prefix /usr/local) under systemd as PID 1"
        # README's "Building by hand" on a machine: the release build
        # installed over the container's /, then the steps README lists.
        start=$SECONDS
        bash tests/systemd/test-debs-in-container.sh --meson-install "$build_root/release"
        record $? "meson install under systemd (tests/systemd/test-debs-in-container.sh --meson-install)"
        echo "meson install and its test: $((SECONDS - start)) s"

        if [ "$trixie" -eq 1 ]; then
                step "Debian 13 packages: built in the debootstrap root, lintian, a test under its systemd 257 as PID 1"
                # The same on Debian 13: built under chroot in the root, the
                # container booted on an overlay of it.
                debs_step "tools/build-trixie.sh --debs" "tools/build-trixie.sh --test-debs" "$build_root/debs-trixie"
        fi

        step "unit tests under ASan+UBSan"
        if setup_build "$build_root/asan" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false; then
                ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                        meson test -C "$build_root/asan" --suite unit --print-errorlogs
                count_meson "$build_root/asan" "unit tests (asan)"
        else
                record 1 "build (asan)"
        fi

        step "unit tests under valgrind"
        meson test -C "$build_root/release" --suite unit --setup valgrind --print-errorlogs
        count_meson "$build_root/release" "unit tests (valgrind)" testlog-valgrind

        step "fuzz targets, ${fuzz_seconds}s each, ${fuzz_jobs} at a time"
        # fuzz_start TARGET: runs it in the background ($! is its PID) on
        # its own corpus plus the checked-in seeds, read, never written.
        fuzz_start() {
                local name corpus seeds=()
                name=$(basename "$1")
                corpus="$build_root/fuzz/corpus-$name"
                mkdir -p "$corpus"
                [ -d "$top/tests/fuzz/seeds/${name#fuzz-}" ] && seeds=("$top/tests/fuzz/seeds/${name#fuzz-}")
                (cd "$build_root/fuzz" && "$1" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
                        -print_final_stats=1 "$corpus" "${seeds[@]}" >"$name.log" 2>&1) &
        }
        # fuzz_report NAME STATUS: its statistics, its log's end if it failed.
        fuzz_report() {
                echo "--- $1"
                grep -E 'stat::number_of_executed_units|stat::new_units_added' "$build_root/fuzz/$1.log" | tr '\n' ' '
                echo
                [ "$2" -eq 0 ] || tail -40 "$build_root/fuzz/$1.log"
                record "$2" "fuzz: $1 (see $build_root/fuzz/$1.log)"
        }
        if CC=clang setup_build "$build_root/fuzz" -Dfuzz=true; then
                mapfile -t fuzzers < <(find "$build_root/fuzz/tests/fuzz" -maxdepth 1 -type f -name 'fuzz-*' -perm -u+x | sort)
                [ ${#fuzzers[@]} -gt 0 ] || record 1 "fuzz: no targets built"
                # Each target is one process on one core: two at a time
                # (FUZZ_JOBS) give each the same fuzzing time in half the
                # wall time on CI's two cores.
                for ((i = 0; i < ${#fuzzers[@]}; i += fuzz_jobs)); do
                        batch=("${fuzzers[@]:i:fuzz_jobs}")
                        pids=()
                        for f in "${batch[@]}"; do
                                fuzz_start "$f"
                                pids+=("$!")
                        done
                        for j in "${!batch[@]}"; do
                                wait "${pids[j]}"
                                rc=$?
                                fuzz_report "$(basename "${batch[j]}")" "$rc"
                        done
                done
        else
                record 1 "build (fuzz)"
        fi
fi

if [ "$windows" -eq 1 ]; then
        step "Windows client: cross build, client.exe, installer, tests under wine"
        if LANPARTY_WIN_BUILD_DIR="$build_root/windows" tools/build-windows.sh --test; then
                count_meson "$build_root/windows/win" "windows tests (wine)"
        else
                count_meson "$build_root/windows/win" "windows tests (wine)"
                record 1 "tools/build-windows.sh --test"
        fi
fi

summary
