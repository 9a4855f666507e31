#!/usr/bin/env bash
# Build the Kubernetes control plane the chart's host tests run (tests/k8s), from Go modules at the pinned versions:
# kube-apiserver from k8s.io/kubernetes, etcd from go.etcd.io/etcd/server/v3 (helm and promtool: go-tool.sh).
# `build-kube.sh apiserver`, `build-kube.sh etcd` (each alone, so two can build at once), no argument for both,
# `--where` for their folder. Idempotent: cached under $PIPELINE_CACHE/bin/kube-<version>-etcd-<version>-r<RECIPE>.
#
# Neither module can be `go install`ed: both go.mod files replace sibling modules with local paths that a module
# zip does not carry (k8s.io/kubernetes: ./staging/src/k8s.io/<name>; etcd's server: ../api, ../pkg, ../client/…).
# As build-engine.sh does for dagger: download the module zip, copy it, drop those replaces, require the published
# modules instead (k8s.io/<name> v0.<minor>.<patch> for Kubernetes 1.<minor>.<patch>; etcd's at its own version),
# then build with -mod=mod.
source "$(dirname "$0")/lib.sh"
KUBE_VERSION=$(pin KUBERNETES_VERSION)
ETCD_VERSION=$(pin ETCD_VERSION)
# Bump when the way the binaries are made changes (flags, edits to the modules): the cache is keyed on it.
RECIPE=1
KEY=r$RECIPE
OUT="$PIPELINE_CACHE/bin/kube-$KUBE_VERSION-etcd-$ETCD_VERSION-$KEY"
# --where: print the binaries' folder and stop (the test harness finds them this way).
if [ "${1:-}" = --where ]; then echo "$OUT"; exit 0; fi
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0
export GOFLAGS="-mod=mod -buildvcs=false"

# copy_module MODULE@VERSION DEST: a writable copy of the module zip's tree.
copy_module() {
  local dir
  dir=$(go mod download -json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$2.tmp" && cp -r "$dir" "$2.tmp" && chmod -R u+w "$2.tmp"
}

# unreplace DIR VERSION: drop every local-path replace in DIR/go.mod and require that module at VERSION instead.
unreplace() {
  local mod
  (cd "$1" && go mod edit -json | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    if r["New"]["Path"].startswith("."):
        print(r["Old"]["Path"])
') | while read -r mod; do
    # Required modules get the published version; replaced-but-unrequired ones (samples) are only dropped.
    if (cd "$1" && go mod edit -json | python3 -c 'import json,sys; sys.exit(0 if any(r["Path"] == sys.argv[1] for r in json.load(sys.stdin)["Require"]) else 1)' "$mod"); then
      (cd "$1" && go mod edit -dropreplace="$mod" -require="$mod@$2")
    else
      (cd "$1" && go mod edit -dropreplace="$mod")
    fi
  done
}

kube_apiserver() {
  local src="$PIPELINE_CACHE/src/kubernetes-$KUBE_VERSION-$KEY" minor patch
  minor=$(echo "$KUBE_VERSION" | cut -d. -f2); patch=$(echo "$KUBE_VERSION" | cut -d. -f3)
  if [ ! -f "$src/go.mod" ]; then
    copy_module "k8s.io/kubernetes@v$KUBE_VERSION" "$src"
    rm -f "$src.tmp/go.work" "$src.tmp/go.work.sum"  # it names the staging folders the zip does not carry
    unreplace "$src.tmp" "v0.$minor.$patch"
    rm -rf "$src" && mv "$src.tmp" "$src"
  fi
  # The version stamp is what /version serves: helm checks a chart's kubeVersion against it.
  local pkg=k8s.io/component-base/version
  (cd "$src" && go build -trimpath -o "$OUT/kube-apiserver.tmp" -ldflags "-s -w \
    -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor \
    -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z" ./cmd/kube-apiserver)
  mv "$OUT/kube-apiserver.tmp" "$OUT/kube-apiserver"  # whole or absent: an interrupted build is not "cached"
}

etcd() {
  local src="$PIPELINE_CACHE/src/etcd-server-$ETCD_VERSION-$KEY"
  if [ ! -f "$src/go.mod" ]; then
    copy_module "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" "$src"
    unreplace "$src.tmp" "v$ETCD_VERSION"
    rm -rf "$src" && mv "$src.tmp" "$src"
  fi
  (cd "$src" && go build -trimpath -o "$OUT/etcd.tmp" -ldflags "-s -w" .)
  mv "$OUT/etcd.tmp" "$OUT/etcd"
}

mkdir -p "$OUT"
want=${1:-all}
if [ "$want" = all ] || [ "$want" = etcd ]; then
  if [ -x "$OUT/etcd" ]; then log "etcd $ETCD_VERSION cached in $OUT"; else step "build etcd $ETCD_VERSION" etcd; fi
  # sed, not head: head exits after one line and etcd, still writing, dies of SIGPIPE (pipefail fails the build).
  "$OUT/etcd" --version | sed -n 1p >&2
fi
if [ "$want" = all ] || [ "$want" = apiserver ]; then
  if [ -x "$OUT/kube-apiserver" ]; then
    log "kube-apiserver $KUBE_VERSION cached in $OUT"
  else
    step "build kube-apiserver $KUBE_VERSION" kube_apiserver
  fi
  "$OUT/kube-apiserver" --version >&2
fi
echo "$OUT"
