"""Settings: the only place that reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
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
    # Keys retired from `secret_key`: what they signed (unsubscribe links in mail already
    # sent) still verifies, nothing new is signed with them. A JSON list in the environment.
    old_secret_keys: tuple[str, ...] = ()
    base_url: str = "http://127.0.0.1:8000"
    templates_dir: Path = PROJECT_ROOT / "templates"
    static_dir: Path = PROJECT_ROOT / "static"
    translations_dir: Path = Path(__file__).resolve().parent / "translations"
    default_language: str = "en"
    languages: tuple[str, ...] = ("en", "fr", "es", "pt")
    # The command line's language (docs/operators.md): DIALOGUE_CLI_LANGUAGE, else the
    # operator's POSIX locale, LC_ALL over LC_MESSAGES over LANG (read as such, unprefixed).
    cli_language: str | None = None
    lc_all: str | None = Field(default=None, validation_alias=AliasChoices("LC_ALL"))
    lc_messages: str | None = Field(default=None, validation_alias=AliasChoices("LC_MESSAGES"))
    lang: str | None = Field(default=None, validation_alias=AliasChoices("LANG"))
    # Where the quick-exit link on every page leads: a neutral site that says nothing about
    # this one. Only the reader's browser goes there; the server never requests it.
    quick_exit_url: str = "https://www.wikipedia.org/"
    # Machine translation of posts: a LibreTranslate server of the operator's own, else the
    # Apertium command on this machine ("" for none: no post offers "Translate").
    translate_url: str | None = None
    apertium_command: str = "apertium"
    translate_timeout: float = 20.0  # seconds for one engine step
    # k of k-anonymity in reports: no origin, group or opinion group smaller than this.
    report_min_group: int = Field(default=5, ge=2, le=100)
    # Embed posts for the report in the background as they are published (`prewarm`), so a
    # first report finds them cached. Unset: on, except in tests (environment "test").
    embed_posts_in_background: bool | None = None

    session_days: int = 14
    api_token_days: int = 90
    invitation_days: int = 14
    cookie_secure: bool = False
    # Check each appended event's data against its kind's model (`events.payloads`): the
    # tests turn it on; the post writer's path is measured without it (docs/performance.md).
    check_events: bool = False

    # Outgoing mail: smtp://[user:password@]host:port, smtps:// for TLS from the start,
    # ?starttls=true to upgrade. Unset: mail waits in the outbox and nothing sends it.
    smtp_url: str | None = None
    mail_from: str = "dialogue <noreply@localhost>"
    # DKIM signing, when a private key (PEM) is given; the domain defaults to mail_from's.
    dkim_key_file: Path | None = None
    dkim_selector: str = "dialogue"
    dkim_domain: str | None = None
    mail_max_attempts: int = 8  # tries before a message becomes a dead letter on /admin
    mail_retry_seconds: float = 30.0  # the first retry's delay; each next one doubles

    max_body_bytes: int = 1024 * 1024
    # Abuse limits (the table with their reasons is in docs/security.md): so many attempts
    # per account and per client address within a moving window of so many seconds. Over
    # one: 429 with Retry-After, or an `error` frame `rate_limited` on a websocket.
    login_per_address: int = 20
    login_per_account: int = 5
    login_window_seconds: int = 300
    posts_per_minute: int = 20
    # Posts from one client address: a workshop posting together from one room's address
    # stays under it; one person cycling through accounts does not (e-mail replies, which
    # arrive from mail servers, count per account only).
    posts_per_minute_per_address: int = 120
    # Asking for a password link: per address, and per e-mail address asked about (whether
    # or not an account has it, so the answer still says nothing about which do).
    password_forgot_per_address: int = 10
    password_forgot_per_account: int = 3
    password_forgot_window_seconds: int = 3600
    password_reset_per_address: int = 10  # using a link to set a new password
    password_reset_per_account: int = 5
    password_reset_window_seconds: int = 3600
    # Accepting invitations; the account is the signed-in person, else the invited address.
    # A whole workshop may accept from one room's address.
    invitation_accept_per_address: int = 30
    invitation_accept_per_account: int = 10
    invitation_accept_window_seconds: int = 600
    reactions_per_address: int = 600
    reactions_per_account: int = 120
    reactions_window_seconds: int = 60
    flags_per_address: int = 60
    flags_per_account: int = 20
    flags_window_seconds: int = 3600
    concerns_per_address: int = 20
    concerns_per_account: int = 5
    concerns_window_seconds: int = 3600
    search_per_address: int = 120  # anonymous readers of public dialogues count here only
    search_per_account: int = 30
    search_window_seconds: int = 60
    # Behind a reverse proxy (docs/operators.md): uvicorn takes the client's address and
    # scheme from X-Forwarded-For/-Proto only when the peer is one of these addresses or
    # networks (comma-separated; "*" trusts anyone, safe only if the proxy overwrites the
    # header). Unset: uvicorn's own FORWARDED_ALLOW_IPS, else 127.0.0.1 and ::1.
    forwarded_allow_ips: str | None = None
    proxy_headers: bool = True
    # The dashboards' reminders: a concern open this long, a queue item waiting this long.
    concern_reminder_hours: int = 72
    queue_alert_minutes: int = 240
    # Who may read /metrics: these address ranges, or a request bearing this token.
    metrics_allow: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    metrics_token: str | None = None
    # Logs on standard error: "json" (one object a line) or "text"; unset, JSON in
    # production and text elsewhere (docs/operators.md "Logs").
    log_format: Literal["json", "text"] | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    ws_send_queue: int = 1000  # frames queued for one slow socket before it is closed (4008)

    # Replies by e-mail (`dialogue mail-receive`, docs/operators.md "Inbound mail").
    # Notifications offer `reply+TOKEN@` this domain; unset, they offer no reply address.
    mail_reply_domain: str | None = None
    # How long a notification's reply address works: long enough for a theme's weeks.
    mail_reply_days: int = 60
    # Set, `dialogue serve` also receives replies on this port (else only mail-receive does).
    mail_receive_port: int | None = None
    mail_receive_host: str = "127.0.0.1"
    mail_receive_max_bytes: int = 10 * 1024 * 1024  # larger messages are refused (552)

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
    def cli_locale(self) -> str | None:
        """The locale a command speaks in, before it is matched to a catalogue: the override,
        else the first POSIX variable set and not empty (an empty one counts as unset)."""
        named = (self.cli_language, self.lc_all, self.lc_messages, self.lang)
        return next((value for value in named if value), None)

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
