#!/usr/bin/env bash
# Create or refresh .venv with the project and its dev tools (idempotent: keyed on pyproject.toml).
source "$(dirname "$0")/lib.sh"
stamp="$ROOT/.venv/.pyproject.sha256"
want=$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)
if [ -x "$ROOT/.venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
python3 -m venv "$ROOT/.venv"
"$ROOT/.venv/bin/pip" install -q -e "$ROOT[dev]"
echo "$want" >"$stamp"
