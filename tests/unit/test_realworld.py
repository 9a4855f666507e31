"""bench/realworld.py reads ci's own table: the two stay in step."""

from pathlib import Path

import pytest

from bench import realworld
from pipeline.ci.steps_table import StepResult, table
from scripts import harness_pins


def test_the_trial_parser_reads_every_row_of_cis_table() -> None:
    printed = table(
        [
            StepResult("fmt", ok=True, seconds=6.7),
            StepResult("integration", ok=True, seconds=31.0),
            StepResult(
                "test",
                ok=False,
                seconds=219.04,
                detail="test: 96 passed, 12 failed, 4 skipped; coverage 20.6%\nFAIL x.TestY",
            ),
        ]
    )
    rows = [m for line in printed.splitlines() if (m := realworld.STEP_ROW.match(line))]
    assert [(m["step"], m["status"], m["seconds"]) for m in rows] == [
        ("fmt", "ok", "6.7"),
        ("integration", "ok", "31.0"),
        ("test", "FAIL", "219.0"),
    ]
    assert rows[2]["detail"].strip() == "test: 96 passed, 12 failed, 4 skipped; coverage 20.6%"


def test_a_failing_cis_table_and_the_error_that_repeats_it_count_once() -> None:
    printed = table([StepResult("fmt", ok=True, seconds=2.0), StepResult("tidy", ok=False, seconds=1.5, detail="x")])
    trial = realworld.Trial(ref="example.com/exp@v1.0.0", packages=1)
    realworld.read_steps(f"{printed}\nError: ci: 1 of 2 steps failed: tidy\n{printed}\n", trial)
    assert trial.steps == {"fmt": "ok 2s", "tidy": "FAIL 2s"}
    assert trial.detail == ["tidy: x"]


def test_the_table_names_each_failure_under_its_service() -> None:
    ok = realworld.Trial(ref="github.com/a/svc/v2@v2.0.0", packages=7, code=0, seconds=45.2, steps={"fmt": "ok 6s"})
    bad = realworld.Trial(
        ref="example.com/exp@v1.0.0", packages=4, code=1, seconds=255, steps={"test": "FAIL 219s"}, detail=["test: x"]
    )
    bad.tests, bad.differs = 10, ["exp.TestZ: pipeline fail, native pass"]
    left: dict[str, object] = {"ref": "example.com/big@v2.0.0", "kind": "service", "left_out": "hours on two cores"}
    lines = realworld.table([ok, bad], [left]).splitlines()
    assert lines[0] == "| repository | packages | ci | time | tests (same as native) | fmt | test |"
    assert lines[2] == "| github.com/a/svc/v2@v2.0.0 | 7 | ok | 45 s |  | ok 6s |  |"
    assert lines[3] == "| example.com/exp@v1.0.0 | 4 | exit 1 | 255 s | 9 of 10 |  | FAIL 219s |"
    assert lines[-3] == "- exp: test: x"
    assert lines[-2] == "- exp: test differs from native Go: exp.TestZ: pipeline fail, native pass"
    assert lines[-1] == "- big: not run: hours on two cores"


def test_a_repository_left_out_runs_only_when_named(monkeypatch: pytest.MonkeyPatch) -> None:
    left: dict[str, object] = {"ref": "example.com/big@v2.0.0", "kind": "service", "left_out": "hours on two cores"}
    plain: dict[str, object] = {"ref": "example.com/small@v1.0.0", "kind": "service"}
    monkeypatch.setattr(realworld, "ONLY", ())
    assert [realworld.chosen(e) for e in (left, plain)] == [False, True]
    monkeypatch.setattr(realworld, "ONLY", ("big",))
    assert [realworld.chosen(e) for e in (left, plain)] == [True, False]


def test_every_pinned_repository_left_out_says_why() -> None:
    left = [e for e in harness_pins.REAL_SERVICES if "left_out" in e]
    run = [e for e in harness_pins.REAL_SERVICES if "left_out" not in e]
    assert all(str(e["left_out"]).strip() for e in left)
    assert sum(e["kind"] == "service" for e in run) >= 10
    assert sum(e["kind"] == "library" for e in run) >= 3


def test_a_repository_pinning_golangci_lint_runs_that_version(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PIPELINE_GO_IMAGE", "PIPELINE_TRIVY_IMAGE", "PIPELINE_TRIVY_DB"):
        monkeypatch.setenv(name, f"127.0.0.1:5000/{name.lower()}:1")
    pinned: dict[str, object] = {"ref": "example.com/svc@v1.0.0", "kind": "service", "golangci_lint": "2.12.2"}
    plain: dict[str, object] = {"ref": "example.com/svc@v1.0.0", "kind": "service"}
    assert "--golangci-lint-version=2.12.2" in realworld.pipeline_argv(pinned, Path("/src"))
    assert not any(a.startswith("--golangci-lint") for a in realworld.pipeline_argv(plain, Path("/src")))
