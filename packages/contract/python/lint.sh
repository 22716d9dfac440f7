#!/bin/sh
# Lints Python code with Debian's tools: flake8, black (format check) and mypy (types), each reading
# the package's own setup.cfg. Without them it says what to install and passes, unless
# LOOPBENCH_REQUIRE_SERVERS=1 (CI), where a missing tool fails.
set -eu
missing=""
for tool in flake8 black mypy; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  message="Python lint:$missing not installed (apt-get install flake8 black mypy)"
  if [ "${LOOPBENCH_REQUIRE_SERVERS:-}" = 1 ]; then
    echo "$message" >&2
    exit 1
  fi
  echo "$message; skipped"
  exit 0
fi
# One mypy cache for every package: each server imports the contract, which is then analysed once, not six times.
export MYPY_CACHE_DIR="${MYPY_CACHE_DIR:-$(cd "$(dirname "$0")" && pwd)/.mypy_cache}"
flake8 "$@"
black --check --quiet "$@"
mypy "$@"
