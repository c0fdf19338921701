"""The application factory: one settings object in, a fully wired app out."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from dialogue.accounts import api as accounts_api
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.dialogues import api as dialogues_api
from dialogue.events import api as events_api
from dialogue.events.broker import Broker, MemoryBroker
from dialogue.events.doorbell import Doorbell
from dialogue.events.redis_broker import RedisBroker
from dialogue.health import router as health_router
from dialogue.live import endpoint as live_endpoint
from dialogue.live.fragments import PostFragments
from dialogue.live.hub import Hub
from dialogue.metrics import Metrics, RequestMetrics
from dialogue.middleware import BodyLimit, Compression, LanguageFromRequest, SecurityHeaders
from dialogue.moderation import api as moderation_api
from dialogue.ratelimit import RateLimits
from dialogue.state import AppState, install
from dialogue.synthesis import api as synthesis_api
from dialogue.synthesis.worker import ReportWorker
from dialogue.threads import api as threads_api
from dialogue.threads.writer import PostWriter
from dialogue.web import (
    dialogue_pages,
    dialogue_setup_pages,
    flag_pages,
    moderation_pages,
    notification_pages,
    pages,
    profile_pages,
    report_pages,
    theme_setup_pages,
)
from dialogue.web.admin_pages import router as admin_router
from dialogue.web.error_handlers import install_error_handlers
from dialogue.web.password_pages import router as password_router
from dialogue.web.templating import create_templates


def create_broker(settings: Settings) -> Broker:
    if settings.redis_url:
        return RedisBroker(settings.redis_url)
    return MemoryBroker()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        instance_id = uuid.uuid4().hex
        database = Database(settings)
        broker = create_broker(settings)
        templates = create_templates(settings)
        hub = Hub(
            database=database,
            broker=broker,
            instance_id=instance_id,
            fragments=PostFragments(templates.env),
        )
        state = AppState(
            settings=settings,
            templates=templates,
            database=database,
            broker=broker,
            doorbell=Doorbell(),
            hub=hub,
            post_writer=PostWriter(database, broker),
            limits=RateLimits.from_settings(settings),
            report_worker=ReportWorker(database=database, settings=settings, owner=instance_id),
            metrics=Metrics(hub),
        )
        install(app, state)
        unsubscribe = broker.subscribe(state.doorbell.ring)
        await broker.start()
        await state.hub.start()
        state.post_writer.start()
        state.report_worker.start()
        try:
            yield
        finally:
            await state.report_worker.stop()
            await state.post_writer.stop()
            await state.hub.stop()
            unsubscribe()
            await broker.stop()
            await state.limits.counters.close()
            await database.dispose()

    app = FastAPI(
        title="dialogue",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )

    api = APIRouter(prefix="/api/v1")
    api.include_router(accounts_api.router)
    api.include_router(dialogues_api.router)
    api.include_router(threads_api.router)
    api.include_router(events_api.router)
    api.include_router(synthesis_api.router)
    api.include_router(moderation_api.router)
    app.include_router(api)
    app.include_router(health_router)
    app.include_router(live_endpoint.router)
    app.include_router(pages.router)
    app.include_router(moderation_pages.router)
    # Before the dialogue pages: /d/{slug}/themes/new must not be read as a theme's id.
    app.include_router(dialogue_setup_pages.router)
    app.include_router(theme_setup_pages.router)
    app.include_router(dialogue_pages.router)
    app.include_router(report_pages.router)
    app.include_router(flag_pages.router)
    app.include_router(admin_router)
    app.include_router(password_router)
    app.include_router(profile_pages.router)
    app.include_router(notification_pages.router)
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")

    install_error_handlers(app)
    app.add_middleware(
        LanguageFromRequest,
        supported=settings.languages,
        default=settings.default_language,
        catalogues=settings.translations_dir,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=lambda: _metrics_of(app))
    # Outside everything but the security headers, so that it compresses every HTTP answer:
    # pages, static files, JSON, error pages, the 413.
    app.add_middleware(Compression)
    app.add_middleware(SecurityHeaders)
    return app


def _metrics_of(app: FastAPI) -> Metrics | None:
    """The running app's metrics; None before its lifespan has started."""
    state = getattr(app.state, "dialogue", None)
    return state.metrics if isinstance(state, AppState) else None
