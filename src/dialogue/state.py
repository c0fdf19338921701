"""What one app instance owns for its lifetime, as one typed object behind one accessor.

The lifespan builds an `AppState` and installs it; routes, sockets, pages and tests read it
with `app_state(request)` (or `app_state(app)`), so a misspelt resource is a type error,
not an `AttributeError` at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

    from dialogue.config import Settings
    from dialogue.db import Database
    from dialogue.events.broker import Broker
    from dialogue.events.doorbell import Doorbell
    from dialogue.live.hub import Hub
    from dialogue.metrics import Metrics
    from dialogue.notifications.scheduler import MailScheduler
    from dialogue.notifications.sender import MailSender
    from dialogue.ratelimit import RateLimits
    from dialogue.synthesis.prewarm import EmbeddingWarmer
    from dialogue.synthesis.worker import ReportWorker
    from dialogue.threads.writer import PostWriter
    from dialogue.translation.translator import Translator

_ATTRIBUTE = "dialogue"  # the one attribute of Starlette's untyped `app.state` we use


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    templates: Jinja2Templates
    database: Database
    broker: Broker
    doorbell: Doorbell
    hub: Hub
    post_writer: PostWriter
    limits: RateLimits
    report_worker: ReportWorker
    translator: Translator
    metrics: Metrics
    mail_sender: MailSender | None = None  # only when SMTP is configured
    mail_scheduler: MailScheduler | None = None  # always in serve; without SMTP, feed only
    embedding_warmer: EmbeddingWarmer | None = None  # unless `embed_posts_in_background` is off


def install(app: Starlette, state: AppState) -> None:
    setattr(app.state, _ATTRIBUTE, state)


def app_state(owner: HTTPConnection | Starlette) -> AppState:
    """The running app's state, from a request, a websocket or the app itself."""
    app: Starlette = owner.app if isinstance(owner, HTTPConnection) else owner
    state = getattr(app.state, _ATTRIBUTE, None)
    if not isinstance(state, AppState):
        raise RuntimeError("the app's lifespan has not started")
    return state
