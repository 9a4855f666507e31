#!/usr/bin/env bash
# Start the Dagger engine on this host, idempotently: its binaries (build-engine.sh, cached), the Debian packages
# and links it expects, the registry mirror it reads, and the engine itself in a private mount namespace.
# A running engine with the same binary, SDK digests and settings is left as it is. scripts/setup.sh calls this;
# `make engine-up` runs it alone. Afterwards `scripts/engine-env` prints the variables clients need.
source "$(dirname "$0")/lib.sh"

# What the engine needs on the host, as the official engine image lays it out (the engine's own host packages).
ENGINE_PACKAGES=(runc dnsmasq-base containernetworking-plugins iptables git ripgrep ca-certificates)

host_links() {
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
  # Docker Hub is unreachable here: the engine asks the local registry for docker.io images (by tag; a digest
  # pin names upstream's manifest, which a local mirror cannot serve). The harness mirrors the images whose
  # publishers ship them (golangci-lint) there under their Docker Hub names.
  printf '{"registries":{"docker.io":{"mirrors":["%s"]}}}\n' "$REGISTRY" >/etc/dagger/engine.json
}

engine_answers() {
  # A real session: connect, print the session's params, close stdin.
  timeout 20 "$BIN/dagger" session < <(sleep 3) 2>>"$STATE/engine-probe.log" | grep -q session_token
}

# The engine this script would start: binary, SDK digests, settings. A running engine that differs is restarted.
engine_identity() {
  echo "$BIN/dagger-engine"
  cat "$STATE/sdk.env" "$ROOT/scripts/engine.toml" /etc/dagger/engine.json 2>/dev/null || true
}

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
    kill -0 "$(cat "$STATE/engine.pid")" 2>/dev/null || {
      tail -30 "$STATE/engine.log" >&2; log "engine exited (log: $STATE/engine.log)"; return 1
    }
    if [ -z "$reset" ] && grep -q "local cache state invalid" "$STATE/engine.log"; then
      reset=1 bound=$ENGINE_RESET_TIMEOUT
      log "the engine was not shut down cleanly last time: it is deleting its cache (waiting up to ${bound}s)"
    fi
    sleep 1
    if [ $((SECONDS - started)) -ge $((told + 60)) ]; then
      told=$((SECONDS - started)); log "engine not answering yet after ${told}s"
    fi
  done
  tail -30 "$STATE/engine.log" >&2; log "engine did not answer within ${bound}s: stopping it"
  bash "$ROOT/scripts/engine-down.sh" --engine-only
  return 1
}

bash "$ROOT/scripts/build-engine.sh"
step "install Debian packages the engine needs" apt_install "${ENGINE_PACKAGES[@]}"
step "link runc, dagger-init, CNI plugins, xtables; registry mirror" host_links
step "start the engine" start_engine
