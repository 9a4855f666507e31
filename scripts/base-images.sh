#!/usr/bin/env bash
# Publish the base images the project's own tests use to the local registry, built with Dagger
# itself from this host's files (no registry to pull from): skipped when already present.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/venv.sh"
bash "$ROOT/scripts/build-trivy.sh"
eval "$("$ROOT/scripts/engine-env")"

# Debian's redis-server as a minimal tree: the second service of the integration fixture
# (tests/fixtures/integration-redis). Cached by suite and package; mmdebstrap takes about a minute once.
redis_rootfs() {
  local dir="$PIPELINE_CACHE/rootfs/redis-$(echo "$(pin DEBIAN_SUITE) redis-server" | sha256sum | cut -c1-12)"
  if [ ! -f "$dir.done" ]; then
    apt_install mmdebstrap
    rm -rf "$dir" && mkdir -p "$(dirname "$dir")"
    mmdebstrap --quiet --variant=minbase --include=redis-server --skip=output/dev \
      "$(pin DEBIAN_SUITE)" "$dir" http://deb.debian.org/debian >&2
    touch "$dir.done"
  fi
  echo "$dir"
}
PIPELINE_REDIS_ROOTFS=$(redis_rootfs)
export PIPELINE_REDIS_ROOTFS
"$ROOT/.venv/bin/python" "$ROOT/scripts/base_images.py"
