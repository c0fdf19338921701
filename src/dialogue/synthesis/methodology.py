"""The methodology appendix, in plain words: how the dialogue ran, who took part, how it was
moderated, how the analysis found what it found, how consent and anonymity were kept, and
what the report's "#N" references mean."""

from __future__ import annotations

from typing import Any

from dialogue.i18n import gettext as _
from dialogue.i18n import ngettext
from dialogue.synthesis import opinions, subthemes
from dialogue.synthesis.embeddings import available as embeddings_available
from dialogue.synthesis.redaction import placeholders
from dialogue.synthesis.source import ReportSource

STATUSES = ("published", "pending", "rejected", "hidden", "deleted")


def status_words(status: str) -> str:
    return {
        "published": _("published"),
        "pending": _("still waiting for a moderator"),
        "rejected": _("not published by moderators"),
        "hidden": _("hidden by moderators"),
        "deleted": _("deleted by their authors"),
    }.get(status, status)


def action_words(action: str) -> str:
    """An audit-log action in words; one not listed is shown with its dots as spaces."""
    words = {
        "appeal.create": _("appeals made"),
        "appeal.decide": _("appeals decided"),
        "code.create": _("analysis codes created"),
        "code.merge": _("analysis codes merged"),
        "code.update": _("analysis codes renamed"),
        "post.codes": _("posts coded"),
        "post.edit": _("posts edited by moderators"),
        "post.hide": _("posts hidden"),
        "post.unhide": _("posts shown again"),
        "post.approve": _("posts approved"),
        "post.reject": _("posts rejected"),
        "post.auto_hide": _("posts hidden automatically after flags"),
        "post.highlight": _("posts highlighted"),
        "post.unhighlight": _("highlights removed"),
        "flag.uphold": _("flags upheld"),
        "flag.dismiss": _("flags dismissed"),
        "member.invite": _("people invited"),
        "member.join": _("people who joined"),
        "member.add": _("members added"),
        "member.update": _("roles changed"),
        "member.mute": _("members muted"),
        "member.ban": _("members removed"),
        "author.mute": _("authors muted"),
        "author.ban": _("authors removed"),
        "invitation.create": _("invitations sent"),
        "unmask.request": _("requests to reveal an anonymous author"),
        "unmask.approve": _("anonymous authors revealed (with a second approval)"),
        "unmask.refuse": _("requests to reveal an anonymous author refused"),
        "thread.lock": _("threads locked"),
        "thread.unlock": _("threads reopened"),
        "consent.change": _("changes of consent to be quoted"),
    }
    return words.get(action, action.replace(".", " ").replace("_", " "))


def _schedule(source: ReportSource) -> str:
    parts = [
        _("“%(title)s” (%(start)s to %(end)s)")
        % {
            "title": t.title,
            "start": t.opens_at.date().isoformat(),
            "end": t.closes_at.date().isoformat(),
        }
        for t in source.themes
    ]
    if not parts:
        return _("No theme was scheduled.")
    return ngettext(
        "The dialogue ran in %(num)s theme: %(themes)s.",
        "The dialogue ran in %(num)s themes: %(themes)s.",
        len(parts),
    ) % {"num": len(parts), "themes": "; ".join(parts)}


def _roles(members_by_role: dict[str, int]) -> str:
    """ "3 moderators, 40 participants": each role with its count, in words."""
    words = {
        "organizer": lambda n: ngettext("%(num)s organizer", "%(num)s organizers", n),
        "moderator": lambda n: ngettext("%(num)s moderator", "%(num)s moderators", n),
        "advisor": lambda n: ngettext("%(num)s advisor", "%(num)s advisors", n),
        "expert": lambda n: ngettext("%(num)s expert", "%(num)s experts", n),
        "participant": lambda n: ngettext("%(num)s participant", "%(num)s participants", n),
        "observer": lambda n: ngettext("%(num)s observer", "%(num)s observers", n),
    }
    return ", ".join(
        words[role](n) % {"num": n} if role in words else f"{n} {role}"
        for role, n in sorted(members_by_role.items())
    )


