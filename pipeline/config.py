"""The Pipeline's constructor configuration: what a user sets once for every function."""

import dataclasses
from typing import Annotated

import dagger
from dagger import Doc

from pipeline import pins
from pipeline.args import Source
from pipeline.core.validate import ArgKind, Checked


@dataclasses.dataclass(kw_only=True)
class Config:
    """The Pipeline's options (its constructor arguments), shared by every function."""

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
        str,
        Doc("OCI repository of caches cache-push wrote (e.g. ghcr.io/acme/hello-cache): new volumes start there."),
        Checked(ArgKind.ADDRESS),
    ] = ""
    cache_username: Annotated[str, Doc("Registry user for --cache-image.")] = ""
    cache_password: Annotated[dagger.Secret | None, Doc("Registry password or token for --cache-image.")] = None
    golangci_lint_image: Annotated[
        str,
        Doc("golangci-lint image address (its binary is copied into the builder); default: the official one."),
    ] = ""
