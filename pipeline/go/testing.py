"""go test through gotestsum, and TestReport: what `test` returns, even when tests fail or hang.

Tests run as an unprivileged user (uid 65532, as on a CI runner or a laptop) with a writable HOME, owning the source
and a Go build cache of its own (a root-owned one is not writable to it); --test-as-root runs them as root. Go's
test cache lives in that cache, so after a one-line change only the packages it affects run again; cached packages
still appear in the JUnit report and the coverage profile (Go replays both).
"""

from dataclasses import dataclass
from typing import Annotated, Final

import dagger
from dagger import Doc, dag

from pipeline import pins
from pipeline.core.errors import PipelineError
from pipeline.core.execs import TIMED_OUT, exit_code
from pipeline.core.tasks import gather

from .build import USER
from .builder import GOCACHE, OUT, SRC, GoEnv, volume
from .testing_report import coverage_by_package, coverage_total, summarize_test_events

JUNIT: Final = f"{OUT}/junit.xml"
COVERAGE: Final = f"{OUT}/coverage.out"
COBERTURA: Final = f"{OUT}/coverage.xml"
EVENTS: Final = f"{OUT}/test.json"
COVERAGE_HTML: Final = f"{OUT}/coverage.html"
#: What coverage.html says when the profile covers no package (nothing built) or go tool cover failed.
NO_COVERAGE_PAGE: Final = (
    "<!DOCTYPE html><title>coverage</title><p>No coverage to show: go tool cover -html had no profile to render "
    "(see the test summary).</p>\n"
)
#: The unprivileged test user (the runtime image's) and its HOME.
TEST_USER: Final = f"{USER}:{USER}"
HOME: Final = "/home/pipeline"
#: Tools every test run installs (before the source, so a code change reinstalls nothing).
TEST_TOOLS: Final = (pins.GOTESTSUM, pins.GOCOVER_COBERTURA)


@dagger.object_type
class TestReport:
    """Results of go test: JUnit XML, coverage profile, raw JSON events and a summary."""

    __test__ = False  # a result type, not a pytest test class

    junit: Annotated[dagger.File, Doc("JUnit XML report (gotestsum), for CI test views.")] = dagger.field()
    coverage: Annotated[dagger.File, Doc("Go coverage profile (go test -coverprofile).")] = dagger.field()
    coverage_html: Annotated[
        dagger.File, Doc("Coverage as a page: the source, line by line, covered or not (go tool cover -html).")
    ] = dagger.field()
    cobertura: Annotated[
        dagger.File, Doc("Cobertura XML of the coverage profile (coverage.xml), for GitLab and Jenkins.")
    ] = dagger.field()
    events: Annotated[dagger.File, Doc("Raw `go test -json` events.")] = dagger.field()
    summary: Annotated[str, Doc("One-line summary: counts and total coverage.")] = dagger.field()
    details: Annotated[str, Doc("Failing and timed-out tests with their messages, failing packages, build errors.")] = (
        dagger.field(default="")
    )
    failed: Annotated[list[str], Doc("Failing tests as package.TestName (hung ones included).")] = dagger.field(
        default=list
    )
    coverage_percent: Annotated[float, Doc("Total statement coverage in percent.")] = dagger.field(default=0.0)
    package_coverage: Annotated[str, Doc("Statement coverage per package, one `percent package` a line.")] = (
        dagger.field(default="")
    )
    step: Annotated[str, Doc("The step that ran the tests: test or integration-test.")] = dagger.field(default="test")
    ok: Annotated[bool, Doc("True when every test passed and coverage met the minimum.")] = dagger.field(
        default=False,
    )

    @dagger.function
    def check(self) -> None:
        """Fail unless every test passed and coverage met the minimum."""
        if not self.ok:
            raise PipelineError(self.step, self.summary, self.details)


@dataclass(frozen=True, kw_only=True)
class TestOptions:
    """What `go test` runs and how."""

    __test__ = False  # options, not a pytest test class

    packages: tuple[str, ...] = ("./...",)
    run: str = ""
    race: bool = False
    timeout: str = "10m"
    tags: tuple[str, ...] = ()
    #: Run every test again instead of answering unchanged packages from Go's test cache (-count=1).
    no_cache: bool = False
    coverage_min: float = 0.0
    #: Run as root instead of the unprivileged test user.
    as_root: bool = False

    @property
    def owner(self) -> str:
        """Return the owner of files the tests write ("" for root)."""
        return "" if self.as_root else TEST_USER

    def go_test_args(self) -> list[str]:
        """Return the flags after `gotestsum --`."""
        args = ["-coverprofile", COVERAGE, "-timeout", self.timeout]
        if self.no_cache:
            args.append("-count=1")
        if self.race:
            args.append("-race")
        if self.run:
            args += ["-run", self.run]
        if self.tags:
            args += ["-tags", ",".join(self.tags)]
        return [*args, *self.packages]


def coverage_page(env: GoEnv, ran: dagger.Container, opts: TestOptions) -> dagger.File:
    """Return coverage.html rendered from the run's profile (lazy: it runs only when the page is read).

    The placeholder belongs to the user the tests ran as: go tool cover, run as that user, overwrites it.
    """
    placeholder = ran.with_new_file(COVERAGE_HTML, NO_COVERAGE_PAGE, owner=opts.owner)
    argv = ["go", "tool", "cover", f"-html={COVERAGE}", "-o", COVERAGE_HTML]
    return env.exec(placeholder, argv, expect=dagger.ReturnType.ANY).file(COVERAGE_HTML)


