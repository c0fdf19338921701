"""Passwords: what a new one must be, and hashing with argon2id (run in a thread, so the
event loop keeps serving)."""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dialogue.errors import Invalid
from dialogue.i18n import gettext as _

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs the same time as a
# wrong password and the timing says nothing about which accounts exist.
_DUMMY_HASH = _hasher.hash("not a real password")

MIN_LENGTH = 10
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
# What people add around a common word, and the digits written for letters.
_PADDING = string.digits + string.punctuation + string.whitespace
_LEET = str.maketrans("@4310$5!7+", "aaeiossitt")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(_fold(line) for line in lines if line.strip() and not line.startswith("#"))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _forms(password: str) -> Iterator[str]:
    """The password as typed, without what was added at its ends, and with digits read as
    the letters they stand for."""
    folded = _fold(password)
    for form in (folded, folded.translate(_LEET)):
        yield form
        yield form.strip(_PADDING)


def is_common(password: str) -> bool:
    """Among the first guesses of anyone trying passwords: on the shipped list (give or take
    digits and symbols at its ends), or one character over and over."""
    folded = _fold(password)
    if len(set(folded)) <= 1:
        return True
    listed = common_passwords()
    return any(form in listed for form in _forms(password))


def check_new_password(password: str) -> None:
    """Refuse a new password that is short or common (422, with a message for the person)."""
    if len(password) < MIN_LENGTH:
        message = _("Choose a password of at least %(n)s characters.") % {"n": MIN_LENGTH}
        raise Invalid(message, fields=[{"field": "password", "message": message}])
    if is_common(password):
        message = _(
            "This password is one of the most common ones, which are guessed first. "
            "Please choose another: a few unrelated words make a strong one."
        )
        raise Invalid(message, fields=[{"field": "password", "message": message}])


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check)
