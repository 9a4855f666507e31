"""Every pinned version and image reference of the project, in one place.

Pure data: imported by the module, by the tests and (through ``scripts/pin``) by
the shell harness, so it must import nothing from dagger.
"""

from typing import Final

#: Dagger engine, CLI and the dagger-io SDK (pyproject pins the same version).
DAGGER_VERSION: Final = "v0.21.8"

#: Fallback Go version when go.mod names none.
GO_VERSION: Final = "1.26.8"
#: Builder image template; ``{version}`` is the effective Go version.
GO_IMAGE: Final = "golang:{version}-bookworm"

#: Trivy (scanner) version and its official image.
TRIVY_VERSION: Final = "0.74.0"
TRIVY_IMAGE: Final = f"aquasec/trivy:{TRIVY_VERSION}"

#: Go tools installed in the builder at run time (module@version).
GOTESTSUM: Final = "gotest.tools/gotestsum@v1.13.0"
DELVE: Final = "github.com/go-delve/delve/cmd/dlv@v1.27.2"
HELM: Final = "helm.sh/helm/v3/cmd/helm@v3.22.0"
ACTIONLINT: Final = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
KUBECONFORM: Final = "github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0"

#: Local registry used by the project's own CI.
LOCAL_REGISTRY: Final = "127.0.0.1:5000"
#: Local registry with basic auth, for publish tests.
AUTH_REGISTRY: Final = "127.0.0.1:5001"
