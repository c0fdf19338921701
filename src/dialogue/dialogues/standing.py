"""A caller's standing in a dialogue, read from their rows: what `policy.can` decides on.

Requests, sockets and the post writer all build it here, so each path judges a caller alike.
"""

from __future__ import annotations

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue, Membership
from dialogue.policy import Role, Standing, Visibility


def standing_of(
    user: User | None, membership: Membership | None, dialogue: Dialogue | None
) -> Standing:
    return Standing(
        signed_in=user is not None,
        is_admin=bool(user and user.is_admin),
        role=Role(membership.role) if membership else None,
        visibility=Visibility(dialogue.visibility) if dialogue else None,
        banned=bool(membership and membership.banned_at is not None),
    )
