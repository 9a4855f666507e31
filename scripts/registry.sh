#!/usr/bin/env bash
# Local OCI registries (Debian's docker-registry): `up` or `down`.
#   $LOCAL_REGISTRY  plain, for base images the engine pulls;
#   $AUTH_REGISTRY   htpasswd basic auth, for publish tests (user and password in $STATE/registry-auth).
source "$(dirname "$0")/lib.sh"
AUTH_REGISTRY=$(pin AUTH_REGISTRY)

config() { # name addr [auth]
  local dir="$STATE/registry-$1"; mkdir -p "$dir" "$PIPELINE_CACHE/registry-data/$1"
  {
    echo "version: 0.1"
    echo "log: {level: warn}"
    echo "storage: {filesystem: {rootdirectory: $PIPELINE_CACHE/registry-data/$1}, delete: {enabled: true}}"
    echo "http: {addr: $2}"
    [ -n "${3:-}" ] && echo "auth: {htpasswd: {realm: pipeline-test, path: $STATE/registry-auth/htpasswd}}"
  } >"$dir/config.yml"
  echo "$dir/config.yml"
}

answers() { curl -s -o /dev/null -w '%{http_code}' "http://$1/v2/" | grep -qE '^(200|401)$'; }

start() { # name addr [auth]
  if answers "$2"; then log "registry $1 already on $2"; return 0; fi
  local cfg; cfg=$(config "$@")
  setsid nohup docker-registry serve "$cfg" >"$STATE/registry-$1.log" 2>&1 </dev/null &
  echo $! >"$STATE/registry-$1.pid"
  for _ in $(seq 1 50); do answers "$2" && return 0; sleep 0.2; done
  cat "$STATE/registry-$1.log" >&2; return 1
}

case "${1:-up}" in
  up)
    mkdir -p "$STATE/registry-auth"
    if [ ! -f "$STATE/registry-auth/password" ]; then
      echo ci >"$STATE/registry-auth/user"
      head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$STATE/registry-auth/password"
      htpasswd -Bbn ci "$(cat "$STATE/registry-auth/password")" >"$STATE/registry-auth/htpasswd"
    fi
    start plain "$REGISTRY"
    start auth "$AUTH_REGISTRY" auth
    ;;
  down)
    for n in plain auth; do
      [ -f "$STATE/registry-$n.pid" ] && { kill "$(cat "$STATE/registry-$n.pid")" 2>/dev/null || true; rm -f "$STATE/registry-$n.pid"; }
    done
    log "registries stopped"
    ;;
esac
