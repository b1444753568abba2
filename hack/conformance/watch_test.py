#!/usr/bin/env python3
"""Watch conformance of `punctual sim` with the official Python client (`pip install kubernetes`).

Checks, each asserted with a clear message (exit status 1 on the first failure):
  1. a watch from a list's resourceVersion sees ADDED, MODIFIED, DELETED of one object, in order;
  2. a watch resumed from the ADDED event's resourceVersion sees only what came after it;
  3. custom objects (the conformance Widget CRD) are served through CustomObjectsApi, watch included;
  4. after the history is compacted (POST /sim/faults/compact), a watch from an old
     resourceVersion fails with 410 Gone (Expired).

Usage: watch_test.py --kubeconfig FILE --namespace NS
"""

import argparse
import json
import ssl
import sys
import urllib.request

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

WATCH_SECONDS = 5


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def collect(stream_fn, *args, name, until, **kwargs):
    """Events of the object `name` from a bounded watch, up to and including type `until`."""
    seen = []
    w = watch.Watch()
    for event in w.stream(stream_fn, *args, timeout_seconds=WATCH_SECONDS, **kwargs):
        obj = event["raw_object"]
        if obj.get("metadata", {}).get("name") != name:
            continue
        seen.append((event["type"], obj["metadata"]["resourceVersion"], obj))
        if event["type"] == until:
            w.stop()
            break
    return seen


def check_core_watch(core, namespace):
    rv = core.list_namespaced_config_map(namespace).metadata.resource_version
    check(rv, "a list returns a resourceVersion")

    name = "watched"
    core.create_namespaced_config_map(namespace, {"metadata": {"name": name}, "data": {"step": "1"}})
    core.patch_namespaced_config_map(name, namespace, {"data": {"step": "2"}})
    core.delete_namespaced_config_map(name, namespace)

    events = collect(core.list_namespaced_config_map, namespace, name=name, until="DELETED", resource_version=rv)
    types = [kind for kind, _, _ in events]
    check(types == ["ADDED", "MODIFIED", "DELETED"], f"watch from {rv} should see ADDED, MODIFIED, DELETED; saw {types}")
    check(events[1][2]["data"]["step"] == "2", "the MODIFIED event carries the patched data")
    versions = [int(v) for _, v, _ in events]
    check(versions == sorted(versions) and len(set(versions)) == 3, f"resourceVersions increase: {versions}")
    print(f"ok: watch sees {types} in order")

    resumed = collect(
        core.list_namespaced_config_map, namespace, name=name, until="DELETED", resource_version=events[0][1]
    )
    resumed_types = [kind for kind, _, _ in resumed]
    check(
        resumed_types == ["MODIFIED", "DELETED"],
        f"watch resumed from the ADDED resourceVersion {events[0][1]} should see MODIFIED, DELETED; saw {resumed_types}",
    )
    print("ok: watch resumes from a resourceVersion")
    return rv


def check_custom_objects(custom, namespace):
    group, version, plural = "conformance.punctual.dev", "v1", "widgets"
    listing = custom.list_namespaced_custom_object(group, version, namespace, plural)
    rv = listing["metadata"]["resourceVersion"]
    body = {
        "apiVersion": f"{group}/{version}",
        "kind": "Widget",
        "metadata": {"name": "from-python"},
        "spec": {"size": 1},
    }
    created = custom.create_namespaced_custom_object(group, version, namespace, plural, body)
    check(created["spec"].get("color") == "red", f"the schema default applies: {created['spec']}")
    custom.patch_namespaced_custom_object(group, version, namespace, plural, "from-python", {"spec": {"size": 2}})
    try:
        custom.create_namespaced_custom_object(
            group, version, namespace, plural, {**body, "metadata": {"name": "too-big"}, "spec": {"size": 1000}}
        )
        fail("a widget above the schema maximum was accepted")
    except ApiException as error:
        check(error.status == 422, f"schema violations answer 422, got {error.status}")
        details = json.loads(error.body)
        fields = [cause.get("field") for cause in details.get("details", {}).get("causes", [])]
        check("spec.size" in fields, f"the 422 names spec.size: {fields}")
    custom.delete_namespaced_custom_object(group, version, namespace, plural, "from-python")
    events = collect(
        custom.list_namespaced_custom_object, group, version, namespace, plural,
        name="from-python", until="DELETED", resource_version=rv,
    )
    types = [kind for kind, _, _ in events]
    check(types == ["ADDED", "MODIFIED", "DELETED"], f"custom object watch saw {types}")
    print("ok: custom objects are served, defaulted, validated and watched")


def compact(api_client):
    """POST /sim/faults/compact with the client's own server, credentials and TLS settings."""
    configuration = api_client.configuration
    request = urllib.request.Request(configuration.host + "/sim/faults/compact", data=b"{}", method="POST")
    request.add_header("Content-Type", "application/json")
    for setting in configuration.auth_settings().values():
        if setting.get("in") == "header" and setting.get("value"):
            request.add_header(setting["key"], setting["value"])
    context = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
    if configuration.cert_file:
        context.load_cert_chain(configuration.cert_file, configuration.key_file)
    if not configuration.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        check(200 <= response.status < 300, f"compaction answered {response.status}")


def check_gone_after_compaction(core, namespace, old_rv):
    # A change after the old resourceVersion, so the compaction really drops history.
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "after-compaction"}})
    compact(core.api_client)
    try:
        events = collect(
            core.list_namespaced_config_map, namespace, name="never", until="DELETED", resource_version=old_rv
        )
        fail(f"a watch from the compacted resourceVersion {old_rv} did not fail; saw {events}")
    except ApiException as error:
        check(error.status == 410, f"a compacted resourceVersion answers 410, got {error.status}: {error.reason}")
    print("ok: a watch from a compacted resourceVersion gets 410 Gone")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--namespace", required=True)
    args = parser.parse_args()

    config.load_kube_config(config_file=args.kubeconfig)
    core = client.CoreV1Api()
    custom = client.CustomObjectsApi()
    try:
        old_rv = check_core_watch(core, args.namespace)
        check_custom_objects(custom, args.namespace)
        check_gone_after_compaction(core, args.namespace, old_rv)
    except ApiException as error:
        fail(f"unexpected API error {error.status} {error.reason}: {error.body}")
    except OSError as error:
        fail(f"cannot reach the simulator: {error}")
    print("python client conformance: all checks passed")


if __name__ == "__main__":
    main()
