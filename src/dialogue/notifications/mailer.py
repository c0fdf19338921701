"""Turning an outbox row into an Internet message and handing it to the SMTP server.

The `Date` is the row's creation time and the `Message-ID` is made from the row's id, so a
message tried again is the same message to the receiving side (which may drop a duplicate).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import dkim  # type: ignore[import-untyped]  # no stubs; pyproject is the lead's to change

from dialogue.config import Settings
from dialogue.db import as_utc
from dialogue.notifications.models import OutboxMessage

SMTP_TIMEOUT = 30.0  # seconds for one SMTP step; well inside the sender's lease
# Headers a DKIM signature covers: those a forger would most want to change.
SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
)


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False  # smtps://: TLS from the first byte
    start_tls: bool = False  # ?starttls=true: upgrade after EHLO


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://[user:password@]host:port`, `smtps://...`, `?starttls=true`."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("DIALOGUE_SMTP_URL must look like smtp://host:port or smtps://host:port")
    use_tls = parts.scheme == "smtps"
    flag = parse_qs(parts.query).get("starttls", ["false"])[-1].lower()
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if use_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=flag in ("1", "true", "yes"),
    )


def address_of(mailbox: str) -> str:
    """The bare address of `Name <address>`."""
    return parseaddr(mailbox)[1]


def domain_of(mailbox: str) -> str:
    return address_of(mailbox).rpartition("@")[2] or "localhost"


def message_id(row: OutboxMessage, settings: Settings) -> str:
    return f"<outbox.{row.id}@{domain_of(settings.mail_from)}>"


def build_message(row: OutboxMessage, settings: Settings) -> EmailMessage:
    """Plain text, with the HTML as its alternative when there is one."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(as_utc(row.created_at))
    message["Message-ID"] = message_id(row, settings)
    for name, value in row.headers.items():
        message[name] = value
    message.set_content(row.text)
    if row.html is not None:
        message.add_alternative(row.html, subtype="html")
    return message


@dataclass(frozen=True, slots=True)
class DkimKey:
    selector: bytes
    domain: bytes
    private_key: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> DkimKey | None:
        if settings.dkim_key_file is None:
            return None
        domain = settings.dkim_domain or domain_of(settings.mail_from)
        return cls(
            selector=settings.dkim_selector.encode(),
            domain=domain.encode(),
            private_key=Path(settings.dkim_key_file).read_bytes(),
        )

    def sign(self, raw: bytes) -> bytes:
        present = [
            name for name in SIGNED_HEADERS if b"\n" + name.lower() + b":" in b"\n" + raw.lower()
        ]
        signature: bytes = dkim.sign(
            raw, self.selector, self.domain, self.private_key, include_headers=present
        )
        return signature + raw


class Mailer:
    """One SMTP connection, opened on first use and kept while messages keep coming."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_url:
            raise ValueError("DIALOGUE_SMTP_URL is not set")
        self.target = parse_smtp_url(settings.smtp_url)
        self.settings = settings
        self.envelope_from = address_of(settings.mail_from)
        self.dkim = DkimKey.from_settings(settings)
        self._client: aiosmtplib.SMTP | None = None

    def render(self, row: OutboxMessage) -> bytes:
        raw = build_message(row, self.settings).as_bytes()
        return self.dkim.sign(raw) if self.dkim else raw

    async def send(self, row: OutboxMessage) -> None:
        """Deliver one message to the SMTP server; raises what the server or network said."""
        raw = await asyncio.to_thread(self.render, row) if self.dkim else self.render(row)
        client = await self._connected()
        try:
            await client.sendmail(self.envelope_from, [address_of(row.to_address)], raw)
        except (aiosmtplib.SMTPServerDisconnected, OSError):
            await self.close()
            raise

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        target = self.target
        client = aiosmtplib.SMTP(
            hostname=target.host,
            port=target.port,
            use_tls=target.use_tls,
            start_tls=target.start_tls,
            timeout=SMTP_TIMEOUT,
            tls_context=ssl.create_default_context()
            if target.use_tls or target.start_tls
            else None,
        )
        await client.connect()
        if target.username:
            await client.login(target.username, target.password or "")
        self._client = client
        return client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
