#!/usr/bin/env bash
# The container's start-up, without Docker: on this machine's PostgreSQL, run what an app
# container runs (migrate, the dataset on first start, collectstatic as the image build does,
# gunicorn with production settings), then ask it what a visitor and a probe would.
# .ci/run calls it; run it by hand with `bash deploy/smoke-test.sh`.
#
#   SMOKE_DATABASE_URL  default postgres://postgres@127.0.0.1:5432/atd_tracker (created if missing)
#   SMOKE_PORT          default 8150 (gunicorn on 127.0.0.1)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
PORT=${SMOKE_PORT:-8150}
DATABASE_URL=${SMOKE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/atd_tracker}
BASE=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
source deploy/local-production.sh
trap 'stop_gunicorn; rm -rf "$WORK"' EXIT

export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
echo "== smoke test: gunicorn on $BASE, database ${DATABASE_URL##*/}"
serve_like_production "$PORT" "$WORK/gunicorn.log" 15
echo "== cache ${REDIS_URL:-in memory}"

failures=0
ok() { echo "ok    $1"; }
bad() { echo "FAIL  $1"; failures=$((failures + 1)); }

# fetch NAME PATH [curl options...]: status in $status, headers in $WORK/NAME.h, body in .b
fetch() {
  local name=$1 path=$2
  shift 2
  status=$(curl -s -o "$WORK/$name.b" -D "$WORK/$name.h" -w '%{http_code}' "$@" "$BASE$path")
}
expect_status() { # description expected
  if [ "$status" = "$2" ]; then ok "$1: $status"; else bad "$1: expected $2, got $status"; fi
}
expect_header() { # name header-regex
  if grep -qiE "^$2" "$WORK/$1.h"; then ok "  $(grep -iE "^$2" "$WORK/$1.h" | head -1 | tr -d '\r' | cut -c1-110)"
  else bad "  $1: no header matching '$2'"; fi
}
HTTPS=(-H "X-Forwarded-Proto: https" -H "Host: localhost")

fetch health /healthz
expect_status "GET /healthz" 200
fetch ready /readyz
expect_status "GET /readyz" 200
grep -q '"database": "ok"' "$WORK/ready.b" && ok "  $(cat "$WORK/ready.b")" || bad "  readyz body: $(cat "$WORK/ready.b")"

fetch home / "${HTTPS[@]}"
expect_status "GET / over HTTPS (via the proxy)" 200
for header in "Strict-Transport-Security: max-age=[0-9]{8}" \
  "Content-Security-Policy: .*script-src 'self'" "X-Frame-Options: DENY" \
  "X-Content-Type-Options: nosniff" "Referrer-Policy: same-origin" \
  "Cross-Origin-Opener-Policy: same-origin"; do
  expect_header home "$header"
done

fetch plain / -H "Host: localhost"
expect_status "GET / over plain HTTP redirects to HTTPS" 301
expect_header plain "Location: https://localhost/"

fetch country /countries/mx/ "${HTTPS[@]}"
expect_status "GET /countries/mx/" 200
fetch laws "/laws/?country=mx" "${HTTPS[@]}"
expect_status "GET /laws/?country=mx" 200

fetch api /api/v1/countries/ "${HTTPS[@]}" -H "Accept: application/json"
expect_status "GET /api/v1/countries/" 200
expect_header api "Content-Type: application/json"
expect_header api "Content-Security-Policy: "
expect_header api "X-Content-Type-Options: nosniff"

css=$(grep -oE '/static/css/tracker\.[0-9a-f]{12}\.css' "$WORK/home.b" | head -1 || true)
if [ -n "$css" ]; then
  fetch static "$css" "${HTTPS[@]}" -H "Accept-Encoding: gzip"
  expect_status "GET $css (hashed name)" 200
  expect_header static "Cache-Control: max-age=315360000, public, immutable"
  expect_header static "Content-Encoding: gzip"
else
  bad "the home page links no hashed stylesheet"
fi

# The API docs page: Swagger UI from the collected static files (drf-spectacular-sidecar).
fetch docs /api/v1/docs/ "${HTTPS[@]}"
expect_status "GET /api/v1/docs/" 200
bundle=$(grep -oE '/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.[0-9a-f]{12}\.js' "$WORK/docs.b" | head -1 || true)
if [ -n "$bundle" ]; then
  fetch swagger "$bundle" "${HTTPS[@]}"
  expect_status "GET $bundle (Swagger UI, hashed name)" 200
else
  bad "the docs page links no hashed Swagger UI bundle"
fi

fetch evil / -H "X-Forwarded-Proto: https" -H "Host: evil.example"
expect_status "unknown Host header" 400
fetch long "/laws/?q=$(head -c 9000 /dev/zero | tr '\0' a)" "${HTTPS[@]}"
expect_status "query string over 8 KB" 414
fetch page "/laws/?page=1000000000000000000000000000000" "${HTTPS[@]}"
expect_status "page=10**30" 400
fetch utf8 "/search/?q=%FF%FE" "${HTTPS[@]}"
expect_status "invalid UTF-8 in the query" 400
fetch nul "/api/v1/laws/?q=a%00" "${HTTPS[@]}"
expect_status "NUL in an API query" 400

grep -q '"GET /healthz HTTP/1.1" 200' "$WORK/gunicorn.log" && ok "access log on standard output" \
  || bad "no access log line for /healthz"

if [ "$failures" -ne 0 ]; then
  echo "== smoke test: $failures failed; gunicorn's log:"
  cat "$WORK/gunicorn.log"
  exit 1
fi
echo "== smoke test passed"
