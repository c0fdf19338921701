"""Creating an administrator from the command line."""

from __future__ import annotations

from dialogue.accounts import service as accounts
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.errors import Conflict


async def create_admin(settings: Settings, *, email: str, password: str, display_name: str) -> None:
    database = Database(settings)
    try:
        async with database.session() as session:
            try:
                await accounts.create_user(
                    session=session,
                    email=email,
                    password=password,
                    is_admin=True,
                    display_name=display_name,
                )
            except Conflict as exc:
                raise ValueError(exc.message) from exc
            await session.commit()
    finally:
        await database.dispose()
