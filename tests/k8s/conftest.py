"""The chart against a real API server: one etcd + kube-apiserver per test session (tests/kubecluster.py).

The binaries come from scripts/build-kube.sh. Without them the tier skips on a laptop and fails in CI.
"""

import os
import subprocess
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline import pins
from scripts import harness_pins
from tests.conftest import ROOT, in_ci
from tests.kubecluster import Cluster, Tools, control_plane, install_tool, kube_bin_dir, missing_tools

HERE = Path(__file__).resolve().parent
CRDS = sorted((HERE / "crds").glob("*.yaml"))
VALUES = HERE / "values"
CHART = ROOT / "deploy" / "helm" / "hello"
#: Labels that make a namespace enforce (and warn and audit) the restricted Pod Security Standard.
RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
}
#: One helm command (seconds).
HELM_TIMEOUT = 180
#: How long a new CRD may take to be established (seconds).
CRD_TIMEOUT = 30.0


def require_kube_tools(bin_dir: Path) -> None:
    """Fail (CI) or skip (laptop) when the control plane's binaries or host tools are missing."""
    missing = missing_tools(bin_dir)
    if not missing:
        return
    msg = f"no Kubernetes control plane ({', '.join(missing)} missing): run scripts/build-kube.sh"
    if in_ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def kube_tools() -> Tools:
    """kube-apiserver, etcd (scripts/build-kube.sh) and the pinned helm (installed with go install if absent)."""
    bin_dir = kube_bin_dir()
    require_kube_tools(bin_dir)
    helm = install_tool(pins.HELM, timeout=600)
    return Tools(apiserver=bin_dir / "kube-apiserver", etcd=bin_dir / "etcd", helm=helm)


@pytest.fixture(scope="session")
def cluster(kube_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Generator[Cluster]:
    """A running API server with the CRDs the chart uses (ServiceMonitor, PrometheusRule, HTTPRoute)."""
    with control_plane(kube_tools, tmp_path_factory.mktemp("kube")) as c:
        for path in CRDS:
            crd = yaml.safe_load(path.read_text())
            res = c.create(crd)
            assert res.status == 201, f"CRD {path.name}: {res.status} {res.message}"
        for path in CRDS:
            wait_established(c, yaml.safe_load(path.read_text()))
        yield c


def wait_established(cluster: Cluster, crd: dict[str, Any]) -> None:
    """Wait (bounded) until the API server serves a CRD."""
    deadline = time.monotonic() + CRD_TIMEOUT
    while time.monotonic() < deadline:
        body: dict[str, Any] = cluster.get(crd).body
        conditions: list[dict[str, Any]] = body.get("status", {}).get("conditions", [])
        if any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions):
            return
        time.sleep(0.5)
    pytest.fail(f"CRD {crd['metadata']['name']} not established within {CRD_TIMEOUT:.0f}s")


@dataclass(frozen=True)
class Helm:
    """The pinned helm against the test cluster, with its own config and cache folders."""

    binary: Path
    kubeconfig: Path
    home: Path

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run helm; never raises on a failing exit (tests assert on it)."""
        env = {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "HELM_CONFIG_HOME": str(self.home / "config"),
            "HELM_CACHE_HOME": str(self.home / "cache"),
            "HELM_DATA_HOME": str(self.home / "data"),
        }
        return subprocess.run(
            [str(self.binary), *args], env=env, capture_output=True, text=True, check=False, timeout=HELM_TIMEOUT
        )

    def template(self, namespace: str, *values: str, show_only: str = "") -> list[dict[str, Any]]:
        """Render the chart for a namespace with values files from tests/k8s/values; return its objects."""
        res = self(
            "template",
            "hello",
            str(CHART),
            "--namespace",
            namespace,
            "--kube-version",
            harness_pins.KUBERNETES_VERSION,
            *(a for v in values for a in ("--values", str(VALUES / v))),
            *(("--show-only", show_only) if show_only else ()),
        )
        assert res.returncode == 0, res.stderr
        return [d for d in yaml.safe_load_all(res.stdout) if d]


@pytest.fixture(scope="session")
def offline_helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    """The pinned helm with no cluster, for `helm template` (installed with go install if absent)."""
    return Helm(install_tool(pins.HELM, timeout=600), Path("/nonexistent"), tmp_path_factory.mktemp("helm"))


@pytest.fixture(scope="session")
def helm(kube_tools: Tools, cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    """Run the pinned helm against the test cluster."""
    return Helm(kube_tools.helm, cluster.kubeconfig, tmp_path_factory.mktemp("helm"))


@pytest.fixture(scope="session")
def restricted_namespace(cluster: Cluster) -> Callable[[str], str]:
    """Make a namespace that enforces the restricted Pod Security Standard; return its name."""

    def make(name: str) -> str:
        cluster.namespace(name, RESTRICTED)
        return name

    return make
