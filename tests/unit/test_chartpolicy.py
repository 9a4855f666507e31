"""Chart policy rules, one broken variant each, and the schema plumbing for kubeconform."""

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from pipeline.chart.check_policy import (
    Violation,
    chart_meta,
    check_manifests,
    check_rendered,
    crd_schema_file,
    is_custom,
    parse_manifests,
    resource_types,
    schema_file,
    strict_dir,
)

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello}
spec:
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello, tier: web}}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: hello
          image: ghcr.io/acme/hello:1.0.0
          ports: [{name: http, containerPort: 8080}]
          securityContext:
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          readinessProbe: {httpGet: {path: /readyz, port: http}}
          resources: {limits: {memory: 64Mi}}
"""
SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: hello}
spec:
  selector: {app: hello}
  ports: [{port: 80, targetPort: http}]
"""
GOOD = f"---\n# a comment-only document renders as null\n---{DEPLOYMENT}---{SERVICE}"
WHERE = "Deployment hello, container hello"

Edit = Callable[[list[dict[str, Any]]], None]
DELETE = object()


def good() -> list[dict[str, Any]]:
    return parse_manifests(GOOD)


def pod(ms: list[dict[str, Any]]) -> dict[str, Any]:
    return ms[0]["spec"]["template"]["spec"]


def ctr(ms: list[dict[str, Any]]) -> dict[str, Any]:
    return pod(ms)["containers"][0]


def put(getter: Callable[[list[dict[str, Any]]], dict[str, Any]], path: str, *, to: object) -> Edit:
    """Set a dotted path below what getter returns (to=DELETE removes it)."""

    def edit(ms: list[dict[str, Any]]) -> None:
        node = getter(ms)
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        if to is DELETE:
            del node[last]
        else:
            node[last] = to

    return edit


def svc(ms: list[dict[str, Any]]) -> dict[str, Any]:
    return ms[1]["spec"]


def remove(index: int) -> Edit:
    """Drop a manifest."""

    def edit(ms: list[dict[str, Any]]) -> None:
        del ms[index]

    return edit


def both(*edits: Edit) -> Edit:
    """Apply edits in order."""

    def edit(ms: list[dict[str, Any]]) -> None:
        for e in edits:
            e(ms)

    return edit


def test_good_manifests_pass() -> None:
    assert check_rendered(GOOD) == []


RULES: list[tuple[Edit, str | None]] = [
    # probes
    (put(ctr, "livenessProbe", to=DELETE), f"{WHERE}: no livenessProbe"),
    (put(ctr, "livenessProbe.httpGet.path", to="/healthzz"), f"{WHERE}: livenessProbe path /healthzz, want /healthz"),
    (
        put(ctr, "livenessProbe", to={"tcpSocket": {"port": 8080}}),
        f"{WHERE}: livenessProbe is not httpGet (want GET /healthz)",
    ),
    (
        put(ctr, "livenessProbe.httpGet.port", to="metrics"),
        f"{WHERE}: livenessProbe port metrics is not a port the container declares",
    ),
    (put(ctr, "livenessProbe.httpGet.port", to=8080), None),  # numbers match containerPort
    (put(ctr, "readinessProbe", to=DELETE), f"{WHERE}: no readinessProbe"),
    (put(ctr, "readinessProbe.httpGet.path", to="/healthz"), f"{WHERE}: readinessProbe path /healthz, want /readyz"),
    (
        put(ctr, "readinessProbe.httpGet.port", to=9090),
        f"{WHERE}: readinessProbe port 9090 is not a port the container declares",
    ),
    # user: the container's setting wins over the pod's
    (put(pod, "securityContext.runAsNonRoot", to=DELETE), f"{WHERE}: runAsNonRoot is not set"),
    (put(pod, "securityContext.runAsNonRoot", to=False), f"{WHERE}: runAsNonRoot is false, want true"),
    (put(ctr, "securityContext.runAsNonRoot", to=False), f"{WHERE}: runAsNonRoot is false, want true"),
    (put(pod, "securityContext.runAsUser", to=0), f"{WHERE}: runAsUser is 0 (root)"),
    (put(ctr, "securityContext.runAsUser", to=0), f"{WHERE}: runAsUser is 0 (root)"),
    (put(pod, "securityContext.runAsUser", to=DELETE), None),  # runAsNonRoot alone makes the kubelet refuse root
    (both(put(pod, "securityContext.runAsUser", to=0), put(ctr, "securityContext.runAsUser", to=1000)), None),
    # filesystem, privileges, capabilities, seccomp
    (put(ctr, "securityContext.readOnlyRootFilesystem", to=False), f"{WHERE}: readOnlyRootFilesystem is not true"),
    (
        put(ctr, "securityContext.allowPrivilegeEscalation", to=DELETE),
        f"{WHERE}: allowPrivilegeEscalation is not false",
    ),
    (put(ctr, "securityContext.privileged", to=True), f"{WHERE}: privileged is true"),
    (
        put(ctr, "securityContext.capabilities.drop", to=["NET_RAW"]),
        f"{WHERE}: capabilities.drop is [NET_RAW], want [ALL]",
    ),
    (put(ctr, "securityContext.capabilities", to=DELETE), f"{WHERE}: capabilities.drop is [], want [ALL]"),
    (
        put(pod, "securityContext.seccompProfile", to=DELETE),
        f"{WHERE}: seccompProfile type is not set, want RuntimeDefault or Localhost",
    ),
    (
        put(pod, "securityContext.seccompProfile.type", to="Unconfined"),
        f"{WHERE}: seccompProfile type is Unconfined, want RuntimeDefault or Localhost",
    ),
    (put(ctr, "securityContext.seccompProfile", to={"type": "RuntimeDefault"}), None),
    # resources
    (put(ctr, "resources", to=DELETE), f"{WHERE}: resources.limits not set"),
    (put(ctr, "resources.limits", to={"cpu": "1"}), f"{WHERE}: resources.limits.memory not set"),
    # the Service
    (remove(1), "Deployment hello: no Service selects its pods"),
    (put(svc, "selector", to={"app": "other"}), "Deployment hello: no Service selects its pods"),
    (put(svc, "selector", to={}), "Deployment hello: no Service selects its pods"),
    (
        put(svc, "ports", to=[{"port": 80, "targetPort": "web"}]),
        "Service hello: targetPort web is not a port of Deployment hello's containers",
    ),
    (put(svc, "ports", to=[{"port": 8080}]), None),  # targetPort defaults to port
    (put(svc, "selector", to={"tier": "web"}), None),  # a subset of the pod's labels
    # what gets checked
    (remove(0), "chart: renders no DaemonSet, Deployment, StatefulSet"),
    (put(pod, "containers", to=[]), "Deployment hello: pod spec has no containers"),
]


