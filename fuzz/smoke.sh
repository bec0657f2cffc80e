#!/usr/bin/env bash
# CI smoke run of every fuzz target: builds them all, then runs each for SMOKE_SECONDS
# (default 15) from its committed seeds. Exits non-zero on any crash, build failure or
# libFuzzer error, and prints where the crashing input is and how to reproduce it.
#
# Measured on the 2-core CI machine, building the fuzz crate from scratch: see
# docs/fuzzing.md ("The CI smoke run").
set -euo pipefail

cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1 # cargo-fuzz passes -Z flags; the toolchain is stable
seconds=${SMOKE_SECONDS:-15}
sanitizer=${FUZZ_SANITIZER:-address}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "smoke: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

targets=$(cargo fuzz list)
echo "smoke: building $(echo $targets | wc -w) targets (sanitizer: $sanitizer)" >&2
cargo fuzz build --sanitizer "$sanitizer"

work=$(mktemp -d "${TMPDIR:-/tmp}/rem-fuzz-smoke.XXXXXX")
failed=()
for target in $targets; do
    mkdir -p "$work/corpus/$target" "artifacts/$target"
    echo "smoke: $target for ${seconds}s" >&2
    # New inputs go to the first folder (a scratch one); the seeds and the inputs of earlier
    # findings (fuzz/regressions/) are only read, so each finding is replayed every run.
    inputs=("seeds/$target")
    if [ -d "regressions/$target" ]; then inputs+=("regressions/$target"); fi
    if ! cargo fuzz run --sanitizer "$sanitizer" "$target" "$work/corpus/$target" "${inputs[@]}" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=16384 -timeout=10 \
        -artifact_prefix="artifacts/$target/" >"$work/$target.log" 2>&1; then
        failed+=("$target")
        tail -n 60 "$work/$target.log" >&2
        crash=$(ls -t "artifacts/$target/" 2>/dev/null | head -n 1)
        if [ -n "$crash" ]; then
            echo "smoke: $target FAILED; the input is fuzz/artifacts/$target/$crash" >&2
            echo "smoke: reproduce with: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run $target artifacts/$target/$crash" >&2
        else
            echo "smoke: $target FAILED without a crash file; its log is $work/$target.log" >&2
        fi
    else
        grep -E '^(#[0-9]+ +DONE|Done )' "$work/$target.log" | tail -n 2 >&2 || true
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "smoke: failed: ${failed[*]}" >&2
    exit 1
fi
rm -rf "$work"
echo "smoke: all targets ran ${seconds}s without a crash" >&2
