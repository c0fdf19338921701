"""The audit log appends in the caller's transaction and, on PostgreSQL, refuses changes."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dialogue.moderation.audit import record_action
from dialogue.moderation.models import AuditEntry
from tests.factories import Factory


class TestRecordAction:
    async def test_appends_with_all_fields(self, db_kind: str, factory: Factory) -> None:
        dialogue = await factory.dialogue()
        actor = await factory.user()
        async with factory.session() as session:
            entry = await record_action(
                session=session,
                dialogue_id=dialogue.id,
                actor_id=actor.id,
                action="post.hide",
                target_type="post",
                target_id=7,
                reason="names a survivor",
                clause="3",
                clause_version=1,
                before={"status": "published"},
                after={"status": "hidden"},
            )
            await session.commit()
            stored = await session.get(AuditEntry, entry.id)
        assert stored is not None
        assert (stored.action, stored.clause, stored.clause_version) == ("post.hide", "3", 1)
        assert stored.before == {"status": "published"} and stored.after == {"status": "hidden"}

    async def test_rolls_back_with_the_caller(self, db_kind: str, factory: Factory) -> None:
        dialogue = await factory.dialogue()
        async with factory.session() as session:
            await record_action(
                session=session,
                dialogue_id=dialogue.id,
                actor_id=None,
                action="post.hide",
                target_type="post",
                target_id=1,
            )
            await session.rollback()
            count = (await session.exec(text("SELECT count(*) FROM audit_entry"))).scalar_one()  # type: ignore[call-overload]
        assert count == 0


@pytest.mark.postgres_only
class TestAppendOnlyOnPostgres:
    async def _one_entry(self, factory: Factory) -> int:
        dialogue = await factory.dialogue()
        async with factory.session() as session:
            entry = await record_action(
                session=session,
                dialogue_id=dialogue.id,
                actor_id=None,
                action="member.ban",
                target_type="member",
                target_id=1,
                reason="threats",
            )
            await session.commit()
            assert entry.id is not None
            return entry.id

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE audit_entry SET reason = 'rewritten' WHERE id = :id",
            "DELETE FROM audit_entry WHERE id = :id",
            "TRUNCATE audit_entry",
        ],
    )
    async def test_changes_are_refused(
        self, db_kind: str, factory: Factory, statement: str
    ) -> None:
        entry_id = await self._one_entry(factory)
        async with factory.session() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.exec(text(statement), params={"id": entry_id})  # type: ignore[call-overload]
            await session.rollback()
        async with factory.session() as session:
            stored = await session.get(AuditEntry, entry_id)
        assert stored is not None and stored.reason == "threats"
