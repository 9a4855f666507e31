"""Publish this project's base images to the local registry, assembled by Dagger from host files.

The machines this project's CI runs on reach no container registry, so the images the pipeline and its tests
need are made here: a Go builder from the host's Go toolchain (on busybox, and on Debian like the official
golang images), Trivy, golangci-lint and cosign built from their Go modules (scripts/go-tool.sh), a busybox
toolbox for probing services and Debian's redis. Each is skipped when the registry already has it.
Usage: ``base_images.py ci|test``: ``ci`` publishes what `make ci` needs; ``test`` everything.
``base_images.py lint VERSION`` builds and publishes another golangci-lint (a version a repository of `make
realworld` pins in its own CI) under its Docker Hub name.
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import dagger
from dagger import dag

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import harness_pins

from pipeline import pins
from pipeline.go.lint_tool import lint_image

ROOT = Path(__file__).resolve().parent.parent
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"  # noqa: S105 (/etc/passwd, no password)
REDIS_PORT = 6379
#: scripts/go-tool.sh: builds a Go tool on the host (NAME [VERSION]), or prints where it goes (--where NAME [VERSION]).
GO_TOOL = ("bash", str(ROOT / "scripts" / "go-tool.sh"))
PATH = "/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def busybox_base() -> dagger.Container:
    """Return a container with a static busybox, its applets, CA certificates and /etc/passwd."""
    return (
        dag.container()
        .with_file("/bin/busybox", dag.host().file("/bin/busybox"))
        .with_exec(["/bin/busybox", "mkdir", "-p", "/usr/bin", "/usr/sbin", "/sbin", "/tmp", "/etc/ssl/certs"])  # noqa: S108 (the image's /tmp)
        .with_exec(["/bin/busybox", "--install", "-s", "/bin"])
        .with_exec(["chmod", "1777", "/tmp"])  # noqa: S108 (the image's /tmp)
        .with_file("/etc/ssl/certs/ca-certificates.crt", dag.host().file("/etc/ssl/certs/ca-certificates.crt"))
        .with_new_file("/etc/passwd", PASSWD)
        .with_env_variable("PATH", PATH)
    )


def go_builder() -> dagger.Container:
    """Return the Go builder: the host toolchain (it must be the pinned version) on busybox."""
    host_go = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True, check=True)
    if host_go.stdout.strip() != f"go{harness_pins.GO_VERSION}":
        msg = f"host Go is {host_go.stdout.strip()}, harness_pins.GO_VERSION is {harness_pins.GO_VERSION}"
        raise SystemExit(msg)
    goroot = host_go_root()
    return (
        busybox_base()
        .with_directory("/usr/local/go", dag.host().directory(goroot, exclude=["test/", "doc/", "api/"]))
        .with_env_variable("GOPATH", "/go")
        .with_env_variable("GOTOOLCHAIN", "local")
        .with_exec(["mkdir", "-p", "/go/bin", "/go/src"])
        .with_workdir("/go")
        .with_exec(["go", "version"])
    )


def go_builder_debian() -> dagger.Container:
    """Return the Go builder on minimal Debian (base-images.sh makes the root): apt works, as in golang images."""
    return (
        dag.container()
        .with_rootfs(dag.host().directory(os.environ["PIPELINE_DEBIAN_ROOTFS"]))
        .with_directory("/usr/local/go", dag.host().directory(host_go_root(), exclude=["test/", "doc/", "api/"]))
        .with_env_variable("PATH", PATH)
        .with_env_variable("GOPATH", "/go")
        .with_env_variable("GOTOOLCHAIN", "local")
        .with_exec(["mkdir", "-p", "/go/bin", "/go/src"])
        .with_workdir("/go")
        .with_exec(["go", "version"])
    )


def host_go_root() -> str:
    """Return the host's GOROOT."""
    out = subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def tool(name: str, version: str = "") -> dagger.File:
    """Return a Go tool scripts/go-tool.sh built on the host (at its pinned version, or at version)."""
    argv = [*GO_TOOL, "--where", name, *([version] if version else [])]
    where = subprocess.run(argv, capture_output=True, text=True, check=True)
    return dag.host().file(where.stdout.strip())


