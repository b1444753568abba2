#!/usr/bin/env bash
# End-to-end check of a Punctual install against the cluster of the current kubeconfig context
# (kind, minikube, a real cluster, or `punctual sim` through hack/e2e-sim.sh):
#
#   1. installs Punctual: `kubectl apply -k config/default` and waits for the controller Deployment
#      to roll out (the image must be loadable by the cluster: see hack/image.md);
#      or, with --local-controller, installs only the CRD and PriorityClasses and runs
#      `punctual controller` on this machine (for clusters without a kubelet, like `punctual sim`,
#      or to try a build without an image);
#   2. applies examples/hello-minutely.yaml (a run every minute) into a fresh namespace;
#   3. waits, bounded, for a run's Job to succeed, for the task's status to record that run as
#      Succeeded, and for the leader-election Lease to have a holder;
#   4. cleans up: the namespace always; the install only if Punctual was not installed before
#      (an existing install is tested as it is, never re-applied).
#
# Usage: hack/e2e.sh [--local-controller]
# Environment:
#   KUBECONFIG             the cluster (default ~/.kube/config, current context)
#   E2E_LOCAL_CONTROLLER   1: same as --local-controller
#   E2E_NAMESPACE          namespace for the test task (default punctual-e2e; deleted afterwards)
#   E2E_TIMEOUT            seconds to wait for the successful run (default 240: up to a minute until
#                          the next slot, an image pull, the run itself)
#   E2E_KEEP               1: leave everything installed, for a look afterwards
#   PUNCTUAL_BIN           --local-controller: the binary (default .build/debug/punctual; built when missing)
#   E2E_CLOCK_SPEED, E2E_CLOCK_ANCHOR
#                          --local-controller: run the controller on an accelerated clock
#                          (--speed/--clock-anchor); they must match the cluster's clock, so only
#                          for `punctual sim` started with the same values. Lease timings are scaled
#                          up by the same factor so leader election keeps its real-time behaviour.
# Exits non-zero with a FAIL: line and diagnostics (task, Jobs, pods, events, controller log).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
hack::init

LOCAL_CONTROLLER="${E2E_LOCAL_CONTROLLER:-0}"
for argument in "$@"; do
    case "$argument" in
        --local-controller) LOCAL_CONTROLLER=1 ;;
        -h | --help)
            sed -n '2,/^# Exits/p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) hack::fail "unknown argument $argument (see --help)" ;;
    esac
done
NAMESPACE="${E2E_NAMESPACE:-punctual-e2e}"
E2E_TIMEOUT="${E2E_TIMEOUT:-240}"
SPEED="${E2E_CLOCK_SPEED:-1}"
TASK=hello
CONTROLLER_NAMESPACE=punctual-system
CRD=scheduledtasks.punctual.dev

hack::require_command kubectl "install kubectl v1.32 or later"
export KUBECACHEDIR="${KUBECACHEDIR:-$HACK_TMP/kube-cache}"
k() { hack::run 60 -- kubectl --request-timeout=30s --cache-dir="$KUBECACHEDIR" "$@"; }

hack::log "cluster: $(k config current-context 2>/dev/null || echo '?') at $(k config view --minify \
    -o jsonpath='{.clusters[0].cluster.server}' 2>/dev/null || echo '?')"
k version -o json >/dev/null || hack::fail "the cluster does not answer (kubectl version failed); check KUBECONFIG"

# MARK: - Diagnostics

CONTROLLER_LOG="$HACK_TMP/controller.log"
e2e::diagnose() {
    {
        echo "---- kubectl get stask,jobs,pods -n $NAMESPACE"
        k -n "$NAMESPACE" get stask,jobs,pods -o wide 2>&1 || true
        echo "---- the task"
        k -n "$NAMESPACE" get stask "$TASK" -o yaml 2>&1 || true
        echo "---- events in $NAMESPACE"
        k -n "$NAMESPACE" get events 2>&1 | tail -n 30 || true
        if [[ "$LOCAL_CONTROLLER" == 1 ]]; then
            echo "---- controller log (last 40 lines)"
            tail -n 40 "$CONTROLLER_LOG" 2>/dev/null || true
        else
            echo "---- controller pods and logs"
            k -n "$CONTROLLER_NAMESPACE" get pods -o wide 2>&1 || true
            k -n "$CONTROLLER_NAMESPACE" logs deploy/punctual-controller --tail=40 2>&1 || true
        fi
    } >&2
}
e2e::fail() {
    e2e::diagnose
    hack::fail "$*"
}

