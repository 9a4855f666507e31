#!/usr/bin/env bash
# Publish the base images the project's own tests use to the local registry, built with Dagger
# itself from this host's files (no registry to pull from): skipped when already present.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/venv.sh"
bash "$ROOT/scripts/build-trivy.sh"

# A minimal Debian root for the Debian-based Go builder (the official golang:<v>-bookworm images are Debian,
# where pprof gets Graphviz from apt), made once and cached.
SUITE=$(pin DEBIAN_SUITE)
PIPELINE_DEBIAN_ROOTFS="$PIPELINE_CACHE/rootfs/debian-$SUITE-minbase"
if [ ! -f "$PIPELINE_DEBIAN_ROOTFS.done" ]; then
  apt_install mmdebstrap
  rm -rf "$PIPELINE_DEBIAN_ROOTFS" && mkdir -p "$(dirname "$PIPELINE_DEBIAN_ROOTFS")"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates --skip=output/dev \
    "$SUITE" "$PIPELINE_DEBIAN_ROOTFS" http://deb.debian.org/debian >&2
  touch "$PIPELINE_DEBIAN_ROOTFS.done"
fi
export PIPELINE_DEBIAN_ROOTFS
eval "$("$ROOT/scripts/engine-env")"
"$ROOT/.venv/bin/python" "$ROOT/scripts/base_images.py"
