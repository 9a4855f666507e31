"""Make the builtin Go and Python SDKs that module mode (`dagger call`) needs, from this host's files.

The official engine image carries both SDKs as OCI images in a content store and names them by manifest
digest in DAGGER_GO_SDK_MANIFEST_DIGEST / DAGGER_PYTHON_SDK_MANIFEST_DIGEST. Nothing can be pulled here, so
this script assembles them with Dagger itself from inputs scripts/build-sdk.sh prepared under WORK:

* go-rootfs/      Debian (mmdebstrap) with git, ssh and CA certificates; the host Go toolchain and the
                  codegen binary built from the pinned dagger module are added here;
* python-rootfs/  Debian with python3: the default base image of Python modules, pushed to the local registry;
* python-sdk/     the Python SDK's files (pyproject.toml, uv.lock, src/, codegen/), dist/uv, dist/uvx,
                  dist/codegen, and runtime/ (this project's runtime module, scripts/sdk/python-runtime);
                  this script adds dist/schema.json and dist/gen.py (the prebuilt bindings, see below).

Each SDK image is exported as an OCI tarball; its blobs go into the content store CONTENT and the manifest
digests into ENV_FILE, which scripts/engine-up.sh passes to the engine.

``--warm`` (run once the engine has the SDKs): the engine compiles the Python SDK's runtime module (a Go module) on a
module's first load, and its Go SDK seeds the module and build cache volumes it compiles with from the Go SDK image's
/go/pkg/mod and /root/.cache/go-build. So the engine's own codegen commands (type definitions, then the module) and
go build run once on the runtime in the Go SDK image, at the path and on the schema the engine uses; the Go SDK image
is made again with those two caches, so a new engine downloads and compiles nothing of the runtime.
Usage: ``sdk_images.py [--warm] WORK CONTENT ENV_FILE``.
"""

import json
import os
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

from pipeline import pins

GO_PATH = "/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PYTHON_BASE = f"{harness_pins.LOCAL_REGISTRY}/python-base:{harness_pins.PYTHON_BASE_TAG}"


def host_go_root() -> str:
    """Return the host's GOROOT."""
    return subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True, check=True).stdout.strip()


#: Where the engine's Go SDK puts a module's context and compiles it (dagger core/sdk/go_sdk.go). The builtin Python
#: SDK's runtime module is its own context (core/sdk/loader.go: the SDK image's runtime/ as a module source), so it
#: compiles at /src itself; compiled anywhere else, its packages' cache entries would never match the engine's.
GO_SDK_CONTEXT = "/src"
#: The Go SDK's cache folders: its cache volumes start from the image's content of them.
GO_MOD_CACHE = "/go/pkg/mod"
GO_BUILD_CACHE = "/root/.cache/go-build"


#: What of the host's Go toolchain the Go SDK leaves out: the toolchain's own sources, tests and documentation.
GO_ROOT_EXCLUDE = ["test/", "doc/", "api/", "src/cmd/", "src/**/*_test.go", "src/**/testdata/"]


def go_sdk(work: Path) -> dagger.Container:
    """Return the Go SDK image: Debian, the host Go toolchain, codegen, empty module and build caches."""
    return (
        dag.container()
        .with_rootfs(dag.host().directory(str(work / "go-rootfs")))
        # Without the toolchain's own sources (src/cmd) and tests: a new engine unpacks the image on its first load.
        .with_directory("/usr/local/go", dag.host().directory(host_go_root(), exclude=GO_ROOT_EXCLUDE))
        .with_file("/usr/local/bin/codegen", dag.host().file(str(work / "codegen")), permissions=0o755)
        .with_directory(GO_MOD_CACHE, dag.directory())
        .with_directory(GO_BUILD_CACHE, dag.directory())
        .with_env_variable("PATH", GO_PATH)
        .with_env_variable("GOPATH", "/go")
        .with_env_variable("GOTOOLCHAIN", "local")
    )


def python_sdk(work: Path) -> dagger.Container:
    """Return the Python SDK image: its files as the rootfs (the engine mounts runtime/ as a module).

    Their times are set to 0 on the host first, so the same files give the same digest (and a warm engine keeps
    its module cache) in one layer; Directory.withTimestamps would add a second layer with every file again.
    """
    root = work / "python-sdk"
    for path in [root, *root.rglob("*")]:
        os.utime(path, (0, 0), follow_symlinks=False)
    return dag.container().with_rootfs(dag.host().directory(str(root)))


