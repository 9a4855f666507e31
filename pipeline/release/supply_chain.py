"""The release steps behind `sign`, `attest`, `publish-chart` and `ci --key`: what they write, checked first.

Each step checks the key and finds the pushed index and its platforms before it writes anything, and records
what it wrote in a Ledger, so that a failure says exactly how far a release got.
"""

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import dagger
from dagger import dag

from pipeline import pins
from pipeline.core.errors import PipelineError, UsageError
from pipeline.go.builder import GoEnv

from . import chart_publish, registry
from .attest_provenance import (
    DEFAULT_BUILDER_ID,
    BuildFacts,
    ImageRef,
    PlatformManifest,
    gosum_modules,
    parse_ref,
    predicate,
)
from .ci_release_plan import ReleasePlan
from .cosign import Attestation, Ledger, Signer, Tools, attest, check_signer, platform_manifests, resolve, sign
from .publish_tags import check_address, parse_version

#: Registry user and password (a Secret), passed through to the tools.
Login = tuple[str, dagger.Secret | None]
Step = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class ReleaseFacts:
    """What attest records beside the pipeline's own configuration."""

    version: str
    commit: str = ""
    source_uri: str = ""
    builder_id: str = ""


@dataclass(frozen=True)
class BuildRecipe:
    """How the pipeline builds, as the provenance records it: parameters, `go build` argv, the runtime base."""

    parameters: Mapping[str, object]
    go_build: list[str]
    base_image: str = ""


def check_login(username: str, password: dagger.Secret | None) -> None:
    """Raise UsageError unless a registry user and password come together (or neither)."""
    if (password is None) != (not username):
        msg = "publish: give --username and --password together"
        raise UsageError(msg)


@dataclass(frozen=True)
class Supply:
    """What the release steps need from the pipeline's configuration."""

    env: GoEnv
    source: dagger.Directory
    cosign_image: str
    login: Login
    platforms: tuple[str, ...]
    #: The image of one platform: (platform, version, revision) -> Container.
    image: Callable[[str, str, str], Awaitable[dagger.Container]]
    #: The CycloneDX SBOM of an image.
    sbom: Callable[[dagger.Container], dagger.File]
    #: The build recipe for a version.
    recipe: Callable[[str], Awaitable[BuildRecipe]]
    ledger: Ledger = field(default_factory=Ledger)

    def tools(self, address: str) -> Tools:
        """Return cosign and crane reaching the registry of address with this login."""
        check_login(*self.login)
        return Tools(self.env, self.cosign_image, registry.access(address, *self.login))


async def _signed(
    supply: Supply, step: str, image: str, signer: Signer
) -> tuple[ImageRef, Tools, str, list[PlatformManifest]]:
    """Check the key, then find the pushed index and its platforms (nothing is written before both pass)."""
    ref = parse_ref(image, step)
    tools = supply.tools(ref.repository)
    await check_signer(tools, signer, step)
    digest = await resolve(tools, ref, step)
    if ref.digest and digest != ref.digest:
        msg = f"{ref.repository}:{ref.tag} points to {digest}, not {ref.digest}: the tag moved; nothing was written"
        raise PipelineError(step, msg)
    return ref, tools, digest, await platform_manifests(tools, ref.repository, digest, step)


async def sign_image(supply: Supply, image: str, signer: Signer) -> list[str]:
    """Sign a published image: its index and each platform manifest (or the one image manifest)."""
    ref, tools, digest, platforms = await _signed(supply, "sign", image, signer)
    targets = [(digest, "index"), *((m.digest, m.platform) for m in platforms)] if platforms else [(digest, "image")]
    return await sign(tools, signer, ref.repository, targets, supply.ledger)


