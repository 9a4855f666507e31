# Shared helpers for the harness scripts (sourced, not run).
# Everything the harness builds or downloads lives under one folder, $PIPELINE_CACHE.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PIPELINE_CACHE=${PIPELINE_CACHE:-/var/cache/go-pipeline}
export PIPELINE_CACHE
pin() { "$ROOT/scripts/pin" "$1"; }

DAGGER_VERSION=$(pin DAGGER_VERSION)
# Binaries and the patched source are keyed on the scripts that make them: an edited patch rebuilds.
DAGGER_KEY=$(cat "$ROOT"/scripts/patch-dagger.py "$ROOT"/scripts/patch-dagger-cli.py "$ROOT"/scripts/build-engine.sh \
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

# step NAME CMD...: run CMD, print how long it took.
step() {
  local name=$1; shift
  local t0; t0=$(date +%s.%N)
  log "$name ..."
  "$@"
  log "$name done in $(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')")s"
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

# debian_rootfs NAME PACKAGES: a minimal Debian tree (mmdebstrap, no /dev, no EXTERNALLY-MANAGED) cached by its
# suite and package list; prints its folder.
debian_rootfs() {
  local suite dir
  suite=$(pin DEBIAN_SUITE)
  dir="$PIPELINE_CACHE/rootfs/$1-$(echo "$suite $2" | sha256sum | cut -c1-12)"
  if [ ! -f "$dir.done" ]; then
    apt_install mmdebstrap
    rm -rf "$dir" && mkdir -p "$(dirname "$dir")"
    mmdebstrap --quiet --variant=minbase --include="$2" --skip=output/dev \
      --customize-hook='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED' \
      "$suite" "$dir" http://deb.debian.org/debian >&2
    touch "$dir.done"
  fi
  echo "$dir"
}
