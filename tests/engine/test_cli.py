"""The `pipeline` command against the real engine: exit codes, exported results, serve --watch."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import anyio
import anyio.abc
import pytest

from pipeline_cli import schema
from tests.conftest import FIXTURES, ROOT

PIPELINE = str(Path(sys.executable).parent / "pipeline")
#: What `test --output` and `integration-test --output` write.
TEST_REPORTS = ["coverage.html", "coverage.out", "coverage.xml", "junit.xml", "test.json"]


async def pipeline(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI (engine settings come from the environment, e.g. PIPELINE_GO_IMAGE)."""
    return await anyio.run_process([PIPELINE, *args], check=False)


async def test_failing_step_exits_1_and_names_the_test() -> None:
    res = await pipeline("--source", str(FIXTURES / "failing-test"), "test-check")
    err = res.stderr.decode()
    assert res.returncode == 1, err
    assert err.startswith("pipeline: test: 1 passed, 1 failed")
    assert "FAIL example.com/failingtest/calc.TestAddBroken" in err
    assert "Traceback" not in err


async def test_ci_exits_1_naming_both_failures() -> None:
    res = await pipeline("ci", "--source", str(FIXTURES / "both-broken"))  # constructor options after the command
    err = res.stderr.decode()
    assert res.returncode == 1
    assert "ci: 2 of 7 steps failed: fmt, test" in err


async def test_build_output_writes_both_platforms(tmp_path: Path) -> None:
    res = await pipeline(
        "--source", str(ROOT / "app"), "build", "--version", "v0.0.1", "--output", str(tmp_path / "dist")
    )
    assert res.returncode == 0, res.stderr.decode()
    assert sorted(
        p.relative_to(tmp_path / "dist").as_posix() for p in (tmp_path / "dist").rglob("*") if p.is_file()
    ) == [
        "linux_amd64/hello",
        "linux_arm64/hello",
    ]


async def test_test_exports_reports_and_prints_summary(tmp_path: Path) -> None:
    res = await pipeline("--source", str(ROOT / "app"), "test", "--output", str(tmp_path))
    assert res.returncode == 0, res.stderr.decode()
    out = res.stdout.decode()
    assert re.match(r"\d+ passed, 0 failed, 0 skipped; coverage \d+\.\d%", out)
    assert re.search(r"^coverage by package:\n +\d+\.\d% example\.com/hello$", out, re.MULTILINE), out
    assert sorted(p.name for p in tmp_path.iterdir()) == TEST_REPORTS
    assert "example.com/hello/handlers.go" in (tmp_path / "coverage.html").read_text()


async def test_integration_test_reaches_a_host_service(tmp_path: Path) -> None:
    """A Redis stand-in on this host is bound as tcp://localhost:PORT, the shape `dagger call` takes."""
    hits = 0

    async def incr(stream: anyio.abc.SocketStream) -> None:
        nonlocal hits
        async with stream:
            try:
                while b"INCR" in await stream.receive():  # one RESP command per write: INCR hits
                    hits += 1
                    await stream.send(f":{hits}\r\n".encode())
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return  # the engine's readiness probe connects and closes

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610 (anyio, not Django)
    res: subprocess.CompletedProcess[bytes] | None = None
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, incr)
        res = await pipeline(
            "--source",
            str(FIXTURES / "integration-redis"),
            "integration-test",
            "--services",
            f"tcp://localhost:{port}",
            "--service-names",
            "redis",
            # A host service keeps its port: the app and the tests read where Redis is from the environment.
            "--env",
            f"REDIS_ADDR=redis:{port}",
            "--output",
            str(tmp_path),
        )
        tg.cancel_scope.cancel()
    assert res is not None
    assert res.returncode == 0, res.stderr.decode()
    assert re.match(r"\d+ passed, 0 failed, 0 skipped", res.stdout.decode())
    assert hits >= 3  # two GET /hits through the app, one INCR from the test itself, at least
    assert sorted(p.name for p in tmp_path.iterdir()) == TEST_REPORTS


async def test_bad_service_address_is_a_usage_error() -> None:
    res = await pipeline(
        "--source", str(FIXTURES / "integration-redis"), "integration-test", "--services", "localhost:6379"
    )
    assert res.returncode == 2
    assert "is not tcp://HOST:PORT" in res.stderr.decode()