async def provenance(supply: Supply, facts: ReleaseFacts) -> str:
    """Return the SLSA provenance v1 predicate of this pipeline's build (JSON)."""
    project, source = supply.env.project, supply.source
    sums = [f"{u}/go.sum" for u in project.uses] if project.uses else ["go.sum"]
    modules = [
        m
        for path in [*sums, "go.work.sum"]
        if await source.exists(path)
        for m in gosum_modules(await source.file(path).contents())
    ]
    recipe = await supply.recipe(facts.version)
    build = BuildFacts(
        builder_id=facts.builder_id or DEFAULT_BUILDER_ID,
        source_uri=facts.source_uri,
        commit=facts.commit,
        version=facts.version,
        platforms=list(supply.platforms),
        parameters=dict(recipe.parameters),
        go_build=recipe.go_build,
        go_version=supply.env.go_version,
        builder_image=await dag.container().from_(supply.env.image).image_ref(),
        base_image=recipe.base_image,
        modules=sorted(set(modules), key=lambda m: (m.path, m.version)),
        builder_version={"dagger": pins.DAGGER_VERSION, "cosign": pins.COSIGN_VERSION},
    )
    return json.dumps(predicate(build), indent=2) + "\n"


async def attest_image(supply: Supply, image: str, signer: Signer, facts: ReleaseFacts) -> list[str]:
    """Attach a CycloneDX SBOM attestation per platform and SLSA provenance v1 to a published image."""
    ref, tools, digest, platforms = await _signed(supply, "attest", image, signer)
    built = set(supply.platforms)
    if not platforms and len(built) == 1:  # a single-platform publish is one image manifest
        platforms = [PlatformManifest(platform=next(iter(built)), digest=digest)]
    if {m.platform for m in platforms} != built:
        found = ", ".join(m.platform for m in platforms)
        msg = f"{ref.repository}@{digest} holds {found}; this pipeline builds {', '.join(sorted(built))}"
        raise PipelineError("attest", msg + "; nothing was written")
    items = [
        Attestation(
            m.digest,
            f"CycloneDX SBOM, {m.platform}",
            "cyclonedx",
            supply.sbom(await supply.image(m.platform, facts.version, facts.commit)),
        )
        for m in platforms
    ]
    document = dag.directory().with_new_file("provenance.json", await provenance(supply, facts))
    items.append(Attestation(digest, "SLSA provenance v1", "slsaprovenance1", document.file("provenance.json")))
    return await attest(tools, signer, ref.repository, items, supply.ledger)


async def publish_chart(
    supply: Supply, chart_dir: dagger.Directory, address: str, image: str, version: str, signer: Signer
) -> str:
    """Package the chart pinned to a published image's digest, push it to address and sign it."""
    check_address(address, "publish-chart --address")
    chart_version = str(parse_version(version))
    pinned = parse_ref(image, "publish-chart")
    if not pinned.digest:
        msg = f"publish-chart: --image {image!r} has no digest; give publish's output, repository:tag@sha256:…"
        raise UsageError(msg)
    tools = supply.tools(address)
    return await chart_publish.publish_chart(
        supply.env, tools, signer, chart_dir, address, pinned, chart_version, supply.ledger
    )


async def release_steps(
    supply: Supply,
    plan: ReleasePlan,
    publish: Callable[[], Awaitable[list[str]]],
    facts: ReleaseFacts,
    signer: Signer | None,
    chart_dir: dagger.Directory | None,
    address: str,
) -> list[tuple[str, Step]]:
    """Return ci's release steps in order; the key and the chart are checked now, before anything is built."""
    if signer is not None:  # a wrong key password fails here, before anything is built or pushed
        await check_signer(supply.tools(address), signer, "ci")
    if chart_dir is not None:
        await chart_publish.pin_values(chart_dir)
    ledger = supply.ledger
    published: list[str] = []

    async def push() -> None:
        published.extend(await publish())
        ledger.add(*(f"tag: {r}" for r in published))

    async def sign_() -> None:
        if signer is not None:
            await sign_image(supply, published[0], signer)

    async def attest_() -> None:
        if signer is not None:
            await attest_image(supply, published[0], signer, facts)

    async def chart_() -> None:
        if signer is not None and chart_dir is not None:
            await publish_chart(supply, chart_dir, plan.chart_address, published[0], facts.version, signer)

    steps: dict[str, Step] = {"publish": push, "sign": sign_, "attest": attest_, "publish-chart": chart_}
    return [(name, steps[name] if name == "publish" else ledger.guard(name, steps[name])) for name in plan.steps]
