"""Moving-window rate limits (the `limits` library), shared by every instance through Redis.

With `DIALOGUE_REDIS_URL` set, the instances behind a load balancer count together, so a
client gets the limit, not the limit times the number of instances. Without Redis each
instance counts in its own memory. When Redis stops answering, counting falls back to the
instance's memory (and says so in the log) rather than letting every request through:
these limits stop password guessing, which must not become free while Redis is down.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from dialogue.config import Settings
from dialogue.errors import RateLimited
from dialogue.i18n import gettext as _

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

log = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 0.5  # a request waits at most this for a Redis that is gone
KEY_PREFIX = "dialogue-limits"

T = TypeVar("T")


class Counters:
    """Where hits are counted: Redis when configured, with this process's memory behind it."""

    def __init__(self, redis_url: str | None) -> None:
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        self.shared: MovingWindowRateLimiter | None = None
        self._pool: ConnectionPool | None = None
        if redis_url:
            # Our own pool, so that the lifespan can close its connections.
            self._pool = ConnectionPool.from_url(
                redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix=KEY_PREFIX,
                connection_pool=self._pool,  # type: ignore[arg-type]  # typed as plain options
            )
            self.shared = MovingWindowRateLimiter(storage)
        self.degraded = False

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def run(self, use: Callable[[MovingWindowRateLimiter], Awaitable[T]]) -> T:
        if self.shared is not None:
            try:
                answer = await use(self.shared)
            except StorageError as exc:
                if not self.degraded:
                    log.warning("rate limits: Redis unreachable (%s); counting per instance", exc)
                self.degraded = True
            else:
                if self.degraded:
                    log.warning("rate limits: Redis answers again; counting across instances")
                self.degraded = False
                return answer
        return await use(self.memory)


class RateLimit:
    """So many hits per key within a moving window."""

    def __init__(self, name: str, *, limit: int, window: int, counters: Counters) -> None:
        self.name = name
        self.limit = limit
        self.item: RateLimitItem = RateLimitItemPerSecond(limit, window)
        self.counters = counters

    async def retry_after(self, key: str) -> int | None:
        """Seconds to wait when the key is over its limit, else None."""
        allowed = await self.counters.run(lambda limiter: limiter.test(self.item, self.name, key))
        return None if allowed else await self._wait(key)

    async def hit(self, key: str) -> int | None:
        """Count a hit; when the key was already at its limit, count nothing and return the
        seconds to wait instead."""
        taken = await self.counters.run(lambda limiter: limiter.hit(self.item, self.name, key))
        return None if taken else await self._wait(key)

    async def reset(self, key: str) -> None:
        await self.counters.run(lambda limiter: limiter.clear(self.item, self.name, key))

    async def _wait(self, key: str) -> int:
        stats = await self.counters.run(
            lambda limiter: limiter.get_window_stats(self.item, self.name, key)
        )
        return max(1, math.ceil(stats.reset_time - time.time()))


def client_address(connection: HTTPConnection) -> str:
    """The address limits count against: uvicorn's, which is the forwarded one only when the
    peer is a trusted proxy (`DIALOGUE_FORWARDED_ALLOW_IPS`), so a client cannot choose it."""
    return connection.client.host if connection.client else "unknown"


@dataclass(frozen=True, slots=True)
class ActionLimit:
    """One action's two limits over one window: per account and per client address.

    The address limit is the wider one: an office, a school or a conference room may share
    one address; the account limit stops one person, whichever addresses they use.
    """

    by_account: RateLimit
    by_address: RateLimit
    refusal: Callable[[], str]  # the message, made in the caller's language when refused

    async def hit(self, *, account: object = None, address: str | None = None) -> None:
        """Count one attempt against the account and the address given (either may be left
        out); refuse with 429 and the seconds to wait when either is over its limit."""
        wait = await self.by_account.hit(str(account)) if account is not None else None
        if wait is None and address is not None:
            wait = await self.by_address.hit(address)
        if wait is not None:
            raise RateLimited(self.refusal(), retry_after=wait)

    async def hit_from(self, connection: HTTPConnection, *, account: object = None) -> None:
        """Count one attempt by `account` from this request's (or socket's) address."""
        await self.hit(account=account, address=client_address(connection))


def _action(
    name: str, settings: Settings, counters: Counters, refusal: Callable[[], str]
) -> ActionLimit:
    """The limits of `name` from the settings `<name>_per_account`, `<name>_per_address`
    and `<name>_window_seconds`."""
    window = int(getattr(settings, f"{name}_window_seconds"))
    return ActionLimit(
        by_account=RateLimit(
            f"{name}-account",
            limit=int(getattr(settings, f"{name}_per_account")),
            window=window,
            counters=counters,
        ),
        by_address=RateLimit(
            f"{name}-address",
            limit=int(getattr(settings, f"{name}_per_address")),
            window=window,
            counters=counters,
        ),
        refusal=refusal,
    )


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The app's limits, from the settings."""

    login_by_address: RateLimit
    login_by_account: RateLimit
    posts: RateLimit
    posts_by_address: RateLimit
    password_forgot: ActionLimit
    password_reset: ActionLimit
    invitation_accept: ActionLimit
    reactions: ActionLimit
    flags: ActionLimit
    concerns: ActionLimit
    search: ActionLimit
    counters: Counters

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        counters = Counters(settings.redis_url)
        window = settings.login_window_seconds
        return cls(
            login_by_address=RateLimit(
                "login-address", limit=settings.login_per_address, window=window, counters=counters
            ),
            login_by_account=RateLimit(
                "login-account", limit=settings.login_per_account, window=window, counters=counters
            ),
            posts=RateLimit("posts", limit=settings.posts_per_minute, window=60, counters=counters),
            posts_by_address=RateLimit(
                "posts-address",
                limit=settings.posts_per_minute_per_address,
                window=60,
                counters=counters,
            ),
            password_forgot=_action(
                "password_forgot",
                settings,
                counters,
                lambda: _("Too many requests for a password link. Please wait and try again."),
            ),
            password_reset=_action(
                "password_reset",
                settings,
                counters,
                lambda: _("Too many attempts to set a password. Please wait and try again."),
            ),
            invitation_accept=_action(
                "invitation_accept",
                settings,
                counters,
                lambda: _("Too many attempts to accept an invitation. Please wait and try again."),
            ),
            reactions=_action(
                "reactions",
                settings,
                counters,
                lambda: _("You are reacting too fast. Please wait a moment."),
            ),
            flags=_action(
                "flags",
                settings,
                counters,
                lambda: _(
                    "You have flagged many posts in a short time. Please wait and try again."
                ),
            ),
            concerns=_action(
                "concerns",
                settings,
                counters,
                lambda: _(
                    "You have raised many concerns in a short time. Please wait and try again."
                ),
            ),
            search=_action(
                "search",
                settings,
                counters,
                lambda: _("Too many searches in a short time. Please wait a moment."),
            ),
            counters=counters,
        )
