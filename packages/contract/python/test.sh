#!/bin/sh
# Runs the Python contract's tests with Debian's pytest (/usr/bin/python3: the python3 on PATH may not
# see Debian's packages). Without pytest it says so and passes, unless LOOPBENCH_REQUIRE_SERVERS=1 (CI),
# where it fails. conftest.py ends pytest's output with " Python Tests  N passed (N)", which .ci/run sums.
set -eu
cd "$(dirname "$0")"
python=/usr/bin/python3
if ! "$python" -c "import pytest" >/dev/null 2>&1; then
  message="Python tests: $python has no pytest (apt-get install python3-pytest)"
  if [ "${LOOPBENCH_REQUIRE_SERVERS:-}" = 1 ]; then
    echo "$message" >&2
    exit 1
  fi
  echo "$message; skipped"
  exit 0
fi
# No __pycache__ left beside the sources.
PYTHONDONTWRITEBYTECODE=1 exec "$python" -m pytest -q "$@"
