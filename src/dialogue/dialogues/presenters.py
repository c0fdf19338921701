"""Building the API's dialogue and theme shapes from rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.dialogues import service as dialogues
from dialogue.dialogues.conduct import parse_clauses
from dialogue.dialogues.models import Dialogue, Membership, Theme
from dialogue.dialogues.schemas import ClauseOut, DialogueOut, ThemeOut
from dialogue.markup import render_markdown
from dialogue.policy import Role


def theme_out(theme: Theme, facilitators: list[int]) -> ThemeOut:
    assert theme.id is not None
    return ThemeOut(
        id=theme.id,
        dialogue_id=theme.dialogue_id,
        position=theme.position,
        title=theme.title,
        guiding_questions=theme.guiding_questions,
        guiding_questions_html=render_markdown(theme.guiding_questions),
        opens_at=theme.opens_at,
        closes_at=theme.closes_at,
        summary=theme.summary,
        summary_html=render_markdown(theme.summary),
        is_open=dialogues.theme_is_open(theme),
        facilitators=facilitators,
    )


async def themes_out(*, session: AsyncSession, themes: Sequence[Theme]) -> list[ThemeOut]:
    ids = [t.id for t in themes if t.id is not None]
    facilitators = await dialogues.theme_facilitators(session=session, theme_ids=ids)
    return [theme_out(t, facilitators.get(t.id or 0, [])) for t in themes]


async def dialogue_out(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    role: Role | None,
    membership: Membership | None,
    with_themes: bool = True,
) -> DialogueOut:
    assert dialogue.id is not None
    conduct = await dialogues.current_conduct(session=session, dialogue=dialogue)
    text = conduct.text if conduct else ""
    themes = (
        await themes_out(
            session=session,
            themes=await dialogues.list_themes(session=session, dialogue_id=dialogue.id),
        )
        if with_themes
        else []
    )
    return DialogueOut(
        id=dialogue.id,
        slug=dialogue.slug,
        title=dialogue.title,
        summary=dialogue.summary,
        visibility=dialogue.visibility,
        moderation=dialogue.moderation,
        status=dialogue.status,
        allow_anonymous=dialogue.allow_anonymous,
        conduct_version=dialogue.conduct_version,
        code_of_conduct=text,
        flag_threshold=dialogue.flag_threshold,
        presence=dialogue.presence,
        support_text=dialogue.support_text,
        # Names an organizer asked moderators to watch for: never shown to the people named.
        watch_list=dialogue.watch_list if role == Role.ORGANIZER else None,
        hold_phrases=dialogue.hold_phrases if role == Role.ORGANIZER else None,
        clauses=[ClauseOut(number=c.number, text=c.text) for c in parse_clauses(text)],
        last_seq=dialogue.last_seq,
        created_at=dialogue.created_at,
        role=role,
        conduct_accepted=conduct_accepted(dialogue, membership),
        themes=themes,
    )


def conduct_accepted(dialogue: Dialogue, membership: Membership | None) -> bool:
    """A dialogue without a code needs no acceptance; otherwise the current version must be."""
    if dialogue.conduct_version == 0:
        return membership is not None
    return membership is not None and membership.conduct_version == dialogue.conduct_version
