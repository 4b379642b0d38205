"""gunicorn settings, shared by the container, deploy/smoke-test.sh and deploy/load-test.sh.

Every value can be changed from the environment; docs/deployment.md lists the variables.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Synchronous workers: each handles one request at a time, so this is the concurrency of one
# app container. Two to four per core; scale out with more containers (docs/deployment.md).
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle each worker after about a thousand requests: memory stays bounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10

# Query strings over 8 KB get 414 from the app (MAX_QUERY_STRING_LENGTH); allow request lines
# that long here (gunicorn's maximum) so that the app, not the server, gives the answer.
limit_request_line = 8190

# Logs to standard output (access) and standard error (errors), for `docker compose logs`.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Client address as the proxy saw it, request, status, bytes, milliseconds.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# No control socket: several gunicorns may share a machine (tests, load runs), and the
# container's user has no writable home directory.
control_socket_disable = True
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # heartbeat files in memory, not on the container's overlay disk


def post_worker_init(worker):
    # The app is loaded in each worker (no preload): tune the collector once it is.
    from tracker.collector import tune_for_serving
    from tracker.stack import on_roomy_stack

    tune_for_serving()
    # gunicorn calls worker.run() next: the loop that serves every request, streamed
    # responses included, runs with room on the frame stack (tracker/stack.py).
    worker.run = on_roomy_stack(worker.run)
