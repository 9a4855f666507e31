#!/usr/bin/env bash
# Stop the engine and the local registries started by engine-up.sh (caches are kept).
# --engine-only: stop just the engine (engine-up.sh restarts it with new SDK digests).
source "$(dirname "$0")/lib.sh"
if [ -f "$STATE/engine.pid" ]; then
  pid=$(cat "$STATE/engine.pid")
  kill "$pid" 2>/dev/null && for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$STATE/engine.pid" "$ENGINE_SOCK" "$STATE/engine.identity"
  log "engine stopped"
fi
[ "${1:-}" = --engine-only ] || bash "$ROOT/scripts/registry.sh" down
