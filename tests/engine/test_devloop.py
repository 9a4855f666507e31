"""ci, debug (delve), bench (pprof) on app/ and the both-broken fixture."""

import json
import re
from collections.abc import Callable
from pathlib import Path

import anyio
import dagger
import pytest

from pipeline import Pipeline
from pipeline.core.errors import PipelineError


@pytest.fixture(scope="module")
def with_db(trivy_db: dagger.Directory, trivy_image: str) -> dict[str, object]:
    return {"trivy_db": trivy_db, "trivy_image": trivy_image}


async def test_ci_passes_on_app(app: Pipeline, with_db: dict[str, object]) -> None:
    p = Pipeline(source=app.source, go_image=app.go_image, **with_db)  # pyright: ignore[reportArgumentType]
    report = await p.ci()
    report.check()
    summary = report.summary
    # app/ has no integration tests: no integration step.
    assert "7 of 7 steps ok" in summary.splitlines()
    for step in ["fmt", "vet", "tidy", "lint", "test", "build", "scan"]:
        assert any(line.startswith(f"{step} ") and " ok " in line for line in summary.splitlines())
    # One call, every report a CI job publishes; the test summary carries GitLab's coverage regex.
    assert re.search(r"^test: \d+ passed, 0 failed, 0 skipped; coverage \d+\.\d+%", summary, re.MULTILINE)
    files = set(await report.reports.entries())
    assert files == {
        "summary.txt", "junit.xml", "coverage.out", "coverage.xml", "golangci-lint.json", "pipeline.sarif",
        "trivy-linux_amd64.json", "trivy-linux_arm64.json",
    }  # fmt: skip
    sarif = json.loads(await report.reports.file("pipeline.sarif").contents())
    categories = {r["automationDetails"]["id"] for r in sarif["runs"]}
    assert categories == {
        "pipeline/go-vet/", "pipeline/golangci-lint/", "pipeline/trivy-linux_amd64/", "pipeline/trivy-linux_arm64/"
    }  # fmt: skip


async def test_ci_reports_every_failing_step(fixture: Callable[..., Pipeline], with_db: dict[str, object]) -> None:
    report = await fixture("both-broken", **with_db).ci()
    assert (report.ok, report.failed) == (False, ["fmt", "test"])
    assert "junit.xml" in await report.reports.entries()  # the reports come back with the failure
    with pytest.raises(PipelineError) as exc:
        report.check()
    assert exc.value.cause == "2 of 7 steps failed: fmt, test"
    assert "main.go" in exc.value.details
    assert "TestBroken" in exc.value.details


async def test_ci_validates_publish_inputs_first(app: Pipeline) -> None:
    with pytest.raises(ValueError, match="not semver"):
        await app.ci(address="127.0.0.1:5001/x", version="latest")


async def test_debug_answers_delves_json_rpc(
    app: Pipeline, client: Callable[[str, dagger.Service], dagger.Container]
) -> None:
    request = json.dumps({"method": "RPCServer.GetVersion", "params": [{}], "id": 1})
    rpc = client("dlv", await app.debug()).with_exec(["sh", "-c", f"echo '{request}' | nc -w 5 dlv 2345"])
    answer = json.loads((await rpc.stdout()).splitlines()[0])
    assert answer["id"] == 1
    assert answer["error"] is None
    assert answer["result"]["APIVersion"] == 2
    assert answer["result"]["DelveVersion"].startswith("Version: 1.27.2")


async def test_bench_profiles_name_app_functions(app: Pipeline, tmp_path: Path) -> None:
    out = await app.bench(benchtime="1s")
    assert sorted(await out.entries()) == ["bench.txt", "cpu.prof", "mem.prof"]
    await out.export(str(tmp_path))
    assert "BenchmarkHello" in (tmp_path / "bench.txt").read_text()
    for prof in ["cpu.prof", "mem.prof"]:
        res = await anyio.run_process(["go", "tool", "pprof", "-top", "-nodecount=500", str(tmp_path / prof)])
        assert "example.com/hello.handleHello" in res.stdout.decode(), f"{prof} does not name the app's handler"
