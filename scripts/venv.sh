#!/usr/bin/env bash
# Create or refresh .venv from uv.lock: the module, the `cli` extra and the dev tools, at the locked versions
# (idempotent: keyed on pyproject.toml and uv.lock). uv itself comes from PyPI at the pinned version.
source "$(dirname "$0")/lib.sh"
UV_VERSION=$(pin UV_VERSION)
UV="$PIPELINE_CACHE/uv-$UV_VERSION/bin/uv"
if [ ! -x "$UV" ]; then
  python3 -m venv "$PIPELINE_CACHE/uv-$UV_VERSION"
  "$PIPELINE_CACHE/uv-$UV_VERSION/bin/pip" install -q "uv==$UV_VERSION"
fi
stamp="$ROOT/.venv/.lock.sha256"
want=$(cat "$ROOT/pyproject.toml" "$ROOT/uv.lock" | sha256sum | cut -d' ' -f1)
if [ -x "$ROOT/.venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
# --locked: install exactly what uv.lock says; a pyproject change without `uv lock` fails here, not silently.
UV_PYTHON_DOWNLOADS=never "$UV" sync --quiet --locked --extra cli --python python3 --project "$ROOT"
echo "$want" >"$stamp"
