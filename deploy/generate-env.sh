#!/usr/bin/env bash
# Writes .env with this installation's secrets (mode 0600) unless it exists; docker compose and
# manage.py both read it. Never commit it (.gitignore and .dockerignore exclude it).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -e .env ]; then
  echo ".env exists; kept as it is"
  exit 0
fi
umask 077
python3 -c 'import secrets
for name in ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"):
    print(f"{name}={secrets.token_urlsafe(48)}")' >.env
echo "wrote .env (DJANGO_SECRET_KEY, JWT_SIGNING_KEY)"
