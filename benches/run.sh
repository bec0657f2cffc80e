#!/usr/bin/env bash
# Whole-process benchmarks of issue 12 (BENCHMARKS.md): `rem eval` on a generated feed of
# N bookings (default 1,000,000; `benches/run.sh 10000000` for ten million), beside the
# hand-written baseline (benches/baseline.rs) on the same feed, and the checker's times.
# Prints one line a run: what ran, bookings a second, wall and CPU seconds, peak memory.
#
# Needs GNU time (/usr/bin/time, Debian package `time`). Files go to $REM_BENCH_DIR
# (default: a folder under /tmp), outputs to real files, as an operator writes them.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-1000000}"
DIR="${REM_BENCH_DIR:-/tmp/rem-bench}"
NOW="2026-03-24T12:00:00+01:00"
POLICIES=(policies/vas-vardcentral.rem policies/jonkoping-kf.rem)
mkdir -p "$DIR"

if [ ! -x /usr/bin/time ]; then
    echo "benches/run.sh needs GNU time: apt-get install time" >&2
    exit 2
fi

cargo build --release --locked --quiet
cargo bench --locked --bench baseline --no-run --quiet 2> /dev/null || cargo bench --locked --bench baseline --no-run
BASELINE=$(ls -t target/release/deps/baseline-* | grep -v '\.d$' | head -n 1)
REM=target/release/rem

if [ ! -s "$DIR/bookings-$N.csv" ]; then
    "$REM" gen "${POLICIES[@]}" -n "$N" --now "$NOW" -o "$DIR/bookings-$N.csv" --events "$DIR/events-$N.jsonl"
    "$REM" gen "${POLICIES[@]}" -n "$N" --now "$NOW" --format jsonl -o "$DIR/bookings-$N.jsonl"
fi
CSV="$DIR/bookings-$N.csv"
JSONL="$DIR/bookings-$N.jsonl"
EVENTS="$DIR/events-$N.jsonl"

# measure NAME COMMAND...: runs it once, prints the line.
measure() {
    local name="$1"
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$DIR/time" "$@" > /dev/null 2> "$DIR/stderr" || {
        local status=$?
        if [ "$status" -ne 3 ]; then
            cat "$DIR/stderr" >&2
            exit "$status"
        fi
    }
    read -r wall user sys peak < "$DIR/time"
    awk -v name="$name" -v n="$N" -v wall="$wall" -v user="$user" -v sys="$sys" -v peak="$peak" \
        'BEGIN { printf "%-58s %10.0f bookings/s  %6.2f s wall  %6.2f s cpu  %6.0f MB\n", name, n / wall, wall, user + sys, peak / 1024 }'
}

echo "$N bookings ($(du -h "$CSV" | cut -f1) of CSV), $(wc -l < "$EVENTS") events, $(nproc) cores"
EVAL=("$REM" eval "${POLICIES[@]}" --now "$NOW" -o "$DIR/out.jsonl" --rejects "$DIR/rejects.csv")
measure "rem eval, CSV, events, 1 thread" "${EVAL[@]}" --feed "$CSV" --events "$EVENTS" --threads 1
measure "rem eval, CSV, events, every core" "${EVAL[@]}" --feed "$CSV" --events "$EVENTS"
measure "rem eval, CSV, no events, 1 thread" "${EVAL[@]}" --feed "$CSV" --threads 1
measure "rem eval, JSON Lines, events, 1 thread" "${EVAL[@]}" --feed "$JSONL" --events "$EVENTS" --threads 1
measure "rem eval --mode due, CSV, events, 1 thread" "${EVAL[@]}" --feed "$CSV" --events "$EVENTS" --threads 1 --mode due --since 2026-03-24T11:00:00+01:00
measure "baseline (benches/baseline.rs), CSV, events" "$BASELINE" "$CSV" "$EVENTS" "$NOW" "$DIR/baseline.jsonl"

# The checker: every shipped policy, a generated policy file of 10,000 lines, the tests.
POLICY="$DIR/ten-thousand-lines.rem"
if [ ! -s "$POLICY" ]; then
    for i in $(seq 1 834); do
        printf 'policy "P%d" {\n    timezone "Europe/Stockholm"\n    clinic "Klinik %d"\n    window 08:00..20:00 mon, tue, wed, thu, fri\n    exclude "snabbokad" when booking.source == quick_book\n    reminder "R%d" {\n        send 2 days before at 10:00\n        via sms\n        to patient\n        text "Påminnelse: {booking.date} kl {booking.time}."\n    }\n}\n' "$i" "$i" "$i"
    done > "$POLICY"
fi
seconds() {
    /usr/bin/time -f "%e" -o "$DIR/time" "$@" > /dev/null 2>&1 || true
    cat "$DIR/time"
}
echo "rem check policies/: $(seconds "$REM" check policies/) s"
echo "rem compile of $(wc -l < "$POLICY") lines: $(seconds "$REM" compile "$POLICY" -o "$DIR/plan.json") s"
echo "rem test policies/: $(seconds "$REM" test policies/) s"
