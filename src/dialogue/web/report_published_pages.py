"""The published report's page, for whoever the organizers shared it with.

It shows the frozen snapshot under today's consent, the same document every download
renders, so what a member reads here and what they download always agree.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dialogue.access import Access, SessionDep, allow
from dialogue.policy import Action, Visibility
from dialogue.synthesis import service as reports
from dialogue.synthesis import signoff
from dialogue.synthesis.dependencies import options_for
from dialogue.synthesis.render.html import render_body
from dialogue.web.report_view import FORMATS
from dialogue.web.templating import render

router = APIRouter()


@router.get("/published")
async def published_page(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.REPORT_DOWNLOAD)]
) -> Response:
    dialogue = access.require_dialogue()
    # Links to posts only for readers who may open them.
    may_open = access.role is not None or dialogue.visibility == Visibility.PUBLIC
    options = replace(options_for(request), link_posts=may_open)
    snapshot, document = await signoff.published_document(
        session=session, dialogue=dialogue, role=access.role, options=options
    )
    body = await asyncio.to_thread(render_body, json.loads(document), options)
    report = await reports.get_report(session=session, dialogue=dialogue)
    return render(
        request,
        "reports/published.html",
        {
            "dialogue": dialogue,
            "report": report,
            "snapshot": snapshot,
            "body": body,
            "formats": FORMATS,
        },
    )
