"""The Reply-To of mail about a post: the address a reply by e-mail goes to.

Reply by e-mail is built beside this (`notifications.reply_tokens`, `dialogue mail-receive`).
Until it is wired in, no Reply-To is set, so a reply reaches nobody rather than the wrong
thread; with no reply domain configured there is never one.
"""

from __future__ import annotations

from dialogue.config import Settings


def reply_to(settings: Settings, *, user_id: int, thread_id: int) -> str | None:
    """`reply+TOKEN@domain` for this recipient and thread, or None."""
    if not settings.reply_domain:
        return None
    # Wired at merge: `reply_tokens.reply_address(settings, user_id=..., thread_id=...)`.
    return None
