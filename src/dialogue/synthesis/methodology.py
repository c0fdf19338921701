"""The methodology appendix: how the dialogue ran, moderation figures, how the analysis works."""

from __future__ import annotations

from typing import Any

from dialogue.synthesis import figures, opinions, subthemes
from dialogue.synthesis.source import ReportSource

STATUSES = ("published", "pending", "rejected", "hidden", "deleted")


def methodology(source: ReportSource) -> dict[str, Any]:
    mode = (
        "Posts waited in a queue until a moderator approved them (pre-moderation)."
        if source.moderation == "pre"
        else "Posts appeared at once; moderators acted afterwards (post-moderation)."
    )
    members = sum(source.members_by_role.values())
    return {
        "how_it_ran": [
            f"The dialogue ran in {len(source.themes)} themes with {members} members. {mode}",
            "Only published posts are used anywhere in this report. Pending, rejected, hidden "
            "and deleted posts are left out entirely.",
            "A post is quoted only when its author agreed to be quoted, by name or "
            "anonymously, in their profile or for that post; without a known answer it is "
            "never quoted. Anonymous posts never name their author.",
            "Anonymous posts are counted as posts only. Participants, countries, "
            "organisations, regions and roles are counted from posts written under their "
            "authors' own names, so no figure shows who wrote an anonymous post or whether "
            "two anonymous posts share an author.",
        ],
        "moderation": {
            "mode": source.moderation,
            "posts_by_status": {s: source.status_counts.get(s, 0) for s in STATUSES},
            "actions": dict(sorted(source.moderation_actions.items())),
            "flags": source.flags,
            "members_by_role": dict(sorted(source.members_by_role.items())),
        },
        "analysis": [
            "Sub-themes: each theme's posts are turned into TF-IDF vectors (English, French, "
            "Spanish and Portuguese stop words removed; words used in a single post ignored), "
            f"then split by non-negative matrix factorisation into up to "
            f"{subthemes.MAX_CLUSTERS} components (deterministic start, seed {subthemes.SEED}). "
            "Each post joins its strongest component; a label is the component's top terms.",
            f"Agreement: a post with at least {opinions.MIN_VOTES} reactions shows broad "
            f"agreement when at least {opinions.CONSENSUS_AGREE:.0%} agree and at most "
            f"{opinions.CONSENSUS_MAX_DISAGREE:.0%} disagree, and divides when both sides have "
            f"at least {opinions.DIVISION_SIDE:.0%}.",
            "Opinion groups, as in Pol.is: the participant x post matrix of reactions (agree 1, "
            "disagree -1, pass 0, unseen filled with the post's mean) is reduced to two "
            "principal components and clustered with k-means (2 to 5 groups, the best "
            f"silhouette, seed {opinions.SEED}), when at least "
            f"{opinions.MIN_GROUP_PARTICIPANTS} participants reacted to "
            f"{opinions.MIN_PARTICIPANT_VOTES} or more posts.",
            "Who spoke counts only members who consented to be quoted, and only their "
            f"own-name posts; any group of fewer than {figures.MIN_GROUP} people is left out.",
        ],
        "limits": [
            "Automatic sub-themes group words, not meanings: read them as pointers to posts.",
            "Reactions come from those who chose to react; they are not a vote of all members.",
            "Participants wrote in several languages; clustering works best within one.",
        ],
    }
