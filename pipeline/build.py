"""Static binaries per platform and the minimal non-root runtime image (lazy)."""

import posixpath
from typing import Final

import dagger
from dagger import dag

from .golang import SRC, GoEnv
from .gomod import GoMod
from .platforms import Platform

OUT: Final = "/out"
EPOCH: Final = 0
USER: Final = "65532"
PORT: Final = 8080
BIN_DIR: Final = "/usr/local/bin"
ZONEINFO: Final = "/usr/share/zoneinfo.zip"
PASSWD: Final = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"  # noqa: S105 (an /etc/passwd file, no password)
GROUP: Final = "root:x:0:\nnonroot:x:65532:\n"


def binary_name(gomod: GoMod, package: str) -> str:
    """Name of the binary for a main package: its folder, or the module's name for the root."""
    clean = posixpath.normpath(package.removeprefix("./")) if package not in {".", "./"} else "."
    return gomod.name if clean == "." else posixpath.basename(clean)


def ldflags(version: str) -> str:
    """Linker flags: strip symbols, drop the build id (reproducible), stamp main.version."""
    return f"-s -w -buildid= -X main.version={version}"


def binary(deps: dagger.Container, platform: Platform, package: str, name: str, version: str) -> dagger.File:
    """Return one static, reproducible binary, cross-compiled natively (no emulation)."""
    out = f"{OUT}/{name}{platform.exe}"
    ctr = deps
    for key, value in platform.goenv.items():
        ctr = ctr.with_env_variable(key, value)
    return ctr.with_exec(
        ["go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags(version), "-o", out, package],
    ).file(out)


def runtime_base(env: GoEnv, platform: Platform, base: str = "") -> dagger.Container:
    """Return the runtime: base when given, else from scratch with CA bundle, zoneinfo, passwd/group for 65532."""
    if base:
        return dag.container(platform=dagger.Platform(str(platform))).from_(base)
    builder = env.container()
    return (
        dag.container(platform=dagger.Platform(str(platform)))
        .with_file("/etc/ssl/certs/ca-certificates.crt", builder.file("/etc/ssl/certs/ca-certificates.crt"))
        .with_file(ZONEINFO, builder.file("/usr/local/go/lib/time/zoneinfo.zip"))
        .with_new_file("/etc/passwd", PASSWD)
        .with_new_file("/etc/group", GROUP)
        .with_env_variable("ZONEINFO", ZONEINFO)
        .with_env_variable("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
    )


def image(
    env: GoEnv,
    deps: dagger.Container,
    platform: Platform,
    package: str,
    name: str,
    version: str,
    revision: str = "",
    base: str = "",
) -> dagger.Container:
    """Return the runtime image: the binary as entrypoint, USER 65532, EXPOSE 8080, OCI labels, no shell."""
    path = f"{BIN_DIR}/{name}"
    # The binary's layer, folders included, gets fixed timestamps so equal bytes give equal digests.
    layer = (
        dag.directory()
        .with_file(path.lstrip("/"), binary(deps, platform, package, name, version), permissions=0o755)
        .with_timestamps(EPOCH)
    )
    ctr = (
        runtime_base(env, platform, base)
        .with_directory("/", layer)
        .with_user(f"{USER}:{USER}")
        .with_workdir("/")
        .with_exposed_port(PORT)
        .with_entrypoint([path])
        .with_label("org.opencontainers.image.title", name)
        .with_label("org.opencontainers.image.version", version)
    )
    if revision:
        ctr = ctr.with_label("org.opencontainers.image.revision", revision)
    return ctr


def build_dir(
    deps: dagger.Container, platforms: list[Platform], mains: dict[str, str], version: str
) -> dagger.Directory:
    """Return ``<os>_<arch>/<name>`` for every platform and main package (built concurrently by the engine)."""
    out = dag.directory()
    for p in platforms:
        for package, name in mains.items():
            out = out.with_file(f"{p.dirname}/{name}{p.exe}", binary(deps, p, package, name, version))
    return out


__all__ = ["SRC", "binary", "binary_name", "build_dir", "image", "ldflags", "runtime_base"]
