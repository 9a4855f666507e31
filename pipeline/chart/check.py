"""The Helm chart check: helm lint --strict, helm template, kubeconform -strict, then the chart policy.

Helm and kubeconform are built with `go install` in the caller's Go builder, so they share its module and build
caches and need nothing but the Go module proxy. Schemas come from the network unless a folder is given.
Custom resources (ServiceMonitor, PrometheusRule, HTTPRoute: kinds whose schema lives in a CRD, not in
Kubernetes) are validated when the schema folder carries their schema as ``<group>/<kind>_<version>.json``;
otherwise kubeconform skips them and the summary names each one, so nothing passes unseen.
"""

from typing import Final

import dagger
from dagger import dag

from pipeline import pins
from pipeline.core.errors import PipelineError
from pipeline.core.execs import Result, bounded, exit_code, run
from pipeline.go.builder import GoEnv

from .check_policy import (
    PROBES,
    chart_meta,
    check_manifests,
    crd_schema_file,
    is_custom,
    parse_manifests,
    resource_types,
    strict_dir,
)

TOOLS_BIN: Final = "/opt/pipeline-chart/bin"
HELM_BIN: Final = f"{TOOLS_BIN}/helm"
KUBECONFORM_BIN: Final = f"{TOOLS_BIN}/kubeconform"
CHART: Final = "/chart"
VALUES: Final = "/values/values.yaml"
SCHEMAS: Final = "/schemas"
RENDERED: Final = "/out/manifests.yaml"
STEP: Final = "chart"
#: kubeconform's location template for custom resources' schemas, under SCHEMAS (see crd_schema_file).
CRD_SCHEMA_TEMPLATE: Final = "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"


def with_chart_tools(env: GoEnv) -> dagger.Container:
    """Return the builder with pinned helm and kubeconform installed (cached by the engine with the builder)."""
    ctr = env.container().with_env_variable("GOBIN", TOOLS_BIN)
    for tool in (pins.KUBECONFORM, pins.HELM):
        ctr = env.exec(ctr, ["go", "install", tool])
    return ctr.without_env_variable("GOBIN")


async def check_chart(
    env: GoEnv,
    chart: dagger.Directory,
    *,
    kube_version: str,
    schemas: dagger.Directory | None = None,
    values: dagger.File | None = None,
    release: str = "",
    probes: tuple[str, str] = PROBES,
) -> str:
    """Lint, render and validate a chart, then apply the chart policy; return a one-line summary.

    ``schemas`` holds Kubernetes JSON schemas for offline use, as yannh/kubernetes-json-schema lays them out
    (``v1.35.0-standalone-strict/deployment-apps-v1.json``); without it kubeconform downloads them. Raises
    PipelineError naming the failing step and each problem.
    """
    standalone = strict_dir(kube_version)  # validate before building anything
    if not await chart.exists("Chart.yaml", expected_type=dagger.ExistsType.REGULAR_TYPE):
        raise PipelineError(STEP, "no Chart.yaml in the chart directory")
    try:
        name, version = chart_meta(await chart.file("Chart.yaml").contents())
    except ValueError as e:
        raise PipelineError(STEP, str(e)) from e
    release = release or name

    ctr = with_chart_tools(env).with_directory(CHART, chart)
    value_args: list[str] = []
    if values is not None:
        ctr = ctr.with_file(VALUES, values)
        value_args = ["--values", VALUES]
    kube_args = ["--kube-version", kube_version]

    lint = await run(ctr, [HELM_BIN, "lint", "--strict", *kube_args, *value_args, CHART], STEP, env.step_timeout)
    if lint.code != 0:
        raise PipelineError(STEP, f"helm lint --strict failed on {name}", _helm_problems(lint))

    rendered = ctr.with_new_file(RENDERED, "").with_exec(
        bounded([HELM_BIN, "template", release, CHART, *kube_args, *value_args], env.step_timeout),
        redirect_stdout=RENDERED,
        expect=dagger.ReturnType.ANY,
    )
    if await exit_code(rendered, STEP) != 0:
        raise PipelineError(STEP, f"helm template failed on {name}", await rendered.stderr())
    try:
        manifests = parse_manifests(await rendered.file(RENDERED).contents())
    except ValueError as e:
        raise PipelineError(STEP, str(e)) from e

    location, schema_dir = await _schemas(schemas, standalone, kube_version)
    custom = [t for t in resource_types(manifests) if is_custom(t[0])]
    unchecked = [t for t in custom if schemas is None or not await _has_file(schemas, crd_schema_file(*t))]
    crd_location = [f"-schema-location={SCHEMAS}/{CRD_SCHEMA_TEMPLATE}"] if schemas is not None else []
    skip = [f"-skip={','.join(f'{api}/{kind}' for api, kind in unchecked)}"] if unchecked else []
    validated = await run(
        rendered.with_directory(SCHEMAS, schema_dir),
        [
            KUBECONFORM_BIN,
            "-strict",
            "-summary",
            "-output=text",
            f"-kubernetes-version={kube_version}",
            f"-schema-location={location}",
            *crd_location,
            *skip,
            RENDERED,
        ],
        STEP,
        env.step_timeout,
    )
    if validated.code != 0:
        raise PipelineError(
            STEP,
            f"kubeconform: rendered manifests do not match the Kubernetes {kube_version} schemas",
            validated.stdout + validated.stderr,
        )

    violations = check_manifests(manifests, probes)
    if violations:
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        raise PipelineError(STEP, f"{violations[0]}{more}", "\n".join(str(v) for v in violations))
    counts = next(
        (ln.removeprefix("Summary: ") for ln in validated.stdout.splitlines() if ln.startswith("Summary:")), ""
    )
    not_validated = (
        f"; custom resources without a schema, not validated: {', '.join(f'{k} ({a})' for a, k in unchecked)}"
        if unchecked
        else ""
    )
    return (
        f"chart {name} {version}: helm lint ok; kubeconform (Kubernetes {kube_version}): {counts}{not_validated};"
        " policy ok"
    )


async def _schemas(
    schemas: dagger.Directory | None, standalone: str, kube_version: str
) -> tuple[str, dagger.Directory]:
    """Return kubeconform's -schema-location and the folder to mount at SCHEMAS."""
    if schemas is None:
        return "default", dag.directory()
    if not await schemas.exists(standalone, expected_type=dagger.ExistsType.DIRECTORY_TYPE):
        found = ", ".join(sorted(e.rstrip("/") for e in await schemas.entries() if e.endswith("-strict/")))
        raise PipelineError(
            STEP,
            f"schemas: no {standalone}/ folder for Kubernetes {kube_version}",
            f"strict schema folders found: {found or 'none'}",
        )
    return SCHEMAS, schemas


async def _has_file(directory: dagger.Directory, path: str) -> bool:
    return await directory.exists(path, expected_type=dagger.ExistsType.REGULAR_TYPE)


def _helm_problems(res: Result) -> str:
    """Keep helm lint's findings (and errors), not its INFO lines."""
    lines = (res.stdout + "\n" + res.stderr).splitlines()
    return "\n".join(ln for ln in lines if ln.strip() and "[INFO]" not in ln)
