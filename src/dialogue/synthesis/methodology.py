"""The methodology appendix, in plain words: how the dialogue ran, who took part, how it was
moderated, how the analysis found what it found, how consent and anonymity were kept, and
what the report's "#N" references mean."""

from __future__ import annotations

from typing import Any

from dialogue.synthesis import opinions, subthemes
from dialogue.synthesis.embeddings import available as embeddings_available
from dialogue.synthesis.source import ReportSource

STATUSES = ("published", "pending", "rejected", "hidden", "deleted")
STATUS_WORDS = {
    "published": "published",
    "pending": "still waiting for a moderator",
    "rejected": "not published by moderators",
    "hidden": "hidden by moderators",
    "deleted": "deleted by their authors",
}
# Audit-log actions in words; an action not listed is shown with its dots as spaces.
ACTION_WORDS = {
    "appeal.create": "appeals made",
    "appeal.decide": "appeals decided",
    "code.create": "analysis codes created",
    "code.merge": "analysis codes merged",
    "code.update": "analysis codes renamed",
    "post.codes": "posts coded",
    "post.edit": "posts edited by moderators",
    "post.hide": "posts hidden",
    "post.unhide": "posts shown again",
    "post.approve": "posts approved",
    "post.reject": "posts rejected",
    "post.auto_hide": "posts hidden automatically after flags",
    "post.highlight": "posts highlighted",
    "post.unhighlight": "highlights removed",
    "flag.uphold": "flags upheld",
    "flag.dismiss": "flags dismissed",
    "member.invite": "people invited",
    "member.join": "people who joined",
    "member.add": "members added",
    "member.update": "roles changed",
    "member.mute": "members muted",
    "member.ban": "members removed",
    "author.mute": "authors muted",
    "author.ban": "authors removed",
    "invitation.create": "invitations sent",
    "unmask.request": "requests to reveal an anonymous author",
    "unmask.approve": "anonymous authors revealed (with a second approval)",
    "unmask.refuse": "requests to reveal an anonymous author refused",
    "thread.lock": "threads locked",
    "thread.unlock": "threads reopened",
    "consent.change": "changes of consent to be quoted",
}


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action, action.replace(".", " ").replace("_", " "))


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _schedule(source: ReportSource) -> str:
    parts = [
        f"“{t.title}” ({t.opens_at.date().isoformat()} to {t.closes_at.date().isoformat()})"
        for t in source.themes
    ]
    if not parts:
        return "No theme was scheduled."
    return f"The dialogue ran in {plural(len(parts), 'theme', 'themes')}: " + "; ".join(parts) + "."


def methodology(source: ReportSource) -> dict[str, Any]:
    polis = source.imported_from_polis
    mode = (
        "Every post waited until a moderator approved it (pre-moderation)."
        if source.moderation == "pre"
        else "Posts appeared at once and moderators acted afterwards (post-moderation)."
    )
    members = sum(source.members_by_role.values())
    roles = ", ".join(
        plural(n, role, role + "s") for role, n in sorted(source.members_by_role.items())
    )
    if polis:
        who = (
            "This conversation was imported from Pol.is: its statements are the posts of this "
            "report and everyone who voted on them is counted as a participant. Pol.is "
            "participants are pseudonymous; none is named."
        )
    else:
        who = (
            f"Participation was by invitation: {plural(members, 'member', 'members')} "
            f"({roles}) joined through personal invitations from the organisers."
        )
    k = source.min_group
    return {
        "how_it_ran": [
            _schedule(source),
            who,
            f"{mode} Only published posts are used anywhere in this report; posts waiting "
            "for moderation, rejected, hidden or deleted are left out entirely.",
            "Each participant chose whether the report may quote them: with their name, "
            "without it, or not at all. Their current choice always applies: someone who "
            "withdraws it after publication is removed from the published report. A post "
            "may narrow that choice for itself, never widen it.",
            "“Anonymous” means nothing in the report identifies the person: a quote without "
            "a name says where its author is from only when at least "
            f"{k} quotable people share that country (else their region, or nothing), and no "
            f"figure or group smaller than {k} people is shown. Anonymous posts are counted "
            "as posts only, never as people.",
            "“#N” is the number of a post on the dialogue's site; in the digital versions "
            "each one links to that post, for readers who may open it.",
        ],
        "moderation": {
            "mode": source.moderation,
            "posts_by_status": {s: source.status_counts.get(s, 0) for s in STATUSES},
            "actions": dict(
                sorted(
                    (action_words(a), n)
                    for a, n in source.moderation_actions.items()
                    if not a.startswith("report.")
                )
            ),
            "flags": source.flags,
            "members_by_role": dict(sorted(source.members_by_role.items())),
        },
        "analysis": [
            (
                "Sub-themes: within each theme, posts that say similar things were grouped "
                "together by a language model that places sentences with the same meaning "
                "close to each other in any language (Google's multilingual Universal "
                "Sentence Encoder, run on this server; nothing leaves it). Each group is "
                "named by a phrase its most typical posts share."
                if embeddings_available()
                else "Sub-themes: within each theme, posts that use the same words were "
                "grouped together (word counts, one language at a time)."
            )
            + f" Themes with fewer than {subthemes.MIN_POSTS} posts are not grouped.",
            "Key messages marked as draft are participants' own sentences, picked as the "
            "most representative and least repetitive of each theme, for the editors to "
            "rewrite.",
            f"Agreement: a post with at least {opinions.MIN_VOTES} reactions shows broad "
            f"agreement when at least {opinions.CONSENSUS_AGREE:.0%} of them agree and at "
            f"most {opinions.CONSENSUS_MAX_DISAGREE:.0%} disagree, and divides opinion when "
            f"each side has at least {opinions.DIVISION_SIDE:.0%}.",
            "Opinion groups, found as Pol.is finds them: participants who reacted alike are "
            f"grouped together (at least {opinions.MIN_GROUP_PARTICIPANTS} participants who "
            f"each reacted to {opinions.MIN_PARTICIPANT_VOTES} or more posts are needed), and "
            "each group is described by the statements it agreed or disagreed with more than "
            f"the others did. A group smaller than {k} people is not described.",
            "Quotes were chosen to stand alone: not replies that address someone, not the "
            "moderators' own prompts, not fragments, and no post twice; where the posts "
            "allow, from different regions and constituencies.",
        ],
        "limits": [
            "Automatic groupings are pointers to what people wrote, not conclusions: read "
            "the posts they cite.",
            "Reactions come from those who chose to react; they are not a vote of all members.",
            "A person may have written anonymously as well as under their name; anonymous "
            "posts are never tied to anyone.",
        ],
    }
