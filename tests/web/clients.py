"""Browsers for the page tests: each with its own cookies, signed in or not, posting forms
with the CSRF token their pages carry, as a browser without JavaScript does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from dialogue.access import SESSION_COOKIE
from dialogue.accounts.models import User
from dialogue.csrf import CSRF_FIELD
from tests.helpers import browser, csrf_from, session_token


@asynccontextmanager
async def visitor(app: FastAPI, user: User | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A browser, signed in as `user` when given (with a session cookie, as after /login)."""
    async with browser(app) as client:
        if user is not None:
            client.cookies.set(SESSION_COOKIE, await session_token(app, user))
        yield client


async def submit(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, Any]
) -> httpx.Response:
    """Open `page`, then post `data` to `action` with the CSRF token that page carries."""
    shown = await client.get(page)
    assert shown.status_code < 500, shown.text
    return await client.post(action, data={CSRF_FIELD: page_csrf(shown.text), **data})


_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def page_csrf(html: str) -> str:
    """The page's CSRF token: from a form, or from the head when the page has no form."""
    found = _META.search(html)
    return found.group(1) if found else csrf_from(html)
