"""The Helm chart check: helm lint --strict, helm template, kubeconform -strict, then the chart policy.

Helm and kubeconform are built with `go install` in the caller's Go builder, so they share its module and build
caches and need nothing but the Go module proxy. Schemas come from the network unless a folder is given.
"""

import json
from typing import Any, Final

import dagger
from dagger import dag

from . import pins
from .chartpolicy import (
    chart_meta,
    check_manifests,
    parse_manifests,
    resource_types,
    schema_file,
    standalone_schema,
    strict_dir,
)
from .errors import PipelineError
from .execs import Result, exit_code, run

TOOLS_BIN: Final = "/opt/pipeline-chart/bin"
HELM_BIN: Final = f"{TOOLS_BIN}/helm"
KUBECONFORM_BIN: Final = f"{TOOLS_BIN}/kubeconform"
CHART: Final = "/chart"
VALUES: Final = "/values/values.yaml"
SCHEMAS: Final = "/schemas"
RENDERED: Final = "/out/manifests.yaml"
STEP: Final = "chart"


def with_chart_tools(builder: dagger.Container) -> dagger.Container:
    """Install pinned helm and kubeconform into the builder (cached by the engine with the builder)."""
    return (
        builder.with_env_variable("GOBIN", TOOLS_BIN)
        .with_exec(["go", "install", pins.KUBECONFORM])
        .with_exec(["go", "install", pins.HELM])
        .without_env_variable("GOBIN")
    )


async def check_chart(
    builder: dagger.Container,
    chart: dagger.Directory,
    *,
    kube_version: str,
    schemas: dagger.Directory | None = None,
    values: dagger.File | None = None,
    release: str = "",
) -> str:
    """Lint, render and validate a chart, then apply the chart policy; return a one-line summary.

    ``schemas`` holds Kubernetes JSON schemas for offline use, either as yannh/kubernetes-json-schema lays
    them out (``v1.35.0-standalone-strict/deployment-apps-v1.json``) or as the kubernetes-validate package
    bundles them (``v1.35.0-local-strict/`` with a shared ``_definitions.json``); without it kubeconform
    downloads them. Raises PipelineError naming the failing step and each problem.
    """
    strict_dir(kube_version, "standalone")  # validate before building anything
    if not await chart.exists("Chart.yaml", expected_type=dagger.ExistsType.REGULAR_TYPE):
        raise PipelineError(STEP, "no Chart.yaml in the chart directory")
    try:
        name, version = chart_meta(await chart.file("Chart.yaml").contents())
    except ValueError as e:
        raise PipelineError(STEP, str(e)) from e
    release = release or name

    ctr = with_chart_tools(builder).with_directory(CHART, chart)
    value_args: list[str] = []
    if values is not None:
        ctr = ctr.with_file(VALUES, values)
        value_args = ["--values", VALUES]
    kube_args = ["--kube-version", kube_version]

    lint = await run(ctr, [HELM_BIN, "lint", "--strict", *kube_args, *value_args, CHART], STEP)
    if lint.code != 0:
        raise PipelineError(STEP, f"helm lint --strict failed on {name}", _helm_problems(lint))

    rendered = ctr.with_new_file(RENDERED, "").with_exec(
        [HELM_BIN, "template", release, CHART, *kube_args, *value_args],
        redirect_stdout=RENDERED,
        expect=dagger.ReturnType.ANY,
    )
    if await exit_code(rendered, STEP) != 0:
        raise PipelineError(STEP, f"helm template failed on {name}", await rendered.stderr())
    try:
        manifests = parse_manifests(await rendered.file(RENDERED).contents())
    except ValueError as e:
        raise PipelineError(STEP, str(e)) from e

    location, schema_dir = await _schemas(schemas, kube_version, resource_types(manifests))
    validated = await run(
        rendered.with_directory(SCHEMAS, schema_dir),
        [
            KUBECONFORM_BIN,
            "-strict",
            "-summary",
            "-output=text",
            f"-kubernetes-version={kube_version}",
            f"-schema-location={location}",
            RENDERED,
        ],
        STEP,
    )
    if validated.code != 0:
        raise PipelineError(
            STEP,
            f"kubeconform: rendered manifests do not match the Kubernetes {kube_version} schemas",
            validated.stdout + validated.stderr,
        )

    violations = check_manifests(manifests)
    if violations:
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        raise PipelineError(STEP, f"{violations[0]}{more}", "\n".join(str(v) for v in violations))
    counts = next(
        (ln.removeprefix("Summary: ") for ln in validated.stdout.splitlines() if ln.startswith("Summary:")), ""
    )
    return f"chart {name} {version}: helm lint ok; kubeconform (Kubernetes {kube_version}): {counts}; policy ok"


async def _schemas(
    schemas: dagger.Directory | None, kube_version: str, types: list[tuple[str, str]]
) -> tuple[str, dagger.Directory]:
    """Return kubeconform's -schema-location and the folder to mount at SCHEMAS."""
    if schemas is None:
        return "default", dag.directory()
    standalone = strict_dir(kube_version, "standalone")
    if await schemas.exists(standalone, expected_type=dagger.ExistsType.DIRECTORY_TYPE):
        return SCHEMAS, schemas
    local = strict_dir(kube_version, "local")
    if not await schemas.exists(f"{local}/_definitions.json", expected_type=dagger.ExistsType.REGULAR_TYPE):
        found = ", ".join(sorted(e.rstrip("/") for e in await schemas.entries() if e.endswith("-strict/")))
        raise PipelineError(
            STEP,
            f"schemas: no {standalone}/ or {local}/ folder for Kubernetes {kube_version}",
            f"strict schema folders found: {found or 'none'}",
        )
    # kubernetes-validate's layout: make each schema the chart needs self-contained (see standalone_schema).
    definitions: dict[str, Any] = json.loads(await schemas.file(f"{local}/_definitions.json").contents())
    out = dag.directory()
    for api_version, kind in types:
        name = schema_file(api_version, kind)
        if await schemas.exists(f"{local}/{name}", expected_type=dagger.ExistsType.REGULAR_TYPE):
            schema: dict[str, Any] = json.loads(await schemas.file(f"{local}/{name}").contents())
            out = out.with_new_file(f"{standalone}/{name}", json.dumps(standalone_schema(schema, definitions)))
        # else: kubeconform -strict reports the kind as having no schema.
    return SCHEMAS, out


def _helm_problems(res: Result) -> str:
    """Keep helm lint's findings (and errors), not its INFO lines."""
    lines = (res.stdout + "\n" + res.stderr).splitlines()
    return "\n".join(ln for ln in lines if ln.strip() and "[INFO]" not in ln)
