#!/usr/bin/env bash
# Short fuzzing run for CI: builds every cargo-fuzz target of prover/fuzz and runs each for
# a bounded time on stable Rust (no sanitizer: `--sanitizer none` needs no nightly flags).
# Exits non-zero if any target crashes (panic, failed property, timeout, out of memory);
# the reproducer is left in prover/fuzz/artifacts/<target>/.
#
# Environment:
#   LAMINA_FUZZ_SECONDS  seconds per target (default 45)
#   LAMINA_FUZZ_TARGETS  space-separated targets (default: all, from `cargo fuzz list`)
#   LAMINA_FUZZ_STATS    passed to the targets (default `exit`: the structured targets
#                        print where the verifier rejected when they exit; a number N
#                        prints every N runs too)
#
# prover/fuzz is its own workspace (excluded from the root one). Its Cargo.lock is not
# checked in (see .gitignore); when missing it is seeded from the root lockfile, so the
# shared dependencies resolve to the versions the workspace tests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

seconds="${LAMINA_FUZZ_SECONDS:-45}"
export LAMINA_FUZZ_STATS="${LAMINA_FUZZ_STATS:-exit}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz (about 2 minutes)"
    cargo install cargo-fuzz --locked
fi

if [[ ! -f Cargo.lock && -f ../../Cargo.lock ]]; then
    cp ../../Cargo.lock Cargo.lock
fi

# -a: debug assertions and overflow checks, so an arithmetic overflow is a crash.
flags=(--sanitizer none -a)

echo "== building"
start=$SECONDS
cargo fuzz build "${flags[@]}"
echo "   built in $((SECONDS - start)) s"

if [[ -n "${LAMINA_FUZZ_TARGETS:-}" ]]; then
    read -r -a targets <<<"$LAMINA_FUZZ_TARGETS"
else
    mapfile -t targets < <(cargo fuzz list)
fi

logs="$(mktemp -d)"
failed=()
summary=()
for t in "${targets[@]}"; do
    echo "== $t (${seconds} s)"
    log="$logs/$t.log"
    rc=0
    cargo fuzz run "${flags[@]}" "$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 \
        -print_final_stats=1 >"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
    grep -E "^\[$t\]" "$log" | tail -n1 || true
    if [[ $rc -ne 0 ]]; then
        echo "!! $t FAILED (exit $rc); last lines of its log:"
        tail -n 60 "$log"
        failed+=("$t")
        summary+=("$t: FAILED after ${runs:-?} executions")
    else
        summary+=("$t: ${runs:-?} executions, ${rate:-?}/s")
    fi
done

echo "== summary"
printf '   %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzzing failed: ${failed[*]} (reproducers in $here/artifacts/, logs in $logs)"
    exit 1
fi
rm -rf "$logs"
