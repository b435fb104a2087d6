#!/usr/bin/env bash
# Main job: install, build/update the index over the default corpus, start the service with the widget.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh server
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/boligassistent index "$@"
# Without an admin key: development mode without authentication, which `serve` allows on a loopback host only
# (the default BOLIG_HOST=127.0.0.1); on any other host it refuses to start and says to set BOLIG_ADMIN_KEY.
if [ -z "${BOLIG_ADMIN_KEY:-}" ] && [ "${BOLIG_DEV_NO_AUTH:-}" != "true" ]; then
  echo "No BOLIG_ADMIN_KEY set: starting in development mode without authentication (loopback only; admin endpoints stay closed)." >&2
  export BOLIG_DEV_NO_AUTH=true
fi
echo "Open http://${BOLIG_HOST:-127.0.0.1}:${BOLIG_PORT:-8000}/ for the widget demo, /docs for the API." >&2
exec .venv/bin/boligassistent serve
