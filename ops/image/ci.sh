#!/usr/bin/env bash
# CI entry for the image: everything from a machine with only Node, npm and apt.
#   1. docker.io, debootstrap and docker-compose from apt when absent (root only);
#   2. dockerd started when not running (and stopped again at the end if this script started it);
#   3. the offline base images (ops/image/build-base.sh; an existing local base is reused), then the
#      image (ops/image/build.sh);
#   4. the image smoke test (ops/image/smoke.sh) and the compose smoke test (ops/image/compose-smoke.sh),
#      side by side;
#   5. the image size.
# Set MODELPLANE_IMAGE_CI=skip to skip it all (a machine without Docker and without root).
set -euo pipefail
# shellcheck source=ops/image/lib.sh
source "$(dirname "$0")/lib.sh"
here="$(dirname "$0")"

if [ "${MODELPLANE_IMAGE_CI:-}" = skip ]; then
  log "MODELPLANE_IMAGE_CI=skip: image build and smoke tests skipped"
  exit 0
fi
t0=$SECONDS
phase() { log "── $1 ($((SECONDS - t0)) s)"; }

missing=()
command -v dockerd >/dev/null || command -v docker >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    die "missing ${missing[*]} (install them, or run as root with apt)"
  fi
  phase "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

dockerd_pid=""
stop_dockerd() {
  [ -n "$dockerd_pid" ] || return 0
  log "stopping the dockerd this script started (pid $dockerd_pid)"
  kill "$dockerd_pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$dockerd_pid" 2>/dev/null || return 0; sleep 1; done
}
trap stop_dockerd EXIT
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "no Docker engine reachable, and starting dockerd needs root"
  phase "starting dockerd"
  dockerd_log="$(mktemp /tmp/dockerd.XXXXXX.log)"
  dockerd >"$dockerd_log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || {
    tail -40 "$dockerd_log" >&2
    die "dockerd did not come up"
  }
fi

phase "base image"
"$here/build-base.sh" node
# The PostgreSQL image (only the smoke tests need it) builds while the app image does.
phase "image, and the PostgreSQL image beside it"
pg_log="$(mktemp /tmp/postgres-image.XXXXXX.log)"
"$here/build-base.sh" postgres >"$pg_log" 2>&1 &
pg_build=$!
"$here/build.sh"
wait "$pg_build" || {
  tail -40 "$pg_log" >&2
  die "the PostgreSQL image did not build"
}
grep '^\[image' "$pg_log" >&2 || true
rm -f "$pg_log"
# The two smoke tests share nothing but the images (own ports, own compose project): run them side
# by side, the compose one's output printed as a block when it is done.
phase "image smoke test and compose smoke test"
compose_log="$(mktemp /tmp/compose-smoke.XXXXXX.log)"
"$here/compose-smoke.sh" >"$compose_log" 2>&1 &
compose_smoke=$!
smoke_ok=true
"$here/smoke.sh" || smoke_ok=false
compose_ok=true
wait "$compose_smoke" || compose_ok=false
sed 's/^/[compose] /' "$compose_log" >&2
rm -f "$compose_log"
$smoke_ok || die "the image smoke test failed"
$compose_ok || die "the compose smoke test failed"

total=$(image_mb "$MODELPLANE_IMAGE")
base=$(image_mb "$NODE_IMAGE")
phase "done: $MODELPLANE_IMAGE is $total MB ($base MB base, $((total - base)) MB ours)"
