#!/usr/bin/env bash
# Start everything the pipeline needs on this host, from nothing, idempotently:
#   Dagger engine built from the Go module, its host dependencies, two local registries
#   (plain on :5000 for base images, basic-auth on :5001 for publish tests) and the base images.
# Every step is timed. Afterwards `scripts/engine-env` prints the variables clients need.
source "$(dirname "$0")/lib.sh"
T0=$(date +%s.%N)

# Trivy builds while dagger does: two Go builds overlap their serial phases (linking) on two cores.
bash "$ROOT/scripts/build-trivy.sh" >"$STATE/build-trivy.log" 2>&1 &
trivy_build=$!
bash "$ROOT/scripts/build-cosign.sh" >"$STATE/build-cosign.log" 2>&1 &
cosign_build=$!
bash "$ROOT/scripts/build-kube.sh" >"$STATE/build-kube.log" 2>&1 &
kube_build=$!
step "build dagger $DAGGER_VERSION from the Go module" bash "$ROOT/scripts/build-engine.sh"

host_packages() {
  apt_install runc dnsmasq-base containernetworking-plugins iptables git ripgrep ca-certificates \
    docker-registry apache2-utils skopeo busybox-static tzdata curl openssl
}
step "install Debian packages the engine and registries need" host_packages
step "install Chromium for the browser tests" bash "$ROOT/scripts/chromium.sh" >/dev/null

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
  # Module mode: the builtin SDK images, where the engine's build says they are.
  mkdir -p "$SDK_CONTENT" "$(dirname "$ENGINE_CONTENT_DIR")"
  ln -sfn "$SDK_CONTENT" "$ENGINE_CONTENT_DIR"
}
step "link runc, dagger-init, CNI plugins, xtables" host_links

engine_answers() {
  # A real session: connect, print the session's params, close stdin.
  timeout 20 "$BIN/dagger" session < <(sleep 3) 2>>"$STATE/engine-probe.log" | grep -q session_token
}

# The engine this script would start: binary and SDK digests. A running engine that differs is restarted.
engine_identity() { echo "$BIN/dagger-engine"; cat "$STATE/sdk.env" "$ROOT/scripts/engine.toml" 2>/dev/null || true; }

start_engine() {
  export _EXPERIMENTAL_DAGGER_RUNNER_HOST="unix://$ENGINE_SOCK"
  if [ -f "$STATE/engine.pid" ] && kill -0 "$(cat "$STATE/engine.pid")" 2>/dev/null \
    && [ "$(cat "$STATE/engine.identity" 2>/dev/null)" = "$(engine_identity)" ] && engine_answers; then
    log "engine already running (pid $(cat "$STATE/engine.pid"))"; return 0
  fi
  bash "$ROOT/scripts/engine-down.sh" --engine-only
  ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  engine_identity >"$STATE/engine.identity"
  # The engine bind-mounts over /etc/resolv.conf: give it a private mount namespace. The SDK digests
  # (module mode) come from build-sdk.sh, once it has run.
  local sdk_env=()
  [ -f "$STATE/sdk.env" ] && mapfile -t sdk_env <"$STATE/sdk.env"
  setsid nohup env "${sdk_env[@]}" unshare --mount --propagation private -- "$BIN/dagger-engine" \
    --root "$PIPELINE_CACHE/engine-root" --addr "unix://$ENGINE_SOCK" --config "$ROOT/scripts/engine.toml" \
    >"$STATE/engine.log" 2>&1 </dev/null &
  echo $! >"$STATE/engine.pid"
  # An engine killed without a clean shutdown (a host stopped with it running) deletes its whole cache at the next
  # start before it answers: up to 40 GB of snapshots, minutes on a slow disk. That start gets a longer bound.
  # Wall-clock seconds since the start (a probe that hangs counts too), not loop turns.
  local started=$SECONDS bound=120 reset= told=0
  while [ $((SECONDS - started)) -lt "$bound" ]; do
    if [ -S "$ENGINE_SOCK" ] && engine_answers; then return 0; fi
    kill -0 "$(cat "$STATE/engine.pid")" 2>/dev/null || { tail -30 "$STATE/engine.log" >&2; log "engine exited"; return 1; }
    if [ -z "$reset" ] && grep -q "local cache state invalid" "$STATE/engine.log"; then
      reset=1 bound=$ENGINE_RESET_TIMEOUT
      log "the engine was not shut down cleanly last time: it is deleting its cache (waiting up to ${bound}s)"
    fi
    sleep 1
    if [ $((SECONDS - started)) -ge $((told + 60)) ]; then
      told=$((SECONDS - started)); log "engine not answering yet after ${told}s"
    fi
  done
  tail -30 "$STATE/engine.log" >&2; log "engine did not answer within ${bound}s"; return 1
}
step "start the engine" start_engine

step "start local registries" bash "$ROOT/scripts/registry.sh" up
wait_trivy() { wait "$trivy_build" || { cat "$STATE/build-trivy.log" >&2; return 1; }; }
step "wait for the Trivy build" wait_trivy
wait_cosign() { wait "$cosign_build" || { cat "$STATE/build-cosign.log" >&2; return 1; }; }
step "wait for the cosign build" wait_cosign
wait_kube() { wait "$kube_build" || { tail -50 "$STATE/build-kube.log" >&2; return 1; }; }
step "wait for kube-apiserver, etcd, helm, promtool" wait_kube
step "publish base images to $REGISTRY" bash "$ROOT/scripts/base-images.sh"
step "make the builtin SDKs (module mode)" bash "$ROOT/scripts/build-sdk.sh"
# A first run made new SDK digests: the engine reads them at start.
step "restart the engine with the SDKs if they changed" start_engine
step "write the offline Trivy DB" bash "$ROOT/scripts/trivy-db.sh" >/dev/null

log "all up in $(python3 -c "print(f'{$(date +%s.%N) - $T0:.1f}')")s; clients: eval \"\$(scripts/engine-env)\""
