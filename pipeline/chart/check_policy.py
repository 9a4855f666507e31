"""What a rendered chart must satisfy, and where kubeconform finds its schemas (pure logic).

The policy is the app's contract with Kubernetes: liveness and readiness on HTTP GET paths (by default /healthz
and /readyz), both on a port the container declares; non-root, read-only root filesystem, no capabilities, no
privilege escalation, a seccomp profile; memory limits; a Service that reaches the pods. Objects that point at
others must hit: a HorizontalPodAutoscaler its workload (and on CPU, every container requests CPU), a
PodDisruptionBudget some pods, a ServiceMonitor a Service port by name.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, cast

import yaml

from pipeline.core.errors import UsageError

#: Default probe paths (the chart check takes others).
PROBES: Final = ("/healthz", "/readyz")
#: Long-running workloads: they need probes and a Service.
SERVING_KINDS: Final = frozenset({"Deployment", "StatefulSet", "DaemonSet"})
#: Where each kind keeps its pod spec.
POD_SPEC_PATHS: Final[Mapping[str, tuple[str, ...]]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}
SECCOMP_TYPES: Final = frozenset({"RuntimeDefault", "Localhost"})
#: API groups Kubernetes serves itself; anything else is a custom resource, whose schema comes from its CRD.
#: (gateway.networking.k8s.io ends in k8s.io but is a CRD group.)
BUILTIN_GROUPS: Final = frozenset(
    {
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "internal.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
        "storagemigration.k8s.io",
    }
)

KubeObject = dict[str, Any]


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (a resource, maybe a container) and what is wrong."""

    where: str
    problem: str

    def __str__(self) -> str:
        """Render as ``<where>: <problem>``."""
        return f"{self.where}: {self.problem}"


def parse_manifests(text: str) -> list[KubeObject]:
    """Parse `helm template` output (multi-document YAML) into manifests, skipping empty documents.

    Raises ValueError when the YAML does not parse or a document is not a Kubernetes object.
    """
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as e:
        msg = f"rendered manifests are not valid YAML: {e}"
        raise ValueError(msg) from e
    manifests: list[KubeObject] = []
    for i, doc in enumerate(docs):
        if doc is None:
            continue
        if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
            msg = f"rendered document {i + 1} is not a Kubernetes object (no kind/apiVersion)"
            raise ValueError(msg)
        manifests.append(cast("KubeObject", doc))
    return manifests


def check_rendered(text: str, probes: tuple[str, str] = PROBES) -> list[Violation]:
    """Parse rendered manifests and return every policy violation (empty when the chart complies)."""
    return check_manifests(parse_manifests(text), probes)


def check_manifests(manifests: list[KubeObject], probes: tuple[str, str] = PROBES) -> list[Violation]:
    """Return every policy violation in manifests, in document order; probes: liveness and readiness paths."""
    services = [m for m in manifests if m.get("kind") == "Service"]
    violations: list[Violation] = []
    serving = 0
    for m in manifests:
        kind = str(m.get("kind"))
        path = POD_SPEC_PATHS.get(kind)
        if path is None:
            continue
        where = object_name(m)
        pod = _dig(m, path)
        labels = _pod_labels(m)
        violations += _check_pod(where, pod, probes if kind in SERVING_KINDS else None)
        if kind in SERVING_KINDS:
            serving += 1
            violations += _check_service(where, pod, labels, services)
    if serving == 0:
        violations.append(Violation("chart", f"renders no {', '.join(sorted(SERVING_KINDS))}"))
    violations += _check_references(manifests)
    return violations


def object_name(manifest: KubeObject) -> str:
    """Name a manifest as ``<Kind> <name>``."""
    return f"{manifest.get('kind')} {_map(manifest, 'metadata').get('name', '<unnamed>')}"


def _check_pod(where: str, pod: KubeObject, probes: tuple[str, str] | None) -> list[Violation]:
    pod_sc = _map(pod, "securityContext")
    out: list[Violation] = []
    containers = _maps(pod, "containers")
    if not containers:
        return [Violation(where, "pod spec has no containers")]
    for c in [*_maps(pod, "initContainers"), *containers]:
        at = f"{where}, container {c.get('name', '<unnamed>')}"
        out += [Violation(at, p) for p in _security_problems(pod_sc, _map(c, "securityContext"))]
        out += [Violation(at, p) for p in _resource_problems(_map(c, "resources"))]
    if probes is not None:
        for c in containers:
            at = f"{where}, container {c.get('name', '<unnamed>')}"
            out += [Violation(at, p) for p in _probe_problems(c, "livenessProbe", probes[0])]
            out += [Violation(at, p) for p in _probe_problems(c, "readinessProbe", probes[1])]
    return out


