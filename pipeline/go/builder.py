"""The Go builder container: image, caches, module download and the source (lazy but for go.mod reads).

The source reaches the builder whole (minus what the user excludes): `//go:embed` patterns, testdata, a
workspace's modules and vendor/ are all there, as for a native `go build`. What keeps steps fast is Go's
own bookkeeping, persisted in cache volumes: the build cache (compiled packages and linked test binaries)
and the test cache (results keyed on the files and environment each test read). A README edit re-runs an
exec, and Go answers it from those caches.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final

import dagger
from dagger import dag

from pipeline import pins
from pipeline.core.errors import PipelineError, UsageError
from pipeline.core.execs import bounded
from pipeline.core.tasks import gather
from pipeline.core.validate import check_package_syntax, package_dir

from .builder_modfiles import GO_MOD, GO_WORK, GoMod, check_go_version, parse_go_mod, parse_go_work

SRC: Final = "/src"
OUT: Final = "/out"
GOMODCACHE: Final = "/go/pkg/mod"
GOCACHE: Final = "/root/.cache/go-build"
#: Cache volumes are prefixed with the module name so they never collide with a user's.
VOLUME_PREFIX: Final = "pipeline"
#: The flags every compile in the root's Go build cache shares: release builds, vet and the tools installed. Go
#: keys a compiled package on its flags, so with these alike each package (the standard library's too) compiles
#: once per platform, whichever step gets there first.
COMPILE_FLAGS: Final = ("-trimpath", "-buildvcs=false")
#: What `go mod download` reads: the download step is keyed on these files alone.
MODULE_FILES: Final = ["**/go.mod", "**/go.sum", "go.work", "go.work.sum"]
VENDOR_MANIFEST: Final = "vendor/modules.txt"
#: GoEnv's project when none was read (tools-only containers).
NO_PROJECT: Final = GoMod(module="", go="")


def volume(name: str, namespace: str = "", owner: str = "") -> dagger.CacheVolume:
    """Return the cache volume ``pipeline[-namespace]-name``.

    Never made with a source: a volume's source is part of every mounting step's cache key, so an imported cache
    would run each step again whenever its folder changed. An imported cache fills the volumes by an exec of its own
    instead (pipeline/ci/cache.py).
    """
    return dag.cache_volume("-".join(p for p in (VOLUME_PREFIX, namespace, name) if p), owner=owner)


def mod_cache(namespace: str = "") -> dagger.CacheVolume:
    """Return Go's module cache volume (GOMODCACHE)."""
    return volume("gomodcache", namespace)


def build_cache(namespace: str = "") -> dagger.CacheVolume:
    """Return Go's build cache volume (GOCACHE) of the steps that run as root."""
    return volume("gobuildcache", namespace)


def go_caches(namespace: str = "") -> Callable[[dagger.Container], dagger.Container]:
    """Return a transform mounting the module and build caches (shared: Go locks them itself)."""

    def with_go_caches(ctr: dagger.Container) -> dagger.Container:
        shared = dagger.CacheSharingMode.SHARED
        return (
            ctr.with_mounted_cache(GOMODCACHE, mod_cache(namespace), sharing=shared)
            .with_mounted_cache(GOCACHE, build_cache(namespace), sharing=shared)
            .with_env_variable("GOMODCACHE", GOMODCACHE)
            .with_env_variable("GOCACHE", GOCACHE)
        )

    return with_go_caches


