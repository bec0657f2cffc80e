#!/bin/sh
# Checks that the Node.js host prints what `rem eval` prints, byte for byte, for the example
# feeds: the policies of policies/ built into a module, run by run.mjs, against rem's engine.
#
#     examples/wasm-node/check.sh path/to/rem
#
# Exits 0 when the actions are identical (and both programs finish alike), 1 when they differ
# (the difference is shown), 2 when the check cannot run. Needs Node.js 18 or later (`node` on
# PATH, or NODE=/path/to/node).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 path/to/rem" >&2
    exit 2
fi
case $1 in
    /*) rem=$1 ;;
    *) rem=$(pwd)/$1 ;;
esac
node=${NODE:-node}
now=2026-03-25T12:00:00+01:00

# Paths below are the repository's, as in the README.
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! "$rem" build --target wasm policies/ -o "$work/plan.wasm" 2>"$work/build.err"; then
    cat "$work/build.err" >&2
    echo "check: rem build failed" >&2
    exit 2
fi

# The rejects file goes to the scratch folder, not beside the feed.
rem_status=0
"$rem" eval policies/ --feed examples/bookings.jsonl --events examples/events.jsonl \
    --now "$now" --rejects "$work/rejects.csv" >"$work/rem.jsonl" 2>"$work/rem.err" ||
    rem_status=$?
node_status=0
"$node" examples/wasm-node/run.mjs "$work/plan.wasm" examples/bookings.jsonl \
    examples/events.jsonl --now "$now" >"$work/node.jsonl" 2>"$work/node.err" ||
    node_status=$?

# 0 is done; 3 is done with rows rejected (rem) or skipped (the host). Anything else is a
# failure, whatever the outputs (two empty outputs are no evidence).
for run in "rem:$rem_status" "node:$node_status"; do
    case ${run#*:} in
        0 | 3) ;;
        *)
            echo "check: ${run%%:*} failed with status ${run#*:}:" >&2
            cat "$work/${run%%:*}.err" >&2
            exit 2
            ;;
    esac
done

if ! cmp -s "$work/rem.jsonl" "$work/node.jsonl"; then
    echo "check: the Node.js host's actions differ from rem eval's (- rem eval, + node):" >&2
    diff -u "$work/rem.jsonl" "$work/node.jsonl" >&2 || true
    cat "$work/node.err" >&2
    exit 1
fi
if [ "$rem_status" -ne "$node_status" ]; then
    echo "check: same actions, but rem eval exited $rem_status and the host $node_status:" >&2
    cat "$work/node.err" >&2
    exit 1
fi
echo "check: $(wc -l <"$work/rem.jsonl" | tr -d ' ') actions, identical to rem eval's"