# MARK: - Install

# An existing install is used as it is (re-applying config/default would reset its image and
# settings) and kept afterwards.
if k get crd "$CRD" >/dev/null 2>&1; then
    WAS_INSTALLED=1
    hack::log "Punctual's CRD is already installed: using that install as it is, and keeping it"
else
    WAS_INSTALLED=0
fi
if [[ "${E2E_KEEP:-0}" != 1 && "$WAS_INSTALLED" == 0 ]]; then
    if [[ "$LOCAL_CONTROLLER" == 1 ]]; then
        hack::add_cleanup "k delete -k config/priority --ignore-not-found --wait=false >/dev/null 2>&1"
        hack::add_cleanup "k delete -f crds/ --ignore-not-found --wait=false >/dev/null 2>&1"
    else
        hack::add_cleanup "k delete -k config/default --ignore-not-found --wait=false >/dev/null 2>&1"
    fi
fi

crd_established() {
    k wait --for=condition=established --timeout=30s "crd/$CRD" >/dev/null 2>&1
}

if [[ "$WAS_INSTALLED" == 0 && "$LOCAL_CONTROLLER" == 1 ]]; then
    hack::log "installing the CRD and PriorityClasses (the controller runs locally)"
    k apply -f crds/ >/dev/null || e2e::fail "kubectl apply -f crds/ failed"
    k apply -k config/priority >/dev/null || e2e::fail "kubectl apply -k config/priority failed"
elif [[ "$WAS_INSTALLED" == 0 ]]; then
    hack::log "installing config/default"
    k apply -k config/default >/dev/null || e2e::fail "kubectl apply -k config/default failed"
fi
hack::eventually 30 crd_established || e2e::fail "the CRD did not become Established"
if [[ "$LOCAL_CONTROLLER" != 1 ]]; then
    hack::log "waiting for the controller Deployment"
    hack::run 150 -- kubectl --cache-dir="$KUBECACHEDIR" -n "$CONTROLLER_NAMESPACE" rollout status \
        deploy/punctual-controller --timeout=120s >/dev/null \
        || e2e::fail "the controller Deployment did not become available (is the image loaded? see hack/image.md)"
fi

# The test namespace, fresh.
if k get namespace "$NAMESPACE" >/dev/null 2>&1; then
    hack::log "deleting the leftover namespace $NAMESPACE"
    k delete namespace "$NAMESPACE" --wait=true --timeout=50s >/dev/null || e2e::fail "cannot delete $NAMESPACE"
fi
k apply -f - >/dev/null <<YAML || e2e::fail "cannot create namespace $NAMESPACE"
apiVersion: v1
kind: Namespace
metadata:
  name: $NAMESPACE
  labels:
    app.kubernetes.io/part-of: punctual-e2e
YAML
[[ "${E2E_KEEP:-0}" == 1 ]] || hack::add_cleanup "k delete namespace $NAMESPACE --ignore-not-found --wait=false >/dev/null 2>&1"

if [[ "$LOCAL_CONTROLLER" == 1 ]]; then
    hack::punctual_binary
    # Lease timings in virtual seconds, so that in real time they stay client-go's 15 s / 10 s / 2 s.
    scaled() { awk -v base="$1" -v speed="$SPEED" 'BEGIN { printf "%.3fs", base * speed }'; }
    clock_flags=(--speed "$SPEED")
    [[ -n "${E2E_CLOCK_ANCHOR:-}" ]] && clock_flags+=(--clock-anchor "$E2E_CLOCK_ANCHOR")
    hack::log "starting punctual controller locally (speed $SPEED), watching $NAMESPACE"
    hack::start_background "$CONTROLLER_LOG" $((E2E_TIMEOUT + 120)) "$PUNCTUAL_BIN" controller \
        --namespace "$NAMESPACE" --leader-election-namespace "$NAMESPACE" \
        --lease-duration "$(scaled 15)" --renew-deadline "$(scaled 10)" --retry-period "$(scaled 2)" \
        --metrics-bind-address 127.0.0.1:0 --log-format text "${clock_flags[@]}"
    CONTROLLER_PID="$HACK_LAST_PID"
    LEASE_NAMESPACE="$NAMESPACE"
