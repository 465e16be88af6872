# syntax=docker/dockerfile:1
# Production image: gunicorn serving the portal, static files by whitenoise.
# The same image runs the Celery worker and beat (see docker-compose.yml).

# --- builder: wheels for every pinned requirement, compiled translations ----
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY requirements.txt ./
RUN pip wheel --wheel-dir /wheels -r requirements.txt

COPY . .
# .mo files are build products (not in git): compile every catalogue here, so
# the final image needs no gettext.
RUN find . -path '*/locale/*/LC_MESSAGES/*.po' -print0 \
    | xargs -0 -r -n 1 sh -c 'msgfmt --check-format -o "${0%.po}.mo" "$0"'

# --- final image ------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=conference.settings

# A Japanese font that reportlab can embed, so names in PDFs (badges, lists)
# render whatever viewer opens them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-ipafont-gothic fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app
COPY requirements.txt ./
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels -r requirements.txt

# Application code stays owned by root: the app user can read it, not change it.
COPY --from=builder /src /app
# Hashed, compressed static files for whitenoise. DEBUG=0 selects the manifest
# storage; settings need a SECRET_KEY to load, and this one is used only here.
# Only the embedded mode (no REDIS_URL) writes to disk, under var/ (broker
# folder, beat schedule), and uploaded photos and logos go to media/ unless
# STORAGE_BACKEND names a shared store: those folders belong to the app user.
RUN DEBUG=0 SECRET_KEY=collectstatic-build-only-not-a-secret \
        python manage.py collectstatic --noinput -v 0 \
    && rm -rf /app/var /app/media && mkdir /app/var /app/media && chown app:app /app/var /app/media

USER app
EXPOSE 8000

# /healthz reports the database, Redis and the beat heartbeat (503 when one is
# down). The Host header must be one of ALLOWED_HOSTS; the redirect to HTTPS
# exempts /healthz.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; host = os.getenv('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.'); host = 'localhost' if host in ('', '*') else host; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=8)"]

CMD ["sh", "-c", "exec gunicorn conference.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-4} --access-logfile -"]
