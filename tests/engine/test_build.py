"""build, binary, image and serve on app/ and the cmd/ layout fixture."""

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import anyio
import dagger
import pytest
from dagger import dag

from pipeline import Pipeline
from pipeline.go.build import BuildFlags
from tests.conftest import ROOT
from tests.elf import elf_info

Client = Callable[[str, dagger.Service], dagger.Container]


async def test_build_gives_static_binaries_for_both_platforms(app: Pipeline, tmp_path: Path) -> None:
    out = await app.build(version="v9.9.9")
    assert sorted(await out.glob("**/*")) == ["linux_amd64/", "linux_amd64/hello", "linux_arm64/", "linux_arm64/hello"]
    await out.export(str(tmp_path))
    amd64 = elf_info((tmp_path / "linux_amd64/hello").read_bytes())
    arm64 = elf_info((tmp_path / "linux_arm64/hello").read_bytes())
    assert (amd64.machine, amd64.static) == ("x86-64", True)
    assert (arm64.machine, arm64.static) == ("aarch64", True)


async def test_build_is_reproducible_against_a_native_build(app: Pipeline, tmp_path: Path) -> None:
    """The engine's arm64 binary is byte-identical to one built on the host with the same flags."""
    await (await app.binary(platform="linux/arm64", version="v1.0.0")).export(str(tmp_path / "piped"))
    again = await Pipeline(source=app.source, go_image=app.go_image, platforms=["linux/arm64"]).build(version="v1.0.0")
    await again.file("linux_arm64/hello").export(str(tmp_path / "again"))
    native = tmp_path / "hello"
    env = {**os.environ, "CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": "arm64"}
    await anyio.run_process(
        [
            "go",
            "build",
            "-trimpath",
            "-buildvcs=false",
            "-ldflags",
            BuildFlags(version="v1.0.0").ldflags(),
            "-o",
            str(native),
            ".",
        ],
        cwd=ROOT / "app",
        env=env,
    )
    digests = {hashlib.sha256((tmp_path / f).read_bytes()).hexdigest() for f in ("piped", "again", "hello")}
    assert len(digests) == 1


async def test_build_names_binaries_after_cmd_folders(fixture: Callable[..., Pipeline]) -> None:
    p = fixture("cmd-layout", platforms=["linux/amd64"])  # default packages: every main package
    assert sorted(await (await p.build()).glob("linux_amd64/*")) == ["linux_amd64/api", "linux_amd64/worker"]
    chosen = fixture("cmd-layout", platforms=["linux/amd64"], main="worker")
    runner = dag.container().from_(p.go_image).with_file("/x", await chosen.binary())
    out = await runner.with_exec(["/x"]).stdout()
    assert out.strip() == "worker dev"


async def test_several_mains_without_a_choice_name_them(fixture: Callable[..., Pipeline]) -> None:
    with pytest.raises(ValueError, match=r"several main packages were built \(api, worker\); pass --main"):
        await fixture("cmd-layout").image()


async def test_image_is_minimal_and_non_root(app: Pipeline) -> None:
    ctr = await app.image(version="v9.9.9", revision="0123456789abcdef")
    assert await ctr.user() == "65532:65532"
    assert await ctr.entrypoint() == ["/usr/local/bin/hello"]
    assert [await p.port() for p in await ctr.exposed_ports()] == [8080]
    files = await ctr.rootfs().glob("**/*")
    assert not [f for f in files if f.rstrip("/").endswith(("/sh", "bin/busybox")) or f.startswith("bin/")]
    assert "etc/ssl/certs/ca-certificates.crt" in files
    assert await ctr.label("org.opencontainers.image.version") == "v9.9.9"
    assert await ctr.label("org.opencontainers.image.revision") == "0123456789abcdef"
    passwd = await ctr.file("/etc/passwd").contents()
    assert "nonroot:x:65532:65532:" in passwd


async def test_served_image_answers_probes_with_stamped_version(app: Pipeline, client: Client) -> None:
    probe = client("app", await app.serve(version="v9.9.9"))
    health = probe.with_exec(["wget", "-q", "-S", "-O-", "http://app:8080/healthz"])
    assert "200 OK" in await health.stderr()
    assert (await health.stdout()).strip() == "ok"
    hello = await probe.with_exec(["wget", "-q", "-O-", "http://app:8080/"]).stdout()
    assert hello == "hello from hello v9.9.9\n"


async def test_served_image_exposes_prometheus_metrics(app: Pipeline, client: Client) -> None:
    script = "wget -q -O- http://app:8080/healthz >/dev/null && wget -q -O- http://app:8080/metrics"
    metrics = await client("app", await app.serve(version="v9.9.9")).with_exec(["sh", "-c", script]).stdout()
    assert "# TYPE http_requests_total counter" in metrics
    assert re.search(r'http_requests_total\{[^}]*route="/healthz"[^}]*\} [1-9]', metrics)
    assert re.search(r'http_request_duration_seconds_bucket\{[^}]*route="/healthz"', metrics)


async def test_invalid_platform_fails_before_building(go_image: str, app: Pipeline) -> None:
    p = Pipeline(source=app.source, go_image=go_image, platforms=["linux/amd64", "plan9/mips"])
    with pytest.raises(ValueError, match="plan9/mips"):
        await p.build()


async def test_runtime_base_replaces_the_scratch_assembly(app: Pipeline, toolbox: str) -> None:
    p = Pipeline(source=app.source, go_image=app.go_image, runtime_base=toolbox)
    ctr = await p.image(version="v9.9.9")
    assert await ctr.user() == "65532:65532"
    assert await ctr.entrypoint() == ["/usr/local/bin/hello"]
    out = await ctr.with_exec(["sh", "-c", "id -u; test -x /usr/local/bin/hello && echo runnable"]).stdout()
    assert out.split() == ["65532", "runnable"]
