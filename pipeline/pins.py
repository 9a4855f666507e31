"""Every version and image reference the module pins, in one place (the harness's own: scripts/harness_pins.py).

Pure data: imported by the module, by the tests and (through ``scripts/pin``) by the shell harness, so it must
import nothing from dagger.
"""

from typing import Final

#: Dagger engine, CLI and the dagger-io SDK (pyproject pins the same version).
DAGGER_VERSION: Final = "v0.21.8"

#: Builder image template; ``{version}`` is the effective Go version (from the user's go.mod).
GO_IMAGE: Final = "golang:{version}-bookworm"
#: Digests of the builder images this release has pinned, by Go version: those versions are pulled by digest
#: (tag@sha256), others by tag. `scripts/bump-pins` refreshes every digest here from the registries.
GO_IMAGE_DIGESTS: Final = {
    "1.26.8": "sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d",
}
#: The Go version for a go.mod without a go line (Go reads one as `go 1.16`, an ancient builder): the newest pinned.
DEFAULT_GO_VERSION: Final = max(GO_IMAGE_DIGESTS, key=lambda v: tuple(int(n) for n in v.split(".")))

#: Trivy (scanner) version and its official image, by digest.
TRIVY_VERSION: Final = "0.74.0"
TRIVY_IMAGE: Final = (
    f"aquasec/trivy:{TRIVY_VERSION}@sha256:62b1e65e8869bc4b4c6aa4fa2b21595256c7c2f6018a9d9ad61caf87187c1969"
)

#: cosign (signatures and attestations) and its official image; the module copies the binary out of it
#: (COSIGN_BINARY, where the official image keeps it) into the Go builder, which has `timeout`.
COSIGN_VERSION: Final = "3.1.3"
COSIGN_IMAGE: Final = f"ghcr.io/sigstore/cosign/cosign:v{COSIGN_VERSION}"
COSIGN_BINARY: Final = "/ko-app/cosign"

#: The unprivileged user (and group) the runtime image runs as and tests run as; the Helm chart's runAsUser.
RUNTIME_UID: Final = 65532

#: Defaults of the module's bounds and of the app contract.
STEP_TIMEOUT: Final = 1800  # seconds: no command the pipeline starts runs longer
START_TIMEOUT: Final = 60  # seconds: serve and debug wait this long for the app's port
TEST_TIMEOUT: Final = "10m"  # go test -timeout: go's own default, named so a hang is reported as one
INTEGRATION_TIMEOUT: Final = "300s"  # go test -timeout of the integration tier
INTEGRATION_TAG: Final = "integration"  # the build tag integration tests carry (//go:build integration)
APP_PORT: Final = 8080

#: Kubernetes version charts are checked and rendered for (chart-check's default, publish-chart's render).
KUBE_VERSION: Final = "1.35.0"

#: Go tools installed in the builder at run time (module@version).
GOTESTSUM: Final = "gotest.tools/gotestsum@v1.13.0"
DELVE: Final = "github.com/go-delve/delve/cmd/dlv@v1.27.2"
HELM: Final = "helm.sh/helm/v3/cmd/helm@v3.22.0"
KUBECONFORM: Final = "github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0"
#: golang.org/x/perf has no release tags: the proxy serves pseudo-versions only (`go list -m golang.org/x/perf@latest`).
BENCHSTAT: Final = "golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"

#: pprof's web UI (`pprof`), and the Debian package that gives it the graph view (`dot`).
PPROF_PORT: Final = 8081
GRAPHVIZ_PACKAGE: Final = "graphviz"

GOVULNCHECK: Final = "golang.org/x/vuln/cmd/govulncheck@v1.9.0"
CRANE: Final = "github.com/google/go-containerregistry/cmd/crane@v0.22.1"

#: golangci-lint: the version used when go.mod declares none (a `tool` directive) and the option gives none; its
#: official image, whose binary (GOLANGCI_LINT_BINARY) is copied into the Go builder: nothing is compiled.
GOLANGCI_LINT_VERSION: Final = "2.15.0"
GOLANGCI_LINT_IMAGE: Final = "golangci/golangci-lint:v{version}"
GOLANGCI_LINT_BINARY: Final = "/usr/bin/golangci-lint"
#: Digests of the golangci-lint images this release has pinned, by version (tag@sha256 when known, else by tag):
#: `scripts/bump-pins.py` fills them from Docker Hub on a machine that reaches it (this project's machines do not).
GOLANGCI_LINT_DIGESTS: Final[dict[str, str]] = {}
#: golangci-lint's module, for a go.mod `tool` directive naming it (v2, and v1 before it).
GOLANGCI_LINT_MODULES: Final = (
    "github.com/golangci/golangci-lint/v2/cmd/golangci-lint",
    "github.com/golangci/golangci-lint/cmd/golangci-lint",
)
#: Cobertura XML from a Go coverage profile (GitLab's coverage visualisation reads Cobertura).
GOCOVER_COBERTURA: Final = "github.com/boumenot/gocover-cobertura@v1.5.0"
