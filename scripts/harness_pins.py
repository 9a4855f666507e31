"""Every version, address and folder this project's own harness pins: CI, tests, benchmarks (not the module).

The module users install reads its pins from pipeline/pins.py; what only this repository's machines need lives
here. Pure data, read by Python (`from scripts import harness_pins`) and by the shell (`scripts/pin NAME`).
"""

from typing import Final

#: Where the harness keeps everything it builds or downloads (binaries, sources, engine state, registries,
#: images); $PIPELINE_CACHE overrides it.
CACHE_DIR: Final = "/var/cache/go-pipeline"

#: The Go version this project's own app and harness use.
GO_VERSION: Final = "1.26.8"

ACTIONLINT: Final = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"

#: The real Kubernetes API server the chart is installed into by this project's tests (scripts/build-kube.sh builds
#: kube-apiserver from k8s.io/kubernetes, whose staging modules are served as k8s.io/<name> v0.<minor>.<patch>,
#: and etcd from its server module).
KUBERNETES_VERSION: Final = "1.37.2"

ETCD_VERSION: Final = "3.7.3"

#: promtool checks and unit-tests the chart's SLO rules (Prometheus 3.16's Go module is v0.316.0).
PROMTOOL: Final = "github.com/prometheus/prometheus/cmd/promtool@v0.316.0"

#: Local registry used by the project's own CI.
LOCAL_REGISTRY: Final = "127.0.0.1:5000"

#: Local registry with basic auth, for publish tests.
AUTH_REGISTRY: Final = "127.0.0.1:5001"

#: Module mode on this project's offline machines (scripts/build-sdk.sh): uv bundled into the Python SDK
#: (the version Dagger's own SDK image bundles), shiv for its codegen zipapp, and the tag of the
#: Debian-built Python base image in the local registry.
UV_VERSION: Final = "0.10.3"

SHIV_VERSION: Final = "1.0.8"

GRAPHQL_CORE_VERSION: Final = "3.2.7"

PYTHON_BASE_TAG: Final = "3.11-bookworm"

#: Debian's redis-server (bookworm: 7.0) in the local registry: the integration fixture's second service.
REDIS_IMAGE_TAG: Final = "7.0-bookworm"

DEBIAN_SUITE: Final = "bookworm"

#: Peers `make bench-peers` compares the pipeline with (bench/peers.py, scripts/peers-up.sh): ko, built from its
#: Go module on the host, and the Debian package whose dockerd carries BuildKit (bookworm has 20.10).
KO: Final = "github.com/google/ko@v0.19.1"

DOCKER_PACKAGE: Final = "docker.io"

#: Real open-source Go repositories the pipeline is tried on, fetched from the Go module proxy (module zips: the
#: repository at that tag, nested modules and vendor/ left out; executable bits too, hence `bash ./ttar`). Each:
#: "ref" module@version; "kind" service or library; "before", what its own Makefile or CI runs before `go test`
#: (--before); "before_image" "debian" for the Debian-based Go builder (bash, as golang:<v>-bookworm has);
#: "golangci_lint", the version its CI pins where 2.15.0 gives another verdict (built and mirrored first); "left_out",
#: why `make realworld` leaves it out unless REALWORLD_ONLY names it (a cause outside the pipeline). The first runs
#: in the module tier of `make test`; `make realworld` runs `ci` on every other one and compares its tests' pass/fail
#: set with native `go test -json` run the same way (tests/native.py).
REAL_SERVICES: Final[tuple[dict[str, object], ...]] = (
    {"ref": "github.com/mccutchen/go-httpbin/v2@v2.26.0", "kind": "service"},
    {
        "ref": "github.com/prometheus/node_exporter@v1.12.1",
        "kind": "service",
        "before": (
            "bash ./ttar -C collector/fixtures -x -f collector/fixtures/sys.ttar",
            "bash ./ttar -C collector/fixtures -x -f collector/fixtures/udev.ttar",
        ),
        "before_image": "debian",
    },
    {
        "ref": "github.com/prometheus/alertmanager@v0.35.0",
        "kind": "service",
        "left_out": "its Go code embeds ui/app/dist, which its CI builds first with the Elm compiler; Elm fetches its "
        "packages from package.elm-lang.org, which this offline machine cannot reach",
    },
    {"ref": "github.com/caddyserver/caddy/v2@v2.11.9", "kind": "service"},
    {"ref": "miniflux.app/v2@v2.3.5", "kind": "service"},
    {"ref": "github.com/coredns/coredns@v1.15.0", "kind": "service"},
    {"ref": "github.com/prometheus/pushgateway@v1.11.5", "kind": "service"},
    {"ref": "github.com/prometheus/statsd_exporter@v0.31.0", "kind": "service", "golangci_lint": "2.12.2"},
    {
        "ref": "github.com/nats-io/nats-server/v2@v2.15.3",
        "kind": "service",
        "left_out": "its CI splits go test into sixteen jobs by build tag (scripts/runTestsOnTravis.sh, up to 30 "
        "minutes each on large runners): hours on two cores",
    },
    {"ref": "github.com/fsouza/fake-gcs-server@v1.56.1", "kind": "service"},
    {"ref": "github.com/aws/amazon-ec2-metadata-mock@v1.13.0", "kind": "service"},
    {"ref": "github.com/rakyll/hey@v0.1.5", "kind": "service"},
    {"ref": "github.com/google/uuid@v1.6.0", "kind": "library"},
    {"ref": "github.com/go-chi/chi/v5@v5.5.0", "kind": "library"},
    {"ref": "github.com/sirupsen/logrus@v1.10.2", "kind": "library"},
    {"ref": "github.com/caarlos0/env/v11@v11.4.2", "kind": "library"},
)