def methodology(source: ReportSource) -> dict[str, Any]:
    polis = source.imported_from_polis
    mode = (
        _("Every post waited until a moderator approved it (pre-moderation).")
        if source.moderation == "pre"
        else _("Posts appeared at once and moderators acted afterwards (post-moderation).")
    )
    members = sum(source.members_by_role.values())
    if polis:
        who = _(
            "This conversation was imported from Pol.is: its statements are the posts of this "
            "report and everyone who voted on them is counted as a participant. Pol.is "
            "participants are pseudonymous; none is named."
        )
    else:
        who = ngettext(
            "Participation was by invitation: %(num)s member (%(roles)s) joined through "
            "personal invitations from the organisers.",
            "Participation was by invitation: %(num)s members (%(roles)s) joined through "
            "personal invitations from the organisers.",
            members,
        ) % {"num": members, "roles": _roles(source.members_by_role)}
    k = source.min_group
    sub_themes = (
        _(
            "Sub-themes: within each theme, posts that say similar things were grouped "
            "together by a language model that places sentences with the same meaning "
            "close to each other in any language (Google's multilingual Universal "
            "Sentence Encoder, run on this server; nothing leaves it). Each group is "
            "named by a phrase its most typical posts share."
        )
        if embeddings_available()
        else _(
            "Sub-themes: within each theme, posts that use the same words were "
            "grouped together (word counts, one language at a time)."
        )
    )
    return {
        "how_it_ran": [
            _schedule(source),
            who,
            mode
            + " "
            + _(
                "Only published posts are used anywhere in this report; posts waiting "
                "for moderation, rejected, hidden or deleted are left out entirely."
            ),
            _(
                "Each participant chose whether the report may quote them: with their name, "
                "without it, or not at all. Their current choice always applies: someone who "
                "withdraws it after publication is removed from the published report. A post "
                "may narrow that choice for itself, never widen it."
            ),
            _(
                "“Anonymous” means nothing in the report identifies the person: a quote "
                "without a name says where its author is from only when at least %(k)s "
                "quotable people share that country (else their region, or nothing), and no "
                "figure or group smaller than %(k)s people is shown. Anonymous posts are "
                "counted as posts only, never as people."
            )
            % {"k": k},
            _(
                "In quotes without their author's name, names of people, organisations, "
                "places and contact details are replaced by %(name)s, %(organisation)s, "
                "%(place)s and %(contact)s; no quote carries the name of someone who is not "
                "quoted by name."
            )
            % placeholders(),
            _(
                "“#N” is the number of a post on the dialogue's site; in the digital versions "
                "each one links to that post, for readers who may open it."
            ),
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
            sub_themes
            + " "
            + _("Themes with fewer than %(num)s posts are not grouped.")
            % {"num": subthemes.MIN_POSTS},
            _(
                "Key messages marked as draft are participants' own sentences, picked as the "
                "most representative and least repetitive of each theme, for the editors to "
                "rewrite."
            ),
            _(
                "Recommendations are the posts moderators coded as recommendations, grouped "
                "by the audience the code names (“Recommendation: funders”); a draft drawn "
                "from their sentences is marked as such until the editors write their own."
            ),
            _(
                "Agreement: a post with at least %(votes)s reactions shows broad agreement "
                "when at least %(agree)s of them agree and at most %(disagree)s disagree, and "
                "divides opinion when each side has at least %(side)s."
            )
            % {
                "votes": opinions.MIN_VOTES,
                "agree": f"{opinions.CONSENSUS_AGREE:.0%}",
                "disagree": f"{opinions.CONSENSUS_MAX_DISAGREE:.0%}",
                "side": f"{opinions.DIVISION_SIDE:.0%}",
            },
            _(
                "Opinion groups, found as Pol.is finds them: participants who reacted alike "
                "are grouped together (at least %(people)s participants who each reacted to "
                "%(votes)s or more posts are needed), and each group is described by the "
                "statements it agreed or disagreed with more than the others did. A group "
                "smaller than %(k)s people is not described."
            )
            % {
                "people": opinions.MIN_GROUP_PARTICIPANTS,
                "votes": opinions.MIN_PARTICIPANT_VOTES,
                "k": k,
            },
            _(
                "Quotes were chosen to stand alone: not replies that address someone, not the "
                "moderators' own prompts, not fragments, and no post twice; where the posts "
                "allow, from different regions and constituencies."
            ),
        ],
        "limits": [
            _(
                "Automatic groupings are pointers to what people wrote, not conclusions: read "
                "the posts they cite."
            ),
            _("Reactions come from those who chose to react; they are not a vote of all members."),
            _(
                "A person may have written anonymously as well as under their name; anonymous "
                "posts are never tied to anyone."
            ),
        ],
    }
