"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from dialogue.access import Access, SessionDep, allow
from dialogue.error_codes import ErrorCode
from dialogue.errors import NotFound
from dialogue.i18n import gettext as _
from dialogue.metrics import may_scrape
from dialogue.policy import Action
from dialogue.responses import Public
from dialogue.state import app_state

router = APIRouter(tags=["health"])


class Status(Public):
    status: Literal["ok", "ready"]


@router.get("/healthz", response_model=Status)
async def healthz(_access: Annotated[Access, allow(Action.PUBLIC)]) -> dict[str, str]:
    """The process is up and serving; says nothing about its dependencies."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Status,
    responses={503: {"description": "The database does not answer (the contract's error)."}},
)
async def readyz(
    session: SessionDep, _access: Annotated[Access, allow(Action.PUBLIC)]
) -> dict[str, Any] | JSONResponse:
    """Ready to take traffic: the database answers."""
    try:
        await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except Exception as exc:  # any failure of the database means not ready
        return JSONResponse(
            {
                "error": {
                    "code": ErrorCode.NOT_READY,
                    "message": f"database unreachable: {type(exc).__name__}",
                }
            },
            status_code=503,
        )
    return {"status": "ready"}


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics(
    request: Request, session: SessionDep, _access: Annotated[Access, allow(Action.PUBLIC)]
) -> Response:
    """Prometheus' text format, for the configured addresses or token only (else a 404)."""
    state = app_state(request)
    client = request.client.host if request.client else None
    if not may_scrape(state.settings, client, request.headers.get("authorization", "")):
        raise NotFound(_("Not found."))
    body = await state.metrics.render(session)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
