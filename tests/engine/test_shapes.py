"""The pipeline on fixture modules shaped like real services, compared with native Go on this host.

Each shape: embedded assets and templates (`//go:embed static/* all:templates`, a dotfile, testdata), several
mains under cmd/, a go.work workspace of two modules, vendor/ (made here with `go mod vendor`: third-party code is
not committed), a service on another port with other probe paths, a hanging test, a cgo import, and a module
beside a 10,000-file node_modules tree. `test`'s pass/fail set is compared with `go test -json` on the host.
"""

import shutil
from collections.abc import Callable
from pathlib import Path

import dagger
import pytest
from dagger import dag

from pipeline import Pipeline
from pipeline.core.errors import PipelineError
from tests.conftest import FIXTURES, ROOT
from tests.engine.conftest import source
from tests.native import native, outcomes

Client = Callable[[str, dagger.Service], dagger.Container]
Make = Callable[..., Pipeline]


async def pipeline_outcomes(p: Pipeline, **kwargs: object) -> tuple[dict[str, str], str]:
    report = await p.test(**kwargs)  # pyright: ignore[reportArgumentType]
    return outcomes(await report.events.contents()), report.summary


async def wget(client: Client, svc: dagger.Service, url: str) -> str:
    return await client("app", svc).with_exec(["wget", "-q", "-O-", url]).stdout()


# --- embedded assets -----------------------------------------------------------------------------------------


async def test_embedded_assets_test_like_native(fixture: Make) -> None:
    got, summary = await pipeline_outcomes(fixture("embed-assets"))
    assert got == native(FIXTURES / "embed-assets")
    assert set(got.values()) == {"pass"}
    assert summary.startswith("4 passed, 0 failed")


async def test_embedded_assets_build_and_serve(fixture: Make, client: Client) -> None:
    p = fixture("embed-assets", platforms=["linux/amd64", "linux/arm64"])
    assert sorted(await (await p.build()).glob("*/*")) == ["linux_amd64/embedded", "linux_arm64/embedded"]
    svc = await p.serve(version="v2.0.0")
    page = await wget(client, svc, "http://app:8080/")
    assert "<h1>Embedded</h1>" in page
    assert "version v2.0.0" in page
    assert "font-family" in await wget(client, svc, "http://app:8080/static/css/site.css")


async def test_embedded_assets_not_generated_yet_name_the_pattern(fixture: Make) -> None:
    """A web UI's build output (gitignored, made by npm before `go build`) missing: the error says what to do."""
    with pytest.raises(PipelineError) as exc:
        await (await fixture("embed-assets", exclude=["web/static"], platforms=["linux/amd64"]).build()).entries()
    assert exc.value.step == "build"
    assert "web/web.go:8:12 embeds static/*, which is not in the source" in exc.value.cause
    assert "generate them first" in exc.value.cause


# --- several mains, another port -----------------------------------------------------------------------------


async def test_cmd_layout_image_runs_the_chosen_main(fixture: Make) -> None:
    p = fixture("cmd-layout", main="./cmd/api")
    ctr = await p.image(version="v1.0.0")
    assert await ctr.entrypoint() == ["/usr/local/bin/api"]
    assert (await ctr.with_exec([], use_entrypoint=True).stdout()).strip() == "api v1.0.0"


async def test_other_port_is_exposed_and_served(fixture: Make, client: Client) -> None:
    p = fixture("other-port", port=9090)
    assert [await port.port() for port in await (await p.image()).exposed_ports()] == [9090]
    assert (await wget(client, await p.serve(), "http://app:9090/health/ready")).strip() == "ready"


async def test_wrong_port_fails_in_bounded_time_naming_the_port_and_the_apps_output(fixture: Make) -> None:
    p = fixture("other-port", start_timeout=15)  # the app listens on 9090; the default port is 8080
    with pytest.raises(PipelineError) as exc:
        await p.serve()
    assert exc.value.step == "serve"
    assert exc.value.cause.startswith("port 8080 did not open within 15s")
    assert "orders listening" in exc.value.details
    assert "addr=:9090" in exc.value.details


# --- workspace, vendor/ --------------------------------------------------------------------------------------


async def test_workspace_tests_every_module_like_native(fixture: Make) -> None:
    got, _ = await pipeline_outcomes(fixture("workspace"))
    assert got == native(FIXTURES / "workspace", packages=("./api/...", "./lib/..."))
    assert set(got) == {"example.com/shop/api.TestVersionDefault", "example.com/shop/lib/strutil.TestTitle"}


async def test_workspace_builds_vets_and_formats(fixture: Make) -> None:
    p = fixture("workspace", platforms=["linux/amd64"])
    assert await (await p.build()).glob("linux_amd64/*") == ["linux_amd64/api"]
    await p.vet()
    await p.fmt()
    await p.tidy()


async def test_vendored_module_builds_and_tests_from_vendor_only(fixture: Make) -> None:
    # corp.example/widgets exists only in vendor/: any download would fail, so passing proves Go built with
    # -mod=vendor and the pipeline downloaded nothing, as natively.
    p = fixture("vendored", platforms=["linux/amd64"])
    got, _ = await pipeline_outcomes(p)
    assert got == native(FIXTURES / "vendored") == {"example.com/tickets/ids.TestNewPadsTheNumber": "pass"}
    assert await (await p.build()).glob("linux_amd64/*") == ["linux_amd64/tickets"]
    await p.vet()


