"""What a person looks at: pprof's web UI through a host tunnel, the static pprof report, coverage.html.

Each page is loaded in headless Chromium (tests/browser.py): the checks read the DOM the page's scripts
rendered (scripts left out), and a screenshot is written beside it for a person to look at.
"""

import re
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import dagger
import pytest
from dagger import dag

from pipeline import Pipeline
from pipeline.core.errors import PipelineError
from pipeline.perf.pprof import ProfileKind
from tests.browser import rendered, screenshot
from tests.conftest import ROOT
from tests.engine.conftest import source

#: A flame graph box as pprof draws it: <div class="boxtext">hello.handleHello.func1</div>.
BOX = re.compile(r'class="boxtext">([^<]+)<')


async def tunnelled(svc: dagger.Service, backend: int) -> tuple[dagger.Service, str]:
    """Return a tunnel to svc's port on a free host port the engine binds, and its http:// address."""
    tunnel = await dag.host().tunnel(svc, ports=[dagger.PortForward(backend=backend, frontend=0)]).start()
    return tunnel, await tunnel.endpoint(scheme="http")


def final_url(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 (a loopback URL built here)
        return str(r.url)


@pytest.fixture(scope="module")
async def pprof_ui(app: Pipeline) -> AsyncIterator[str]:
    """pprof's web UI on a fresh CPU profile of app/'s BenchmarkHello, tunnelled to a port on this host."""
    svc = await app.pprof(pattern="BenchmarkHello$")
    tunnel, url = await tunnelled(svc, 8081)
    yield url
    await tunnel.stop()
    await svc.stop()


async def test_pprof_flame_graph_shows_the_apps_handlers(pprof_ui: str, tmp_path: Path) -> None:
    screenshot(f"{pprof_ui}/ui/flamegraph", tmp_path / "flamegraph.png")
    boxes = BOX.findall(rendered(f"{pprof_ui}/ui/flamegraph"))
    # Labels are as long as their box allows: hello.handleHello.func1, handleHello.func1, ...
    assert any("handleHello" in box for box in boxes), ", ".join(boxes)
    assert "hello.BenchmarkHello" in boxes


async def test_pprof_top_and_source_views_name_the_handler(pprof_ui: str) -> None:
    top = rendered(f"{pprof_ui}/ui/top")
    assert "example.com/hello.handleHello.func1" in top
    # The source view reads /src/handlers.go in the container, where bench ran.
    source = rendered(f"{pprof_ui}/ui/source?f=handleHello")
    assert "func handleHello(" in source.replace("&nbsp;", " ")


async def test_pprof_opens_on_the_flame_graph_and_needs_graphviz_for_the_graph(pprof_ui: str) -> None:
    assert final_url(f"{pprof_ui}/").endswith("/ui/flamegraph")
    # The offline builder is busybox + Go: no apt, so no dot.
    with pytest.raises(urllib.error.HTTPError) as exc:
        final_url(f"{pprof_ui}/ui/graph")
    assert exc.value.code == 501  # Not Implemented
    assert "Could not execute dot; may need to install graphviz." in exc.value.read().decode()


async def test_a_debian_builder_gets_graphviz_and_the_graph_view(debian_go_image: str, tmp_path: Path) -> None:
    app = Pipeline(source=source(ROOT / "app"), go_image=debian_go_image)
    # Only the handler's benchmark: on a busy host the runtime's nodes crowd a two-benchmark graph (pprof keeps 80).
    out = await app.pprof_report(pattern="BenchmarkHello$", benchtime="1s")
    assert sorted(await out.entries()) == ["flamegraph.html", "graph.svg", "top.txt"]
    await out.export(str(tmp_path))
    graph = (tmp_path / "graph.svg").read_text()
    assert graph.startswith("<?xml")
    assert "handleHello" in graph
    svc = await app.pprof(pattern="BenchmarkHello$", benchtime="1s")
    tunnel, url = await tunnelled(svc, 8081)
    try:
        page = rendered(f"{url}/ui/graph")
        assert re.search(r"<svg[^>]*>", page), "no graph drawn"
        assert re.search(r"<text[^>]*>[^<]*handleHello[^<]*</text>", page), "the graph has no node for the handler"
        screenshot(f"{url}/ui/graph", tmp_path / "graph.png")
    finally:
        await tunnel.stop()
        await svc.stop()


async def test_pprof_report_is_a_flame_graph_page_and_top_text(app: Pipeline, tmp_path: Path) -> None:
    out = await app.pprof_report(profile=ProfileKind.MEM, sample_index="alloc_space")
    assert sorted(await out.entries()) == ["flamegraph.html", "top.txt"]  # no graph.svg without Graphviz
    await out.export(str(tmp_path))
    top = (tmp_path / "top.txt").read_text()
    assert "Type: alloc_space" in top
    assert "example.com/hello" in top
    page = (tmp_path / "flamegraph.html").as_uri()
    assert any("handleHello" in box for box in BOX.findall(rendered(page))), "the saved page draws no handler"
    screenshot(page, tmp_path / "report.png")


async def test_pprof_names_a_profile_it_cannot_read(app: Pipeline) -> None:
    garbage = dag.directory().with_new_file("cpu.prof", "not a profile").file("cpu.prof")
    with pytest.raises(PipelineError, match=r"^pprof: go tool pprof cannot read the profile \(exit \d+\)") as exc:
        await app.pprof(file=garbage)
    assert "unrecognized profile format" in exc.value.details


async def test_pprof_serves_a_profile_the_user_passes(
    app: Pipeline, client: Callable[[str, dagger.Service], dagger.Container]
) -> None:
    profile = (await app.bench(benchtime="200ms")).file("cpu.prof")
    svc = await app.pprof(file=profile, ui_port=9090)
    top = await client("pprof", svc).with_exec(["wget", "-qO-", "http://pprof:9090/ui/top"]).stdout()
    assert "handleHello" in top


async def test_coverage_page_shows_the_source_covered_line_by_line(app: Pipeline, tmp_path: Path) -> None:
    report = await app.test()
    page = tmp_path / "coverage.html"
    await report.coverage_html.export(str(page))
    dom = rendered(page.as_uri())
    files = re.findall(r"<option value=\"file\d+\">([^<]+)</option>", dom)
    assert any(f.startswith("example.com/hello/handlers.go (") for f in files), files
    assert re.search(r'<span class="cov[1-9]\d*" title="1">', dom), "no covered statement is marked"
    assert "func handleHello(" in dom
    screenshot(page.as_uri(), tmp_path / "coverage.png")


async def test_coverage_page_says_so_when_nothing_built(go_image: str, tmp_path: Path) -> None:
    broken = (
        dag.directory()
        .with_new_file("go.mod", "module example.com/broken\n\ngo 1.26\n")
        .with_new_file("main.go", "package main\n\nfunc main() { undefined() }\n")
    )
    report = await Pipeline(source=broken, go_image=go_image).test()
    assert not report.ok
    await report.coverage_html.export(str(tmp_path / "coverage.html"))
    assert "No coverage to show" in (tmp_path / "coverage.html").read_text()