@pytest.mark.parametrize(("edit", "want"), RULES)
def test_each_rule(edit: Edit, want: str | None) -> None:
    ms = good()
    edit(ms)
    assert [str(v) for v in check_manifests(ms)] == ([want] if want else [])


def test_init_containers_are_held_to_security_but_not_probes() -> None:
    ms = good()
    init = copy.deepcopy(ctr(ms))
    init.update(name="migrate", securityContext={"readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}})
    del init["livenessProbe"], init["readinessProbe"]
    pod(ms)["initContainers"] = [init]
    assert check_manifests(ms) == [
        Violation("Deployment hello, container migrate", "allowPrivilegeEscalation is not false"),
    ]


def test_cronjob_pods_are_checked_without_probes_or_service() -> None:
    job_pod = copy.deepcopy(pod(good()))
    del job_pod["containers"][0]["resources"]
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "report"},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": job_pod}}}},
    }
    assert [str(v) for v in check_manifests([*good(), cron])] == [
        "CronJob report, container hello: resources.limits not set"
    ]


def test_every_violation_is_reported() -> None:
    ms = good()
    put(ctr, "securityContext", to={})(ms)
    put(ctr, "livenessProbe.httpGet.path", to="/")(ms)
    problems = [v.problem for v in check_manifests(ms)]
    assert problems == [
        "readOnlyRootFilesystem is not true",
        "allowPrivilegeEscalation is not false",
        "capabilities.drop is [], want [ALL]",
        "livenessProbe path /, want /healthz",
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a: [", "not valid YAML"),
        ("- just\n- a list\n", "document 1 is not a Kubernetes object"),
        (f"{SERVICE}---\nkind: Service\n", "document 2 is not a Kubernetes object"),
    ],
)
def test_parse_refuses_what_is_not_kubernetes(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_manifests(text)


def test_resource_types_in_first_seen_order() -> None:
    assert resource_types([*good(), *good()]) == [("apps/v1", "Deployment"), ("v1", "Service")]


@pytest.mark.parametrize(
    ("api_version", "kind", "want"),
    [
        ("v1", "Service", "service-v1.json"),
        ("apps/v1", "Deployment", "deployment-apps-v1.json"),
        ("networking.k8s.io/v1", "Ingress", "ingress-networking-v1.json"),
        ("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscaler-autoscaling-v2.json"),
        ("policy/v1", "PodDisruptionBudget", "poddisruptionbudget-policy-v1.json"),
    ],
)
def test_schema_file_matches_kubeconform(api_version: str, kind: str, want: str) -> None:
    assert schema_file(api_version, kind) == want


@pytest.mark.parametrize(
    ("version", "want"), [("1.35.0", "v1.35.0-standalone-strict"), ("1.25.0", "v1.25.0-standalone-strict")]
)
def test_strict_dir(version: str, want: str) -> None:
    assert strict_dir(version) == want


@pytest.mark.parametrize("version", ["v1.35.0", "1.35", "latest", ""])
def test_strict_dir_refuses_bad_versions(version: str) -> None:
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
        strict_dir(version)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("apiVersion: v2\nname: hello\nversion: 0.1.0\n", ("hello", "0.1.0")),
        ("name: hello\n", "needs a name and a version"),
        ("- a\n", "not a mapping"),
        ("name: [\n", "not valid YAML"),
    ],
)
def test_chart_meta(text: str, want: tuple[str, str] | str) -> None:
    if isinstance(want, tuple):
        assert chart_meta(text) == want
    else:
        with pytest.raises(ValueError, match=want):
            chart_meta(text)


