"""The Pipeline module's public surface: its configuration and thin functions that delegate to the domains."""

import dataclasses
from functools import partial
from typing import Annotated

import dagger
from dagger import Doc, Ignore

from . import pins, resolved
from .args import (
    SOURCE_IGNORE,
    BenchPackage,
    BenchPattern,
    BenchTime,
    IgnoreUnfixed,
    ImageArg,
    IntegrationEnv,
    IntegrationTag,
    KeyArg,
    KeyPasswordArg,
    Password,
    PinnedImageArg,
    PlatformArg,
    ProfileArg,
    ProfiledBinary,
    ProfileFile,
    SampleIndex,
    ServiceNames,
    Services,
    SeverityArg,
    Source,
    TestRun,
    Username,
    Version,
    check,
    generate,
    uncached,
    up,
)
from .chart import check as chart
from .ci.cache import image_of as cache_image_of
from .ci.report import CiReport, Reports, skip_library
from .ci.steps import run_steps
from .core.errors import PipelineError
from .core.tasks import gather
from .core.validate import ArgKind, Checked, check_coverage, check_duration, check_port
from .go import build, integration, run, source_checks
from .go import lint as linting
from .go.build import ImageSpec
from .go.builder import read_project
from .go.lint import LintReport
from .go.testing import TestOptions, TestReport, run_tests
from .perf import pprof
from .perf.bench import bench_dir
from .perf.bench_compare import CompareOptions, compare
from .perf.bench_compare_report import check_benchtime, check_compare_inputs
from .perf.pprof import ProfileInput, ProfileKind
from .release import supply_chain
from .release.ci_release_plan import ci_release_plan
from .release.cosign import Signer
from .release.publish import check_push_access, publish_index
from .release.publish_tags import check_address
from .release.supply_chain import ReleaseFacts, check_login
from .release.verify import VerifyReport, verify
from .security import sarif, scan
from .security.scan import ScanReport, Severity
from .security.vex import scan_vex
from .security.vulncheck import VulnDB, VulnReport, govulncheck, report


