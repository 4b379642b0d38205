# Sourced by deploy/smoke-test.sh and deploy/load-test.sh: the app as a container runs it, on
# this machine's PostgreSQL (and Redis, when it answers), without Docker.
#
#   serve_like_production PORT LOG REDIS_DB
#
# expects BIN and DATABASE_URL; creates the database if missing, exports the production
# settings docker-compose.yml gives (a caller may export more first, or override them),
# compiles the translations, collects the static files, runs the container's start-up
# (migrate, the dataset on first start), starts gunicorn in the background (GUNICORN_PID,
# output to LOG) and waits for /healthz. `stop_gunicorn` (trapped on EXIT) stops it.

GUNICORN_PID=

stop_gunicorn() {
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID"
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
}

serve_like_production() {
  local port=$1 log=$2 redis_db=$3
  local db_name=${DATABASE_URL##*/} db_server=${DATABASE_URL%/*}/postgres
  if ! psql "$db_server" -tAc "SELECT 1 FROM pg_database WHERE datname='$db_name'" | grep -q 1; then
    psql "$db_server" -qc "CREATE DATABASE \"$db_name\""
  fi

  # As in docker-compose.yml: TLS ends at the proxy, which appends to X-Forwarded-For.
  export DATABASE_URL DEBUG=false ALLOWED_HOSTS=localhost,127.0.0.1 SITE_URL=https://localhost
  SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
  export SECRET_KEY SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto TRUSTED_PROXY_COUNT=1
  export DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-60} GUNICORN_BIND=127.0.0.1:$port
  if [ -z "${REDIS_URL:-}" ] && command -v redis-cli >/dev/null 2>&1 \
    && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    export REDIS_URL=redis://127.0.0.1:6379/$redis_db
  fi

  # The image build (translations, static files), then the container's start.
  if [ -d locale ]; then "$BIN/pybabel" -q compile --domain django --directory locale; fi
  "$BIN/python" manage.py collectstatic --noinput -v0
  PYTHON=$BIN/python deploy/start.sh migrate
  GUNICORN=$BIN/gunicorn deploy/start.sh serve >"$log" 2>&1 &
  GUNICORN_PID=$!
  for _ in $(seq 40); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    if ! kill -0 "$GUNICORN_PID" 2>/dev/null; then break; fi
    sleep 0.5
  done
  cat "$log" >&2
  return 1
}
