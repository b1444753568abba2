#!/usr/bin/env bash
# Conformance of `punctual sim` with the real clients: kubectl and the official Python client.
#
# Starts `punctual sim` over HTTPS (a throw-away CA) on a free loopback port with a bearer token,
# writes a temporary kubeconfig, then checks with kubectl: a CRD with printer columns, short name and status
# subresource; custom objects through apply/get/patch (merge and JSON)/label/status; schema
# validation; cascading deletion of a dependent; Jobs run by the simulated runtime reaching
# Complete and Failed. Finally hack/conformance/watch_test.py checks watches with the Python
# client (ordered events, resume from a resourceVersion, 410 after compaction).
#
# Requirements: kubectl (v1.32 on the machine image), python3 with `pip install kubernetes`,
# openssl.
# Environment: PUNCTUAL_BIN (default .build/debug/punctual; built when missing).
# Exits non-zero with a FAIL: line naming the first check that failed.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
hack::init

hack::require_command kubectl "install kubectl v1.32 (the machine image has it)"
hack::require_command python3 "install Python 3"
hack::run 30 -- python3 -c 'import kubernetes' 2>/dev/null \
    || hack::fail "the Python kubernetes client is missing: pip install kubernetes"

hack::punctual_binary

# MARK: - Start the simulator

# HTTPS: kubectl sends a bearer token only over TLS.
hack::require_command openssl "install openssl (used for a throw-away CA)"
TOKEN="$(hack::random_token)"
hack::make_tls "$HACK_TMP/tls"
SIM_LOG="$HACK_TMP/sim.log"
hack::start_background "$SIM_LOG" 600 "$PUNCTUAL_BIN" sim --host 127.0.0.1 --port 0 --token "$TOKEN" \
    --tls-cert "$HACK_TMP/tls/server.crt" --tls-key "$HACK_TMP/tls/server.key"
SIM_URL="$(hack::wait_for_pattern "$SIM_LOG" 'https://127\.0\.0\.1:[0-9]+' 30)" \
    || { cat "$SIM_LOG" >&2; hack::fail "punctual sim did not print its URL within 30 s"; }
hack::log "punctual sim listens on $SIM_URL"

export KUBECONFIG="$HACK_TMP/kubeconfig"
hack::write_kubeconfig "$KUBECONFIG" "$SIM_URL" "$TOKEN" "$HACK_TMP/tls/ca.crt"
# kubectl keeps a discovery cache per server; keep it inside the temporary directory.
export KUBECACHEDIR="$HACK_TMP/kube-cache"

k() { hack::run 40 -- kubectl --request-timeout=30s --cache-dir="$KUBECACHEDIR" "$@"; }

# MARK: - kubectl

hack::log "kubectl: server version and discovery"
version="$(k version -o json)" || hack::fail "kubectl version failed"
hack::assert_contains "$version" '"serverVersion"' "kubectl version reports the server"
resources="$(k api-resources -o name)" || hack::fail "kubectl api-resources failed"
hack::assert_contains "$resources" "jobs.batch" "discovery lists jobs"
hack::assert_contains "$resources" "leases.coordination.k8s.io" "discovery lists leases"

hack::log "kubectl: CRD"
k apply -f hack/conformance/widgets-crd.yaml >/dev/null || hack::fail "kubectl apply of the CRD failed"
k wait --for=condition=established --timeout=20s crd/widgets.conformance.punctual.dev >/dev/null \
    || hack::fail "the CRD did not become Established"
resources="$(k api-resources --api-group=conformance.punctual.dev)" || hack::fail "api-resources for the CRD failed"
hack::assert_contains "$resources" "wgt" "discovery shows the CRD's short name"

hack::log "kubectl: custom objects"
k apply -f hack/conformance/widgets.yaml >/dev/null || hack::fail "kubectl apply of widgets failed"
table="$(k get wgt)" || hack::fail "kubectl get wgt failed"
hack::assert_contains "$table" "SIZE" "printer column SIZE"
hack::assert_contains "$table" "COLOR" "printer column COLOR"
hack::assert_contains "$(grep '^alpha' <<<"$table")" "green" "alpha's row shows its color"
hack::assert_contains "$(grep '^beta' <<<"$table")" "red" "beta's row shows the defaulted color"
all="$(k get all)" || hack::fail "kubectl get all failed"
hack::assert_contains "$all" "widget.conformance.punctual.dev/alpha" "the 'all' category includes widgets"

yaml="$(k get wgt alpha -o yaml)" || hack::fail "kubectl get -o yaml failed"
hack::assert_contains "$yaml" "size: 3" "get -o yaml shows the spec"
hack::assert_contains "$yaml" "resourceVersion:" "get -o yaml shows the resourceVersion"
hack::assert_contains "$yaml" "uid:" "get -o yaml shows the uid"

k apply -f hack/conformance/widgets.yaml >/dev/null || hack::fail "re-applying unchanged widgets failed"

