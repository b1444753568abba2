#!/usr/bin/env bash
# Samples the resident set of the `punctual controller` and `punctual sim` children of a running
# `punctual-bench` (e.g. `steady`) every two seconds, until the benchmark exits.
#
#   hack/sample-rss.sh <punctual-bench pid> <output file>
#
# Each line: seconds since the start, `ctl` or `sim`, VmRSS and VmHWM (MiB), threads, and the
# anonymous and file-backed parts of the resident set (RssAnon, RssFile; MiB). It shows whether
# a peak comes from start-up (the initial lists) or from the cache growing, and how much of the
# resident set is code and shared libraries rather than heap.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 <punctual-bench pid> <output file>" >&2
    exit 2
fi
bench=$1
out=$2
: >"$out"
start=$(date +%s)

field() { awk -v key="$1:" '$1 == key { print int($2 / 1024) }' "/proc/$2/status" 2>/dev/null || true; }

while kill -0 "$bench" 2>/dev/null; do
    for pid in $(pgrep -P "$bench" || true); do
        command=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
        case "$command" in
        *punctual\ controller*) tag=ctl ;;
        *punctual\ sim*) tag=sim ;;
        *) continue ;;
        esac
        threads=$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        echo "$(($(date +%s) - start)) $tag rss=$(field VmRSS "$pid") hwm=$(field VmHWM "$pid")" \
            "threads=$threads anon=$(field RssAnon "$pid") file=$(field RssFile "$pid")" >>"$out"
    done
    sleep 2
done
