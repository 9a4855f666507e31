"""Make the builtin Go and Python SDKs that module mode (`dagger call`) needs, from this host's files.

The official engine image carries both SDKs as OCI images in a content store and names them by manifest
digest in DAGGER_GO_SDK_MANIFEST_DIGEST / DAGGER_PYTHON_SDK_MANIFEST_DIGEST. Nothing can be pulled here, so
this script assembles them with Dagger itself from inputs scripts/build-sdk.sh prepared under WORK:

* go-rootfs/      Debian (mmdebstrap) with git, ssh and CA certificates; the host Go toolchain and the
                  codegen binary built from the pinned dagger module are added here;
* python-rootfs/  Debian with python3: the default base image of Python modules, pushed to the local registry;
* python-sdk/     the Python SDK's files (pyproject.toml, uv.lock, src/, codegen/), dist/uv, dist/uvx,
                  dist/codegen, and runtime/ (this project's runtime module, scripts/sdk/python-runtime).

Each SDK image is exported as an OCI tarball; its blobs go into the content store CONTENT and the manifest
digests into ENV_FILE, which scripts/engine-up.sh passes to the engine.
Usage: ``sdk_images.py WORK CONTENT ENV_FILE``.
"""

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import anyio
import dagger
from dagger import dag

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import harness_pins

GO_PATH = "/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PYTHON_BASE = f"{harness_pins.LOCAL_REGISTRY}/python-base:{harness_pins.PYTHON_BASE_TAG}"


def host_go_root() -> str:
    """Return the host's GOROOT."""
    return subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True, check=True).stdout.strip()


def go_sdk(work: Path) -> dagger.Container:
    """Return the Go SDK image: Debian, the host Go toolchain, codegen, empty module and build caches."""
    return (
        dag.container()
        .with_rootfs(dag.host().directory(str(work / "go-rootfs")))
        .with_directory("/usr/local/go", dag.host().directory(host_go_root(), exclude=["test/", "doc/", "api/"]))
        .with_file("/usr/local/bin/codegen", dag.host().file(str(work / "codegen")), permissions=0o755)
        .with_directory("/go/pkg/mod", dag.directory())
        .with_directory("/root/.cache/go-build", dag.directory())
        .with_env_variable("PATH", GO_PATH)
        .with_env_variable("GOPATH", "/go")
        .with_env_variable("GOTOOLCHAIN", "local")
    )


def python_sdk(work: Path) -> dagger.Container:
    """Return the Python SDK image: its files as the rootfs (the engine mounts runtime/ as a module).

    Timestamps are fixed, so the same files give the same digest (and a warm engine keeps its module cache).
    """
    return dag.container().with_rootfs(dag.host().directory(str(work / "python-sdk")).with_timestamps(0))


def add_to_store(tarball: Path, store: Path) -> str:
    """Add an OCI tarball's blobs to the content store and return its image manifest's digest."""
    with tarfile.open(tarball) as tar:
        index = json.loads(tar.extractfile("index.json").read())  # pyright: ignore[reportOptionalMemberAccess]  # present in an OCI tarball
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith("blobs/sha256/"):
                target = store / member.name
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tar.extractfile(member).read())  # pyright: ignore[reportOptionalMemberAccess]  # a regular file
    manifest = index["manifests"][0]
    if manifest["mediaType"] != "application/vnd.oci.image.manifest.v1+json":
        sys.exit(f"sdk_images: expected an image manifest, got {manifest['mediaType']}")
    return str(manifest["digest"])


async def export(work: Path, out: Path) -> None:
    """Publish the Python base, then export both SDK images as OCI tarballs (zstd layers) into out."""
    async with dagger.connection(dagger.Config(log_output=sys.stderr)):
        base = dag.container().with_rootfs(dag.host().directory(str(work / "python-rootfs")))
        base = base.with_env_variable("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        base_ref = await base.publish(PYTHON_BASE)
        print(f"python base: {base_ref}", file=sys.stderr)
        # The runtime module embeds its default base image: by digest, so a rebuilt base is a new reference.
        default = base_ref.replace(f":{harness_pins.PYTHON_BASE_TAG}@", "@")
        await anyio.Path(work / "python-sdk/runtime/base-image.txt").write_text(default + "\n")
        zstd = dagger.ImageLayerCompression.Zstd
        await go_sdk(work).export(str(out / "go.tar"), forced_compression=zstd)
        await python_sdk(work).export(str(out / "python.tar"), forced_compression=zstd)


def main(work: Path, store: Path, env_file: Path) -> None:
    """Build both SDK images, fill the content store and write the digests for the engine."""
    with tempfile.TemporaryDirectory() as tmp:
        anyio.run(export, work, Path(tmp))
        go_digest = add_to_store(Path(tmp) / "go.tar", store)
        python_digest = add_to_store(Path(tmp) / "python.tar", store)
    env_file.write_text(
        f"DAGGER_GO_SDK_MANIFEST_DIGEST={go_digest}\nDAGGER_PYTHON_SDK_MANIFEST_DIGEST={python_digest}\n"
    )
    print(env_file.read_text(), file=sys.stderr, end="")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
