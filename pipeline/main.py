"""The Pipeline module's public surface: configuration and thin functions that delegate."""

import dataclasses
import json
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Annotated, Any, Final, TypeVar, cast

import dagger
from dagger import DefaultPath, Doc, Ignore, dag

from . import pins
from .chart import check as chart
from .ci.steps import ReleasePlan, ci_release_plan, run_ci
from .core.errors import PipelineError
from .core.tasks import gather
from .core.validate import (
    check_build_tag,
    check_coverage,
    check_duration,
    check_env,
    check_link_vars,
    check_port,
    check_service_names,
)
from .go import build, integration
from .go import lint as linting
from .go import run as devloop
from .go import source_checks as checks
from .go.build import BuildFlags, ImageSpec
from .go.builder import OUT, SRC, GoEnv, builder_image, check_packages, effective_go_version, read_project
from .go.lint import LintReport
from .go.lint_tool import LintTool, choose_lint_tool
from .go.platforms import Platform, parse_platform, parse_platforms
from .go.testing import TestOptions, TestReport, run_tests
from .perf import pprof as profiling
from .perf.bench_compare import CompareOptions, compare
from .perf.bench_compare_report import check_benchtime, check_compare_inputs
from .perf.pprof import ProfileKind
from .perf.pprof_args import check_sample_index
from .release import chart_publish as chartpub
from .release import cosign as supply
from .release import registry
from .release.attest_provenance import (
    DEFAULT_BUILDER_ID,
    BuildFacts,
    ImageRef,
    Manifest,
    gosum_modules,
    parse_ref,
    predicate,
)
from .release.cosign import VerifyReport
from .release.publish import check_push_access, publish_index
from .release.publish_tags import check_address, fan_out, parse_version
from .security import sarif_log as sarif
from .security import scan as scanning
from .security import vulncheck as vulns
from .security.scan import ScanReport, Severity, Trivy
from .security.vex_documents import detect_format, for_trivy
from .security.vulncheck import VulnReport
from .security.vulncheck_report import Advisory, parse

#: What is never uploaded: Git's own data. Everything a Go build or test can read stays.
SOURCE_IGNORE: Final = [".git"]
#: VEX documents in the source that every scan takes.
VEX_FOLDER: Final = ".vex"

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
BenchPackage = Annotated[str, Doc("Package to benchmark (profiles need exactly one).")]
BenchPattern = Annotated[str, Doc("Benchmarks to run (go test -bench).")]
BenchTime = Annotated[str, Doc("Time or iterations per benchmark (go test -benchtime).")]
ProfileArg = Annotated[ProfileKind, Doc("Profile of a fresh bench run to read, unless --file is given.")]
ProfileFile = Annotated[
    dagger.File | None, Doc("A profile to read instead (e.g. bench's cpu.prof, or a service's /debug/pprof output).")
]
ProfiledBinary = Annotated[
    dagger.File | None, Doc("The binary the --file profile came from (disassembly; profiles without symbols).")
]
SampleIndex = Annotated[str, Doc("Sample type to show, e.g. alloc_space for a memory profile; default: pprof's.")]
ImageArg = Annotated[str, Doc("Published image: repository:tag@sha256:… as publish returns it (or @sha256:…).")]
KeyArg = Annotated[dagger.Secret, Doc("cosign private key (cosign.key from cosign generate-key-pair), a Secret.")]
KeyPasswordArg = Annotated[dagger.Secret | None, Doc("Password of the cosign key, a Secret; none: an empty one.")]
ToolsOf = Callable[[str], "supply.Tools"]
#: Registry user and password (a Secret), passed through to the tools.
Login = tuple[str, dagger.Secret | None]