def test_cache(env: GoEnv) -> dagger.CacheVolume:
    """Return the test user's Go build and test cache, owned by it (what an imported cache's gotest part fills).

    Its owner is the volume's own: every mount of it is the same volume (a mount that set another owner would wait
    for the first to let go).
    """
    return volume("gotestcache", env.cache_namespace, owner=TEST_USER)


def as_test_user(env: GoEnv, ctr: dagger.Container) -> dagger.Container:
    """Return ctr running as the test user: the source, /out and HOME its own, its own Go build cache."""
    return (
        ctr.with_mounted_cache(GOCACHE, test_cache(env))
        .with_mounted_directory(SRC, ctr.directory(SRC), owner=TEST_USER)
        .with_directory(OUT, dag.directory(), owner=TEST_USER)
        .with_directory(HOME, dag.directory(), owner=TEST_USER)
        .with_env_variable("HOME", HOME)
        .with_user(TEST_USER)
    )


def tests_container(env: GoEnv, deps: dagger.Container, opts: TestOptions) -> dagger.Container:
    """Return the container that has run the tests (whatever their outcome) with reports in /out."""
    if opts.race:
        deps = deps.with_env_variable("CGO_ENABLED", "1")
    if not opts.as_root:
        deps = as_test_user(env, deps)
    placeholders = (
        deps.with_new_file(COVERAGE, "", owner=opts.owner)
        .with_new_file(EVENTS, "", owner=opts.owner)
        .with_new_file(JUNIT, "", owner=opts.owner)
    )
    argv = [
        "gotestsum",
        "--format=testname",
        f"--junitfile={JUNIT}",
        f"--jsonfile={EVENTS}",
        # Total coverage printed by the same exec (no second container run).
        f"--post-run-command=go tool cover -func={COVERAGE}",
        "--",
        *opts.go_test_args(),
    ]
    return env.exec(placeholders, argv, expect=dagger.ReturnType.ANY)


async def run_tests(env: GoEnv, source: dagger.Directory, opts: TestOptions) -> TestReport:
    """Run go test; return the reports whether tests pass, fail or hang."""
    deps = await env.deps(source, tools=TEST_TOOLS)
    return await read_report(env, tests_container(env, deps, opts), opts)


def cobertura(env: GoEnv, ran: dagger.Container, tags: tuple[str, ...]) -> dagger.File:
    """Return coverage.xml converted from the run's profile; lazy: the converter runs when the file is read.

    gocover-cobertura resolves packages to files with `go list`, from the module root, with the run's tags.
    """
    ctr = ran.with_env_variable("GOFLAGS", f"-tags={','.join(tags)}") if tags else ran
    return env.exec(ctr, ["gocover-cobertura"], redirect_stdin=COVERAGE, redirect_stdout=COBERTURA).file(COBERTURA)


async def read_report(env: GoEnv, ran: dagger.Container, opts: TestOptions, *, step: str = "test") -> TestReport:
    """Read the reports of a container that has run tests_container's command, whatever its outcome.

    For the integration step (anything but "test"), a run in which no test ran at all is a failure: a build tag
    that selects no test must not pass silently.
    """
    code = await exit_code(ran, step)
    # One round trip for the three reads (a warm run is mostly these).
    events, stdout, profile = await gather(ran.file(EVENTS).contents, ran.stdout, ran.file(COVERAGE).contents)
    summary = summarize_test_events(events)
    if code in TIMED_OUT:
        summary.build_errors.append(f"the {step} step timed out after {env.step_timeout}s (--step-timeout)")
    elif code != 0 and summary.ok:
        # gotestsum failed before go test produced events (or the step's bound fired): show what it said.
        summary.build_errors.append((await ran.stderr()).strip() or stdout.strip())
    ran_none = summary.ok and not (summary.passed or summary.skipped)
    if step != "test" and ran_none:
        summary.build_errors.append(
            f"no test ran with -tags {','.join(opts.tags)} in {' '.join(opts.packages)}"
            + (f" matching -run {opts.run!r}" if opts.run else "")
        )
    pct = coverage_total(stdout)
    ok = summary.ok and code == 0 and pct >= opts.coverage_min
    line = f"{summary.line()}; coverage {pct:.1f}%"
    if summary.ok and pct < opts.coverage_min:
        line += f" is below the minimum {opts.coverage_min:.1f}%"
    if summary.cached_packages:
        line += f"; {summary.cached_packages} package(s) from Go's test cache"
    per_package = coverage_by_package(profile)
    return TestReport(
        junit=ran.file(JUNIT),
        coverage=ran.file(COVERAGE),
        coverage_html=coverage_page(env, ran, opts)
        if per_package
        else ran.with_new_file(COVERAGE_HTML, NO_COVERAGE_PAGE).file(COVERAGE_HTML),
        cobertura=cobertura(env, ran, opts.tags),
        events=ran.file(EVENTS),
        summary=line,
        details=summary.details(),
        failed=[*(t.name for t in summary.timeouts), *summary.failed],
        coverage_percent=pct,
        package_coverage="\n".join(f"{v:5.1f}% {k}" for k, v in per_package.items()),
        step=step,
        ok=ok,
    )
