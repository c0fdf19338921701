"""`/metrics` in Prometheus' text format, for the operator's monitoring (docs/operators.md).

One registry per app (tests run many apps in one process). Gauges that need the database
(the moderation queue, report jobs, the outbox) are read when scraped, not kept up to date
on the hot path, and so are the hub's (open sockets, queued frames: `watch`). Request
latency is observed by `request_log.RequestLog`, labelled with the route's template
(`/d/{slug}/threads/{thread_id}`), never the raw path, so the label set stays small.
Events committed are counted by `events.publish.commit` (through `session_info`), events
delivered and their latency by the hub's `DeliveryMeter`, once per pass.

The names and their meanings are listed in docs/operators.md ("Metrics").

Only addresses in `DIALOGUE_METRICS_ALLOW` (loopback by default) or a request with
`Authorization: Bearer <DIALOGUE_METRICS_TOKEN>` may read it; anyone else gets a 404.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.config import Settings
from dialogue.events.publish import COUNT_COMMITTED
from dialogue.leases import WorkState
from dialogue.live.hub import Hub
from dialogue.live.meter import LATENCY_BUCKETS, DeliveryMeter
from dialogue.notifications import outbox
from dialogue.synthesis.models import ReportJob
from dialogue.threads.models import Post, PostStatus

ScrapeRead = Callable[[AsyncSession], Awaitable[float]]
LabelledRead = Callable[[AsyncSession], Awaitable[Mapping[str, float]]]
# The outbox's states that are a backlog; `done` only grows and says nothing.
OUTBOX_STATES = (WorkState.QUEUED.value, WorkState.RUNNING.value, WorkState.FAILED.value)


class Metrics:
    """Made before the database and the hub, which count into it; `watch` the hub once made."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._scraped: list[tuple[Gauge, ScrapeRead]] = []
        self._labelled: list[tuple[Gauge, tuple[str, ...], LabelledRead]] = []
        self.request_seconds = Histogram(
            "dialogue_request_seconds",
            "HTTP request latency by route template and method",
            ["route", "method"],
            registry=self.registry,
        )
        self.events_appended = Counter(
            "dialogue_events_appended",
            "Events committed to the log by this instance",
            registry=self.registry,
        )
        self.delivery = DeliveryMeter(
            Counter(
                "dialogue_events_delivered",
                "Event frames handed to websockets: live fan-out, or a joining socket's replay",
                ["path"],
                registry=self.registry,
            ),
            Histogram(
                "dialogue_delivery_seconds",
                "From an event's append to its frames handed to this instance's websockets",
                buckets=LATENCY_BUCKETS,
                registry=self.registry,
            ),
        )
        self.gauge("dialogue_moderation_queue", "Posts waiting for a moderator", _pending_posts)
        self.gauge("dialogue_report_jobs_waiting", "Report jobs queued or running", _report_jobs)
        self.gauge_by(
            "dialogue_outbox_messages",
            "Outgoing mail not yet sent: queued, being sent (running), dead letters (failed)",
            "state",
            OUTBOX_STATES,
            _outbox,
        )

    @property
    def session_info(self) -> dict[str, Any]:
        """What every writing session carries so that its commit counts its events."""
        return {COUNT_COMMITTED: self.events_appended.inc}

    def watch(self, hub: Hub) -> None:
        """The hub's gauges, computed at scrape time from its connections."""

        def sockets() -> float:
            return float(sum(len(c.connections) for c in hub.channels.values()))

        def queued() -> list[int]:
            return [c.queued for ch in hub.channels.values() for c in ch.connections]

        Gauge(
            "dialogue_open_websockets", "Websockets open on this instance", registry=self.registry
        ).set_function(sockets)
        Gauge(
            "dialogue_send_queue_frames",
            "Frames waiting in this instance's websocket send queues, all sockets together",
            registry=self.registry,
        ).set_function(lambda: float(sum(queued())))
        Gauge(
            "dialogue_send_queue_max_frames",
            "Frames waiting in the fullest send queue (a socket is closed 4008 at the limit)",
            registry=self.registry,
        ).set_function(lambda: float(max(queued(), default=0)))

    def gauge(self, name: str, documentation: str, read: ScrapeRead) -> None:
        """A gauge read from the database at each scrape (the registration point)."""
        self._scraped.append((Gauge(name, documentation, registry=self.registry), read))

    def gauge_by(
        self, name: str, documentation: str, label: str, values: tuple[str, ...], read: LabelledRead
    ) -> None:
        """Like `gauge`, one series per label value; a value `read` leaves out reads 0."""
        gauge = Gauge(name, documentation, [label], registry=self.registry)
        self._labelled.append((gauge, values, read))

    async def render(self, session: AsyncSession) -> bytes:
        for gauge, read in self._scraped:
            gauge.set(await read(session))
        for labelled, values, read_all in self._labelled:
            found = await read_all(session)
            for value in values:
                labelled.labels(value).set(found.get(value, 0.0))
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


async def _outbox(session: AsyncSession) -> Mapping[str, float]:
    counts = await outbox.count_by_state(session=session)
    return {state: float(n) for state, n in counts.items()}


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
