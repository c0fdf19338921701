"""The demo's people: accounts sharing one password hash, memberships and conduct acceptance."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import service as accounts
from dialogue.accounts.models import User
from dialogue.demo.specs import Person
from dialogue.demo.stamping import Backdates
from dialogue.demo.timeline import Schedule
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue, Membership


async def refuse_taken(*, session: AsyncSession, emails: list[str]) -> None:
    """Stop before writing anything if an account already uses one of the demo's emails.

    Otherwise the printed password would be wrong for that account, or the load would fail
    half-way through on the unique email.
    """
    wanted = [email.strip().lower() for email in emails]
    taken = (await session.exec(select(User.email).where(col(User.email).in_(wanted)))).all()
    if taken:
        raise ValueError(
            "these accounts exist already, so the demo cannot create them: " + ", ".join(taken)
        )


async def create_people(
    *, session: AsyncSession, people: tuple[Person, ...], password_hash: str, plan: Schedule
) -> dict[str, User]:
    """One account per person, all with the admin's password (hashed once: argon2 is slow)."""
    users: dict[str, User] = {}
    for index, person in enumerate(people):
        user = await accounts.create_user(
            session=session, email=person.email, password=None, **person.profile
        )
        user.password_hash = password_hash
        user.created_at = plan.joined_at(index)
        session.add(user)
        users[person.key] = user
    await session.flush()
    return users


async def join(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    people: tuple[Person, ...],
    users: dict[str, User],
    plan: Schedule,
    backdates: Backdates,
) -> dict[str, Membership]:
    """Each person's membership with their role; the dialogue's creator is a member already."""
    assert dialogue.id is not None
    memberships: dict[str, Membership] = {}
    for index, person in enumerate(people):
        user_id = users[person.key].id
        assert user_id is not None
        membership = await dialogues.get_membership(
            session=session, dialogue_id=dialogue.id, user_id=user_id
        )
        if membership is None or membership.role != person.role:
            membership = await dialogues.add_member(
                session=session, dialogue=dialogue, user_id=user_id, role=person.role
            )
            backdates.date_events(session, plan.joined_at(index))
        membership.created_at = plan.joined_at(index)
        session.add(membership)
        memberships[person.key] = membership
    await session.flush()
    return memberships


async def accept_conduct(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    people: tuple[Person, ...],
    memberships: dict[str, Membership],
    plan: Schedule,
) -> None:
    """Everyone accepted the code of conduct before the first theme opened."""
    for index, person in enumerate(people):
        membership = memberships[person.key]
        await dialogues.accept_conduct(
            session=session,
            dialogue=dialogue,
            membership=membership,
            version=dialogue.conduct_version,
        )
        membership.conduct_accepted_at = plan.conduct_accepted_at(index)
        session.add(membership)
    await session.flush()
