#!/usr/bin/env python3
"""Sorts rendered Kubernetes manifests for hack/verify-manifests.sh and checks what no schema can.

    verify_manifests.py split OUT_DIR NAME=FILE...
        Reads every YAML document of each FILE (a `kubectl kustomize` rendering or a manifest) and
        writes them, grouped by who can validate them, to
          OUT_DIR/NAME.builtin.yaml        CRDs and built-in kinds, for kubernetes-validate --strict
          OUT_DIR/NAME.scheduledtask.yaml  ScheduledTasks, for `punctual validate`
          OUT_DIR/NAME.external.yaml       kinds of well-known add-ons without an offline schema
                                           (ServiceMonitor), checked structurally here
        Prints one "NAME: kind/name" line per document. A document without apiVersion, kind or
        metadata.name, or of a kind that nobody can check, is an error.

    verify_manifests.py same FILE_A FILE_B
        Both files hold the same objects (compared as data, whatever the order of keys or comments).

    verify_manifests.py install RENDERED_DEFAULT CONTROLLER_HELP
        Cross-object checks of config/default that schemas cannot see: every namespaced object is in
        punctual-system, the RBAC subjects name the Deployment's ServiceAccount, the Service and PDB
        select the Deployment's pods, probes use a declared port, every controller flag in the
        Deployment exists in `punctual controller --help`, the CRD and the five PriorityClasses are
        there.

Exits 1 with one "FAIL: ..." line per problem; 0 when everything holds.
"""

import re
import sys
from pathlib import Path

import yaml

NAMESPACE = "punctual-system"
SCHEDULED_TASK = ("punctual.dev/v1alpha1", "ScheduledTask")
# Add-on kinds without a schema in kubernetes-validate, with the checks this script applies.
EXTERNAL_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}
# Built-in API groups (kubernetes-validate knows their schemas); anything else is a custom kind.
BUILTIN_GROUPS = {
    "", "apps", "batch", "policy", "rbac.authorization.k8s.io", "scheduling.k8s.io",
    "coordination.k8s.io", "networking.k8s.io", "apiextensions.k8s.io", "autoscaling",
    "admissionregistration.k8s.io", "storage.k8s.io", "node.k8s.io", "discovery.k8s.io",
}
PRIORITY_CLASSES = {"punctual-critical", "punctual-high", "punctual-normal", "punctual-low", "punctual-placeholder"}

problems = []


def fail(message):
    problems.append(message)


def documents(path):
    """Every non-empty YAML document of the file, in order."""
    with open(path, encoding="utf-8") as handle:
        try:
            return [doc for doc in yaml.safe_load_all(handle) if doc is not None]
        except yaml.YAMLError as error:
            fail(f"{path}: not valid YAML: {error}")
            return []


def group_of(api_version):
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def describe(doc):
    return f"{doc.get('kind', '?')}/{(doc.get('metadata') or {}).get('name', '?')}"


# MARK: - split


def check_service_monitor(name, doc):
    """A ServiceMonitor must select something and scrape a named port at some path."""
    spec = doc.get("spec") or {}
    if not (spec.get("selector") or {}).get("matchLabels"):
        fail(f"{name}: {describe(doc)}: spec.selector.matchLabels is empty (it would select nothing)")
    endpoints = spec.get("endpoints") or []
    if not endpoints:
        fail(f"{name}: {describe(doc)}: spec.endpoints is empty")
    for index, endpoint in enumerate(endpoints):
        if not endpoint.get("port"):
            fail(f"{name}: {describe(doc)}: spec.endpoints[{index}].port must name the Service port")
        if not str(endpoint.get("path", "/metrics")).startswith("/"):
            fail(f"{name}: {describe(doc)}: spec.endpoints[{index}].path must start with /")


def split(out_dir, named_files):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for pair in named_files:
        name, _, path = pair.partition("=")
        groups = {"builtin": [], "scheduledtask": [], "external": []}
        docs = documents(path)
        if not docs:
            fail(f"{name}: {path} holds no objects")
        for doc in docs:
            if not isinstance(doc, dict):
                fail(f"{name}: a document is not a mapping: {doc!r:.80}")
                continue
            api_version, kind = doc.get("apiVersion"), doc.get("kind")
            if not api_version or not kind or not (doc.get("metadata") or {}).get("name"):
                fail(f"{name}: {describe(doc)}: apiVersion, kind and metadata.name are required")
                continue
            if (api_version, kind) == SCHEDULED_TASK:
                groups["scheduledtask"].append(doc)
            elif (api_version, kind) in EXTERNAL_KINDS:
                check_service_monitor(name, doc)
                groups["external"].append(doc)
            elif group_of(api_version) in BUILTIN_GROUPS:
                groups["builtin"].append(doc)
            else:
                fail(f"{name}: {describe(doc)}: {api_version} is neither built in nor a kind this check knows")
                continue
            print(f"{name}: {describe(doc)}")
        for group, items in groups.items():
            if items:
                with open(out / f"{name}.{group}.yaml", "w", encoding="utf-8") as handle:
                    yaml.safe_dump_all(items, handle, sort_keys=False)


# MARK: - same


