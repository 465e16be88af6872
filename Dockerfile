# syntax=docker/dockerfile:1
# Production image: gunicorn serving the portal, static files by whitenoise.
# The same image runs the Celery worker and beat (see docker-compose.yml).

# --- builder: compiled translations -----------------------------------------
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
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
# The runtime closure from the lock (`make lock`), every file checked against
# its hash; --no-deps because the lock already lists every dependency, and
# wheels only, so the slim image needs no compiler.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps --only-binary=:all: -r requirements.lock

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

# gunicorn, every setting explicit (docker-compose.yml's `web` repeats them):
# - sync workers: a request is short, database-bound Django code; long work
#   (bulk mail, the B2B scheduler, large exports) runs in Celery on the `long`
#   queue, so no request waits on anything slow enough to need threads or gevent;
# - --timeout 30: a worker silent for 30 s is killed and replaced. Nothing
#   legitimate takes that long now: an XLSX/PDF or badge sheet above
#   EXPORT_INLINE_MAX_ROWS (2,000) rows is prepared in the background (50,000
#   rows took 19.6 s inside the request, too close to the limit); the CSV
#   streams 50,000 rows in about 3 s;
# - --graceful-timeout 30: on a restart or deploy, requests in flight finish;
# - --max-requests 1000 with jitter 100: each worker is replaced after about a
#   thousand requests, at staggered times, so slow memory growth (PDF fonts,
#   openpyxl) never accumulates and the workers never restart all at once.
CMD ["sh", "-c", "exec gunicorn conference.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-4} --worker-class sync --timeout 30 --graceful-timeout 30 --max-requests 1000 --max-requests-jitter 100 --access-logfile -"]
