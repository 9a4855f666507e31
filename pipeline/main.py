"""The Pipeline module's public surface: configuration and thin functions that delegate."""

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Annotated, Any, Final, TypeVar, cast

import dagger
from dagger import DefaultPath, Doc, Ignore, dag

from . import build, chart, checks, devloop, integration, pins
from . import lint as linting
from . import scan as scanning
from .build import BuildFlags, ImageSpec
from .ci import run_ci
from .errors import PipelineError
from .golang import GoEnv, builder_image, check_packages, effective_go_version, read_project
from .lint import LintReport
from .platforms import Platform, parse_platform, parse_platforms
from .publish import check_push_access, publish_index
from .scan import ScanReport, Severity, Trivy
from .tags import check_address, fan_out
from .tasks import gather
from .testing import TEST_TOOLS, TestOptions, TestReport, run_tests
from .validate import (
    check_build_tag,
    check_coverage,
    check_duration,
    check_env,
    check_link_vars,
    check_port,
    check_service_names,
)

#: What is never uploaded: Git's own data. Everything a Go build or test can read stays.
SOURCE_IGNORE: Final = [".git"]

F = TypeVar("F", bound=Callable[..., Any])


def check(fn: F) -> F:
    """Mark a function as a check for `dagger check` (dagger.check, typed)."""
    return cast("F", dagger.check(fn))


def generate(fn: F) -> F:
    """Mark a function as a generator for `dagger generate` (dagger.generate, typed)."""
    return cast("F", dagger.generate(fn))


def uncached(fn: F) -> F:
    """Register a function whose result is never cached (it has side effects, e.g. a push)."""
    register = cast("Callable[[F], F]", dagger.function(cache="never"))  # pyright: ignore[reportCallIssue]  # the SDK's overloads omit `cache`
    return register(fn)


def up(fn: F) -> F:
    """Mark a function as a service for `dagger up` (dagger.up, typed)."""
    return cast("F", dagger.up(fn))


Source = Annotated[
    dagger.Directory,
    Doc("Go module or workspace root (holds go.mod or go.work); default: the repository root."),
    DefaultPath("/"),
    Ignore(SOURCE_IGNORE),
]
Version = Annotated[str, Doc("Version stamped into the binary as main.version.")]
PlatformArg = Annotated[str, Doc("Target platform, e.g. linux/arm64; default: the engine's platform.")]
SeverityArg = Annotated[Severity, Doc("Gate threshold: findings at or above it fail.")]
IgnoreUnfixed = Annotated[bool, Doc("Leave out vulnerabilities that have no fixed version.")]
Services = Annotated[
    Sequence[dagger.Service],
    Doc("Services the integration tests need (a container's service, or tcp://localhost:5432 for a host's)."),
]
ServiceNames = Annotated[
    Sequence[str], Doc("Host name of each --services entry, in the same order (e.g. db); the app is 'app'.")
]
IntegrationTag = Annotated[str, Doc("Build tag of the integration tests (//go:build <tag>).")]
IntegrationEnv = Annotated[
    Sequence[str], Doc("Environment of the app's service and of the tests, NAME=value (e.g. REDIS_ADDR=redis:6379).")
]


