"""Writing one message for one person: their language and timezone, the footer saying why
they get it, and the signed link that stops exactly this kind of mail.

Mail templates live in `templates/mail/` as a pair, `NAME.txt` and `NAME.html` (inline
styles, no remote images: what common mail clients render). They are rendered with an
environment of their own, since no request (and no page) is involved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formataddr
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue import i18n
from dialogue.accounts.models import User
from dialogue.accounts.tombstone import shown_name
from dialogue.config import Settings
from dialogue.i18n import gettext as _
from dialogue.notifications import outbox, preferences
from dialogue.notifications.models import MailKind, OutboxMessage
from dialogue.notifications.unsubscribe import unsubscribe_url


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    user_id: int | None = None
    name: str = ""
    language: str = "en"
    timezone: str = "UTC"

    @classmethod
    def of(cls, user: User) -> Recipient:
        return cls(
            email=user.email,
            user_id=user.id,
            name=user.display_name,
            language=user.language,
            timezone=user.timezone,
        )

    @property
    def mailbox(self) -> str:
        return formataddr((self.name, self.email)) if self.name else self.email


@lru_cache(maxsize=4)
def environment(templates_dir: Path) -> Environment:
    env = Environment(
        # The whole folder: mail reuses the pages' word macros (`dialogues/_labels.html`).
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.filters["localtime"] = i18n.localtime
    env.filters["shown_name"] = shown_name  # a deleted account's name, in the reader's words
    return env


def reason_for(kind: MailKind) -> str:
    """The footer's sentence: why this person gets this mail."""
    reasons = {
        MailKind.INVITATION: _(
            "You receive this e-mail because an organizer invited this address."
        ),
        MailKind.PASSWORD_RESET: _(
            "You receive this e-mail because someone asked to reset the password of this address."
        ),
        MailKind.THEME_OPENED: _(
            "You receive this e-mail because you are a member of this dialogue."
        ),
        MailKind.REPLY: _("You receive this e-mail because someone replied to your post."),
        MailKind.MENTION: _("You receive this e-mail because someone mentioned you."),
        MailKind.DIGEST: _(
            "You receive this e-mail because you asked for a digest on your profile."
        ),
        MailKind.MODERATION: _("You receive this e-mail because you moderate this dialogue."),
        MailKind.REVIEW: _("You receive this e-mail because you review this dialogue's report."),
        MailKind.CONCERN: _("You receive this e-mail because you handle this dialogue's concerns."),
        MailKind.QUESTION: _("You receive this e-mail because you organize this dialogue."),
        MailKind.REFUSAL: _("You receive this e-mail because you replied to one of our e-mails."),
    }
    return reasons[kind]


async def send(
    session: AsyncSession,
    *,
    settings: Settings,
    recipient: Recipient,
    kind: MailKind,
    template: str,
    subject: Callable[[], str],
    context: dict[str, Any],
    reply_to: str | None = None,
) -> OutboxMessage | None:
    """Queue `template` for `recipient` in their language; None when they stopped `kind`."""
    if await preferences.opted_out(session=session, email=recipient.email, kind=kind):
        return None
    stop_url = unsubscribe_url(settings, email=recipient.email, kind=kind)
    env = environment(settings.templates_dir)
    language = recipient.language if recipient.language in settings.languages else "en"
    with i18n.translating(language, settings.translations_dir):
        title = subject()
        values = {
            **context,
            "subject": title,
            "language": language,
            "timezone": recipient.timezone,
            "recipient": recipient,
            "reason": reason_for(kind),
            "unsubscribe_url": stop_url,
            "base_url": settings.base_url.rstrip("/"),
        }
        text = env.get_template(f"mail/{template}.txt").render(values)
        html = env.get_template(f"mail/{template}.html").render(values)
    headers = {
        "List-Unsubscribe": f"<{stop_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # Out-of-office replies and autoresponders should not answer (RFC 3834).
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if reply_to:
        headers["Reply-To"] = reply_to
    return await outbox.enqueue(
        session,
        to=recipient.mailbox,
        subject=title,
        text=text,
        html=html,
        kind=kind,
        user_id=recipient.user_id,
        headers=headers,
    )
