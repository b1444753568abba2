#!/usr/bin/env bash
# Helpers shared by the scripts in hack/: strict mode, the repository root as working directory,
# a timeout on every external process, loopback-only servers, and cleanup on exit.
#
# Usage (first lines of a script):
#   source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#   hack::init            # strict mode, cd to the repo root, temp dir, EXIT trap
set -euo pipefail

# The repository root, whatever directory the script was started from.
HACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Default limit for one external command, in seconds.
HACK_TIMEOUT="${HACK_TIMEOUT:-60}"
# Commands run (in reverse order) when the script exits, however it exits.
HACK_CLEANUPS=()
# Background processes started with hack::start_background, stopped on exit.
HACK_PIDS=()

hack::init() {
    cd "$HACK_ROOT"
    HACK_TMP="$(mktemp -d "${TMPDIR:-/tmp}/punctual-hack.XXXXXX")"
    export HACK_TMP
    trap hack::cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

hack::log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Prints an error and exits non-zero; the EXIT trap still cleans up.
hack::fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# hack::require_command NAME HINT: fails with HINT when NAME is not on PATH.
hack::require_command() {
    command -v "$1" >/dev/null 2>&1 || hack::fail "$1 is required but was not found on PATH: $2"
}

# hack::run [SECONDS] -- CMD...: runs CMD with a timeout (default HACK_TIMEOUT), killing it hard
# 5 seconds after the polite signal.
hack::run() {
    local seconds="$HACK_TIMEOUT"
    if [[ "$1" != "--" ]]; then
        seconds="$1"
        shift
    fi
    [[ "$1" == "--" ]] && shift
    timeout --kill-after=5 "$seconds" "$@"
}

# hack::add_cleanup CMD...: registers a command to run on exit.
hack::add_cleanup() { HACK_CLEANUPS+=("$*"); }

# hack::start_background LOGFILE SECONDS CMD...: starts CMD in the background under a timeout,
# output to LOGFILE; sets HACK_LAST_PID. The process is stopped on exit.
hack::start_background() {
    local logfile="$1" seconds="$2"
    shift 2
    timeout --kill-after=5 "$seconds" "$@" >"$logfile" 2>&1 &
    HACK_LAST_PID=$!
    HACK_PIDS+=("$HACK_LAST_PID")
}

# hack::wait_for_pattern FILE REGEX SECONDS: waits until FILE has a match of REGEX (extended
# grep), prints the first match; fails after SECONDS.
hack::wait_for_pattern() {
    local file="$1" pattern="$2" seconds="$3" waited=0 match
    while ((waited < seconds * 10)); do
        if match="$(grep -Eo "$pattern" "$file" 2>/dev/null | head -n 1)" && [[ -n "$match" ]]; then
            printf '%s\n' "$match"
            return 0
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    return 1
}

# hack::eventually SECONDS CMD...: retries CMD (its own timeouts apply) every 0.2 s until it
# succeeds; returns 1 if it never does within SECONDS.
hack::eventually() {
    local seconds="$1" tries=0
    shift
    while ((tries < seconds * 5)); do
        "$@" && return 0
        sleep 0.2
        tries=$((tries + 1))
    done
    return 1
}

# hack::assert_contains HAYSTACK NEEDLE WHAT: fails with a message naming WHAT.
hack::assert_contains() {
    if [[ "$1" != *"$2"* ]]; then
        hack::fail "$3: expected to find '$2' in:"$'\n'"$1"
    fi
}

# hack::assert_equals ACTUAL EXPECTED WHAT
hack::assert_equals() {
    if [[ "$1" != "$2" ]]; then
        hack::fail "$3: expected '$2', got '$1'"
    fi
}

# hack::make_tls DIR: writes a throw-away CA (DIR/ca.crt) and a server certificate for 127.0.0.1
# signed by it (DIR/server.crt, DIR/server.key). Clients such as kubectl send bearer tokens only
# over HTTPS, so servers that check tokens need one.
hack::make_tls() {
    local dir="$1"
    mkdir -p "$dir"
    hack::run 30 -- openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=punctual-hack-ca" \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1 || hack::fail "openssl could not create a CA"
    hack::run 30 -- openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1 \
        || hack::fail "openssl could not create a certificate request"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext"
    hack::run 30 -- openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 1 -extfile "$dir/server.ext" -out "$dir/server.crt" >/dev/null 2>&1 \
        || hack::fail "openssl could not sign the server certificate"
}

# hack::random_token: 32 hex characters.
hack::random_token() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# hack::stop_process PID: stops a process started by hack::start_background (a `timeout` wrapper)
# and its child. The child is signalled directly: a parent that blocks SIGTERM (some test runners
# do) passes that mask on, and `timeout` would then never relay the signal. A process still
# running 5 s after SIGTERM gets SIGKILL.
hack::stop_process() {
    local pid="$1" waited=0
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((waited < 50)); do
        sleep 0.1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        hack::log "process $pid did not stop within 5 s of SIGTERM; killing it"
        pkill -KILL -P "$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# hack::punctual_binary: sets PUNCTUAL_BIN (default .build/debug/punctual), building it when missing.
hack::punctual_binary() {
    PUNCTUAL_BIN="${PUNCTUAL_BIN:-.build/debug/punctual}"
    if [[ ! -x "$PUNCTUAL_BIN" ]]; then
        hack::log "building punctual ($PUNCTUAL_BIN is missing)"
        hack::run 1800 -- swift build --product punctual >&2
    fi
    [[ -x "$PUNCTUAL_BIN" ]] || hack::fail "no punctual binary at $PUNCTUAL_BIN"
}

# hack::write_kubeconfig FILE SERVER [TOKEN CA_FILE]: writes a kubeconfig with one context, "sim",
# for SERVER (namespace default), with a bearer token and a CA when given.
hack::write_kubeconfig() {
    local file="$1" server="$2" token="${3:-}" ca="${4:-}"
    {
        printf 'apiVersion: v1\nkind: Config\nclusters:\n  - name: sim\n    cluster:\n      server: %s\n' "$server"
        if [[ -n "$ca" ]]; then printf '      certificate-authority: %s\n' "$ca"; fi
        printf 'users:\n  - name: sim\n    user:'
        if [[ -n "$token" ]]; then printf '\n      token: %s\n' "$token"; else printf ' {}\n'; fi
        printf 'contexts:\n  - name: sim\n    context:\n      cluster: sim\n      user: sim\n      namespace: default\n'
        printf 'current-context: sim\n'
    } >"$file"
}

hack::cleanup() {
    local status=$?
    local pid index
    for pid in "${HACK_PIDS[@]:-}"; do
        [[ -n "$pid" ]] && hack::stop_process "$pid"
    done
    for ((index = ${#HACK_CLEANUPS[@]} - 1; index >= 0; index--)); do
        eval "${HACK_CLEANUPS[index]}" || true
    done
    [[ -n "${HACK_TMP:-}" && -d "$HACK_TMP" ]] && rm -rf "$HACK_TMP"
    exit "$status"
}
