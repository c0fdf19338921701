"""Loading the sample dialogue: three weeks of an e-dialogue whose third theme is open now.

Everything is written in one transaction through the services, so a failed load leaves
nothing behind and a finished one looks like a dialogue that was lived through: accounts,
memberships, themes, threads, posts, reactions, highlights, a flag, the codebook, the
search index and a gap-free event log, each dated at its moment in the story (see
`timeline`).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import service as accounts
from dialogue.accounts.models import User
from dialogue.accounts.passwords import hash_password
from dialogue.config import Settings
from dialogue.db import Database, utcnow
from dialogue.demo import cast, history, moderation
from dialogue.demo.content import read_content
from dialogue.demo.specs import Content
from dialogue.demo.stage import Stage
from dialogue.demo.stamping import Backdates
from dialogue.demo.timeline import Schedule, schedule
from dialogue.dialogues import service as dialogues
from dialogue.dialogues import theme_service
from dialogue.dialogues.models import Dialogue, DialogueStatus, ModerationMode, Theme
from dialogue.notifications.feed import skip_history
from dialogue.policy import Role, Visibility

ADMIN_NAME = "Demo administrator"


async def load_demo(settings: Settings, *, admin_email: str, admin_password: str) -> bool:
    """Create the demo admin and dialogue; False, changing nothing, when it exists already.

    Every demo person gets the admin's password. Raises ValueError (before writing) when
    one of the demo's emails is taken by an existing account.
    """
    content = read_content()
    database = Database(settings)
    try:
        async with database.session() as session:
            slug = content.dialogue["slug"]
            if await dialogues.get_dialogue(session=session, slug=slug) is not None:
                return False
            emails = [admin_email, *(person.email for person in content.people)]
            await cast.refuse_taken(session=session, emails=emails)
            await _load(session, content, admin_email=admin_email, admin_password=admin_password)
            await session.commit()
    finally:
        await database.dispose()
    return True


async def _load(
    session: AsyncSession, content: Content, *, admin_email: str, admin_password: str
) -> None:
    plan = schedule(content, utcnow())
    backdates = Backdates()
    password_hash = await hash_password(admin_password)
    admin = await accounts.create_user(
        session=session, email=admin_email, password=None, is_admin=True, display_name=ADMIN_NAME
    )
    admin.password_hash = password_hash
    session.add(admin)
    users = await cast.create_people(
        session=session, people=content.people, password_hash=password_hash, plan=plan
    )
    creator = next(person for person in content.people if person.role == Role.ORGANIZER)
    dialogue = await _create_dialogue(session, content, users[creator.key], plan, backdates)
    memberships = await cast.join(
        session=session,
        dialogue=dialogue,
        people=content.people,
        users=users,
        plan=plan,
        backdates=backdates,
    )
    moderators = [users[p.key].id or 0 for p in content.people if p.role == Role.MODERATOR]
    themes = await _create_themes(session, content, dialogue, moderators, plan, backdates)
    await cast.accept_conduct(
        session=session,
        dialogue=dialogue,
        people=content.people,
        memberships=memberships,
        plan=plan,
    )
    await dialogues.update_dialogue(
        session=session, dialogue=dialogue, changes={"status": DialogueStatus.OPEN.value}
    )
    dialogue.updated_at = plan.opened_at()
    backdates.date_events(session, plan.opened_at())
    stage = Stage(
        session=session,
        content=content,
        plan=plan,
        backdates=backdates,
        dialogue=dialogue,
        themes=themes,
        users=users,
        memberships=memberships,
    )
    await history.replay(stage)
    await moderation.code_posts(stage)
    await stage.ledger.write(session)
    await backdates.write(session)
    await skip_history(session=session, dialogue=dialogue)


async def _create_dialogue(
    session: AsyncSession, content: Content, creator: User, plan: Schedule, backdates: Backdates
) -> Dialogue:
    """Public, so `make run` shows it to anyone; anonymous posts allowed; post-moderated."""
    dialogue = await dialogues.create_dialogue(
        session=session,
        actor=creator,
        fields={
            **content.dialogue,
            "visibility": Visibility.PUBLIC.value,
            "moderation": ModerationMode.POST.value,
            "allow_anonymous": True,
        },
    )
    dialogue.created_at = dialogue.updated_at = plan.created_at()
    session.add(dialogue)
    conduct = await dialogues.current_conduct(session=session, dialogue=dialogue)
    if conduct is not None:
        conduct.created_at = plan.created_at()
        session.add(conduct)
    backdates.date_events(session, plan.created_at())
    return dialogue


async def _create_themes(
    session: AsyncSession,
    content: Content,
    dialogue: Dialogue,
    facilitators: list[int],
    plan: Schedule,
    backdates: Backdates,
) -> list[Theme]:
    """The three weekly themes, each facilitated by the dialogue's moderators."""
    themes = []
    for spec, window in zip(content.themes, plan.windows, strict=True):
        theme = await theme_service.create_theme(
            session=session,
            dialogue=dialogue,
            fields={
                "title": spec.title,
                "guiding_questions": spec.guiding_questions,
                "summary": spec.summary,
                "opens_at": window.opens_at,
                "closes_at": window.closes_at,
                "facilitators": facilitators,
            },
        )
        theme.created_at = plan.theme_created_at(spec.position)
        session.add(theme)
        backdates.date_events(session, theme.created_at)
        themes.append(theme)
    return themes
