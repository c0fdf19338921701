"""Signed values for links in mail: HMAC-SHA256 under the server's secret, with old keys.

A link in an e-mail outlives a key rotation: what a retired key (`old_secret_keys`) signed
still verifies; everything new is signed with the current key. Each use has its own
`purpose`, so a value signed for one use is worthless for another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from dialogue.config import Settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, purpose: str, payload: bytes) -> bytes:
    return hmac.new(key.encode(), purpose.encode() + b"\0" + payload, hashlib.sha256).digest()


def sign(settings: Settings, *, purpose: str, value: str) -> str:
    """`value` and its signature, safe in a URL path."""
    payload = value.encode()
    return _b64(payload) + "." + _b64(_mac(settings.secret_key, purpose, payload))


def unsign(settings: Settings, *, purpose: str, token: str) -> str | None:
    """The value a token carries if one of our keys signed it for `purpose`, else None."""
    encoded, _dot, signature = token.partition(".")
    try:
        payload, given = _unb64(encoded), _unb64(signature)
        value = payload.decode()
    except (binascii.Error, ValueError):
        return None
    for key in (settings.secret_key, *settings.old_secret_keys):
        if hmac.compare_digest(_mac(key, purpose, payload), given):
            return value
    return None
