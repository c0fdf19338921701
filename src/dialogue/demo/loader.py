"""Loading the sample dialogue into a fresh database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dialogue.accounts import service as accounts
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.dialogues import service as dialogues
from dialogue.policy import Visibility

CONTENT = Path(__file__).resolve().parent / "content.json"


def read_content() -> dict[str, Any]:
    content: dict[str, Any] = json.loads(CONTENT.read_text(encoding="utf-8"))
    return content


async def load_demo(settings: Settings, *, admin_email: str, admin_password: str) -> bool:
    """Create the demo admin and dialogue; False when they exist already."""
    content = read_content()
    database = Database(settings)
    try:
        async with database.session() as session:
            if await dialogues.get_dialogue(session=session, slug=content["dialogue"]["slug"]):
                return False
            admin = await accounts.create_user(
                session=session,
                email=admin_email,
                password=admin_password,
                is_admin=True,
                display_name="Demo administrator",
            )
            spec = content["dialogue"]
            await dialogues.create_dialogue(
                session=session,
                actor=admin,
                fields={
                    "slug": spec["slug"],
                    "title": spec["title"],
                    "summary": spec["summary"],
                    "visibility": Visibility.PUBLIC.value,
                    "code_of_conduct": spec["code_of_conduct"],
                },
            )
            await session.commit()
    finally:
        await database.dispose()
    return True
