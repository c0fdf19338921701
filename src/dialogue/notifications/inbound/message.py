"""A received message, read for what a reply needs: who sent it, whether a person wrote it,
and the new text it holds.

The standard library's parser (`policy.default`) decodes the transfer encodings and
charsets; the plain-text part is preferred, since it is what clients quote most plainly,
and an HTML-only reply is made Markdown first. Mail that no person wrote (out-of-office
answers, bounces, list traffic) is marked `automatic`: it is never posted and never
answered, so two robots can never answer each other forever.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import parseaddr

from dialogue.notifications.inbound.html_text import html_to_markdown
from dialogue.notifications.inbound.trimming import trim_reply

_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_AUTOMATIC_SUBJECT = re.compile(
    r"^\s*(?:Auto(?:matic)? ?(?:reply|response)|Out of (?:the )?office|Autoreply|"
    r"Réponse automatique|Absence du bureau|Respuesta automática|Fuera de la oficina|"
    r"Resposta automática|Ausência temporária|Fora do escritório)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class ReceivedReply:
    sender: str  # the From address, lower-cased ("" when there is none)
    message_id: str
    automatic: bool
    text: str  # the new part of the reply, as Markdown


def read_reply(data: bytes) -> ReceivedReply:
    """Parse a message as received over SMTP."""
    message = email.message_from_bytes(data, _class=EmailMessage, policy=policy.default)
    assert isinstance(message, EmailMessage)
    _name, sender = parseaddr(str(message.get("From", "")))
    return ReceivedReply(
        sender=sender.strip().lower(),
        message_id=str(message.get("Message-ID", "")).strip(),
        automatic=is_automatic(message),
        text=reply_text(message),
    )


def is_automatic(message: EmailMessage) -> bool:
    """An auto-reply, a delivery report or list mail (RFC 3834 and the common habits)."""
    submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    if submitted != "no":
        return True
    if any(message.get(name) for name in ("X-Autoreply", "X-Autorespond", "List-Id")):
        return True
    if str(message.get("Precedence", "")).strip().lower() in _AUTOMATIC_PRECEDENCE:
        return True
    if message.get_content_type() == "multipart/report":
        return True
    return _AUTOMATIC_SUBJECT.match(str(message.get("Subject", ""))) is not None


def reply_text(message: EmailMessage) -> str:
    """The new part of the reply: the plain-text body, else the HTML one, trimmed."""
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        text = _content(plain)
        if _param(plain, "format") == "flowed":
            text = unflow(text, delsp=_param(plain, "delsp") == "yes")
        if text.strip():
            return trim_reply(text)
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        return trim_reply(html_to_markdown(_content(html)))
    return ""


def _param(part: MIMEPart, name: str) -> str:
    value = part.get_param(name, "")
    return value.lower() if isinstance(value, str) else ""


def _content(part: MIMEPart) -> str:
    """A text part's words; an unknown charset or a broken encoding costs only the
    characters it garbles."""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def unflow(text: str, *, delsp: bool) -> str:
    """Join the soft line breaks of `format=flowed` text (RFC 3676), keeping quote depths."""
    out: list[str] = []
    current: tuple[int, str] | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):  # space-stuffing
            body = body[1:]
        soft = body.endswith(" ") and body != "-- "
        if soft and delsp:
            body = body[:-1]
        if current is not None and current[0] == depth:
            current = (depth, current[1] + body)
        else:
            if current is not None:
                out.append(_quoted(*current))
            current = (depth, body)
        if not soft:
            out.append(_quoted(*current))
            current = None
    if current is not None:
        out.append(_quoted(*current))
    return "\n".join(out)


def _quoted(depth: int, body: str) -> str:
    return f"{'>' * depth} {body}" if depth else body
