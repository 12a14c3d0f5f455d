#!/usr/bin/env bash
# Usage: fuzz/run.sh TARGET CPU_SECONDS [libFuzzer options...]
#
# Fuzzes TARGET until it has used CPU_SECONDS of CPU time (not wall time: on a shared machine
# the two differ), at the lowest priority. A crash is kept in fuzz/artifacts/TARGET/ and the
# fuzzer starts again. Each run's CPU seconds and outcome are appended to fuzz/runs.log.
# Build first: cargo +nightly fuzz build -O -a -s none
set -uo pipefail
cd "$(dirname "$0")"
target=$1 budget=$2
shift 2
bin=target/x86_64-unknown-linux-gnu/release/$target
[ -x "$bin" ] || { echo "build first: cargo +nightly fuzz build -O -a -s none" >&2; exit 2; }
mkdir -p "corpus/$target" "artifacts/$target"
ticks=$(getconf CLK_TCK)
used=0
cpu_of() { # utime + stime of a live process, in ticks
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
while [ "$used" -lt "$budget" ]; do
    nice -n 19 "$bin" "corpus/$target" -dict=kql.dict -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1 "$@" \
        >> "artifacts/$target.log" 2>&1 &
    pid=$!
    last=0
    while kill -0 "$pid" 2>/dev/null; do
        sleep 5
        now=$(cpu_of "$pid")
        [ "$now" -gt 0 ] && last=$now
        if [ $((used + last / ticks)) -ge "$budget" ]; then
            kill -INT "$pid" 2>/dev/null
        fi
    done
    wait "$pid"
    status=$?
    used=$((used + last / ticks))
    echo "$(date -u +%FT%TZ) $target status=$status cpu_seconds=$((last / ticks)) total=$used" >> runs.log
    if [ "$status" -ne 0 ] && [ "$status" -ne 130 ] && [ "$status" -ne 72 ]; then
        sleep 1 # a crash (kept in artifacts/): go on
    fi
done