else
    LEASE_NAMESPACE="$CONTROLLER_NAMESPACE"
fi

# MARK: - Run a task

hack::log "applying examples/hello-minutely.yaml into $NAMESPACE"
mkdir -p "$HACK_TMP/task"
cp examples/hello-minutely.yaml "$HACK_TMP/task/"
cat >"$HACK_TMP/task/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: $NAMESPACE
resources:
  - hello-minutely.yaml
YAML
k apply -k "$HACK_TMP/task" >/dev/null || e2e::fail "applying the example failed"
[[ "$(k -n "$NAMESPACE" get stask "$TASK" -o jsonpath='{.spec.schedule}')" == "* * * * *" ]] \
    || e2e::fail "the example does not run every minute"

# Succeeded Jobs of the task, one name per line.
succeeded_jobs() {
    k -n "$NAMESPACE" get jobs -l "punctual.dev/task=$TASK" \
        -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.succeeded}{"\n"}{end}' 2>/dev/null \
        | awk '$2 >= 1 { print $1 }'
}
# Jobs the task's status records as Succeeded runs, one name per line.
succeeded_runs() {
    k -n "$NAMESPACE" get stask "$TASK" \
        -o jsonpath='{range .status.runs[?(@.phase=="Succeeded")]}{.job}{"\n"}{end}' 2>/dev/null
}
run_recorded() {
    local jobs runs
    if [[ "$LOCAL_CONTROLLER" == 1 ]] && ! kill -0 "$CONTROLLER_PID" 2>/dev/null; then
        e2e::fail "the local controller exited"
    fi
    jobs="$(succeeded_jobs)" && runs="$(succeeded_runs)" || return 1
    [[ -n "$jobs" && -n "$runs" ]] || return 1
    SUCCEEDED_JOB="$(comm -12 <(sort <<<"$jobs") <(sort <<<"$runs") | head -n 1)"
    [[ -n "$SUCCEEDED_JOB" ]]
}

hack::log "waiting up to ${E2E_TIMEOUT}s for a successful run recorded in the task's status"
hack::eventually "$E2E_TIMEOUT" run_recorded \
    || e2e::fail "no Job of $NAMESPACE/$TASK succeeded and was recorded in status within ${E2E_TIMEOUT}s"
hack::log "run $SUCCEEDED_JOB succeeded"

# MARK: - Check what the run left behind

owner="$(k -n "$NAMESPACE" get job "$SUCCEEDED_JOB" \
    -o jsonpath='{.metadata.ownerReferences[?(@.controller==true)].kind}/{.metadata.ownerReferences[?(@.controller==true)].name}')"
hack::assert_equals "$owner" "ScheduledTask/$TASK" "the Job's controller ownerReference"
slot="$(k -n "$NAMESPACE" get job "$SUCCEEDED_JOB" -o jsonpath='{.metadata.annotations.punctual\.dev/scheduled-time}')"
[[ "$slot" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:00Z$ ]] \
    || e2e::fail "the Job's punctual.dev/scheduled-time annotation is '$slot', expected a whole minute in RFC 3339"
last_success="$(k -n "$NAMESPACE" get stask "$TASK" -o jsonpath='{.status.lastSuccessfulTime}')"
[[ -n "$last_success" ]] || e2e::fail "status.lastSuccessfulTime is not set after a successful run"
[[ -n "$(k -n "$NAMESPACE" get stask "$TASK" -o jsonpath='{.status.nextScheduleTime}')" ]] \
    || e2e::fail "status.nextScheduleTime is not set"
holder="$(k -n "$LEASE_NAMESPACE" get lease punctual-controller -o jsonpath='{.spec.holderIdentity}')"
[[ -n "$holder" ]] || e2e::fail "the Lease $LEASE_NAMESPACE/punctual-controller has no holder"
hack::log "leader: $holder"
if [[ "$LOCAL_CONTROLLER" != 1 ]]; then
    pods="$(k -n "$CONTROLLER_NAMESPACE" get pods -l app.kubernetes.io/component=controller -o name)"
    hack::assert_contains "$pods" "pod/${holder%_*}" "the Lease holder is one of the controller pods"
fi
k -n "$NAMESPACE" get stask "$TASK" >&2

echo "e2e: $NAMESPACE/$TASK ran $SUCCEEDED_JOB (slot $slot) and recorded it; leader $holder"
