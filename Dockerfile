FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install . && \
    DEBUG=false SECRET_KEY=build-only python manage.py collectstatic --noinput

EXPOSE 8000
# Migrations and the dataset load are idempotent, so every start may run them.
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_dataset && exec gunicorn tracker.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
