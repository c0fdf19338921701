"""The unsubscribe link of every e-mail: no sign-in, one kind of mail to one address.

GET shows what the link stops and a button; POST stops it. A mail client's one-click
request (RFC 8058: `List-Unsubscribe=One-Click`, no cookies) is the same POST.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from dialogue.access import Access, SessionDep, SettingsDep, allow, signed_link
from dialogue.notifications import unsubscribe
from dialogue.notifications.compose import reason_for
from dialogue.policy import Action
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(max_length=600)]
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@router.get("/mail/unsubscribe/{token}")
async def unsubscribe_page(
    request: Request,
    token: Token,
    settings: SettingsDep,
    _access: Annotated[Access, allow(Action.PUBLIC)],
) -> Response:
    subscription = unsubscribe.read(settings, token)
    return render(
        request,
        "accounts/unsubscribe.html",
        {
            "token": token,
            "subscription": subscription,
            "reason": reason_for(subscription.kind),
            "done": False,
        },
        headers=PRIVATE,
    )


@router.post("/mail/unsubscribe/{token}")
@signed_link
async def unsubscribe_submit(
    request: Request,
    token: Token,
    session: SessionDep,
    settings: SettingsDep,
    _access: Annotated[Access, allow(Action.PUBLIC)],
) -> Response:
    subscription = await unsubscribe.unsubscribe(session=session, settings=settings, token=token)
    return render(
        request,
        "accounts/unsubscribe.html",
        {
            "token": token,
            "subscription": subscription,
            "reason": reason_for(subscription.kind),
            "done": True,
        },
        headers=PRIVATE,
    )
