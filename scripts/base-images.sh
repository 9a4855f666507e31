#!/usr/bin/env bash
# Publish the base images the project's own tests use to the local registry, built with Dagger
# itself from this host's files (no registry to pull from): skipped when already present.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/venv.sh"
bash "$ROOT/scripts/build-trivy.sh"

# A minimal Debian root for the Debian-based Go builder (the official golang:<v>-bookworm images are Debian,
# where pprof gets Graphviz from apt), made once and cached.
PIPELINE_DEBIAN_ROOTFS=$(debian_rootfs debian ca-certificates)
export PIPELINE_DEBIAN_ROOTFS
eval "$("$ROOT/scripts/engine-env")"

# Debian's redis-server as a minimal tree: the second service of the integration fixture
# (tests/fixtures/integration-redis); mmdebstrap takes about a minute once.
PIPELINE_REDIS_ROOTFS=$(debian_rootfs redis redis-server)
export PIPELINE_REDIS_ROOTFS
"$ROOT/.venv/bin/python" "$ROOT/scripts/base_images.py"
