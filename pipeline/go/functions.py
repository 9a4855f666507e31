"""The Pipeline's Go functions: the builder, source checks, lint, tests, builds, the image and the running app."""

from functools import partial
from typing import Annotated

import dagger
from dagger import Doc

from pipeline import pins, resolved
from pipeline.args import (
    IntegrationEnv,
    IntegrationTag,
    PlatformArg,
    ServiceNames,
    Services,
    TestRun,
    Version,
    check,
    generate,
    up,
)
from pipeline.config import Config
from pipeline.core.tasks import gather
from pipeline.core.validate import ArgKind, Checked, check_coverage, check_duration, check_port
from pipeline.go import build, integration, run, source_checks
from pipeline.go import lint as linting
from pipeline.go.build import ImageSpec
from pipeline.go.lint import LintReport
from pipeline.go.testing import TestOptions, TestReport, run_tests


class GoFunctions(Config):
    """Go: download, check, lint, test and build the source; make its image and run it."""

    @dagger.function(name="go_version")
    async def go_version_info(self) -> str:
        """Print the effective Go version and the builder's `go version`."""
        env = await resolved.go_env(self)
        reported = await env.exec(env.container(), ["go", "version"]).stdout()
        return f"go-version {env.go_version} (image {env.image})\n{reported.strip()}"

    @dagger.function
    async def deps(self) -> dagger.Container:
        """Return the builder with modules downloaded (keyed on go.mod/go.sum) and the source mounted at /src."""
        return await (await resolved.go_env(self)).deps(await resolved.source(self))

    @dagger.function
    @generate
    async def gofmt(self) -> dagger.Changeset:
        """Return the changes gofmt makes (dagger generate writes them)."""
        return await source_checks.formatted(await resolved.go_env(self), await resolved.source(self))

    @dagger.function
    @generate
    async def mod_tidy(self) -> dagger.Changeset:
        """Return the changes go mod tidy makes to go.mod and go.sum (dagger generate writes them)."""
        env = await resolved.go_env(self)
        return await source_checks.tidied(env, await resolved.source(self), env.project)

    @dagger.function
    @check
    async def fmt(self) -> None:
        """Fail when gofmt would change a file; the error names the files and shows the diff."""
        await source_checks.require_unchanged(
            "fmt", await self.gofmt(), "not gofmt-formatted", "dagger generate, or gofmt -w"
        )

    @dagger.function
    @check
    async def vet(self) -> None:
        """Fail when go vet reports a finding; the error lists them."""
        await source_checks.vet(await resolved.go_env(self), await resolved.source(self), tuple(self.tags))

    @dagger.function
    @check
    async def tidy(self) -> None:
        """Fail when go.mod/go.sum differ from what go mod tidy writes."""
        changes = await self.mod_tidy()
        await source_checks.require_unchanged("tidy", changes, "not tidy", "dagger generate, or go mod tidy")

    @dagger.function
    async def lint_report(self) -> LintReport:
        """Run golangci-lint (the source's .golangci.yml, else a default); return findings, JSON and SARIF."""
        env = await resolved.go_env(self)
        return await linting.lint(env, await resolved.source(self), tuple(self.tags), resolved.lint_tool(self, env))

    @dagger.function
    @check
    async def lint(self) -> None:
        """Fail when golangci-lint reports a finding; the error names each one as file:line."""
        (await self.lint_report()).check()

    @dagger.function
    async def test(
        self,
        race: Annotated[bool, Doc("Run with the race detector (needs a cgo-capable builder).")] = False,
        run: TestRun = "",
        packages: Annotated[str, Doc("Package pattern to test.")] = "./...",
        coverage_min: Annotated[
            float, Doc("Fail the report when total coverage is below this percent."), Checked(ArgKind.COVERAGE)
        ] = 0.0,
        timeout: Annotated[  # noqa: ASYNC109 (go test's -timeout, not a bound on this coroutine)
            str,
            Doc("Fail a test binary that runs longer (go test -timeout), e.g. 60s, 10m."),
            Checked(ArgKind.DURATION),
        ] = pins.TEST_TIMEOUT,
        no_cache: Annotated[
            bool, Doc("Run every test again instead of taking unchanged packages from Go's test cache.")
        ] = False,
    ) -> TestReport:
        """Run go test and return JUnit, coverage and a summary, even when tests fail."""
        env = await resolved.go_env(self)
        opts = TestOptions(
            packages=tuple(env.patterns([packages])),
            run=run,
            race=race,
            timeout=check_duration(timeout, "test --timeout"),
            tags=tuple(self.tags),
            no_cache=no_cache,
            coverage_min=check_coverage(coverage_min),
            as_root=self.test_as_root,
        )
        return await run_tests(env, await resolved.source(self), opts)

    @dagger.function
    @check
    async def test_check(
        self,
        coverage_min: Annotated[float, Doc("Minimum total coverage in percent."), Checked(ArgKind.COVERAGE)] = 0.0,
    ) -> None:
        """Fail when a test fails; the error names each failing test and its message."""
        (await self.test(coverage_min=coverage_min)).check()

    @dagger.function
    async def integration_test(
        self,
        services: Services = (),
        service_names: ServiceNames = (),
        tag: IntegrationTag = pins.INTEGRATION_TAG,
        env: IntegrationEnv = (),
        run: TestRun = "",
        timeout: Annotated[  # noqa: ASYNC109 (go test's -timeout, not a bound on this coroutine)
            str,
            Doc("Fail a test binary that runs longer (go test -timeout), e.g. 300s, 10m."),
            Checked(ArgKind.DURATION),
        ] = pins.INTEGRATION_TIMEOUT,
    ) -> TestReport:
        """Run go test -tags integration against the app's image (APP_URL) and the given services; report always."""
        request = integration.request(
            services, service_names, tag, tuple(self.tags), env, run, timeout, as_root=self.test_as_root
        )
        return await self._integration(request)

    async def _integration(self, request: integration.Request) -> TestReport:
        port = check_port(self.port)

        async def app() -> integration.App:
            built = await resolved.built(self, await resolved.platform(""), "dev")
            image = await self.image()
            return integration.App(image=image, binary=built.main(), port=port, start_timeout=self.start_timeout)

        return await integration.integration_test(
            await resolved.go_env(self), await resolved.source(self), request, app
        )

    @dagger.function
    async def build(self, version: Version = "dev") -> dagger.Directory:
        """Build static binaries of every main package for every platform as <os>_<arch>/<name>."""
        platforms = resolved.platforms(self)
        # Every platform builds at once; each is listed to turn a failed build into a readable error.
        built = await gather(*(partial(resolved.built, self, p, version) for p in platforms))
        return build.by_platform(platforms, [b.binaries for b in built])

    @dagger.function
    async def binary(self, platform: PlatformArg = "", version: Version = "dev") -> dagger.File:
        """Build the app's binary (see --main) for one platform."""
        return (await resolved.built(self, await resolved.platform(platform), version)).main()

    @dagger.function
    async def image(
        self,
        platform: PlatformArg = "",
        version: Version = "dev",
        revision: Annotated[str, Doc("Git commit recorded in the OCI revision label.")] = "",
    ) -> dagger.Container:
        """Build the minimal runtime image for one platform: static binary, USER 65532, no shell."""
        target = await resolved.platform(platform)
        built = await resolved.built(self, target, version)
        spec = ImageSpec(
            name=built.main_name, version=version, revision=revision, port=check_port(self.port), base=self.runtime_base
        )
        return build.image(built.env, built.main(), target, spec)

    @dagger.function
    @up
    async def serve(self, version: Version = "dev") -> dagger.Service:
        """Run the app on its port (dagger call serve up --ports 8080:8080); fails if the port never opens."""
        built = await resolved.built(self, await resolved.platform(""), version)
        svc = (await self.image(version=version)).as_service(use_entrypoint=True)
        diagnose = run.app_run(built.env.container(), built.main())
        return await run.started(svc, [self.port], self.start_timeout, diagnose)

    @dagger.function
    @up
    async def debug(self) -> dagger.Service:
        """Run the app under headless delve on :2345 (API v2, multi-client), the app on its port."""
        built = await resolved.built(self, await resolved.platform(""), "dev", debug=True)
        svc = run.debug_service(built.with_binaries(run.DEBUG_DIR), built.main_name, check_port(self.port))
        return await run.started(svc, [run.DLV_PORT, self.port], self.start_timeout)
