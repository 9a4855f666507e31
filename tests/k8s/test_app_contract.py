"""The chart's promises about the app, checked against the app's real binary built on the host.

The `helm test` hook runs the image's entrypoint with the args the chart renders (`probe -timeout=5s URL`); the
SLO rules and the dashboard read metric families by name. Both are checked here against `go build` of app/.
"""

import json
import os
import re
import subprocess
import time
import urllib.request
from collections.abc import Generator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.k8s.conftest import CHART, Helm

START_TIMEOUT = 30.0
#: Series Prometheus makes itself (not served by the app) that the dashboard may read.
SYNTHETIC = frozenset({"up"})


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """app/ built for the host, as the image's entrypoint is built (static, trimmed)."""
    out = tmp_path_factory.mktemp("app") / "hello"
    res = subprocess.run(
        ["go", "build", "-trimpath", "-o", str(out), "."],
        cwd=ROOT / "app",
        env={**os.environ, "CGO_ENABLED": "0"},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="module")
def app_url(binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Generator[str]:
    """The app serving on a free loopback port; its base URL."""
    log = tmp_path_factory.mktemp("app-run") / "app.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([binary], env={**os.environ, "PORT": "0"}, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        addr = ""
        while not addr:
            assert proc.poll() is None, f"the app exited with {proc.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, (
                f"the app did not listen within {START_TIMEOUT:.0f}s:\n{log.read_text()}"
            )
            for line in log.read_text().splitlines():
                entry = json.loads(line)
                if entry.get("msg") == "listening":
                    addr = entry["addr"]
            time.sleep(0.2)
        yield f"http://127.0.0.1:{addr.rsplit(':', 1)[1]}"
    finally:
        proc.terminate()
        proc.wait(15)


def probe_args(helm: Helm) -> list[str]:
    """The args of the chart's `helm test` Pod (rendered by helm)."""
    [pod] = helm.template("default", show_only="templates/tests/probe.yaml")
    [container] = pod["spec"]["containers"]
    return container["args"]


def test_helm_test_args_run_the_binary_probe(binary: Path, app_url: str, offline_helm: Helm) -> None:
    args = probe_args(offline_helm)
    assert args[:2] == ["probe", "-timeout=5s"]
    assert re.fullmatch(r"http://hello:80/healthz", args[2])
    ok = subprocess.run(
        [binary, *args[:2], f"{app_url}/healthz"], capture_output=True, text=True, check=False, timeout=30
    )
    assert (ok.returncode, ok.stdout) == (0, f"probe: GET {app_url}/healthz: 200 OK\n"), ok.stderr
    bad = subprocess.run(
        [binary, *args[:2], f"{app_url}/nope"], capture_output=True, text=True, check=False, timeout=30
    )
    assert bad.returncode == 1
    assert f"probe: GET {app_url}/nope: 404 Not Found, want 200 OK" in bad.stderr


@pytest.fixture(scope="module")
def served(app_url: str) -> set[str]:
    """The metric families the running app serves on /metrics (after one request, so the HTTP ones exist)."""
    for path in ("/", "/healthz"):
        with urllib.request.urlopen(f"{app_url}{path}", timeout=10):  # noqa: S310 (loopback http)
            pass
    with urllib.request.urlopen(f"{app_url}/metrics", timeout=10) as resp:  # noqa: S310 (loopback http)
        text = resp.read().decode()
    return set(re.findall(r"^# TYPE (\S+) ", text, flags=re.MULTILINE))


#: PromQL functions and keywords that stand before "(" or "{" but are not metric names.
PROMQL_WORDS = frozenset({"by", "without", "on", "ignoring"})


def metric_names(expr: str) -> set[str]:
    """Return the metric families an expression reads: names before a selector, histogram suffixes stripped."""
    names = set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_:]*)\{", expr)) - PROMQL_WORDS
    return {re.sub(r"_(bucket|count|sum)$", "", n) for n in names if ":" not in n}  # ":" marks recording rules


def test_slo_rules_read_served_metrics(served: set[str], offline_helm: Helm) -> None:
    [rule] = offline_helm.template("default", "full.yaml", show_only="templates/prometheusrule.yaml")
    exprs = [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]]
    read = {name for e in exprs for name in metric_names(e)}
    assert read == {"http_requests_total", "http_request_duration_seconds"}
    assert read <= served


def test_dashboard_reads_served_metrics(served: set[str]) -> None:
    dashboard = json.loads((CHART / "files" / "dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    read = {name for e in exprs for name in metric_names(e)}
    assert {"http_requests_total", "http_request_duration_seconds"} <= read
    assert read - SYNTHETIC <= served, sorted(read - SYNTHETIC - served)


def test_dashboard_configmap_carries_the_dashboard(offline_helm: Helm) -> None:
    [cm] = offline_helm.template("default", "full.yaml", show_only="templates/dashboard.yaml")
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(cm["data"]["hello.json"]) == json.loads((CHART / "files" / "dashboard.json").read_text())
