#!/usr/bin/env bash
# Build one pinned Go tool from its Go module on the host: `go-tool.sh NAME` (trivy, cosign, golangci-lint, helm,
# promtool), or `go-tool.sh --where NAME` to print where it goes. `go-tool.sh golangci-lint VERSION` builds another
# golangci-lint than the pinned one (the version a repository of `make realworld` pins in its own CI). Each tool is
# cached under $PIPELINE_CACHE/tools/<name>-<version>/<name> by its own recipe (module, flags, tags, environment):
# a changed recipe rebuilds that tool alone. The binary is installed into a temporary folder and moved into place, so an
# interrupted build never leaves a binary that looks finished.
source "$(dirname "$0")/lib.sh"

where=0
[ "${1:-}" = --where ] && { where=1; shift; }
name=${1:?usage: go-tool.sh [--where] NAME [VERSION]}
wanted=${2:-}

# recipe NAME: set MODULE (module/cmd/name@version), VERSION, LDFLAGS, TAGS and ENVS (extra environment).
recipe() {
  LDFLAGS="-s -w" TAGS="" ENVS=()
  case $1 in
    trivy)
      VERSION=$(pin TRIVY_VERSION) MODULE="github.com/aquasecurity/trivy/cmd/trivy@v$VERSION"
      LDFLAGS+=" -X github.com/aquasecurity/trivy/pkg/version/app.ver=$VERSION"
      ENVS=(GOEXPERIMENT=jsonv2) ;;  # trivy's go.mod asks for it
    cosign)
      VERSION=$(pin COSIGN_VERSION) MODULE="github.com/sigstore/cosign/v3/cmd/cosign@v$VERSION"
      # The stamp cosign's own release build sets (sigs.k8s.io/release-utils reads it for `cosign version`).
      LDFLAGS+=" -X sigs.k8s.io/release-utils/version.gitVersion=v$VERSION" ;;
    golangci-lint)
      VERSION=${wanted:-$(pin GOLANGCI_LINT_VERSION)}
      MODULE="github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$VERSION"
      # What its release build stamps: `golangci-lint version` prints it, and the lint report names it.
      LDFLAGS+=" -X main.version=$VERSION -X main.commit=v$VERSION -X main.date=1970-01-01T00:00:00Z" ;;
    helm)
      MODULE=$(pin HELM) VERSION=${MODULE##*@} ;;
    promtool)
      # remove_all_sd: Prometheus's own build tag that leaves the service-discovery plugins (cloud SDKs) out;
      # rule checks and rule unit tests do not use them.
      MODULE=$(pin PROMTOOL) VERSION=${MODULE##*@} TAGS=remove_all_sd ;;
    *) echo "go-tool.sh: unknown tool '$1' (trivy, cosign, golangci-lint, helm, promtool)" >&2; return 2 ;;
  esac
}
recipe "$name"
if [ -n "$wanted" ] && [ "$wanted" != "$VERSION" ]; then
  echo "go-tool.sh: $name builds at its pinned version only ($VERSION)" >&2; exit 2
fi
dir="$PIPELINE_CACHE/tools/$name-$VERSION"
if [ "$where" = 1 ]; then echo "$dir/$name"; exit 0; fi

key=$(printf '%s\n' "$MODULE" "$LDFLAGS" "$TAGS" "${ENVS[@]}" "$(go env GOVERSION)" | sha256sum | cut -c1-12)
if [ -x "$dir/$name" ] && [ "$(cat "$dir/.recipe" 2>/dev/null)" = "$key" ]; then
  log "$name $VERSION cached in $dir"; exit 0
fi
tmp="$dir.tmp"
rm -rf "$tmp" && mkdir -p "$tmp"
env GOBIN="$tmp" CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false "${ENVS[@]}" \
  go install -trimpath -tags "$TAGS" -ldflags "$LDFLAGS" "$MODULE"
echo "$key" >"$tmp/.recipe"
rm -rf "$dir" && mv "$tmp" "$dir"
log "$name $VERSION built into $dir"
