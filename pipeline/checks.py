"""fmt, vet, tidy and test: the checks, each failing with the files, findings or tests that broke it."""

from typing import Final

import dagger

from . import pins
from .errors import PipelineError
from .execs import exit_code, run
from .golang import SRC, GoEnv
from .reports import coverage_total, summarize_test_events, unformatted_files
from .testreport import TestReport

OUT: Final = "/out"


async def fmt(env: GoEnv, source: dagger.Directory) -> None:
    """Fail with the files gofmt would change and the diff."""
    ctr = env.container().with_workdir(SRC).with_mounted_directory(SRC, source)
    listed = await run(ctr, ["gofmt", "-l", "."], "fmt")
    files = unformatted_files(listed.stdout)
    if listed.code != 0:
        raise PipelineError("fmt", "gofmt could not parse the source", listed.stderr)
    if files:
        diff = await ctr.with_exec(["gofmt", "-d", *files], expect=dagger.ReturnType.ANY).stdout()
        raise PipelineError("fmt", f"{len(files)} file(s) not gofmt-formatted: {', '.join(files)}", diff)


async def vet(env: GoEnv, source: dagger.Directory) -> None:
    """Fail with every finding of go vet."""
    res = await run(await env.deps(source), ["go", "vet", "./..."], "vet")
    if res.code != 0:
        findings = [ln for ln in res.stderr.splitlines() if ln and not ln.startswith("#")]
        raise PipelineError("vet", f"go vet reported {len(findings)} finding(s)", "\n".join(findings))


async def tidy(env: GoEnv, source: dagger.Directory) -> None:
    """Fail with the diff when go.mod/go.sum are not what `go mod tidy` writes."""
    res = await run(await env.deps(source), ["go", "mod", "tidy", "-diff"], "tidy")
    if res.code != 0:
        raise PipelineError("tidy", "go.mod/go.sum are not tidy: run `go mod tidy`", res.stdout + res.stderr)


async def tests_container(
    env: GoEnv,
    source: dagger.Directory,
    *,
    race: bool,
    run: str,
    packages: str,
) -> dagger.Container:
    """Return the container that has run the tests (whatever their outcome) with reports in /out."""
    args = ["-coverprofile", f"{OUT}/coverage.out", "-count=1"]
    if race:
        args.append("-race")
    if run:
        args += ["-run", run]
    ctr = await env.deps(source, tools=[pins.GOTESTSUM])
    if race:
        ctr = ctr.with_env_variable("CGO_ENABLED", "1")
    return (
        ctr.with_new_file(f"{OUT}/coverage.out", "")
        .with_new_file(f"{OUT}/test.json", "")
        .with_new_file(f"{OUT}/junit.xml", "")
        .with_exec(
            [
                "gotestsum",
                "--format=testname",
                f"--junitfile={OUT}/junit.xml",
                f"--jsonfile={OUT}/test.json",
                # Total coverage printed by the same exec (no second container run).
                f"--post-run-command=go tool cover -func={OUT}/coverage.out",
                "--",
                *args,
                packages,
            ],
            expect=dagger.ReturnType.ANY,
        )
    )


async def run_tests(
    env: GoEnv,
    source: dagger.Directory,
    *,
    race: bool = False,
    run: str = "",
    packages: str = "./...",
    coverage_min: float = 0.0,
) -> TestReport:
    """Run go test; return the reports whether tests pass or fail."""
    ran = await tests_container(env, source, race=race, run=run, packages=packages)
    code = await exit_code(ran, "test")
    events = await ran.file(f"{OUT}/test.json").contents()
    summary = summarize_test_events(events)
    if code != 0 and summary.ok:
        # gotestsum failed before go test produced events: show what it said.
        summary.build_errors.append((await ran.stderr()).strip() or (await ran.stdout()).strip())
    pct = coverage_total(await ran.stdout())
    ok = summary.ok and code == 0 and pct >= coverage_min
    line = f"{summary.line()}; coverage {pct:.1f}%"
    if summary.ok and pct < coverage_min:
        line += f" is below the minimum {coverage_min:.1f}%"
    return TestReport(
        junit=ran.file(f"{OUT}/junit.xml"),
        coverage=ran.file(f"{OUT}/coverage.out"),
        events=ran.file(f"{OUT}/test.json"),
        summary=line,
        details=summary.details(),
        failed=summary.failed,
        coverage_percent=pct,
        ok=ok,
    )