@dataclasses.dataclass(frozen=True)
class Provenance:
    """What attest records beside the pipeline's own configuration."""

    version: str
    commit: str = ""
    source_uri: str = ""
    builder_id: str = ""


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
    reachability: Annotated[
        bool,
        Doc("Run govulncheck in scans and waive findings whose vulnerable code the source never calls (OpenVEX)."),
    ] = False
    vuln_db: Annotated[
        dagger.Directory | None,
        Doc("Go vulnerability DB directory (index/, ID/) for govulncheck offline; default: vuln.go.dev."),
    ] = None
    cosign_image: Annotated[str, Doc("cosign image address (its binary is copied into the Go builder).")] = (
        pins.COSIGN_IMAGE
    )
    golangci_lint_version: Annotated[
        str,
        Doc(
            f"golangci-lint version, e.g. 2.11.4; default: go.mod's tool directive, else {pins.GOLANGCI_LINT_VERSION}."
        ),
    ] = ""
    golangci_lint_image: Annotated[
        str,
        Doc("golangci-lint image address (its binary is copied into the builder); default: the official one."),
    ] = ""

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
            project=project,
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

    def _lint_tool(self, env: GoEnv) -> LintTool:
        return choose_lint_tool(env.project, self.golangci_lint_version, self.golangci_lint_image)

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
        name = build.choose_main(names, self.main, env.project.name)
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
        env = await self._env()
        return await checks.tidied(env, self._source(), env.project)

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
        env = await self._env()
        return await linting.lint(env, self._source(), tuple(self.tags), self._lint_tool(env))

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
        request = integration.Request(
            services=dict(zip(names, services, strict=True)),
            tag=check_build_tag(tag),
            tags=tuple(self.tags),
            env=check_env(list(env), "env"),
            run=run,
            timeout=check_duration(timeout, "integration-test --timeout"),
        )
        port = check_port(self.port)

        async def app() -> integration.App:
            _, _, binary = await self._main_binary(await self._platform(""), "dev")
            return integration.App(image=await self.image(), binary=binary, port=port, start_timeout=self.start_timeout)

        return await integration.integration_test(await self._env(), self._source(), request, app)

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
        vex: Annotated[
            list[dagger.File] | None,
            Doc("VEX documents (OpenVEX or CSAF) whose not_affected statements waive findings; .vex/*.json too."),
        ] = None,
    ) -> ScanReport:
        """Scan one platform's image with Trivy; return JSON, SARIF and the gate's verdict."""
        target = await self._platform(platform)
        documents, advisories = await self._vex(target, vex or [])
        return await scanning.scan(
            self._trivy(),
            await self.image(platform=str(target)),
            threshold=severity,
            ignore_unfixed=ignore_unfixed,
            ignorefile=await self._ignorefile(ignorefile),
            vex=documents,
            advisories=advisories,
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
        key: Annotated[
            dagger.Secret | None, Doc("cosign private key: with --address, sign and attest what was published.")
        ] = None,
        key_password: KeyPasswordArg = None,
        chart_dir: Annotated[
            dagger.Directory | None, Doc("Helm chart to publish pinned to the image (needs --key); empty: none.")
        ] = None,
        chart_address: Annotated[str, Doc("OCI repository for the chart; default: <address's parent>/charts.")] = "",
        source_uri: Annotated[
            str, Doc("Source repository for the provenance, e.g. git+https://github.com/acme/hello.")
        ] = "",
        services: Services = (),
        service_names: ServiceNames = (),
        integration_tag: IntegrationTag = pins.INTEGRATION_TAG,
        integration_env: IntegrationEnv = (),
    ) -> str:
        """Run fmt, vet, tidy, lint, test, build, scan at once; then integration tests and the release asked for."""
        plan = ci_release_plan(address, key is not None, chart_dir is not None, chart_address)
        if address:  # publish inputs are checked before anything is built
            check_address(address)
            fan_out(version, latest=latest, commit=commit)
        self._platforms()
        check_service_names(list(service_names), len(services), integration.APP_HOST)
        check_build_tag(integration_tag)
        check_env(list(integration_env), "integration-env")
        publish = partial(
            self.publish, address=address, version=version, commit=commit, latest=latest, username=username,
            password=password,
        )  # fmt: skip
        facts = Provenance(version=version, commit=commit, source_uri=source_uri)
        signer = supply.Signer(key, key_password) if key is not None else None
        release = await self._release(plan, publish, facts, signer, chart_dir, (username, password), address)

        async def build_all() -> None:
            await (await self.build(version=version)).sync()

        async def integration_tests() -> None:
            report = await self.integration_test(
                services=services, service_names=service_names, tag=integration_tag, env=integration_env
            )
            report.check()

        checks_ = {
            "fmt": self.fmt,
            "vet": self.vet,
            "tidy": self.tidy,
            "lint": self.lint,
            "test": self.test_check,
            "build": build_all,
            "scan": lambda: self.scan_check(severity=severity),
        }
        # Integration tests run after every check passed, and only when the source has some (see go/integration_files.py).
        if await integration.has_tests(await self._env(), self._source(), tuple(self.tags), integration_tag):
            release = [("integration", integration_tests), *release]
        return await run_ci(checks_, release)

    @dagger.function
    async def chart_check(
        self,
        chart_dir: Annotated[dagger.Directory, Doc("Helm chart folder (holds Chart.yaml).")],
        kube_version: Annotated[
            str, Doc("Kubernetes version to validate against, MAJOR.MINOR.PATCH.")
        ] = pins.KUBE_VERSION,
        schemas: Annotated[
            dagger.Directory | None,
            Doc(
                "Kubernetes JSON schemas for offline use (kubeconform's <version>-standalone-strict layout);"
                " custom resources' schemas as <group>/<kind>_<version>.json, else those kinds are skipped and named."
            ),
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

    # --- supply chain: reachability, one SARIF, signatures, attestations, the chart ------------------------------

    async def _vex(
        self, platform: Platform, given: list[dagger.File]
    ) -> tuple[list[tuple[str, dagger.File]], dict[str, Advisory]]:
        """Return the VEX documents for a scan: the user's, checked first; govulncheck's when reachability is on."""
        source = self._source()
        files = [*given, *(source.file(p) for p in sorted(await source.glob(f"{VEX_FOLDER}/*.json")))]
        docs: list[tuple[str, dagger.File]] = []
        for f in files:
            name = await f.name()
            detect_format(await f.contents(), name)
            docs.append((f"VEX document {name}", f))
        if not self.reachability:
            return docs, {}
        env = await self._env()
        db = vulns.VulnDB(self.vuln_db)
        stream, openvex = await gather(
            partial(vulns.govulncheck, env, source, platform, db, "json"),
            partial(vulns.govulncheck, env, source, platform, db, "openvex"),
        )
        modules = await vulns.module_paths(source, env.project)
        matchable = dag.directory().with_new_file("govulncheck.openvex.json", for_trivy(openvex, modules))
        label = "govulncheck (the vulnerable code is not reachable from the source)"
        return [(label, matchable.file("govulncheck.openvex.json")), *docs], parse(stream)

    def _tools(self, env: GoEnv, address: str, username: str, password: dagger.Secret | None) -> supply.Tools:
        if (password is None) != (not username):
            msg = "give --username and --password together"
            raise ValueError(msg)
        return supply.Tools(env, self.cosign_image, registry.access(address, username, password))

    def _tools_of(self, env: GoEnv, login: Login) -> ToolsOf:
        return lambda address: self._tools(env, address, *login)

    async def _signed(
        self, step: str, image: str, signer: supply.Signer, tools_of: ToolsOf
    ) -> tuple[ImageRef, supply.Tools, str, list[Manifest]]:
        """Check the key, then find the pushed index and its platforms (nothing is written before both pass)."""
        ref = parse_ref(image, step)
        tools = tools_of(ref.repository)
        await supply.check_signer(tools, signer, step)
        digest = await supply.resolve(tools, ref, step)
        if ref.digest and digest != ref.digest:
            msg = f"{ref.repository}:{ref.tag} points to {digest}, not {ref.digest}: the tag moved; nothing was written"
            raise PipelineError(step, msg)
        return ref, tools, digest, await supply.manifests(tools, ref.repository, digest, step)

    async def _provenance(self, env: GoEnv, given: "Provenance") -> str:
        """Return the SLSA provenance v1 predicate of this pipeline's build (JSON)."""
        source = self._source()
        project = env.project
        sums = [f"{u}/go.sum" for u in project.uses] if project.uses else ["go.sum"]
        modules = [
            m
            for path in [*sums, "go.work.sum"]
            if await source.exists(path)
            for m in gosum_modules(await source.file(path).contents())
        ]
        flags = await self._flags(env, given.version)
        base = await dag.container().from_(self.runtime_base).image_ref() if self.runtime_base else ""
        facts = BuildFacts(
            builder_id=given.builder_id or DEFAULT_BUILDER_ID,
            source_uri=given.source_uri,
            commit=given.commit,
            version=given.version,
            platforms=[str(p) for p in self._platforms()],
            parameters={
                "packages": list(self.packages),
                "main": self.main,
                "tags": list(self.tags),
                "linkVars": list(self.link_vars),
                "cgo": self.cgo,
                "runtimeBase": self.runtime_base,
            },
            go_build=flags.argv(OUT),
            go_version=env.go_version,
            builder_image=await dag.container().from_(env.image).image_ref(),
            base_image=base,
            modules=sorted(set(modules), key=lambda m: (m.path, m.version)),
            builder_version={"dagger": pins.DAGGER_VERSION, "cosign": pins.COSIGN_VERSION},
        )
        return json.dumps(predicate(facts), indent=2) + "\n"

    async def _release(
        self,
        plan: ReleasePlan,
        publish: Callable[[], Awaitable[list[str]]],
        facts: "Provenance",
        signer: supply.Signer | None,
        chart_dir: dagger.Directory | None,
        login: Login,
        address: str,
    ) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
        """Return ci's release steps in order; the key and the chart are checked now, before anything is built."""
        if signer is not None:  # a wrong key password fails here, before anything is built or pushed
            await supply.check_signer(self._tools(await self._env(), address, *login), signer, "ci")
        if chart_dir is not None:
            await chartpub.check_chart(chart_dir)
        ledger = supply.Ledger()
        published: list[str] = []

        async def push() -> None:
            published.extend(await publish())
            ledger.add(*(f"tag: {r}" for r in published))

        async def sign_() -> None:
            if signer is not None:
                await self._sign_image(published[0], signer, login, ledger)

        async def attest_() -> None:
            if signer is not None:
                await self._attest_image(published[0], signer, login, facts, ledger)

        async def chart_() -> None:
            if signer is not None and chart_dir is not None:
                await self._chart(chart_dir, plan.chart_address, published[0], facts.version, signer, login, ledger)

        steps = {"publish": push, "sign": sign_, "attest": attest_, "publish-chart": chart_}
        return [(name, steps[name] if name == "publish" else ledger.guard(name, steps[name])) for name in plan.steps]

    @dagger.function
    async def vulncheck(self, platform: PlatformArg = "") -> VulnReport:
        """Run govulncheck on the source: the advisories its code calls, with the symbols and call paths."""
        target = await self._platform(platform)
        env, source, db = await self._env(), self._source(), vulns.VulnDB(self.vuln_db)
        stream, openvex = await gather(
            partial(vulns.govulncheck, env, source, target, db, "json"),
            partial(vulns.govulncheck, env, source, target, db, "openvex"),
        )
        return vulns.report(stream, openvex)[0]

    @dagger.function
    async def sarif(self, platform: PlatformArg = "", severity: SeverityArg = Severity.HIGH) -> dagger.File:
        """Return one SARIF 2.1.0 log for code scanning: a run each for go vet, golangci-lint, govulncheck and Trivy."""
        target = await self._platform(platform)
        env, source = await self._env(), self._source()
        vet_out, linted, gv, scanned = await gather(
            partial(checks.vet_json, env, source, tuple(self.tags)),
            partial(self._lint_sarif, env, source),
            partial(vulns.govulncheck, env, source, target, vulns.VulnDB(self.vuln_db), "sarif"),
            partial(self._trivy_sarif, str(target), severity),
        )
        try:
            runs = {
                "go-vet": sarif.vet_run(vet_out, SRC, env.go_version),
                "golangci-lint": sarif.runs_of(linted, "golangci-lint")[0],
                "govulncheck": sarif.runs_of(gv, "govulncheck")[0],
                "trivy": sarif.runs_of(scanned, "trivy")[0],
            }
        except (ValueError, IndexError) as e:
            raise PipelineError("sarif", f"a tool's output could not be merged: {e}") from None
        return dag.directory().with_new_file("pipeline.sarif", sarif.merge(runs)).file("pipeline.sarif")

    async def _lint_sarif(self, env: GoEnv, source: dagger.Directory) -> str:
        return await (await linting.lint(env, source, tuple(self.tags), self._lint_tool(env))).sarif.contents()

    async def _trivy_sarif(self, platform: str, severity: Severity) -> str:
        return await (await self.scan(platform=platform, severity=severity)).sarif.contents()

    @uncached
    async def sign(
        self,
        image: ImageArg,
        key: KeyArg,
        key_password: KeyPasswordArg = None,
        username: Annotated[str, Doc("Registry user.")] = "",
        password: Annotated[dagger.Secret | None, Doc("Registry password or token (a Secret).")] = None,
    ) -> list[str]:
        """Sign a published image with a cosign key: its index and each platform manifest; return what was signed."""
        return await self._sign_image(image, supply.Signer(key, key_password), (username, password), supply.Ledger())

    async def _sign_image(self, image: str, signer: supply.Signer, login: Login, ledger: supply.Ledger) -> list[str]:
        env = await self._env()
        ref, tools, digest, platforms = await self._signed("sign", image, signer, self._tools_of(env, login))
        targets = (
            [(digest, "index"), *((m.digest, m.platform) for m in platforms)] if platforms else [(digest, "image")]
        )
        return await supply.sign(tools, signer, ref.repository, targets, ledger)

    @uncached
    async def attest(
        self,
        image: ImageArg,
        key: KeyArg,
        key_password: KeyPasswordArg = None,
        version: Annotated[str, Doc("The version the image was published with (as given to publish).")] = "dev",
        commit: Annotated[str, Doc("Git commit the image was built from (recorded in the provenance).")] = "",
        source_uri: Annotated[str, Doc("Source repository, e.g. git+https://github.com/acme/hello.")] = "",
        builder_id: Annotated[str, Doc("SLSA builder id, e.g. your CI run's URL; default: this module.")] = "",
        username: Annotated[str, Doc("Registry user.")] = "",
        password: Annotated[dagger.Secret | None, Doc("Registry password or token (a Secret).")] = None,
    ) -> list[str]:
        """Attach a CycloneDX SBOM attestation per platform and SLSA provenance v1 to a published image."""
        signer = supply.Signer(key, key_password)
        build_ = Provenance(version=version, commit=commit, source_uri=source_uri, builder_id=builder_id)
        return await self._attest_image(image, signer, (username, password), build_, supply.Ledger())

    async def _attest_image(
        self, image: str, signer: supply.Signer, login: Login, facts: "Provenance", ledger: supply.Ledger
    ) -> list[str]:
        env = await self._env()
        version, commit = facts.version, facts.commit
        ref, tools, digest, platforms = await self._signed("attest", image, signer, self._tools_of(env, login))
        built = {str(p) for p in self._platforms()}
        if not platforms and len(built) == 1:  # a single-platform publish is one image manifest
            platforms = [Manifest(platform=built.pop(), digest=digest)]
            built = {platforms[0].platform}
        if {m.platform for m in platforms} != built:
            found = ", ".join(m.platform for m in platforms)
            msg = f"{ref.repository}@{digest} holds {found}; this pipeline builds {', '.join(sorted(built))}"
            raise PipelineError("attest", msg + "; nothing was written")
        items = [
            supply.Attestation(
                m.digest,
                f"CycloneDX SBOM, {m.platform}",
                "cyclonedx",
                scanning.sbom(self._trivy(), await self.image(platform=m.platform, version=version, revision=commit)),
            )
            for m in platforms
        ]
        provenance = await self._provenance(env, facts)
        document = dag.directory().with_new_file("provenance.json", provenance).file("provenance.json")
        items.append(supply.Attestation(digest, "SLSA provenance v1", "slsaprovenance1", document))
        return await supply.attest(tools, signer, ref.repository, items, ledger)

    @uncached
    async def verify(
        self,
        image: Annotated[str, Doc("Image to check: repository:tag@sha256:… (publish's output), @sha256:… or :tag.")],
        key: Annotated[dagger.File, Doc("cosign public key (cosign.pub).")],
        username: Annotated[str, Doc("Registry user.")] = "",
        password: Annotated[dagger.Secret | None, Doc("Registry password or token (a Secret).")] = None,
    ) -> VerifyReport:
        """Verify a published image's signatures, SBOM attestations and provenance with a cosign public key."""
        ref = parse_ref(image, "verify")
        tools = self._tools(await self._env(), ref.repository, username, password)
        return await supply.verify(tools, key, ref)

    @uncached
    async def publish_chart(
        self,
        chart_dir: Annotated[dagger.Directory, Doc("Helm chart folder (holds Chart.yaml; values take image.digest).")],
        address: Annotated[
            str, Doc("OCI repository for charts, e.g. ghcr.io/acme/charts (the chart's name is added).")
        ],
        image: ImageArg,
        version: Annotated[str, Doc("Release, e.g. v1.2.3: the chart's version and appVersion (1.2.3).")],
        key: KeyArg,
        key_password: KeyPasswordArg = None,
        username: Annotated[str, Doc("Registry user.")] = "",
        password: Annotated[dagger.Secret | None, Doc("Registry password or token (a Secret).")] = None,
    ) -> str:
        """Package a Helm chart pinned to a published image digest, push it as an OCI artifact and sign it."""
        signer = supply.Signer(key, key_password)
        return await self._chart(chart_dir, address, image, version, signer, (username, password), supply.Ledger())

    async def _chart(
        self,
        chart_dir: dagger.Directory,
        address: str,
        image: str,
        version: str,
        signer: supply.Signer,
        login: Login,
        ledger: supply.Ledger,
    ) -> str:
        check_address(address)
        chart_version = str(parse_version(version))
        pinned = parse_ref(image, "publish-chart")
        if not pinned.digest:
            msg = f"publish-chart: --image {image!r} has no digest; give publish's output, repository:tag@sha256:…"
            raise ValueError(msg)
        env = await self._env()
        tools = self._tools(env, address, *login)
        return await chartpub.publish_chart(env, tools, signer, chart_dir, address, pinned, chart_version, ledger)

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
        name = build.choose_main(names, self.main, env.project.name)
        bins = deps.with_directory(devloop.DEBUG_DIR, built)
        svc = devloop.debug_service(bins, name, check_port(self.port))
        return await devloop.started(svc, [devloop.DLV_PORT, self.port], self.start_timeout)

    @dagger.function
    async def bench(
        self,
        package: BenchPackage = ".",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
    ) -> dagger.Directory:
        """Run benchmarks; return bench.txt with cpu.prof and mem.prof for go tool pprof."""
        env = await self._env()
        return devloop.bench_dir(env, await env.deps(self._source()), package, pattern, benchtime).without_file(
            "bench.test"
        )

    async def _profiled(
        self,
        profile: ProfileKind,
        file: dagger.File | None,
        binary: dagger.File | None,
        sample_index: str,
        bench: tuple[str, str, str],
    ) -> tuple[GoEnv, profiling.Profiled]:
        check_sample_index(sample_index)
        package, pattern, benchtime = bench
        check_benchtime(benchtime, "pprof --benchtime")
        env = await self._env()
        if file is None:
            ran = devloop.bench_dir(env, await env.deps(self._source()), package, pattern, benchtime)
            file, binary = ran.file(profile.file), binary or ran.file("bench.test")
        trim = "" if env.project.uses else env.project.module  # a -trimpath build names files by module path
        ready = await profiling.profiled(env, self._source(), file, binary, sample_index=sample_index, trim_path=trim)
        return env, ready

    @dagger.function
    @up
    async def pprof(
        self,
        profile: ProfileArg = ProfileKind.CPU,
        file: ProfileFile = None,
        binary: ProfiledBinary = None,
        sample_index: SampleIndex = "",
        ui_port: Annotated[int, Doc("Port of pprof's web UI.")] = pins.PPROF_PORT,
        package: BenchPackage = ".",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
    ) -> dagger.Service:
        """Serve pprof's web UI (flame graph, top, source) on a profile: dagger call pprof up --ports 8081:8081."""
        check_port(ui_port)
        _, ready = await self._profiled(profile, file, binary, sample_index, (package, pattern, benchtime))
        svc = profiling.service(ready, ui_port)
        return await devloop.started(svc, [ui_port], self.start_timeout, step=profiling.STEP)

    @dagger.function
    async def pprof_report(
        self,
        profile: ProfileArg = ProfileKind.CPU,
        file: ProfileFile = None,
        binary: ProfiledBinary = None,
        sample_index: SampleIndex = "",
        package: BenchPackage = ".",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
    ) -> dagger.Directory:
        """Return a profile's flame graph page (flamegraph.html), top.txt and, with Graphviz, graph.svg."""
        env, ready = await self._profiled(profile, file, binary, sample_index, (package, pattern, benchtime))
        return await profiling.report(env, ready, self.start_timeout)

    @dagger.function
    async def bench_compare(
        self,
        base: Annotated[
            dagger.Directory,
            Doc("The source to compare against, e.g. the main branch checked out into a folder."),
            Ignore(SOURCE_IGNORE),
        ],
        threshold: Annotated[
            float, Doc("Fail when a benchmark is significantly worse than base by more than this percent.")
        ] = 10.0,
        count: Annotated[int, Doc("Runs of every benchmark on each source (go test -count); at least 4.")] = 10,
        packages: Annotated[str, Doc("Package pattern to benchmark.")] = "./...",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
        alpha: Annotated[float, Doc("Significance level: a difference counts when benchstat's p is below it.")] = 0.05,
    ) -> str:
        """Benchmark base and this source, compare them with benchstat; fail on a regression past the threshold."""
        check_compare_inputs(threshold, count, alpha)
        check_benchtime(benchtime, "bench-compare --benchtime")
        env = await self._env()
        try:
            await read_project(base)
        except PipelineError as e:
            raise PipelineError("bench-compare", f"--base: {e.cause}") from None
        opts = CompareOptions(
            packages=tuple(env.patterns([packages])),
            pattern=pattern,
            benchtime=benchtime,
            count=count,
            threshold=threshold,
            alpha=alpha,
        )
        return await compare(env, await env.deps(base), await env.deps(self._source()), opts)


__all__ = ["LintReport", "Pipeline", "PipelineError", "TestReport", "VerifyReport", "VulnReport"]
