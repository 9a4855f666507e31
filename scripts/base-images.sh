#!/usr/bin/env bash
# Publish the base images the project's own tests use to the local registry, built with Dagger
# itself from this host's files (no registry to pull from): skipped when already present.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/venv.sh"
bash "$ROOT/scripts/build-trivy.sh"
eval "$("$ROOT/scripts/engine-env")"
"$ROOT/.venv/bin/python" "$ROOT/scripts/base_images.py"
