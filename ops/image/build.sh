#!/usr/bin/env bash
# Builds $MODELPLANE_IMAGE (default modelplane:local) from ./Dockerfile on the local base
# $NODE_IMAGE (ops/image/build-base.sh), with the host network (npm ci inside the build reaches
# the registry the host reaches), then prints the size: the base's layers and ours.
#
#   ops/image/build.sh [extra docker build arguments]
set -euo pipefail
# shellcheck source=ops/image/lib.sh
source "$(dirname "$0")/lib.sh"

image_exists "$NODE_IMAGE" || die "$NODE_IMAGE does not exist: run ops/image/build-base.sh (or set NODE_IMAGE)"
# BuildKit when a client offers it (buildx, or the builder built into Docker 20.10-22 clients such as
# Debian's docker.io): it does not commit every step as a layer, which makes a cold build about twice
# as fast. Otherwise the legacy builder (same result).
builder=(docker build)
for cli in docker /usr/bin/docker; do
  command -v "$cli" >/dev/null || continue
  if printf 'FROM %s\n' "$NODE_IMAGE" | DOCKER_BUILDKIT=1 "$cli" build -q - >/dev/null 2>&1; then
    builder=(env DOCKER_BUILDKIT=1 "$cli" build --progress plain)
    break
  fi
done
log "${builder[*]} $MODELPLANE_IMAGE on $NODE_IMAGE"
"${builder[@]}" --network host --build-arg "NODE_IMAGE=$NODE_IMAGE" -t "$MODELPLANE_IMAGE" "$@" "$REPO_ROOT" >&2
total=$(image_mb "$MODELPLANE_IMAGE")
base=$(image_mb "$NODE_IMAGE")
log "$MODELPLANE_IMAGE: $total MB ($base MB base $NODE_IMAGE, $((total - base)) MB ours)"
