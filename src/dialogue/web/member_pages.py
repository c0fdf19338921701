"""The members page: each member's standing and the actions the reader may take on them.

Reviewers (organizers, moderators, advisors) read the list, as they read it through the
API; each member's forms are only those `policy.member_acts` allows this reader on that
member in its current state, so no page offers a button the service would refuse.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.accounts.models import User
from dialogue.bounds import DbId
from dialogue.db import as_utc, utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Membership
from dialogue.errors import DialogueError, NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation import members
from dialogue.moderation.clauses import current_clauses
from dialogue.policy import Action, Role, member_acts
from dialogue.transaction import attempt
from dialogue.web.local_time import local_input, parse_local
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Id = Annotated[DbId, Path()]
Reason = Annotated[str, Form(max_length=2000)]
DEFAULT_MUTE = timedelta(hours=24)


def offered(access: Access, membership: Membership, user: User) -> frozenset[str]:
    """The acts to offer on this member: allowed by the policy, and changing something."""
    muted = membership.muted_until is not None and as_utc(membership.muted_until) > utcnow()
    pointless = {
        "unmute": not muted,
        "ban": membership.banned_at is not None,
        "unban": membership.banned_at is None,
        "trust": membership.trusted,
        "untrust": not membership.trusted,
    }
    allowed = member_acts(
        access.role,
        Role(membership.role),
        on_self=access.user is not None and user.id == access.user.id,
    )
    return frozenset(act for act in allowed if not pointless.get(act, False))


async def members_page_response(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    rows = await dialogues.list_members(session=session, dialogue_id=dialogue.id or 0)
    timezone = access.user.timezone if access.user else "UTC"
    now = utcnow()
    return render(
        request,
        "moderation/members.html",
        {
            "dialogue": dialogue,
            "rows": [
                {
                    "member": m,
                    "user": u,
                    "acts": offered(access, m, u),
                    "muted": m.muted_until is not None and as_utc(m.muted_until) > now,
                }
                for m, u in rows
            ],
            "roles": [r.value for r in Role],
            "may_invite": access.can(Action.INVITATION_CREATE),
            "may_read_trail": access.can(Action.AUDIT_READ),
            "mute_default": local_input(now + DEFAULT_MUTE, timezone),
            "now_local": local_input(now, timezone),
            "clauses": await current_clauses(session=session, dialogue=dialogue),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/d/{slug}/moderation/members")
async def members_page(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.MEMBERS_READ)]
) -> Response:
    return await members_page_response(request, session, access)


def _until(action: str, until: str, timezone: str) -> datetime | None:
    return parse_local(until, timezone, field="until") if action == "mute" else None


@router.post("/d/{slug}/moderation/members/{user_id}")
async def member_form(
    request: Request,
    user_id: Id,
    session: SessionDep,
    access: Annotated[Access, allow(Action.MEMBER_MUTE)],
    action: Annotated[str, Form(pattern="^(mute|unmute|ban|unban|trust|untrust|role)$")],
    reason: Reason = "",
    clause: Annotated[str, Form(max_length=20)] = "",
    until: Annotated[str, Form(max_length=40)] = "",
    role: Annotated[Role | None, Form()] = None,
) -> Response:
    """One member action with its reason; a refusal shows the page again with why."""
    dialogue = access.require_dialogue()
    actor = access.require_user()
    membership = await dialogues.get_membership(
        session=session, dialogue_id=dialogue.id or 0, user_id=user_id
    )
    if membership is None:
        raise NotFound(_("This person is not a member of the dialogue."))
    try:
        async with attempt(session):
            await members.moderate_member(
                session=session,
                dialogue=dialogue,
                membership=membership,
                actor=actor,
                actor_role=access.role,
                act=members.MemberAction(
                    action=action,
                    reason=reason,
                    clause=clause or None,
                    until=_until(action, until, actor.timezone),
                    role=role,
                ),
            )
    except DialogueError as exc:
        return await members_page_response(
            request, session, access, error=exc.message, status_code=exc.status
        )
    return RedirectResponse(f"/d/{dialogue.slug}/moderation/members#member-{user_id}", 303)
