#!/usr/bin/env bash
# Build trivy from its Go module at the pinned version (the official image cannot be pulled here).
source "$(dirname "$0")/lib.sh"
TRIVY_VERSION=$(pin TRIVY_VERSION)
out="$PIPELINE_CACHE/bin/trivy-$TRIVY_VERSION"
if [ -x "$out/trivy" ]; then log "trivy $TRIVY_VERSION cached"; exit 0; fi
mkdir -p "$out"
GOBIN="$out" GOEXPERIMENT=jsonv2 CGO_ENABLED=0 go install -trimpath \
  -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=$TRIVY_VERSION" \
  "github.com/aquasecurity/trivy/cmd/trivy@v$TRIVY_VERSION"
"$out/trivy" --version >&2
