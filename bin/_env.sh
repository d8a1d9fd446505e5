# Sourced by bin/web, bin/worker and bin/beat: run from the project root with the project's
# Python (.venv when bin/dev or bin/test made one, else the interpreter on PATH, as in the
# Docker image), and make the folders the embedded default writes to.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -x .venv/bin/python ]; then
  PY=.venv/bin/python
else
  PY="${PYTHON:-python3}"
fi
mkdir -p var/celery-broker/control var/cache
