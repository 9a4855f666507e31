"""The Pipeline's configuration resolved into what the steps take: source, Go env, build flags, platforms, caches."""

import asyncio
from collections.abc import Awaitable
from dataclasses import replace
from functools import partial
from typing import Final, Protocol

import dagger
from dagger import dag

from . import pins
from .ci.cache import NO_SEEDS, Packing, Seeds, checksummer, export_image, fill, import_seeds
from .ci.cache_manifest import CacheManifest, gosum_digest
from .config import Config
from .core.errors import UsageError
from .core.validate import check_link_vars
from .go import build
from .go.before import prepare
from .go.build import BuildFlags
from .go.builder import (
    OUT,
    GoEnv,
    build_cache,
    builder_image,
    check_packages,
    effective_go_version,
    mod_cache,
    read_project,
)
from .go.builder_modfiles import GoMod
from .go.lint import lint_cache
from .go.lint_tool import LintTool, choose_lint_tool
from .go.platforms import Platform, parse_platform, parse_platforms
from .go.testing import TEST_TOOLS, test_cache
from .release.publish_tags import check_address, fan_out
from .release.supply_chain import BuildRecipe, Supply
from .security import scan
from .security.scan import Trivy, db_volume


class ImageFn(Protocol):
    """The Pipeline's image function: the runtime image of one platform."""

    def __call__(self, platform: str = "", version: str = "dev", revision: str = "") -> Awaitable[dagger.Container]:
        """Build the runtime image for one platform."""
        ...


def given(p: Config) -> dagger.Directory:
    """Return the source as given, minus --exclude: what go.mod is read from."""
    return p.source.filter(exclude=p.exclude) if p.exclude else p.source


async def source(p: Config) -> dagger.Directory:
    """Return the source every step sees: as given, then with what the --before commands wrote."""
    if not p.before:
        return given(p)
    return await prepare(await go_env(p), given(p), p.before, p.before_image)


async def go_env(p: Config) -> GoEnv:
    """Return the Go builder environment: go.mod read, the Go version chosen, an imported cache in its volumes.

    Made once per Pipeline (its steps share it): the cache volumes are looked at, and filled, once.
    """
    state = vars(p)  # not a field: never part of the object's state, so never cached across calls
    made: asyncio.Future[GoEnv] | None = state.get(_GO_ENV)
    if made is None:
        made = state[_GO_ENV] = asyncio.ensure_future(_go_env(p))
    return await asyncio.shield(made)  # a cancelled step does not cancel the others' environment


#: Where go_env keeps a Pipeline's environment while it is made and after.
_GO_ENV: Final = "_pipeline_go_env"


async def _go_env(p: Config) -> GoEnv:
    """Make go_env's environment."""
    project = await read_project(given(p))
    version = effective_go_version(project, p.go_version)
    seeds = await cache_seeds(p, project, version)
    env = GoEnv(
        cache_note=seeds.note,
        image=builder_image(p.go_image, version),
        go_version=version,
        goproxy=p.goproxy,
        goprivate=p.goprivate,
        netrc=p.netrc,
        cache_namespace=p.cache_namespace,
        step_timeout=p.step_timeout,
        cgo=p.cgo,
        project=project,
    )
    if failed := await fill(env, seeds, volumes(env)):
        return replace(env, cache_note=failed)
    return env


def volumes(env: GoEnv) -> dict[str, dagger.CacheVolume]:
    """Return the cache volumes a cache travels in, by part, as the steps mount them."""
    return {
        "gomod": mod_cache(env.cache_namespace),
        "gobuild": build_cache(env.cache_namespace),
        "gotest": test_cache(env),
        "golangci-lint": lint_cache(env),
        "trivy": db_volume(),
    }


async def build_flags(p: Config, env: GoEnv, version: str = "dev", *, debug: bool = False) -> BuildFlags:
    """Return go build's flags for the main packages (checked to exist), tags and linker variables."""
    await check_packages(await source(p), p.packages)
    return BuildFlags(
        packages=tuple(env.patterns(p.packages)),
        version=version,
        tags=tuple(p.tags),
        link_vars=check_link_vars(p.link_vars),
        gcflags="all=-N -l" if debug else "",
    )


def platforms(p: Config) -> list[Platform]:
    """Return the platforms to build, parsed; cgo builds one platform at a time."""
    parsed = parse_platforms(p.platforms)
    if p.cgo and len(parsed) > 1:
        msg = "platforms: --cgo builds need a C cross-compiler per platform; build one platform per native runner"
        raise UsageError(msg)
    return parsed


async def platform(given_platform: str) -> Platform:
    """Return the platform asked for, or the engine's own."""
    return parse_platform(given_platform or str(await dag.default_platform()))


