"""Reply addresses: `reply+TOKEN@<reply domain>`, one per recipient and thread.

The token says whose reply it is and where it goes, so that an e-mail answer can become a
post without a table of issued addresses. It is signed (HMAC-SHA256 with the secret key)
and carries its last valid day: nobody can make one for another person or thread, and a
leaked notification stops working after `mail_reply_days`. Keys listed in
`old_secret_keys` (the one list of retired keys, as for unsubscribe links) still verify, so
changing the secret key need not break the replies to mail already sent.

Local parts travel through forwarding services that change their case, so the token is
lower-case base32. Its ids are not secret (they are no names, and only the recipient sees
the address); its signature is what cannot be guessed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dialogue.config import Settings

log = logging.getLogger(__name__)

LOCAL_PREFIX = "reply+"
_PURPOSE = b"dialogue reply address v1\x00"  # a signature for nothing else than this
_FIELDS = struct.Struct(">QQH")  # user id, thread id, last valid day (days since 1970)
_SIGNATURE_BYTES = 10  # 80 bits: forging means guessing, one SMTP delivery per guess
_TOKEN_BYTES = _FIELDS.size + _SIGNATURE_BYTES
_EPOCH = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """Who replies, and in which thread: what a verified reply address says."""

    user_id: int
    thread_id: int


def reply_address(settings: Settings, *, user_id: int, thread_id: int) -> str | None:
    """The address that turns a reply into a post by `user_id` in `thread_id`; None when no
    reply domain is configured (the notification then offers no reply by e-mail)."""
    if not settings.mail_reply_domain:
        return None
    token = reply_token(settings, user_id=user_id, thread_id=thread_id)
    return f"{LOCAL_PREFIX}{token}@{settings.mail_reply_domain.lower()}"


def reply_token(
    settings: Settings, *, user_id: int, thread_id: int, today: date | None = None
) -> str:
    """The signed token of one recipient and thread, valid `mail_reply_days` from today."""
    last_day = _day_number(today or _today()) + settings.mail_reply_days
    fields = _FIELDS.pack(user_id, thread_id, min(last_day, 0xFFFF))
    raw = fields + _sign(settings.secret_key, fields)
    return _encode(raw)


def read_reply_address(
    settings: Settings, address: str, *, today: date | None = None
) -> ReplyTarget | None:
    """Whose reply an envelope recipient is; None for anything not a valid, unexpired reply
    address of this server (the caller then creates nothing and answers nothing)."""
    local, _at, domain = address.strip().strip("<>").rpartition("@")
    if not settings.mail_reply_domain or domain.lower() != settings.mail_reply_domain.lower():
        return None
    token = local.lower().removeprefix(LOCAL_PREFIX)
    return read_token(settings, token, today=today)


def read_token(settings: Settings, token: str, *, today: date | None = None) -> ReplyTarget | None:
    """The target of a token signed by the current or an old key and not yet expired."""
    raw = _decode(token)
    if raw is None:
        log.info("reply address refused: not a token")
        return None
    fields, signature = raw[: _FIELDS.size], raw[_FIELDS.size :]
    keys = (settings.secret_key, *settings.old_secret_keys)
    if not any(hmac.compare_digest(_sign(key, fields), signature) for key in keys):
        log.info("reply address refused: bad signature")
        return None
    user_id, thread_id, last_day = _FIELDS.unpack(fields)
    if _day_number(today or _today()) > last_day:
        log.info("reply address refused: expired")
        return None
    return ReplyTarget(user_id=user_id, thread_id=thread_id)


def _sign(key: str, fields: bytes) -> bytes:
    digest = hmac.new(key.encode("utf-8"), _PURPOSE + fields, hashlib.sha256).digest()
    return digest[:_SIGNATURE_BYTES]


def _decode(token: str) -> bytes | None:
    """The token's bytes, or None. Only the canonical spelling is read: the last base32
    character carries unused bits, and an address with them changed is not one we sent."""
    expected = -(-_TOKEN_BYTES * 8 // 5)  # base32 characters, without padding
    if len(token) != expected:
        return None
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
    except ValueError:  # binascii.Error is a ValueError
        return None
    return raw if len(raw) == _TOKEN_BYTES and _encode(raw) == token.lower() else None


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def _day_number(day: date) -> int:
    return day.toordinal() - _EPOCH


def _today() -> date:
    return datetime.now(UTC).date()
