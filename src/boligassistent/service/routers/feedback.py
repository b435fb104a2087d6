"""Feedback: 👍/👎 on an answer, and the export for administrators (CSV or JSONL)."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse

from boligassistent.channels.messages import FEEDBACK_UNKNOWN_ANSWER
from boligassistent.service.deps import AdminKey, QueryKey, ServiceDep
from boligassistent.service.errors import ApiError
from boligassistent.service.schemas import FeedbackOut, FeedbackRequest

router = APIRouter()
EXPORT_FIELDS = ["id", "answer_id", "rating", "reason", "comment", "channel", "created", "question", "answer", "abstained"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would evaluate such a cell as a formula


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula (CSV injection), prefixed with ' so it stays text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


@router.post("/v1/feedback", response_model=FeedbackOut, tags=["tilbakemelding"], summary="👍/👎 på et svar")
def feedback(body: FeedbackRequest, key: QueryKey, service: ServiceDep) -> dict:
    feedback_id = service.record_feedback(body.answer_id, body.rating, body.reason, body.comment)
    if feedback_id is None:
        raise ApiError(404, FEEDBACK_UNKNOWN_ANSWER)
    return {"id": feedback_id, "status": "lagret"}


@router.get("/v1/feedback/export", tags=["admin"], summary="Eksporter tilbakemeldinger (CSV eller JSONL)")
def feedback_export(key: AdminKey, service: ServiceDep,
                    format: Annotated[str, Query(pattern="^(csv|jsonl)$")] = "jsonl") -> Response:
    rows = service.state.export_feedback()
    if format == "jsonl":
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        return PlainTextResponse(lines, media_type="application/x-ndjson")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    writer.writerows({name: spreadsheet_safe(value) for name, value in row.items()} for row in rows)
    return PlainTextResponse(buf.getvalue(), media_type="text/csv; charset=utf-8")
