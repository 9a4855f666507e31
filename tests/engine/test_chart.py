"""The chart check on deploy/helm/hello and on broken copies of it, offline (kubernetes-validate's schemas)."""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagger
import pytest
import yaml
from dagger import dag

from pipeline.chart.check import check_chart
from pipeline.core.errors import PipelineError
from pipeline.go.builder import GoEnv
from tests.conftest import ROOT
from tests.kubeschemas import write_crd_schemas, write_standalone

CHART = ROOT / "deploy" / "helm" / "hello"
#: Every optional object on (the values the real API server tests install, tests/k8s).
FULL_VALUES = ROOT / "tests" / "k8s" / "values" / "full.yaml"
#: Minimal CRDs of the custom resources the chart renders (also installed into the real API server).
CRDS = sorted((ROOT / "tests" / "k8s" / "crds").glob("*.yaml"))
KUBE = "1.35.0"
OLDEST = "1.25.0"  # the chart's kubeVersion floor
RENDERED_TYPES = [
    ("v1", "ServiceAccount"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
    ("policy/v1", "PodDisruptionBudget"),
    ("v1", "Pod"),
    ("v1", "ConfigMap"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("networking.k8s.io/v1", "Ingress"),
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding"),
]
CUSTOM = (
    "HTTPRoute (gateway.networking.k8s.io/v1), PrometheusRule (monitoring.coreos.com/v1),"
    " ServiceMonitor (monitoring.coreos.com/v1)"
)


@pytest.fixture(scope="session")
def builder(go_image: str) -> GoEnv:
    """The Go builder the module uses, with its caches."""
    return GoEnv(image=go_image)


@pytest.fixture(scope="session")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dagger.Directory:
    """kubeconform's layout for the built-in kinds the chart renders, from kubernetes-validate's bundled schemas."""
    out = tmp_path_factory.mktemp("schemas")
    for version in (KUBE, OLDEST):
        write_standalone(out, version, RENDERED_TYPES)
    return dag.host().directory(str(out))


@pytest.fixture(scope="session")
def schemas_with_crds(tmp_path_factory: pytest.TempPathFactory) -> dagger.Directory:
    """The same, plus the custom resources' schemas made from the test CRDs (<group>/<kind>_<version>.json)."""
    out = tmp_path_factory.mktemp("schemas-crds")
    write_standalone(out, KUBE, RENDERED_TYPES)
    write_crd_schemas(out, CRDS)
    return dag.host().directory(str(out))


def full_values() -> dagger.File:
    return dag.host().file(str(FULL_VALUES))


@pytest.fixture
def chart_copy(tmp_path: Path) -> Callable[..., dagger.Directory]:
    """Copy the chart, apply edits, upload it."""

    def make(
        template_edits: dict[str, tuple[str, str]] | None = None,
        values_edit: Callable[[dict[str, Any]], None] | None = None,
    ) -> dagger.Directory:
        dst = tmp_path / "hello"
        shutil.copytree(CHART, dst)
        for rel, (old, new) in (template_edits or {}).items():
            path = dst / rel
            text = path.read_text()
            assert old in text, f"{old!r} not in {rel}"
            path.write_text(text.replace(old, new, 1))
        if values_edit is not None:
            values = yaml.safe_load((dst / "values.yaml").read_text())
            values_edit(values)
            (dst / "values.yaml").write_text(yaml.safe_dump(values, sort_keys=False))
        return dag.host().directory(str(dst))

    return make


def chart() -> dagger.Directory:
    return dag.host().directory(str(CHART))


@pytest.mark.parametrize("kube", [KUBE, OLDEST])
async def test_chart_passes(builder: GoEnv, schemas: dagger.Directory, kube: str) -> None:
    summary = await check_chart(builder, chart(), schemas=schemas, kube_version=kube)
    assert summary == (
        f"chart hello 0.1.0: helm lint ok; kubeconform (Kubernetes {kube}): 5 resources found in 1 file"
        " - Valid: 5, Invalid: 0, Errors: 0, Skipped: 0; policy ok"
    )


async def test_every_option_validates_with_crd_schemas(builder: GoEnv, schemas_with_crds: dagger.Directory) -> None:
    summary = await check_chart(builder, chart(), schemas=schemas_with_crds, kube_version=KUBE, values=full_values())
    assert summary == (
        f"chart hello 0.1.0: helm lint ok; kubeconform (Kubernetes {KUBE}): 13 resources found in 1 file"
        " - Valid: 13, Invalid: 0, Errors: 0, Skipped: 0; policy ok"
    )


async def test_custom_resources_without_schemas_are_skipped_and_named(
    builder: GoEnv, schemas: dagger.Directory
) -> None:
    summary = await check_chart(builder, chart(), schemas=schemas, kube_version=KUBE, values=full_values())
    assert summary == (
        f"chart hello 0.1.0: helm lint ok; kubeconform (Kubernetes {KUBE}): 13 resources found in 1 file"
        f" - Valid: 10, Invalid: 0, Errors: 0, Skipped: 3; custom resources without a schema, not validated: {CUSTOM};"
        " policy ok"
    )


async def test_custom_resource_schema_is_enforced(
    builder: GoEnv, schemas_with_crds: dagger.Directory, chart_copy: Callable[..., dagger.Directory]
) -> None:
    broken = chart_copy({"templates/servicemonitor.yaml": ("scrapeTimeout:", "scrapeTimout:")})
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, broken, schemas=schemas_with_crds, kube_version=KUBE, values=full_values())
    assert exc.value.cause == f"kubeconform: rendered manifests do not match the Kubernetes {KUBE} schemas"
    assert "ServiceMonitor hello" in exc.value.details
    assert "scrapeTimout" in exc.value.details


async def test_admission_policy_needs_kubernetes_1_30(builder: GoEnv, schemas: dagger.Directory) -> None:
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, chart(), schemas=schemas, kube_version=OLDEST, values=full_values())
    assert exc.value.cause == "helm template failed on hello"
    assert "admissionPolicy.enabled needs admissionregistration.k8s.io/v1" in exc.value.details


