# ScholarNet. `make run` and `make test` work on a fresh machine with Python 3.11+.

VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The first interpreter that is 3.11 or newer.
PYTHON ?= $(shell for candidate in python3 python3.11 python3.12 python3.13; do \
	command -v $$candidate >/dev/null 2>&1 && \
	$$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && \
	echo $$candidate && break; done)
INSTALLED := $(VENV)/.installed
REQUIREMENTS := $(wildcard requirements/*.txt)
PYTEST_ARGS ?=

# `make run`: the single-machine deployment (granian, DEBUG off, secrets generated under var/).
# `make run` and `make dev` load the demo content once (manage.py demo_data); DEMO_DATA=false skips it.
RUN_SETTINGS ?= config.settings.single

.PHONY: run dev test bench install lint lint-docker format typecheck schema check-schema \
	check-migrations check check-deploy relay consume clean mysql-driver runbook

run: install
	DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) $(PY) manage.py run_stack

# Development: Django's autoreloading server with DEBUG on, plus the same worker and beat.
dev: install
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py run_stack --dev

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m bench $(BENCH_ARGS)

install: $(INSTALLED)
	@case "$$DATABASE_URL" in mysql*) $(MAKE) --no-print-directory mysql-driver ;; esac

$(PY):
	@test -n "$(PYTHON)" || { echo "ScholarNet needs Python 3.11 or newer on PATH." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(INSTALLED): $(PY) $(REQUIREMENTS)
	$(PY) -m pip install --quiet -r requirements/local.txt
	@touch $@

# mysqlclient compiles against libmysqlclient (Debian: default-libmysqlclient-dev pkg-config).
mysql-driver: $(PY)
	@$(PY) -c 'import MySQLdb' 2>/dev/null || $(PY) -m pip install --quiet -r requirements/mysql.txt

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The Dockerfile, statically (no Docker engine needed); its build steps are tested in tests/deploy.
lint-docker: install
	$(BIN)/hadolint Dockerfile

# The services-mode runbook of README.md, end to end against MariaDB, Redis and Kafka.
runbook:
	deploy/local-services.sh

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install
	$(BIN)/mypy

schema: install
	$(PY) manage.py spectacular --file openapi.yaml --validate --fail-on-warn

check-schema: install
	$(PY) manage.py spectacular --file $(VENV)/openapi.current.yaml --validate --fail-on-warn
	@diff -u openapi.yaml $(VENV)/openapi.current.yaml || \
		{ echo "openapi.yaml is out of date: run 'make schema'." >&2; exit 1; }

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

# The alert rules (promtool: Debian package prometheus) and the Kubernetes manifests (offline,
# kubernetes-validate's bundled schemas); their contents are tested in tests/deploy.
check-deploy: install
	promtool check rules deploy/prometheus/alerts.yml
	$(BIN)/kubernetes-validate --strict deploy/k8s/*.yaml

check: lint check-migrations check-schema

relay: install
	$(PY) manage.py relay_outbox --loop

clean:
	rm -rf var/test .pytest_cache .ruff_cache .mypy_cache
