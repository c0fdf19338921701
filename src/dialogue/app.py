"""The application factory: one settings object in, a fully wired app out."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute

from dialogue.accounts import api as accounts_api
from dialogue.adapters import route_templates
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
from dialogue.metrics import Metrics
from dialogue.middleware import BodyLimit, Compression, LanguageFromRequest, SecurityHeaders
from dialogue.moderation import api as moderation_api
from dialogue.notifications.inbound.receiver import Inbox
from dialogue.notifications.inbound.server import ReplyServer
from dialogue.notifications.scheduler import MailScheduler
from dialogue.notifications.sender import MailSender
from dialogue.ratelimit import RateLimits
from dialogue.request_log import RequestLog
from dialogue.state import AppState, install
from dialogue.synthesis import api as synthesis_api
from dialogue.synthesis.prewarm import EmbeddingWarmer
from dialogue.synthesis.worker import ReportWorker
from dialogue.threads import api as threads_api
from dialogue.threads.language_pass import LanguagePass
from dialogue.threads.writer import PostWriter
from dialogue.translation import api as translation_api
from dialogue.translation.translator import Translator
from dialogue.web import (
    dialogue_pages,
    dialogue_setup_pages,
    flag_pages,
    mail_pages,
    moderation_pages,
    notification_pages,
    pages,
    profile_pages,
    report_pages,
    theme_setup_pages,
)
from dialogue.web.admin_pages import router as admin_router
from dialogue.web.assets import HashedStaticFiles
from dialogue.web.error_handlers import install_error_handlers
from dialogue.web.password_pages import router as password_router
from dialogue.web.templating import create_templates


def create_broker(settings: Settings) -> Broker:
    if settings.redis_url:
        return RedisBroker(settings.redis_url)
    return MemoryBroker()


@cache
def site_routes() -> tuple[BaseRoute, ...]:
    """Every route of the site, built once per process and shared by every app made in it.

    FastAPI analyses each route's dependencies when its router is included (about 0.2 s for
    this site's ~350 routes); the routes hold no per-app state (settings, database and
    templates come from `request.app.state`), so the tests, which make an app per test, and
    the CLI pay for it once.
    """
    site = APIRouter()
    api = APIRouter(prefix="/api/v1")
    api.include_router(accounts_api.router)
    api.include_router(dialogues_api.router)
    api.include_router(threads_api.router)
    api.include_router(events_api.router)
    api.include_router(synthesis_api.router)
    api.include_router(moderation_api.router)
    api.include_router(translation_api.router)
    site.include_router(api)
    site.include_router(health_router)
    site.include_router(live_endpoint.router)
    site.include_router(pages.router)
    site.include_router(moderation_pages.router)
    # Before the dialogue pages: /d/{slug}/themes/new must not be read as a theme's id.
    site.include_router(dialogue_setup_pages.router)
    site.include_router(theme_setup_pages.router)
    site.include_router(dialogue_pages.router)
    site.include_router(report_pages.router)
    site.include_router(flag_pages.router)
    site.include_router(admin_router)
    site.include_router(password_router)
    site.include_router(profile_pages.router)
    site.include_router(notification_pages.router)
    site.include_router(mail_pages.router)
    routes = tuple(site.routes)
    route_templates.register(routes)  # their full templates, for logs and metrics
    return routes


def reply_server(state: AppState) -> ReplyServer | None:
    """The reply-by-e-mail server inside `serve`, when a port and a reply domain are set."""
    settings = state.settings
    if settings.mail_receive_port is None or not settings.mail_reply_domain:
        return None
    inbox = Inbox(
        settings=settings,
        database=state.database,
        broker=state.broker,
        post_writer=state.post_writer,
        limits=state.limits,
    )
    return ReplyServer(inbox, host=settings.mail_receive_host, port=settings.mail_receive_port)


def embeds_in_background(settings: Settings) -> bool:
    """Whether this instance embeds posts for reports as they are published (`prewarm`)."""
    configured = settings.embed_posts_in_background
    return configured if configured is not None else settings.environment != "test"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        instance_id = uuid.uuid4().hex
        metrics = Metrics()
        database = Database(settings, session_info=metrics.session_info)
        broker = create_broker(settings)
        translator = await Translator.start(settings)
        templates = create_templates(settings, translator)
        hub = Hub(
            database=database,
            broker=broker,
            instance_id=instance_id,
            fragments=PostFragments(templates.env),
            meter=metrics.delivery,
        )
        metrics.watch(hub)
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
            mail_sender=(
                MailSender(database=database, settings=settings, owner=instance_id)
                if settings.smtp_url
                else None
            ),
            mail_scheduler=MailScheduler(database=database, settings=settings, broker=broker),
            translator=translator,
            metrics=metrics,
            embedding_warmer=EmbeddingWarmer(database) if embeds_in_background(settings) else None,
        )
        install(app, state)
        unsubscribe = broker.subscribe(state.doorbell.ring)
        stop_ringing = [
            broker.subscribe(worker.ring)
            for worker in (state.mail_sender, state.mail_scheduler, state.embedding_warmer)
            if worker is not None
        ]
        await broker.start()
        await state.hub.start()
        state.post_writer.start()
        state.report_worker.start()
        for worker in (state.mail_sender, state.mail_scheduler, state.embedding_warmer):
            if worker is not None:
                worker.start()
        replies = reply_server(state)
        if replies is not None:
            await replies.start()
        language_pass = LanguagePass(database)
        await language_pass.start()
        try:
            yield
        finally:
            if replies is not None:  # first: what it accepted is posted (and refusals queued)
                await replies.stop()
            for stop_ringing_one in stop_ringing:
                stop_ringing_one()
            if state.mail_scheduler:
                await state.mail_scheduler.stop()
            if state.mail_sender:  # after the requests: it sends what they queued, then stops
                await state.mail_sender.stop()
            await language_pass.stop()
            if state.embedding_warmer:
                await state.embedding_warmer.stop()
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

    app.router.routes.extend(site_routes())
    app.mount("/static", HashedStaticFiles(settings.static_dir), name="static")

    install_error_handlers(app)
    app.add_middleware(
        LanguageFromRequest,
        supported=settings.languages,
        default=settings.default_language,
        catalogues=settings.translations_dir,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Outside everything but the security headers and the request log, so that it
    # compresses every HTTP answer: pages, static files, JSON, error pages, the 413.
    app.add_middleware(Compression)
    app.add_middleware(SecurityHeaders)
    # Outermost: its id is set for every line logged below, its clock times all of it.
    app.add_middleware(RequestLog, metrics=lambda: _metrics_of(app))
    return app


def _metrics_of(app: FastAPI) -> Metrics | None:
    """The running app's metrics; None before its lifespan has started."""
    state = getattr(app.state, "dialogue", None)
    return state.metrics if isinstance(state, AppState) else None
