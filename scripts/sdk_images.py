"""Make the builtin Python SDK that module mode (`dagger call`) needs, from this host's files.

The official engine image carries its builtin SDKs as OCI images in a content store and names them by manifest
digest (DAGGER_PYTHON_SDK_MANIFEST_DIGEST for Python). Nothing can be pulled here, so this script assembles the
Python one with Dagger itself from inputs scripts/build-sdk.sh prepared under WORK:

* python-rootfs/  Debian with python3: the default base image of Python modules, pushed to the local registry;
* python-sdk/     the Python SDK's files (pyproject.toml, uv.lock, src/, codegen/), dist/uv, dist/uvx,
                  dist/codegen, and template/ (a new module's files, scripts/sdk/python/template); this script adds
                  dist/base-image.txt (that base by digest) and dist/schema.json with dist/gen.py (the prebuilt
                  bindings, see below).

The runtime that reads them is in the engine (scripts/sdk/python/python_sdk.go). The image is exported as an OCI
tarball; its blobs go into the content store CONTENT and the manifest digest into ENV_FILE, which
scripts/engine-up.sh passes to the engine. Usage: ``sdk_images.py WORK CONTENT ENV_FILE``.
"""

import json
import os
import sys
import tarfile
import tempfile
from pathlib import Path

import anyio
import dagger
from dagger import dag

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import harness_pins

from pipeline import pins

PYTHON_BASE = f"{harness_pins.LOCAL_REGISTRY}/python-base:{harness_pins.PYTHON_BASE_TAG}"


def python_sdk(work: Path) -> dagger.Container:
    """Return the Python SDK image: its files as the rootfs.

    Their times are set to 0 on the host first, so the same files give the same digest (and a warm engine keeps
    its module cache) in one layer; Directory.withTimestamps would add a second layer with every file again.
    """
    root = work / "python-sdk"
    for path in [root, *root.rglob("*")]:
        os.utime(path, (0, 0), follow_symlinks=False)
    return dag.container().with_rootfs(dag.host().directory(str(root)))


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


async def prebuilt_bindings(work: Path, base: dagger.Container) -> None:
    """Write the schema a module of this engine version without dependencies sees, and its Python client, to dist/.

    The runtime (scripts/sdk/python/python_sdk.go) uses the pair when a module's schema has the same digest,
    instead of running the codegen on every new engine (3 s of a cold load); any other schema (dependencies,
    another engine) still runs it.
    """
    dist = work / "python-sdk/dist"
    module = dag.directory().with_new_file(
        "dagger.json", json.dumps({"name": "schema", "engineVersion": pins.DAGGER_VERSION})
    )
    schema = module.as_module_source().introspection_schema_json()
    generated = (
        base.with_mounted_file("/usr/local/bin/codegen", dag.host().file(str(dist / "codegen")))
        .with_mounted_file("/schema.json", schema)
        .with_exec(["codegen", "generate", "-i", "/schema.json", "-o", "/gen.py"])
        .file("/gen.py")
    )
    await schema.export(str(dist / "schema.json"))
    await generated.export(str(dist / "gen.py"))


async def export(work: Path, out: Path) -> None:
    """Publish the Python base, then export the SDK image as an OCI tarball (zstd layers) into out."""
    async with dagger.connection(dagger.Config(log_output=sys.stderr)):
        base = dag.container().with_rootfs(dag.host().directory(str(work / "python-rootfs")))
        base = base.with_env_variable("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        # zstd: a new engine unpacks it faster than gzip on every module's first load.
        base_ref = await base.publish(PYTHON_BASE, forced_compression=dagger.ImageLayerCompression.Zstd)
        print(f"python base: {base_ref}", file=sys.stderr)
        # The runtime's default base image: by digest, so a rebuilt base is a new reference.
        default = base_ref.replace(f":{harness_pins.PYTHON_BASE_TAG}@", "@")
        await anyio.Path(work / "python-sdk/dist/base-image.txt").write_text(default + "\n")
        await prebuilt_bindings(work, base)
        zstd = dagger.ImageLayerCompression.Zstd
        await python_sdk(work).export(str(out / "python.tar"), forced_compression=zstd)


def main(work: Path, store: Path, env_file: Path) -> None:
    """Build the SDK image, fill the content store and write its digest for the engine."""
    with tempfile.TemporaryDirectory() as tmp:
        anyio.run(export, work, Path(tmp))
        python_digest = add_to_store(Path(tmp) / "python.tar", store)
    env_file.write_text(f"DAGGER_PYTHON_SDK_MANIFEST_DIGEST={python_digest}\n")
    print(env_file.read_text(), file=sys.stderr, end="")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
