"""The integration tier: go test with a build tag, against the app's image and the caller's services.

Every service starts first, each within the start bound and named in the error when it never opens its ports;
then the app's own image starts bound to them (so it reaches them by the same host names); then the tests run
bound to all of them, with the app's URL in APP_URL. The caller's environment reaches the app and the tests.
Integration tests always run (never from Go's test cache or the engine's cache): what they test lives outside
the test binary.
"""

import dataclasses
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final

import dagger

from pipeline.core.errors import PipelineError
from pipeline.core.execs import run
from pipeline.core.tasks import gather
from pipeline.core.validate import check_build_tag, check_duration, check_env, check_service_names

from .builder import GoEnv
from .integration_files import list_argv, tagged_test_files
from .run import app_run, started
from .testing import TEST_TOOLS, TestOptions, TestReport, read_report, tests_container

STEP: Final = "integration-test"
#: The app's host name in the tests' network, and the variable that holds its URL.
APP_HOST: Final = "app"
APP_URL: Final = "APP_URL"


@dataclass(frozen=True, kw_only=True)
class Request:
    """What the caller asked for: services by host name, the tag, the environment, which tests and how long."""

    services: Mapping[str, dagger.Service]
    tag: str
    #: The constructor's build tags, which the tag is added to.
    tags: tuple[str, ...] = ()
    env: Mapping[str, str] = dataclasses.field(default_factory=dict[str, str])
    run: str = ""
    timeout: str = "300s"
    #: Run the tests as root instead of the unprivileged test user.
    as_root: bool = False


@dataclass(frozen=True, kw_only=True)
class App:
    """The app under test: its image, its binary (to show what it printed when it never opens), its port."""

    image: dagger.Container
    binary: dagger.File
    port: int
    start_timeout: int = 60


@dataclass(frozen=True, kw_only=True)
class Stack:
    """What the tests run against: the caller's services by host name, and the app as a service."""

    services: Mapping[str, dagger.Service]
    app: dagger.Service
    app_port: int
    app_diagnose: dagger.Container | None = None
    start_timeout: int = 60
    #: The caller's environment, given to the app's service and to the tests alike.
    env: Mapping[str, str] = dataclasses.field(default_factory=dict[str, str])


def app_service(
    image: dagger.Container, services: Mapping[str, dagger.Service], env: Mapping[str, str]
) -> dagger.Service:
    """Return the app's image as a service, bound to the caller's services, with the caller's environment."""
    ctr = image
    for name, svc in services.items():
        ctr = ctr.with_service_binding(name, svc)
    for key, value in env.items():
        ctr = ctr.with_env_variable(key, value)
    return ctr.as_service(use_entrypoint=True)


async def tagged_packages(env: GoEnv, deps: dagger.Container, tags: tuple[str, ...], tag: str) -> dict[str, list[str]]:
    """Return the packages that have test files only the tag builds, with those files."""
    patterns = env.patterns(["./..."])
    without, with_tag = await gather(
        partial(run, deps, list_argv(patterns, tags), STEP, env.step_timeout),
        partial(run, deps, list_argv(patterns, (*tags, tag)), STEP, env.step_timeout),
    )
    for res in (without, with_tag):
        if res.code != 0:
            raise PipelineError(STEP, "go list could not list the packages' test files", res.stderr or res.stdout)
    return tagged_test_files(with_tag.stdout, without.stdout)


def no_tests(tag: str, patterns: Sequence[str]) -> PipelineError:
    """Return the error for a tag that selects no test file: never a silent pass."""
    return PipelineError(
        STEP,
        f"no test file in {' '.join(patterns)} builds only with -tags {tag}: nothing to run",
        f"integration tests are _test.go files that start with `//go:build {tag}`; pass --tag if yours use another",
    )


async def start_stack(stack: Stack) -> None:
    """Start every service (concurrently), then the app; each bounded, each named when it never opens."""
    await gather(
        *(partial(started, svc, [], stack.start_timeout, step=STEP, name=name) for name, svc in stack.services.items())
    )
    await started(stack.app, [stack.app_port], stack.start_timeout, stack.app_diagnose, step=STEP, name=APP_HOST)


async def run_integration(env: GoEnv, deps: dagger.Container, stack: Stack, opts: TestOptions) -> TestReport:
    """Run the tagged tests against the started stack; the report comes back whether they pass or fail."""
    await start_stack(stack)
    ctr = deps.with_service_binding(APP_HOST, stack.app)
    for name, svc in stack.services.items():
        ctr = ctr.with_service_binding(name, svc)
    for key, value in stack.env.items():
        ctr = ctr.with_env_variable(key, value)
    ctr = (
        ctr.with_env_variable(APP_URL, f"http://{APP_HOST}:{stack.app_port}")
        # Never from the engine's cache: the services' state is not part of the exec's inputs.
        .with_env_variable("PIPELINE_INTEGRATION_RUN", str(time.time_ns()))
    )
    return await read_report(env, tests_container(env, ctr, opts), opts, step=STEP)


async def packages(env: GoEnv, deps: dagger.Container, tags: tuple[str, ...], tag: str) -> list[str]:
    """Return the packages with test files only the tag builds; fail saying so when there are none."""
    tagged = await tagged_packages(env, deps, tags, tag)
    if not tagged:
        raise no_tests(tag, env.patterns(["./..."]))
    return list(tagged)


async def has_tests(env: GoEnv, source: dagger.Directory, tags: tuple[str, ...], tag: str) -> bool:
    """Tell whether some test file builds only with the tag (a failure to tell counts as yes: the step says why)."""
    try:
        deps = await env.deps(source, tools=TEST_TOOLS)
        return bool(await tagged_packages(env, deps, tags, tag))
    except PipelineError:
        return True


async def integration_test(
    env: GoEnv, source: dagger.Directory, request: Request, app_of: Callable[[], Awaitable[App]]
) -> TestReport:
    """Find the tagged packages (failing when there are none, before the app is built), start the stack, test."""
    deps = await env.deps(source, tools=TEST_TOOLS)
    selected = await packages(env, deps, request.tags, request.tag)
    app = await app_of()
    stack = Stack(
        services=request.services,
        app=app_service(app.image, request.services, request.env),
        app_port=app.port,
        app_diagnose=app_run(env.container(), app.binary),
        env=request.env,
        start_timeout=app.start_timeout,
    )
    opts = TestOptions(
        packages=tuple(selected),
        run=request.run,
        timeout=request.timeout,
        tags=(*request.tags, request.tag),
        no_cache=True,
        as_root=request.as_root,
    )
    return await run_integration(env, deps, stack, opts)


def request(
    services: Sequence[dagger.Service],
    names: Sequence[str],
    tag: str,
    tags: tuple[str, ...],
    env: Sequence[str],
    run: str = "",
    timeout: str = "300s",
    *,
    env_flag: str = "env",
    as_root: bool = False,
) -> Request:
    """Return the checked request: a host name per service, the build tag, NAME=value pairs, a Go duration."""
    hosts = check_service_names(list(names), len(services), APP_HOST)
    return Request(
        services=dict(zip(hosts, services, strict=True)),
        tag=check_build_tag(tag),
        tags=tags,
        env=check_env(list(env), env_flag),
        run=run,
        timeout=check_duration(timeout, f"{STEP} --timeout"),
        as_root=as_root,
    )
