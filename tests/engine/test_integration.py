"""integration_test: the app's image and a real Redis bound as services, and the ways it must fail loudly."""

import re
from collections.abc import Callable
from pathlib import Path

import dagger
import pytest
from dagger import dag

from pipeline import Pipeline
from pipeline.core.errors import PipelineError
from tests.engine.test_checks import junit_cases

COUNTER = "example.com/counter"


def redis(image: str) -> dagger.Service:
    """Debian's redis-server as a service (port 6379)."""
    return dag.container().from_(image).as_service(use_entrypoint=True)


async def test_tests_reach_the_app_and_redis(
    fixture: Callable[..., Pipeline], redis_image: str, tmp_path: Path
) -> None:
    report = await fixture("integration-redis").integration_test(services=[redis(redis_image)], service_names=["redis"])
    assert report.ok, report.details
    assert report.step == "integration-test"
    await report.junit.export(str(tmp_path / "junit.xml"))
    cases = junit_cases(str(tmp_path / "junit.xml"))
    assert {("TestHitsCountUp", False), ("TestAppAndTestShareRedis", False)} <= cases
    report.check()


async def test_failing_integration_tests_still_report(fixture: Callable[..., Pipeline], tmp_path: Path) -> None:
    # No Redis: the app answers /hits with 502 and the tests fail, by name, with JUnit.
    report = await fixture("integration-redis").integration_test()
    assert not report.ok
    assert f"{COUNTER}.TestHitsCountUp" in report.failed
    assert "502 Bad Gateway" in report.details
    await report.junit.export(str(tmp_path / "junit.xml"))
    assert ("TestHitsCountUp", True) in junit_cases(str(tmp_path / "junit.xml"))
    with pytest.raises(PipelineError) as exc:
        report.check()
    assert exc.value.step == "integration-test"
    assert "TestHitsCountUp" in str(exc.value)


async def test_a_tag_without_tests_is_an_error(app: Pipeline, fixture: Callable[..., Pipeline]) -> None:
    with pytest.raises(PipelineError) as exc:
        await app.integration_test()
    assert exc.value.step == "integration-test"
    assert exc.value.cause == "no test file in ./... builds only with -tags integration: nothing to run"
    with pytest.raises(PipelineError, match="builds only with -tags e2e"):
        await fixture("integration-redis").integration_test(tag="e2e")


async def test_a_service_that_never_opens_its_port_is_named(fixture: Callable[..., Pipeline], toolbox: str) -> None:
    silent = dag.container().from_(toolbox).with_exposed_port(6379).as_service(args=["sleep", "3600"])
    p = fixture("integration-redis", start_timeout=5)
    with pytest.raises(PipelineError) as exc:
        await p.integration_test(services=[silent], service_names=["redis"])
    assert exc.value.step == "integration-test"
    assert exc.value.cause.startswith("service 'redis': port 6379 did not open within 5s")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"service_names": ["redis"]}, "1 name(s) for 0 service(s)"),
        ({"service_names": ["app"], "services": ["x"]}, "'app' is the app's own host name"),
        ({"tag": "no spaces"}, "is not a Go build tag"),
        ({"env": ["NOEQUALS"]}, "env: 'NOEQUALS' is not NAME=value"),
        ({"timeout": "5 minutes"}, "is not a Go duration"),
    ],
)
async def test_usage_errors_come_before_any_build(
    fixture: Callable[..., Pipeline], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        await fixture("integration-redis").integration_test(**kwargs)  # pyright: ignore[reportArgumentType]


async def test_ci_runs_integration_tests_after_every_check(
    fixture: Callable[..., Pipeline], redis_image: str, trivy_db: dagger.Directory, trivy_image: str
) -> None:
    p = fixture("integration-redis", trivy_db=trivy_db, trivy_image=trivy_image)
    report = await p.ci(services=[redis(redis_image)], service_names=["redis"])
    lines = report.summary.splitlines()
    count = lines.index("8 of 8 steps ok")
    assert lines[count - 1].startswith("integration  ok ")  # the ordered step, after the seven checks
    # Without Redis the integration step fails, and only it: the checks before it all passed.
    with pytest.raises(PipelineError) as exc:
        (await p.ci()).check()
    assert exc.value.cause == "1 of 8 steps failed: integration"
    assert "TestHitsCountUp" in exc.value.details
