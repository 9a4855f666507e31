"""bench/realworld.py reads ci's own table: the two stay in step."""

from bench import realworld
from pipeline.ci.steps_table import StepResult, table


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


def test_the_table_names_each_failure_under_its_service() -> None:
    ok = realworld.Trial(ref="github.com/a/svc/v2@v2.0.0", packages=7, code=0, seconds=45.2, steps={"fmt": "ok 6s"})
    bad = realworld.Trial(
        ref="example.com/exp@v1.0.0", packages=4, code=1, seconds=255, steps={"test": "FAIL 219s"}, detail=["test: x"]
    )
    bad.tests, bad.differs = 10, ["exp.TestZ: pipeline fail, native pass"]
    lines = realworld.table([ok, bad]).splitlines()
    assert lines[0] == "| repository | packages | ci | time | tests (same as native) | fmt | test |"
    assert lines[2] == "| github.com/a/svc/v2@v2.0.0 | 7 | ok | 45 s |  | ok 6s |  |"
    assert lines[3] == "| example.com/exp@v1.0.0 | 4 | exit 1 | 255 s | 9 of 10 |  | FAIL 219s |"
    assert lines[-2] == "- exp: test: x"
    assert lines[-1] == "- exp: test differs from native Go: exp.TestZ: pipeline fail, native pass"
