#!/usr/bin/env bash
# One benchmark run, taken only when the machine is quiet enough:
#   loadtest/bench-run.sh OUT_DIR NAME [loadtest arguments...]
# waits (at most WAIT_MAX seconds, default 900) until the machine was at least MIN_IDLE % idle
# (default 85) over 5 s, then runs target/release/loadtest with --json OUT_DIR/NAME.json and keeps
# its summary and progress in OUT_DIR/NAME.txt, headed by the idle share and the commit.
set -euo pipefail
out=$1 name=$2
shift 2
min_idle=${MIN_IDLE:-85}
wait_max=${WAIT_MAX:-900}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"

busy_idle() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat; }
idle=0
waited=0
while :; do
    read -r b0 i0 < <(busy_idle)
    sleep 5
    read -r b1 i1 < <(busy_idle)
    idle=$(( 100 * (i1 - i0) / ((b1 - b0) + (i1 - i0) + 1) ))
    waited=$((waited + 5))
    if (( idle >= min_idle )); then break; fi
    if (( waited >= wait_max )); then
        echo "bench-run: machine still busy (idle ${idle} %) after ${waited} s; running anyway" >&2
        break
    fi
done
commit=$(git -C "$here" rev-parse --short HEAD)
{
    echo "### $name (idle ${idle}%, loadtest at $commit, waited ${waited} s)"
    echo "\$ loadtest $*"
} > "$out/$name.txt"
set +e
"$here/target/release/loadtest" "$@" --json "$out/$name.json" >> "$out/$name.txt" 2>&1
rc=$?
set -e
tail -n 40 "$out/$name.txt"
exit $rc
