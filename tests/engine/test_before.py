"""--before (preparation steps, as a repository's Makefile or GoReleaser hooks run them) and libraries.

tests/fixtures/generated is a library (no main package) whose test needs a file `go generate` writes.
"""

from collections.abc import Callable

import dagger
import pytest

from pipeline import Pipeline
from pipeline.core.errors import PipelineError
from pipeline.go.build import NoMainPackageError

Make = Callable[..., Pipeline]


async def test_without_its_generate_step_the_test_does_not_compile(fixture: Make) -> None:
    report = await fixture("generated").test()
    assert not report.ok
    assert "undefined: Answer" in report.details


async def test_go_generate_before_makes_the_source_every_step_sees(fixture: Make) -> None:
    report = await fixture("generated", before=["go generate ./..."]).test()
    assert report.ok, report.details
    assert report.summary.startswith("1 passed, 0 failed")


async def test_a_before_step_in_another_image(fixture: Make, toolbox: str) -> None:
    write = "printf 'package answer\\n\\nconst Answer = 42\\n' > answer_gen.go"
    report = await fixture("generated", before=["true", write], before_image=toolbox).test()
    assert report.ok, report.details


async def test_a_failing_before_step_is_named_with_its_output(fixture: Make) -> None:
    p = fixture("generated", before=["go generate ./...", "echo cannot unpack fixtures >&2; exit 3"])
    with pytest.raises(PipelineError) as exc:
        await p.test()
    assert exc.value.step == "before"
    assert exc.value.cause == (
        "command 2 of 2, `echo cannot unpack fixtures >&2; exit 3`, failed (exit 3); no step ran"
    )
    assert "cannot unpack fixtures" in exc.value.details


async def test_a_library_has_nothing_to_build_and_ci_skips_build_and_scan(
    fixture: Make, trivy_db: dagger.Directory, trivy_image: str
) -> None:
    library = fixture("generated", before=["go generate ./..."], trivy_db=trivy_db, trivy_image=trivy_image)
    with pytest.raises(NoMainPackageError) as exc:
        await library.build()
    assert str(exc.value) == "build: the source has no main package (./...): it is a library, there is nothing to build"
    report = await library.ci()
    report.check()  # skipped steps are not failures
    lines = report.summary.splitlines()
    assert "5 of 5 steps ok; skipped: build, scan" in lines
    assert any(line.startswith("build  skipped") for line in lines), report.summary
