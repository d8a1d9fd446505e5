#!/usr/bin/env bash
# Fault checks (about 2 minutes, never more than 4): starts its own PostgreSQL, Redis, SMTP
# sink, gunicorn, Celery worker and beat on free ports, then stops Redis, restarts PostgreSQL,
# takes SMTP down and SIGKILLs a worker while patients book. See ci/faults/run.py.
# Exits non-zero when a check fails. Needs PostgreSQL 15 binaries (PG_BIN) and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY="${PYTHON:-python3}"; fi
mkdir -p var
exec timeout --kill-after=20 240 "$PY" ci/faults/run.py "$@"