def _security_problems(pod_sc: KubeObject, sc: KubeObject) -> Iterator[str]:
    """Container-level settings win over the pod's, as in the kubelet."""
    non_root = _effective(sc, pod_sc, "runAsNonRoot")
    if non_root is not True:
        yield "runAsNonRoot is not set" if non_root is None else f"runAsNonRoot is {_yaml(non_root)}, want true"
    if _effective(sc, pod_sc, "runAsUser") == 0:
        yield "runAsUser is 0 (root)"
    if sc.get("readOnlyRootFilesystem") is not True:
        yield "readOnlyRootFilesystem is not true"
    if sc.get("allowPrivilegeEscalation") is not False:
        yield "allowPrivilegeEscalation is not false"
    if sc.get("privileged") is True:
        yield "privileged is true"
    drop = _list(_map(sc, "capabilities"), "drop")
    if "ALL" not in drop:
        yield f"capabilities.drop is {_yaml(drop)}, want [ALL]"
    seccomp = _map(sc, "seccompProfile") or _map(pod_sc, "seccompProfile")
    kind = seccomp.get("type")
    if kind not in SECCOMP_TYPES:
        yield f"seccompProfile type is {kind or 'not set'}, want RuntimeDefault or Localhost"


def _resource_problems(resources: KubeObject) -> Iterator[str]:
    limits = _map(resources, "limits")
    if not limits:
        yield "resources.limits not set"
    elif not limits.get("memory"):
        yield "resources.limits.memory not set"


def _probe_problems(container: KubeObject, probe_name: str, want_path: str) -> Iterator[str]:
    probe = _map(container, probe_name)
    if not probe:
        yield f"no {probe_name}"
        return
    get = _map(probe, "httpGet")
    if not get:
        yield f"{probe_name} is not httpGet (want GET {want_path})"
        return
    path = get.get("path")
    if path != want_path:
        yield f"{probe_name} path {path or '(none)'}, want {want_path}"
    port = get.get("port")
    if _container_port(container, port) is None:
        yield f"{probe_name} port {port} is not a port the container declares"


def _check_service(
    where: str, pod: KubeObject, labels: Mapping[str, Any], services: list[KubeObject]
) -> list[Violation]:
    containers = _maps(pod, "containers")
    if not containers:
        return []  # already reported
    selecting = [s for s in services if _selects(_map(s, "spec").get("selector"), labels)]
    if not selecting:
        return [Violation(where, "no Service selects its pods")]
    out: list[Violation] = []
    for svc in selecting:
        for port in _maps(_map(svc, "spec"), "ports"):
            target = port.get("targetPort", port.get("port"))
            if not any(_container_port(c, target) is not None for c in containers):
                out.append(Violation(object_name(svc), f"targetPort {target} is not a port of {where}'s containers"))
    return out


def _check_references(manifests: list[KubeObject]) -> list[Violation]:
    """Autoscalers, disruption budgets and service monitors must point at objects the chart renders."""
    workloads = {
        (str(m.get("kind")), _map(m, "metadata").get("name")): m for m in manifests if m.get("kind") in POD_SPEC_PATHS
    }
    out: list[Violation] = []
    for m in manifests:
        kind, spec = m.get("kind"), _map(m, "spec")
        if kind == "HorizontalPodAutoscaler":
            out += _check_hpa(m, spec, workloads)
        elif kind == "PodDisruptionBudget":
            selector = _map(_map(spec, "selector"), "matchLabels")
            pods = [_pod_labels(w) for w in workloads.values() if str(w.get("kind")) in SERVING_KINDS]
            if not any(_selects(selector, labels) for labels in pods):
                out.append(Violation(object_name(m), "selector matches no pods the chart renders"))
        elif kind == "ServiceMonitor":
            out += _check_service_monitor(m, spec, [x for x in manifests if x.get("kind") == "Service"])
    return out


def _check_hpa(hpa: KubeObject, spec: KubeObject, workloads: Mapping[tuple[str, Any], KubeObject]) -> list[Violation]:
    ref = _map(spec, "scaleTargetRef")
    target = workloads.get((str(ref.get("kind")), ref.get("name")))
    if target is None:
        return [Violation(object_name(hpa), f"scaleTargetRef {ref.get('kind')} {ref.get('name')} is not in the chart")]
    on_cpu = any(_map(metric, "resource").get("name") == "cpu" for metric in _maps(spec, "metrics"))
    if not on_cpu:
        return []
    pod = _dig(target, POD_SPEC_PATHS[str(target.get("kind"))])
    return [
        Violation(object_name(hpa), f"scales on CPU but container {c.get('name')} sets no resources.requests.cpu")
        for c in _maps(pod, "containers")
        if not _map(_map(c, "resources"), "requests").get("cpu")
    ]


