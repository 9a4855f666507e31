"""The chart's PrometheusRule, evaluated by Prometheus' own rule engine (promtool) on synthetic series.

The rules are rendered by helm, checked by `promtool check rules`, then unit-tested with `promtool test rules`:
which alerts fire for a healthy service, an error burst, a latency regression and failing probes (which the SLOs
leave out).
"""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import harness_pins
from tests.conftest import in_ci
from tests.k8s.conftest import Helm
from tests.kubecluster import install_tool

NS = "slo"
OWNER = f"{NS}/hello"
SERIES = f'job="hello",namespace="{NS}",method="GET"'
#: Seven hours of one-minute samples: every window of the rules (up to 6 h) is full.
HOURS = 7
STEPS = HOURS * 60


@pytest.fixture(scope="session")
def promtool() -> Path:
    """The pinned promtool (scripts/build-kube.sh; installed with go install if absent)."""
    try:
        return install_tool(harness_pins.PROMTOOL, timeout=600)
    except RuntimeError as e:
        if in_ci():
            pytest.fail(str(e), pytrace=False)
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def rules(offline_helm: Helm, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chart's rules as a Prometheus rule file."""
    [rule] = offline_helm.template(NS, "full.yaml", show_only="templates/prometheusrule.yaml")
    path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_text(yaml.safe_dump(rule["spec"], sort_keys=False))
    return path


def counter(labels: str, per_minute: float) -> dict[str, str]:
    """A counter series growing by per_minute for HOURS."""
    return {"series": f"{{{labels}}}", "values": f"0+{per_minute:g}x{STEPS}"}


def requests(route: str, code: str, per_minute: float) -> dict[str, str]:
    return counter(f'__name__="http_requests_total",{SERIES},route="{route}",code="{code}"', per_minute)


def durations(route: str, fast: float, total: float) -> list[dict[str, str]]:
    """Histogram series: `fast` of `total` requests per minute within 0.25 s."""
    base = f'{SERIES},route="{route}"'
    return [
        counter(f'__name__="http_request_duration_seconds_bucket",{base},le="0.25"', fast),
        counter(f'__name__="http_request_duration_seconds_bucket",{base},le="+Inf"', total),
        counter(f'__name__="http_request_duration_seconds_count",{base}', total),
    ]


ALERTS = [
    "HelloAvailabilityBudgetBurnFast",
    "HelloAvailabilityBudgetBurnSlow",
    "HelloLatencyBudgetBurnFast",
    "HelloLatencyBudgetBurnSlow",
]


def alert(name: str, value: str) -> dict[str, Any]:
    """The alert as Prometheus would send it, with its expanded annotations."""
    slo = "availability" if "Availability" in name else "latency"
    fast = name.endswith("Fast")
    what = "answers are 5xx" if slo == "availability" else "answers take longer than 0.25s"
    rate, window, hours = ("14.4", "1h", "50") if fast else ("6", "6h", "120")
    objective = "99.5" if slo == "availability" else "99"
    return {
        "exp_labels": {
            "severity": "critical" if fast else "warning",
            "slo": slo,
            "slo_release": OWNER,
            "namespace": NS,
            "job": "hello",
        },
        "exp_annotations": {
            "summary": f"{OWNER}: {slo} SLO error budget burning {rate}x too fast",
            "description": f"{value} of {OWNER}'s {what} over the last {window} (objective: {objective}% over 30"
            f" days; at this rate the budget is gone in {hours} hours).",
            "runbook_url": "https://runbooks.example.com/hello",
        },
    }


SCENARIOS: list[tuple[str, list[dict[str, str]], dict[str, str]]] = [
    # name, input series, alerts firing at the end -> their $value (humanizePercentage of the long window)
    (
        "healthy",
        [requests("/", "200", 999), requests("/", "500", 1), *durations("/", 999, 1000)],
        {},
    ),
    (
        "error burst",  # 1 in 11 answers is a 5xx: 9.1 % > 14.4 x 0.5 %
        [requests("/", "200", 600), requests("/", "500", 60), *durations("/", 660, 660)],
        {"HelloAvailabilityBudgetBurnFast": "9.091%", "HelloAvailabilityBudgetBurnSlow": "9.091%"},
    ),
    (
        "latency regression",  # 10 % slower than 0.25 s: above 6 x 1 %, below 14.4 x 1 %
        [requests("/", "200", 1000), *durations("/", 900, 1000)],
        {"HelloLatencyBudgetBurnSlow": "10%"},
    ),
    (
        "failing probes are not user traffic",
        [
            requests("/", "200", 1000),
            requests("/readyz", "503", 500),
            *durations("/", 1000, 1000),
            *durations("/readyz", 0, 500),
        ],
        {},
    ),
]


def test_rules_pass_promtool_check(promtool: Path, rules: Path) -> None:
    res = subprocess.run([promtool, "check", "rules", rules], capture_output=True, text=True, check=False, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS: 12 rules found" in res.stdout  # 8 recording rules, 4 alerts


@pytest.mark.parametrize(("name", "series", "firing"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_alerts_fire_as_the_slos_say(
    promtool: Path, rules: Path, tmp_path: Path, name: str, series: list[dict[str, str]], firing: dict[str, str]
) -> None:
    spec = {
        "rule_files": [str(rules)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "name": name,
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {
                        "eval_time": f"{HOURS}h",
                        "alertname": a,
                        "exp_alerts": [alert(a, firing[a])] if a in firing else [],
                    }
                    for a in ALERTS
                ],
            }
        ],
    }
    test_file = tmp_path / "test.yaml"
    test_file.write_text(yaml.safe_dump(spec, sort_keys=False))
    res = subprocess.run(
        [promtool, "test", "rules", test_file], capture_output=True, text=True, check=False, timeout=120
    )
    assert res.returncode == 0, res.stdout + res.stderr