def warm_go_sdk(work: Path) -> dagger.Container:
    """Return the Go SDK image with the module and build caches of one load of the Python SDK's runtime.

    The engine's Go SDK runs its codegen twice on the runtime module (its type definitions, then the module: go get,
    go mod tidy and go/packages' go list on each pass's go.mod) and then go build; the same commands run here, in the
    same image, at the same path, on the same schema, so the caches hold what a new engine's load reads.
    """
    source = work / "python-sdk/runtime"
    name = json.loads((source / "dagger.json").read_text())["name"]
    # As the engine mounts it: the module's source without the generated files the codegen writes again.
    runtime = dag.host().directory(str(source), exclude=["dagger.gen.go", "internal/"])
    schema = dag.module_source(str(source)).introspection_schema_json()
    args = ["--module-source-path", GO_SDK_CONTEXT, "--module-name", name, "--introspection-json-path", "/schema.json"]
    args += ["--lib-version", pins.DAGGER_VERSION]
    compiled = (
        go_sdk(work)
        .with_mounted_file("/schema.json", schema)
        .with_directory(GO_SDK_CONTEXT, runtime)
        .with_workdir(GO_SDK_CONTEXT)
        .with_exec(
            ["codegen", "generate-typedefs", *args, "--output", "typedefs.json"], experimental_privileged_nesting=True
        )
        .without_directory(GO_SDK_CONTEXT)
        .with_directory(GO_SDK_CONTEXT, runtime)
        .with_exec(["codegen", "generate-module", "--output", GO_SDK_CONTEXT, *args])
        .with_exec(["go", "build", "-ldflags", "-s -w", "-o", "/runtime", "."])
        # Go reads the extracted modules and checks their .ziphash against go.sum; the zips are not read again.
        .with_exec(["find", f"{GO_MOD_CACHE}/cache/download", "-name", "*.zip", "-delete"])
    )
    return (
        go_sdk(work)
        .with_directory(GO_MOD_CACHE, compiled.directory(GO_MOD_CACHE))
        .with_directory(GO_BUILD_CACHE, compiled.directory(GO_BUILD_CACHE))
    )


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

    The runtime uses the pair when a module's schema has the same digest, instead of running the codegen on every
    new engine (3 s of a cold load); any other schema (dependencies, another engine) still runs it.
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
    """Publish the Python base, then export both SDK images as OCI tarballs (zstd layers) into out."""
    async with dagger.connection(dagger.Config(log_output=sys.stderr)):
        base = dag.container().with_rootfs(dag.host().directory(str(work / "python-rootfs")))
        base = base.with_env_variable("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        # zstd: a new engine unpacks it faster than gzip on every module's first load.
        base_ref = await base.publish(PYTHON_BASE, forced_compression=dagger.ImageLayerCompression.Zstd)
        print(f"python base: {base_ref}", file=sys.stderr)
        # The runtime module embeds its default base image: by digest, so a rebuilt base is a new reference.
        default = base_ref.replace(f":{harness_pins.PYTHON_BASE_TAG}@", "@")
        await anyio.Path(work / "python-sdk/runtime/base-image.txt").write_text(default + "\n")
        await prebuilt_bindings(work, base)
        zstd = dagger.ImageLayerCompression.Zstd
        await go_sdk(work).export(str(out / "go.tar"), forced_compression=zstd)
        await python_sdk(work).export(str(out / "python.tar"), forced_compression=zstd)


async def export_warm(work: Path, out: Path) -> None:
    """Export the Go SDK image with warm caches as an OCI tarball into out."""
    async with dagger.connection(dagger.Config(log_output=sys.stderr)):
        await warm_go_sdk(work).export(str(out / "go.tar"), forced_compression=dagger.ImageLayerCompression.Zstd)


def warm(work: Path, store: Path, env_file: Path) -> None:
    """Replace the Go SDK in env_file with one whose caches hold a compile of the Python SDK's runtime."""
    env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if line)
    with tempfile.TemporaryDirectory() as tmp:
        anyio.run(export_warm, work, Path(tmp))
        env["DAGGER_GO_SDK_MANIFEST_DIGEST"] = add_to_store(Path(tmp) / "go.tar", store)
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    print(env_file.read_text(), file=sys.stderr, end="")


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
    if sys.argv[1] == "--warm":
        warm(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
