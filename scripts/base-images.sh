#!/usr/bin/env bash
# Publish the base images to the local registry, built with Dagger itself from this host's files (no registry to
# pull from): `base-images.sh ci` what `make ci` needs, `base-images.sh test` everything. Present images are kept.
source "$(dirname "$0")/lib.sh"
profile=${1:-test}
if [ "$profile" = test ]; then
  # A minimal Debian root for the Debian-based Go builder (the official golang:<v>-bookworm images are Debian,
  # where pprof gets Graphviz from apt), and Debian's redis-server, the integration fixture's second service;
  # each made once by mmdebstrap and cached.
  PIPELINE_DEBIAN_ROOTFS=$(debian_rootfs debian ca-certificates)
  PIPELINE_REDIS_ROOTFS=$(debian_rootfs redis redis-server)
  export PIPELINE_DEBIAN_ROOTFS PIPELINE_REDIS_ROOTFS
fi
eval "$("$ROOT/scripts/engine-env")"
"$ROOT/.venv/bin/python" "$ROOT/scripts/base_images.py" "$profile"
