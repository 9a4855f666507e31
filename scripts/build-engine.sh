#!/usr/bin/env bash
# Build the Dagger CLI, engine, dagger-init, dnsname and the Go SDK's codegen from the Go module at the pinned
# tag. Idempotent: binaries are cached under $PIPELINE_CACHE/bin/dagger-<version>-<key of the patch scripts>.
source "$(dirname "$0")/lib.sh"

want=(dagger dagger-engine dagger-init dnsname codegen)
have=1; for b in "${want[@]}"; do [ -x "$BIN/$b" ] || have=0; done
if [ $have = 1 ]; then log "dagger $DAGGER_VERSION binaries cached in $BIN"; exit 0; fi
mkdir -p "$BIN"

fetch_source() {
  local dir
  dir=$(go mod download -json "github.com/dagger/dagger@$DAGGER_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$SRC.tmp" && cp -r "$dir" "$SRC.tmp" && chmod -R u+w "$SRC.tmp"
  # Modules the proxy does not serve are cut out; see the docstrings of both patch scripts.
  python3 "$ROOT/scripts/patch-dagger.py" "$SRC.tmp"
  (cd "$SRC.tmp" && go get "dagger.io/dagger@$DAGGER_VERSION")
  python3 "$ROOT/scripts/patch-dagger-cli.py" "$SRC.tmp" "$dir"
  rm -rf "$SRC" && mv "$SRC.tmp" "$SRC"
}

build() {
  local out=$1 pkg=$2 tags=${3:-}
  (cd "$SRC" && CGO_ENABLED=0 go build -mod=mod -trimpath -tags "$tags" \
    -ldflags "-s -w -X github.com/dagger/dagger/engine.Version=$DAGGER_VERSION -X github.com/dagger/dagger/engine.Tag=$DAGGER_VERSION" \
    -o "$BIN/$out" "$pkg")
}

[ -f "$SRC/go.mod" ] || step "fetch dagger $DAGGER_VERSION source from the Go module proxy" fetch_source
step "build dagger-engine" build dagger-engine ./cmd/engine dfexcludepatterns,dfparents
step "build dagger CLI" build dagger ./cmd/dagger
step "build codegen (Go SDK)" build codegen ./cmd/codegen
step "build dagger-init" build dagger-init ./cmd/init
step "build dnsname" build dnsname ./cmd/dnsname
ls -la "$BIN" >&2
