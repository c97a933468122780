#!/usr/bin/env bash
# Image smoke test: PostgreSQL, then `migrate`, the four subgraphs, the training worker and the
# gateway, each a container of $MODELPLANE_IMAGE run as production would run it (read-only root,
# only /tmp writable, every capability dropped, no-new-privileges, the image's non-root user,
# MODELPLANE_MODE=production with a gateway secret and an admin key). Then, through the gateway over
# HTTP: list models, register one, upload an ONNX version, predict, retrain (the worker container
# trains and registers a version), roll back; then SIGTERM every container and expect exit code 0.
# On failure the containers' logs are printed. Containers use the host network on free loopback
# ports (Docker's bridge needs nothing here, and parallel runs do not clash).
#
#   ops/image/smoke.sh        (after ops/image/build-base.sh and ops/image/build.sh)
set -euo pipefail
# shellcheck source=ops/image/lib.sh
source "$(dirname "$0")/lib.sh"

image_exists "$MODELPLANE_IMAGE" || die "$MODELPLANE_IMAGE does not exist: run ops/image/build.sh"
image_exists "$POSTGRES_IMAGE" || die "$POSTGRES_IMAGE does not exist: run ops/image/build-base.sh"

work="$(mktemp -d)"
prefix="mp-smoke-$$"
services=(registry prediction experiments monitoring worker gateway)
containers=()
ok=false
cleanup() {
  if ! $ok; then dump_logs "${containers[@]}"; fi
  [ ${#containers[@]} -eq 0 ] || docker rm -f "${containers[@]}" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Free loopback ports for PostgreSQL and the seven services, and production secrets.
read -r -a ports <<<"$(free_ports 8)"
pg_port=${ports[0]}
declare -A port=([gateway]=${ports[1]} [registry]=${ports[2]} [prediction]=${ports[3]} [experiments]=${ports[4]}
  [monitoring]=${ports[5]} [worker]=${ports[6]})
read -r gateway_secret admin_key pg_password <<<"$(new_secrets)"

cat >"$work/env" <<EOF
MODELPLANE_MODE=production
DATABASE_URL=postgres://modelplane:$pg_password@127.0.0.1:$pg_port/modelplane
GATEWAY_SECRET=$gateway_secret
MODELPLANE_ADMIN_KEY=$admin_key
LOG_LEVEL=${LOG_LEVEL:-info}
HOST=127.0.0.1
PORT=${port[gateway]}
REGISTRY_PORT=${port[registry]}
PREDICTION_PORT=${port[prediction]}
EXPERIMENTS_PORT=${port[experiments]}
MONITORING_PORT=${port[monitoring]}
WORKER_PORT=${port[worker]}
REGISTRY_URL=http://127.0.0.1:${port[registry]}/graphql
PREDICTION_URL=http://127.0.0.1:${port[prediction]}/graphql
EXPERIMENTS_URL=http://127.0.0.1:${port[experiments]}/graphql
MONITORING_URL=http://127.0.0.1:${port[monitoring]}/graphql
SHUTDOWN_TIMEOUT_MS=10000
EOF
hardened=(--network host --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges
  --user 10001:10001 --env-file "$work/env")

log "PostgreSQL ($POSTGRES_IMAGE) on 127.0.0.1:$pg_port"
containers+=("$prefix-postgres")
docker run -d --name "$prefix-postgres" --network host \
  -e PGPORT="$pg_port" -e POSTGRES_USER=modelplane -e POSTGRES_PASSWORD="$pg_password" -e POSTGRES_DB=modelplane \
  "$POSTGRES_IMAGE" >/dev/null
for _ in $(seq 1 60); do
  [ "$(docker inspect --format '{{.State.Health.Status}}' "$prefix-postgres")" = healthy ] && break
  [ "$(docker inspect --format '{{.State.Running}}' "$prefix-postgres")" = true ] || die "PostgreSQL exited"
  sleep 1
done
[ "$(docker inspect --format '{{.State.Health.Status}}' "$prefix-postgres")" = healthy ] || die "PostgreSQL not healthy"

log "migrate"
containers+=("$prefix-migrate")
docker run --name "$prefix-migrate" "${hardened[@]}" "$MODELPLANE_IMAGE" migrate >/dev/null ||
  die "migrate exited with $(docker inspect --format '{{.State.ExitCode}}' "$prefix-migrate")"

log "ONNX model trained inside the image (read-only, non-root)"
docker run --rm "${hardened[@]}" -i --entrypoint node "$MODELPLANE_IMAGE" - <"$REPO_ROOT/ops/image/model-fixture.js" \
  >"$work/model.json"

urls=()
for s in "${services[@]}"; do
  containers+=("$prefix-$s")
  docker run -d --name "$prefix-$s" "${hardened[@]}" "$MODELPLANE_IMAGE" "$s" >/dev/null
  urls+=("http://127.0.0.1:${port[$s]}/health/ready")
done
log "started ${services[*]}; waiting for /health/ready"
# Fail at once when a container exits instead of waiting for its health endpoint to time out.
all_running() {
  local s
  for s in "${services[@]}"; do
    [ "$(docker inspect --format '{{.State.Running}}' "$prefix-$s")" = true ] || {
      log "$s exited with $(docker inspect --format '{{.State.ExitCode}}' "$prefix-$s")"
      return 1
    }
  done
}
node "$REPO_ROOT/ops/image/smoke-flow.mjs" wait "${urls[@]}" &
waiter=$!
while kill -0 "$waiter" 2>/dev/null; do
  all_running || { kill "$waiter"; die "a service container exited during start-up"; }
  sleep 1
done
wait "$waiter" || die "services not ready"
all_running || die "a service container exited during start-up"

GATEWAY_URL="http://127.0.0.1:${port[gateway]}/graphql" MODELPLANE_ADMIN_KEY="$admin_key" \
  node "$REPO_ROOT/ops/image/smoke-flow.mjs" flow "$work/model.json"

# Production mode trains only in worker processes: the run above must have been the worker container's.
docker logs "$prefix-worker" 2>&1 | grep -q '"msg":"training run succeeded"' ||
  die "the worker container did not log the training run"
if docker logs "$prefix-experiments" 2>&1 | grep -q '"msg":"training run started"'; then
  die "the experiments subgraph trained in production mode"
fi

# Gateway first (it drains its clients), then the services behind it.
log "SIGTERM to every service container"
failed=()
for ((i = ${#services[@]} - 1; i >= 0; i--)); do
  c="$prefix-${services[$i]}"
  docker kill --signal TERM "$c" >/dev/null
  code="$(docker wait "$c")"
  log "  ${services[$i]} exited with $code"
  [ "$code" = 0 ] || failed+=("${services[$i]}")
done
[ ${#failed[@]} -eq 0 ] || die "non-zero exit after SIGTERM: ${failed[*]}"
ok=true
log "image smoke test passed; $MODELPLANE_IMAGE is $(image_mb "$MODELPLANE_IMAGE") MB"