def trivy() -> dagger.Container:
    """Return Trivy on busybox, as the official image lays it out."""
    return (
        busybox_base()
        .with_file("/usr/local/bin/trivy", tool("trivy"))
        .with_entrypoint(["trivy"])
        .with_exec(["trivy", "--version"], use_entrypoint=False)
    )


def golangci_lint(version: str = "") -> dagger.Container:
    """Return golangci-lint as its official image lays it out: the Go builder with the binary in /usr/bin."""
    return (
        go_builder()
        .with_file(pins.GOLANGCI_LINT_BINARY, tool("golangci-lint", version), permissions=0o755)
        .with_exec(["golangci-lint", "version"])
    )


def cosign() -> dagger.Container:
    """Return cosign where the official image keeps it (pins.COSIGN_BINARY)."""
    return (
        busybox_base()
        .with_file(pins.COSIGN_BINARY, tool("cosign"), permissions=0o755)
        .with_entrypoint([pins.COSIGN_BINARY])
        .with_exec([pins.COSIGN_BINARY, "version"], use_entrypoint=False)
    )


def toolbox() -> dagger.Container:
    """Return a busybox image used by tests to probe services (wget, nc)."""
    return busybox_base()


def redis() -> dagger.Container:
    """Return Debian's redis-server (rootfs from base-images.sh) as a service image: no persistence, port 6379."""
    rootfs = os.environ["PIPELINE_REDIS_ROOTFS"]
    return (
        dag.container()
        .with_rootfs(dag.host().directory(rootfs))
        .with_env_variable("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .with_user("redis")
        .with_exposed_port(REDIS_PORT)
        .with_entrypoint(
            ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"]  # noqa: S104 (a service container: its network is the session's)
        )
        .with_exec(["redis-server", "--version"], use_entrypoint=False)
    )


#: What `make ci` needs (the pipeline on app/): the builder, Trivy, and golangci-lint under its Docker Hub name
#: (the engine's docker.io mirror is the local registry, so the module's own default reference resolves here).
CI_IMAGES: dict[str, Callable[[], dagger.Container]] = {
    f"go-builder:{harness_pins.GO_VERSION}": go_builder,
    f"trivy:{pins.TRIVY_VERSION}": trivy,
    lint_image(pins.GOLANGCI_LINT_VERSION, digest=False): golangci_lint,
}
#: What only the tests use.
TEST_IMAGES: dict[str, Callable[[], dagger.Container]] = {
    f"go-builder-debian:{harness_pins.GO_VERSION}": go_builder_debian,
    f"cosign:{pins.COSIGN_VERSION}": cosign,
    "toolbox:busybox": toolbox,
    f"redis:{harness_pins.REDIS_IMAGE_TAG}": redis,
}


def present(ref: str) -> bool:
    """Tell whether the local registry already has ref."""
    res = subprocess.run(
        ["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{ref}"],
        capture_output=True,
        check=False,
    )
    return res.returncode == 0


def lint_version_images(version: str) -> dict[str, Callable[[], dagger.Container]]:
    """Return golangci-lint at version under its Docker Hub name; it is built (scripts/go-tool.sh) when missing."""

    def make() -> dagger.Container:
        subprocess.run([*GO_TOOL, "golangci-lint", version], check=True)
        return golangci_lint(version)

    return {lint_image(version, digest=False): make}


async def main() -> None:
    """Publish every missing image of the profile (argv[1]: ci, test, or lint VERSION)."""
    if sys.argv[1:2] == ["lint"]:
        if len(sys.argv) != 3:  # noqa: PLR2004 (lint VERSION)
            sys.exit("usage: base_images.py ci|test|lint VERSION")
        images = lint_version_images(sys.argv[2])
    else:
        images = CI_IMAGES if sys.argv[1:] == ["ci"] else {**CI_IMAGES, **TEST_IMAGES}
    wanted = {f"{harness_pins.LOCAL_REGISTRY}/{name}": make for name, make in images.items()}
    missing = {ref: make for ref, make in wanted.items() if not present(ref)}
    if not missing:
        print(f"base images present: {', '.join(wanted)}", file=sys.stderr)
        return
    async with dagger.connection(dagger.Config(log_output=sys.stderr)):
        for ref, make in missing.items():
            t0 = time.monotonic()
            digest = await make().publish(ref)
            print(f"published {digest} in {time.monotonic() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    anyio.run(main)
