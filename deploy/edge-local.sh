#!/usr/bin/env bash
# nginx from Debian's packages with deploy/nginx/tracker.conf, in front of app servers on
# this machine, as the "edge" service runs it in docker-compose.yml:
#
#   deploy/edge-local.sh start PORT APP_PORT...   # e.g. 8080 8103 8104
#   deploy/edge-local.sh stop
#
# Only the parts a deployment changes differ: the app servers' addresses (app-servers.conf),
# and the port and cache folder (rewritten). Its files live in EDGE_DIR (/tmp/atd-edge).
# EDGE_EXTRA_CONF, if set, names a file included in the http block too (make bench adds a
# static-file server there).
set -euo pipefail
cd "$(dirname "$0")/.."
EDGE_DIR=${EDGE_DIR:-/tmp/atd-edge}

case "${1:-}" in
  start)
    port=$2
    shift 2
    if ! command -v nginx >/dev/null 2>&1; then apt-get install -y -q nginx-light >/dev/null; fi
    mkdir -p "$EDGE_DIR/tracker"
    cp deploy/nginx/proxy.conf deploy/nginx/cache.conf "$EDGE_DIR/tracker/"
    sed -e "s/listen 8080;/listen 127.0.0.1:$port;/" \
      -e "s#/var/cache/nginx/tracker#$EDGE_DIR/cache#" deploy/nginx/tracker.conf >"$EDGE_DIR/tracker.conf"
    : >"$EDGE_DIR/tracker/app-servers.conf"
    for app in "$@"; do
      echo "server 127.0.0.1:$app max_fails=1 fail_timeout=10s;" >>"$EDGE_DIR/tracker/app-servers.conf"
    done
    for app in "$@"; do
      echo "server 127.0.0.1:$app backup max_fails=0;" >>"$EDGE_DIR/tracker/app-servers.conf"
    done
    cat >"$EDGE_DIR/nginx.conf" <<CONF
worker_processes 2;
pid $EDGE_DIR/nginx.pid;
error_log $EDGE_DIR/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $EDGE_DIR/body;
    proxy_temp_path $EDGE_DIR/proxy;
    fastcgi_temp_path $EDGE_DIR/fastcgi;
    uwsgi_temp_path $EDGE_DIR/uwsgi;
    scgi_temp_path $EDGE_DIR/scgi;
    include $EDGE_DIR/tracker.conf;
CONF
    if [ -n "${EDGE_EXTRA_CONF:-}" ]; then
      echo "    include $(realpath "$EDGE_EXTRA_CONF");" >>"$EDGE_DIR/nginx.conf"
    fi
    echo "}" >>"$EDGE_DIR/nginx.conf"
    nginx -t -q -p "$EDGE_DIR" -c "$EDGE_DIR/nginx.conf"
    nginx -p "$EDGE_DIR" -c "$EDGE_DIR/nginx.conf"
    ;;
  stop)
    if [ -f "$EDGE_DIR/nginx.pid" ]; then nginx -p "$EDGE_DIR" -c "$EDGE_DIR/nginx.conf" -s quit; fi
    ;;
  *) echo "usage: $0 start PORT APP_PORT... | stop" >&2; exit 2 ;;
esac
