#!/usr/bin/env bash
# Install and start what `make bench-peers` compares the pipeline with, offline and idempotently:
#   - ko, built from its Go module (`go install`, pinned in pipeline/pins.py) into $PIPELINE_CACHE/bin;
#   - Debian's docker.io (dockerd 20.10, BuildKit built in), started on a private socket, data-root and
#     exec-root under $PIPELINE_CACHE: unix socket only, no bridge and no iptables rules (builds use the
#     host's network), so it touches nothing the engine or another dockerd uses;
#   - the local Go builder image, copied from the local registry into that dockerd (no pull).
# `scripts/peers-up.sh down` stops that dockerd. Prints the variables bench/peers.py reads.
source "$(dirname "$0")/lib.sh"
KO_PIN=$(pin KO)
KO_BIN="$PIPELINE_CACHE/bin/ko-${KO_PIN##*@}"
DOCKER_DIR="$PIPELINE_CACHE/peers/docker"
DOCKER_SOCK="$STATE/peers-docker.sock"
DOCKER=/usr/bin/docker # Debian's CLI (20.10), whatever else is first on PATH
GO_IMAGE="$REGISTRY/go-builder:$(pin GO_VERSION)"
PEER_GO_IMAGE="peers/go-builder:$(pin GO_VERSION)"
export DOCKER_HOST="unix://$DOCKER_SOCK"

dockerd_answers() { timeout 10 "$DOCKER" version >/dev/null 2>&1; }

down() {
  if [ -f "$STATE/peers-dockerd.pid" ]; then
    pid=$(cat "$STATE/peers-dockerd.pid")
    kill "$pid" 2>/dev/null && for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    rm -f "$STATE/peers-dockerd.pid"
    log "peers' dockerd stopped"
  fi
}

install_ko() {
  [ -x "$KO_BIN/ko" ] && return 0
  mkdir -p "$KO_BIN"
  GOBIN="$KO_BIN" CGO_ENABLED=0 go install "$KO_PIN"
}

start_dockerd() {
  if [ -f "$STATE/peers-dockerd.pid" ] && kill -0 "$(cat "$STATE/peers-dockerd.pid")" 2>/dev/null && dockerd_answers; then
    return 0
  fi
  mkdir -p "$DOCKER_DIR/data" "$DOCKER_DIR/exec"
  echo '{}' >"$DOCKER_DIR/daemon.json" # not /etc/docker/daemon.json
  setsid nohup dockerd --config-file "$DOCKER_DIR/daemon.json" --data-root "$DOCKER_DIR/data" \
    --exec-root "$DOCKER_DIR/exec" --pidfile "$DOCKER_DIR/dockerd.pid" -H "unix://$DOCKER_SOCK" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    >"$STATE/peers-dockerd.log" 2>&1 </dev/null &
  echo $! >"$STATE/peers-dockerd.pid"
  for _ in $(seq 1 60); do dockerd_answers && return 0; sleep 1; done
  tail -30 "$STATE/peers-dockerd.log" >&2; return 1
}

load_builder() {
  # Same image as the pipeline's builder: its config digest is docker's image ID.
  local want; want=$(skopeo inspect --tls-verify=false --raw "docker://$GO_IMAGE" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
  [ "$("$DOCKER" image inspect -f '{{.Id}}' "$PEER_GO_IMAGE" 2>/dev/null)" = "$want" ] && return 0
  local tar; tar=$(mktemp --suffix=.tar); rm -f "$tar"
  skopeo copy -q --src-tls-verify=false "docker://$GO_IMAGE" "docker-archive:$tar:$PEER_GO_IMAGE"
  "$DOCKER" load -q -i "$tar" >/dev/null
  rm -f "$tar"
}

case "${1:-up}" in
  down) down; exit 0 ;;
  up)
    step "build ko ($KO_PIN)" install_ko
    step "install Debian's $(pin DOCKER_PACKAGE)" apt_install "$(pin DOCKER_PACKAGE)"
    step "start a private dockerd on $DOCKER_SOCK" start_dockerd
    step "load $GO_IMAGE into it as $PEER_GO_IMAGE" load_builder
    cat <<ENV
export PEERS_DOCKER_HOST='$DOCKER_HOST'
export PEERS_DOCKER='$DOCKER'
export PEERS_GO_IMAGE='$PEER_GO_IMAGE'
export PEERS_KO='$KO_BIN/ko'
ENV
    ;;
esac
