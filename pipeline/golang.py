"""The Go builder container: image, caches, module download (lazy; nothing here awaits but go.mod reads)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import dagger
from dagger import dag

from . import pins
from .gomod import GoMod, check_go_version, parse_go_mod

SRC: Final = "/src"
GOMODCACHE: Final = "/go/pkg/mod"
GOCACHE: Final = "/root/.cache/go-build"
#: Cache volumes are prefixed with the module name so they never collide with a user's.
VOLUME_PREFIX: Final = "pipeline"


def volume(name: str, namespace: str = "") -> dagger.CacheVolume:
    """Return the cache volume ``pipeline[-namespace]-name``."""
    return dag.cache_volume("-".join(p for p in (VOLUME_PREFIX, namespace, name) if p))


def go_caches(namespace: str = "") -> Callable[[dagger.Container], dagger.Container]:
    """Return a transform mounting the module and build caches (shared: Go locks them itself)."""

    def with_go_caches(ctr: dagger.Container) -> dagger.Container:
        shared = dagger.CacheSharingMode.SHARED
        return (
            ctr.with_mounted_cache(GOMODCACHE, volume("gomodcache", namespace), sharing=shared)
            .with_mounted_cache(GOCACHE, volume("gobuildcache", namespace), sharing=shared)
            .with_env_variable("GOMODCACHE", GOMODCACHE)
            .with_env_variable("GOCACHE", GOCACHE)
        )

    return with_go_caches


@dataclass(frozen=True)
class GoEnv:
    """Settings of the builder, resolved from the Pipeline's configuration."""

    image: str
    go_version: str = ""
    goproxy: str = ""
    goprivate: str = ""
    netrc: dagger.Secret | None = None
    cache_namespace: str = ""

    def container(self) -> dagger.Container:
        """Return the builder with caches, proxy settings and the optional netrc secret."""
        ctr = (
            dag.container()
            .from_(self.image)
            .with_(go_caches(self.cache_namespace))
            .with_env_variable("CGO_ENABLED", "0")
        )
        if self.goproxy:
            ctr = ctr.with_env_variable("GOPROXY", self.goproxy)
        if self.goprivate:
            ctr = ctr.with_env_variable("GOPRIVATE", self.goprivate).with_env_variable("GONOSUMDB", self.goprivate)
        if self.netrc is not None:
            # A mounted secret: never in a layer, a log or a cache key.
            ctr = ctr.with_mounted_secret("/root/.netrc", self.netrc)
        return ctr

    async def deps(self, source: dagger.Directory, tools: Sequence[str] = ()) -> dagger.Container:
        """Return the builder with pinned tools, modules downloaded, and the source mounted at /src.

        Tools install first and the download sees only go.mod/go.sum as literal content, so both steps keep
        their cache across every change that leaves go.mod and go.sum alone. The source is mounted, not
        copied into a layer: a one-line change costs the build, not a snapshot of the tree.
        """
        ctr = self.container()
        for tool in tools:
            ctr = ctr.with_exec(["go", "install", tool])
        return (
            ctr.with_workdir(SRC)
            .with_mounted_directory(SRC, await module_files(source))
            .with_exec(["go", "mod", "download"])
            .with_mounted_directory(SRC, source)
        )


async def module_files(source: dagger.Directory) -> dagger.Directory:
    """Return go.mod and go.sum rebuilt from their bytes: a cache key that ignores the rest of the tree."""
    files = dag.directory().with_new_file("go.mod", await source.file("go.mod").contents())
    if await source.exists("go.sum"):
        files = files.with_new_file("go.sum", await source.file("go.sum").contents())
    return files


def builder_image(go_image: str, go_version: str) -> str:
    """Return the builder image: go_image when set, else the official golang image for go_version."""
    return go_image or pins.GO_IMAGE.format(version=go_version)


async def read_go_mod(source: dagger.Directory) -> GoMod:
    """Read and parse go.mod from source."""
    return parse_go_mod(await source.file("go.mod").contents())


async def effective_go_version(source: dagger.Directory, override: str) -> str:
    """Return override when given, else the version go.mod asks for."""
    if override:
        return check_go_version(override)
    return (await read_go_mod(source)).go_version
