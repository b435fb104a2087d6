"""The FastAPI application: routers, middleware, error handlers, the widget and (when configured) the bots."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from boligassistent.service.config import ServiceConfig
from boligassistent.service.errors import install_error_handlers
from boligassistent.service.middleware import Observability
from boligassistent.service.routers import admin, answers, feedback, operations, search, sources
from boligassistent.service.routers.widget import mount_widget
from boligassistent.service.security import parse_networks
from boligassistent.service.service import Service

DESCRIPTION = ("Kunnskapsassistent for saksbehandlere i boligsosialt arbeid. Svar med kildehenvisninger "
               "til lov, forskrift, veileder og evalueringsrapporter.")


def create_app(config: ServiceConfig, service: Service) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if service.loaded is None:
            await asyncio.to_thread(service.load)
        service.start_watcher()
        yield
        service.stop()

    app = FastAPI(title="Boligassistent API", version="0.1.0", lifespan=lifespan, description=DESCRIPTION)
    app.state.service = service
    app.state.config = config
    app.state.trusted_proxies = parse_networks(config.trusted_proxies)
    origins = sorted(set(config.cors_origins) | service.keys.all_origins())
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST", "DELETE"],
                       allow_headers=["Authorization", "X-API-Key", "Content-Type"], max_age=600)
    app.add_middleware(Observability, metrics=service.metrics, max_body_bytes=config.max_body_bytes)
    install_error_handlers(app)
    for module in (answers, search, sources, feedback, admin, operations):
        app.include_router(module.router)
    _mount_bots(app, config, service)
    mount_widget(app)
    return app


def _mount_bots(app: FastAPI, config: ServiceConfig, service: Service) -> None:
    """The bots' endpoints, when configured; their libraries are optional extras, imported only then."""
    if config.slack.events_api:
        from boligassistent.channels.slack import mount_slack

        mount_slack(app, service, config.slack)
    if config.teams.enabled:
        from boligassistent.channels.teams import mount_teams

        mount_teams(app, service, config.teams)