@dagger.object_type
class Pipeline:
    """Build, test, scan and ship a Go service in containers."""

    source: Source
    exclude: Annotated[
        list[str], Doc("Paths to leave out of the source, as globs (e.g. web/node_modules); .git always is.")
    ] = dataclasses.field(default_factory=list[str])
    go_version: Annotated[str, Doc("Go version; default: go.mod's toolchain line, else its go line.")] = ""
    go_image: Annotated[str, Doc("Builder image address; default: golang:<go-version>-bookworm.")] = ""
    platforms: Annotated[list[str], Doc("Platforms to build, os/arch[/variant].")] = dataclasses.field(
        default_factory=lambda: ["linux/amd64", "linux/arm64"],
    )
    packages: Annotated[list[str], Doc("Main packages to build, e.g. ./cmd/api; default: every one (./...).")] = (
        dataclasses.field(default_factory=lambda: ["./..."])
    )
    main: Annotated[
        str, Doc("The binary the image runs (name or package); default: the only one, or the module's own.")
    ] = ""
    tags: Annotated[list[str], Doc("Go build tags for build, vet and test.")] = dataclasses.field(
        default_factory=list[str]
    )
    link_vars: Annotated[
        list[str], Doc("Extra linker variables, pkg.name=value (e.g. main.commit=abc123), as -ldflags -X.")
    ] = dataclasses.field(default_factory=list[str])
    cgo: Annotated[
        bool, Doc("Build with cgo (CGO_ENABLED=1): needs a builder with a C compiler and a runtime base with libc.")
    ] = False
    port: Annotated[int, Doc("Port the app listens on: the image's EXPOSE, serve and debug.")] = pins.APP_PORT
    runtime_base: Annotated[
        str, Doc("Runtime base image (e.g. a distroless static one); default: assembled from scratch.")
    ] = ""
    goproxy: Annotated[str, Doc("GOPROXY for module downloads; default: the builder's.")] = ""
    goprivate: Annotated[str, Doc("GOPRIVATE (and GONOSUMDB) module patterns.")] = ""
    netrc: Annotated[dagger.Secret | None, Doc(".netrc with credentials for private modules.")] = None
    cache_namespace: Annotated[
        str, Doc("Separate Go caches (e.g. per project on a shared engine); default: one shared cache.")
    ] = ""
    step_timeout: Annotated[int, Doc("Upper bound of every command the pipeline runs, in seconds.")] = pins.STEP_TIMEOUT
    start_timeout: Annotated[
        int, Doc("How long serve, debug and integration-test wait for each service's ports, in seconds.")
    ] = pins.START_TIMEOUT
    trivy_image: Annotated[str, Doc("Trivy image address.")] = pins.TRIVY_IMAGE
    trivy_db: Annotated[
        dagger.Directory | None,
        Doc("Prepared Trivy DB directory (trivy.db, metadata.json) for air-gapped scans; skips the download."),
    ] = None
    trivy_db_repository: Annotated[str, Doc("Mirror of Trivy's DB artifact (--db-repository).")] = ""

    # --- configuration, resolved ------------------------------------------------------------------------------

    def _source(self) -> dagger.Directory:
        return self.source.filter(exclude=self.exclude) if self.exclude else self.source

    async def _env(self) -> GoEnv:
        project = await read_project(self._source())
        version = effective_go_version(project, self.go_version)
        return GoEnv(
            image=builder_image(self.go_image, version),
            go_version=version,
            goproxy=self.goproxy,
            goprivate=self.goprivate,
            netrc=self.netrc,
            cache_namespace=self.cache_namespace,
            step_timeout=self.step_timeout,
            cgo=self.cgo,
            workspace=project.uses,
        )

    async def _flags(self, env: GoEnv, version: str = "dev", *, debug: bool = False) -> BuildFlags:
        await check_packages(self._source(), self.packages)
        return BuildFlags(
            packages=tuple(env.patterns(self.packages)),
            version=version,
            tags=tuple(self.tags),
            link_vars=check_link_vars(self.link_vars),
            gcflags="all=-N -l" if debug else "",
        )

    def _platforms(self) -> list[Platform]:
        platforms = parse_platforms(self.platforms)
        if self.cgo and len(platforms) > 1:
            msg = "platforms: --cgo builds need a C cross-compiler per platform; build one platform per native runner"
            raise ValueError(msg)
        return platforms

    async def _platform(self, platform: str) -> Platform:
        return parse_platform(platform or str(await dag.default_platform()))

    def _trivy(self) -> Trivy:
        return Trivy(
            image=self.trivy_image, db=self.trivy_db, db_repository=self.trivy_db_repository, seconds=self.step_timeout
        )

    async def _ignorefile(self, ignorefile: dagger.File | None) -> dagger.File | None:
        if ignorefile is None and await self._source().exists(".trivyignore"):
            return self._source().file(".trivyignore")
        return ignorefile

    async def _binaries(self, platform: Platform, version: str) -> tuple[GoEnv, dagger.Directory, list[str]]:
        env = await self._env()
        flags = await self._flags(env, version)
        deps = await env.deps(self._source())
        built = build.binaries(env, deps, platform, flags)
        return env, built, await build.built_names(env, deps, built, flags)

    async def _main_binary(self, platform: Platform, version: str) -> tuple[GoEnv, str, dagger.File]:
        env, built, names = await self._binaries(platform, version)
        name = build.choose_main(names, self.main, (await read_project(self._source())).name)
        return env, name, built.file(name)

    # --- functions --------------------------------------------------------------------------------------------

    @dagger.function(name="go_version")
    async def go_version_info(self) -> str:
        """Print the effective Go version and the builder's `go version`."""
        env = await self._env()
        reported = await env.exec(env.container(), ["go", "version"]).stdout()
        return f"go-version {env.go_version} (image {env.image})\n{reported.strip()}"

    @dagger.function
    async def deps(self) -> dagger.Container:
        """Return the builder with modules downloaded (keyed on go.mod/go.sum) and the source mounted at /src."""
        return await (await self._env()).deps(self._source())

    @dagger.function
    @generate
    async def gofmt(self) -> dagger.Changeset:
        """Return the changes gofmt makes (dagger generate writes them)."""
        return await checks.formatted(await self._env(), self._source())

    @dagger.function
    @generate
    async def mod_tidy(self) -> dagger.Changeset:
        """Return the changes go mod tidy makes to go.mod and go.sum (dagger generate writes them)."""
        return await checks.tidied(await self._env(), self._source(), await read_project(self._source()))

    @dagger.function
    @check
    async def fmt(self) -> None:
        """Fail when gofmt would change a file; the error names the files and shows the diff."""
        await checks.require_unchanged("fmt", await self.gofmt(), "not gofmt-formatted", "dagger generate, or gofmt -w")

    @dagger.function
    @check
    async def vet(self) -> None:
        """Fail when go vet reports a finding; the error lists them."""
        await checks.vet(await self._env(), self._source(), tuple(self.tags))

    @dagger.function
    @check
    async def tidy(self) -> None:
        """Fail when go.mod/go.sum differ from what go mod tidy writes."""
        changes = await self.mod_tidy()
        await checks.require_unchanged("tidy", changes, "not tidy", "dagger generate, or go mod tidy")

    @dagger.function
    async def lint_report(self) -> LintReport:
        """Run golangci-lint (the source's .golangci.yml, else a default); return findings, JSON and SARIF."""
        return await linting.lint(await self._env(), self._source(), tuple(self.tags))

    @dagger.function
    @check
    async def lint(self) -> None:
        """Fail when golangci-lint reports a finding; the error names each one as file:line."""
        (await self.lint_report()).check()

    @dagger.function
    async def test(
        self,
        race: Annotated[bool, Doc("Run with the race detector (needs a cgo-capable builder).")] = False,
        run: Annotated[str, Doc("Only tests matching this regexp (go test -run).")] = "",
        packages: Annotated[str, Doc("Package pattern to test.")] = "./...",
        coverage_min: Annotated[float, Doc("Fail the report when total coverage is below this percent.")] = 0.0,
        timeout: Annotated[  # noqa: ASYNC109 (go test's -timeout, not a bound on this coroutine)
            str, Doc("Fail a test binary that runs longer (go test -timeout), e.g. 60s, 10m.")
        ] = pins.TEST_TIMEOUT,
        no_cache: Annotated[
            bool, Doc("Run every test again instead of taking unchanged packages from Go's test cache.")
        ] = False,
    ) -> TestReport:
        """Run go test and return JUnit, coverage and a summary, even when tests fail."""
        env = await self._env()
        opts = TestOptions(
            packages=tuple(env.patterns([packages])),
            run=run,
            race=race,
            timeout=check_duration(timeout, "test --timeout"),
            tags=tuple(self.tags),
            no_cache=no_cache,
            coverage_min=check_coverage(coverage_min),
        )
        return await run_tests(env, self._source(), opts)

    @dagger.function
    @check
    async def test_check(
        self,
        coverage_min: Annotated[float, Doc("Minimum total coverage in percent.")] = 0.0,
    ) -> None:
        """Fail when a test fails; the error names each failing test and its message."""
        (await self.test(coverage_min=coverage_min)).check()

    async def _integration_packages(self, env: GoEnv, deps: dagger.Container, tag: str) -> list[str]:
        """Return the packages with test files only the tag builds; fail saying so when there are none."""
        tagged = await integration.tagged_packages(env, deps, tuple(self.tags), tag)
        if not tagged:
            raise integration.no_tests(tag, env.patterns(["./..."]))
        return list(tagged)

    @dagger.function
    async def integration_test(
        self,
        services: Services = (),
        service_names: ServiceNames = (),
        tag: IntegrationTag = pins.INTEGRATION_TAG,
        env: IntegrationEnv = (),
        run: Annotated[str, Doc("Only tests matching this regexp (go test -run).")] = "",
        timeout: Annotated[  # noqa: ASYNC109 (go test's -timeout, not a bound on this coroutine)
            str, Doc("Fail a test binary that runs longer (go test -timeout), e.g. 300s, 10m.")
        ] = pins.INTEGRATION_TIMEOUT,
    ) -> TestReport:
        """Run go test -tags integration against the app's image (APP_URL) and the given services; report always."""
        names = check_service_names(list(service_names), len(services), integration.APP_HOST)
        tag = check_build_tag(tag)
        variables = check_env(list(env), "env")
        go_timeout = check_duration(timeout, "integration-test --timeout")
        go = await self._env()
        deps = await go.deps(self._source(), tools=TEST_TOOLS)
        packages = await self._integration_packages(go, deps, tag)
        target = await self._platform("")
        _, _, binary = await self._main_binary(target, "dev")
        bound = dict(zip(names, services, strict=True))
        stack = integration.Stack(
            services=bound,
            app=integration.app_service(await self.image(), bound, variables),
            app_port=check_port(self.port),
            app_diagnose=devloop.app_run(go.container(), binary),
            env=variables,
            start_timeout=self.start_timeout,
        )
        opts = TestOptions(
            packages=tuple(packages),
            run=run,
            timeout=go_timeout,
            tags=(*self.tags, tag),
            no_cache=True,
        )
        return await integration.run_integration(go, deps, stack, opts)

    @dagger.function
    async def build(self, version: Version = "dev") -> dagger.Directory:
        """Build static binaries of every main package for every platform as <os>_<arch>/<name>."""
        platforms = self._platforms()
        # Every platform builds at once; each is listed to turn a failed build into a readable error.
        built = await gather(*(partial(self._binaries, p, version) for p in platforms))
        out = dag.directory()
        for p, (_, binaries, _) in zip(platforms, built, strict=True):
            out = out.with_directory(p.dirname, binaries)
        return out

    @dagger.function
    async def binary(self, platform: PlatformArg = "", version: Version = "dev") -> dagger.File:
        """Build the app's binary (see --main) for one platform."""
        _, _, file = await self._main_binary(await self._platform(platform), version)
        return file

    @dagger.function
    async def image(
        self,
        platform: PlatformArg = "",
        version: Version = "dev",
        revision: Annotated[str, Doc("Git commit recorded in the OCI revision label.")] = "",
    ) -> dagger.Container:
        """Build the minimal runtime image for one platform: static binary, USER 65532, no shell."""
        target = await self._platform(platform)
        env, name, file = await self._main_binary(target, version)
        spec = ImageSpec(
            name=name, version=version, revision=revision, port=check_port(self.port), base=self.runtime_base
        )
        return build.image(env, file, target, spec)

    @dagger.function
    @up
    async def serve(self, version: Version = "dev") -> dagger.Service:
        """Run the app on its port (dagger call serve up --ports 8080:8080); fails if the port never opens."""
        target = await self._platform("")
        env, _, file = await self._main_binary(target, version)
        svc = (await self.image(version=version)).as_service(use_entrypoint=True)
        diagnose = devloop.app_run(env.container(), file)
        return await devloop.started(svc, [self.port], self.start_timeout, diagnose)

    @dagger.function
    async def scan(
        self,
        platform: PlatformArg = "",
        severity: SeverityArg = Severity.HIGH,
        ignore_unfixed: IgnoreUnfixed = False,
        ignorefile: Annotated[
            dagger.File | None,
            Doc("Trivy ignore file; default: .trivyignore in the source, if any."),
        ] = None,
    ) -> ScanReport:
        """Scan one platform's image with Trivy; return JSON, SARIF and the gate's verdict."""
        return await scanning.scan(
            self._trivy(),
            await self.image(platform=platform),
            threshold=severity,
            ignore_unfixed=ignore_unfixed,
            ignorefile=await self._ignorefile(ignorefile),
        )

    @dagger.function
    @check
    async def scan_check(self, severity: SeverityArg = Severity.HIGH, ignore_unfixed: IgnoreUnfixed = False) -> None:
        """Fail when any platform's image has a finding at or above the threshold; the error lists the CVEs."""
        reports = await gather(
            *(
                partial(self.scan, platform=str(p), severity=severity, ignore_unfixed=ignore_unfixed)
                for p in self._platforms()
            )
        )
        for report in reports:
            report.check()

    @dagger.function
    async def sbom(self, platform: PlatformArg = "") -> dagger.File:
        """Return the CycloneDX SBOM of one platform's image."""
        return scanning.sbom(self._trivy(), await self.image(platform=platform))

    @uncached
    async def publish(
        self,
        address: Annotated[str, Doc("Image repository without tag, e.g. ghcr.io/acme/hello.")],
        version: Annotated[str, Doc("Semver release, e.g. v1.2.3; tags 1.2.3, 1.2 and 1 (pre-releases: exact).")],
        commit: Annotated[str, Doc("Git commit: its short sha becomes a tag and the revision label.")] = "",
        latest: Annotated[bool, Doc("Also tag latest.")] = False,
        username: Annotated[str, Doc("Registry user.")] = "",
        password: Annotated[dagger.Secret | None, Doc("Registry password or token (a Secret).")] = None,
    ) -> list[str]:
        """Publish every platform as one image index under all tags; return address:tag@sha256 refs."""
        check_address(address)
        tags = fan_out(version, latest=latest, commit=commit)
        platforms = self._platforms()
        if (password is None) != (not username):
            msg = "publish: give --username and --password together"
            raise ValueError(msg)
        auth = (username, password) if password is not None else None
        await check_push_access(address, auth)
        variants = [await self.image(platform=str(p), version=version, revision=commit) for p in platforms]
        return await publish_index(address, tags, variants, auth)

    async def _has_integration_tests(self, tag: str) -> bool:
        """Tell whether some test file builds only with the tag (a failure to tell counts as yes: the step says why)."""
        try:
            env = await self._env()
            deps = await env.deps(self._source(), tools=TEST_TOOLS)
            return bool(await integration.tagged_packages(env, deps, tuple(self.tags), tag))
        except PipelineError:
            return True

    @dagger.function
    async def ci(
        self,
        version: Version = "dev",
        severity: Annotated[Severity, Doc("Scan gate threshold.")] = Severity.HIGH,
        address: Annotated[str, Doc("Publish to this repository when every step passed; empty: no publish.")] = "",
        commit: Annotated[str, Doc("Git commit for the sha tag and revision label.")] = "",
        latest: Annotated[bool, Doc("Also tag latest when publishing.")] = False,
        username: Annotated[str, Doc("Registry user for publish.")] = "",
        password: Annotated[dagger.Secret | None, Doc("Registry password or token for publish.")] = None,
        services: Services = (),
        service_names: ServiceNames = (),
        integration_tag: IntegrationTag = pins.INTEGRATION_TAG,
        integration_env: IntegrationEnv = (),
    ) -> str:
        """Run fmt, vet, tidy, lint, test, build and scan at once, then integration tests and publish if all passed."""
        if address:  # publish inputs are checked before anything is built
            check_address(address)
            fan_out(version, latest=latest, commit=commit)
        self._platforms()
        check_service_names(list(service_names), len(services), integration.APP_HOST)
        check_build_tag(integration_tag)
        check_env(list(integration_env), "integration-env")

        async def build_all() -> None:
            await (await self.build(version=version)).sync()

        async def integration_tests() -> None:
            report = await self.integration_test(
                services=services, service_names=service_names, tag=integration_tag, env=integration_env
            )
            report.check()

        async def push() -> None:
            await self.publish(
                address=address, version=version, commit=commit, latest=latest, username=username, password=password
            )

        checks_ = {
            "fmt": self.fmt,
            "vet": self.vet,
            "tidy": self.tidy,
            "lint": self.lint,
            "test": self.test_check,
            "build": build_all,
            "scan": lambda: self.scan_check(severity=severity),
        }
        # Integration tests run after every check passed, and only when the source has some (see tagged.py).
        release: list[tuple[str, Callable[[], Awaitable[object]]]] = []
        if await self._has_integration_tests(integration_tag):
            release.append(("integration", integration_tests))
        if address:
            release.append(("publish", push))
        return await run_ci(checks_, release)

    @dagger.function
    async def chart_check(
        self,
        chart_dir: Annotated[dagger.Directory, Doc("Helm chart folder (holds Chart.yaml).")],
        kube_version: Annotated[str, Doc("Kubernetes version to validate against, MAJOR.MINOR.PATCH.")] = "1.35.0",
        schemas: Annotated[
            dagger.Directory | None,
            Doc("Kubernetes JSON schemas for offline use (kubeconform's <version>-standalone-strict layout)."),
        ] = None,
        values: Annotated[dagger.File | None, Doc("Extra values file, as helm --values.")] = None,
        liveness_path: Annotated[str, Doc("HTTP path the liveness probe must GET.")] = "/healthz",
        readiness_path: Annotated[str, Doc("HTTP path the readiness probe must GET.")] = "/readyz",
    ) -> str:
        """Lint and render a Helm chart, validate it with kubeconform, and check probes, non-root and limits."""
        env = await self._env()
        return await chart.check_chart(
            env,
            chart_dir,
            kube_version=kube_version,
            schemas=schemas,
            values=values,
            probes=(liveness_path, readiness_path),
        )

    @dagger.function
    @up
    async def debug(self) -> dagger.Service:
        """Run the app under headless delve on :2345 (API v2, multi-client), the app on its port."""
        target = await self._platform("")
        env = await self._env()
        flags = await self._flags(env, debug=True)
        deps = await env.deps(self._source(), tools=[pins.DELVE])
        built = build.binaries(env, deps, target, flags)
        names = await build.built_names(env, deps, built, flags)
        name = build.choose_main(names, self.main, (await read_project(self._source())).name)
        bins = deps.with_directory(devloop.DEBUG_DIR, built)
        svc = devloop.debug_service(bins, name, check_port(self.port))
        return await devloop.started(svc, [devloop.DLV_PORT, self.port], self.start_timeout)

    @dagger.function
    async def bench(
        self,
        package: Annotated[str, Doc("Package to benchmark (profiles need exactly one).")] = ".",
        pattern: Annotated[str, Doc("Benchmarks to run (go test -bench).")] = ".",
        benchtime: Annotated[str, Doc("Time or iterations per benchmark (go test -benchtime).")] = "1s",
    ) -> dagger.Directory:
        """Run benchmarks; return bench.txt with cpu.prof and mem.prof for go tool pprof."""
        env = await self._env()
        return devloop.bench_dir(env, await env.deps(self._source()), package, pattern, benchtime)


__all__ = ["LintReport", "Pipeline", "PipelineError", "TestReport"]
