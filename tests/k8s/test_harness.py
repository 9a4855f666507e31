"""The control-plane harness itself: missing binaries fail CI, waits are bounded and say why they gave up."""

import socket
from pathlib import Path

import pytest

from tests import kubecluster
from tests.k8s.conftest import require_kube_tools
from tests.kubecluster import PortTakenError, Tools, collection_path, control_plane, start, wait_until


def test_missing_binaries_fail_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"kube-apiserver.*missing\): run scripts/build-kube\.sh"):
        require_kube_tools(tmp_path)


def test_missing_binaries_skip_on_a_laptop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"etcd"):
        require_kube_tools(tmp_path)


def test_wait_gives_up_in_time_with_the_log(tmp_path: Path) -> None:
    proc = start("sleeper", ["sh", "-c", "echo starting; exec sleep 60"], tmp_path / "sleeper.log")
    try:
        with pytest.raises(TimeoutError, match=r"sleeper: no answer within 1s:\nstarting"):
            wait_until(proc, lambda: False, 1, "answer")
    finally:
        proc.stop()
    assert proc.popen.returncode is not None


def test_wait_reports_a_process_that_exits(tmp_path: Path) -> None:
    proc = start("crasher", ["sh", "-c", "echo bad flag >&2; exit 3"], tmp_path / "crasher.log")
    with pytest.raises(RuntimeError, match=r"crasher exited with 3 before answer:\nbad flag"):
        wait_until(proc, lambda: False, 30, "answer")


def test_a_port_taken_after_it_was_picked_starts_the_control_plane_again(
    kube_tools: Tools, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = iter([int(taken.getsockname()[1])])  # the first port etcd is given is in use
        real = kubecluster.free_port
        monkeypatch.setattr(kubecluster, "free_port", lambda: next(ports, None) or real())
        with control_plane(kube_tools, tmp_path) as cluster:
            assert cluster.request("GET", "/api/v1/namespaces").status == 200
    assert "address already in use" in (tmp_path / "start-1" / "etcd.log").read_text()
    assert (tmp_path / "start-2" / "kube-apiserver.log").is_file()


def test_a_process_that_could_not_bind_its_port_is_told_apart(tmp_path: Path) -> None:
    proc = start("binder", ["sh", "-c", "echo 'bind: address already in use' >&2; exit 1"], tmp_path / "b.log")
    with pytest.raises(PortTakenError, match=r"binder exited with 1"):
        wait_until(proc, lambda: False, 30, "answer")


@pytest.mark.parametrize(
    ("obj", "namespace", "want"),
    [
        ({"apiVersion": "v1", "kind": "Pod"}, "ns", "/api/v1/namespaces/ns/pods"),
        ({"apiVersion": "apps/v1", "kind": "Deployment"}, "ns", "/apis/apps/v1/namespaces/ns/deployments"),
        (
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress"},
            "a",
            "/apis/networking.k8s.io/v1/namespaces/a/ingresses",
        ),
        (
            {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy"},
            "ns",
            "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
        ),
        (
            {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"namespace": "m"}},
            "",
            "/apis/monitoring.coreos.com/v1/namespaces/m/servicemonitors",
        ),
    ],
)
def test_collection_path(obj: dict[str, object], namespace: str, want: str) -> None:
    assert collection_path(obj, namespace) == want
