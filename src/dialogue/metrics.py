"""`/metrics` in Prometheus' text format, for the operator's monitoring (docs/operators.md).

One registry per app (tests run many apps in one process). Gauges that need the database
(the moderation queue, report jobs) are read when scraped, not kept up to date on the hot
path; request latency is observed by `RequestMetrics`, labelled with the route's template
(`/d/{slug}/threads/{thread_id}`), never the raw path, so the label set stays small.

Other modules register their own gauges with `Metrics.gauge` (the e-mail outbox's backlog
is the planned one: `metrics.gauge("dialogue_outbox_backlog", ..., read)`).

Only addresses in `DIALOGUE_METRICS_ALLOW` (loopback by default) or a request with
`Authorization: Bearer <DIALOGUE_METRICS_TOKEN>` may read it; anyone else gets a 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import ASGIApp, Receive, Scope, Send

from dialogue.config import Settings
from dialogue.leases import WorkState
from dialogue.live.hub import Hub
from dialogue.synthesis.models import ReportJob
from dialogue.threads.models import Post, PostStatus

ScrapeRead = Callable[[AsyncSession], Awaitable[float]]


class Metrics:
    def __init__(self, hub: Hub) -> None:
        self.registry = CollectorRegistry()
        self._scraped: list[tuple[Gauge, ScrapeRead]] = []
        open_sockets = Gauge(
            "dialogue_open_websockets", "Websockets open on this instance", registry=self.registry
        )
        open_sockets.set_function(
            lambda: float(sum(len(c.connections) for c in hub.channels.values()))
        )
        self.request_seconds = Histogram(
            "dialogue_request_seconds",
            "HTTP request latency by route template and method",
            ["route", "method"],
            registry=self.registry,
        )
        self.gauge("dialogue_moderation_queue", "Posts waiting for a moderator", _pending_posts)
        self.gauge("dialogue_report_jobs_waiting", "Report jobs queued or running", _report_jobs)

    def gauge(self, name: str, documentation: str, read: ScrapeRead) -> None:
        """A gauge read from the database at each scrape (the registration point)."""
        self._scraped.append((Gauge(name, documentation, registry=self.registry), read))

    async def render(self, session: AsyncSession) -> bytes:
        for gauge, read in self._scraped:
            gauge.set(await read(session))
        return generate_latest(self.registry)


async def _pending_posts(session: AsyncSession) -> float:
    found = await session.exec(
        select(func.count()).select_from(Post).where(col(Post.status) == PostStatus.PENDING)
    )
    return float(found.one())


async def _report_jobs(session: AsyncSession) -> float:
    waiting = (WorkState.QUEUED.value, WorkState.RUNNING.value)
    found = await session.exec(
        select(func.count()).select_from(ReportJob).where(col(ReportJob.state).in_(waiting))
    )
    return float(found.one())


def may_scrape(settings: Settings, client_host: str | None, authorization: str) -> bool:
    """A configured address range, or the configured bearer token."""
    token = settings.metrics_token
    if token and hmac.compare_digest(authorization, f"Bearer {token}"):
        return True
    try:
        address = ipaddress.ip_address(client_host or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in settings.metrics_allow)


class RequestMetrics:
    """Times each HTTP request and files it under its route's template."""

    def __init__(self, app: ASGIApp, *, metrics: Callable[[], Metrics | None]) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            found = self.metrics()
            if found is not None:
                route = getattr(scope.get("route"), "path", "unmatched")
                found.request_seconds.labels(route, scope["method"]).observe(
                    time.perf_counter() - started
                )
