# One image for every ScholarNet process: web, worker, beat, relay and consumers.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends default-libmysqlclient-dev pkg-config gcc \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/production.txt

COPY . .
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=* REDIS_URL=redis://unused:6379/0 \
    python manage.py collectstatic --noinput

RUN useradd --system --home /app scholarnet && chown -R scholarnet /app
USER scholarnet
EXPOSE 8000
# One worker per core, four request threads each (see bench/RESULTS.md for the measurement).
CMD ["granian", "--interface", "wsgi", "config.wsgi:application", "--host", "0.0.0.0", \
     "--port", "8000", "--workers", "2", "--blocking-threads", "4", "--respawn-failed-workers"]
