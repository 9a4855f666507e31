"""Static binaries per platform and the minimal non-root runtime image (lazy).

`go build -o <dir>/ <packages>` writes every main package the patterns match, named as Go names them
(the import path's last element, without a /vN suffix). The image, the single binary and `build` all
read that one exec per platform, so they share its cache.
"""

from dataclasses import dataclass
from typing import Final

import dagger
from dagger import dag

from pipeline import pins
from pipeline.core.errors import PipelineError, UsageError
from pipeline.core.execs import exec_failure, run

from .builder import COMPILE_FLAGS, OUT, GoEnv
from .platforms import Platform

EPOCH: Final = 0
USER: Final = str(pins.RUNTIME_UID)
BIN_DIR: Final = "/usr/local/bin"
ZONEINFO: Final = "/usr/share/zoneinfo.zip"
CA_BUNDLE: Final = "/etc/ssl/certs/ca-certificates.crt"
PASSWD: Final = f"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:{USER}:{USER}:nonroot:/home/nonroot:/sbin/nologin\n"
GROUP: Final = f"root:x:0:\nnonroot:x:{USER}:\n"
#: What `go build` says when the patterns match no main package.
NO_MAIN: Final = "no main packages to build"


@dataclass(frozen=True, kw_only=True)
class BuildFlags:
    """What goes into every `go build`: packages, version stamp, tags and extra link variables."""

    packages: tuple[str, ...] = ("./...",)
    version: str = "dev"
    tags: tuple[str, ...] = ()
    #: Extra -X assignments, e.g. main.commit=abc123.
    link_vars: tuple[str, ...] = ()
    #: Compiler flags for debugging builds (e.g. all=-N -l); empty for release builds.
    gcflags: str = ""

    def ldflags(self) -> str:
        """Linker flags: strip symbols, drop the build id (reproducible), stamp main.version and the extras."""
        flags = "" if self.gcflags else "-s -w "
        return flags + "-buildid= " + " ".join(f"-X {v}" for v in (f"main.version={self.version}", *self.link_vars))

    def argv(self, out: str) -> list[str]:
        """Return the `go build` command writing every main package into out/."""
        argv = ["go", "build", *COMPILE_FLAGS, "-ldflags", self.ldflags()]
        if self.tags:
            argv += ["-tags", ",".join(self.tags)]
        if self.gcflags:
            argv += [f"-gcflags={self.gcflags}"]
        return [*argv, "-o", f"{out}/", *self.packages]


def binaries(env: GoEnv, deps: dagger.Container, platform: Platform, flags: BuildFlags) -> dagger.Directory:
    """Return every main package built for platform, cross-compiled natively (no emulation)."""
    out = f"{OUT}/{platform.dirname}"
    ctr = deps
    for key, value in platform.goenv.items():
        ctr = ctr.with_env_variable(key, value)
    return env.exec(ctr.with_directory(out, dag.directory()), flags.argv(out)).directory(out)


class NoMainPackageError(PipelineError):
    """The source has no main package (a library): there is nothing to build, run, scan or publish."""

    def __init__(self, step: str, packages: tuple[str, ...]) -> None:
        """Name the step and the package patterns that matched no main package."""
        where = " ".join(packages)
        super().__init__(step, f"the source has no main package ({where}): it is a library, there is nothing to {step}")


async def built_names(env: GoEnv, deps: dagger.Container, built: dagger.Directory, flags: BuildFlags) -> list[str]:
    """List the binaries of one platform's build; a failed build is the "build" error, cgo named when it is why."""
    try:
        names = sorted(e.rstrip("/") for e in await built.entries())
    except dagger.ExecError as e:
        if NO_MAIN in (e.stderr or e.stdout):
            raise NoMainPackageError("build", flags.packages) from None
        cause = exec_failure(e.command, e.exit_code, e.stderr or e.stdout)
        if not env.cgo and (users := await cgo_packages(env, deps, flags)):
            cause = (
                f'{", ".join(users)} use cgo (import "C"), and builds are static (CGO_ENABLED=0): pass --cgo with '
                "a builder that has a C compiler (the default golang:<version>-bookworm has gcc) and a --runtime-base "
                "with the C library (e.g. a distroless base image)"
            )
        raise PipelineError("build", cause, e.stderr or e.stdout) from e
    if not names:
        raise NoMainPackageError("build", flags.packages)
    return names


