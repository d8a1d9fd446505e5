# The one image for web, worker and beat (docker-compose.yml picks the command: bin/web,
# bin/worker or bin/beat, the same scripts bin/dev and CI run).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected at build time and served by WhiteNoise from gunicorn. The key
# below only exists for this build step (settings refuse to start without one when
# DJANGO_DEBUG is false); the containers get the real one from the environment.
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
    python manage.py collectstatic --noinput \
    && mkdir -p var \
    && chown -R app:app var

USER app
EXPOSE 8000
CMD ["bin/web"]
