#!/usr/bin/env bash
# `make load`: the app under gunicorn on PostgreSQL, with production settings, driven by wrk
# on loopback for a bounded time with a mix of country pages, filtered lists and API calls
# (deploy/load.lua). Prints requests/s, latency percentiles and errors, then stops gunicorn.
#
#   LOAD_DURATION      seconds of measured load (default 30; a 5 s warm-up comes first)
#   LOAD_CONNECTIONS   concurrent connections (default 16)
#   LOAD_THREADS       wrk threads (default 2)
#   WEB_CONCURRENCY    gunicorn workers (default 4)
#   LOAD_PORT          gunicorn on 127.0.0.1 (default 8160)
#   LOAD_DATABASE_URL  default postgres://postgres@127.0.0.1:5432/atd_tracker_load, created
#                      and loaded with the dataset when missing
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
PORT=${LOAD_PORT:-8160}
DURATION=${LOAD_DURATION:-30}
CONNECTIONS=${LOAD_CONNECTIONS:-16}
THREADS=${LOAD_THREADS:-2}
DATABASE_URL=${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/atd_tracker_load}
BASE=http://127.0.0.1:$PORT
LOG=$(mktemp)
source deploy/local-production.sh
trap 'stop_gunicorn; rm -f "$LOG"' EXIT

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q wrk || { apt-get update -q && apt-get install -y -q wrk; }
  else
    echo "wrk is missing: sudo apt-get install wrk" >&2
    exit 1
  fi
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432 (see .ci/run for starting it)" >&2
  exit 1
fi

# No API throttle for this one client; quieter logs.
export API_ANON_THROTTLE_RATE=off LOG_LEVEL=WARNING WEB_CONCURRENCY=${WEB_CONCURRENCY:-4}
echo "== preparing: database ${DATABASE_URL##*/}, static files"
serve_like_production "$PORT" "$LOG" 14 >/dev/null

echo "== gunicorn: $WEB_CONCURRENCY workers on $BASE, cache ${REDIS_URL:-in memory}"
echo "== warm-up: 5 s"
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s deploy/load.lua "$BASE" >/dev/null
: >"$LOG"  # count failures of the measured run only

echo "== load: ${DURATION} s, $CONNECTIONS connections, $THREADS threads ($(nproc) cores)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
  -s deploy/load.lua "$BASE"

# Which paths failed, from the access log: forwarded-for, address, "GET path HTTP/1.1", status
failures=$(awk '$6 ~ /^[45][0-9][0-9]$/ {split($4, p, "?"); print $6, p[1]}' "$LOG" \
  | sort | uniq -c | sort -rn | head -10)
if [ -n "$failures" ]; then
  echo "== failed requests by status and path (gunicorn's access log)"
  echo "$failures"
fi