async def test_probe_paths_are_options(builder: GoEnv, schemas: dagger.Directory) -> None:
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, chart(), schemas=schemas, kube_version=KUBE, probes=("/live", "/readyz"))
    assert exc.value.cause == "Deployment hello, container hello: livenessProbe path /healthz, want /live"


async def test_broken_probe_path_is_named(
    builder: GoEnv, schemas: dagger.Directory, chart_copy: Callable[..., dagger.Directory]
) -> None:
    broken = chart_copy({"templates/deployment.yaml": ("path: /healthz", "path: /healthzz")})
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, broken, schemas=schemas, kube_version=KUBE)
    assert exc.value.step == "chart"
    assert exc.value.cause == "Deployment hello, container hello: livenessProbe path /healthzz, want /healthz"


def _root_user(values: dict[str, Any]) -> None:
    values["securityContext"]["runAsUser"] = 0


def _root_allowed(values: dict[str, Any]) -> None:
    values["podSecurityContext"]["runAsNonRoot"] = False
    del values["securityContext"]["runAsNonRoot"]


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (_root_user, "runAsUser is 0 (root)"),
        (_root_allowed, "runAsNonRoot is false, want true"),
    ],
    ids=["runAsUser-0", "runAsNonRoot-false"],
)
async def test_root_is_refused(
    builder: GoEnv,
    schemas: dagger.Directory,
    chart_copy: Callable[..., dagger.Directory],
    edit: Callable[[dict[str, Any]], None],
    problem: str,
) -> None:
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, chart_copy(values_edit=edit), schemas=schemas, kube_version=KUBE)
    assert exc.value.step == "chart"
    # The helm test Pod shares the security context, so it is named too.
    assert exc.value.cause == f"Deployment hello, container hello: {problem} (and 1 more)"
    assert (
        exc.value.details
        == f"Deployment hello, container hello: {problem}\nPod hello-test-probe, container probe: {problem}"
    )


async def test_unknown_field_fails_kubeconform(
    builder: GoEnv, schemas: dagger.Directory, chart_copy: Callable[..., dagger.Directory]
) -> None:
    broken = chart_copy({"templates/deployment.yaml": ("revisionHistoryLimit:", "revisionHistoryLimits:")})
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, broken, schemas=schemas, kube_version=KUBE)
    assert exc.value.cause == f"kubeconform: rendered manifests do not match the Kubernetes {KUBE} schemas"
    assert "revisionHistoryLimits" in exc.value.details
    assert "Deployment hello" in exc.value.details


async def test_values_schema_fails_helm_lint(
    builder: GoEnv, schemas: dagger.Directory, chart_copy: Callable[..., dagger.Directory]
) -> None:
    def bad(values: dict[str, Any]) -> None:
        values["replicaCount"] = "two"

    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, chart_copy(values_edit=bad), schemas=schemas, kube_version=KUBE)
    assert exc.value.cause == "helm lint --strict failed on hello"
    assert "replicaCount" in exc.value.details


async def test_values_file_is_applied(builder: GoEnv, schemas: dagger.Directory, tmp_path: Path) -> None:
    prod = tmp_path / "prod.yaml"
    prod.write_text("resources:\n  limits:\n    memory: null\n")  # null deletes the default memory limit
    with pytest.raises(PipelineError) as exc:
        await check_chart(
            builder, chart(), schemas=schemas, kube_version=KUBE, values=dag.host().file(str(prod)), release="prod"
        )
    assert exc.value.cause == "Deployment prod-hello, container hello: resources.limits.memory not set"


async def test_missing_schema_version_is_named(builder: GoEnv, schemas: dagger.Directory) -> None:
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, chart(), schemas=schemas, kube_version="1.99.0")
    assert exc.value.cause == "schemas: no v1.99.0-standalone-strict/ folder for Kubernetes 1.99.0"
    assert f"v{KUBE}-standalone-strict" in exc.value.details


async def test_not_a_chart(builder: GoEnv) -> None:
    with pytest.raises(PipelineError, match=r"no Chart\.yaml"):
        await check_chart(builder, dag.directory(), kube_version=KUBE)


async def test_bad_kube_version_is_refused_before_building(builder: GoEnv) -> None:
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
        await check_chart(builder, chart(), kube_version="v1.35")


async def test_prestop_sleep_needs_kubernetes_1_30(builder: GoEnv, schemas: dagger.Directory, tmp_path: Path) -> None:
    values = tmp_path / "sleep.yaml"
    values.write_text("preStopSleepSeconds: 5\n")
    summary = await check_chart(
        builder, chart(), schemas=schemas, kube_version=KUBE, values=dag.host().file(str(values))
    )
    assert "policy ok" in summary
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, chart(), schemas=schemas, kube_version=OLDEST, values=dag.host().file(str(values)))
    assert exc.value.cause == "helm template failed on hello"
    assert "preStopSleepSeconds needs Kubernetes >= 1.30" in exc.value.details
