"""The Pipeline module's public surface: configuration and thin functions that delegate."""

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final, TypeVar, cast

import anyio
import dagger
from dagger import DefaultPath, Doc, Ignore, dag

from . import build, chart, checks, devloop, pins
from . import scan as scanning
from .errors import PipelineError
from .golang import GoEnv, builder_image, effective_go_version, read_go_mod
from .platforms import Platform, parse_platform, parse_platforms
from .publish import publish_index
from .registryauth import check_push_access
from .scan import Severity, Trivy
from .scanreport import ScanReport
from .summary import StepResult, table
from .tags import check_address, fan_out
from .testreport import TestReport

#: Only what a Go build reads: a README edit must not invalidate anything.
SOURCE_INCLUDE: Final = ["**/*.go", "**/go.mod", "**/go.sum", "**/go.work", "**/testdata/**", ".trivyignore"]

F = TypeVar("F", bound=Callable[..., Any])


def check(fn: F) -> F:
    """Mark a function as a check for `dagger check` (dagger.check, typed)."""
    return cast("F", dagger.check(fn))


Source = Annotated[
    dagger.Directory,
    Doc("Go module root (holds go.mod)."),
    DefaultPath("/app"),
    Ignore(["*", *(f"!{p}" for p in SOURCE_INCLUDE)]),
]
Version = Annotated[str, Doc("Version stamped into the binary as main.version.")]
PlatformArg = Annotated[str, Doc("Target platform, e.g. linux/arm64; default: the engine's platform.")]


