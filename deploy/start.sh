#!/bin/sh
# Start an app container (Dockerfile), or run the same steps on a machine without Docker
# (deploy/smoke-test.sh):
#   deploy/start.sh migrate   migrations, then the dataset on first start; exits
#   deploy/start.sh serve     gunicorn only (docker-compose.yml runs "migrate" once before)
#   deploy/start.sh           both, for a single container (`docker run`)
# LOAD_DATASET: "first" (default) loads fixtures/ only into a database without indicators
# yet, so that later starts never overwrite what researchers changed in the admin;
# "always" loads it on every start (it is idempotent); "never" skips it.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}

migrate() {
  "$PYTHON" manage.py migrate --noinput
  case "${LOAD_DATASET:-first}" in
    always) load=yes ;;
    never) load=no ;;
    first)
      if "$PYTHON" manage.py shell -c "from practices.models import Indicator
raise SystemExit(1 if Indicator.objects.exists() else 0)"; then load=yes; else load=no; fi ;;
    *) echo "LOAD_DATASET must be first, always or never" >&2; exit 2 ;;
  esac
  if [ "$load" = yes ]; then
    "$PYTHON" manage.py load_dataset
  else
    echo "Dataset: not loaded (LOAD_DATASET=${LOAD_DATASET:-first}, the database has records)"
  fi
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
