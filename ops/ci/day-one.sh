#!/usr/bin/env bash
# Day one as a new user, right after the README's install (`npm ci`) on a fresh clone:
#   npx modelplane works before anything was built; `npm start` starts with defaults and prints a key;
#   `npx modelplane models list` and `npm run demo` work against it; a second `npm start` (another
#   MODELPLANE_HOME, no port settings) runs beside the first; `kill -9` of the first `npm start`
#   leaves no PostgreSQL or service behind; Ctrl-C of the second stops it cleanly (exit 0).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/modelplane-day-one-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "day-one: $*" >&2
  for log in "$work"/*.log; do echo "--- $log (last 40 lines)" >&2; tail -40 "$log" >&2 || true; done
  exit 1
}
step() { echo "day-one: $*"; }

step 'npx modelplane --help before any build (the committed bin shim builds on first use)'
npx --no-install modelplane --help > "$work/help.log" 2>&1 || fail 'npx modelplane --help failed'
grep -q 'models list' "$work/help.log" || fail 'npx modelplane --help printed no usage'

# Starts `npm start` in its own process group (as a terminal would), waits for the banner.
start() {
  local name=$1
  MODELPLANE_HOME="$work/$name-home" setsid npm start > "$work/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 180); do
    grep -q 'Modelplane is ready' "$work/$name.log" && break
    kill -0 "$pid" 2>/dev/null || fail "npm start ($name) exited before it was ready"
    sleep 1
  done
  grep -q 'Modelplane is ready' "$work/$name.log" || fail "npm start ($name) was not ready within 180 s"
  eval "${name}_pid=$pid"
  eval "${name}_url=$(grep -o 'GraphQL:  http[^ ]*' "$work/$name.log" | awk '{print $2}')"
  eval "${name}_key=$(grep -o 'Admin key: mp_[0-9a-f]*_[A-Za-z0-9]*' "$work/$name.log" | awk '{print $3}')"
}

step 'npm start with defaults'
start a
[ -n "$a_key" ] || fail 'the first start printed no admin key'
step "ready at $a_url"

step 'npx modelplane models list with the printed key'
MODELPLANE_URL=$a_url MODELPLANE_API_KEY=$a_key npx --no-install modelplane models list > "$work/models.log" 2>&1 || fail 'models list failed'
grep -q 'seattle-rain' "$work/models.log" || fail 'models list does not show seattle-rain'

step 'npm run demo against the default platform'
MODELPLANE_URL=$a_url MODELPLANE_API_KEY=$a_key DEMO_RETRAIN_WAIT_S=${DEMO_RETRAIN_WAIT_S:-90} npm run demo > "$work/demo.log" 2>&1 || fail 'npm run demo failed'
tail -5 "$work/demo.log"

step 'a second npm start beside it (another MODELPLANE_HOME, no port settings)'
start b
[ "$b_url" != "$a_url" ] || fail 'the second platform reports the first one'"'"'s URL'
MODELPLANE_URL=$b_url MODELPLANE_API_KEY=$b_key npx --no-install modelplane models list > "$work/models-b.log" 2>&1 || fail 'models list on the second platform failed'
grep -q 'seattle-rain' "$work/models-b.log" || fail 'the second platform has no seattle-rain'

step 'kill -9 of the first npm start leaves nothing behind'
kill -KILL "$a_pid"
for _ in $(seq 1 60); do
  pgrep -f "$work/a-home" > /dev/null || break
  sleep 0.5
done
if pgrep -af "$work/a-home"; then fail 'processes of the first platform outlived kill -9 of npm start'; fi
gateway_answers() { curl -sf -o /dev/null -X POST -H 'content-type: application/json' -d '{"query":"{__typename}"}' "$1" 2>/dev/null; }
for _ in $(seq 1 60); do
  gateway_answers "$a_url" || break
  sleep 0.5
done
if gateway_answers "$a_url"; then fail 'the first gateway still answers 30 s after kill -9 of npm start'; fi

step 'Ctrl-C of the second npm start stops it cleanly'
kill -INT -- "-$b_pid"
code=0
wait "$b_pid" || code=$?
# 130 is npm's own answer to Ctrl-C (128 + SIGINT) once the platform has stopped; anything else is a failure.
[ "$code" = 0 ] || [ "$code" = 130 ] || fail "npm start exited with $code after Ctrl-C"
if pgrep -af "$work/b-home"; then fail 'PostgreSQL of the second platform outlived its stop'; fi
grep -q '"msg":"stopped"' "$work/b.log" || fail 'the second platform did not report a clean stop'
step 'passed'
