# One image for every ScholarNet process: web, worker, beat, relay and consumers.
# Building needs no secret and no service: collectstatic and check run with
# config.settings.build; the container runs config.settings.production, which reads its secrets
# (DJANGO_SECRET_KEY, JWT_SIGNING_KEY, ...) from the environment at start.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    VAR_DIR=/app/var

# mysqlclient compiles against libmysqlclient.
RUN apt-get update \
    && apt-get install -y --no-install-recommends default-libmysqlclient-dev pkg-config gcc \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/production.txt

COPY . .
# The static files are part of the image; WhiteNoise serves them from var/static.
RUN DJANGO_SETTINGS_MODULE=config.settings.build python manage.py collectstatic --noinput \
    && DJANGO_SETTINGS_MODULE=config.settings.build python manage.py check

# Every process writes its metrics here and /metrics sums them (set after the build steps, so
# they leave no files of their own in it). docker-compose.yml shares it between containers.
ENV PROMETHEUS_MULTIPROC_DIR=/app/var/prometheus
RUN useradd --system --uid 10001 --home /app scholarnet \
    && mkdir -p /app/var/prometheus \
    && chown -R 10001 /app/var
USER 10001
EXPOSE 8000
# manage.py serve refuses an occupied port, then becomes granian: one worker per core, four
# request threads each (see bench/RESULTS.md for the measurement).
CMD ["python", "manage.py", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
