#!/usr/bin/env bash
# Replay a fresh machine without throwing this one away, and print each set-up phase's time.
#
#   fresh-machine.sh [ci|test|both]   (default: both — README's first command, then its second)
#
# What a new machine lacks is set aside and restored afterwards, whatever happens: the cache folder
# ($PIPELINE_CACHE: binaries, sources, engine state, registries, images), the engine's bridges and CNI/dnsname state,
# /etc/dagger/engine.json, and the Go, uv and pip caches (fresh empty ones for the run). The commands run in a fresh
# clone of this checkout's HEAD (no .venv), with CI=true. Debian packages stay installed (removing them would change
# the machine); their install time shows in the "install Debian packages" rows of a truly fresh machine only.
# Each run's log and phase table are kept in $PIPELINE_CACHE.fresh-<time>/ (moved aside again at the end).
source "$(dirname "$0")/lib.sh"
what=${1:-both}
case $what in ci | test | both) ;; *) echo "usage: fresh-machine.sh [ci|test|both]" >&2; exit 2 ;; esac

stamp=$(date -u +%Y%m%dT%H%M%SZ)
ASIDE="$PIPELINE_CACHE.aside-$stamp"
KEEP="$PIPELINE_CACHE.fresh-$stamp"
WORK=$(mktemp -d /tmp/fresh-machine-XXXX)

forget_network() {
  # Every bridge an engine made (<network>0: dagger0, the tests' second engine's) and their CNI/dnsname state.
  local dir name
  for dir in /var/run/containers/cni/dnsname/*/; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    ip link del "${name}0" 2>/dev/null || true
  done
  ip link del dagger0 2>/dev/null || true
  rm -rf /var/run/containers/cni /var/lib/cni/networks/dagger* /etc/dagger/engine.json
}

restore() {
  local rc=$?
  # Once: a signal's handler exits, which would run it again on EXIT and delete the cache it just put back.
  trap - EXIT INT TERM
  log "restoring this machine's state"
  if [ -d "$WORK/repo" ]; then (cd "$WORK/repo" && bash scripts/engine-down.sh >/dev/null 2>&1) || true; fi
  pkill -f "dagger-engine --root $PIPELINE_CACHE/engine-remote" 2>/dev/null || true
  forget_network
  mkdir -p "$KEEP"
  cp "$WORK"/*.log "$WORK"/*.txt "$KEEP"/ 2>/dev/null || true
  cp "$PIPELINE_CACHE"/state/setup/times-*.tsv "$KEEP"/ 2>/dev/null || true
  rm -rf "$PIPELINE_CACHE"
  [ -d "$ASIDE" ] && mv "$ASIDE" "$PIPELINE_CACHE"
  mv "$KEEP" "$PIPELINE_CACHE/fresh-$stamp"
  rm -rf "$WORK"
  log "restored; this replay's logs and times: $PIPELINE_CACHE/fresh-$stamp"
  exit "$rc"
}

# This machine's cache stays on the same disk: a replay needs room for a second one (a new machine would not).
# `make ci` ran in 40 GB; `make test` filled 40 GB (2026-12-05: a tar in the engine said "No space left on device"),
# and below 20% of the disk available the engine's garbage collector prunes what a test expects to find cached.
need_gb=${FRESH_MIN_FREE_GB:-$([ "$what" = ci ] && echo 25 || echo 60)}
free_gb=$(df -BG --output=avail "$(dirname "$PIPELINE_CACHE")" | tail -1 | tr -dc 0-9)
if [ "$free_gb" -lt "$need_gb" ]; then
  log "only ${free_gb} GB free beside $PIPELINE_CACHE: replaying '$what' needs about $need_gb GB (FRESH_MIN_FREE_GB); not starting"
  exit 1
fi
log "stopping the engine and registries; setting $PIPELINE_CACHE aside as $ASIDE"
ENGINE_STOP_TIMEOUT=${ENGINE_STOP_TIMEOUT:-600} bash "$ROOT/scripts/engine-down.sh"  # a killed engine wipes its cache
[ -d "$PIPELINE_CACHE" ] && mv "$PIPELINE_CACHE" "$ASIDE"
trap restore EXIT INT TERM
forget_network
git clone -q "$ROOT" "$WORK/repo"
git -C "$WORK/repo" checkout -q "$(git -C "$ROOT" rev-parse HEAD)"

# Empty Go, uv and pip caches for the run, as on a new machine.
export GOMODCACHE="$WORK/go/mod" GOCACHE="$WORK/go/build" UV_CACHE_DIR="$WORK/uv" PIP_CACHE_DIR="$WORK/pip"
export XDG_CACHE_HOME="$WORK/xdg" CI=true
unset STEP_TIMES

run() { # NAME CMD...: time one of README's commands, its output in $WORK/NAME.log
  local name=$1; shift
  local t0=$SECONDS rc=0
  log "fresh machine: $* ..."
  (cd "$WORK/repo" && "$@") >"$WORK/$name.log" 2>&1 || rc=$?
  printf '%s\t%s\t%s\n' "$*" "$((SECONDS - t0))" "$rc" >>"$WORK/commands.txt"
  log "fresh machine: $* exit $rc in $((SECONDS - t0))s (log: $WORK/$name.log)"
  [ "$rc" -eq 0 ] || { tail -40 "$WORK/$name.log" >&2; return "$rc"; }
}

table() {
  local f
  {
    echo "command	seconds	exit"
    cat "$WORK/commands.txt"
    for f in "$PIPELINE_CACHE"/state/setup/times-*.tsv; do
      [ -f "$f" ] || continue
      echo; echo "set-up phase ($(basename "$f" .tsv | cut -d- -f2))	seconds"
      cat "$f"
    done
  } | tee "$WORK/table.txt" | column -t -s "$(printf '\t')" >&2
}

status=0
if [ "$what" != test ]; then run make-ci make ci || status=$?; fi
if [ "$status" -eq 0 ] && [ "$what" != ci ]; then run make-test make test || status=$?; fi
table
exit "$status"
