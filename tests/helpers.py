"""Helpers shared by the foundation tests: row counts, browsers with their own cookies, CSRF."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, func
from sqlmodel import col, select

from dialogue.accounts import invitations
from dialogue.accounts import service as accounts
from dialogue.accounts.models import AuthToken, Invitation, TokenKind, User
from dialogue.csrf import CSRF_COOKIE, CSRF_FIELD
from dialogue.dialogues.models import ConductVersion, Dialogue, Membership, Theme
from dialogue.events.models import Event
from dialogue.policy import Role
from dialogue.state import app_state
from tests.conftest import error_of

TABLES: tuple[type[Any], ...] = (
    User,
    AuthToken,
    Invitation,
    Dialogue,
    ConductVersion,
    Membership,
    Theme,
    Event,
)


@contextmanager
def listening(app: FastAPI, name: str, listener: Callable[..., None]) -> Iterator[None]:
    """`listener` on every engine of the app's database: SQLite readers have one of their own."""
    engines = app_state(app).database.sync_engines
    for engine in engines:
        event.listen(engine, name, listener)
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine, name, listener)


async def count(app: FastAPI, model: type[Any]) -> int:
    async with app_state(app).database.session() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def snapshot(app: FastAPI) -> dict[str, int]:
    """The row count of every foundation table: a refused write must leave it unchanged."""
    return {model.__name__: await count(app, model) for model in TABLES}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The contract's error shape with this status and code (and never a server error)."""
    assert response.status_code == status, (response.status_code, response.text)
    error = error_of(response)
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"], error
    if status == 422:
        assert isinstance(error.get("fields"), list) and error["fields"], error
        for item in error["fields"]:
            assert set(item) >= {"field", "message"}, item
    return error


_HIDDEN_CSRF = re.compile(rf'name="{CSRF_FIELD}" value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = _HIDDEN_CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


@asynccontextmanager
async def browser(
    app: FastAPI,
    *,
    address: str = "127.0.0.1",
    base_url: str = "http://testserver",
    **kwargs: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookie jar, as one browser at one address."""
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url=base_url, **kwargs) as client:
        yield client


async def sign_in_browser(client: httpx.AsyncClient, *, email: str, password: str) -> str:
    """Sign in through the HTML form as a browser does; returns the CSRF token of the page."""
    page = await client.get("/login")
    assert page.status_code == 200, page.text
    token = csrf_from(page.text)
    response = await client.post(
        "/login", data={"email": email, "password": password, CSRF_FIELD: token}
    )
    assert response.status_code == 303, response.text
    assert client.cookies.get(CSRF_COOKIE) == token
    return token


async def session_token(app: FastAPI, user: User, *, kind: TokenKind = TokenKind.SESSION) -> str:
    async with app_state(app).database.session() as session:
        token = await accounts.issue_token(
            session=session, user=user, kind=kind, lifetime=timedelta(days=1)
        )
        await session.commit()
        return token


async def invite(
    app: FastAPI,
    dialogue: Dialogue,
    *,
    email: str,
    role: Role | str = Role.PARTICIPANT,
    inviter: User | None = None,
    lifetime: timedelta = timedelta(days=7),
) -> str:
    """An invitation made through the service; returns its token."""
    async with app_state(app).database.session() as session:
        if inviter is None:
            inviter = (await session.exec(select(User).order_by(col(User.id)))).first()
        assert inviter is not None
        _invitation, token = await invitations.create_invitation(
            session=session,
            dialogue=dialogue,
            inviter=inviter,
            email=email,
            role=Role(role),
            lifetime=lifetime,
        )
        await session.commit()
        return token


async def invitation_by_email(app: FastAPI, email: str) -> Invitation:
    async with app_state(app).database.session() as session:
        found = (
            await session.exec(select(Invitation).where(Invitation.email == email.lower()))
        ).first()
        assert found is not None
        return found


async def user_by_email(app: FastAPI, email: str) -> User | None:
    async with app_state(app).database.session() as session:
        return await accounts.get_user_by_email(session=session, email=email)
