"""The e-mail that tells someone why their reply was not posted, in their language.

It goes only to the address of the account the reply address belongs to, never to the
message's sender: whoever sent it learns nothing, and a forged sender cannot make this
server write to anyone else. It names the conversation only while the person may still
read it, and never repeats the reply's text (it is in their sent mail).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from dialogue.error_codes import ErrorCode
from dialogue.i18n import gettext as _

# Not a code of the contract: the reply came from an address other than the account's.
OTHER_SENDER = "other_sender"
EMPTY = "empty"
TOO_LONG = "too_long"

# The refusals the post writer gives only once it has found that the person may read the
# conversation: these, and only these, name it. (Empty, too long, too fast and another
# sender are refused before anything is read.)
_STILL_READS = {
    ErrorCode.THEME_CLOSED,
    ErrorCode.DIALOGUE_NOT_OPEN,
    ErrorCode.THREAD_LOCKED,
    ErrorCode.THREAD_NOT_PUBLISHED,
    ErrorCode.MUTED,
    ErrorCode.CONDUCT_NOT_ACCEPTED,
}


@dataclass(frozen=True, slots=True)
class Place:
    """The conversation the reply was meant for."""

    dialogue_title: str
    thread_title: str
    url: str


def reason(code: str, *, max_length: int) -> str:
    """Why, in a sentence or two, in the language active now."""
    reasons = {
        ErrorCode.THEME_CLOSED: _(
            "The theme of this conversation is closed: it takes no more replies."
        ),
        ErrorCode.DIALOGUE_NOT_OPEN: _(
            "This dialogue is not open for contributions at the moment."
        ),
        ErrorCode.THREAD_LOCKED: _("The moderators have locked this conversation."),
        ErrorCode.THREAD_NOT_PUBLISHED: _("This conversation is not open for replies."),
        ErrorCode.MUTED: _("You are muted in this dialogue for now."),
        ErrorCode.CONDUCT_NOT_ACCEPTED: _(
            "The dialogue's code of conduct has changed. Please read and accept it on the "
            "website; then you can reply by e-mail again."
        ),
        ErrorCode.RATE_LIMITED: _(
            "You sent several replies in a short time. Please wait a few minutes and send "
            "this one again."
        ),
        EMPTY: _(
            "We found no words of your own in your e-mail: quoted text and signatures are "
            "left out. Please write your reply above the quoted message."
        ),
        TOO_LONG: _("Your reply is longer than %(n)s characters, the most a post can have.")
        % {"n": max_length},
        OTHER_SENDER: _(
            "Your reply came from another address than the one of your account. For your "
            "safety, replies are taken only from the address we write to."
        ),
    }
    return reasons.get(code, _("You can no longer post in this conversation."))


def refusal_message(
    *, code: str, display_name: str, place: Place | None, max_length: int
) -> tuple[str, str, str]:
    """The subject, plain text and HTML of the refusal."""
    place = place if code in _STILL_READS else None
    lines = [_("Hello %(name)s,") % {"name": display_name}, ""]
    if place is None:
        lines.append(_("Your reply by e-mail was not posted."))
    else:
        lines.append(
            _("Your reply by e-mail to “%(thread)s” in %(dialogue)s was not posted.")
            % {"thread": place.thread_title, "dialogue": place.dialogue_title}
        )
    lines += ["", reason(code, max_length=max_length), ""]
    if place is not None:
        lines += [_("You can read the conversation and post on the website:"), place.url, ""]
    lines.append(_("This is an automatic message: replies to it are not read."))
    text = "\n".join(lines) + "\n"
    return _("Your reply was not posted"), text, _as_html(text, link=place.url if place else None)


def _as_html(text: str, *, link: str | None) -> str:
    """The same words as HTML: a paragraph per block, the link clickable, nothing remote."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        inner = "<br>".join(escape(line) for line in block.split("\n"))
        if link is not None:
            inner = inner.replace(escape(link), f'<a href="{escape(link)}">{escape(link)}</a>')
        paragraphs.append(f'<p style="margin:0 0 1em 0">{inner}</p>')
    body = "".join(paragraphs)
    return (
        '<div style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;'
        f'color:#1a1a1a;max-width:36em">{body}</div>'
    )
