#!/usr/bin/env bash
# Verifies every manifest Punctual ships: the CRD (both install paths), the kustomize tree under
# config/ and examples/. Changes nothing; exits non-zero with FAIL: lines on the first broken step.
#
#   1. `kubectl kustomize` renders config/default, config/rbac, config/manager, config/priority,
#      config/samples, config/prometheus, crds/ and examples/.
#   2. Every rendered object, and the files `kubectl apply -f crds/` reads, is sorted by who can
#      check it (hack/verify_manifests.py split):
#        - the CRD and every built-in kind: kubernetes-validate --strict against Kubernetes
#          $K8S_VERSION (offline schemas; unknown fields are errors, and so is a kind it has no
#          schema for);
#        - ScheduledTasks (examples/, config/samples): `punctual validate` (the CRD's schema and CEL
#          rules plus the controller's own checks);
#        - the ServiceMonitor (no offline schema): structural checks.
#   3. Cross-object checks of config/default (hack/verify_manifests.py install): namespaces, RBAC
#      subjects, selectors, probe ports, and that every flag the Deployment passes exists in
#      `punctual controller --help`.
#
# Requirements: kubectl (with its built-in kustomize), python3, and
#   pip install kubernetes-validate==1.37.0
# Environment: PUNCTUAL_BIN (default .build/debug/punctual; built when missing), K8S_VERSION
# (default 1.37.0, the newest schema set kubernetes-validate 1.37.0 carries).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
hack::init

K8S_VERSION="${K8S_VERSION:-1.37.0}"
hack::require_command kubectl "install kubectl v1.32 or later (it carries kustomize)"
hack::require_command python3 "install Python 3"
hack::require_command kubernetes-validate "pip install kubernetes-validate==1.37.0"

hack::punctual_binary

# MARK: - Render

RENDERED="$HACK_TMP/rendered"
SORTED="$HACK_TMP/sorted"
mkdir -p "$RENDERED"
# name=directory: every kustomization we ship, each rendered on its own.
KUSTOMIZATIONS=(
    default=config/default rbac=config/rbac manager=config/manager priority=config/priority
    samples=config/samples prometheus=config/prometheus crds=crds examples=examples
)
inputs=()
for entry in "${KUSTOMIZATIONS[@]}"; do
    name="${entry%%=*}" dir="${entry#*=}"
    hack::log "kubectl kustomize $dir"
    hack::run -- kubectl kustomize "$dir" >"$RENDERED/$name.yaml" 2>"$RENDERED/$name.err" \
        || hack::fail "kubectl kustomize $dir failed: $(cat "$RENDERED/$name.err")"
    inputs+=("$name=$RENDERED/$name.yaml")
done
# What `kubectl apply -f crds/` reads: the .yaml/.yml/.json files only (not Kustomization).
shopt -s nullglob
crd_files=(crds/*.yaml crds/*.yml crds/*.json)
shopt -u nullglob
((${#crd_files[@]} > 0)) || hack::fail "crds/ holds no manifest for kubectl apply -f crds/"
cat "${crd_files[@]}" >"$RENDERED/crds-files.yaml"
inputs+=("crds-files=$RENDERED/crds-files.yaml")

hack::log "sorting rendered objects"
hack::run -- python3 hack/verify_manifests.py split "$SORTED" "${inputs[@]}" >"$HACK_TMP/objects.txt" \
    || hack::fail "some rendered objects cannot be checked (see above)"
hack::log "$(wc -l <"$HACK_TMP/objects.txt" | tr -d ' ') objects rendered"

# Both install paths must install the same CRD.
hack::run -- python3 hack/verify_manifests.py same "$RENDERED/crds.yaml" "$RENDERED/crds-files.yaml" \
    || hack::fail "kubectl kustomize crds/ and kubectl apply -f crds/ would install different objects"

# MARK: - Schemas

hack::log "kubernetes-validate --strict (Kubernetes $K8S_VERSION)"
for file in "$SORTED"/*.builtin.yaml; do
    output="$(hack::run 120 -- kubernetes-validate --kubernetes-version "$K8S_VERSION" --strict --quiet "$file" 2>&1)" \
        || hack::fail "kubernetes-validate rejected $(basename "$file" .builtin.yaml):"$'\n'"$output"
    # kubernetes-validate only warns (exit 0) about a kind it has no schema for: for built-in kinds
    # that means a wrong apiVersion, so it is an error here.
    if grep -q "Couldn't find schema" <<<"$output"; then
        hack::fail "kubernetes-validate has no schema for an object of $(basename "$file" .builtin.yaml):"$'\n'"$output"
    fi
done

hack::log "punctual validate (ScheduledTasks)"
for file in "$SORTED"/*.scheduledtask.yaml examples/*.yaml; do
    output="$(hack::run -- "$PUNCTUAL_BIN" validate --crd crds/punctual.dev_scheduledtasks.yaml "$file" 2>&1)" \
        || hack::fail "punctual validate rejected $file:"$'\n'"$output"
done
# The samples must be exactly the examples.
grep '^samples: ' "$HACK_TMP/objects.txt" | sed 's/^samples: //' | sort >"$HACK_TMP/samples.txt"
grep '^examples: ' "$HACK_TMP/objects.txt" | sed 's/^examples: //' | sort >"$HACK_TMP/examples.txt"
cmp -s "$HACK_TMP/samples.txt" "$HACK_TMP/examples.txt" || hack::fail "config/samples does not install exactly examples/"
# Every example file must be listed in examples/Kustomization.
for file in examples/*.yaml; do
    grep -qE "^\s*-\s*$(basename "$file")\s*$" examples/Kustomization \
        || hack::fail "$file is not listed in examples/Kustomization (config/samples would miss it)"
done

# MARK: - The install as a whole

hack::log "cross-object checks of config/default"
hack::run -- "$PUNCTUAL_BIN" controller --help >"$HACK_TMP/controller-help.txt" 2>&1 \
    || hack::fail "punctual controller --help failed"
hack::run -- python3 hack/verify_manifests.py install "$RENDERED/default.yaml" "$HACK_TMP/controller-help.txt" \
    || hack::fail "config/default is not consistent (see above)"

echo "verify-manifests: $(wc -l <"$HACK_TMP/objects.txt" | tr -d ' ') objects checked against Kubernetes $K8S_VERSION"
