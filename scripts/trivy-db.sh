#!/usr/bin/env bash
# Write the fixture Trivy vulnerability DB, offline, from tests/fixtures/trivydb/advisories.json
# (writer: tests/fixtures/trivydb, a small Go program on trivy-db's own API).
# Idempotent: does nothing while the DB is newer than the advisories and the writer's source.
# Prints the output directory (Trivy's --cache-dir; the DB itself is in its db/) as its last stdout line.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

src="$ROOT/tests/fixtures/trivydb"
work="$PIPELINE_CACHE/trivy-db"
out="$work/test"
db="$out/db/trivy.db"

# Up to date: both DB files exist and no input is newer than trivy.db.
up_to_date() {
  [ -f "$db" ] && [ -f "$out/db/metadata.json" ] || return 1
  [ -z "$(find "$src" -maxdepth 1 -type f \( -name '*.go' -o -name '*.json' -o -name 'go.mod' -o -name 'go.sum' \) -newer "$db")" ]
}

if up_to_date; then
  log "trivy DB up to date: $out/db"
else
  mkdir -p "$work"
  step "build trivy DB writer" env CGO_ENABLED=0 go -C "$src" build -trimpath -o "$work/trivydb" .
  step "write trivy DB" "$work/trivydb" -in "$src/advisories.json" -out "$out"
fi
echo "$out"
