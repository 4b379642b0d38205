#!/bin/sh
# Start an app container (Dockerfile), or run the same steps on a machine without Docker
# (deploy/smoke-test.sh):
#   deploy/start.sh migrate   migrations, the dataset on first start, the downloads; exits
#   deploy/start.sh serve     gunicorn only (docker-compose.yml runs "migrate" once before)
#   deploy/start.sh           both, for a single container (`docker run`)
# LOAD_DATASET: "first" (default) loads fixtures/ only into a database without indicators
# yet, so that later starts never overwrite what researchers changed in the admin;
# "always" loads it on every start (it is idempotent); "never" skips it.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}

migrate() {
  # Under a lock (PostgreSQL advisory lock, SQLite file lock): containers starting together
  # migrate and load the dataset once; the others wait, then find nothing left to do.
  "$PYTHON" manage.py migrate_once --load "${LOAD_DATASET:-first}"
  # The whole-dataset downloads of this version, so that the first visitor finds them ready
  # (afterwards the worker builds them after each change).
  "$PYTHON" manage.py build_downloads
}

serve() {
  exec "${GUNICORN:-gunicorn}" tracker.wsgi --config deploy/gunicorn.conf.py
}

case "${1:-all}" in
  migrate) migrate ;;
  serve) serve ;;
  all) migrate; serve ;;
  *) echo "usage: $0 [migrate|serve|all]" >&2; exit 2 ;;
esac