def check_same(first, second):
    def canonical(path):
        return sorted(yaml.safe_dump(doc, sort_keys=True) for doc in documents(path))

    if canonical(first) != canonical(second):
        fail(f"{first} and {second} hold different objects")


# MARK: - install


def matches(selector, labels):
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def check_install(rendered, controller_help):
    docs = documents(rendered)
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc.get("kind"), []).append(doc)
    cluster_scoped = {"Namespace", "CustomResourceDefinition", "PriorityClass", "ClusterRole", "ClusterRoleBinding"}
    for doc in docs:
        namespace = (doc.get("metadata") or {}).get("namespace")
        if doc.get("kind") in cluster_scoped:
            if namespace:
                fail(f"config/default: {describe(doc)} is cluster-scoped but has namespace {namespace}")
        elif namespace != NAMESPACE:
            fail(f"config/default: {describe(doc)}: namespace is {namespace!r}, expected {NAMESPACE}")

    crds = [d["metadata"]["name"] for d in by_kind.get("CustomResourceDefinition", [])]
    if crds != ["scheduledtasks.punctual.dev"]:
        fail(f"config/default: expected the CRD scheduledtasks.punctual.dev, found {crds}")
    classes = {d["metadata"]["name"] for d in by_kind.get("PriorityClass", [])}
    if classes != PRIORITY_CLASSES:
        fail(f"config/default: PriorityClasses are {sorted(classes)}, expected {sorted(PRIORITY_CLASSES)}")
    if [d["metadata"]["name"] for d in by_kind.get("Namespace", [])] != [NAMESPACE]:
        fail(f"config/default: expected exactly the Namespace {NAMESPACE}")

    deployments = by_kind.get("Deployment", [])
    if len(deployments) != 1:
        fail(f"config/default: expected one Deployment, found {len(deployments)}")
        return
    deployment = deployments[0]
    pod = deployment["spec"]["template"]
    pod_labels = pod["metadata"].get("labels") or {}
    pod_spec = pod["spec"]
    account = pod_spec.get("serviceAccountName")
    if account not in [d["metadata"]["name"] for d in by_kind.get("ServiceAccount", [])]:
        fail(f"config/default: the Deployment runs as ServiceAccount {account!r}, which is not installed")
    if not matches(deployment["spec"]["selector"].get("matchLabels"), pod_labels):
        fail("config/default: the Deployment's selector does not match its pod labels")
    if deployment["spec"].get("replicas", 1) < 2:
        fail("config/default: the Deployment needs at least 2 replicas for a warm standby")

    for binding in by_kind.get("RoleBinding", []) + by_kind.get("ClusterRoleBinding", []):
        for subject in binding.get("subjects") or []:
            if subject.get("kind") == "ServiceAccount" and (
                subject.get("name") != account or subject.get("namespace") != NAMESPACE
            ):
                fail(f"config/default: {describe(binding)} binds {subject}, not {NAMESPACE}/{account}")
        role_kind, role_name = binding["roleRef"]["kind"], binding["roleRef"]["name"]
        if role_name not in [d["metadata"]["name"] for d in by_kind.get(role_kind, [])]:
            fail(f"config/default: {describe(binding)} refers to {role_kind}/{role_name}, which is not installed")

    for kind in ("Service", "PodDisruptionBudget"):
        for doc in by_kind.get(kind, []):
            selector = doc["spec"].get("selector") or {}
            selector = selector.get("matchLabels", selector) if kind == "PodDisruptionBudget" else selector
            if not matches(selector, pod_labels):
                fail(f"config/default: {describe(doc)} does not select the controller pods")

    container = pod_spec["containers"][0]
    ports = {port.get("name") for port in container.get("ports") or []}
    for probe in ("livenessProbe", "readinessProbe"):
        port = ((container.get(probe) or {}).get("httpGet") or {}).get("port")
        if port not in ports:
            fail(f"config/default: {probe} uses port {port!r}, the container declares {sorted(ports)}")
    for service in by_kind.get("Service", []):
        for port in service["spec"].get("ports") or []:
            if port.get("targetPort") not in ports:
                fail(f"config/default: {describe(service)} targets port {port.get('targetPort')!r}")

    args = container.get("args") or []
    if not args or args[0] != "controller":
        fail(f"config/default: the container must run `punctual controller`, args are {args}")
    with open(controller_help, encoding="utf-8") as handle:
        known = set(re.findall(r"--[a-z][a-z0-9-]*", handle.read()))
    variables = {env["name"] for env in container.get("env") or []}
    for arg in args[1:]:
        flag = arg.split("=", 1)[0]
        if flag.startswith("--") and flag not in known:
            fail(f"config/default: the Deployment passes {flag}, which `punctual controller` does not accept")
        for variable in re.findall(r"\$\(([A-Z_]+)\)", arg):
            if variable not in variables:
                fail(f"config/default: {arg} refers to $({variable}), which the container's env does not set")
    if "POD_NAME" not in variables:
        fail("config/default: POD_NAME (the leader-election identity) is not set from the downward API")


def main(argv):
    if len(argv) >= 3 and argv[1] == "split":
        split(argv[2], argv[3:])
    elif len(argv) == 4 and argv[1] == "same":
        check_same(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "install":
        check_install(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