def lint_tool(p: Config, env: GoEnv) -> LintTool:
    """Return the golangci-lint to run: its version (option, go.mod tool directive, pin) and image."""
    return choose_lint_tool(env.project, p.golangci_lint_version, p.golangci_lint_image)


def trivy(p: Config) -> Trivy:
    """Return Trivy as configured."""
    return Trivy(p.trivy_image, p.trivy_db, p.trivy_db_repository, p.step_timeout)


async def cache_manifest(p: Config, project: GoMod, go_version: str) -> CacheManifest:
    """Return what a cache of this run is made for: Go version, engine platform, tool versions, go.sum."""
    sums = [f"{u}/go.sum" for u in project.uses] if project.uses else ["go.sum"]
    src = given(p)
    contents = [await src.file(s).contents() for s in sums if await src.exists(s)]
    lint = choose_lint_tool(project, p.golangci_lint_version, p.golangci_lint_image)
    tools = {"golangci-lint": lint.version, "trivy": p.trivy_image}
    engine_platform = str(await dag.default_platform())
    return CacheManifest(go_version=go_version, platform=engine_platform, gosum=gosum_digest(*contents), tools=tools)


async def cache_seeds(p: Config, project: GoMod, go_version: str) -> Seeds:
    """Return the imported cache new volumes start from (--cache-from, --cache-image), or none."""
    if p.cache_from is None and not p.cache_image:
        return NO_SEEDS
    if p.cache_image:
        check_address(p.cache_image, "--cache-image")  # a typo is bad input; an unreachable registry only costs time
    want = await cache_manifest(p, project, go_version)
    login = (p.cache_username, p.cache_password)
    return await import_seeds(want, p.cache_from, p.cache_image, login)


async def cache_export(p: Config, env: GoEnv) -> tuple[dagger.Container, CacheManifest]:
    """Return the image of this run's volumes (lazy), the OCI artifact cache-push publishes, and its manifest."""
    manifest = await cache_manifest(p, env.project, env.go_version)
    return export_image(env, await source(p), manifest, volumes(env), TEST_TOOLS), manifest


async def cache_packing(p: Config, env: GoEnv) -> Packing:
    """Return what this run's cache folder is made from (lazy: Packing.folder packs it)."""
    image, manifest = await cache_export(p, env)
    return Packing(image, manifest.to_json(), checksummer(env))


async def ignorefile(p: Config, given_file: dagger.File | None) -> dagger.File | None:
    """Return Trivy's ignore file: the one given, else the source's .trivyignore, if any."""
    src = await source(p)
    if given_file is None and await src.exists(".trivyignore"):
        return src.file(".trivyignore")
    return given_file


async def built(p: Config, target: Platform, version: str, *, debug: bool = False) -> build.Built:
    """Return every main package built for target (with delve beside them for debug builds)."""
    env = await go_env(p)
    flags = await build_flags(p, env, version, debug=debug)
    deps = await env.deps(await source(p), tools=[pins.DELVE] if debug else ())
    return await build.built(env, deps, target, flags, wanted=p.main)


async def recipe(p: Config, version: str) -> BuildRecipe:
    """Return how this pipeline builds, as the provenance records it."""
    flags = await build_flags(p, await go_env(p), version)
    base = await dag.container().from_(p.runtime_base).image_ref() if p.runtime_base else ""
    parameters = {
        "packages": list(p.packages),
        "main": p.main,
        "tags": list(p.tags),
        "linkVars": list(p.link_vars),
        "cgo": p.cgo,
        "runtimeBase": p.runtime_base,
    }
    return BuildRecipe(parameters=parameters, go_build=flags.argv(OUT), base_image=base)


async def supply(p: Config, image_fn: ImageFn, username: str, password: dagger.Secret | None) -> Supply:
    """Return what sign, attest, publish-chart and ci's release steps need, with one registry login."""

    async def image(target: str, version: str, revision: str) -> dagger.Container:
        return await image_fn(platform=target, version=version, revision=revision)

    return Supply(
        env=await go_env(p),
        source=await source(p),
        cosign_image=p.cosign_image,
        login=(username, password),
        platforms=tuple(str(t) for t in platforms(p)),
        image=image,
        sbom=partial(scan.sbom, trivy(p)),
        recipe=partial(recipe, p),
    )


def publish_tags(address: str, version: str, commit: str, latest: bool, step: str = "publish") -> list[str]:
    """Return the tags publish writes, checked (address, semver, commit) before anything is built."""
    check_address(address, f"{step} --address")
    return fan_out(version, latest=latest, commit=commit)
