"""A dialogue's own pages: its home with the themes timeline, the code of conduct, search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbInt
from dialogue.db import utcnow
from dialogue.dialogues import presenters
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import DialogueStatus
from dialogue.dialogues.schemas import ThemeOut
from dialogue.dialogues.setup import setup_progress
from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError, Forbidden
from dialogue.i18n import gettext as _
from dialogue.moderation.dependencies import CodeParam, code_filter, codes_offered
from dialogue.policy import Action
from dialogue.state import app_state
from dialogue.synthesis import service as reports
from dialogue.threads import search
from dialogue.threads.participation import participation
from dialogue.transaction import attempt
from dialogue.web import post_pages, thread_pages
from dialogue.web.pages import safe_next
from dialogue.web.templating import render

router = APIRouter(prefix="/d/{slug}", include_in_schema=False)

MAX_QUERY = 200


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    theme: ThemeOut
    state: str  # "open", "upcoming" or "closed"
    is_next: bool


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def timeline(themes: Sequence[ThemeOut], now: datetime | None = None) -> list[TimelineEntry]:
    """Each theme with its state; the first theme still to open is marked as what comes next."""
    now = now or utcnow()
    entries = []
    next_found = False
    for theme in themes:
        if theme.is_open:
            state = "open"
        elif _aware(theme.opens_at) > now:
            state = "upcoming"
        else:
            state = "closed"
        is_next = state == "upcoming" and not next_found
        next_found = next_found or is_next
        entries.append(TimelineEntry(theme=theme, state=state, is_next=is_next))
    return entries


@router.get("")
async def dialogue_home(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.DIALOGUE_READ)]
) -> Response:
    dialogue = access.require_dialogue()
    out = await presenters.dialogue_out(
        session=session, dialogue=dialogue, role=access.role, membership=access.membership
    )
    figures = await participation(session=session, dialogue_id=dialogue.id or 0)
    published = await reports.published_for(session=session, dialogue=dialogue, role=access.role)
    drafting = dialogue.status == DialogueStatus.DRAFT and access.can(Action.DIALOGUE_UPDATE)
    return render(
        request,
        "dialogues/home.html",
        {
            "dialogue": out,
            "timeline": timeline(out.themes),
            "figures": figures,
            "membership": access.membership,
            "published_report": published,
            # The organizer's setup checklist, while the dialogue is a draft.
            "setup": await setup_progress(session=session, dialogue=dialogue) if drafting else None,
        },
    )


async def _conduct_page(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    next_url: str,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    out = await presenters.dialogue_out(
        session=session,
        dialogue=dialogue,
        role=access.role,
        membership=access.membership,
        with_themes=False,
    )
    context: dict[str, Any] = {
        "dialogue": out,
        "membership": access.membership,
        "next": next_url,
        "error": error,
    }
    return render(request, "dialogues/conduct.html", context, status_code=status_code)


def _conduct_next(slug: str, target: str | None) -> str:
    """Back to where the member was going, but only inside this dialogue."""
    safe = safe_next(target)
    return safe if safe.startswith(f"/d/{slug}/") or safe == f"/d/{slug}" else f"/d/{slug}"


@router.get("/conduct")
async def conduct_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_READ)],
    next: str | None = None,
) -> Response:
    slug = access.require_dialogue().slug
    return await _conduct_page(request, session, access, next_url=_conduct_next(slug, next))


@router.post("/conduct")
async def conduct_accept(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.CONDUCT_ACCEPT)],
    version: Annotated[DbInt, Form()],
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    dialogue = access.require_dialogue()
    next_url = _conduct_next(dialogue.slug, next)
    if access.membership is None:  # an admin who is not a member has nothing to accept
        raise Forbidden(
            _("Only members accept a dialogue's code of conduct."), code=ErrorCode.NOT_MEMBER
        )
    try:
        async with attempt(session):
            await dialogues.accept_conduct(
                session=session, dialogue=dialogue, membership=access.membership, version=version
            )
    except DialogueError as exc:
        return await _conduct_page(
            request,
            session,
            access,
            next_url=next_url,
            error=exc.message,
            status_code=exc.status,
        )
    return RedirectResponse(next_url, status_code=303)


@router.get("/search")
async def search_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SEARCH)],
    q: str = "",
    code: CodeParam = None,
) -> Response:
    """A search by words, narrowed to one code for those who may read the codebook."""
    dialogue = access.require_dialogue()
    query = q.strip()
    only_posts = await code_filter(session=session, access=access, code_id=code)
    context: dict[str, Any] = {
        "dialogue": dialogue,
        "q": q,
        "hits": None,
        "error": None,
        "codes": await codes_offered(session=session, access=access),
        "code": code,
    }
    if len(query) > MAX_QUERY:
        context["error"] = _("A search can have at most %(n)s characters.") % {"n": MAX_QUERY}
        return render(request, "dialogues/search.html", context, status_code=422)
    if query or only_posts is not None:
        await app_state(request).limits.search.hit_from(request, account=access.viewer.user_id)
        context["hits"] = await search.search_posts(
            session=session,
            dialogue_id=dialogue.id or 0,
            viewer=access.viewer,
            query=query,
            only_posts=only_posts,
        )
        context["searchable"] = bool(search.terms(query)) or only_posts is not None
    return render(request, "dialogues/search.html", context)


# The thread and post pages live in their own modules under the same /d/{slug} prefix.
router.include_router(thread_pages.router)
router.include_router(post_pages.router)
