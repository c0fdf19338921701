"""Hostile input through the whole JSON API (issue 19, item 1): no 5xx, answers as declared.

A real uvicorn server with the rate limits raised for the run, and schemathesis calling
every operation of the published schema as a participant, an anonymous visitor, a
moderator and an organizer (tests/fuzzing.py says what is checked).
`DIALOGUE_FUZZ_EXAMPLES` sets the examples per operation, caller, generation mode and path
kind (2 in the suite; `bench/fuzz_api.py` runs more).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dialogue.config import Settings
from tests.dialogues.cast import make_cast, new_post, new_thread
from tests.factories import Factory
from tests.fuzzing import fuzz
from tests.servers import ThreadServer

EXAMPLES = int(os.environ.get("DIALOGUE_FUZZ_EXAMPLES", "2"))
# The suite draws the same examples every run; bench/fuzz_api.py draws new ones.
RANDOM = os.environ.get("DIALOGUE_FUZZ_RANDOM") == "1"
UNLIMITED = 1_000_000
# The first also tries generated path parameters (hostile ids and slugs) on every operation.
CALLERS = ("participant", "anonymous", "moderator", "organizer")


@pytest.fixture
def fuzzed_server(settings: Settings) -> Iterator[ThreadServer]:
    # Every abuse limit (sign-in, posting, reactions, flags, search, ...) out of the way.
    limits = [n for n in Settings.model_fields if n.endswith(("_per_address", "_per_account"))]
    raised = settings.model_copy(
        update={"posts_per_minute": UNLIMITED} | dict.fromkeys(limits, UNLIMITED)
    )
    running = ThreadServer(raised).start()
    yield running
    running.stop()


@pytest.mark.sqlite_only  # the faster (the frame fuzz and tests/test_bounds.py run on PostgreSQL)
async def test_every_operation_answers_hostile_input_as_declared(
    db_kind: str, client: httpx.AsyncClient, factory: Factory, fuzzed_server: ThreadServer
) -> None:
    cast = await make_cast(factory, visibility="public", allow_anonymous=True)
    thread = await new_thread(client, cast, "participant")
    post = await new_post(client, cast, "participant", thread["id"])
    real = {
        "slug": cast.slug,
        "theme_id": cast.theme.id,
        "thread_id": thread["id"],
        "post_id": post["id"],
        "user_id": cast.uid("participant"),
    }

    def real_path(op: Any) -> dict[str, Any] | None:
        names = [p.name for p in op.path_parameters]
        if not names or not all(name in real for name in names):
            return None
        return {name: real[name] for name in names}

    callers = {who: cast.h(who) for who in CALLERS}
    report = await asyncio.to_thread(
        fuzz,
        base_url=fuzzed_server.url,
        callers=callers,
        real_path=real_path,
        examples=EXAMPLES,
        derandomize=not RANDOM,
    )
    print(
        f"fuzz: {report.calls} calls in {report.seconds:.0f} s"
        f" ({report.waiting:.0f} s waiting for answers), statuses {report.statuses}"
    )
    assert report.calls > 0
    assert not report.failures, "\n\n".join(report.failures)
