"""Request dependencies: the session, the caller, and the policy check every route declares.

A route states its action with `allow(Action.X)`. The check resolves the dialogue the
path points into (`slug`, `theme_id`, `thread_id`, `post_id`), the caller's membership, and
answers 404 / 401 / 403 exactly as the contract says before the route body runs. The
resolved rows reach the route typed through `dialogue.paths` (`PostDep`, `ThreadDep`, ...).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request, WebSocket
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import HTTPConnection

from dialogue import csrf, i18n
from dialogue.accounts import service as accounts
from dialogue.accounts.models import AuthToken, User
from dialogue.bounds import parse_id
from dialogue.config import Settings
from dialogue.db import READ_ONLY, Database
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue, Membership, PresenceMode, Theme
from dialogue.dialogues.standing import standing_of
from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError, NotFound
from dialogue.events.publish import commit, discard_pending
from dialogue.i18n import gettext as _
from dialogue.moderation import notices
from dialogue.moderation.oversight_models import Concern
from dialogue.policy import (
    SITE_ACTIONS,
    Action,
    Role,
    Standing,
    Viewer,
    can,
    denial_status,
)
from dialogue.state import app_state
from dialogue.threads import queries as threads
from dialogue.threads.models import Post, Thread

SESSION_COOKIE = "dialogue_session"


def get_settings(request: Request) -> Settings:
    settings: Settings = app_state(request).settings
    return settings


WRITES_WHEN_READ = "writes_when_read"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def writes_when_read(endpoint: Endpoint) -> Endpoint:
    """Mark a GET route that writes (a row made on first view, notices marked as read).

    Other GETs read on a snapshot that cannot write (on SQLite it would take the write lock
    outside the writers' queue, and every page view would wait on every other).
    """
    setattr(endpoint, WRITES_WHEN_READ, True)
    return endpoint


SIGNED_LINK = "signed_link"


def signed_link(endpoint: Endpoint) -> Endpoint:
    """Mark a POST whose path carries a signature of ours (one-click unsubscribe, RFC 8058).

    A mail client posts it without our cookies, so it cannot repeat a CSRF token; the
    signature is the proof instead, and such a route may only do what its link names.
    """
    setattr(endpoint, SIGNED_LINK, True)
    return endpoint


QUEUED_WRITE = "queued_write"


def queued_write(endpoint: Endpoint) -> Endpoint:
    """Mark a route whose change is made by a writer task (`PostWriter`), not in its session.

    The request itself only reads (who asks, may they); holding the write lock while its
    change waits in the writer's queue would make it wait on itself.
    """
    setattr(endpoint, QUEUED_WRITE, True)
    return endpoint


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the route returns, undone when it raises.

    Requests that change things queue as writers (`Database.writing`); reads go straight in,
    on a read-only snapshot (`Database.reader`) that has nothing to commit. The events a
    write appended are published only once its commit succeeded; a refusal (`DialogueError`)
    or any other error rolls the whole change back and publishes nothing.
    """
    database: Database = app_state(request).database
    endpoint = request.scope.get("endpoint")
    reads = getattr(endpoint, QUEUED_WRITE, False) or (
        request.method in csrf.SAFE_METHODS and not getattr(endpoint, WRITES_WHEN_READ, False)
    )
    scope = database.reader() if reads else database.writing()
    async with scope as session:
        session.info["broker"] = app_state(request).broker
        try:
            yield session
        except Exception:
            # Closing rolls the transaction back and, unlike `rollback`, leaves the loaded
            # rows readable: the error page still shows who is signed in.
            discard_pending(session)
            await session.close()
            raise
        if not reads:
            await commit(session)


async def end_read(session: AsyncSession) -> None:
    """End a read-only request's snapshot before it waits, so no connection is held meanwhile.

    A writer's transaction is left alone: the request's dependency commits it.
    """
    if session.info.get(READ_ONLY):
        await session.commit()  # nothing to write: this only returns the connection


# scope="function": the transaction ends when the route returns, before the response is
# sent: a success is never sent for a change that then fails to commit (the failure is
# answered as an error instead), and no slow client holds a transaction (on SQLite, the
# write lock) while it reads the response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(slots=True)
class Principal:
    user: User
    token: AuthToken


def bearer_token(request: HTTPConnection) -> str | None:
    scheme, _sep, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def get_principal(request: Request, session: SessionDep) -> Principal | None:
    """The signed-in caller, from a bearer token or else the session cookie; cached per request."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE)
    principal = None
    if token:
        found = await accounts.resolve_token(session=session, token=token)
        if found is not None:
            principal = Principal(user=found[0], token=found[1])
    request.state.principal = principal
    if principal is not None:
        i18n.activate(principal.user.language)
        if not request.url.path.startswith("/api/"):  # the page header shows the count
            request.state.unread_notices = await notices.unread_count(
                session=session, user_id=principal.user.id or 0
            )
    return principal


PrincipalDep = Annotated[Principal | None, Depends(get_principal)]


@dataclass(slots=True)
class Access:
    """The caller's standing in the dialogue a request is about, and what the path resolved to."""

    principal: Principal | None
    standing: Standing
    dialogue: Dialogue | None = None
    membership: Membership | None = None
    theme: Theme | None = None
    thread: Thread | None = None
    post: Post | None = None
    concern: Concern | None = None

    @property
    def loaded(self) -> list[Any]:
        """Every row the check loaded (a page that rolls back reloads them)."""
        rows = [
            self.dialogue,
            self.membership,
            self.user,
            self.theme,
            self.thread,
            self.post,
            self.concern,
        ]
        return [row for row in rows if row is not None]

    @property
    def user(self) -> User | None:
        return self.principal.user if self.principal else None

    @property
    def role(self) -> Role | None:
        return self.standing.effective_role

    @property
    def viewer(self) -> Viewer:
        return Viewer(user_id=self.user.id if self.user else None, role=self.role)

    def can(self, action: Action) -> bool:
        return can(action, self.standing)

    def require_user(self) -> User:
        assert self.principal is not None, "the policy let an anonymous caller through"
        return self.principal.user

    def require_dialogue(self) -> Dialogue:
        assert self.dialogue is not None, "route declared a dialogue action without a dialogue"
        return self.dialogue

    def require_theme(self) -> Theme:
        assert self.theme is not None, "the route's path has no theme_id"
        return self.theme

    def require_thread(self) -> Thread:
        assert self.thread is not None, "the route's path has no thread_id"
        return self.thread

    def require_post(self) -> Post:
        assert self.post is not None, "the route's path has no post_id"
        return self.post

    def require_concern(self) -> Concern:
        assert self.concern is not None, "the route's path has no concern_id"
        return self.concern


# Each path parameter that names a resource inside a dialogue, and how to load it.
# The loader returns the resource and the id of the dialogue it belongs to.
Resolver = Callable[[AsyncSession, int], Awaitable[tuple[Any, int] | None]]


async def _theme(session: AsyncSession, theme_id: int) -> tuple[Any, int] | None:
    theme = await dialogues.get_theme(session=session, theme_id=theme_id)
    return (theme, theme.dialogue_id) if theme else None


async def _thread(session: AsyncSession, thread_id: int) -> tuple[Any, int] | None:
    thread = await threads.get_thread(session=session, thread_id=thread_id)
    return (thread, thread.dialogue_id) if thread else None


async def _post(session: AsyncSession, post_id: int) -> tuple[Any, int] | None:
    post = await threads.get_post(session=session, post_id=post_id)
    return (post, post.dialogue_id) if post else None


async def _concern(session: AsyncSession, concern_id: int) -> tuple[Any, int] | None:
    concern = await session.get(Concern, concern_id)
    return (concern, concern.dialogue_id) if concern else None


RESOLVERS: dict[str, Resolver] = {
    "theme_id": _theme,
    "thread_id": _thread,
    "post_id": _post,
    "concern_id": _concern,
}


async def resolve_access(
    *, request: Request, session: AsyncSession, principal: Principal | None
) -> Access:
    user = principal.user if principal else None
    dialogue: Dialogue | None = None
    resources: dict[str, Any] = {}  # path parameter -> the row it names
    params = request.path_params
    if "slug" in params:
        dialogue = await dialogues.get_dialogue(session=session, slug=str(params["slug"]))
        if dialogue is None:
            raise NotFound(_("Not found."))
    for name, resolver in RESOLVERS.items():
        if name not in params:
            continue
        # An id the database cannot hold names nothing: 404, never a driver's overflow.
        key = parse_id(str(params[name]))
        if key is None:
            raise NotFound(_("Not found."))
        found = await resolver(session, key)
        if found is None:
            raise NotFound(_("Not found."))
        resources[name] = found[0]
        if dialogue is None:
            dialogue = await dialogues.get_dialogue_by_id(session=session, dialogue_id=found[1])
        elif dialogue.id != found[1]:
            raise NotFound(_("Not found."))
    membership = None
    if dialogue is not None and user is not None:
        assert dialogue.id is not None and user.id is not None
        membership = await dialogues.get_membership(
            session=session, dialogue_id=dialogue.id, user_id=user.id
        )
    return Access(
        principal=principal,
        standing=standing_of(user, membership, dialogue),
        dialogue=dialogue,
        membership=membership,
        theme=resources.get("theme_id"),
        thread=resources.get("thread_id"),
        post=resources.get("post_id"),
        concern=resources.get("concern_id"),
    )


async def get_resolved(request: Request, session: SessionDep, principal: PrincipalDep) -> Access:
    """The path resolved once per request, for the policy check and the typed path
    dependencies alike (FastAPI caches a dependency per request): the CSRF check first,
    then 404 for anything missing, so the order of a route's parameters changes nothing."""
    signed = getattr(request.scope.get("endpoint"), SIGNED_LINK, False)
    if not signed and csrf.needs_check(request, session_cookie=SESSION_COOKIE):
        await csrf.verify(request)
    return await resolve_access(request=request, session=session, principal=principal)


ResolvedDep = Annotated[Access, Depends(get_resolved)]


class PolicyCheck:
    """The dependency behind `allow`: one per action, found by the route-policy test."""

    def __init__(self, action: Action) -> None:
        self.action = action

    async def __call__(self, request: Request, access: ResolvedDep) -> Access:
        if self.action not in SITE_ACTIONS and access.dialogue is None:
            raise NotFound(_("Not found."))
        if not can(self.action, access.standing):
            raise refusal(self.action, access.standing)
        request.state.access = access
        return access


def refusal(action: Action, standing: Standing) -> DialogueError:
    status = denial_status(action, standing)
    if status == 404:
        return NotFound(_("Not found."))
    if status == 401:
        return DialogueError(_("Please sign in."), status=401, code=ErrorCode.UNAUTHENTICATED)
    return DialogueError(_("You are not allowed to do this."), status=403, code=ErrorCode.FORBIDDEN)


def allow(action: Action) -> Any:
    """Declare a route's action; the route receives the resolved `Access`."""
    return Depends(PolicyCheck(action))


class SignInFirst(PolicyCheck):
    """A personal page's check: a visitor who is not signed in is sent to sign in and come
    back (a 303 to the login page), where other routes answer 401."""

    async def __call__(self, request: Request, access: ResolvedDep) -> Access:
        if access.user is None:
            back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise DialogueError(
                _("Please sign in."),
                status=303,
                code=ErrorCode.UNAUTHENTICATED,
                headers={"Location": f"/login?next={quote(back, safe='/')}"},
            )
        return await super().__call__(request, access)


def allow_signed_in_page(action: Action) -> Any:
    """`allow` for a page of one's own (profile, notifications): visitors go to sign in."""
    return Depends(SignInFirst(action))


@dataclass(slots=True, frozen=True)
class SocketAccess:
    """A websocket caller's standing; `refused` sockets are closed with 4404 after accepting.

    Plain values, no ORM objects: it lives as long as the socket (FastAPI holds the
    endpoint's dependencies until it returns), and a user's and a dialogue's loaded rows
    held by each of thousands of sockets are memory for nothing.
    """

    refused: bool
    dialogue_id: int = 0
    last_seq: int = 0  # the dialogue's log position when its rights were read
    user_id: int | None = None
    display_name: str | None = None
    is_admin: bool = False
    token_id: int | None = None
    role: Role | None = None
    language: str = "en"  # what live fragments are rendered in, as the pages are
    timezone: str = "UTC"
    count_presence: bool = False  # the dialogue shows how many are online, naming nobody


def _same_origin(websocket: WebSocket) -> bool:
    """Cookie-authenticated sockets must come from our own pages (cross-site hijacking)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser: scripts send no Origin
    host = websocket.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


class SocketPolicyCheck:
    """The websocket form of `PolicyCheck`: it never holds a database session open."""

    def __init__(self, action: Action) -> None:
        self.action = action

    async def __call__(self, websocket: WebSocket) -> SocketAccess:
        database = app_state(websocket).database
        bearer = bearer_token(websocket)
        token = bearer or websocket.cookies.get(SESSION_COOKIE)
        if token and not bearer and not _same_origin(websocket):
            return SocketAccess(refused=True)
        async with database.reader() as session:
            user, token_id = None, None
            if token:
                found = await accounts.resolve_token(session=session, token=token)
                if found is not None:
                    user, token_id = found[0], found[1].id
                    i18n.activate(user.language)
            slug = str(websocket.path_params.get("slug", ""))
            dialogue = await dialogues.get_dialogue(session=session, slug=slug)
            if dialogue is None:
                return SocketAccess(refused=True)
            membership = None
            if user is not None:
                assert dialogue.id is not None and user.id is not None
                membership = await dialogues.get_membership(
                    session=session, dialogue_id=dialogue.id, user_id=user.id
                )
        standing = standing_of(user, membership, dialogue)
        if not can(self.action, standing):
            return SocketAccess(refused=True)
        assert dialogue.id is not None
        return SocketAccess(
            refused=False,
            dialogue_id=dialogue.id,
            last_seq=dialogue.last_seq,
            user_id=user.id if user else None,
            # "Don't show me as online": no name in presence or typing, and not counted.
            display_name=user.display_name if user and not user.hide_presence else None,
            is_admin=bool(user and user.is_admin),
            token_id=token_id,
            role=standing.effective_role,
            language=i18n.current_language(),
            timezone=user.timezone if user else "UTC",
            count_presence=dialogue.presence == PresenceMode.COUNT,
        )