@dagger.object_type
class Pipeline:
    """Build, test, scan and ship a Go service in containers."""

    source: Source
    go_version: Annotated[str, Doc("Go version; default: go.mod's toolchain line, else its go line.")] = ""
    go_image: Annotated[str, Doc("Builder image address; default: golang:<go-version>-bookworm.")] = ""
    platforms: Annotated[list[str], Doc("Platforms to build, os/arch[/variant].")] = dagger.field(
        default=lambda: ["linux/amd64", "linux/arm64"],
    )
    packages: Annotated[list[str], Doc("Main packages to build, e.g. ./cmd/api; the first is the image's.")] = (
        dagger.field(default=lambda: ["."])
    )
    runtime_base: Annotated[
        str, Doc("Runtime base image (e.g. a distroless static one); default: assembled from scratch.")
    ] = ""
    goproxy: Annotated[str, Doc("GOPROXY for module downloads; default: the builder's.")] = ""
    goprivate: Annotated[str, Doc("GOPRIVATE (and GONOSUMDB) module patterns.")] = ""
    netrc: Annotated[dagger.Secret | None, Doc(".netrc with credentials for private modules.")] = None
    cache_namespace: Annotated[
        str, Doc("Separate Go caches (e.g. per project on a shared engine); default: one shared cache.")
    ] = ""
    trivy_image: Annotated[str, Doc("Trivy image address.")] = pins.TRIVY_IMAGE
    trivy_db: Annotated[
        dagger.Directory | None,
        Doc("Prepared Trivy DB directory (trivy.db, metadata.json) for air-gapped scans; skips the download."),
    ] = None
    trivy_db_repository: Annotated[str, Doc("Mirror of Trivy's DB artifact (--db-repository).")] = ""

    async def _env(self) -> GoEnv:
        version = await effective_go_version(self.source, self.go_version)
        return GoEnv(
            image=builder_image(self.go_image, version),
            go_version=version,
            goproxy=self.goproxy,
            goprivate=self.goprivate,
            netrc=self.netrc,
            cache_namespace=self.cache_namespace,
        )

    async def _mains(self) -> dict[str, str]:
        gomod = await read_go_mod(self.source)
        mains = {p: build.binary_name(gomod, p) for p in self.packages}
        if len(set(mains.values())) != len(mains):
            msg = f"packages: two main packages would build the same binary name: {self.packages}"
            raise ValueError(msg)
        return mains

    def _trivy(self) -> Trivy:
        return Trivy(image=self.trivy_image, db=self.trivy_db, db_repository=self.trivy_db_repository)

    async def _ignorefile(self, ignorefile: dagger.File | None) -> dagger.File | None:
        if ignorefile is None and await self.source.glob(".trivyignore"):
            return self.source.file(".trivyignore")
        return ignorefile

    async def _platform(self, platform: str) -> Platform:
        return parse_platform(platform or str(await dag.default_platform()))

    @dagger.function(name="go_version")
    async def go_version_info(self) -> str:
        """Print the effective Go version and the builder's `go version`."""
        env = await self._env()
        reported = await env.container().with_exec(["go", "version"]).stdout()
        return f"go-version {env.go_version} (image {env.image})\n{reported.strip()}"

    @dagger.function
    async def deps(self) -> dagger.Container:
        """Return the builder with modules downloaded (keyed on go.mod/go.sum) and the source mounted at /src."""
        return await (await self._env()).deps(self.source)

    @dagger.function
    @check
    async def fmt(self) -> None:
        """Fail when gofmt would change a file; the error names the files and shows the diff."""
        await checks.fmt(await self._env(), self.source)

    @dagger.function
    @check
    async def vet(self) -> None:
        """Fail when go vet reports a finding; the error lists them."""
        await checks.vet(await self._env(), self.source)

    @dagger.function
    @check
    async def tidy(self) -> None:
        """Fail when go.mod/go.sum differ from what go mod tidy writes."""
        await checks.tidy(await self._env(), self.source)

    @dagger.function
    async def test(
        self,
        race: Annotated[bool, Doc("Run with the race detector (needs a cgo-capable builder).")] = False,
        run: Annotated[str, Doc("Only tests matching this regexp (go test -run).")] = "",
        packages: Annotated[str, Doc("Package pattern to test.")] = "./...",
        coverage_min: Annotated[float, Doc("Fail the report when total coverage is below this percent.")] = 0.0,
    ) -> TestReport:
        """Run go test and return JUnit, coverage and a summary, even when tests fail."""
        return await checks.run_tests(
            await self._env(),
            self.source,
            race=race,
            run=run,
            packages=packages,
            coverage_min=coverage_min,
        )

    @dagger.function
    @check
    async def test_check(
        self,
        coverage_min: Annotated[float, Doc("Minimum total coverage in percent.")] = 0.0,
    ) -> None:
        """Fail when a test fails; the error names each failing test and its message."""
        (await self.test(coverage_min=coverage_min)).check()

    @dagger.function
    async def build(self, version: Version = "dev") -> dagger.Directory:
        """Build static binaries for every platform as <os>_<arch>/<name>."""
        platforms = parse_platforms(self.platforms)
        deps = await (await self._env()).deps(self.source)
        return build.build_dir(deps, platforms, await self._mains(), version)

    @dagger.function
    async def binary(self, platform: PlatformArg = "", version: Version = "dev") -> dagger.File:
        """Build the first main package for one platform."""
        package, name = next(iter((await self._mains()).items()))
        deps = await (await self._env()).deps(self.source)
        return build.binary(deps, await self._platform(platform), package, name, version)

    @dagger.function
    async def image(
        self,
        platform: PlatformArg = "",
        version: Version = "dev",
        revision: Annotated[str, Doc("Git commit recorded in the OCI revision label.")] = "",
    ) -> dagger.Container:
        """Build the minimal runtime image for one platform: static binary, USER 65532, no shell."""
        package, name = next(iter((await self._mains()).items()))
        env = await self._env()
        target = await self._platform(platform)
        deps = await env.deps(self.source)
        return build.image(env, deps, target, package, name, version, revision, self.runtime_base)

    @dagger.function
    async def serve(self, version: Version = "dev") -> dagger.Service:
        """Run the service on port 8080 (dagger call serve up --ports 8080:8080)."""
        return (await self.image(version=version)).as_service(use_entrypoint=True)

    @dagger.function
    async def scan(
        self,
        platform: PlatformArg = "",
        severity: Annotated[Severity, Doc("Gate threshold: findings at or above it fail.")] = Severity.HIGH,
        ignore_unfixed: Annotated[bool, Doc("Leave out vulnerabilities that have no fixed version.")] = False,
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
    async def scan_check(
        self,
        severity: Annotated[Severity, Doc("Gate threshold: findings at or above it fail.")] = Severity.HIGH,
        ignore_unfixed: Annotated[bool, Doc("Leave out vulnerabilities that have no fixed version.")] = False,
    ) -> None:
        """Fail when any platform's image has a finding at or above the threshold; the error lists the CVEs."""
        platforms = parse_platforms(self.platforms)
        reports: dict[str, ScanReport] = {}

        async def one(p: Platform) -> None:
            reports[str(p)] = await self.scan(platform=str(p), severity=severity, ignore_unfixed=ignore_unfixed)

        async with anyio.create_task_group() as tg:
            for p in platforms:
                tg.start_soon(one, p)
        for report in reports.values():
            report.check()

    @dagger.function
    async def sbom(self, platform: PlatformArg = "") -> dagger.File:
        """Return the CycloneDX SBOM of one platform's image."""
        return scanning.sbom(self._trivy(), await self.image(platform=platform))

    @dagger.function(cache="never")  # type: ignore[call-overload]  # the SDK's overloads omit `cache`
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
        platforms = parse_platforms(self.platforms)
        if (password is None) != (not username):
            msg = "publish: give --username and --password together"
            raise ValueError(msg)
        await check_push_access(address, username, await password.plaintext() if password else "")
        variants = [await self.image(platform=str(p), version=version, revision=commit) for p in platforms]
        auth = (username, password) if password is not None else None
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
    ) -> str:
        """Run fmt, vet, tidy, test, build and scan concurrently, then publish if asked; report every step."""
        if address:  # publish inputs are checked before anything is built
            check_address(address)
            fan_out(version, latest=latest, commit=commit)
        parse_platforms(self.platforms)

        async def build_all() -> None:
            await (await self.build(version=version)).sync()

        steps: dict[str, Callable[[], Awaitable[object]]] = {
            "fmt": self.fmt,
            "vet": self.vet,
            "tidy": self.tidy,
            "test": self.test_check,
            "build": build_all,
            "scan": lambda: self.scan_check(severity=severity),
        }
        results: list[StepResult] = []

        async def run(name: str, step: Callable[[], Awaitable[object]]) -> None:
            results.append(await _timed(name, step))

        async with anyio.create_task_group() as tg:
            for name, step in steps.items():
                tg.start_soon(run, name, step)
        results.sort(key=lambda r: list(steps).index(r.name))
        if address and all(r.ok for r in results):

            async def push() -> object:
                return await self.publish(
                    address=address, version=version, commit=commit, latest=latest, username=username, password=password
                )

            results.append(await _timed("publish", push))
        text = table(results)
        failed = [r.name for r in results if not r.ok]
        if failed:
            details = "\n\n".join(f"[{r.name}] {r.detail}" for r in results if not r.ok)
            raise PipelineError(
                "ci", f"{len(failed)} of {len(results)} steps failed: {', '.join(failed)}", f"{text}\n\n{details}"
            )
        return text

    @dagger.function
    @check
    async def chart_check(
        self,
        chart_dir: Annotated[
            dagger.Directory, Doc("Helm chart folder (holds Chart.yaml)."), DefaultPath("/deploy/helm/hello")
        ],
        kube_version: Annotated[str, Doc("Kubernetes version to validate against, MAJOR.MINOR.PATCH.")] = "1.35.0",
        schemas: Annotated[
            dagger.Directory | None,
            Doc("Kubernetes JSON schemas for offline use (standalone-strict or kubernetes-validate layout)."),
        ] = None,
        values: Annotated[dagger.File | None, Doc("Extra values file, as helm --values.")] = None,
    ) -> str:
        """Lint and render the Helm chart, validate it with kubeconform, and check probes, non-root and limits."""
        builder = (await self._env()).container()
        return await chart.check_chart(builder, chart_dir, kube_version=kube_version, schemas=schemas, values=values)

    @dagger.function
    async def debug(self) -> dagger.Service:
        """Run the app under headless delve on :2345 (API v2, multi-client), app on :8080."""
        package = next(iter(await self._mains()))
        return devloop.debug_service(await (await self._env()).deps(self.source, tools=[pins.DELVE]), package)

    @dagger.function
    async def bench(
        self,
        package: Annotated[str, Doc("Package to benchmark (profiles need exactly one).")] = ".",
        pattern: Annotated[str, Doc("Benchmarks to run (go test -bench).")] = ".",
        benchtime: Annotated[str, Doc("Time or iterations per benchmark (go test -benchtime).")] = "1s",
    ) -> dagger.Directory:
        """Run benchmarks; return bench.txt with cpu.prof and mem.prof for go tool pprof."""
        return devloop.bench_dir(await (await self._env()).deps(self.source), package, pattern, benchtime)


async def _timed(name: str, step: Callable[[], Awaitable[object]]) -> StepResult:
    """Run one ci step, turning its failure into a result rather than an exception."""
    t0 = time.monotonic()
    try:
        await step()
    except (PipelineError, ValueError, dagger.QueryError) as e:
        return StepResult(name, ok=False, seconds=time.monotonic() - t0, detail=str(e))
    return StepResult(name, ok=True, seconds=time.monotonic() - t0)