def test_rendered_chart_document_round_trips() -> None:
    # What helm prints (comments, "---" separators, a trailing newline) parses to the same objects.
    assert parse_manifests(yaml.safe_dump_all(good())) == good()


def test_probe_paths_are_the_users() -> None:
    ms = good()
    assert [str(v) for v in check_manifests(ms, ("/health/live", "/readyz"))] == [
        "Deployment hello, container hello: livenessProbe path /healthz, want /health/live"
    ]


HPA = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "hello"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "hello"},
        "minReplicas": 2,
        "maxReplicas": 5,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization"}}}],
    },
}
PDB = {
    "apiVersion": "policy/v1",
    "kind": "PodDisruptionBudget",
    "metadata": {"name": "hello"},
    "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "hello"}}},
}
MONITOR = {
    "apiVersion": "monitoring.coreos.com/v1",
    "kind": "ServiceMonitor",
    "metadata": {"name": "hello"},
    "spec": {"selector": {"matchLabels": {"app": "hello"}}, "endpoints": [{"port": "http", "path": "/metrics"}]},
}


def with_objects(*objects: dict[str, Any], cpu: bool = True) -> list[dict[str, Any]]:
    """The good chart, its Service labelled and its port named, CPU requested, plus objects."""
    ms = good()
    ms[1]["metadata"]["labels"] = {"app": "hello"}
    svc(ms)["ports"][0]["name"] = "http"
    if cpu:
        ctr(ms)["resources"]["requests"] = {"cpu": "50m"}
    return [*ms, *copy.deepcopy(objects)]


def edited(obj: dict[str, Any], path: str, to: object) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    put(lambda _: out, path, to=to)([])
    return out


@pytest.mark.parametrize(
    ("manifests", "want"),
    [
        (with_objects(HPA, PDB, MONITOR), []),
        (
            with_objects(HPA, cpu=False),
            ["HorizontalPodAutoscaler hello: scales on CPU but container hello sets no resources.requests.cpu"],
        ),
        (with_objects(edited(HPA, "spec.metrics", []), cpu=False), []),  # custom metrics only: no CPU request needed
        (
            with_objects(edited(HPA, "spec.scaleTargetRef.name", "other")),
            ["HorizontalPodAutoscaler hello: scaleTargetRef Deployment other is not in the chart"],
        ),
        (
            with_objects(edited(PDB, "spec.selector.matchLabels", {"app": "other"})),
            ["PodDisruptionBudget hello: selector matches no pods the chart renders"],
        ),
        (with_objects(edited(PDB, "spec.selector.matchLabels", {"tier": "web"})), []),
        (
            with_objects(edited(MONITOR, "spec.selector.matchLabels", {"app": "other"})),
            ["ServiceMonitor hello: selector matches no Service the chart renders"],
        ),
        (
            with_objects(edited(MONITOR, "spec.endpoints", [{"port": "metrics"}])),
            ["ServiceMonitor hello: endpoint port metrics is not a port name of the Service it selects"],
        ),
    ],
    ids=[
        "all-good",
        "hpa-cpu-without-request",
        "hpa-custom-metric-only",
        "hpa-wrong-target",
        "pdb-selects-nothing",
        "pdb-subset-selector",
        "monitor-selects-nothing",
        "monitor-wrong-port",
    ],
)
def test_references_must_hit(manifests: list[dict[str, Any]], want: list[str]) -> None:
    assert [str(v) for v in check_manifests(manifests)] == want


@pytest.mark.parametrize(
    ("api_version", "custom"),
    [
        ("v1", False),
        ("apps/v1", False),
        ("policy/v1", False),
        ("networking.k8s.io/v1", False),
        ("admissionregistration.k8s.io/v1", False),
        ("monitoring.coreos.com/v1", True),
        ("gateway.networking.k8s.io/v1", True),
        ("example.com/v1alpha1", True),
    ],
)
def test_is_custom(api_version: str, custom: bool) -> None:
    assert is_custom(api_version) is custom


@pytest.mark.parametrize(
    ("api_version", "kind", "want"),
    [
        ("monitoring.coreos.com/v1", "ServiceMonitor", "monitoring.coreos.com/servicemonitor_v1.json"),
        ("gateway.networking.k8s.io/v1", "HTTPRoute", "gateway.networking.k8s.io/httproute_v1.json"),
    ],
)
def test_crd_schema_file_matches_the_catalog_layout(api_version: str, kind: str, want: str) -> None:
    assert crd_schema_file(api_version, kind) == want