async def announced_port(proc: subprocess.Popen[bytes], prefix: str, seconds: float) -> tuple[int, bytes]:
    """Return the port a service command announces on stderr ("<prefix>localhost:PORT") and what it said before."""
    assert proc.stderr is not None
    said = b""
    with anyio.fail_after(seconds):
        while line := await anyio.to_thread.run_sync(proc.stderr.readline, abandon_on_cancel=True):
            said += line
            if m := re.search(rf"{re.escape(prefix)}localhost:(\d+)".encode(), line):
                return int(m.group(1)), said
    pytest.fail(f"exited before announcing its port:\n{said.decode()}")


def get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 (a loopback URL built here)
            return r.read().decode()
    except OSError:
        return None


async def wait_for(url: str, want: str, seconds: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if (await anyio.to_thread.run_sync(get, url)) == want:
            return time.monotonic() - t0
        await anyio.sleep(0.2)
    pytest.fail(f"{url} did not answer {want!r} within {seconds}s (last: {get(url)!r})")


async def test_serve_watch_reloads_after_an_edit(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(ROOT / "app", app)
    proc = subprocess.Popen(  # noqa: ASYNC220 (a long-running child, stopped below)
        [PIPELINE, "--source", str(app), "serve", "--watch", "--host-port", "0"],
        stderr=subprocess.PIPE,
        env=os.environ,
    )
    try:
        port, _ = await announced_port(proc, "serve: up on ", 180)
        url = f"http://127.0.0.1:{port}/"
        await wait_for(url, "hello from hello dev\n", 30)
        handlers = app / "handlers.go"
        handlers.write_text(handlers.read_text().replace('"%s from hello %s\\n"', '"%s, edited, from hello %s\\n"'))
        elapsed = await wait_for(url, "hello, edited, from hello dev\n", 180)
        print(f"serve --watch: saved edit -> new response in {elapsed:.1f}s")  # noqa: T201 (measured figure)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert b"change detected, rebuilding" in err


async def test_pprof_serves_the_ui_on_the_host_port() -> None:
    proc = subprocess.Popen(  # noqa: ASYNC220 (a long-running child, stopped below)
        [PIPELINE, "--source", str(ROOT / "app"), "pprof", "--benchtime", "200ms", "--host-port", "0"],
        stderr=subprocess.PIPE,
        env=os.environ,
    )
    try:
        port, _ = await announced_port(proc, "pprof: serving on ", 300)
        t0 = time.monotonic()
        page = None
        while page is None or "handleHello" not in page:
            assert time.monotonic() - t0 < 300, f"pprof did not serve on {port}"
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            await anyio.sleep(0.5)
            page = await anyio.to_thread.run_sync(get, f"http://127.0.0.1:{port}/ui/top")
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


async def test_bench_compare_exits_1_with_the_table() -> None:
    fixture = FIXTURES / "bench-slowdown"
    res = await pipeline(
        "--source", str(fixture / "head"), "bench-compare", "--base", str(fixture / "base"),
        "--count", "6", "--benchtime", "100ms", "--threshold", "100",
    )  # fmt: skip
    err = res.stderr.decode()
    assert res.returncode == 1, err
    assert err.startswith("pipeline: bench-compare: ")
    assert re.search(r"^Checksum-\d+ .* \+\d+\.\d+% \(p=0\.\d+ n=6\)$", err, re.MULTILINE), err


async def test_bench_compare_refuses_a_base_without_go_mod_before_any_session(tmp_path: Path) -> None:
    res = await pipeline("--source", str(ROOT / "app"), "bench-compare", "--base", str(tmp_path))
    assert res.returncode == 2
    assert res.stderr.decode().startswith(f"pipeline: bench-compare --base: no go.mod or go.work in {tmp_path}")


async def test_the_schema_is_cached_per_engine_and_refetched_for_another_version(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    cached = tmp_path / "pipeline" / "schema" / schema.engine_key()
    argv = [PIPELINE, "--source", str(ROOT / "app"), "go-version"]

    async def go_version() -> str:
        res = await anyio.run_process(argv, env=env, check=False)
        assert res.returncode == 0, res.stderr.decode()
        return res.stdout.decode()

    answer = await go_version()  # no file: the SDK fetches the schema, the CLI stores it
    stored = json.loads(cached.read_text())
    assert re.fullmatch(r"v\d+\.\d+\.\d+.*", stored["version"]), stored["version"]
    assert "__schema" in stored["introspection"]
    written = cached.stat().st_mtime_ns
    assert await go_version() == answer
    assert cached.stat().st_mtime_ns == written  # answered from the file, not fetched and written again
    cached.write_text(json.dumps({**stored, "version": "v0.0.1"}))  # as if the engine had been upgraded since
    assert await go_version() == answer
    assert json.loads(cached.read_text())["version"] == stored["version"]