@dataclass(frozen=True, kw_only=True)
class GoEnv:
    """Settings of the builder, resolved from the Pipeline's configuration."""

    image: str
    go_version: str = ""
    goproxy: str = ""
    goprivate: str = ""
    netrc: dagger.Secret | None = None
    cache_namespace: str = ""
    #: Upper bound of every exec in seconds (`timeout` in the builder).
    step_timeout: int = pins.STEP_TIMEOUT
    cgo: bool = False
    #: The source's go.mod (or go.work), read once per call with the rest of the settings.
    project: GoMod = NO_PROJECT
    #: What became of an imported cache: the one line a report shows ("" when none was asked for).
    cache_note: str = ""

    @property
    def workspace(self) -> tuple[str, ...]:
        """The modules of a go.work workspace (folders); empty for a single module."""
        return self.project.uses

    def patterns(self, patterns: Sequence[str]) -> list[str]:
        """Return package patterns as Go takes them here: in a workspace, ./... means ./<module>/... for each module."""
        out: list[str] = []
        for p in patterns:
            if p == "./..." and self.workspace:
                out += [f"./{m}/..." if m != "." else "./..." for m in self.workspace]
            else:
                out.append(p)
        return out

    def container(self) -> dagger.Container:
        """Return the builder with caches, proxy settings and the optional netrc secret."""
        ctr = (
            dag.container()
            .from_(self.image)
            .with_(go_caches(self.cache_namespace))
            .with_env_variable("CGO_ENABLED", "1" if self.cgo else "0")
        )
        if self.goproxy:
            ctr = ctr.with_env_variable("GOPROXY", self.goproxy)
        if self.goprivate:
            ctr = ctr.with_env_variable("GOPRIVATE", self.goprivate).with_env_variable("GONOSUMDB", self.goprivate)
        if self.netrc is not None:
            # A mounted secret: never in a layer, a log or a cache key.
            ctr = ctr.with_mounted_secret("/root/.netrc", self.netrc)
        return ctr

    def exec(
        self,
        ctr: dagger.Container,
        argv: list[str],
        *,
        expect: dagger.ReturnType = dagger.ReturnType.SUCCESS,
        redirect_stdout: str = "",
        redirect_stdin: str = "",
    ) -> dagger.Container:
        """Run argv in ctr, killed after step_timeout seconds."""
        return ctr.with_exec(
            bounded(argv, self.step_timeout),
            expect=expect,
            redirect_stdout=redirect_stdout,
            redirect_stdin=redirect_stdin,
        )

    async def deps(
        self, source: dagger.Directory, tools: Sequence[str] = (), base: dagger.Container | None = None
    ) -> dagger.Container:
        """Return the builder (or base, a builder with more in it) with pinned tools, modules and the source at /src.

        Tools install first and the download sees only go.mod/go.sum/go.work (a content-addressed filter), so
        both keep their cache across every change that leaves those files alone. A vendored module
        (vendor/modules.txt) downloads nothing: Go builds it with -mod=vendor, as natively. The source is
        mounted, not copied into a layer: a one-line change costs the build, not a snapshot of the tree.
        """
        ctr = base if base is not None else self.container()
        for tool in tools:
            ctr = self.exec(ctr, ["go", "install", *COMPILE_FLAGS, tool])
        ctr = ctr.with_workdir(SRC)
        if not await source.exists(VENDOR_MANIFEST):
            ctr = self.exec(
                ctr.with_mounted_directory(SRC, source.filter(include=MODULE_FILES)), ["go", "mod", "download"]
            )
        return ctr.with_mounted_directory(SRC, source)


def builder_image(go_image: str, go_version: str) -> str:
    """Return the builder image: go_image when set, else the official golang image for go_version (by digest)."""
    if go_image:
        return go_image
    image = pins.GO_IMAGE.format(version=go_version)
    digest = pins.GO_IMAGE_DIGESTS.get(go_version)
    return f"{image}@{digest}" if digest else image


async def read_project(source: dagger.Directory) -> GoMod:
    """Read go.work (a workspace) or go.mod at the source's root; name what is missing otherwise."""
    candidates = ((GO_WORK, parse_go_work), (GO_MOD, parse_go_mod))
    regular = dagger.ExistsType.REGULAR_TYPE
    found = await gather(*(partial(source.exists, name, expected_type=regular) for name, _ in candidates))
    for there, (name, parse) in zip(found, candidates, strict=True):
        if there:
            return parse(await source.file(name).contents())
    nested = sorted(p.removesuffix("/go.mod") for p in await source.glob("*/go.mod"))
    hint = f"; Go modules in sub-folders: {', '.join(nested)} (pass --source <folder>)" if nested else ""
    raise PipelineError("source", f"no go.mod or go.work at the root of the source directory{hint}")


def effective_go_version(project: GoMod, override: str) -> str:
    """Return override when given, else the version go.mod (or go.work) asks for."""
    return check_go_version(override) if override else project.go_version


async def check_packages(source: dagger.Directory, patterns: list[str]) -> None:
    """Raise UsageError naming a package pattern whose folder holds no Go file (before anything is built)."""
    for pattern in check_package_syntax(patterns):
        folder = package_dir(pattern)
        if folder is None or folder == ".":
            continue
        glob = f"{folder}/**/*.go" if pattern.endswith("...") else f"{folder}/*.go"
        if not await source.glob(glob):
            msg = f"packages: {pattern!r} names no Go package in the source (no {glob})"
            raise UsageError(msg)
