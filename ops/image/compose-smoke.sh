#!/usr/bin/env bash
# Compose smoke test: `docker-compose config`, then `up -d` of docker-compose.yml with local images
# ($MODELPLANE_IMAGE built by ops/image/build.sh, $POSTGRES_IMAGE by ops/image/build-base.sh), wait
# until every service is healthy (and migrate exited 0), one prediction through the gateway on the
# host port, `down -v`. Uses `docker-compose` (v1, Debian 12) or `docker compose` (v2).
# The services use the compose network as in production (Docker's bridge works on these machines);
# COMPOSE_OVERRIDE=<file> adds an override file (e.g. different ports or networking).
#
#   ops/image/compose-smoke.sh
set -euo pipefail
# shellcheck source=ops/image/lib.sh
source "$(dirname "$0")/lib.sh"

if command -v docker-compose >/dev/null; then
  compose_cmd=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
else
  die "neither docker-compose nor docker compose is installed (apt-get install docker-compose)"
fi
image_exists "$MODELPLANE_IMAGE" || die "$MODELPLANE_IMAGE does not exist: run ops/image/build.sh"
image_exists "$POSTGRES_IMAGE" || die "$POSTGRES_IMAGE does not exist: run ops/image/build-base.sh"

work="$(mktemp -d)"
project="mp-compose-$$"
files=(-f "$REPO_ROOT/docker-compose.yml")
[ -z "${COMPOSE_OVERRIDE:-}" ] || files+=(-f "$COMPOSE_OVERRIDE")
compose() { "${compose_cmd[@]}" --project-directory "$REPO_ROOT" -p "$project" "${files[@]}" "$@"; }

# What the compose file asks for (.env or the environment), generated for this run.
MODELPLANE_PORT="$(free_ports 1)"
read -r GATEWAY_SECRET MODELPLANE_ADMIN_KEY POSTGRES_PASSWORD <<<"$(new_secrets)"
export MODELPLANE_PORT GATEWAY_SECRET MODELPLANE_ADMIN_KEY POSTGRES_PASSWORD

ok=false
cleanup() {
  if ! $ok; then
    compose ps >&2 || true
    compose logs --no-color --tail 80 >&2 || true
  fi
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

log "${compose_cmd[*]} config (default services, and with --profile observability)"
compose config -q
compose --profile observability config -q

docker run --rm --network none --read-only --user 10001:10001 -i --entrypoint node "$MODELPLANE_IMAGE" - \
  <"$REPO_ROOT/ops/image/model-fixture.js" >"$work/model.json"

log "up -d ($MODELPLANE_IMAGE, $POSTGRES_IMAGE; gateway on 127.0.0.1:$MODELPLANE_PORT)"
started=$SECONDS
compose up -d --no-build

# Healthy means: migrate exited 0, every other container reports healthy.
deadline=$((SECONDS + ${COMPOSE_WAIT_S:-180}))
for (( ; ; )); do
  pending=()
  for id in $(compose ps -q); do
    read -r name status health code <<<"$(docker inspect --format \
      '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}' "$id")"
    case "$name" in
    *_migrate_* | *-migrate-*)
      [ "$status" = exited ] && { [ "$code" = 0 ] || die "migrate exited with $code"; } && continue ;;
    esac
    [ "$status" = running ] || [ "$status" = created ] || die "$name is $status (exit $code)"
    [ "$health" = healthy ] || pending+=("$name:$health")
  done
  [ ${#pending[@]} -eq 0 ] && [ -n "$(compose ps -q)" ] && break
  [ $SECONDS -lt $deadline ] || die "not healthy after ${COMPOSE_WAIT_S:-180} s: ${pending[*]}"
  sleep 2
done
log "every service healthy after $((SECONDS - started)) s"
compose ps >&2

GATEWAY_URL="http://127.0.0.1:$MODELPLANE_PORT/graphql" MODELPLANE_ADMIN_KEY="$MODELPLANE_ADMIN_KEY" \
  node "$REPO_ROOT/ops/image/smoke-flow.mjs" serve "$work/model.json"

log "down -v"
compose down -v --remove-orphans >/dev/null 2>&1
[ -z "$(docker ps -aq --filter "label=com.docker.compose.project=$project")" ] || die "containers left after down -v"
[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$project")" ] || die "volumes left after down -v"
ok=true
log "compose smoke test passed"