# --- a hanging test, cgo, a large untracked tree ---------------------------------------------------------------


async def test_hanging_test_is_named_with_timeout_and_goroutine(fixture: Make) -> None:
    got, summary = await pipeline_outcomes(fixture("hanging-test"), timeout="5s")
    assert got == native(FIXTURES / "hanging-test", "-timeout", "5s")  # the hung test has no outcome either side
    report = await fixture("hanging-test").test(timeout="5s")
    assert not report.ok
    assert "example.com/jobs/worker.TestDrainForgetsToClose" in report.failed
    assert "(1 timed out after 5s)" in summary
    assert "FAIL example.com/jobs/worker.TestDrainForgetsToClose: timed out after 5s" in report.details
    assert "worker.Drain(" in report.details  # the goroutine dump excerpt shows where it blocks
    with pytest.raises(PipelineError, match="timed out after 5s"):
        report.check()


async def test_cgo_is_named_with_how_to_choose_a_cgo_builder(fixture: Make) -> None:
    with pytest.raises(PipelineError) as exc:
        await fixture("cgo-dep", platforms=["linux/amd64"]).build()
    assert exc.value.step == "build"
    assert exc.value.cause.startswith('example.com/native/native use cgo (import "C")')
    assert "pass --cgo" in exc.value.cause


@pytest.fixture(scope="module")
def beside_node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """app/ with a 10,000-file web/node_modules tree next to it, as a front-end build leaves one."""
    folder = tmp_path_factory.mktemp("large") / "app"
    shutil.copytree(ROOT / "app", folder)
    for i in range(10_000):
        pkg = folder / "web" / "node_modules" / f"pkg{i // 100}" / "lib"
        pkg.mkdir(parents=True, exist_ok=True)
        (pkg / f"m{i}.js").write_text(f"module.exports = {i};\n")
    return folder


async def test_large_untracked_tree_is_uploaded_and_a_readme_edit_reruns_nothing_go_cached(
    go_image: str, beside_node_modules: Path
) -> None:
    def pipe() -> Pipeline:
        src = dag.host().directory(str(beside_node_modules), exclude=[".git"], no_cache=True)
        return Pipeline(source=src, go_image=go_image)

    first = await pipe().test()
    assert first.ok, first.details
    assert await pipe().source.exists("web/node_modules/pkg99/lib/m9999.js")
    (beside_node_modules / "README.md").write_text("# edited\n")
    again = await pipe().test()
    assert again.ok
    assert again.summary.endswith("package(s) from Go's test cache")  # Go answered from its test cache


async def test_excluded_paths_never_reach_the_build(go_image: str, beside_node_modules: Path) -> None:
    src = dag.host().directory(str(beside_node_modules), exclude=[".git"])
    p = Pipeline(source=src, go_image=go_image, exclude=["web/node_modules"])
    deps = await p.deps()
    assert not await deps.directory("/src").exists("web/node_modules")


# --- ci on the shapes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "options"),
    [("embed-assets", {}), ("workspace", {}), ("cmd-layout", {"main": "api"}), ("other-port", {"port": 9090})],
)
async def test_ci_passes_on_each_shape(
    fixture: Make, trivy_db: dagger.Directory, trivy_image: str, name: str, options: dict[str, object]
) -> None:
    report = await fixture(name, trivy_db=trivy_db, trivy_image=trivy_image, **options).ci()
    assert "7 of 7 steps ok" in report.summary.splitlines(), report.details


async def test_ci_fails_at_vet_with_the_finding_it_reports_in_sarif(
    fixture: Make, trivy_db: dagger.Directory, trivy_image: str
) -> None:
    """ci runs go vet once (-json): the gate's finding and the SARIF log's come from the same run."""
    report = await fixture("vet-finding", trivy_db=trivy_db, trivy_image=trivy_image).ci()
    with pytest.raises(PipelineError) as exc:
        report.check()
    assert exc.value.cause == "2 of 7 steps failed: vet, lint", exc.value.details  # golangci-lint runs govet too
    assert "main.go:16:2: result of fmt.Sprintf call not used" in exc.value.details
    sarif = await report.reports.file("pipeline.sarif").contents()
    assert "result of fmt.Sprintf call not used" in sarif


async def test_ci_on_code_that_does_not_compile_reports_a_table(
    go_image: str, trivy_db: dagger.Directory, trivy_image: str, tmp_path: Path
) -> None:
    broken = tmp_path / "app"
    shutil.copytree(ROOT / "app", broken)
    (broken / "handlers.go").write_text((broken / "handlers.go").read_text() + "\nfunc broken() { undefined() }\n")
    p = Pipeline(source=source(broken), go_image=go_image, trivy_db=trivy_db, trivy_image=trivy_image)
    with pytest.raises(PipelineError) as exc:
        (await p.ci()).check()
    assert exc.value.cause == "5 of 7 steps failed: vet, lint, test, build, scan"
    assert "unhandled errors in a TaskGroup" not in str(exc.value)
    assert "undefined: undefined" in exc.value.details
