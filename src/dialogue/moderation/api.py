"""Moderation routes of the JSON API: queue, post actions, flags, codebook, audit log.

The members, threads, appeals and unmask routes live in their own modules and are
gathered here into one router for the app.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbInt
from dialogue.errors import NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation import actions, codebook, flags, queue
from dialogue.moderation.api_concerns import router as concerns_router
from dialogue.moderation.api_people import router as people_router
from dialogue.moderation.api_records import router as records_router
from dialogue.moderation.api_threads import router as threads_router
from dialogue.moderation.models import Code, FlagStatus
from dialogue.moderation.schemas import (
    BulkApproveIn,
    BulkApproveResult,
    CodeIn,
    CodeList,
    CodePublic,
    FlagIn,
    FlagList,
    FlagPublic,
    FlagSettleIn,
    FlagsSettled,
    ModeratedPost,
    ModeratorEditIn,
    PostCodes,
    PostCodesIn,
    PostModerationIn,
    QueuePage,
)
from dialogue.paths import DialogueDep, PostDep
from dialogue.policy import Action
from dialogue.state import app_state
from dialogue.threads.presenters import post_data, shows_content
from dialogue.threads.schemas import PostPublic

router = APIRouter(tags=["moderation"])


def code_data(code: Code) -> dict[str, Any]:
    return {
        "id": code.id,
        "dialogue_id": code.dialogue_id,
        "name": code.name,
        "description": code.description,
        "colour": code.colour,
        "created_at": code.created_at.isoformat(),
    }


@router.get("/dialogues/{slug}/moderation/queue", response_model=QueuePage)
async def get_queue(
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.QUEUE_READ)],
    limit: Annotated[DbInt, Query(ge=1, le=queue.MAX_ITEMS)] = 100,
) -> dict[str, Any]:
    items = await queue.list_queue(session=session, dialogue_id=dialogue.id or 0, limit=limit)
    return {"items": items}


@router.post(
    "/posts/{post_id}/moderation", response_model=ModeratedPost, response_model_exclude_unset=True
)
async def moderate_post(
    body: PostModerationIn,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.POST_MODERATE)],
) -> dict[str, Any]:
    """Approve, reject, hide, unhide, highlight or unhighlight; a second try answers 409."""
    post = await actions.moderate_post(
        session=session,
        dialogue=access.require_dialogue(),
        post=post,
        actor=access.require_user(),
        action=body.action,
        reason=body.reason,
        clause=body.clause,
    )
    return post_data(post, None, viewer=access.viewer) | {"action": body.action.value}


@router.post("/dialogues/{slug}/moderation/approve", response_model=BulkApproveResult)
async def bulk_approve(
    body: BulkApproveIn,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.POST_MODERATE)],
) -> dict[str, list[int]]:
    result = await actions.bulk_approve(
        session=session,
        dialogue=dialogue,
        actor=access.require_user(),
        post_ids=body.post_ids,
    )
    return {
        "approved": result.approved,
        "already_handled": result.already_handled,
        "not_found": result.not_found,
    }


@router.post(
    "/posts/{post_id}/moderation/edit", response_model=PostPublic, response_model_exclude_unset=True
)
async def moderator_edit(
    body: ModeratorEditIn,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.POST_EDIT_ANY)],
) -> dict[str, Any]:
    post = await actions.moderator_edit(
        session=session,
        dialogue=access.require_dialogue(),
        post=post,
        actor=access.require_user(),
        body=body.body,
        note=body.note,
    )
    return post_data(post, None, viewer=access.viewer)


@router.post("/posts/{post_id}/flags", status_code=201, response_model=FlagPublic)
async def flag_post(
    request: Request,
    body: FlagIn,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.POST_FLAG)],
) -> dict[str, Any]:
    if not shows_content(post, access.viewer):
        raise NotFound(_("Not found."))
    user = access.require_user()
    await app_state(request).limits.flags.hit_from(request, account=user.id)
    flag = await flags.create_flag(
        session=session,
        dialogue=access.require_dialogue(),
        post=post,
        user=user,
        reason=body.reason,
        note=body.note,
    )
    return flags.flag_data(flag)


@router.post("/posts/{post_id}/flags/settle", response_model=FlagsSettled)
async def settle_flags(
    body: FlagSettleIn,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.POST_MODERATE)],
) -> dict[str, Any]:
    """Close a post's open flags and leave the post as it is."""
    closed = await flags.settle_flags(
        session=session,
        dialogue=access.require_dialogue(),
        post=post,
        actor=access.require_user(),
        outcome=FlagStatus(body.outcome),
        note=body.note,
    )
    return {"closed": closed, "outcome": body.outcome}


@router.get("/me/flags", response_model=FlagList)
async def my_flags(
    session: SessionDep, access: Annotated[Access, allow(Action.SIGNED_IN)]
) -> dict[str, Any]:
    user = access.require_user()
    rows = await flags.flags_of_user(session=session, user_id=user.id or 0)
    return {"items": [flags.flag_data(f) for f in rows]}


@router.get("/dialogues/{slug}/codes", response_model=CodeList)
async def list_codes(
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.CODEBOOK_READ)],
) -> dict[str, Any]:
    codes = await codebook.list_codes(session=session, dialogue_id=dialogue.id or 0)
    return {"items": [code_data(c) for c in codes]}


@router.post("/dialogues/{slug}/codes", status_code=201, response_model=CodePublic)
async def create_code(
    body: CodeIn,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.CODEBOOK_MANAGE)],
) -> dict[str, Any]:
    code = await codebook.create_code(
        session=session,
        dialogue_id=dialogue.id or 0,
        actor_id=access.require_user().id,
        name=body.name,
        description=body.description,
        colour=body.colour,
    )
    return code_data(code)


@router.put("/posts/{post_id}/codes", response_model=PostCodes)
async def set_post_codes(
    body: PostCodesIn,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.CODEBOOK_MANAGE)],
) -> dict[str, Any]:
    codes = await codebook.set_post_codes(
        session=session,
        dialogue_id=post.dialogue_id,
        actor_id=access.require_user().id,
        post_id=post.id or 0,
        code_ids=body.codes,
    )
    return {"post_id": post.id, "codes": [code_data(c) for c in codes]}


router.include_router(threads_router)
router.include_router(people_router)
router.include_router(records_router)
router.include_router(concerns_router)
