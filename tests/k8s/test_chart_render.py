"""What the chart's templates decide, rendered by the pinned helm on the host (no cluster)."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import harness_pins
from tests.k8s.conftest import CHART, Helm


def render(
    helm: Helm, tmp_path: Path, values: dict[str, Any], kube: str = harness_pins.KUBERNETES_VERSION
) -> subprocess.CompletedProcess[str]:
    """Render with a values document; return the completed helm process."""
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    return helm("template", "hello", str(CHART), "--kube-version", kube, "--values", str(path))


def objects(res: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    assert res.returncode == 0, res.stderr
    return {d["kind"]: d for d in yaml.safe_load_all(res.stdout) if d}


def test_defaults_render_the_hardened_minimum(offline_helm: Helm, tmp_path: Path) -> None:
    rendered = objects(render(offline_helm, tmp_path, {}))
    assert sorted(rendered) == ["Deployment", "Pod", "PodDisruptionBudget", "Service", "ServiceAccount"]
    assert rendered["Deployment"]["spec"]["replicas"] == 2
    assert rendered["PodDisruptionBudget"]["spec"] == {
        "maxUnavailable": 1,
        "selector": {"matchLabels": {"app.kubernetes.io/name": "hello", "app.kubernetes.io/instance": "hello"}},
    }
    assert rendered["Pod"]["metadata"]["annotations"]["helm.sh/hook"] == "test"


def test_autoscaling_owns_the_replica_count(offline_helm: Helm, tmp_path: Path) -> None:
    custom = {
        "type": "Pods",
        "pods": {"metric": {"name": "rps"}, "target": {"type": "AverageValue", "averageValue": "50"}},
    }
    rendered = objects(render(offline_helm, tmp_path, {"autoscaling": {"enabled": True, "metrics": [custom]}}))
    assert "replicas" not in rendered["Deployment"]["spec"]
    metrics = rendered["HorizontalPodAutoscaler"]["spec"]["metrics"]
    assert metrics == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
        custom,
    ]


@pytest.mark.parametrize(
    ("pdb", "want"),
    [
        ({"maxUnavailable": None, "minAvailable": "50%"}, {"minAvailable": "50%"}),
        ({"maxUnavailable": 1, "minAvailable": 1}, "set exactly one of maxUnavailable and minAvailable"),
        ({"maxUnavailable": None, "minAvailable": None}, "set exactly one of maxUnavailable and minAvailable"),
    ],
)
def test_disruption_budget_takes_one_bound(
    offline_helm: Helm, tmp_path: Path, pdb: dict[str, Any], want: dict[str, Any] | str
) -> None:
    res = render(offline_helm, tmp_path, {"podDisruptionBudget": pdb})
    if isinstance(want, str):
        assert res.returncode != 0
        assert want in res.stderr
    else:
        spec = objects(res)["PodDisruptionBudget"]["spec"]
        assert {k: v for k, v in spec.items() if k != "selector"} == want


@pytest.mark.parametrize(
    ("threshold", "matcher"),
    [("0.25", 'le="0.25"'), ("1", 'le=~"1|1.0"'), ("2.5", 'le="2.5"')],
)
def test_latency_bucket_matcher_survives_prometheus_3_le_format(
    offline_helm: Helm, tmp_path: Path, threshold: str, matcher: str
) -> None:
    values = {"metrics": {"prometheusRule": {"enabled": True, "latencyThresholdSeconds": threshold}}}
    rule = objects(render(offline_helm, tmp_path, values))["PrometheusRule"]
    latency = [r["expr"] for r in rule["spec"]["groups"][0]["rules"] if "latency" in r["record"]]
    assert len(latency) == 4
    assert all(matcher in e for e in latency)


def test_latency_threshold_must_be_a_bucket(offline_helm: Helm, tmp_path: Path) -> None:
    res = render(offline_helm, tmp_path, {"metrics": {"prometheusRule": {"latencyThresholdSeconds": "0.3"}}})
    assert res.returncode != 0
    assert "latencyThresholdSeconds" in res.stderr


def test_rule_selector_is_the_users(offline_helm: Helm, tmp_path: Path) -> None:
    values: dict[str, Any] = {
        "metrics": {"prometheusRule": {"enabled": True, "selector": 'service="web"', "excludeRoutes": []}}
    }
    rule = objects(render(offline_helm, tmp_path, values))["PrometheusRule"]
    first = rule["spec"]["groups"][0]["rules"][0]["expr"]
    assert 'http_requests_total{service="web",code=~"5.."}[5m]' in first


def test_admission_policy_needs_kubernetes_1_30(offline_helm: Helm, tmp_path: Path) -> None:
    res = render(offline_helm, tmp_path, {"admissionPolicy": {"enabled": True}}, kube="1.29.0")
    assert res.returncode != 0
    assert "admissionPolicy.enabled needs admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy" in res.stderr