k patch wgt alpha --type merge -p '{"spec":{"size":5}}' >/dev/null || hack::fail "merge patch failed"
hack::assert_equals "$(k get wgt alpha -o jsonpath='{.spec.size}')" "5" "merge patch sets spec.size"
k patch wgt alpha --type json -p '[{"op":"replace","path":"/spec/color","value":"blue"}]' >/dev/null \
    || hack::fail "JSON patch failed"
hack::assert_equals "$(k get wgt alpha -o jsonpath='{.spec.color}')" "blue" "JSON patch sets spec.color"
hack::assert_equals "$(k get wgt alpha -o jsonpath='{.metadata.generation}')" "3" \
    "generation counts the two spec changes"

k patch wgt alpha --subresource=status --type merge -p '{"status":{"phase":"Ready"}}' >/dev/null \
    || hack::fail "status subresource patch failed"
hack::assert_equals "$(k get wgt alpha -o jsonpath='{.status.phase}')" "Ready" "status patch sets the phase"
k patch wgt alpha --type merge -p '{"status":{"phase":"Ignored"}}' >/dev/null || hack::fail "main patch failed"
hack::assert_equals "$(k get wgt alpha -o jsonpath='{.status.phase}')" "Ready" \
    "a write to the main resource leaves status alone"
hack::assert_contains "$(k get wgt alpha)" "Ready" "the Phase printer column shows status"

k label wgt alpha tier=gold >/dev/null || hack::fail "kubectl label failed"
hack::assert_equals "$(k get wgt -l tier=gold -o name)" "widget.conformance.punctual.dev/alpha" \
    "label selector finds the labelled widget"
hack::assert_equals "$(k get wgt -l 'tier in (gold,silver)' -o name | wc -l | tr -d ' ')" "2" "set-based selector"

invalid="$(k apply -f hack/conformance/widget-invalid.yaml 2>&1)" && hack::fail "an invalid widget was accepted"
hack::assert_contains "$invalid" 'is invalid' "schema violations are refused"
hack::assert_contains "$invalid" 'spec.color: Unsupported value: "purple"' "the enum violation is named"
hack::assert_contains "$invalid" 'spec.size: Invalid value: 101' "the maximum violation is named"

hack::log "kubectl: cascading deletion"
owner_uid="$(k get wgt beta -o jsonpath='{.metadata.uid}')"
k apply -f - >/dev/null <<YAML || hack::fail "creating the dependent ConfigMap failed"
apiVersion: v1
kind: ConfigMap
metadata:
  name: beta-dependent
  ownerReferences:
    - apiVersion: conformance.punctual.dev/v1
      kind: Widget
      name: beta
      uid: $owner_uid
data:
  owner: beta
YAML
k get configmap beta-dependent >/dev/null || hack::fail "the dependent ConfigMap is missing"
k delete wgt beta --wait=true --timeout=20s >/dev/null || hack::fail "deleting the owner failed"
configmap_gone() { ! k get configmap beta-dependent >/dev/null 2>&1; }
hack::eventually 10 configmap_gone || hack::fail "the dependent ConfigMap survived its owner's deletion"

hack::log "kubectl: Jobs on the simulated runtime"
k apply -f hack/conformance/jobs.yaml >/dev/null || hack::fail "applying the Jobs failed"
k wait --for=condition=complete --timeout=30s job/conformance-succeeds >/dev/null \
    || hack::fail "job/conformance-succeeds did not complete: $(k get job conformance-succeeds -o yaml)"
k wait --for=condition=failed --timeout=30s job/conformance-fails >/dev/null \
    || hack::fail "job/conformance-fails did not fail: $(k get job conformance-fails -o yaml)"
hack::assert_equals "$(k get job conformance-succeeds -o jsonpath='{.status.succeeded}')" "1" "succeeded count"
hack::assert_equals "$(k get job conformance-fails -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}')" \
    "BackoffLimitExceeded" "failure reason"
jobs="$(k get jobs)" || hack::fail "kubectl get jobs failed"
hack::assert_contains "$jobs" "conformance-succeeds" "kubectl get jobs lists the Job"
phase="$(k get pods -l batch.kubernetes.io/job-name=conformance-succeeds -o jsonpath='{.items[*].status.phase}')"
hack::assert_equals "$phase" "Succeeded" "the Job's pod succeeded"
exit_code="$(k get pods -l job-name=conformance-fails \
    -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}')"
hack::assert_equals "$exit_code" "3" "the failed pod's exit code"
k delete job conformance-succeeds --cascade=background >/dev/null || hack::fail "deleting the Job failed"
pods_gone() { [[ -z "$(k get pods -l job-name=conformance-succeeds -o name)" ]]; }
hack::eventually 10 pods_gone || hack::fail "the Job's pods survived the Job's deletion"

# MARK: - Python client

hack::log "python: watch semantics"
# `kubectl create namespace` sends a protobuf body.
k create namespace conformance-watch >/dev/null || hack::fail "kubectl create namespace failed"
k apply -n conformance-watch -f hack/conformance/widgets.yaml >/dev/null || hack::fail "applying widgets failed"
hack::run 120 -- python3 hack/conformance/watch_test.py --kubeconfig "$KUBECONFIG" --namespace conformance-watch \
    || hack::fail "the Python client checks failed"

echo "conformance: all kubectl and Python client checks passed"
