#!/usr/bin/env bash
# Set up, from nothing and idempotently, what one of README's two commands needs:
#   setup.sh ci    `make ci` (the pipeline on app/): the engine, two local registries, the Go builder, Trivy and
#                  golangci-lint images, the offline Trivy DB, the Python venv;
#   setup.sh test  `make test`: all of ci's, plus what only the tests use — the module-mode Python SDK,
#                  kube-apiserver, etcd, helm, promtool, cosign, Chromium, the Debian-based images.
# Go builds run two at a time (the machines have two cores) beside the downloads; each is cached by its own recipe
# under $PIPELINE_CACHE. Every step is timed into $SETUP_LOGS/times-<profile>.tsv (scripts/fresh-machine.sh prints
# them). A step that fails is named with the end of its log, and the builds still running are stopped.
source "$(dirname "$0")/lib.sh"
profile=${1:-ci}
case $profile in ci | test) ;; *) echo "usage: setup.sh ci|test" >&2; exit 2 ;; esac
export STEP_TIMES="$SETUP_LOGS/times-$profile.tsv"
: >"$STEP_TIMES"
T0=$(date +%s.%N)

# What the registries and image assembly need (the engine's own packages: engine-up.sh).
HOST_PACKAGES=(runc dnsmasq-base containernetworking-plugins iptables git ripgrep ca-certificates
  docker-registry apache2-utils skopeo busybox-static tzdata curl openssl)
[ "$profile" = test ] && HOST_PACKAGES+=(mmdebstrap)

# The two lanes end together on a fresh machine (measured: the engine 550 s beside Trivy; Trivy then golangci-lint
# took 708 s): golangci-lint follows the engine, the Trivy DB writer follows Trivy.
ci_tools() {
  bash "$ROOT/scripts/go-tool.sh" trivy
  bash "$ROOT/scripts/trivy-db.sh" >/dev/null
}
kube_rest() {
  bash "$ROOT/scripts/build-kube.sh" etcd >/dev/null
  bash "$ROOT/scripts/go-tool.sh" helm
  bash "$ROOT/scripts/go-tool.sh" promtool
}

# Lane 1 builds dagger then golangci-lint, lane 2 Trivy and the DB; apt and the venv download meanwhile. The engine
# starts as soon as lane 1 has built it.
job "build dagger engine and CLI" bash "$ROOT/scripts/build-engine.sh"
job "build trivy, the Trivy DB" ci_tools
step "install Debian packages" apt_install "${HOST_PACKAGES[@]}"
[ "$profile" = test ] && step "install Chromium (browser tests)" bash "$ROOT/scripts/chromium.sh" >/dev/null
step "Python venv" bash "$ROOT/scripts/venv.sh"
await "build dagger engine and CLI"
job "build golangci-lint" bash "$ROOT/scripts/go-tool.sh" golangci-lint
step "start the engine" bash "$ROOT/scripts/engine-up.sh"
step "start local registries" bash "$ROOT/scripts/registry.sh" up
await "build golangci-lint"
await "build trivy, the Trivy DB"
[ "$profile" = test ] && job "build cosign" bash "$ROOT/scripts/go-tool.sh" cosign
step "publish the images ci uses" bash "$ROOT/scripts/base-images.sh" ci

if [ "$profile" = test ]; then
  job "build kube-apiserver" bash "$ROOT/scripts/build-kube.sh" apiserver
  await "build cosign"
  job "build etcd, helm, promtool" kube_rest
  step "publish the images the tests use" bash "$ROOT/scripts/base-images.sh" test
  step "make the builtin Python SDK (module mode)" bash "$ROOT/scripts/build-sdk.sh"
  # A first run made a new SDK digest: the engine reads it at start (restarted only when they changed).
  step "restart the engine with the SDKs if they changed" bash "$ROOT/scripts/engine-up.sh"
  await "build etcd, helm, promtool"
  await "build kube-apiserver"
fi

took=$(secs_since "$T0")
record "all ($profile)" "$took"
log "$profile set-up done in ${took}s; clients: eval \"\$(scripts/engine-env)\""
