# shellcheck shell=bash
# Shared by the ops/image scripts (sourced, not run). Bash only.

# Local image names; every script takes the same overrides.
: "${NODE_IMAGE:=local/node:22-bookworm-slim}"
: "${POSTGRES_IMAGE:=local/postgres:15-bookworm}"
: "${MODELPLANE_IMAGE:=modelplane:local}"
export NODE_IMAGE POSTGRES_IMAGE MODELPLANE_IMAGE

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO_ROOT

log() { printf '[image %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# Size of a local image in MB (decimal, as `docker images` prints it).
image_mb() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f", $1 / 1000000 }'; }

# The Debian mirror apt is configured with (deb822 .sources or a one-line sources.list entry).
debian_mirror() {
  local uri
  uri="$(grep -hs -A3 '^Types: deb$' /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')"
  if [ -z "$uri" ]; then
    uri="$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$0 !~ /security/ && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }')"
  fi
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# Prints the last log lines of each named container (for failures).
dump_logs() {
  local c
  for c in "$@"; do
    docker container inspect "$c" >/dev/null 2>&1 || continue
    printf '\n----- logs of %s (state: %s) -----\n' "$c" \
      "$(docker inspect --format '{{.State.Status}} exit={{.State.ExitCode}}' "$c" 2>/dev/null)" >&2
    docker logs --tail 80 "$c" >&2 2>&1 || true
  done
}

# N free loopback ports, space-separated (the smoke tests run side by side with other services).
free_ports() {
  node -e '
    const net = require("node:net");
    const servers = Array.from({ length: Number(process.argv[1]) }, () => net.createServer().listen(0, "127.0.0.1"));
    Promise.all(servers.map((s) => new Promise((r) => s.on("listening", r)))).then(() => {
      console.log(servers.map((s) => s.address().port).join(" "));
      servers.forEach((s) => s.close());
    });' "$1"
}

# Fresh production secrets in the formats docker-compose.yml documents, space-separated:
# GATEWAY_SECRET (64 hex), MODELPLANE_ADMIN_KEY (mp_<12 hex>_<43 letters/digits>, the registry's
# key format) and a database password.
new_secrets() {
  node -e '
    const { randomBytes } = require("node:crypto");
    const base62 = (n) => Array.from(randomBytes(n), (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[b % 62]).join("");
    console.log(randomBytes(32).toString("hex"), `mp_${randomBytes(6).toString("hex")}_${base62(43)}`, randomBytes(12).toString("hex"));'
}
