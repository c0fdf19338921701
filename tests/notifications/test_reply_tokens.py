"""Reply addresses: bound to one recipient and thread, signed, expiring, case-blind."""

from __future__ import annotations

from datetime import date, timedelta

from dialogue.config import Settings
from dialogue.notifications.reply_tokens import (
    ReplyTarget,
    read_reply_address,
    reply_address,
    reply_token,
)

SETTINGS = Settings(secret_key="a-secret", mail_reply_domain="Replies.Example.org")
TODAY = date(2026, 12, 4)


def test_no_reply_domain_means_no_reply_address() -> None:
    assert reply_address(Settings(), user_id=1, thread_id=2) is None
    assert read_reply_address(Settings(), "reply+abc@replies.example.org") is None


def test_the_address_names_its_recipient_and_thread_and_fits_a_local_part() -> None:
    address = reply_address(SETTINGS, user_id=42, thread_id=2**31 - 1)
    assert address is not None
    local, _at, domain = address.partition("@")
    assert local.startswith("reply+") and len(local) <= 64 and domain == "replies.example.org"
    assert read_reply_address(SETTINGS, address) == ReplyTarget(user_id=42, thread_id=2**31 - 1)
    # Forwarding services change case; the angle brackets of an envelope are tolerated.
    assert read_reply_address(SETTINGS, f"<{address.upper()}>") == ReplyTarget(42, 2**31 - 1)


def test_it_expires_after_the_configured_days() -> None:
    token = reply_token(SETTINGS, user_id=1, thread_id=2, today=TODAY)
    last = TODAY + timedelta(days=SETTINGS.mail_reply_days)
    at = f"reply+{token}@replies.example.org"
    assert read_reply_address(SETTINGS, at, today=last) == ReplyTarget(1, 2)
    assert read_reply_address(SETTINGS, at, today=last + timedelta(days=1)) is None


def test_only_the_current_and_listed_old_keys_verify() -> None:
    old = Settings(secret_key="the-old-one", mail_reply_domain="replies.example.org")
    address = reply_address(old, user_id=1, thread_id=2)
    assert address is not None
    assert read_reply_address(SETTINGS, address) is None
    rotated = SETTINGS.model_copy(update={"old_secret_keys": ("the-old-one",)})
    assert read_reply_address(rotated, address) == ReplyTarget(1, 2)


def test_another_domain_or_a_damaged_token_is_refused() -> None:
    address = reply_address(SETTINGS, user_id=1, thread_id=2)
    assert address is not None
    assert read_reply_address(SETTINGS, address.replace("example.org", "example.net")) is None
    local, _at, domain = address.partition("@")
    for damaged in (local[:-1] + ("a" if local[-1] != "a" else "b"), local[:-2], local + "a"):
        assert read_reply_address(SETTINGS, f"{damaged}@{domain}") is None
    assert read_reply_address(SETTINGS, "not an address") is None


def test_only_the_address_sent_is_read_not_another_spelling_of_its_bytes() -> None:
    """The last base32 character carries unused bits: every other last character, even one
    that decodes to the same bytes, is refused (this test once passed or failed by date)."""
    address = reply_address(SETTINGS, user_id=1, thread_id=2)
    assert address is not None
    local, _at, domain = address.partition("@")
    others = [c for c in "abcdefghijklmnopqrstuvwxyz234567" if c != local[-1]]
    assert all(read_reply_address(SETTINGS, f"{local[:-1]}{c}@{domain}") is None for c in others)
    assert read_reply_address(SETTINGS, f"{local.upper()}@{domain}") == ReplyTarget(1, 2)
