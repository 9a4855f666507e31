"""`ci`'s orchestration and the no-exception-group rule, with plain coroutines (no engine)."""

from collections.abc import Awaitable, Callable

import anyio
import anyio.lowlevel
import pytest

from pipeline.ci.steps import run_ci
from pipeline.core.errors import PipelineError, UsageError
from pipeline.core.tasks import gather
from pipeline.release.ci_release_plan import ci_release_plan


async def ok() -> None:
    await anyio.lowlevel.checkpoint()


async def fails() -> None:
    raise PipelineError("vet", "go vet reported 1 finding(s)", "main.go:3: bad")


async def fails_differently() -> None:
    raise PipelineError("vet", "go vet could not run")


def wrong_input(name: str) -> Callable[[], Awaitable[None]]:
    async def bad() -> None:
        raise UsageError(f"vet: --{name} is wrong")

    return bad


async def fails_in_a_group() -> None:
    async with anyio.create_task_group() as tg:
        tg.start_soon(fails)


async def test_every_failing_step_is_in_the_table_even_inside_a_task_group() -> None:
    with pytest.raises(PipelineError) as exc:
        await run_ci({"fmt": ok, "vet": fails, "scan": fails_in_a_group})
    assert exc.value.cause == "2 of 3 steps failed: vet, scan"
    assert "unhandled errors in a TaskGroup" not in str(exc.value)
    assert "1 of 3 steps ok; failed: vet, scan" in exc.value.details.splitlines()
    assert "[scan] vet: go vet reported 1 finding(s)" in exc.value.details


async def test_release_steps_run_only_when_all_checks_passed() -> None:
    ran: list[str] = []

    async def publish() -> None:
        ran.append("publish")

    with pytest.raises(PipelineError):
        await run_ci({"vet": fails}, [("publish", publish)])
    assert ran == []
    table = await run_ci({"vet": ok}, [("publish", publish)])
    assert ran == ["publish"]
    assert table.splitlines()[-1] == "2 of 2 steps ok"


async def test_release_steps_are_found_beside_the_checks() -> None:
    listed = anyio.Event()
    ran: list[str] = []

    async def waits_for_the_listing() -> None:  # would never finish if the steps were found before the checks
        await listed.wait()

    async def integration() -> None:
        ran.append("integration")

    async def find() -> list[tuple[str, Callable[[], Awaitable[None]]]]:
        listed.set()
        return [("integration", integration)]

    with anyio.fail_after(5):
        table = await run_ci({"vet": waits_for_the_listing}, find)
    assert ran == ["integration"]
    assert table.splitlines()[-1] == "2 of 2 steps ok"


async def test_a_failure_to_find_the_release_steps_is_raised_after_the_checks_not_cancelling_them() -> None:
    done: list[str] = []

    async def slow_check() -> None:
        await anyio.sleep(0.05)
        done.append("vet")

    async def find() -> list[tuple[str, Callable[[], Awaitable[None]]]]:
        raise PipelineError("integration-test", "go list failed")

    with pytest.raises(PipelineError, match="go list failed"):
        await run_ci({"vet": slow_check}, find)
    assert done == ["vet"]


async def test_gather_reraises_one_failure_plainly_and_merges_several() -> None:
    with pytest.raises(PipelineError) as one:
        await gather(ok, fails)
    assert str(one.value).startswith("vet: go vet reported")
    with pytest.raises(PipelineError) as same:  # one failure on every platform is said once
        await gather(fails, fails_in_a_group)
    assert same.value.cause == "go vet reported 1 finding(s)"
    with pytest.raises(PipelineError) as two:
        await gather(fails, fails_differently)
    assert two.value.cause == "2 failures"
    with pytest.raises(UsageError, match=r"^vet: 2 inputs are wrong"):  # all usage errors: still exit 2
        await gather(wrong_input("a"), wrong_input("b"))
    assert await gather(ok, ok) == [None, None]


@pytest.mark.parametrize(
    ("address", "key", "chart", "chart_address", "steps", "target"),
    [
        ("", False, False, "", (), ""),
        ("ghcr.io/acme/hello", False, False, "", ("publish",), ""),
        ("ghcr.io/acme/hello", True, False, "", ("publish", "sign", "attest"), ""),
        ("ghcr.io/acme/hello", True, True, "", ("publish", "sign", "attest", "publish-chart"), "ghcr.io/acme/charts"),
        (
            "ghcr.io/acme/hello",
            True,
            True,
            "ghcr.io/acme/helm",
            ("publish", "sign", "attest", "publish-chart"),
            "ghcr.io/acme/helm",
        ),
    ],
)
def test_release_plan(
    address: str, key: bool, chart: bool, chart_address: str, steps: tuple[str, ...], target: str
) -> None:
    plan = ci_release_plan(address, key, chart, chart_address)
    assert plan.steps == steps
    assert plan.chart_address == target


@pytest.mark.parametrize(
    ("address", "key", "chart", "chart_address", "message"),
    [
        ("", True, False, "", "give --address too"),
        ("", False, True, "", "give --address too"),
        ("ghcr.io/acme/hello", False, True, "", "needs --key"),
        ("ghcr.io/acme/hello", True, True, "ghcr.io/acme/hello", "the image's own repository"),
    ],
)
def test_release_plans_that_cannot_work(address: str, key: bool, chart: bool, chart_address: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ci_release_plan(address, key, chart, chart_address)
