#!/usr/bin/env bash
# Build the Dagger CLI, engine, dagger-init and dnsname from the Go module at the pinned tag.
# Idempotent: binaries are cached under $PIPELINE_CACHE/bin/dagger-<version>-<key of the patch scripts>.
source "$(dirname "$0")/lib.sh"

want=(dagger-engine dagger dagger-init dnsname)
have=1; for b in "${want[@]}"; do [ -x "$BIN/$b" ] || have=0; done
if [ $have = 1 ]; then log "dagger $DAGGER_VERSION ${want[*]} cached in $BIN"; exit 0; fi
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
  (cd "$SRC" && CGO_ENABLED=0 go build -mod=mod -trimpath -tags "$tags" -ldflags "$DAGGER_LDFLAGS" -o "$BIN/$out" "$pkg")
}

# Two set-ups may run at once: the source is fetched under a lock.
exec 9>"$PIPELINE_CACHE/src/.dagger-$DAGGER_VERSION-$DAGGER_KEY.lock"
flock 9
[ -f "$SRC/go.mod" ] || step "fetch dagger $DAGGER_VERSION source from the Go module proxy" fetch_source
flock -u 9
declare -A PKG=([dagger-engine]=./cmd/engine [dagger]=./cmd/dagger [dagger-init]=./cmd/init
  [dnsname]=./cmd/dnsname)
for b in "${want[@]}"; do
  [ -x "$BIN/$b" ] && continue
  tags=""; [ "$b" = dagger-engine ] && tags=$ENGINE_TAGS
  step "build $b" build "$b" "${PKG[$b]}" "$tags"
done
