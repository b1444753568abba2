#!/usr/bin/env bash
# Runs hack/e2e.sh against `punctual sim` (no cluster needed): starts the simulator with its Job/Pod
# runtime on a free loopback port, writes a kubeconfig for it, and runs the e2e check with the
# controller running locally (the simulator has no kubelet to run the controller image).
#
# Both the simulator and the controller run on the same accelerated clock (--speed with one
# --clock-anchor), so the example's minutely schedule fires every few real seconds.
#
# Requirements: kubectl. Environment: PUNCTUAL_BIN (default .build/debug/punctual; built when
# missing), E2E_CLOCK_SPEED (default 20: a virtual minute every 3 s), E2E_TIMEOUT (default 60 s).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
hack::init

hack::require_command kubectl "install kubectl v1.32 or later"
hack::punctual_binary

SPEED="${E2E_CLOCK_SPEED:-20}"
ANCHOR="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
SIM_LOG="$HACK_TMP/sim.log"
hack::start_background "$SIM_LOG" 600 "$PUNCTUAL_BIN" sim --host 127.0.0.1 --port 0 \
    --speed "$SPEED" --clock-anchor "$ANCHOR"
SIM_URL="$(hack::wait_for_pattern "$SIM_LOG" 'http://127\.0\.0\.1:[0-9]+' 30)" \
    || { cat "$SIM_LOG" >&2; hack::fail "punctual sim did not print its URL within 30 s"; }
hack::log "punctual sim listens on $SIM_URL (speed $SPEED from $ANCHOR)"

export KUBECONFIG="$HACK_TMP/kubeconfig"
hack::write_kubeconfig "$KUBECONFIG" "$SIM_URL"

E2E_LOCAL_CONTROLLER=1 E2E_CLOCK_SPEED="$SPEED" E2E_CLOCK_ANCHOR="$ANCHOR" E2E_TIMEOUT="${E2E_TIMEOUT:-60}" \
    PUNCTUAL_BIN="$PUNCTUAL_BIN" KUBECACHEDIR="$HACK_TMP/kube-cache" hack/e2e.sh
