#!/usr/bin/env bash
# Retrain the abstention model (src/boligassistent/answering/data/abstention_model.json) on every dev set, each over
# the index of its own corpus, and write the cross-validation report. Deterministic (fixed fold seed).
# Needs the `eval` extra (scikit-learn) and both indexes built:
#   boligassistent index --corpus ../shared/corpus --index data/index
#   boligassistent index --corpus ../shared/corpus-norquad --index data/index-norquad
set -euo pipefail
cd "$(dirname "$0")/.."
REF_INDEX="${REF_INDEX:-data/index}"
NQ_INDEX="${NQ_INDEX:-data/index-norquad}"
EVALS="${EVALS:-../shared/evals}"
.venv/bin/boligassistent eval train-abstention \
  --set "$REF_INDEX=$EVALS/dev-regelverk.jsonl,$EVALS/dev-rapporter.jsonl" \
  --set "$NQ_INDEX=$EVALS/external/norquad-dev.jsonl" \
  --report "${REPORT:-eval-abstention-cv.json}" "$@"
