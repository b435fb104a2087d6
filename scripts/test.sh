#!/usr/bin/env bash
# Test command: install what the tests need (Python extras, Debian chromium for the widget tests) and run them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will be skipped" >&2
  fi
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
set +e
.venv/bin/python -m pytest -q "$@"
code=$?
set -e
if [ "$code" = "5" ]; then
  echo "pytest collected no tests: treating as failure" >&2
  exit 1
fi
exit "$code"