async def cgo_packages(env: GoEnv, deps: dagger.Container, flags: BuildFlags) -> list[str]:
    """Return the module's packages (not the standard library's) that need cgo to build."""
    listing = "{{if and .CgoFiles (not .Standard)}}{{.ImportPath}}{{end}}"
    ctr = deps.with_env_variable("CGO_ENABLED", "1")
    res = await run(ctr, ["go", "list", "-e", "-deps", "-f", listing, *flags.packages], "build", env.step_timeout)
    return [line for line in res.stdout.splitlines() if line.strip()]


def choose_main(names: list[str], wanted: str, module_name: str) -> str:
    """Pick the binary the image runs: wanted, the only one, or the one named after the module."""
    if wanted:
        name = wanted.rstrip("/").rsplit("/", 1)[-1]
        if name not in names:
            msg = f"main: {wanted!r} is not among the built binaries ({', '.join(names)})"
            raise UsageError(msg)
        return name
    if len(names) == 1:
        return names[0]
    if module_name in names:
        return module_name
    msg = f"main: several main packages were built ({', '.join(names)}); pass --main with the one to run"
    raise UsageError(msg)


@dataclass(frozen=True)
class Built:
    """One platform's build: every main package's binary, and which of them the image runs."""

    env: GoEnv
    deps: dagger.Container
    binaries: dagger.Directory
    names: list[str]
    #: --main: the binary to run (name or package); empty: the only one, or the module's own.
    wanted: str = ""

    @property
    def main_name(self) -> str:
        """The binary the image, serve and debug run (UsageError when it cannot be told)."""
        return choose_main(self.names, self.wanted, self.env.project.name)

    def main(self) -> dagger.File:
        """Return that binary."""
        return self.binaries.file(self.main_name)

    def with_binaries(self, path: str) -> dagger.Container:
        """Return the builder with every binary under path (delve runs them from there)."""
        return self.deps.with_directory(path, self.binaries)


async def built(
    env: GoEnv, deps: dagger.Container, platform: Platform, flags: BuildFlags, *, wanted: str = ""
) -> Built:
    """Build every main package for platform and list them (a failed build raises the "build" error)."""
    out = binaries(env, deps, platform, flags)
    return Built(env, deps, out, await built_names(env, deps, out, flags), wanted)


def by_platform(platforms: list[Platform], dirs: list[dagger.Directory]) -> dagger.Directory:
    """Return one directory holding each platform's binaries under <os>_<arch>/."""
    out = dag.directory()
    for platform, binaries_ in zip(platforms, dirs, strict=True):
        out = out.with_directory(platform.dirname, binaries_)
    return out


def runtime_base(env: GoEnv, platform: Platform, base: str = "") -> dagger.Container:
    """Return the runtime: base when given, else from scratch with CA bundle, zoneinfo, passwd/group for 65532."""
    if base:
        return dag.container(platform=dagger.Platform(str(platform))).from_(base)
    builder = env.container()
    return (
        dag.container(platform=dagger.Platform(str(platform)))
        .with_file(CA_BUNDLE, builder.file(CA_BUNDLE))
        .with_file(ZONEINFO, builder.file("/usr/local/go/lib/time/zoneinfo.zip"))
        .with_new_file("/etc/passwd", PASSWD)
        .with_new_file("/etc/group", GROUP)
        .with_env_variable("ZONEINFO", ZONEINFO)
        .with_env_variable("SSL_CERT_FILE", CA_BUNDLE)
    )


@dataclass(frozen=True, kw_only=True)
class ImageSpec:
    """What the runtime image says about the app: its binary, version, source revision and port."""

    name: str
    version: str
    revision: str = ""
    port: int
    base: str = ""


def image(env: GoEnv, binary: dagger.File, platform: Platform, spec: ImageSpec) -> dagger.Container:
    """Return the runtime image: the binary as entrypoint, USER 65532, EXPOSE port, OCI labels, no shell."""
    path = f"{BIN_DIR}/{spec.name}"
    # The binary's layer, folders included, gets fixed timestamps so equal bytes give equal digests.
    layer = dag.directory().with_file(path.lstrip("/"), binary, permissions=0o755).with_timestamps(EPOCH)
    ctr = (
        runtime_base(env, platform, spec.base)
        .with_directory("/", layer)
        .with_user(f"{USER}:{USER}")
        .with_workdir("/")
        .with_exposed_port(spec.port)
        .with_entrypoint([path])
        .with_label("org.opencontainers.image.title", spec.name)
        .with_label("org.opencontainers.image.version", spec.version)
    )
    if spec.revision:
        ctr = ctr.with_label("org.opencontainers.image.revision", spec.revision)
    return ctr
