# The ATD Tracker's app image: gunicorn serving Django, static files collected in the image
# and served by the app (WhiteNoise, far-future caching for hashed names).
# docker-compose.yml builds it; docs/deployment.md explains the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (the project installs no package of its own), so that a code change
# reuses this layer.
COPY pyproject.toml ./
RUN pip install .

COPY . .
# Translations compiled with Babel (no GNU gettext in the image), static files collected
# with hashed names; neither needs a database or a real secret.
RUN if [ -d locale ]; then pybabel compile --domain django --directory locale; fi \
    && DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent app \
    && mkdir -p /var/lib/atd-tracker/downloads \
    && chown app /var/lib/atd-tracker/downloads

# Nothing in /app is writable by the app: sessions, cache and data live in PostgreSQL/Redis,
# the built downloads in a volume (docker-compose.yml mounts one shared by every container).
USER app
ENV DEBUG=false \
    GUNICORN_BIND=0.0.0.0:8000 \
    DOWNLOADS_DIR=/var/lib/atd-tracker/downloads
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r, sys; sys.exit(r.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"]

# Migrate, load the dataset on first start, serve; docker-compose.yml splits the first two
# into a one-off "migrate" service so that scaled-out web containers only serve.
CMD ["deploy/start.sh"]
