"""Settings: the only place that reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-insecure-secret-change-me"  # noqa: S105 - refused in production
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Configuration of one app instance, from `DIALOGUE_*` variables."""

    model_config = SettingsConfigDict(env_prefix="DIALOGUE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./dialogue.db"
    redis_url: str | None = None
    secret_key: str = DEFAULT_SECRET
    base_url: str = "http://127.0.0.1:8000"
    templates_dir: Path = PROJECT_ROOT / "templates"
    static_dir: Path = PROJECT_ROOT / "static"
    translations_dir: Path = Path(__file__).resolve().parent / "translations"
    default_language: str = "en"
    languages: tuple[str, ...] = ("en", "fr", "es", "pt")
    # Where the quick-exit link on every page leads: a neutral site that says nothing about
    # this one. Only the reader's browser goes there; the server never requests it.
    quick_exit_url: str = "https://www.wikipedia.org/"
    # k of k-anonymity in reports: no origin, group or opinion group smaller than this.
    report_min_group: int = Field(default=5, ge=2, le=100)

    session_days: int = 14
    api_token_days: int = 90
    invitation_days: int = 14
    cookie_secure: bool = False
    # Check each appended event's data against its kind's model (`events.payloads`): the
    # tests turn it on; the post writer's path is measured without it (docs/performance.md).
    check_events: bool = False

    max_body_bytes: int = 1024 * 1024
    login_per_address: int = 20
    login_per_account: int = 5
    login_window_seconds: int = 300
    posts_per_minute: int = 20
    ws_send_queue: int = 1000  # frames queued for one slow socket before it is closed (4008)

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError("DIALOGUE_SECRET_KEY must be set in production")
        return self

    @model_validator(mode="after")
    def _quick_exit_is_a_web_address(self) -> Settings:
        if not self.quick_exit_url.startswith(("https://", "http://", "/")):
            raise ValueError("DIALOGUE_QUICK_EXIT_URL must be an http(s) address or a path")
        return self

    @property
    def async_database_url(self) -> str:
        """The URL with an async driver, whatever driver the operator wrote."""
        return to_async_url(self.database_url)

    @property
    def sync_database_url(self) -> str:
        """The URL with a blocking driver, for Alembic."""
        return to_sync_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def to_async_url(url: str) -> str:
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url.removeprefix("sqlite:")
    if url.startswith(("postgresql:", "postgres:")):
        return "postgresql+psycopg:" + url.split(":", 1)[1]
    return url


def to_sync_url(url: str) -> str:
    if url.startswith("sqlite+aiosqlite:"):
        return "sqlite:" + url.removeprefix("sqlite+aiosqlite:")
    if url.startswith(("postgresql:", "postgres:")):
        return "postgresql+psycopg:" + url.split(":", 1)[1]
    return url
