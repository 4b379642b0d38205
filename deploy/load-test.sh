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
#   LOAD_FAULT         a fault during the measured load (docs/deployment.md, "How the site
#                      degrades"); every request should still succeed:
#                        redis     the app's own Redis is killed a third of the way in and
#                                  started again at two thirds
#                        replica   public reads are given a replica on a closed port
#                        postgres  the machine's PostgreSQL cluster restarts mid-load (root)
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
FAULT=${LOAD_FAULT:-}
REDIS_PORT=${LOAD_REDIS_PORT:-6391}
stop_redis() { redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; }
start_redis() { redis-server --port "$REDIS_PORT" --save "" --appendonly no --daemonize yes >/dev/null; }
trap 'stop_gunicorn; rm -f "$LOG"; if [ "$FAULT" = redis ]; then stop_redis; fi' EXIT
case "$FAULT" in
  "") ;;
  redis) start_redis; export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0 ;;
  replica) export DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:1/unreachable ;;
  postgres) ;;
  *) echo "LOAD_FAULT must be redis, replica or postgres" >&2; exit 2 ;;
esac

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

# The fault, on a timer beside the load.
third=$((DURATION / 3))
FAULT_PID=
case "$FAULT" in
  redis) (sleep "$third"; echo "== fault: Redis stopped"; stop_redis
          sleep "$third"; echo "== fault: Redis started again"; start_redis) &
         FAULT_PID=$! ;;
  postgres) (sleep "$third"; echo "== fault: PostgreSQL restarting"
             pg_ctlcluster "$(ls /etc/postgresql)" main restart -m fast; echo "== fault: PostgreSQL back") &
            FAULT_PID=$! ;;
esac

echo "== load: ${DURATION} s, $CONNECTIONS connections, $THREADS threads ($(nproc) cores)${FAULT:+, fault: $FAULT}"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
  -s deploy/load.lua "$BASE"
if [ -n "$FAULT_PID" ]; then wait "$FAULT_PID"; fi

# Which paths failed, from the access log: forwarded-for, address, "GET path HTTP/1.1", status
failures=$(awk '$6 ~ /^[45][0-9][0-9]$/ {split($4, p, "?"); print $6, p[1]}' "$LOG" \
  | sort | uniq -c | sort -rn | head -10)
if [ -n "$failures" ]; then
  echo "== failed requests by status and path (gunicorn's access log)"
  echo "$failures"
fi