@dagger.object_type
class Pipeline:
    """Build, test, scan and ship a Go service in containers."""

    source: Source
    exclude: Annotated[
        list[str], Doc("Paths to leave out of the source, as globs (e.g. web/node_modules); .git always is.")
    ] = dataclasses.field(default_factory=list[str])
    go_version: Annotated[
        str,
        Doc("Go version; default: go.mod's toolchain line, else its go line, else this release's."),
        Checked(ArgKind.GO_VERSION),
    ] = ""
    go_image: Annotated[str, Doc("Builder image address; default: golang:<go-version>-bookworm.")] = ""
    platforms: Annotated[list[str], Doc("Platforms to build, os/arch[/variant]."), Checked(ArgKind.PLATFORMS)] = (
        dataclasses.field(
            default_factory=lambda: ["linux/amd64", "linux/arm64"],
        )
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
        list[str],
        Doc("Extra linker variables, pkg.name=value (e.g. main.commit=abc123), as -ldflags -X."),
        Checked(ArgKind.LINK_VARS),
    ] = dataclasses.field(default_factory=list[str])
    cgo: Annotated[
        bool, Doc("Build with cgo (CGO_ENABLED=1): needs a builder with a C compiler and a runtime base with libc.")
    ] = False
    port: Annotated[
        int, Doc("Port the app listens on: the image's EXPOSE, serve and debug."), Checked(ArgKind.PORT)
    ] = pins.APP_PORT
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
    before: Annotated[
        list[str],
        Doc(
            "Commands run with sh -c in the builder on the source before any check, test or build (e.g. go generate"
            " ./..., make fixtures); what they write is part of the source every step sees."
        ),
    ] = dataclasses.field(default_factory=list[str])
    before_image: Annotated[
        str, Doc("Image the --before commands run in (e.g. node:22 to build a web UI); default: the Go builder.")
    ] = ""
    test_as_root: Annotated[
        bool, Doc("Run go test as root; by default tests run as an unprivileged user (65532) with a writable HOME.")
    ] = False
    cache_from: Annotated[
        dagger.Directory | None,
        Doc("A cache folder ci's cache wrote (restored by actions/cache or GitLab cache:): new volumes start there."),
    ] = None
    cache_image: Annotated[
        str, Doc("OCI repository of caches cache-push wrote (e.g. ghcr.io/acme/hello-cache): new volumes start there.")
    ] = ""
    cache_username: Annotated[str, Doc("Registry user for --cache-image.")] = ""
    cache_password: Annotated[dagger.Secret | None, Doc("Registry password or token for --cache-image.")] = None
    golangci_lint_image: Annotated[
        str,
        Doc("golangci-lint image address (its binary is copied into the builder); default: the official one."),
    ] = ""

    # --- functions --------------------------------------------------------------------------------------------

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
            Checked(ArgKind.VEX_FILES),
        ] = None,
    ) -> ScanReport:
        """Scan one platform's image with Trivy; return JSON, SARIF and the gate's verdict."""
        target = await resolved.platform(platform)
        vuln_db = VulnDB(self.vuln_db) if self.reachability else None
        documents, advisories = await scan_vex(
            await resolved.go_env(self), await resolved.source(self), target, vex or [], vuln_db
        )
        return await scan.scan(
            resolved.trivy(self),
            await self.image(platform=str(target)),
            threshold=severity,
            ignore_unfixed=ignore_unfixed,
            ignorefile=await resolved.ignorefile(self, ignorefile),
            vex=documents,
            advisories=advisories,
        )

    @dagger.function
    @check
    async def scan_check(self, severity: SeverityArg = Severity.HIGH, ignore_unfixed: IgnoreUnfixed = False) -> None:
        """Fail when any platform's image has a finding at or above the threshold; the error lists the CVEs."""
        scans = (partial(self.scan, str(p), severity, ignore_unfixed) for p in resolved.platforms(self))
        for found in await gather(*scans):
            found.check()

    @dagger.function
    async def sbom(self, platform: PlatformArg = "") -> dagger.File:
        """Return the CycloneDX SBOM of one platform's image."""
        return scan.sbom(resolved.trivy(self), await self.image(platform=platform))

    @uncached
    async def publish(
        self,
        address: Annotated[
            str, Doc("Image repository without tag, e.g. ghcr.io/acme/hello."), Checked(ArgKind.ADDRESS)
        ],
        version: Annotated[
            str,
            Doc("Semver release, e.g. v1.2.3; tags 1.2.3, 1.2 and 1 (pre-releases: exact)."),
            Checked(ArgKind.RELEASE_VERSION),
        ],
        commit: Annotated[str, Doc("Git commit: its short sha becomes a tag and the revision label.")] = "",
        latest: Annotated[bool, Doc("Also tag latest.")] = False,
        username: Username = "",
        password: Password = None,
    ) -> list[str]:
        """Publish every platform as one image index under all tags; return address:tag@sha256 refs."""
        tags = resolved.publish_tags(address, version, commit, latest)
        platforms = resolved.platforms(self)
        check_login(username, password)
        auth = (username, password) if password is not None else None
        await check_push_access(address, auth)
        variants = [await self.image(platform=str(p), version=version, revision=commit) for p in platforms]
        return await publish_index(address, tags, variants, auth)

    @dagger.function
    async def ci(
        self,
        version: Version = "dev",
        severity: Annotated[Severity, Doc("Scan gate threshold.")] = Severity.HIGH,
        address: Annotated[
            str, Doc("Publish to this repository when every step passed; empty: no publish."), Checked(ArgKind.ADDRESS)
        ] = "",
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
    ) -> CiReport:
        """Run fmt, vet, tidy, lint, test, build, scan at once, then integration tests and the release; report all."""
        # Every input is checked before anything is built: what publish and integration-test check themselves.
        plan = ci_release_plan(address, key is not None, chart_dir is not None, chart_address)
        if address:
            resolved.publish_tags(address, version, commit, latest)
        platforms = resolved.platforms(self)
        request = integration.request(
            services, service_names, integration_tag, tuple(self.tags), integration_env, env_flag="integration-env",
            as_root=self.test_as_root,
        )  # fmt: skip
        publish = partial(self.publish, address, version, commit, latest, username, password)
        facts = ReleaseFacts(version=version, commit=commit, source_uri=source_uri)
        signer = Signer(key, key_password) if key is not None else None
        supply = await resolved.supply(self, username, password)
        release = await supply_chain.release_steps(supply, plan, publish, facts, signer, chart_dir, address)
        env, out = await resolved.go_env(self), Reports()

        async def build_all() -> None:
            async def built() -> None:
                await (await self.build(version=version)).sync()

            await skip_library(built())

        async def scan_all() -> None:
            scans = (partial(out.scan, p, partial(self.scan, str(p), severity)) for p in platforms)
            await skip_library(gather(*scans))

        async def integration_tests() -> None:
            (await self._integration(request)).check()

        checks = {
            "fmt": self.fmt,
            "vet": partial(
                out.vet, self.vet, partial(source_checks.vet_json, env, await resolved.source(self), tuple(self.tags))
            ),
            "tidy": self.tidy,
            "lint": partial(out.lint, self.lint_report),
            "test": partial(out.test, self.test),
            "build": build_all,
            "scan": scan_all,
        }
        # Integration tests run after every check passed, and only when the source has some (go/integration_files).
        if await integration.has_tests(env, await resolved.source(self), tuple(self.tags), request.tag):
            release = [("integration", integration_tests), *release]
        results = await run_steps(checks, release)
        cache = await resolved.cache_dir(self, env)
        return await out.report(results, env.go_version, cache=cache, notes=[env.cache_note])

    @uncached
    async def cache_push(
        self,
        address: Annotated[
            str, Doc("OCI repository for the cache, e.g. ghcr.io/acme/hello-cache."), Checked(ArgKind.ADDRESS)
        ],
        username: Username = "",
        password: Password = None,
    ) -> list[str]:
        """Publish this engine's caches as one OCI artifact, tagged with its key and its Go version's line."""
        check_address(address)
        check_login(username, password)
        env = await resolved.go_env(self)
        manifest = await resolved.cache_manifest(self, env.project, env.go_version)
        image = cache_image_of(await resolved.cache_dir(self, env))
        if password is not None:
            image = image.with_registry_auth(address, username, password)
        return [await image.publish(f"{address}:{tag}") for tag in (manifest.key(), manifest.line())]

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
        probes = (liveness_path, readiness_path)
        env = await resolved.go_env(self)
        return await chart.check_chart(
            env, chart_dir, kube_version=kube_version, schemas=schemas, values=values, probes=probes
        )

    # --- supply chain: reachability, one SARIF, signatures, attestations, the chart ------------------------------

    @dagger.function
    async def vulncheck(self, platform: PlatformArg = "") -> VulnReport:
        """Run govulncheck on the source: the advisories its code calls, with the symbols and call paths."""
        target = await resolved.platform(platform)
        env, source, db = await resolved.go_env(self), await resolved.source(self), VulnDB(self.vuln_db)
        stream, openvex = await gather(
            partial(govulncheck, env, source, target, db, "json"),
            partial(govulncheck, env, source, target, db, "openvex"),
        )
        return report(stream, openvex)[0]

    @dagger.function
    async def sarif(self, platform: PlatformArg = "", severity: SeverityArg = Severity.HIGH) -> dagger.File:
        """Return one SARIF 2.1.0 log for code scanning: a run each for go vet, golangci-lint, govulncheck and Trivy."""
        target = await resolved.platform(platform)

        async def lint_sarif() -> str:
            return await (await self.lint_report()).sarif.contents()

        async def trivy_sarif() -> str:
            return await (await self.scan(platform=str(target), severity=severity)).sarif.contents()

        env, source, tags = await resolved.go_env(self), await resolved.source(self), tuple(self.tags)
        return await sarif.code_scanning_log(env, source, target, tags, VulnDB(self.vuln_db), lint_sarif, trivy_sarif)

    @uncached
    async def sign(
        self,
        image: ImageArg,
        key: KeyArg,
        key_password: KeyPasswordArg = None,
        username: Username = "",
        password: Password = None,
    ) -> list[str]:
        """Sign a published image with a cosign key: its index and each platform manifest; return what was signed."""
        supply = await resolved.supply(self, username, password)
        return await supply_chain.sign_image(supply, image, Signer(key, key_password))

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
        username: Username = "",
        password: Password = None,
    ) -> list[str]:
        """Attach a CycloneDX SBOM attestation per platform and SLSA provenance v1 to a published image."""
        facts = ReleaseFacts(version=version, commit=commit, source_uri=source_uri, builder_id=builder_id)
        supply = await resolved.supply(self, username, password)
        return await supply_chain.attest_image(supply, image, Signer(key, key_password), facts)

    @uncached
    async def verify(
        self,
        image: Annotated[
            str,
            Doc("Image to check: repository:tag@sha256:… (publish's output), @sha256:… or :tag."),
            Checked(ArgKind.IMAGE_REF),
        ],
        key: Annotated[dagger.File, Doc("cosign public key (cosign.pub).")],
        username: Username = "",
        password: Password = None,
    ) -> VerifyReport:
        """Verify a published image's signatures, SBOM attestations and provenance with a cosign public key."""
        supply = await resolved.supply(self, username, password)
        ref = supply_chain.parse_ref(image, "verify")
        return await verify(supply.tools(ref.repository), key, ref)

    @uncached
    async def publish_chart(
        self,
        chart_dir: Annotated[dagger.Directory, Doc("Helm chart folder (holds Chart.yaml; values take image.digest).")],
        address: Annotated[
            str,
            Doc("OCI repository for charts, e.g. ghcr.io/acme/charts (the chart's name is added)."),
            Checked(ArgKind.ADDRESS),
        ],
        image: PinnedImageArg,
        version: Annotated[
            str,
            Doc("Release, e.g. v1.2.3: the chart's version and appVersion (1.2.3)."),
            Checked(ArgKind.RELEASE_VERSION),
        ],
        key: KeyArg,
        key_password: KeyPasswordArg = None,
        username: Username = "",
        password: Password = None,
    ) -> str:
        """Package a Helm chart pinned to a published image digest, push it as an OCI artifact and sign it."""
        supply = await resolved.supply(self, username, password)
        signer = Signer(key, key_password)
        return await supply_chain.publish_chart(supply, chart_dir, address, image, version, signer)

    @dagger.function
    @up
    async def debug(self) -> dagger.Service:
        """Run the app under headless delve on :2345 (API v2, multi-client), the app on its port."""
        built = await resolved.built(self, await resolved.platform(""), "dev", debug=True)
        svc = run.debug_service(built.with_binaries(run.DEBUG_DIR), built.main_name, check_port(self.port))
        return await run.started(svc, [run.DLV_PORT, self.port], self.start_timeout)

    @dagger.function
    async def bench(
        self,
        package: BenchPackage = ".",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
    ) -> dagger.Directory:
        """Run benchmarks; return bench.txt with cpu.prof and mem.prof for go tool pprof."""
        env = await resolved.go_env(self)
        return bench_dir(env, await env.deps(await resolved.source(self)), package, pattern, benchtime).without_file(
            "bench.test"
        )

    @dagger.function
    @up
    async def pprof(
        self,
        profile: ProfileArg = ProfileKind.CPU,
        file: ProfileFile = None,
        binary: ProfiledBinary = None,
        sample_index: SampleIndex = "",
        ui_port: Annotated[int, Doc("Port of pprof's web UI."), Checked(ArgKind.PORT)] = pins.PPROF_PORT,
        package: BenchPackage = ".",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
    ) -> dagger.Service:
        """Serve pprof's web UI (flame graph, top, source) on a profile: dagger call pprof up --ports 8081:8081."""
        check_port(ui_port)
        given = ProfileInput(profile, file, binary, sample_index, package, pattern, benchtime)
        ready = await pprof.prepare(await resolved.go_env(self), await resolved.source(self), given)
        return await run.started(pprof.service(ready, ui_port), [ui_port], self.start_timeout, step=pprof.STEP)

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
        env = await resolved.go_env(self)
        given = ProfileInput(profile, file, binary, sample_index, package, pattern, benchtime)
        return await pprof.report(env, await pprof.prepare(env, await resolved.source(self), given), self.start_timeout)

    @dagger.function
    async def bench_compare(
        self,
        base: Annotated[
            dagger.Directory,
            Doc("The source to compare against, e.g. the main branch checked out into a folder."),
            Checked(ArgKind.SOURCE_DIR),
            Ignore(SOURCE_IGNORE),
        ],
        threshold: Annotated[
            float,
            Doc("Fail when a benchmark is significantly worse than base by more than this percent."),
            Checked(ArgKind.THRESHOLD),
        ] = 10.0,
        count: Annotated[
            int, Doc("Runs of every benchmark on each source (go test -count); at least 4."), Checked(ArgKind.COUNT)
        ] = 10,
        packages: Annotated[str, Doc("Package pattern to benchmark.")] = "./...",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
        alpha: Annotated[
            float,
            Doc("Significance level: a difference counts when benchstat's p is below it."),
            Checked(ArgKind.ALPHA),
        ] = 0.05,
    ) -> str:
        """Benchmark base and this source, compare them with benchstat; fail on a regression past the threshold."""
        check_compare_inputs(threshold, count, alpha)
        check_benchtime(benchtime, "bench-compare --benchtime")
        env = await resolved.go_env(self)
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
        return await compare(env, await env.deps(base), await env.deps(await resolved.source(self)), opts)


__all__ = ["LintReport", "Pipeline", "PipelineError", "TestReport", "VerifyReport", "VulnReport"]
