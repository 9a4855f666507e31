#!/usr/bin/env bash
# Start everything the pipeline needs on this host, from nothing, idempotently:
#   Dagger engine built from the Go module, its host dependencies, two local registries
#   (plain on :5000 for base images, basic-auth on :5001 for publish tests) and the base images.
# Every step is timed. Afterwards `scripts/engine-env` prints the variables clients need.
source "$(dirname "$0")/lib.sh"
T0=$(date +%s.%N)

step "build dagger $DAGGER_VERSION from the Go module" bash "$ROOT/scripts/build-engine.sh"

host_packages() {
  apt_install runc dnsmasq-base containernetworking-plugins iptables git ripgrep ca-certificates \
    docker-registry apache2-utils skopeo busybox-static tzdata curl
}
step "install Debian packages the engine and registries need" host_packages

host_links() {
  # Paths the engine expects, as the official engine image lays them out.
  ln -sf /usr/sbin/runc /usr/local/bin/runc
  ln -sf "$BIN/dagger-init" /usr/local/bin/dagger-init
  mkdir -p /opt/cni/bin /etc/dagger
  for p in bridge host-local firewall loopback portmap; do ln -sf "/usr/lib/cni/$p" "/opt/cni/bin/$p"; done
  ln -sf "$BIN/dnsname" /opt/cni/bin/dnsname
  # The engine points /usr/bin/iptables* at /usr/bin/xtables-*-multi; Debian keeps those in /usr/sbin.
  for x in xtables-legacy-multi xtables-nft-multi; do ln -sf "/usr/sbin/$x" "/usr/bin/$x"; done
  command -v dnsmasq >/dev/null || ln -sf /usr/sbin/dnsmasq /usr/local/bin/dnsmasq
}
step "link runc, dagger-init, CNI plugins, xtables" host_links

engine_answers() {
  # A real session: connect, print the session's params, close stdin.
  timeout 20 "$BIN/dagger" session < <(sleep 3) 2>>"$STATE/engine-probe.log" | grep -q session_token
}

start_engine() {
  export _EXPERIMENTAL_DAGGER_RUNNER_HOST="unix://$ENGINE_SOCK"
  if [ -f "$STATE/engine.pid" ] && kill -0 "$(cat "$STATE/engine.pid")" 2>/dev/null && engine_answers; then
    log "engine already running (pid $(cat "$STATE/engine.pid"))"; return 0
  fi
  [ -f "$STATE/engine.pid" ] && kill "$(cat "$STATE/engine.pid")" 2>/dev/null || true
  rm -f "$ENGINE_SOCK"
  ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  # The engine bind-mounts over /etc/resolv.conf: give it a private mount namespace.
  setsid nohup unshare --mount --propagation private -- "$BIN/dagger-engine" \
    --root "$PIPELINE_CACHE/engine-root" --addr "unix://$ENGINE_SOCK" \
    >"$STATE/engine.log" 2>&1 </dev/null &
  echo $! >"$STATE/engine.pid"
  for _ in $(seq 1 120); do
    if [ -S "$ENGINE_SOCK" ] && engine_answers; then return 0; fi
    kill -0 "$(cat "$STATE/engine.pid")" 2>/dev/null || { tail -30 "$STATE/engine.log" >&2; log "engine exited"; return 1; }
    sleep 1
  done
  tail -30 "$STATE/engine.log" >&2; log "engine did not answer within 120s"; return 1
}
step "start the engine" start_engine

step "start local registries" bash "$ROOT/scripts/registry.sh" up
step "publish base images to $REGISTRY" bash "$ROOT/scripts/base-images.sh"
step "write the offline Trivy DB" bash "$ROOT/scripts/trivy-db.sh" >/dev/null

log "all up in $(python3 -c "print(f'{$(date +%s.%N) - $T0:.1f}')")s; clients: eval \"\$(scripts/engine-env)\""
