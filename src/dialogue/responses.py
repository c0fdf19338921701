"""What every JSON answer's model shares: it declares each field the presenter gives.

Presenters build plain dicts (the same ones go into events and pages); a route declares one
of these models as its `response_model`, so FastAPI checks the dict against it and
`/api/v1/openapi.json` documents the shape. A key the model does not declare is an error,
not a silently dropped field: a presenter and its model cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Presenters give times as `datetime.isoformat()` text; declared as text, they are passed
# through as written (a `datetime` field would re-serialise them with a `Z`).
IsoTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid")
