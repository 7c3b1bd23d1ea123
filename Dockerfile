# Unionroll application image: the web server, the Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UNIONROLL_DATA_DIR=/data \
    UNIONROLL_MEDIA_ROOT=/data/media

WORKDIR /app

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# Translations are build output (locale/*/LC_MESSAGES/*.mo), compiled without GNU gettext.
RUN python -m notifications.catalogs compile

# The manifest for hashed static file names is made at build time; these values exist only for
# this step (collectstatic loads the production settings but touches no database).
RUN DJANGO_ENV=production \
    DJANGO_SECRET_KEY=build-only-build-only-build-only-build-only-build-only-build-only \
    DJANGO_ALLOWED_HOSTS=build \
    DATABASE_URL=postgresql://build@localhost/build \
    UNIONROLL_PORTAL_BASE_URL=https://build.example \
    UNIONROLL_SMS_BACKEND=notifications.channels.sms.TwilioSmsBackend \
    TWILIO_ACCOUNT_SID=build TWILIO_AUTH_TOKEN=build \
    EMAIL_HOST=build EMAIL_USE_TLS=1 \
    CELERY_BROKER_URL=redis://build REDIS_URL=redis://build \
    python manage.py collectstatic --no-input -v 0

# Never run as root. Uploaded rosters live in /data/media, a volume shared with the worker.
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin unionroll \
    && mkdir -p /data/media \
    && chown -R unionroll:unionroll /data
USER unionroll
VOLUME ["/data/media"]

EXPOSE 8000
CMD ["gunicorn", "unionroll.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
