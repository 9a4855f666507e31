"""deploy/helm/hello against a real kube-apiserver: what admission accepts and what it refuses.

Namespaces enforce PodSecurity `restricted`. PodSecurity refuses Pods; for workloads (a Deployment's pod template)
it only warns, so the hard refusal of the weakened values is shown on the chart's own Pod: the `helm test` hook.
The read-only root filesystem, which PodSecurity does not check, is refused by the chart's optional
ValidatingAdmissionPolicy, for Deployments and Pods alike.
"""

import time
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.k8s.conftest import CHART, VALUES, Helm
from tests.kubecluster import Cluster, Response

RELEASE = "hello"
#: How long a new ValidatingAdmissionPolicy may take to be enforced (the API server loads it from a watch).
POLICY_TIMEOUT = 30.0
WEAK_VIOLATIONS = ("allowPrivilegeEscalation != false", "runAsNonRoot != true", "runAsUser=0")


def kinds(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(str(o["kind"]) for o in objects)


def values(name: str) -> str:
    return str(VALUES / name)


def test_every_rendered_object_passes_strict_validation_and_admission(
    cluster: Cluster, helm: Helm, restricted_namespace: Callable[[str], str]
) -> None:
    ns = restricted_namespace("strict")
    objects = helm.template(ns, "full.yaml")
    assert kinds(objects) == [
        "ConfigMap",
        "Deployment",
        "HTTPRoute",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Pod",
        "PodDisruptionBudget",
        "PrometheusRule",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    ]
    for obj in objects:  # in helm's order: the ServiceAccount before the Pod that names it
        res = cluster.create(obj, ns)  # fieldValidation=Strict: an unknown or duplicate field is an error
        assert (res.status, res.warnings) == (201, []), f"{obj['kind']}: {res.status} {res.message} {res.warnings}"


@pytest.fixture(scope="module")
def installed(helm: Helm, restricted_namespace: Callable[[str], str]) -> str:
    """The chart installed with every option on (the admission policy too); return its namespace."""
    ns = restricted_namespace("hello")
    res = helm("install", RELEASE, str(CHART), "--namespace", ns, "--values", values("full.yaml"))
    assert res.returncode == 0, res.stderr
    assert "PodSecurity" not in res.stderr, res.stderr
    return ns


def test_chart_installs_under_restricted(cluster: Cluster, helm: Helm, installed: str) -> None:
    manifest = helm("get", "manifest", RELEASE, "--namespace", installed)
    assert manifest.returncode == 0, manifest.stderr
    objects = [d for d in yaml.safe_load_all(manifest.stdout) if d]
    assert len(objects) == 12
    for obj in objects:
        res = cluster.get(obj, installed)
        assert res.status == 200, f"{obj['kind']} {obj['metadata']['name']}: {res.status} {res.message}"
    deployment = cluster.get({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": RELEASE}}, installed)
    assert deployment.body["spec"]["replicas"] == 1  # defaulted: the chart leaves the count to the HPA


def test_helm_test_pod_is_admitted(cluster: Cluster, helm: Helm, installed: str) -> None:
    # No kubelet runs the pod, so `helm test` waits until its timeout; the pod was admitted and created.
    res = helm("test", RELEASE, "--namespace", installed, "--timeout", "5s")
    assert res.returncode != 0
    assert "forbidden" not in res.stderr, res.stderr
    pod = cluster.get({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"{RELEASE}-test-probe"}}, installed)
    assert pod.status == 200, pod.message
    assert pod.body["spec"]["containers"][0]["args"] == ["probe", "-timeout=5s", "http://hello:80/healthz"]


def test_weakened_values_are_refused(cluster: Cluster, helm: Helm, restricted_namespace: Callable[[str], str]) -> None:
    ns = restricted_namespace("weakened")
    # The Deployment is accepted: PodSecurity only warns about a workload's pod template...
    res = helm("install", RELEASE, str(CHART), "--namespace", ns, "--values", values("weakened.yaml"))
    assert res.returncode == 0, res.stderr
    warning = res.stderr.replace('\\"', '"')  # client-go logs the API server's Warning header quoted
    assert 'Warning: would violate PodSecurity "restricted:latest"' in warning, warning
    for violation in WEAK_VIOLATIONS:
        assert violation in warning
    # ...and refuses the pods: the chart's own test Pod is forbidden.
    res = helm("test", RELEASE, "--namespace", ns, "--timeout", "30s")
    assert res.returncode != 0
    assert 'is forbidden: violates PodSecurity "restricted:latest"' in res.stderr, res.stderr
    for violation in WEAK_VIOLATIONS:
        assert violation in res.stderr
    pod = cluster.get({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"{RELEASE}-test-probe"}}, ns)
    assert pod.status == 404


def test_admission_policy_refuses_a_writable_root_filesystem(
    cluster: Cluster, helm: Helm, installed: str, restricted_namespace: Callable[[str], str]
) -> None:
    [writable_pod] = helm.template(installed, "full.yaml", "writable-root.yaml", show_only="templates/tests/probe.yaml")
    writable_pod["metadata"]["name"] = "writable-root"
    writable_pod["spec"]["serviceAccountName"] = "default"  # the release's account exists in its namespace only
    # PodSecurity `restricted` alone accepts it: a restricted namespace without the policy's binding.
    elsewhere = restricted_namespace("no-policy")
    res = cluster.create(writable_pod, elsewhere, dry_run=True)
    assert (res.status, res.warnings) == (201, [])

    denied = "containers probe must set securityContext.readOnlyRootFilesystem: true"
    policy = f"{installed}-{RELEASE}-read-only-root"
    res = wait_refused(cluster, writable_pod, installed)
    assert res.status == 403
    assert res.message == (
        f"pods \"writable-root\" is forbidden: ValidatingAdmissionPolicy '{policy}' with binding '{policy}'"
        f" denied request: Pod writable-root: {denied}"
    )

    # The Deployment is refused too, so a writable root never reaches a pod template.
    res = helm(
        "upgrade",
        RELEASE,
        str(CHART),
        "--namespace",
        installed,
        "--values",
        values("full.yaml"),
        "--values",
        values("writable-root.yaml"),
    )
    assert res.returncode != 0
    assert f"ValidatingAdmissionPolicy '{policy}' with binding '{policy}' denied request" in res.stderr, res.stderr
    assert "Deployment hello: containers hello must set securityContext.readOnlyRootFilesystem: true" in res.stderr


def wait_refused(cluster: Cluster, pod: dict[str, Any], namespace: str) -> Response:
    """Dry-run the pod until the policy refuses it (the API server enforces a new policy within seconds)."""
    deadline = time.monotonic() + POLICY_TIMEOUT
    while True:
        res = cluster.create(pod, namespace, dry_run=True)
        if res.status != 201 or time.monotonic() > deadline:
            return res
        time.sleep(0.5)
