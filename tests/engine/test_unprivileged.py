"""Tests run as an unprivileged user with a writable HOME, owning the source, as on a CI runner or a laptop."""

from collections.abc import Callable

from pipeline import Pipeline

Make = Callable[..., Pipeline]
ROOT_ONLY_FAILURES = {
    "example.com/unprivileged.TestRunsUnprivileged",
    "example.com/unprivileged.TestAModeZeroFileIsUnreadable",
}


async def test_tests_run_unprivileged_by_default(fixture: Make) -> None:
    report = await fixture("unprivileged").test()
    assert report.ok, report.details
    assert report.summary.startswith("4 passed, 0 failed")


async def test_test_as_root_restores_root(fixture: Make) -> None:
    report = await fixture("unprivileged", test_as_root=True).test()
    assert set(report.failed) == ROOT_ONLY_FAILURES, report.details
