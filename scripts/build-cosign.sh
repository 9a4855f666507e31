#!/usr/bin/env bash
# Build cosign from its Go module at the pinned version (the official image cannot be pulled here).
source "$(dirname "$0")/lib.sh"
COSIGN_VERSION=$(pin COSIGN_VERSION)
out="$PIPELINE_CACHE/bin/cosign-$COSIGN_VERSION"
if [ -x "$out/cosign" ]; then log "cosign $COSIGN_VERSION cached"; exit 0; fi
mkdir -p "$out"
# The version stamp cosign's own release build sets (sigs.k8s.io/release-utils reads it for `cosign version`).
GOBIN="$out" CGO_ENABLED=0 go install -trimpath \
  -ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=v$COSIGN_VERSION" \
  "github.com/sigstore/cosign/v3/cmd/cosign@v$COSIGN_VERSION"
"$out/cosign" version >&2
