#!/usr/bin/env bash
# Runs one fuzz target for a given time: fuzz/run.sh TARGET SECONDS [extra libFuzzer flags]
#
# The committed seeds (fuzz/seeds/TARGET/) are copied into the working corpus
# (fuzz/corpus/TARGET/, not committed), which libFuzzer then grows. A crash stops the run and is
# saved under fuzz/artifacts/TARGET/; the exit status is then non-zero.
#
# cargo-fuzz passes nightly-only flags (-Z sanitizer=address, ...) to rustc. The machine has the
# stable toolchain only, so RUSTC_BOOTSTRAP=1 lets stable accept them; AddressSanitizer works
# with it (see docs/fuzzing.md). Set FUZZ_SANITIZER=none to build without it.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: fuzz/run.sh TARGET SECONDS [libFuzzer flags...]" >&2
    exit 2
fi
target=$1
seconds=$2
shift 2

cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1

# Inputs longer than this add nothing a shorter one cannot reach, and slow the fuzzer down;
# the FHIR bundles and engine feeds need a few rows' worth.
case $target in
    feed_fhir) max_len=65536 ;;
    engine | feed_csv | feed_jsonl | events) max_len=16384 ;;
    *) max_len=8192 ;;
esac

mkdir -p "corpus/$target" "artifacts/$target"
cp -n "seeds/$target/"* "corpus/$target/" 2>/dev/null || true

exec cargo fuzz run --sanitizer "${FUZZ_SANITIZER:-address}" "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$max_len" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="artifacts/$target/" "$@"
