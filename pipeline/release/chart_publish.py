"""`publish-chart`: a Helm chart pinned to the image digest publish returned, pushed as an OCI artifact and signed.

The chart is packaged with helm (pinned, built in the Go builder as for `chart-check`) with `version` and
`appVersion` set to the release, and `image.repository` / `image.digest` set in its values.yaml
(chart_publish_values.py), so the chart deploys exactly the image it was released with: clusters pull by digest.
Before anything is pushed, `helm template` of the package must render `repository@sha256:…`; then
`helm push oci://…` writes it and cosign signs the chart's manifest digest.
"""

import re
from typing import Final

import dagger
from dagger import dag

from pipeline import pins
from pipeline.chart.check import HELM_BIN, with_chart_tools
from pipeline.chart.check_policy import chart_meta, parse_manifests
from pipeline.core.errors import PipelineError, UsageError
from pipeline.core.execs import run
from pipeline.go.builder import GoEnv

from .attest_provenance import ImageRef
from .chart_publish_values import pin_image, rendered_images
from .cosign import Ledger, Signer, Tools, check_signer, sign
from .registry import Access, fresh, login_argv

STEP: Final = "publish-chart"
CHART: Final = "/chart"
PACKAGED: Final = "/chart-out"
_DIGEST: Final = re.compile(r"^Digest:\s*(sha256:[0-9a-f]{64})\s*$", re.MULTILINE)


#: A digest that stands for the image's before it is published (checking a chart needs one).
PLACEHOLDER: Final = "sha256:" + "0" * 64


async def pin_values(chart_dir: dagger.Directory, image: ImageRef | None = None) -> tuple[str, str]:
    """Return (name, values.yaml pinned to image); UsageError when the chart cannot be pinned (before any build)."""
    if not await chart_dir.exists("Chart.yaml", expected_type=dagger.ExistsType.REGULAR_TYPE):
        msg = f"{STEP}: the chart directory has no Chart.yaml"
        raise UsageError(msg)
    image = image or ImageRef(repository="registry.example/placeholder", digest=PLACEHOLDER)
    try:
        name, _ = chart_meta(await chart_dir.file("Chart.yaml").contents())
        values = await chart_dir.file("values.yaml").contents() if await chart_dir.exists("values.yaml") else ""
        return name, pin_image(values, image.repository, image.digest)
    except ValueError as e:
        msg = f"{STEP}: {e}"
        raise UsageError(msg) from None


async def publish_chart(
    env: GoEnv,
    tools: Tools,
    signer: Signer,
    chart_dir: dagger.Directory,
    address: str,
    image: ImageRef,
    version: str,
    ledger: Ledger,
) -> str:
    """Package, check, push and sign the chart; return oci://address/name:version@sha256:…."""
    name, pinned = await pin_values(chart_dir, image)
    await check_signer(tools, signer, STEP)

    ctr = with_chart_tools(env).with_directory(CHART, chart_dir.with_new_file("values.yaml", pinned))
    packaged = await run(
        ctr.with_directory(PACKAGED, dag.directory()),
        [HELM_BIN, "package", CHART, "--version", version, "--app-version", version, "--destination", PACKAGED],
        STEP,
        env.step_timeout,
    )
    if packaged.code != 0:
        raise PipelineError(
            STEP, f"helm package failed on {name}; nothing was pushed", packaged.stderr or packaged.stdout
        )
    package = f"{PACKAGED}/{name}-{version}.tgz"
    render = [HELM_BIN, "template", name, package, "--kube-version", pins.KUBE_VERSION]
    rendered = await run(packaged.container, render, STEP, env.step_timeout)
    if rendered.code != 0:
        raise PipelineError(STEP, f"helm template failed on the packaged {name}; nothing was pushed", rendered.stderr)
    pinned_ref = image.by_digest()
    images = rendered_images(parse_manifests(rendered.stdout))
    if pinned_ref not in images:
        raise PipelineError(
            STEP,
            f"the packaged chart does not run {pinned_ref}; nothing was pushed",
            f"images it renders: {', '.join(images) or 'none'} (the chart must use image.repository and image.digest)",
        )

    pushed = await _push(env, tools.access, packaged.container, package, address)
    chart_repo = f"{address}/{name}"
    ledger.add(f"chart: oci://{chart_repo}:{version}@{pushed}")
    await sign(tools, signer, chart_repo, [(pushed, "Helm chart")], ledger)
    return f"oci://{chart_repo}:{version}@{pushed}"


async def _push(env: GoEnv, access: Access, ctr: dagger.Container, package: str, address: str) -> str:
    """Push the package with helm to oci://address; return the chart manifest's digest."""
    argv = [HELM_BIN, "push", package, f"oci://{access.inside_ref(address)}"]
    if access.plain_http:
        argv.append("--plain-http")
    res = await run(fresh(access.apply(ctr)), login_argv(argv), STEP, env.step_timeout)
    found = _DIGEST.search(res.stdout + "\n" + res.stderr)
    if res.code != 0 or found is None:
        tail = (res.stderr or res.stdout).strip().splitlines()[-5:]
        raise PipelineError(STEP, f"helm push to oci://{address} failed; nothing was pushed", "\n".join(tail))
    return found.group(1)
