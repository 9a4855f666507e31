#!/usr/bin/env bash
# Stop the engine and the local registries started by engine-up.sh (caches are kept).
# --engine-only: stop just the engine (engine-up.sh restarts it with new SDK digests).
source "$(dirname "$0")/lib.sh"
if [ -f "$STATE/engine.pid" ]; then
  pid=$(cat "$STATE/engine.pid")
  # SIGTERM: the engine persists its cache index and marks it clean. SIGKILL only past the bound, and said: the
  # next start deletes the whole cache.
  t0=$(date +%s)
  if ! kill "$pid" 2>/dev/null; then
    log "engine (pid $pid) was not running"
  else
    for _ in $(seq 1 "$ENGINE_STOP_TIMEOUT"); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -9 "$pid" 2>/dev/null; then
      log "engine did not stop within ${ENGINE_STOP_TIMEOUT}s: killed (its next start deletes the cache)"
    else
      log "engine stopped in $(($(date +%s) - t0))s"
    fi
  fi
  rm -f "$STATE/engine.pid" "$ENGINE_SOCK" "$STATE/engine.identity"
fi
[ "${1:-}" = --engine-only ] || bash "$ROOT/scripts/registry.sh" down
