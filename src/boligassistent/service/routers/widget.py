"""The chat widget's static files under /widget and the demo page at /."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from boligassistent.service.deps import ConfigDep

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/")
def demo(config: ConfigDep) -> HTMLResponse:
    page = (STATIC / "demo.html").read_text(encoding="utf-8")
    if config.demo_widget_key:  # a query-scoped widget key for the demo page
        page = page.replace('data-key=""', f'data-key="{html.escape(config.demo_widget_key, quote=True)}"')
    return HTMLResponse(page)


def mount_widget(app: FastAPI) -> None:
    app.mount("/widget", StaticFiles(directory=STATIC), name="widget")
    app.include_router(router)
