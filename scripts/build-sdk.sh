#!/usr/bin/env bash
# Make the builtin Python SDK for module mode (see scripts/sdk_images.py), idempotently: its runtime is in the
# engine (scripts/sdk/python/python_sdk.go), this image holds the files it reads. Needs the engine running (the image
# is assembled by Dagger) and the patched dagger source from build-engine.sh. Writes the content store and
# $STATE/sdk.env (the manifest digest).
source "$(dirname "$0")/lib.sh"
UV_VERSION=$(pin UV_VERSION)
# Keyed on what goes into the SDK: these scripts, a new module's template files and the pinned tools.
key=$( (cat "$ROOT/scripts/build-sdk.sh" "$ROOT/scripts/sdk_images.py" "$ROOT"/scripts/sdk/python/template/*
  for p in DAGGER_VERSION UV_VERSION SHIV_VERSION GRAPHQL_CORE_VERSION PYTHON_BASE_TAG DEBIAN_SUITE; do pin "$p"; done
) | sha256sum | cut -c1-12)
WORK="$PIPELINE_CACHE/sdk/$DAGGER_VERSION-$key"
if [ -f "$WORK/sdk.env" ] && [ -d "$SDK_CONTENT/blobs" ]; then
  cp "$WORK/sdk.env" "$STATE/sdk.env"; log "SDKs cached ($WORK)"; exit 0
fi
mkdir -p "$WORK" "$SDK_CONTENT"

rootfs() { local dir; dir=$(debian_rootfs "$1" "$2" slim); rm -rf "$WORK/$1-rootfs"; ln -s "$dir" "$WORK/$1-rootfs"; }
step "Debian rootfs for the Python base" rootfs python python3,python-is-python3,ca-certificates

python_sdk() {
  local out="$WORK/python-sdk" sdk="$SRC/sdk/python" tmp
  rm -rf "$out" && mkdir -p "$out/dist" "$out/src"
  cp "$sdk/pyproject.toml" "$sdk/uv.lock" "$sdk/LICENSE" "$sdk/README.md" "$out/"
  cp -r "$sdk/codegen" "$out/codegen"
  # src/ without the parts modules never use (provisioning the engine), as the official SDK image has it.
  cp -r "$sdk/src/." "$out/src/" && rm -rf "$out/src/dagger/_engine" "$out/src/dagger/provisioning"
  find "$out/src" -type f ! -name '*.py' ! -name '*.typed' -delete
  cp -r "$ROOT/scripts/sdk/python/template" "$out/template"
  tmp=$(mktemp -d)
  # uv and uvx come in uv's wheel on PyPI.
  pip download -q --no-deps --only-binary=:all: --platform manylinux_2_17_x86_64 --python-version 3.11 \
    -d "$tmp" "uv==$UV_VERSION"
  (cd "$tmp" && python3 -m zipfile -e uv-*.whl wheel && cp wheel/uv-*.data/scripts/uv wheel/uv-*.data/scripts/uvx "$out/dist/")
  chmod 755 "$out/dist/uv" "$out/dist/uvx"
  # dist/codegen: the SDK's codegen and graphql-core as one zipapp, as the official SDK image ships it.
  python3 -m venv "$tmp/venv" && "$tmp/venv/bin/pip" install -q "shiv==$(pin SHIV_VERSION)"
  "$tmp/venv/bin/shiv" --reproducible --compressed -q -e codegen.cli:main -o "$out/dist/codegen" \
    "$out/codegen" "graphql-core==$(pin GRAPHQL_CORE_VERSION)"
  rm -rf "$tmp"
}
step "Python SDK files, uv and codegen" python_sdk

bash "$ROOT/scripts/venv.sh"
eval "$("$ROOT/scripts/engine-env")"
step "assemble the SDK image and fill the content store" \
  "$ROOT/.venv/bin/python" "$ROOT/scripts/sdk_images.py" "$WORK" "$SDK_CONTENT" "$WORK/sdk.env.new"
mv "$WORK/sdk.env.new" "$WORK/sdk.env"
cp "$WORK/sdk.env" "$STATE/sdk.env"
