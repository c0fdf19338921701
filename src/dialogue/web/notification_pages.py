"""The notifications page: what moderators did about the person's posts or membership, and
why, with the appeal each decision allows; and the flags the person raised.

Seeing the page marks its notices as read (the header's count drops on the next page);
unread ones are listed first and say so.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dialogue.access import Access, SessionDep, allow_signed_in_page, writes_when_read
from dialogue.moderation import flags, notices
from dialogue.policy import Action
from dialogue.threads.views import post_url
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/notifications")
@writes_when_read  # shown notices are marked as read
async def notifications_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow_signed_in_page(Action.SIGNED_IN)],
) -> Response:
    user = access.require_user()
    rows = await notices.list_notifications(session=session, user_id=user.id or 0)
    items: list[dict[str, Any]] = [
        notices.notice_data(notice, appeal)
        | {
            "created": notice.created_at,
            "until_at": notice.until,
            "dialogue": dialogue,
            "thread": thread,
            "post_link": (
                post_url(dialogue.slug, thread.id or 0, notice.post_id)
                if thread is not None and notice.post_id is not None
                else None
            ),
        }
        for notice, appeal, dialogue, thread in rows
    ]
    my_flags = [
        flags.flag_data(f) for f in await flags.flags_of_user(session=session, user_id=user.id or 0)
    ]
    await notices.mark_read(session=session, notices=[row[0] for row in rows])
    request.state.unread_notices = 0  # this page is where they are read
    return render(request, "accounts/notifications.html", {"items": items, "flags": my_flags})
