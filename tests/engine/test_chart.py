"""The chart check on deploy/helm/hello and on broken copies of it, offline (kubernetes-validate's schemas)."""

import json
import shutil
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import dagger
import pytest
import yaml
from dagger import dag

from pipeline.chart import check_chart
from pipeline.chartpolicy import schema_file, standalone_schema
from pipeline.errors import PipelineError
from pipeline.golang import GoEnv
from tests.conftest import ROOT

CHART = ROOT / "deploy" / "helm" / "hello"
KUBE = "1.35.0"
OLDEST = "1.25.0"  # the chart's kubeVersion floor
#: The JSON schemas bundled by the kubernetes-validate package: v<version>-local-strict/<kind>-<group>-<version>.json.
BUNDLED = Path(str(files("kubernetes_validate") / "kubernetes-json-schema"))
RENDERED_TYPES = [("v1", "ServiceAccount"), ("v1", "Service"), ("apps/v1", "Deployment")]


@pytest.fixture(scope="session")
def builder(go_image: str) -> dagger.Container:
    """The Go builder the module uses, with its caches."""
    return GoEnv(image=go_image).container()


@pytest.fixture(scope="session")
def schemas() -> dagger.Directory:
    """kubernetes-validate's schema folder as it ships, limited to the versions tested."""
    return dag.host().directory(str(BUNDLED), include=[f"v{v}-local-strict/**" for v in (KUBE, OLDEST)])


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
async def test_chart_passes(builder: dagger.Container, schemas: dagger.Directory, kube: str) -> None:
    summary = await check_chart(builder, chart(), schemas=schemas, kube_version=kube)
    assert summary == (
        f"chart hello 0.1.0: helm lint ok; kubeconform (Kubernetes {kube}): 3 resources found in 1 file"
        " - Valid: 3, Invalid: 0, Errors: 0, Skipped: 0; policy ok"
    )


async def test_standalone_schema_layout_is_used_as_is(builder: dagger.Container, tmp_path: Path) -> None:
    # The yannh/kubernetes-json-schema layout, made here from the bundled schemas for the kinds the chart renders.
    local = BUNDLED / f"v{KUBE}-local-strict"
    definitions = json.loads((local / "_definitions.json").read_text())
    out = tmp_path / f"v{KUBE}-standalone-strict"
    out.mkdir()
    for api_version, kind in RENDERED_TYPES:
        name = schema_file(api_version, kind)
        schema = json.loads((local / name).read_text())
        (out / name).write_text(json.dumps(standalone_schema(schema, definitions)))
    standalone = dag.host().directory(str(tmp_path))
    summary = await check_chart(builder, chart(), schemas=standalone, kube_version=KUBE)
    assert "Valid: 3, Invalid: 0, Errors: 0, Skipped: 0; policy ok" in summary


async def test_broken_probe_path_is_named(
    builder: dagger.Container, schemas: dagger.Directory, chart_copy: Callable[..., dagger.Directory]
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
    builder: dagger.Container,
    schemas: dagger.Directory,
    chart_copy: Callable[..., dagger.Directory],
    edit: Callable[[dict[str, Any]], None],
    problem: str,
) -> None:
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, chart_copy(values_edit=edit), schemas=schemas, kube_version=KUBE)
    assert exc.value.step == "chart"
    assert exc.value.cause == f"Deployment hello, container hello: {problem}"
    assert exc.value.details == exc.value.cause


async def test_unknown_field_fails_kubeconform(
    builder: dagger.Container, schemas: dagger.Directory, chart_copy: Callable[..., dagger.Directory]
) -> None:
    broken = chart_copy({"templates/deployment.yaml": ("revisionHistoryLimit:", "revisionHistoryLimits:")})
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, broken, schemas=schemas, kube_version=KUBE)
    assert exc.value.cause == f"kubeconform: rendered manifests do not match the Kubernetes {KUBE} schemas"
    assert "revisionHistoryLimits" in exc.value.details
    assert "Deployment hello" in exc.value.details


async def test_values_schema_fails_helm_lint(
    builder: dagger.Container, schemas: dagger.Directory, chart_copy: Callable[..., dagger.Directory]
) -> None:
    def bad(values: dict[str, Any]) -> None:
        values["replicaCount"] = "two"

    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, chart_copy(values_edit=bad), schemas=schemas, kube_version=KUBE)
    assert exc.value.cause == "helm lint --strict failed on hello"
    assert "replicaCount" in exc.value.details


async def test_values_file_is_applied(builder: dagger.Container, schemas: dagger.Directory, tmp_path: Path) -> None:
    prod = tmp_path / "prod.yaml"
    prod.write_text("resources:\n  limits:\n    memory: null\n")  # null deletes the default memory limit
    with pytest.raises(PipelineError) as exc:
        await check_chart(
            builder, chart(), schemas=schemas, kube_version=KUBE, values=dag.host().file(str(prod)), release="prod"
        )
    assert exc.value.cause == "Deployment prod-hello, container hello: resources.limits.memory not set"


async def test_missing_schema_version_is_named(builder: dagger.Container, schemas: dagger.Directory) -> None:
    with pytest.raises(PipelineError) as exc:
        await check_chart(builder, chart(), schemas=schemas, kube_version="1.99.0")
    assert (
        exc.value.cause
        == "schemas: no v1.99.0-standalone-strict/ or v1.99.0-local-strict/ folder for Kubernetes 1.99.0"
    )
    assert f"v{KUBE}-local-strict" in exc.value.details


async def test_not_a_chart(builder: dagger.Container) -> None:
    with pytest.raises(PipelineError, match=r"no Chart\.yaml"):
        await check_chart(builder, dag.directory(), kube_version=KUBE)


async def test_bad_kube_version_is_refused_before_building(builder: dagger.Container) -> None:
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
        await check_chart(builder, chart(), kube_version="v1.35")


async def test_prestop_sleep_needs_kubernetes_1_30(
    builder: dagger.Container, schemas: dagger.Directory, tmp_path: Path
) -> None:
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
