#!/usr/bin/env bash
# Create .venv (if needed) and install the project with the given extras. Used by run.sh and test.sh.
# Quiet: pip prints only errors (and this script one line), so the real messages are not buried.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $("$PY" --version 2>&1)" >&2
  "$PY" -m venv .venv
fi
target="."
[ -n "$extras" ] && target=".[${extras}]"
echo "Installing boligassistent${extras:+[$extras]} into .venv (a minute or two the first time) ..." >&2
.venv/bin/python -m pip install -qq --disable-pip-version-check --progress-bar off --upgrade pip
.venv/bin/python -m pip install -qq --disable-pip-version-check --progress-bar off -e "$target"
