# Shared helpers for the harness scripts (sourced, not run).
# Everything the harness builds or downloads lives under one folder, $PIPELINE_CACHE.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pin() { "$ROOT/scripts/pin" "$1"; }
PIPELINE_CACHE=${PIPELINE_CACHE:-$(pin CACHE_DIR)}
export PIPELINE_CACHE

DAGGER_VERSION=$(pin DAGGER_VERSION)
# How build-engine.sh builds every dagger binary (the engine adds ENGINE_TAGS). An empty version breaks module loading.
DAGGER_LDFLAGS="-s -w -X github.com/dagger/dagger/engine.Version=$DAGGER_VERSION -X github.com/dagger/dagger/engine.Tag=$DAGGER_VERSION"
ENGINE_TAGS=dfexcludepatterns,dfparents
# Binaries and the patched source are keyed on what makes them: an edited patch or flag rebuilds.
DAGGER_KEY=$( (cat "$ROOT"/scripts/patch-dagger.py "$ROOT"/scripts/patch-dagger-cli.py "$ROOT"/scripts/sdk/python/*.go; echo "$DAGGER_LDFLAGS $ENGINE_TAGS") \
  | sha256sum | cut -c1-10)
BIN="$PIPELINE_CACHE/bin/dagger-$DAGGER_VERSION-$DAGGER_KEY"
SRC="$PIPELINE_CACHE/src/dagger-$DAGGER_VERSION-$DAGGER_KEY"
# The builtin SDKs (module mode): OCI blobs the engine reads at the path its build names.
SDK_CONTENT="$PIPELINE_CACHE/sdk-content"
ENGINE_CONTENT_DIR=/usr/local/share/dagger/content
STATE="$PIPELINE_CACHE/state"
ENGINE_SOCK="$STATE/engine.sock"
# Bounds (seconds): a clean engine stop (it writes its cache index), a start that first deletes a cache left by an
# unclean stop.
ENGINE_STOP_TIMEOUT=${ENGINE_STOP_TIMEOUT:-180}
ENGINE_RESET_TIMEOUT=${ENGINE_RESET_TIMEOUT:-1200}
REGISTRY=$(pin LOCAL_REGISTRY)
mkdir -p "$BIN" "$STATE" "$PIPELINE_CACHE/src"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Set-up steps: timed, each recorded in $STEP_TIMES (name<TAB>seconds) for scripts/fresh-machine.sh's table.
# A step that fails is named, with the tail of its log, and every background build of this shell is stopped.
SETUP_LOGS="$STATE/setup"
STEP_TIMES=${STEP_TIMES:-$SETUP_LOGS/times.tsv}
mkdir -p "$SETUP_LOGS"
declare -A JOB_PID=() JOB_T0=()
CURRENT_STEP=""
slug() { echo "$1" | tr -c 'A-Za-z0-9.\n-' '-'; }
secs_since() { python3 -c "print(f'{$(date +%s.%N) - $1:.1f}')"; }
record() { printf '%s\t%s\n' "$1" "$2" >>"$STEP_TIMES"; }

# stop_jobs: stop every background job this shell started (each runs in its own process group: set -m).
stop_jobs() {
  local name pid
  for name in "${!JOB_PID[@]}"; do
    pid=${JOB_PID[$name]}
    kill -0 "$pid" 2>/dev/null && { kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; log "stopped $name"; }
  done
  JOB_PID=()
}
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -n "$CURRENT_STEP" ]; then
    log "set-up step '$CURRENT_STEP' failed (exit $rc); the end of $CURRENT_LOG:"
    tail -30 "$CURRENT_LOG" >&2
  fi
  stop_jobs
}
trap on_exit EXIT

# step NAME CMD...: run CMD in the foreground, its output in $SETUP_LOGS/<NAME>.log; print and record how long it
# took. Its stdout is still the caller's (scripts that print a path for their caller).
step() {
  local name=$1; shift
  local t0; t0=$(date +%s.%N)
  log "$name ..."
  CURRENT_STEP=$name CURRENT_LOG="$SETUP_LOGS/$(slug "$name").log"
  "$@" 2>"$CURRENT_LOG"
  CURRENT_STEP=""
  local took; took=$(secs_since "$t0")
  record "$name" "$took"
  log "$name done in ${took}s"
}

# job NAME CMD...: start CMD in the background (its own process group), output in $SETUP_LOGS/NAME.log.
job() {
  local name=$1; shift
  set -m
  ( "$@" ) >"$SETUP_LOGS/$(slug "$name").log" 2>&1 </dev/null &
  JOB_PID[$name]=$!
  set +m
  JOB_T0[$name]=$(date +%s.%N)
  log "$name started (log: $SETUP_LOGS/$(slug "$name").log)"
}

# await NAME: wait for job NAME; on failure name it, show its log's tail, stop the other jobs and exit 1.
await() {
  local name=$1 rc=0
  wait "${JOB_PID[$name]}" || rc=$?
  unset "JOB_PID[$name]"
  local took; took=$(secs_since "${JOB_T0[$name]}")
  if [ "$rc" -ne 0 ]; then
    log "set-up step '$name' failed (exit $rc) after ${took}s; the end of $SETUP_LOGS/$(slug "$name").log:"
    tail -30 "$SETUP_LOGS/$(slug "$name").log" >&2
    exit 1
  fi
  record "$name" "$took"
  log "$name done in ${took}s"
}

# apt_install PKG...: install Debian packages that are missing (idempotent).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ ! -f "$PIPELINE_CACHE/.apt-updated" ] || [ -n "$(find "$PIPELINE_CACHE/.apt-updated" -mmin +1440)" ]; then
    apt-get update -qq && touch "$PIPELINE_CACHE/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# debian_rootfs NAME PACKAGES [slim]: a minimal Debian tree (mmdebstrap, no /dev, no EXTERNALLY-MANAGED) cached by
# its suite, package list and slimness; prints its folder. slim leaves out manuals, documentation (but copyright
# files) and translations, as Debian's slim images do: for images an engine unpacks on every module's first load.
debian_rootfs() {
  local suite dir slim=()
  suite=$(pin DEBIAN_SUITE)
  dir="$PIPELINE_CACHE/rootfs/$1-$(echo "$suite $2${3:+ $3}" | sha256sum | cut -c1-12)"
  if [ "${3:-}" = slim ]; then
    slim=(--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*'
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright')
  fi
  if [ ! -f "$dir.done" ]; then
    apt_install mmdebstrap
    rm -rf "$dir" && mkdir -p "$(dirname "$dir")"
    mmdebstrap --quiet --variant=minbase --include="$2" --skip=output/dev "${slim[@]}" \
      --customize-hook='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED' \
      "$suite" "$dir" http://deb.debian.org/debian >&2
    touch "$dir.done"
  fi
  echo "$dir"
}