def _check_service_monitor(monitor: KubeObject, spec: KubeObject, services: list[KubeObject]) -> list[Violation]:
    selector = _map(_map(spec, "selector"), "matchLabels")
    selected = [s for s in services if _selects(selector, _map(_map(s, "metadata"), "labels"))]
    if not selected:
        return [Violation(object_name(monitor), "selector matches no Service the chart renders")]
    names = {p.get("name") for s in selected for p in _maps(_map(s, "spec"), "ports")}
    return [
        Violation(object_name(monitor), f"endpoint port {e.get('port')} is not a port name of the Service it selects")
        for e in _maps(spec, "endpoints")
        if "port" in e and e.get("port") not in names
    ]


def _pod_labels(workload: KubeObject) -> KubeObject:
    path = POD_SPEC_PATHS[str(workload.get("kind"))]
    return _map(_map(_dig(workload, path[:-1]), "metadata"), "labels")


def _selects(selector: object, labels: Mapping[str, Any]) -> bool:
    if not isinstance(selector, dict) or not selector:
        return False
    return all(labels.get(k) == v for k, v in cast("dict[str, Any]", selector).items())


def _container_port(container: KubeObject, port: object) -> KubeObject | None:
    """Return the declared port that a probe or targetPort names (by name or number), or None."""
    for p in _maps(container, "ports"):
        if (isinstance(port, str) and p.get("name") == port) or (
            isinstance(port, int) and not isinstance(port, bool) and p.get("containerPort") == port
        ):
            return p
    return None


def _effective(container: KubeObject, pod: KubeObject, key: str) -> Any:  # noqa: ANN401 (a YAML value)
    return container[key] if container.get(key) is not None else pod.get(key)


def _yaml(value: object) -> str:
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def _map(obj: Mapping[str, Any], key: str) -> KubeObject:
    value = obj.get(key)
    return cast("KubeObject", value) if isinstance(value, dict) else {}


def _list(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    return cast("list[Any]", value) if isinstance(value, list) else []


def _maps(obj: Mapping[str, Any], key: str) -> list[KubeObject]:
    return [cast("KubeObject", v) for v in _list(obj, key) if isinstance(v, dict)]


def _dig(obj: KubeObject, path: tuple[str, ...]) -> KubeObject:
    for key in path:
        obj = _map(obj, key)
    return obj


def chart_meta(chart_yaml: str) -> tuple[str, str]:
    """Return (name, version) from a Chart.yaml, or raise UsageError naming what is missing."""
    try:
        meta = yaml.safe_load(chart_yaml)
    except yaml.YAMLError as e:
        msg = f"Chart.yaml is not valid YAML: {e}"
        raise UsageError(msg) from e
    if not isinstance(meta, dict):
        msg = "Chart.yaml is not a mapping"
        raise UsageError(msg)
    fields = cast("dict[str, Any]", meta)
    name, version = fields.get("name"), fields.get("version")
    if not name or not version:
        msg = "Chart.yaml needs a name and a version"
        raise UsageError(msg)
    return str(name), str(version)


# --- kubeconform schemas -------------------------------------------------------------------------------------


def resource_types(manifests: list[KubeObject]) -> list[tuple[str, str]]:
    """Return the distinct (apiVersion, kind) pairs of manifests, in first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    for m in manifests:
        seen[str(m["apiVersion"]), str(m["kind"])] = None
    return list(seen)


def schema_file(api_version: str, kind: str) -> str:
    """Return the schema file name kubeconform looks up: ``deployment-apps-v1.json``, ``service-v1.json``.

    The group is cut at its first dot (``networking.k8s.io/v1`` gives ``-networking-v1``), as kubeconform does.
    """
    group, _, version = api_version.rpartition("/")
    parts = [kind, group.split(".", 1)[0]] if group else [kind]
    return "-".join(p.lower() for p in [*parts, version]) + ".json"


def is_custom(api_version: str) -> bool:
    """Tell whether an apiVersion belongs to a custom resource (a group Kubernetes does not serve itself)."""
    group, _, _ = api_version.rpartition("/")
    return group not in BUILTIN_GROUPS


def crd_schema_file(api_version: str, kind: str) -> str:
    """Return where a custom resource's JSON schema sits in a schema folder: ``<group>/<kind>_<version>.json``.

    This is the layout of the CRDs-catalog and of openapi2jsonschema's output, and kubeconform's
    ``{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`` location template.
    """
    group, _, version = api_version.rpartition("/")
    return f"{group}/{kind.lower()}_{version}.json"


def strict_dir(kube_version: str) -> str:
    """Return kubeconform's folder of strict schemas for a Kubernetes version: ``v1.35.0-standalone-strict``."""
    if not re.fullmatch(r"\d+\.\d+\.\d+", kube_version):
        msg = f"chart-check --kube-version: {kube_version!r} is not MAJOR.MINOR.PATCH such as 1.35.0"
        raise UsageError(msg)
    return f"v{kube_version}-standalone-strict"
